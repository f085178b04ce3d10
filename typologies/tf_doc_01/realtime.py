"""TF-DOC-01 in real time: a cash declaration's travel document checked at the border.

The two checks of ``detect.py`` on one declaration as it is made:

- ``listed``: its number's key (upper case, Latin letters and digits; with ``fold_o_zero`` a
  letter O read as a zero) is on an active document list with a status in ``statuses``,
  reported before the day of the crossing, the issuing countries agreeing where both are given
  (``match_issuing_country``).  This blocks: the document was reported lost or stolen.
- ``shared_number``: the number (of at least ``min_number_length`` characters, with a digit,
  not one character repeated), with the same nationality, was declared by another traveller on
  file (or scored since), travellers told apart as the batch scan does
  (:func:`typologies.tf_doc_01.detect.travellers`, ``name_similarity``).  This asks for review.

Subjects as in the batch: the declaration's party, else ``traveller:<document number>``
(listed) or ``traveller:<name>`` (shared number).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import duckdb

from engine.realtime.base import Hit
from engine.realtime.directory import Directory
from typologies.tf_doc_01.detect import STATUS_SCORE, DocumentParams, travellers

TYPOLOGY_ID = "TF-DOC-01"
_DROP = re.compile(r"[^A-Z0-9]")


def number_key(number: str) -> str:
    return _DROP.sub("", number.upper())


class Reader:
    typology_id = TYPOLOGY_ID
    kind = "declaration"

    def __init__(self, con: duckdb.DuckDBPyConnection, params: DocumentParams, directory: Directory) -> None:
        self.p = params
        self.listed: dict[str, list[dict[str, Any]]] = {}
        rows = con.execute(
            "SELECT l.list_name, l.version_id, l.document_number, l.number_key, l.issuing_country, l.document_type, "
            "l.status, l.reported_on FROM document_list_entries l JOIN screening_list_versions v "
            "ON v.version_id = l.version_id AND v.active WHERE list_contains(?, l.status)",
            [list(params.statuses)]).fetchall()
        cols = ("list_name", "version_id", "document_number", "number_key", "issuing_country", "document_type",
                "status", "reported_on")
        for r in rows:
            e = dict(zip(cols, r, strict=True))
            self.listed.setdefault(self._fold(e["number_key"]), []).append(e)
        self.declared: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.ids: set[str] = set()
        for r in con.execute(
                "SELECT declaration_id, timestamp, traveller_name, party_id, document_number, nationality "
                "FROM cash_declarations WHERE document_number IS NOT NULL").fetchall():
            self.add(dict(zip(("declaration_id", "timestamp", "traveller_name", "party_id", "document_number",
                               "nationality"), r, strict=True)), directory)

    def _fold(self, key: str) -> str:
        return key.replace("O", "0") if self.p.fold_o_zero else key

    def _row(self, item: dict[str, Any], directory: Directory) -> dict[str, Any]:
        pid = item.get("party_id") or None
        party = directory.parties.get(pid) if pid else None
        return {"declaration_id": item["declaration_id"], "ts": item["timestamp"],
                "traveller_name": item["traveller_name"], "party_id": pid,
                "party_name": party.name if party else None, "alt_names": list(party.alt_names) if party else None,
                "date_of_birth": party.date_of_birth if party else None}

    def _shared_key(self, item: dict[str, Any]) -> tuple[str, str] | None:
        doc = item.get("document_number")
        if not doc:
            return None
        key = number_key(doc)
        if len(key) < self.p.min_number_length or not re.search(r"[0-9]", key) or key.replace(key[0], "") == "":
            return None
        return key, item.get("nationality") or ""

    def add(self, item: dict[str, Any], directory: Directory) -> None:
        k = self._shared_key(item)
        if k is None or item["declaration_id"] in self.ids:
            return
        self.ids.add(item["declaration_id"])
        self.declared.setdefault(k, []).append(self._row(item, directory))

    def evaluate(self, item: dict[str, Any], directory: Directory) -> list[Hit]:
        doc = item.get("document_number")
        if not doc or not doc.strip():
            return []
        return self._listed(item, doc) + self._shared(item, directory)

    def _listed(self, item: dict[str, Any], doc: str) -> list[Hit]:
        used: datetime = item["timestamp"]
        country = item.get("nationality")
        pid = item.get("party_id") or None
        subject = pid or "traveller:" + doc.strip().upper()
        hits = []
        for e in self.listed.get(self._fold(number_key(doc)), []):
            if not e["reported_on"] < used.date():
                continue
            if self.p.match_issuing_country and e["issuing_country"] and country and e["issuing_country"] != country:
                continue
            reason = (f"document {e['document_number']} ({e['issuing_country'] or 'issuer not given'}) was reported "
                      f"{e['status'].replace('_', ' ')} on {e['reported_on'].isoformat()} (list {e['list_name']}) "
                      f"and is used by {item['traveller_name']} (TF-DOC-01)")
            hits.append(Hit(TYPOLOGY_ID, "block", "party", subject, STATUS_SCORE.get(e["status"], 0.65), reason,
                            [item["declaration_id"]],
                            {"check": "listed", "list_name": e["list_name"], "list_version": e["version_id"],
                             "listed_number": e["document_number"], "status": e["status"],
                             "reported_on": e["reported_on"].isoformat()}))
        return hits

    def _shared(self, item: dict[str, Any], directory: Directory) -> list[Hit]:
        k = self._shared_key(item)
        if k is None:
            return []
        others = [r for r in self.declared.get(k, []) if r["declaration_id"] != item["declaration_id"]]
        if not others:
            return []
        me = self._row(item, directory)
        rows = sorted([*others, me], key=lambda r: (r["ts"], r["declaration_id"]))
        people = travellers(rows, self.p.name_similarity)
        if len(people) < 2:
            return []
        mine = next(g for g in people if any(r is me for r in g))
        subject = mine[0]["party_id"] or "traveller:" + mine[0]["traveller_name"].strip().lower()
        names = [g[0]["traveller_name"] for g in people]
        reason = (f"document number {k[0]}{' (' + k[1] + ')' if k[1] else ''} was declared by {len(people)} different "
                  f"travellers ({', '.join(names[:4])}) (TF-DOC-01)")
        return [Hit(TYPOLOGY_ID, "review", "party", subject, round(0.7 + 0.2 * min(1.0, (len(people) - 2) / 2), 4),
                    reason, sorted(r["declaration_id"] for r in rows),
                    {"check": "shared_number", "number_key": k[0], "nationality": k[1] or None,
                     "travellers": len(people)})]
