"""TF-DOC-01 Lost, stolen or invalid travel document.

Indicator (catalogue): a cash declaration or a party's identity document carries a document
number (with its issuing country, where given) on a loaded lost/stolen/invalid document list,
reported before the date of use; or one document number used by travellers of different names
or birth dates.

Document lists are loaded with ``ctfmon lists load FILE --format documents-csv``
(:mod:`engine.screening.documents`); the active version of every document list is read.
Numbers are compared by their key: upper case, Latin letters and digits only (``ab 123-456``
is ``AB123456``); ``fold_o_zero`` also reads a letter O as a zero (off by default: many
numbering schemes use both, so folding them joins different documents; turn it on for numbers
keyed in by hand from paper forms).

Two checks:

- ``listed``: a use of a listed number whose entry was reported *before the day of use*
  (a document reported on the day of the crossing, or later, does not count).  Uses are the
  scan window's cash declarations (``document_number``; day of use: the crossing; issuing
  country: the declared nationality) and, with ``check_parties``, every party's ``id_number``
  (day of use: onboarding, ``registered_on``, else the opening of its first account; a party
  with neither is not checked; issuing country: its nationality).  Where both the list and the
  use give a country they must agree (``match_issuing_country``).  One alert per subject and
  listed document: the declaration's party, or ``traveller:<document number>`` when the
  traveller is not on file (the key TF-CASH-03 uses), or the party whose identity document
  it is.  Score by status: stolen or stolen blank 0.85, revoked, invalid or cancelled 0.75,
  lost 0.65; more uses raise it (noisy-or, up to +0.2 at 4 uses).
- ``shared_number``: one number (with one nationality, or none, on the declarations) declared
  by more than one traveller, at least once inside the scan window.  Declarations belong to
  one traveller when they name the same party, or when their names agree after normalisation
  (case, accents, script, transliteration skeletons, word order, a dropped name, or a token-sort
  similarity of at least ``name_similarity``) and their birth dates (from the party on file)
  do not differ.  Numbers shorter than ``min_number_length`` letters and digits, without a
  digit, or one character repeated (placeholders such as ``N/A`` or ``0000000``) are
  skipped.  One alert per traveller (its party, else ``traveller:<name>``) with every
  declaration of the number as evidence; score 0.7, up to 0.9 at 4 travellers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field
from rapidfuzz import fuzz

from engine.detect.base import Alert, Params, ScanContext
from engine.detect.typology import Typology
from engine.screening.documents import STATUSES
from engine.screening.normalize import normalize_name, skeleton
from typologies._common import combine, money, plural, ramp

DOCUMENT_WORDS = {"passport": "Passport", "id_card": "ID card", "travel_document": "Travel document", "visa": "Visa",
                  "residence_permit": "Residence permit"}
STATUS_SCORE = {"stolen": 0.85, "stolen_blank": 0.85, "revoked": 0.75, "invalid": 0.75, "cancelled": 0.75,
                "lost": 0.65}


class DocumentParams(Params):
    statuses: tuple[str, ...] = Field(STATUSES, description="list statuses that count (lost, stolen, stolen_blank, "
                                                           "revoked, invalid, cancelled)")
    match_issuing_country: bool = Field(
        True, description="a listed issuing country must agree with the use's nationality when both are given")
    fold_o_zero: bool = Field(False, description="read a letter O as a zero when comparing numbers")
    check_parties: bool = Field(True, description="also check the parties' identity documents (id_number), "
                                                  "used at onboarding")
    min_number_length: int = Field(5, ge=1, le=64, description="shortest number (letters and digits) checked for "
                                                              "use by different travellers")
    name_similarity: float = Field(0.85, gt=0, le=1, description="token-sort similarity from which two "
                                                                 "traveller names are one person's")


Ctx = ScanContext[DocumentParams]


def _day(value: Any) -> str:
    return value.isoformat()[:10] if isinstance(value, date | datetime) else str(value)


# ------------------------------------------------------------------ one traveller or several
def _name_keys(names: list[str]) -> list[tuple[str, ...]]:
    """Skeleton token sets of each name (every normalised form of it)."""
    out: list[tuple[str, ...]] = []
    for name in names:
        if not name or not name.strip():
            continue
        for form in normalize_name(name, "person").forms:
            toks = tuple(sorted({skeleton(t) for t in form if skeleton(t)}))
            if toks and toks not in out:
                out.append(toks)
    return out


def _same_name(a: list[tuple[str, ...]], b: list[tuple[str, ...]], similarity: float) -> bool:
    for x in a:
        for y in b:
            sx, sy = set(x), set(y)
            if sx == sy:
                return True
            small, big = (sx, sy) if len(sx) <= len(sy) else (sy, sx)
            if len(small) >= 2 and small <= big:
                return True
            if fuzz.token_sort_ratio(" ".join(x), " ".join(y)) >= 100 * similarity:
                return True
    return False


def travellers(rows: list[dict[str, Any]], similarity: float) -> list[list[dict[str, Any]]]:
    """The declarations of one number grouped into travellers (union of pairwise sameness)."""
    keys = []
    for r in rows:
        names = [r["traveller_name"]]
        if r.get("party_name"):
            names += [r["party_name"], *(r.get("alt_names") or [])]
        keys.append(_name_keys(names))
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            a, b = rows[i], rows[j]
            if a["party_id"] and a["party_id"] == b["party_id"]:
                same = True
            elif a["date_of_birth"] and b["date_of_birth"] and a["date_of_birth"] != b["date_of_birth"]:
                same = False
            else:
                same = _same_name(keys[i], keys[j], similarity)
            if same:
                parent[find(i)] = find(j)
    groups: dict[int, list[dict[str, Any]]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(find(i), []).append(r)
    return sorted(groups.values(), key=lambda g: (g[0]["ts"], g[0]["declaration_id"]))


class LostStolenDocument(Typology[DocumentParams]):
    Params = DocumentParams

    def detect(self, ctx: Ctx) -> list[Alert]:
        self.execute(ctx, "uses.sql")
        try:
            listed = self.query(ctx, "listed.sql")
        finally:
            ctx.con.execute("DROP TABLE IF EXISTS tf_doc_01_uses")
        alerts = self._listed(listed.to_dicts())
        alerts += self._shared(self.query(ctx, "shared.sql").to_dicts(), ctx.params)
        return alerts

    # ------------------------------------------------------------------ listed
    def _listed(self, rows: list[dict[str, Any]]) -> list[Alert]:
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault((r["subject_id"], r["list_name"], r["listed_number"]), []).append(r)
        out = []
        for (subject, list_name, listed_number), uses in groups.items():
            e = uses[0]
            decls = [u for u in uses if u["use_kind"] == "declaration"]
            onboarding = [u for u in uses if u["use_kind"] == "party"]
            reported = _day(e["reported_on"])
            details = {
                "check": "listed", "list_name": list_name, "list_version": e["version_id"],
                "listed_number": listed_number, "issuing_country": e["issuing_country"],
                "document_type": e["document_type"], "status": e["status"], "reported_on": reported,
                "source": e["source"], "document_number": e["document_number"],
                "party_id": e["party_id"], "traveller": e["name"],
                "uses": [{"kind": u["use_kind"], "id": u["use_id"], "at": u["used_at"].isoformat(sep=" "),
                          "document_number": u["document_number"], "name": u["name"], "country": u["country"],
                          "days_after_report": (u["used_at"].date() - e["reported_on"]).days}
                         for u in uses],
            }
            score = combine(STATUS_SCORE.get(e["status"], 0.65), 0.2 * ramp(len(uses), 1, 4))
            parts = []
            if decls:
                total = sum(u["amount"] or 0 for u in decls)
                ports = sorted({u["port"] for u in decls if u["port"]})
                parts.append(f"{plural(len(decls), 'cash declaration')} ({money(total)}"
                             + (f" at {', '.join(ports)}" if ports else "") + ") from "
                             + _day(decls[0]["used_at"]) + (f" to {_day(decls[-1]['used_at'])}" if len(decls) > 1 else ""))
            if onboarding:
                parts.append(f"the identity document of party {onboarding[0]['party_id']}, on file since "
                             f"{_day(onboarding[0]['used_at'])}")
            kind = DOCUMENT_WORDS.get(e["document_type"], "Document")
            country = f", {e['issuing_country']}" if e["issuing_country"] else ""
            explanation = (f"{kind} {listed_number}{country} was reported {e['status'].replace('_', ' ')} "
                           f"on {reported} (list {list_name}) and used after that by {e['name']}: "
                           + "; ".join(parts) + ".")
            times = [u["used_at"] for u in uses]
            out.append(Alert("party", subject, round(score, 4), min(times), max(times),
                             sorted(u["use_id"] for u in decls), explanation, details))
        return out

    # ------------------------------------------------------------------ shared number
    def _shared(self, rows: list[dict[str, Any]], p: DocumentParams) -> list[Alert]:
        by_number: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in rows:
            by_number.setdefault((r["number_key"], r["nationality"] or ""), []).append(r)
        out = []
        for (key, nat), decls in sorted(by_number.items()):
            people = travellers(decls, p.name_similarity)
            if len(people) < 2:
                continue
            evidence = sorted(d["declaration_id"] for d in decls)
            summary = [{"traveller": g[0]["traveller_name"], "party_id": g[0]["party_id"],
                        "date_of_birth": _day(g[0]["date_of_birth"]) if g[0]["date_of_birth"] else None,
                        "declarations": [d["declaration_id"] for d in g]} for g in people]
            names = [s["traveller"] for s in summary]
            start = min(d["ts"] for d in decls)
            end = max(d["ts"] for d in decls)
            score = round(0.7 + 0.2 * ramp(len(people), 2, 4), 4)
            shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            explanation = (f"Document number {key}" + (f" ({nat})" if nat else "") + f" was used by "
                           f"{len(people)} different travellers ({shown}) in {plural(len(decls), 'cash declaration')} "
                           f"from {_day(start)} to {_day(end)}.")
            for g in people:
                subject = g[0]["party_id"] or "traveller:" + g[0]["traveller_name"].strip().lower()
                details = {"check": "shared_number", "number_key": key, "nationality": nat or None,
                           "traveller": g[0]["traveller_name"], "party_id": g[0]["party_id"],
                           "travellers": summary}
                out.append(Alert("party", subject, score, start, end, evidence, explanation, details))
        return out
