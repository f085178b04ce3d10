"""TF-XB-01 in real time: a transfer that takes a party's high-risk corridor flows past the
threshold.

Each transfer is read from the side of every monitored account it touches exactly as
``detect.sql`` reads it (its ``legs`` and ``hr`` steps): the counterparty's country is the
beneficiary (originator) country of the message, else the country of the counterparty's
account on file; it is a corridor flow when that country is on the jurisdiction risk list and
is not the country of the subject's own account, the transfer is not between two accounts of
one subject, and no NPO or trade rationale excuses it:

- it pays a trade document on file, or trade documents on file name the two parties;
- the everyday-relationship reading of the catalogue: the two accounts transacted in
  ``recurring_min_months`` or more distinct calendar months (any channel, either way) over the
  data on file and the transactions scored since, and the subject is of
  ``established_party_types`` (an established trade relationship) or, for money received, of
  ``excused_inbound_party_types`` (a student's parents);
- the counterparty is an NPO declaring operations in that country, or a party of
  ``excused_counterparty_types``; optionally a business's reference naming a trade purpose.

The batch scan alerts on any ``window_days`` window whose corridor flows reach
``min_amount``; scored as it happens, a corridor flow fires when the subject's corridor flows
in the ``window_days`` up to it (both ends included), itself counted, reach ``min_amount``.
The batch score's share of all the party's flows is not computed here: the score is
``0.2 + 0.5 w`` with ``w`` the amount-weighted category weight of the window's countries.

Relationship months come from the data on file: pairs touched by a risky country are read
when the state is built, any other pair is looked up once (then kept) when one of its
transfers is a corridor flow for a party whose relationships count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import duckdb

from engine.realtime.base import Hit, Running, days, window_with
from engine.realtime.directory import Directory
from typologies.tf_xb_01.detect import XbParams

TYPOLOGY_ID = "TF-XB-01"

Reading = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

_CANDIDATES = """
WITH hr_acc AS (SELECT account_id FROM accounts WHERE country IN (SELECT unnest($countries)))
SELECT txn_id, timestamp, channel, from_account, to_account, CAST(amount_base AS DOUBLE) AS amount_base,
       originator_country, beneficiary_country, reference
FROM transactions t
WHERE list_contains($channels, t.channel)
  AND (t.beneficiary_country IN (SELECT unnest($countries)) OR t.originator_country IN (SELECT unnest($countries))
       OR t.from_account IN (SELECT account_id FROM hr_acc) OR t.to_account IN (SELECT account_id FROM hr_acc))
"""

_PAIR_MONTHS = """
WITH c AS ({candidates}),
pairs AS (SELECT DISTINCT least(from_account, to_account) AS a, greatest(from_account, to_account) AS b FROM c
          WHERE from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account)
SELECT DISTINCT p.a, p.b, date_trunc('month', t.timestamp) AS m
FROM transactions t JOIN pairs p
  ON least(t.from_account, t.to_account) = p.a AND greatest(t.from_account, t.to_account) = p.b
