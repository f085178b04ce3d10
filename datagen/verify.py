"""Checks that planted instances satisfy the catalogue definitions (and look-alikes do not).

Independent of the detectors: each typology folder holds one *literal reading* of its
catalogue definition (``reading.sql``, ``party_reading.sql`` or ``reading.py``; see
``typologies.registry``), taken literally from the catalogue rather than from the
detectors' documented interpretations, over the written files, using the subject's
accounts and all their transactions (not only the labelled evidence) where the definition
is about an account's flows.  The readings come from the caller as a mapping of typology
id to :class:`Reading` (the registry's); this module is the machinery that runs them:

- an *instance* reading answers, per planted instance of a label (``$tid``), whether it
  meets the definition; before it runs, ``subj(instance_id, party_id)`` and
  ``acc(instance_id, account_id)`` hold the label's subject parties and their accounts;
- a *party* reading gives the candidate parties (table ``cand(party_id)``) that meet the
  definition, each with the transactions that show it; a typology with only a party
  reading is checked per instance through its subjects, and ``datagen.crosslabel`` labels
  planted parties of other typologies with the same readings;
- SQL readings see the working tables of :func:`derive` (``t``, ``decl`` and ``td`` with
  ``usd`` amounts, ``region``, ``hr``) beside the contract tables and ``labels``, and may
  use ``$transfer_channels``; a Python reading gets a :class:`ReadContext`.

``ctfmon verify DIR`` prints, per typology, how many planted instances satisfy their
reading and how many look-alikes do (should be none); the overlap instances that
``datagen.crosslabel`` adds come from these same readings, so they are left out here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import duckdb
import polars as pl

from datagen import geo
from engine import schema
from engine.detect.sql import placeholders
from engine.reference import jurisdiction_risk


class Reading(Protocol):
    """A typology's literal reading (``typologies.registry.Reading``)."""

    @property
    def instances_sql(self) -> str | None: ...

    @property
    def parties_sql(self) -> str | None: ...

    @property
    def module(self) -> ModuleType | None: ...


@dataclass
class ReadContext:
    """What a Python reading (``reading.py``) gets: the connection with the working tables,
    the shipped extract of the UN list and a name scorer."""

    con: duckdb.DuckDBPyConnection
    transfer_channels: list[str] = field(default_factory=lambda: list(schema.TRANSFER_CHANNELS))

    def listed(self) -> tuple[Any, ...]:
        """The listed entries of ``datagen/data/un_names.tsv`` (name, aliases, birth date, ...)."""
        from datagen.planters._names import listed

        return listed()

    def listed_names(self) -> list[str]:
        """Every full name and alias of the listed entries, upper case."""
        entries = self.listed()
        return [e.full.upper() for e in entries] + [a.upper() for e in entries for a in e.aliases]

    def best_scores(self, names: list[str], listed: list[str]) -> dict[str, float]:
        """Per distinct name (as given): its best score against ``listed``, the higher of the
        plain and the token-sorted rapidfuzz ratio of the upper-cased name (0-100)."""
        from rapidfuzz import fuzz, process

        queries = sorted(set(names))
        if not queries or not listed:
            return dict.fromkeys(queries, 0.0)
        upper = [q.upper() for q in queries]
        best = process.cdist(upper, listed, scorer=fuzz.ratio, workers=-1).max(axis=1)
        best = best.clip(min=process.cdist(upper, listed, scorer=fuzz.token_sort_ratio, workers=-1).max(axis=1))
        return {q: float(b) for q, b in zip(queries, best, strict=True)}

    def sql(self, query: str, **values: Any) -> list[tuple[Any, ...]]:
        """Rows of ``query`` with its ``$names`` bound from ``values`` (and ``$transfer_channels``)."""
        values.setdefault("transfer_channels", self.transfer_channels)
        used = {n: values[n] for n in placeholders(query)}
        return self.con.sql(query, params=used or None).fetchall()


def _python(reading: Reading, name: str) -> Callable[..., Any] | None:
    fn = getattr(reading.module, name, None) if reading.module is not None else None
    return fn if callable(fn) else None


