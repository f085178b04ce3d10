"""Parsing sanctions list files completely before anything is stored: the UN Consolidated List
XML and the simple CSV of national lists (its columns are in :mod:`engine.screening.lists`);
a malformed file is refused naming the record and field."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

from lxml import etree

from engine.errors import CtfmonError
from engine.screening.entries import (
    _ALIAS_QUALITY,
    ENTRY_TYPES,
    BirthDate,
    ListEntry,
    ListName,
    ParsedList,
    _child_text,
    _int,
    _split_multi,
    _text,
    country_code,
)


def parse_un_xml(data: bytes, file: str) -> ParsedList:
    """Parse the UN Security Council Consolidated List XML (INDIVIDUAL and ENTITY records)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise CtfmonError(
            f"{file}:{line} malformed XML ({exc.msg}); expected a complete UN Consolidated List file"
        ) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise CtfmonError(f"{file}: root element is <{root.tag}>, expected <CONSOLIDATED_LIST>")
    generated_at = None
    gen = root.get("dateGenerated")
    if gen:
        try:
            generated_at = datetime.fromisoformat(gen.replace("Z", "+00:00")).astimezone(UTC)
            generated_at = generated_at.replace(tzinfo=None)
        except ValueError:
            raise CtfmonError(f"{file}: dateGenerated {gen!r} is not an ISO 8601 timestamp") from None
    entries: list[ListEntry] = []
    for rec in root.iter("INDIVIDUAL", "ENTITY"):
        entries.append(_un_record(rec, file))
    if not entries:
        raise CtfmonError(f"{file}: no INDIVIDUAL or ENTITY records found")
    _check_unique([e.reference for e in entries], file)
    return ParsedList("un-xml", generated_at, entries)


