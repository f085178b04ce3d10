"""Everyday activity: the shared readings of the catalogue's "Everyday activity is not a typology".

Real populations are full of structures that look like typologies and are routine: payroll
runs, bills, rent, supplier invoices, collectors and distributors (billers, processors,
government payees) dealing with hundreds of accounts, accounts whose history started
before the data did.  The scan computes the facts these readings need once, before any
detector runs (:func:`prepare`), as temporary tables every detector may read:

- ``scan_relationships(acc_a, acc_b, months, transactions, first_ts, last_ts)``: every
  unordered pair of accounts that transacted with each other on file up to the end of the
  scan window (``acc_a < acc_b``; any channel with both accounts, any amounts, either
  direction), with the number of distinct calendar months they transacted in.  A pair in
  ``recurring_min_months`` or more months is an established (recurring) relationship;
  join a directed pair ``(x, y)`` on ``acc_a = least(x, y) AND acc_b = greatest(x, y)``.
- ``scan_account_counterparties(account_id, counterparties)``: per account, the distinct
  accounts it exchanged money with on file.  An account exchanging with ``collector_min_counterparties``
  or more is a collector or distributor.
- ``scan_coverage(coverage_start, coverage_end)``: the first and last transaction on file:
  nothing is known about an account before ``coverage_start``.

The typologies read them with their own parameters (the mixins below give the shared
ones their names, defaults and descriptions), so the thresholds stay tunable per
typology while the work is done once per scan.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
from pydantic import Field

from engine.detect.base import Params

_RELATIONSHIPS = """
CREATE OR REPLACE TEMP TABLE scan_relationships AS
WITH pm AS (
  SELECT least(from_account, to_account) AS acc_a, greatest(from_account, to_account) AS acc_b,
         date_trunc('month', timestamp) AS month, count(*) AS n, min(timestamp) AS first_ts,
         max(timestamp) AS last_ts
  FROM transactions
  WHERE from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account
    AND timestamp <= $window_end
  GROUP BY 1, 2, 3
)
SELECT acc_a, acc_b, count(*) AS months, sum(n) AS transactions, min(first_ts) AS first_ts,
       max(last_ts) AS last_ts
FROM pm GROUP BY acc_a, acc_b
"""

_COUNTERPARTIES = """
CREATE OR REPLACE TEMP TABLE scan_account_counterparties AS
SELECT account_id, count(*) AS counterparties
FROM (SELECT acc_a AS account_id FROM scan_relationships
      UNION ALL SELECT acc_b AS account_id FROM scan_relationships) x
GROUP BY account_id
"""

_COVERAGE = """
CREATE OR REPLACE TEMP TABLE scan_coverage AS
SELECT min(timestamp) AS coverage_start, max(timestamp) AS coverage_end FROM transactions
"""

#: Default of ``recurring_min_months`` (the catalogue's example: 3 or more distinct months).
RECURRING_MIN_MONTHS = 3
#: Default of ``collector_min_counterparties``.  The catalogue's collectors "exchange money
#: with hundreds of accounts"; a household or a small firm deals with tens of accounts over a
#: year, and the layering and fan structures of the catalogue involve 3-30 accounts, so 100
#: distinct counterparties on file sits well between the two.
COLLECTOR_MIN_COUNTERPARTIES = 100
#: Words of a party's line of business (``occupation``, upper case, whole words) that mark a
#: collector or distributor: billers, utilities, telcos, insurers, acquirers, marketplaces,
#: payment processors, payroll bureaus, and schools and universities (which bill fees to
#: many students at once, in the same weeks).
COLLECTOR_BUSINESS_WORDS: tuple[str, ...] = (
    "UTILITY", "UTILITIES", "ELECTRICITY", "TELECOM", "TELECOMS", "TELECOMMUNICATIONS", "TELCO",
    "INSURANCE", "INSURER", "ACQUIRER", "ACQUIRING", "MARKETPLACE", "PAYROLL", "BILLER", "BILLING",
    "PSP", "UNIVERSITY", "COLLEGE", "SCHOOL",
)
#: Party types that are collectors or distributors by what they are.
COLLECTOR_PARTY_TYPES: tuple[str, ...] = ("government", "financial_institution")


def prepare(con: duckdb.DuckDBPyConnection, window_end: datetime) -> None:
    """Create ``scan_relationships``, ``scan_account_counterparties`` and ``scan_coverage``
    from the transactions on file up to ``window_end`` (see the module docstring)."""
    con.execute(_RELATIONSHIPS, {"window_end": window_end})
    con.execute(_COUNTERPARTIES)
    con.execute(_COVERAGE)


def word_pattern(words: tuple[str, ...] | list[str]) -> str | None:
    """A regular expression matching any of ``words`` as a whole word of an upper-cased text
    (None when there are none: bind it and test ``$pattern IS NOT NULL``)."""
    import re

    clean = [re.escape(w.upper()) for w in words if w.strip()]
    return r"(^|[^A-Z0-9])(" + "|".join(clean) + r")([^A-Z0-9]|$)" if clean else None


class RecurringParams(Params):
    """The recurring-relationship reading (a mixin for a typology's Params)."""

    recurring_min_months: int = Field(
        RECURRING_MIN_MONTHS, ge=2, le=120,
        description="a pair of accounts transacting (any amounts, either way) in at least this many distinct "
        "calendar months over the data on file is an established relationship (payroll, bills, rent, invoices, "
        "own accounts), not a new counterparty",
    )


class CollectorParams(Params):
    """The collector/distributor reading (a mixin for a typology's Params)."""

    collector_min_counterparties: int = Field(
        COLLECTOR_MIN_COUNTERPARTIES, ge=2,
        description="an account exchanging money with at least this many distinct accounts over the data on file "
        "is a collector or distributor (biller, utility, processor, marketplace, payroll bureau)",
    )
    excused_party_types: tuple[str, ...] = Field(
        COLLECTOR_PARTY_TYPES,
        description="accounts of parties of these types are collectors or distributors by what they are "
        "(government payees, banks and payment institutions)",
    )
    excused_business_words: tuple[str, ...] = Field(
        COLLECTOR_BUSINESS_WORDS,
        description="a party whose line of business (occupation) has one of these words is a collector or "
        "distributor (biller, utility, telco, insurer, acquirer, marketplace, payroll bureau, school or "
        "university billing fees)",
    )
