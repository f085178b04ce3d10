"""TF-PASS-01 literal reading for ``datagen.verify`` (per party; also cross-labels overlaps).

A first-in-first-out walk over each candidate account's credits and debits in Python: the
queue does not fit one SQL statement.
"""

from __future__ import annotations

from collections import deque
from itertools import groupby
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagen.verify import ReadContext


COLLECTOR_WORDS = (r"(^|[^A-Z0-9])(UTILITY|UTILITIES|ELECTRICITY|TELECOM|TELECOMS|TELECOMMUNICATIONS|TELCO|INSURANCE|"
                   r"INSURER|ACQUIRER|ACQUIRING|MARKETPLACE|PAYROLL|BILLER|BILLING|PSP|UNIVERSITY|COLLEGE|SCHOOL)([^A-Z0-9]|$)")


def parties(rc: ReadContext) -> dict[str, set[str]]:
    """TF-PASS-01 for the candidates: some 30 days in which an account's credits total >= 20,000
    and >= 90% of them left within 72 hours.  Debits take money from the credits first in, first
    out; a debit finding no credit left is paid from a balance held before the history on file.
    A credit that has kept less than 10% of itself 72 hours on has left that remainder behind as
    residual (it no longer stands in front of later credits), while a larger remainder is money
    the account holds and is spent before later credits.  (The detector reads balances more
    cautiously: see ``detect.py``.)  Collectors and distributors (>= 100 distinct counterparties
    over the data, a government or financial institution, or a biller/utility/telco/insurer/
    acquirer/marketplace/payroll/school line of business) are not read: passing money on is their
    business.  Credits from a counterparty transacting with the account in >= 3 distinct calendar
    months over the data (an established relationship: family support, customers) stay in the
    queue but are not counted among the window's inflows."""
    rows = rc.con.sql("""
      WITH acc0 AS (SELECT a.party_id, a.account_id FROM cand JOIN accounts a USING (party_id)
                    JOIN parties p USING (party_id)
                    WHERE p.party_type NOT IN ('government', 'financial_institution')
                      AND NOT regexp_matches(upper(coalesce(p.occupation, '')), $collector_words)),
      deg AS (SELECT x AS account_id, count(DISTINCT y) AS n FROM (
                SELECT from_account AS x, to_account AS y FROM t WHERE from_account <> to_account
                UNION ALL SELECT to_account, from_account FROM t WHERE from_account <> to_account) z GROUP BY 1),
      acc AS (SELECT * FROM acc0 WHERE account_id NOT IN (SELECT account_id FROM deg WHERE n >= 100)),
      rel AS (SELECT least(from_account, to_account) AS a, greatest(from_account, to_account) AS b
              FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account
              GROUP BY 1, 2 HAVING count(DISTINCT date_trunc('month', ts)) >= 3),
      big AS (SELECT acc.account_id FROM acc JOIN t ON t.to_account = acc.account_id
              GROUP BY 1 HAVING sum(t.usd) >= 20000)
      SELECT acc.party_id, acc.account_id, epoch(t.ts) AS s, t.usd, t.to_account = acc.account_id AS credit,
             t.txn_id, EXISTS (SELECT 1 FROM rel WHERE rel.a = least(t.from_account, t.to_account)
                               AND rel.b = greatest(t.from_account, t.to_account)) AS recurring
      FROM acc JOIN big USING (account_id) JOIN t ON acc.account_id IN (t.from_account, t.to_account)
      WHERE t.from_account IS DISTINCT FROM t.to_account
      ORDER BY acc.account_id, s, credit DESC, t.txn_id""", params={"collector_words": COLLECTOR_WORDS}).fetchall()
    hold, span = 72 * 3600.0, 30 * 86400.0
    out: dict[str, set[str]] = {}
    for _account, grp in groupby(rows, key=lambda r: r[1]):
        events = list(grp)
        party = events[0][0]
        credits: list[list[float]] = []  # [time, amount, taken within 72 h, taken, recurring]
        ids: list[list[str]] = []  # per credit: its id, then the debits taking from it within 72 h
        queue: deque[int] = deque()  # credits not yet spent, oldest first
        for _, _, ts, usd, is_credit, txn, recurring in events:
            if is_credit:
                credits.append([ts, usd, 0.0, 0.0, 1.0 if recurring else 0.0])
                ids.append([txn])
                queue.append(len(credits) - 1)
                continue
            left = usd
            while left > 1e-9 and queue:
                c = credits[queue[0]]
                if c[0] + hold < ts and c[1] - c[3] < 0.1 * c[1]:
                    queue.popleft()  # a leftover under 10% stays behind
                    continue
                take = min(left, c[1] - c[3])
                c[3] += take
                if c[0] + hold >= ts:
                    c[2] += take
                    ids[queue[0]].append(txn)
                left -= take
                if c[1] - c[3] <= 1e-9:
                    queue.popleft()
        end = 0
        total = fwd = 0.0
        # the window's inflows: credits not from a counterparty in a recurring relationship
        counted = [k for k, c in enumerate(credits) if not c[4]]
        for i, k in enumerate(counted):  # windows of 30 days opening at each counted credit
            while end < len(counted) and credits[counted[end]][0] <= credits[k][0] + span:
                total += credits[counted[end]][1]
                fwd += credits[counted[end]][2]
                end += 1
            if total >= 20000 and fwd >= 0.9 * total:
                out.setdefault(party, set()).update(x for m in counted[i:end] for x in ids[m])
            total -= credits[k][1]
            fwd -= credits[k][2]
    return out