def has_party_reading(reading: Reading) -> bool:
    return reading.parties_sql is not None or _python(reading, "parties") is not None


def parties_meeting(rc: ReadContext, reading: Reading) -> dict[str, list[str]]:
    """The parties of ``cand`` that meet the party reading, each with the ids of the
    transactions that show it."""
    fn = _python(reading, "parties")
    if fn is not None:
        found: dict[str, set[str]] = fn(rc)
    else:
        found = {}
        for party, txn in rc.sql(reading.parties_sql or ""):
            found.setdefault(party, set()).add(txn)
    return {party: sorted(txns) for party, txns in sorted(found.items())}


def _by_subjects(rc: ReadContext, reading: Reading, label: str) -> list[tuple[str, bool]]:
    """Per instance of ``label``: does one of its subject parties meet the party reading?"""
    subjects = rc.con.sql("""SELECT instance_id, entity_id FROM labels
                             WHERE typology_id = $label AND role = 'subject' AND entity_type = 'party'""",
                          params={"label": label}).pl()
    rc.con.register("cand", subjects.select(pl.col("entity_id").alias("party_id")).unique())
    ok = parties_meeting(rc, reading)
    res: dict[str, bool] = {}
    for inst, party in subjects.iter_rows():
        res[inst] = res.get(inst, False) or party in ok
    return sorted(res.items())


def instances_meeting(rc: ReadContext, reading: Reading, label: str) -> list[tuple[str, bool]]:
    """Per planted instance of ``label`` (a typology id or ``benign:<name>``): does it meet
    the reading?"""
    fn = _python(reading, "instances")
    if fn is not None:
        return list(fn(rc, label))
    if reading.instances_sql is not None:
        rc.con.execute("""CREATE OR REPLACE TEMP TABLE subj AS SELECT instance_id, entity_id AS party_id FROM labels
                          WHERE typology_id = $tid AND role = 'subject' AND entity_type = 'party'""", {"tid": label})
        rc.con.execute("""CREATE OR REPLACE TEMP TABLE acc AS
                          SELECT s.instance_id, a.account_id FROM subj s JOIN accounts a USING (party_id)""")
        return [(i, bool(ok)) for i, ok in rc.sql(reading.instances_sql, tid=label)]
    return _by_subjects(rc, reading, label)


def connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """Views over the files of ``data_dir`` with USD amounts (month-start rates from ``fx_rates``)."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    files = {k: str(data_dir / v) for k, v in manifest["files"].items()}
    con = duckdb.connect()

    def src(name: str) -> str:
        f = files[name]
        if f.endswith(".parquet"):
            return f"read_parquet('{f}')"
        if f.endswith(".csv"):
            return f"read_csv('{f}', header=true, all_varchar=false)"
        return f"read_json('{f}', format='newline_delimited')"

    for name in ("parties", "accounts", "labels", "fx_rates", "trade_documents", "cash_declarations", "transactions"):
        con.sql(f"CREATE VIEW {name} AS SELECT * FROM {src(name)}")
    derive(con)
    return con


#: lines of business whose accounts collect from or pay out to many (see :func:`derive`)
_COLLECTOR_WORDS = ("(^|[^A-Z0-9])(UTILITY|UTILITIES|ELECTRICITY|TELECOM|TELECOMS|TELECOMMUNICATIONS|TELCO|"
                    "INSURANCE|INSURER|ACQUIRER|ACQUIRING|MARKETPLACE|PAYROLL|BILLER|BILLING|PSP|UNIVERSITY|"
                    "COLLEGE|SCHOOL)([^A-Z0-9]|$)")


def derive(con: duckdb.DuckDBPyConnection) -> None:
    """The working tables the checks read, from relations named as the contract's tables:
    ``t``, ``decl`` and ``td`` (with ``usd`` at the month-start rate), ``region`` and ``hr``
    (the shipped high-risk jurisdictions), ``recurring_pairs`` and ``collectors`` (the
    catalogue's everyday readings)."""
    con.sql("""CREATE TABLE fx AS SELECT CAST(date AS DATE) AS month, currency, CAST(rate_to_base AS DOUBLE) AS rate
               FROM fx_rates UNION ALL SELECT DISTINCT CAST(date AS DATE), 'USD', 1.0 FROM fx_rates""")
    con.sql("""CREATE TABLE t AS SELECT x.*, CAST(x.timestamp AS TIMESTAMP) AS ts, CAST(x.amount AS DOUBLE) * fx.rate AS usd
               FROM transactions x JOIN fx ON fx.currency = x.currency
               AND fx.month = CAST(date_trunc('month', CAST(x.timestamp AS TIMESTAMP)) AS DATE)""")
    con.sql("""CREATE TABLE decl AS SELECT d.*, CAST(d.amount AS DOUBLE) * fx.rate AS usd FROM cash_declarations d
               JOIN fx ON fx.currency = d.currency AND fx.month = CAST(date_trunc('month', CAST(d.timestamp AS TIMESTAMP)) AS DATE)""")
    con.sql("""CREATE TABLE td AS SELECT d.*, CAST(d.invoice_value AS DOUBLE) * fx.rate AS usd FROM trade_documents d
               JOIN fx ON fx.currency = d.currency AND fx.month = CAST(date_trunc('month', CAST(d.date AS TIMESTAMP)) AS DATE)""")
    con.register("region_frame", pl.DataFrame({"country": [c.code for c in geo.COUNTRIES],
                                               "region": [c.region for c in geo.COUNTRIES]}))
    con.sql("CREATE TABLE region AS SELECT * FROM region_frame")
    hr = jurisdiction_risk().select("country")
    con.register("hr_frame", hr)
    con.sql("CREATE TABLE hr AS SELECT * FROM hr_frame")
    # The catalogue's everyday readings, shared by every literal reading that needs them (read
    # once here rather than spelled in each): a pair of accounts transacting in 3 or more
    # distinct calendar months over the data is an established relationship; an account
    # dealing with 100 or more distinct accounts, or a government's, a financial institution's
    # or a biller's/utility's/telco's/insurer's/acquirer's/marketplace's/payroll bureau's/
    # school's, is a collector or distributor.
    con.sql("""CREATE TABLE recurring_pairs AS
               SELECT least(from_account, to_account) AS a, greatest(from_account, to_account) AS b
               FROM t WHERE from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account
               GROUP BY 1, 2 HAVING count(DISTINCT date_trunc('month', ts)) >= 3""")
    con.sql(f"""CREATE TABLE collectors AS
               SELECT account_id FROM (
                 SELECT x AS account_id, count(DISTINCT y) AS n FROM (
                   SELECT from_account AS x, to_account AS y FROM t WHERE from_account <> to_account
                   UNION ALL SELECT to_account, from_account FROM t WHERE from_account <> to_account) z
                 GROUP BY 1) deg WHERE n >= 100
               UNION SELECT a.account_id FROM accounts a JOIN parties p USING (party_id)
               WHERE p.party_type IN ('government', 'financial_institution')
                  OR regexp_matches(upper(coalesce(p.occupation, '')), '{_COLLECTOR_WORDS}')""")


def verify(data_dir: Path, readings: Mapping[str, Reading]) -> dict[str, dict[str, object]]:
    """{typology: {positives, positives_ok, lookalikes, lookalikes_ok, failing}} for every
    typology of ``readings`` planted in ``data_dir``."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    rc = ReadContext(connect(data_dir))
    out: dict[str, dict[str, object]] = {}
    for tid, reading in sorted(readings.items()):
        if tid not in manifest["planted"]:
            continue
        pos = [(i, ok) for i, ok in instances_meeting(rc, reading, tid) if "/" not in i]  # see datagen.crosslabel
        row: dict[str, object] = {"positives": len(pos), "positives_ok": sum(1 for _i, ok in pos if ok)}
        look: list[tuple[str, bool]] = []
        for name in manifest.get("benign_for", {}).get(tid, []):
            look += instances_meeting(rc, reading, name)
        row["lookalikes"] = len(look)
        row["lookalikes_ok"] = sum(1 for _i, ok in look if ok)
        row["failing"] = sorted(i for i, ok in pos if not ok)[:5]
        out[tid] = row
    return out
