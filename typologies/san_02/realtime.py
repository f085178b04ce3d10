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

When the state is built, the payment names on file that the batch scan screens are screened
in bulk (:func:`engine.screening.bulk.screen_frame`, as the scan does, with its reading of
tokens frequent among the names screened as common) and the results are kept, so a name seen
before costs a dictionary look-up and is read as the batch reads it.  A new name is screened
on its own (:meth:`engine.screening.index.ListIndex.match`, about 5-20 ms: the name's
normalisation), with the list-based token weights only (one name is no population), and kept.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from engine.realtime.base import Hit
from engine.realtime.directory import Directory
from engine.screening.bulk import screen_frame
from engine.screening.detect import has_active_list
from engine.screening.index import ListIndex, get_index
from engine.screening.matcher import Query
from typologies.san_02.detect import DesignatedNamePaymentParams

TYPOLOGY_ID = "SAN-02"
_CACHE_MAX = 2_000_000

#: The payment names the batch scan screens (``names.sql`` over the data on file).
_NAMES = """
WITH own_names AS (
  SELECT party_id, upper(trim(name)) AS n FROM parties WHERE name IS NOT NULL
  UNION
  SELECT party_id, upper(trim(alt)) AS n FROM (SELECT party_id, UNNEST(alt_names) AS alt FROM parties) x
  WHERE alt IS NOT NULL
),
acc AS (SELECT a.account_id, p.party_id FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id),
tx AS (
  SELECT t.originator_name, t.beneficiary_name, fo.account_id AS f_acc, fo.party_id AS f_party,
         tt.account_id AS t_acc, tt.party_id AS t_party
  FROM transactions t LEFT JOIN acc fo ON fo.account_id = t.from_account LEFT JOIN acc tt ON tt.account_id = t.to_account
  WHERE (t.originator_name IS NOT NULL AND fo.party_id IS NULL) OR (t.beneficiary_name IS NOT NULL AND tt.party_id IS NULL)
)
SELECT DISTINCT n FROM (
  SELECT originator_name AS n FROM tx x WHERE x.f_party IS NULL AND (NOT $customers_only OR x.t_acc IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM own_names o WHERE o.party_id = x.t_party AND o.n = upper(trim(x.originator_name)))
  UNION
  SELECT beneficiary_name FROM tx x WHERE x.t_party IS NULL AND (NOT $customers_only OR x.f_acc IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM own_names o WHERE o.party_id = x.f_party AND o.n = upper(trim(x.beneficiary_name)))
) y WHERE n IS NOT NULL
"""


class Reader:
    typology_id = TYPOLOGY_ID
    kind = "transaction"

    def __init__(self, con: duckdb.DuckDBPyConnection, params: DesignatedNamePaymentParams,
                 directory: Directory) -> None:
        self.p = params
        self.index: ListIndex | None = get_index(con) if has_active_list(con) else None
        self.cache: dict[str, list[dict[str, Any]]] = {}
        if self.index is None:
            return
        names = [r[0] for r in con.execute(_NAMES, {"customers_only": params.customers_only}).fetchall()]
        for n in names:
            self.cache[n] = []
        if names:
            hits = screen_frame(self.index, pl.DataFrame({"qid": names, "name": names, "kind": ["unknown"] * len(names)}),
                                threshold=params.threshold)
            for h in hits.sort(["score", "reference"], descending=[True, False]).iter_rows(named=True):
                self._keep(h["qid"], h)

    def _keep(self, name: str, h: dict[str, Any]) -> None:
        if not self.p.common_names_match and h["name_only_common_tokens"] and h["entry_type"] == "person":
            return
        found = self.cache.setdefault(name, [])
        if all((f["list_name"], f["reference"]) != (h["list_name"], h["reference"]) for f in found):
            found.append({k: h[k] for k in ("list_name", "reference", "entry_type", "matched_name", "score",
                                            "explanation")})

    def screen(self, name: str) -> list[dict[str, Any]]:
        """The list entries ``name`` matches (best first)."""
        if self.index is None:
            return []
        found = self.cache.get(name)
        if found is None:
            if len(self.cache) >= _CACHE_MAX:
                self.cache.clear()
            self.cache[name] = []
            for es in self.index.match(Query(name.strip()), limit=5, min_score=self.p.threshold):
                self._keep(name, {"list_name": es.list_name, "reference": es.reference, "entry_type": es.entry_type,
                                  "matched_name": es.matched_name, "score": es.score,
                                  "name_only_common_tokens": es.name_only_common_tokens,
                                  "explanation": es.explanation()})
            found = self.cache[name]
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
                reason = (f"{side} name '{name}' matches {es['list_name']} list entry {es['reference']} "
                          f"'{es['matched_name']}' (score {es['score']:.2f}, {es['explanation']}): funds to or from "
                          "a designated name must be frozen and reported (SAN-02)")
                hits.append(Hit(TYPOLOGY_ID, "block", subject[0], subject[1], float(es["score"]), reason,
                                [item["txn_id"]],
                                {"side": side, "query_name": name, "list_name": es["list_name"],
                                 "reference": es["reference"], "matched_name": es["matched_name"],
                                 "score": es["score"], "threshold": self.p.threshold}))
        return hits