WHERE t.from_account <> t.to_account
"""


def _month(ts: datetime) -> tuple[int, int]:
    return ts.year, ts.month


class Reader:
    typology_id = TYPOLOGY_ID
    kind = "transaction"

    def __init__(self, con: duckdb.DuckDBPyConnection, params: XbParams, directory: Directory,
                 reading: Reading | None = None) -> None:
        self.p = params
        self.reading = reading
        words = "|".join(re.escape(w.upper()) for w in params.trade_reference_words if w.strip())
        self.trade_words = re.compile(words) if words else None
        self.trade_paid = {r[0] for r in con.execute(
            "SELECT DISTINCT payment_txn_id FROM trade_documents WHERE payment_txn_id IS NOT NULL").fetchall()}
        self.trade_pairs: set[tuple[str, str]] = set()
        for a, b in con.execute("SELECT DISTINCT exporter_party_id, importer_party_id FROM trade_documents").fetchall():
            self.trade_pairs.update({(a, b), (b, a)})
        self.on_file_months: dict[tuple[str, str], set[tuple[int, int]]] = {}
        self.live_months: dict[tuple[str, str], set[tuple[int, int]]] = {}
        self.running = Running()
        countries = sorted(directory.jurisdictions)
        bind = {"countries": countries, "channels": list(params.channels)}
        for a, b, m in con.execute(_PAIR_MONTHS.format(candidates=_CANDIDATES), bind).fetchall():
            self.on_file_months.setdefault((a, b), set()).add(_month(m))
        cols = ("txn_id", "timestamp", "channel", "from_account", "to_account", "amount_base", "originator_country",
                "beneficiary_country", "reference")
        for row in con.execute(_CANDIDATES, bind).fetchall():
            item = dict(zip(cols, row, strict=True))
            for leg in self._legs(item, directory):
                self.running.add(leg["subject"], item["timestamp"], item["txn_id"], leg["amount"])

    # ------------------------------------------------------------------ relationships
    def _months(self, a: str, b: str) -> set[tuple[int, int]]:
        key = (min(a, b), max(a, b))
        if key not in self.on_file_months:
            found: set[tuple[int, int]] = set()
            if self.reading is not None:
                with self.reading() as cur:
                    for (m,) in cur.execute(
                            "SELECT DISTINCT date_trunc('month', timestamp) FROM transactions "
                            "WHERE (from_account = ? AND to_account = ?) OR (from_account = ? AND to_account = ?)",
                            [key[0], key[1], key[1], key[0]]).fetchall():
                        found.add(_month(m))
            self.on_file_months[key] = found
        return self.on_file_months[key] | self.live_months.get(key, set())

    # ------------------------------------------------------------------ legs
    def _legs(self, item: dict[str, Any], directory: Directory) -> list[dict[str, Any]]:
        """The corridor legs of a transfer (none, one, or one per side), with the subject."""
        p = self.p
        if item["channel"] not in p.channels:
            return []
        fa, ta = item.get("from_account"), item.get("to_account")
        fo, tt = directory.account(fa), directory.account(ta)
        f_subject = fo.subject if fo else ("account", fa)
        t_subject = tt.subject if tt else ("account", ta)
        if f_subject == t_subject:
            return []
        dest = item.get("beneficiary_country") or (tt.country if tt else None)
        orig = item.get("originator_country") or (fo.country if fo else None)
        sides = []
        if fo is not None and (fo.party_type in p.party_types or fo.party_id is None):
            sides.append(("out", fo, tt, dest, f_subject, fa, ta))
        if tt is not None and (tt.party_type in p.party_types or tt.party_id is None):
            sides.append(("in", tt, fo, orig, t_subject, ta, fa))
        legs = []
        for direction, own, cp, country, subject, own_acc, cp_acc in sides:
            if country is None or country not in directory.jurisdictions or country == own.country:
                continue
            if self._excused(item, direction, own, cp, country, own_acc, cp_acc, directory):
                continue
            category, weight = directory.jurisdictions[country]
            legs.append({"subject": subject, "direction": direction, "country": country, "category": category,
                         "weight": weight, "amount": float(item["amount_base"])})
        return legs

    def _excused(self, item: dict[str, Any], direction: str, own: Any, cp: Any, country: str, own_acc: Any,
                 cp_acc: str | None, directory: Directory) -> bool:
        p = self.p
        own_type = own.party_type or ""
        cp_party = cp.party_id if cp else None
        cp_type = cp.party_type if cp else None
        if item["txn_id"] in self.trade_paid:
            return True
        if own.party_id and cp_party and (own.party_id, cp_party) in self.trade_pairs:
            return True
        if cp_type is not None and cp_type in p.excused_counterparty_types:
            return True
        if cp_type == "npo" and country in directory.parties[cp_party].npo_countries:  # type: ignore[index]
            return True
        if (own_type == "business" and self.trade_words is not None
                and self.trade_words.search((item.get("reference") or "").upper())):
            return True
        if cp_acc and (own_type in p.established_party_types
                       or (direction == "in" and own_type in p.excused_inbound_party_types)):
            return len(self._months(own_acc, cp_acc)) >= p.recurring_min_months
        return False

    # ------------------------------------------------------------------ reader
    def add(self, item: dict[str, Any], directory: Directory) -> None:
        fa, ta = item.get("from_account"), item.get("to_account")
        if fa and ta and fa != ta:
            key = (min(fa, ta), max(fa, ta))
            self.live_months.setdefault(key, set()).add(_month(item["timestamp"]))
        for leg in self._legs(item, directory):
            self.running.add(leg["subject"], item["timestamp"], item["txn_id"], leg["amount"])

    def evaluate(self, item: dict[str, Any], directory: Directory) -> list[Hit]:
        p, ts = self.p, item["timestamp"]
        hits = []
        for leg in self._legs(item, directory):
            subject = leg["subject"]
            events = window_with(self.running.window(subject, ts - days(p.window_days), ts),
                                 (ts, item["txn_id"], leg["amount"]))
            total = sum(e[2] for e in events)
            if total < p.min_amount:
                continue
            way = "sent to" if leg["direction"] == "out" else "received from"
            reason = (f"{subject[0]} {subject[1]} {way} {leg['country']} ({leg['category'].replace('_', ' ')}): "
                      f"{total:,.2f} in {len(events)} high-risk corridor transfer(s) within {p.window_days} days, "
                      f"at or above {p.min_amount:,.0f}, with no NPO or trade rationale on file (TF-XB-01)")
            hits.append(Hit(TYPOLOGY_ID, "review", subject[0], subject[1], min(1.0, 0.2 + 0.5 * leg["weight"]),
                            reason, [e[1] for e in events],
                            {"corridor_amount": round(total, 2), "transfers": len(events), "country": leg["country"],
                             "category": leg["category"], "direction": leg["direction"],
                             "threshold": p.min_amount, "window_days": p.window_days}))
        return hits
