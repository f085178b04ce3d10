"""SAN-02 in real time: the payment names of one transaction screened as it happens.

The names picked are those ``names.sql`` picks for the batch scan: the originator name when
the debited account has no party on file, the beneficiary name when the credited account has
none; with ``customers_only`` the other side (the customer, the subject) must be an account on
file, and a customer's own name (or alternative name) on its own payment is SAN-01's.  Each
name goes through the screening index of the active lists (:mod:`engine.screening.index`,
built once per set of active list versions and held in memory) with the typology's
``threshold``; a person's name agreeing only on common given and family names is not a match
unless ``common_names_match``.  A hit blocks the payment: funds to or from a designated name
are frozen and reported.

Screening one name at a time has no screened population, so the bulk path's "token frequent
among the names screened" reading of common tokens (:mod:`engine.screening.bulk`) does not
apply here; the list-based token weights do.
"""

from __future__ import annotations

from typing import Any

import duckdb

from engine.realtime.base import Hit
from engine.realtime.directory import Directory
from engine.screening.detect import has_active_list
from engine.screening.index import ListIndex, get_index
from engine.screening.matcher import EntryScore, Query
from typologies.san_02.detect import DesignatedNamePaymentParams

TYPOLOGY_ID = "SAN-02"
_CACHE_MAX = 50_000


class Reader:
    typology_id = TYPOLOGY_ID
    kind = "transaction"

    def __init__(self, con: duckdb.DuckDBPyConnection, params: DesignatedNamePaymentParams,
                 directory: Directory) -> None:
        self.p = params
        self.index: ListIndex | None = get_index(con) if has_active_list(con) else None
        self.cache: dict[str, list[EntryScore]] = {}

    def screen(self, name: str) -> list[EntryScore]:
        if self.index is None:
            return []
        found = self.cache.get(name)
        if found is None:
            found = self.index.match(Query(name.strip()), limit=5, min_score=self.p.threshold)
            if not self.p.common_names_match:
                found = [e for e in found if not (e.name_only_common_tokens and e.entry_type == "person")]
            if len(self.cache) >= _CACHE_MAX:
                self.cache.clear()
            self.cache[name] = found
        return found

    def _names(self, item: dict[str, Any], directory: Directory) -> list[tuple[str, str, str]]:
        """(side, name, our account) of the names to screen."""
        fa, ta = item.get("from_account"), item.get("to_account")
        fo, tt = directory.account(fa), directory.account(ta)
        out = []
        on, bn = item.get("originator_name"), item.get("beneficiary_name")
        if on and (fo is None or fo.party_id is None) and ta and (not self.p.customers_only or tt is not None):
            own = directory.parties[tt.party_id].own_names if tt and tt.party_id else frozenset()
            if on.strip().upper() not in own:
                out.append(("originator", on, ta))
        if bn and (tt is None or tt.party_id is None) and fa and (not self.p.customers_only or fo is not None):
            own = directory.parties[fo.party_id].own_names if fo and fo.party_id else frozenset()
            if bn.strip().upper() not in own:
                out.append(("beneficiary", bn, fa))
        return out

    def add(self, item: dict[str, Any], directory: Directory) -> None:
        return None  # screening keeps no running state

    def evaluate(self, item: dict[str, Any], directory: Directory) -> list[Hit]:
        hits = []
        for side, name, account in self._names(item, directory):
            acc = directory.account(account)
            subject = acc.subject if acc else ("account", account)
            for es in self.screen(name):
                reason = (f"{side} name '{name}' matches {es.list_name} list entry {es.reference} "
                          f"'{es.matched_name}' (score {es.score:.2f}, {es.explanation()}): funds to or from a "
                          "designated name must be frozen and reported (SAN-02)")
                hits.append(Hit(TYPOLOGY_ID, "block", subject[0], subject[1], float(es.score), reason,
                                [item["txn_id"]],
                                {"side": side, "query_name": name, "list_name": es.list_name,
                                 "reference": es.reference, "matched_name": es.matched_name,
                                 "score": es.score, "threshold": self.p.threshold}))
        return hits