def _un_record(rec: etree._Element, file: str) -> ListEntry:
    is_person = rec.tag == "INDIVIDUAL"
    ref = _child_text(rec, "REFERENCE_NUMBER")
    where = f"{file}: line {rec.sourceline}"
    if not ref:
        raise CtfmonError(f"{where}: <{rec.tag}> without REFERENCE_NUMBER")
    parts = [_child_text(rec, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    full = " ".join(p for p in parts if p)
    if not full:
        raise CtfmonError(f"{where}: {ref} has no FIRST_NAME")
    names: list[ListName] = []
    primaries = _split_multi(full) if not is_person else [full.replace(",", " ").strip()]
    primaries = [" ".join(p.split()) for p in primaries]
    for p in primaries:
        names.append(ListName(p, "primary", "good"))
        if not is_person:
            # "BUTEMBO AIRLINES (BAL)": the bracketed acronym is a name of its own.
            for acronym in re.findall(r"\(([^()]+)\)", p):
                if acronym.strip():
                    names.append(ListName(acronym.strip(), "alias", "good"))
    alias_tag = "INDIVIDUAL_ALIAS" if is_person else "ENTITY_ALIAS"
    birth_dates: list[BirthDate] = []
    for al in rec.iter(alias_tag):
        an = _child_text(al, "ALIAS_NAME")
        if not an:
            continue
        q = (_child_text(al, "QUALITY") or "good").lower()
        quality = _ALIAS_QUALITY.get(q, "good")
        for part in _split_multi(an):
            names.append(ListName(part, "alias", quality))
        dob = _child_text(al, "DATE_OF_BIRTH")
        if dob:
            birth_dates.append(BirthDate("exact", date=dob[:10]))
    for el in rec.iter("NAME_ORIGINAL_SCRIPT"):
        t = _text(el)
        if t:
            names.append(ListName(t, "original_script", "good"))
    for el in rec.iter("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = (_child_text(el, "TYPE_OF_DATE") or "").lower()
        d = _child_text(el, "DATE")
        y = _int(_child_text(el, "YEAR"))
        fy = _int(_child_text(el, "FROM_YEAR"))
        ty = _int(_child_text(el, "TO_YEAR"))
        if not (d or y or fy or ty):
            continue
        if kind not in ("exact", "approximately", "between"):
            kind = "between" if (fy or ty) else "exact"
        birth_dates.append(BirthDate(kind, date=d[:10] if d else None, year=y, from_year=fy, to_year=ty))
    nationalities: list[str] = []
    for el in rec.iterfind("NATIONALITY/VALUE"):
        t = _text(el)
        code = country_code(t) if t else None
        if code and code not in nationalities:
            nationalities.append(code)
    documents: list[dict[str, str]] = []
    for el in rec.iter("INDIVIDUAL_DOCUMENT"):
        number = _child_text(el, "NUMBER")
        if not number:
            continue
        doc = {"number": number, "type": _child_text(el, "TYPE_OF_DOCUMENT") or ""}
        issuer = _child_text(el, "ISSUING_COUNTRY") or _child_text(el, "COUNTRY_OF_ISSUE")
        if issuer:
            doc["country"] = country_code(issuer) or issuer
        documents.append(doc)
    addresses: list[str] = []
    for el in rec.iter("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
        bits = [_child_text(el, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
        a = ", ".join(b for b in bits if b)
        if a:
            addresses.append(a)
    places: list[str] = []
    for el in rec.iter("INDIVIDUAL_PLACE_OF_BIRTH"):
        bits = [_child_text(el, t) for t in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        a = ", ".join(b for b in bits if b)
        if a:
            places.append(a)
    return ListEntry(
        reference=ref,
        entry_type="person" if is_person else "entity",
        primary_name=primaries[0],
        names=_dedupe_names(names),
        program=_child_text(rec, "UN_LIST_TYPE"),
        listed_on=(_child_text(rec, "LISTED_ON") or "")[:10] or None,
        birth_dates=birth_dates,
        nationalities=nationalities,
        documents=documents,
        addresses=addresses,
        places_of_birth=places,
        comments=_child_text(rec, "COMMENTS1"),
    )


def _dedupe_names(names: list[ListName]) -> list[ListName]:
    seen: dict[str, ListName] = {}
    for n in names:
        key = n.name.casefold()
        prev = seen.get(key)
        if prev is None or (prev.quality == "low" and n.quality == "good"):
            seen[key] = n
    return list(seen.values())


def _check_unique(refs: list[str], file: str) -> None:
    seen: set[str] = set()
    for r in refs:
        if r in seen:
            raise CtfmonError(f"{file}: reference {r!r} appears twice; each designation needs its own")
        seen.add(r)


CSV_REQUIRED = ("reference", "name", "entry_type")


CSV_COLUMNS = CSV_REQUIRED + (
    "aliases", "weak_aliases", "original_script", "date_of_birth", "nationality",
    "document_numbers", "program", "listed_on", "reason",
)


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_YEAR_RE = re.compile(r"^\d{4}$")


_RANGE_RE = re.compile(r"^(\d{4})\s*/\s*(\d{4})$")


def _csv_list(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def _csv_birth_date(value: str, where: str) -> BirthDate:
    v = value.strip()
    approx = v.startswith("~")
    if approx:
        v = v[1:].strip()
    kind = "approximately" if approx else "exact"
    if _DATE_RE.match(v):
        try:
            date.fromisoformat(v)
        except ValueError:
            pass
        else:
            return BirthDate(kind, date=v)
    elif _YEAR_RE.match(v):
        return BirthDate(kind, year=int(v))
    elif (m := _RANGE_RE.match(v)) and not approx:
        return BirthDate("between", from_year=int(m.group(1)), to_year=int(m.group(2)))
    raise CtfmonError(
        f"{where}, column date_of_birth: {value!r} is not YYYY-MM-DD, YYYY, YYYY/YYYY or ~YYYY[-MM-DD]"
    )


def parse_csv(data: bytes, file: str) -> ParsedList:
    """Parse the documented CSV list format (see the module docstring)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CtfmonError(f"{file}: not UTF-8 (byte {exc.start}); save the list as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise CtfmonError(
            f"{file}: line 1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}"
        )
    entries: list[ListEntry] = []
    try:
        for row in reader:
            line = reader.line_num
            where = f"{file}: line {line}"
            if None in row:
                raise CtfmonError(f"{where}: more cells than header columns (unquoted comma?)")
            ref = (row.get("reference") or "").strip()
            name = " ".join((row.get("name") or "").split())
            etype = (row.get("entry_type") or "").strip().lower()
            if not ref:
                raise CtfmonError(f"{where}, column reference: empty; every designation needs an id")
            if not name:
                raise CtfmonError(f"{where}, column name: empty")
            if etype not in ENTRY_TYPES:
                raise CtfmonError(f"{where}, column entry_type: {etype!r}; expected person, entity or vessel")
            names = [ListName(name, "primary", "good")]
            names += [ListName(a, "alias", "good") for a in _csv_list(row.get("aliases"))]
            names += [ListName(a, "alias", "low") for a in _csv_list(row.get("weak_aliases"))]
            names += [ListName(a, "original_script", "good") for a in _csv_list(row.get("original_script"))]
            nats: list[str] = []
            for n in _csv_list(row.get("nationality")):
                code = country_code(n)
                if code is None:
                    raise CtfmonError(f"{where}, column nationality: unknown country {n!r}")
                nats.append(code)
            listed_on = (row.get("listed_on") or "").strip() or None
            if listed_on and not _DATE_RE.match(listed_on):
                raise CtfmonError(f"{where}, column listed_on: {listed_on!r} is not YYYY-MM-DD")
            entries.append(
                ListEntry(
                    reference=ref,
                    entry_type=etype,
                    primary_name=name,
                    names=_dedupe_names(names),
                    program=(row.get("program") or "").strip() or None,
                    listed_on=listed_on,
                    birth_dates=[_csv_birth_date(d, where) for d in _csv_list(row.get("date_of_birth"))],
                    nationalities=nats,
                    documents=[{"number": d, "type": ""} for d in _csv_list(row.get("document_numbers"))],
                    comments=(row.get("reason") or "").strip() or None,
                )
            )
    except csv.Error as exc:
        raise CtfmonError(f"{file}: line {reader.line_num}: malformed CSV ({exc})") from None
    if not entries:
        raise CtfmonError(f"{file}: no rows after the header")
    _check_unique([e.reference for e in entries], file)
    return ParsedList("csv", None, entries)
