"""The elements of a goAML report: the shipped schema and its code lists, text XML can hold,
names cut to the schema's limits, and the person, entity and account nodes (see
:mod:`engine.reports.goaml`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree
from normality import ascii_text

from engine.config import get_settings

HERE = Path(__file__).parent
XSD_PATH = HERE / "goAMLSchema-5.0.2.xsd"

#: data-contract account type -> goAML account type
ACCOUNT_TYPES: dict[str, str] = {
    "current": "A", "savings": "B", "business": "C", "npo": "C", "prepaid_card": "PREPD",
    "money_service": "MNMSB", "wallet": "FDWLT", "correspondent": "C", "loan": "LOAN",
}

_NAME_BAD = re.compile(r"[^a-zA-Z0-9 .'-]+")


# --------------------------------------------------------------------------- reference
@lru_cache(maxsize=1)
def schema() -> xmlschema.XMLSchema11:
    """The goAML schema shipped with the package (loaded once)."""
    return xmlschema.XMLSchema11(str(XSD_PATH))


@lru_cache(maxsize=1)
def _enum(type_name: str) -> frozenset[str]:
    xsd_type = schema().types[type_name]
    values = getattr(xsd_type, "enumeration", None) or ()  # simple types carry the enumeration
    return frozenset(str(v) for v in values)


# --------------------------------------------------------------------------- helpers
def _sub(parent: etree._Element, tag: str, text: Any = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = xml_text(_fmt(text))
    return el


#: Characters XML 1.0 cannot hold (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD (shown as �), so that no
    stored value (a NUL or an escape in a name, a reference ...) can stop an STR export."""
    return _NOT_XML.sub("\ufffd", text)


def _fmt(v: Any) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, date):
        return v.strftime("%Y-%m-%dT00:00:00")
    if isinstance(v, Decimal | float):
        return f"{Decimal(str(v)).quantize(Decimal('0.01'))}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _clean_name(name: str | None, fallback: str = "UNKNOWN", limit: int = 100) -> str:
    """ASCII-fold a name to the schema's pattern ``[a-zA-Z0-9 .'-]*`` (characters XML cannot
    hold are dropped)."""
    text = ascii_text(_NOT_XML.sub("", name or "")) or ""
    text = " ".join(_NAME_BAD.sub(" ", text).split())[:limit].strip()
    return text or fallback


def _text(v: Any, limit: int) -> str:
    return (str(v) if v is not None else "")[:limit]


def _country(code: str | None) -> str:
    return code if code and code in _enum("country_type") else "-"


def _split_name(name: str | None) -> tuple[str, str]:
    parts = _clean_name(name).split(" ")
    if len(parts) == 1:
        return parts[0], parts[0]
    return " ".join(parts[:-1])[:100], parts[-1][:100]


# --------------------------------------------------------------------------- parties
def _person(parent: etree._Element, tag: str, party: dict[str, Any] | None, name: str | None) -> None:
    el = _sub(parent, tag)
    first, last = _split_name((party or {}).get("name") or name)
    _sub(el, "first_name", first)
    _sub(el, "last_name", last)
    if party:
        if party.get("date_of_birth"):
            _sub(el, "birthdate", party["date_of_birth"])
        if party.get("id_number"):
            _sub(el, "id_number", _text(party["id_number"], 255))
        if party.get("nationality") and _country(party["nationality"]) != "-":
            _sub(el, "nationality1", party["nationality"])
        if party.get("country") and _country(party["country"]) != "-":
            _sub(el, "residence", party["country"])
        if party.get("occupation"):
            _sub(el, "occupation", _text(party["occupation"], 255))
        _sub(el, "comments", f"ctfmon party {party['party_id']}")


def _entity(parent: etree._Element, tag: str, party: dict[str, Any] | None, name: str | None) -> None:
    el = _sub(parent, tag)
    _sub(el, "name", _clean_name((party or {}).get("name") or name, limit=255))
    if party:
        if party.get("occupation"):
            _sub(el, "business", _text(party["occupation"], 255))
        if party.get("country") and _country(party["country"]) != "-":
            _sub(el, "incorporation_country_code", party["country"])
        if party.get("registered_on"):
            _sub(el, "incorporation_date", party["registered_on"])
        _sub(el, "comments", f"ctfmon party {party['party_id']}")


def _party_node(parent: etree._Element, prefix: str, party: dict[str, Any] | None, name: str | None) -> None:
    """``<prefix>person`` for individuals (and unknown names), ``<prefix>entity`` otherwise."""
    if party is not None and party.get("party_type") != "individual":
        _entity(parent, f"{prefix}entity", party, name)
    else:
        _person(parent, f"{prefix}person", party, name)


def _account(parent: etree._Element, tag: str, account_id: str, acc: dict[str, Any] | None,
             owner: dict[str, Any] | None, name_hint: str | None) -> None:
    s = get_settings()
    el = _sub(parent, tag)
    if acc is not None:
        _sub(el, "institution_name", _text(acc.get("institution_id") or s.goaml_institution_name, 255))
        _sub(el, "institution_code", _text(acc.get("institution_id") or s.goaml_institution_code, 50))
    else:
        _sub(el, "institution_name", "not on file")
        _sub(el, "institution_code", "UNKNOWN")
    _sub(el, "account", _text(account_id, 255))
    if acc is not None and acc.get("currency") in _enum("currency_type"):
        _sub(el, "currency_code", acc["currency"])
    _sub(el, "account_name", _clean_name((owner or {}).get("name") or name_hint, limit=255))
    if acc is not None:
        _sub(el, "personal_account_type", ACCOUNT_TYPES.get(acc.get("account_type") or "", "-"))
    if owner is not None and owner.get("party_type") != "individual":
        _entity(el, "t_entity", owner, None)
    elif owner is not None:
        sig = _sub(el, "signatory")
        _sub(sig, "is_primary", "true")
        _person(sig, "t_person", owner, None)
    if acc is not None and acc.get("opened_on"):
        _sub(el, "opened", acc["opened_on"])
    if acc is not None and acc.get("closed_on"):
        _sub(el, "closed", acc["closed_on"])


