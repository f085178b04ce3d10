"""SQL building blocks shared by the transfer and NPO detectors.

Owners of accounts, transfers with both sides' owners and countries, merging qualifying
windows into bursts (gaps and islands), and safe literals for parameters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime

import duckdb

from engine.config import get_settings
from engine.errors import CtfmonError
from typologies._common import islands_sql

#: Words that make an unknown counterparty's name look like an organisation rather than a
#: person (legal forms and common organisation nouns, matched as whole words, upper case).
ORG_NAME_WORDS: tuple[str, ...] = (
    "LTD", "LIMITED", "LLC", "LLP", "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY",
    "GMBH", "AG", "SA", "SAS", "SARL", "SRL", "SPA", "BV", "NV", "PLC", "PTE", "PTY", "KG", "OY", "AB",
    "AS", "JSC", "PJSC", "OOO", "ZAO", "FZE", "FZCO", "WLL", "TRADING", "GROUP", "HOLDING",
    "HOLDINGS", "INDUSTRIES", "ENTERPRISES", "INTERNATIONAL", "BANK", "FOUNDATION", "ASSOCIATION",
    "CHARITY", "TRUST", "SOCIETY", "INSTITUTE", "UNIVERSITY", "SCHOOL", "HOSPITAL", "CLINIC",
    "MINISTRY", "AGENCY", "COUNCIL", "FUND", "RELIEF", "MISSION", "CHURCH", "MOSQUE", "SERVICES",
    "SOLUTIONS", "LOGISTICS", "IMPORT", "EXPORT", "SUPPLIES", "STORE", "SHOP", "MARKET",
)
ORG_NAME_REGEX = r"(^|[^A-Z])(" + "|".join(ORG_NAME_WORDS) + r")([^A-Z]|$)"

_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_]+$")


def base_currency() -> str:
    """The currency of the ``*_base`` columns (settings ``base_currency``)."""
    return get_settings().base_currency


def sql_strings(values: Iterable[str], what: str, *, allow_empty: bool = False) -> str:
    """A SQL list of string literals (``'a', 'b'``) from validated identifiers.

    An empty list is refused, unless ``allow_empty`` (an exclusion list that may be empty):
    then it is ``''``, which matches no code, so ``x NOT IN ('')`` keeps everything."""
    vals = list(values)
    if not vals:
        if allow_empty:
            return "''"
        raise CtfmonError(f"parameter {what} must not be empty")
    for v in vals:
        if not _SAFE_TOKEN.match(v):
            raise CtfmonError(f"parameter {what}: {v!r} is not a valid code (letters, digits, _)")
    return ", ".join(f"'{v}'" for v in vals)


def part_count(con: duckdb.DuckDBPyConnection, table: str, rows_per_part: int) -> int:
    """How many parts of about ``rows_per_part`` rows to take ``table`` in (at least 1).

    A grouped step run part by part (rows split by :func:`in_part` on a key the groups never
    straddle) keeps its hash tables the same size, and its time per row, as the data grows."""
    rows = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return max(1, math.ceil(rows / rows_per_part))


def in_part(expr: str, parts: int, part: int) -> str:
    """SQL predicate: the integer ``expr`` falls in part ``part`` of ``parts`` (negative values too)."""
    return f"((({expr}) % {parts}) + {parts}) % {parts} = {part}"


def ts_literal(value: datetime) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


def org_name_sql(column: str) -> str:
    """SQL predicate: the name in ``column`` looks like an organisation's."""
    return f"regexp_matches(upper({column}), '{ORG_NAME_REGEX}')"


OWNERS_CTE = """own AS (
  SELECT a.account_id, a.country AS acct_country, a.account_type,
         p.party_id, p.party_type, p.name AS party_name, p.country AS party_country,
         CASE WHEN p.party_id IS NULL THEN 'account' ELSE 'party' END AS subject_type,
         COALESCE(p.party_id, a.account_id) AS subject_id
  FROM accounts a LEFT JOIN parties p ON p.party_id = a.party_id
)"""


def transfers_cte(name: str, source: str, where: str = "TRUE") -> str:
    """A CTE ``name`` of transactions from ``source`` with both sides' owners and countries.

    Columns: txn_id, ts, channel, amt (base currency, double), from_account, to_account,
    originator_name, beneficiary_name, reference, location_country; for each side ``f_``
    (debited) and ``t_`` (credited): on_file (account in ``accounts``), party, ptype,
    acct_country, stype/sid (the subject: the owner party, or the account when its owner
    is not on file); ``dest_country`` / ``orig_country`` (message country, else account
    country); ``self_transfer`` (both accounts have the same subject).  Needs ``own``.
    """
    return f"""{name} AS (
  SELECT t.txn_id, t.timestamp AS ts, t.channel, CAST(t.amount_base AS DOUBLE) AS amt,
         t.from_account, t.to_account, t.originator_name, t.beneficiary_name, t.reference,
         t.location_country,
         (fo.account_id IS NOT NULL) AS f_on_file, fo.party_id AS f_party, fo.party_type AS f_ptype,
         fo.acct_country AS f_acct_country, fo.account_type AS f_acct_type,
         COALESCE(fo.subject_type, 'account') AS f_stype, COALESCE(fo.subject_id, t.from_account) AS f_sid,
         (tt.account_id IS NOT NULL) AS t_on_file, tt.party_id AS t_party, tt.party_type AS t_ptype,
         tt.acct_country AS t_acct_country, tt.account_type AS t_acct_type,
         COALESCE(tt.subject_type, 'account') AS t_stype, COALESCE(tt.subject_id, t.to_account) AS t_sid,
         COALESCE(t.beneficiary_country, tt.acct_country) AS dest_country,
         COALESCE(t.originator_country, fo.acct_country) AS orig_country,
         (COALESCE(fo.subject_type, 'account') = COALESCE(tt.subject_type, 'account')
          AND COALESCE(fo.subject_id, t.from_account) = COALESCE(tt.subject_id, t.to_account))
           AS self_transfer
  FROM {source} t
  LEFT JOIN own fo ON fo.account_id = t.from_account
  LEFT JOIN own tt ON tt.account_id = t.to_account
  WHERE {where}
)"""


def bursts_cte(qual: str, name: str = "bursts") -> str:
    """A CTE merging qualifying windows into maximal bursts (:func:`islands_sql`).

    ``qual`` has columns subject_type, subject_id, win_start, win_end (the first and last
    event of a qualifying window).  Windows that overlap or touch merge; the result ``name``
    has subject_type, subject_id, burst_no, b_start, b_end.
    """
    keys = "subject_type, subject_id"
    return f"""{name} AS (
  SELECT {keys}, burst_no, burst_start AS b_start, burst_end AS b_end
  FROM ({islands_sql(qual, keys, "win_start", "win_end")}) AS islands
)"""
