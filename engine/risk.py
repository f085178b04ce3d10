"""Party risk rating for a risk-based approach: a score 0-100 and a tier per party.

The factors, their weights, the tier cut-offs and the override rules live in one versioned
YAML file (:data:`WEIGHTS_FILE`, or ``CTFMON_RISK_WEIGHTS_FILE``), validated by
:func:`load_weights`.  Each factor gives a *level* from 0 to 1:

- customer: ``party_type`` (a level per type; NPOs highest), ``npo_operations`` (highest
  jurisdiction risk among an NPO's operating countries), ``residence`` and ``nationality``
  (the jurisdiction risk list's weight for the country, 0 when not listed), ``pep``,
  ``entity_rating`` (the reporting entity's own ``risk_rating``);
- products and channels, as shares of the party's turnover in base currency over the last
  ``activity_days`` days of loaded data (transactions between the party's own accounts left
  out; the party's cross-border cash declarations count as cash, its trade documents as
  turnover with the partner's country): ``cash_intensity``,
  ``prepaid_cards``, ``cross_border``, ``high_risk_corridors`` (turnover with listed
  jurisdictions times their weight) and ``pass_through`` (the share of inflows paid out again
  within about ``window_hours``: per bucket of that length, ``min(in, out of this and the next
  bucket)``, summed, at most the outflow; 0 below ``min_inflow``); level = share /
  ``saturate_at``, at most 1;
- history: ``alert_history`` (noisy-or over typologies of the strongest alert score times
  the typology's case weight, as a case's risk), ``case_history`` (a level per case state;
  an STR filed weighs most), ``network_exposure`` and ``sanctions_match`` (the strongest
  alert of the named typologies).  Alerts in cases closed as false positive do not count.

``points = level x weight x 100 / sum(weights)``; the score is the sum of the points.  The
tier is ``high`` / ``medium`` at the cut-offs, raised by any override rule whose factor level
is at least its ``at_least`` (a near-exact sanctions match, an STR filed, a PEP).

Everything is computed set-based in one pass of DuckDB SQL over all parties
(:func:`rate_parties`).  Tables: ``party_risk`` keeps the history (a row when a party's
rating first appears or changes: score, tier, weights version or contributions),
``party_risk_current`` the latest run's score and tier of every party (small: the queue joins
it; the contributions are in the party's latest history row), ``party_risk_runs`` one row per
rating run.  Scans rate all parties again when they finish (:func:`rate_after_scan`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine import plausible, reference
from engine.config import get_settings
from engine.detect.typology import DEFAULT_CASE_WEIGHT
from engine.errors import CtfmonError, NotFound
from engine.schema import PARTY_TYPES, RISK_RATINGS
from engine.store import now_utc, transaction

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).parent / "reference" / "risk_weights.yaml"
TIERS: tuple[str, ...] = ("low", "medium", "high")
CASE_STATES: tuple[str, ...] = (
    "new", "in_review", "escalated", "str_filed", "closed_false_positive", "closed_no_action",
)
CASH_CHANNELS: tuple[str, ...] = ("cash_deposit", "cash_withdrawal", "atm_withdrawal")

DDL: list[str] = [
    """CREATE TABLE IF NOT EXISTS party_risk (
  party_id VARCHAR NOT NULL,
  rated_at TIMESTAMP NOT NULL,
  score DOUBLE NOT NULL,
  tier VARCHAR NOT NULL,
  weights_version VARCHAR NOT NULL,
  contributions JSON NOT NULL,
  tier_reason VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL
)""",
    # the latest run's rating of every party; its contributions are those of the party's latest
    # history row (``contributions_md5`` tells a run whether they changed)
    """CREATE TABLE IF NOT EXISTS party_risk_current (
  party_id VARCHAR NOT NULL,
  rated_at TIMESTAMP NOT NULL,
  score DOUBLE NOT NULL,
  tier VARCHAR NOT NULL,
  weights_version VARCHAR NOT NULL,
  tier_reason VARCHAR NOT NULL,
  run_id VARCHAR NOT NULL,
  contributions_md5 VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS party_risk_runs (
  run_id VARCHAR PRIMARY KEY,
  rated_at TIMESTAMP NOT NULL,
  weights_version VARCHAR NOT NULL,
  weights_as_of DATE NOT NULL,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  parties BIGINT NOT NULL,
  changed BIGINT NOT NULL,
  tiers JSON NOT NULL,
  seconds DOUBLE NOT NULL,
  triggered_by VARCHAR NOT NULL
)""",
]


# --------------------------------------------------------------------------- the weights file
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


_TYPOLOGY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Factor(_Strict):
    weight: float = Field(ge=0, le=1000, description="relative weight; 0 turns the factor off")


def _levels_check(levels: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    unknown = [k for k in levels if k not in allowed]
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; expected {', '.join(allowed)}")
    missing = [k for k in allowed if k not in levels]
    if missing:
        raise ValueError(f"missing level for {', '.join(missing)}")
    bad = [k for k, v in levels.items() if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"level of {bad[0]!r} must be between 0 and 1, not {levels[bad[0]]}")
    return levels


class PartyTypeFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, PARTY_TYPES)


class RatingFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, RISK_RATINGS)


class CaseFactor(Factor):
    levels: dict[str, float]

    @field_validator("levels")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        return _levels_check(v, CASE_STATES)


class ShareFactor(Factor):
    saturate_at: float = Field(gt=0, le=1, description="the share of turnover that gives level 1")


def _typology_ids(v: list[str]) -> list[str]:
    bad = [t for t in v if not _TYPOLOGY_ID.match(t)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a typology id")
    return v


class PassThroughFactor(ShareFactor):
    window_hours: float = Field(72, gt=0, le=24 * 31, description="money out within about this many hours of coming in")
    min_inflow: float = Field(5000, ge=0, description="inflows (base currency) below this over the period give level 0")


class AlertFactor(Factor):
    exclude_typologies: list[str] = Field(default_factory=list)

    @field_validator("exclude_typologies")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return _typology_ids(v)


class TypologyFactor(Factor):
    typologies: list[str] = Field(min_length=1)

    @field_validator("typologies")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        return _typology_ids(v)


class Factors(_Strict):
    party_type: PartyTypeFactor
    npo_operations: Factor
    residence: Factor
    nationality: Factor
    pep: Factor
    entity_rating: RatingFactor
    cash_intensity: ShareFactor
    prepaid_cards: ShareFactor
    cross_border: ShareFactor
    high_risk_corridors: ShareFactor
    pass_through: PassThroughFactor
    alert_history: AlertFactor
    case_history: CaseFactor
    network_exposure: TypologyFactor
    sanctions_match: TypologyFactor


FACTORS: tuple[str, ...] = tuple(Factors.model_fields)
FactorName = Literal[
    "party_type", "npo_operations", "residence", "nationality", "pep", "entity_rating",
    "cash_intensity", "prepaid_cards", "cross_border", "high_risk_corridors", "pass_through", "alert_history",
    "case_history", "network_exposure", "sanctions_match",
]


assert set(FactorName.__args__) == set(FACTORS)  # type: ignore[attr-defined]


class TierCutoffs(_Strict):
    medium: float = Field(gt=0, le=100)
    high: float = Field(gt=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> TierCutoffs:
        if self.medium >= self.high:
            raise ValueError(f"medium cut-off ({self.medium:g}) must be below high ({self.high:g})")
        return self


class Override(_Strict):
    factor: FactorName
    at_least: float = Field(ge=0, le=1)
    tier: Literal["medium", "high"]


class RiskWeights(_Strict):
    version: str = Field(min_length=1, max_length=64)
    as_of: date
    source: str = ""
    activity_days: int = Field(365, ge=1, le=36_500)
    tiers: TierCutoffs
    overrides: list[Override] = Field(default_factory=list)
    factors: Factors

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _some_weight(self) -> RiskWeights:
        if self.total_weight <= 0:
            raise ValueError("every factor weight is 0: at least one must be positive")
        return self

    @property
    def total_weight(self) -> float:
        return sum(getattr(self.factors, f).weight for f in FACTORS)

    def factor(self, name: str) -> Factor:
        return getattr(self.factors, name)  # type: ignore[no-any-return]


def _format_errors(source: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ())) or "(top level)"
        kind = err.get("type")
        if kind == "extra_forbidden":
            parts.append(f"{loc}: unknown field")
        elif kind == "missing":
            parts.append(f"{loc}: missing")
        else:
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg} (got {err.get('input')!r})")
    return f"risk weights file {source}: " + "; ".join(parts)


def parse_weights(data: Any, source: str = "(given)") -> RiskWeights:
    """Validate a mapping read from a weights file; errors name the file and the field."""
    if not isinstance(data, dict):
        raise CtfmonError(f"risk weights file {source}: expected a mapping of fields at the top level")
    try:
        return RiskWeights.model_validate(data)
    except ValidationError as exc:
        raise CtfmonError(_format_errors(source, exc)) from None


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> RiskWeights:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CtfmonError(f"cannot read risk weights file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise CtfmonError(f"risk weights file {path}: not valid YAML{at}") from None
    return parse_weights(data, str(path))


def weights_path() -> Path:
    override = get_settings().risk_weights_file
    return Path(override) if override else WEIGHTS_FILE


def load_weights(path: str | Path | None = None) -> RiskWeights:
    """The weights in force (``CTFMON_RISK_WEIGHTS_FILE`` or the shipped file), validated."""
    p = Path(path) if path is not None else weights_path()
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise CtfmonError(f"cannot read risk weights file {p}: {exc.strerror or exc}") from None
    return _load(p, mtime)


# --------------------------------------------------------------------------- rating
@dataclass
class RatingRun:
    run_id: str
    rated_at: datetime
    weights_version: str
    window_start: datetime | None
    window_end: datetime | None
    parties: int
    changed: int
    tiers: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(x: float) -> str:
    """A float as an SQL literal (validated numbers only)."""
    return repr(float(x))


def _levels_case(column: str, levels: dict[str, float]) -> str:
    """CASE mapping a validated enum column to its level (keys are checked against the contract)."""
    arms = " ".join(f"WHEN '{k}' THEN {_num(v)}" for k, v in levels.items())
    return f"COALESCE(CASE {column} {arms} END, 0.0)"


def _activity_window(con: duckdb.DuckDBPyConnection, days: int) -> tuple[datetime | None, datetime | None]:
    lo, hi = plausible.plausible_bounds()
    row = con.execute("SELECT max(timestamp) FROM transactions WHERE timestamp BETWEEN ? AND ?",
                      [lo, hi]).fetchall()[0]
    end = row[0] if row else None
    if end is None:
        return None, None
    return end - timedelta(days=days), end


def _build(con: duckdb.DuckDBPyConnection, w: RiskWeights, ws: datetime | None, we: datetime | None) -> None:
    """Create the temp table ``_risk_new``: one rating per party."""
    jr = reference.jurisdiction_risk().select("country", "category", "weight")
    con.register("_risk_jr_src", jr.to_arrow())
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _risk_jr AS SELECT country, max(weight) AS weight, "
            "first(category ORDER BY weight DESC, category) AS category FROM _risk_jr_src GROUP BY country"
        )
    finally:
        con.unregister("_risk_jr_src")
    cash = ", ".join(f"'{c}'" for c in CASH_CHANNELS)
    # the party's legs: each transfer counts for the party on either side (own-account moves left out);
    # money is summed as DECIMAL so that a run over the same data gives the same figures
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _risk_activity AS
WITH t AS (
  SELECT timestamp AS ts, channel, CAST(amount_base AS DECIMAL(18, 2)) AS amt, from_account, to_account,
         originator_country, beneficiary_country, location_country
  FROM transactions WHERE timestamp > $ws AND timestamp <= $we AND amount_base IS NOT NULL),
legs AS (
  SELECT fa.party_id, 'out' AS dir, t.ts, t.amt, (t.channel IN ({cash})) AS is_cash,
         (t.channel = 'prepaid_load' OR fa.account_type = 'prepaid_card') AS is_prepaid,
         fa.country AS own_country, COALESCE(t.location_country, t.beneficiary_country, ta.country) AS cp_country
  FROM t JOIN accounts fa ON fa.account_id = t.from_account
  LEFT JOIN accounts ta ON ta.account_id = t.to_account
  WHERE fa.party_id IS NOT NULL AND fa.party_id <> '' AND (ta.party_id IS NULL OR ta.party_id <> fa.party_id)
  UNION ALL
  SELECT ta.party_id, 'in', t.ts, t.amt, (t.channel IN ({cash})),
         (t.channel = 'prepaid_load' OR ta.account_type = 'prepaid_card'),
         ta.country, COALESCE(t.location_country, t.originator_country, fa.country)
  FROM t JOIN accounts ta ON ta.account_id = t.to_account
  LEFT JOIN accounts fa ON fa.account_id = t.from_account
  WHERE ta.party_id IS NOT NULL AND ta.party_id <> '' AND (fa.party_id IS NULL OR fa.party_id <> ta.party_id)
  UNION ALL
  SELECT d.party_id, NULL, d.timestamp, CAST(d.amount_base AS DECIMAL(18, 2)), TRUE, FALSE, p.country,
         CASE WHEN d.direction = 'outbound' THEN d.destination_country ELSE d.origin_country END
  FROM cash_declarations d JOIN parties p ON p.party_id = d.party_id
  WHERE d.timestamp > $ws AND d.timestamp <= $we AND d.amount_base IS NOT NULL
  UNION ALL
  SELECT r.party_id, NULL, CAST(r.date AS TIMESTAMP), CAST(r.invoice_value_base AS DECIMAL(18, 2)), FALSE, FALSE,
         p.country, r.cp_country
  FROM (SELECT exporter_party_id AS party_id, destination_country AS cp_country, date, invoice_value_base
        FROM trade_documents
        UNION ALL
        SELECT importer_party_id, origin_country, date, invoice_value_base FROM trade_documents) r
  JOIN parties p ON p.party_id = r.party_id
  WHERE CAST(r.date AS TIMESTAMP) > $ws AND CAST(r.date AS TIMESTAMP) <= $we AND r.invoice_value_base IS NOT NULL),
per_country AS (
  SELECT party_id, cp_country, count(*) AS n, sum(amt) AS amt,
         sum(CASE WHEN is_cash THEN amt ELSE 0 END) AS cash_amt,
         sum(CASE WHEN is_prepaid THEN amt ELSE 0 END) AS prepaid_amt,
         sum(CASE WHEN cp_country <> own_country THEN amt ELSE 0 END) AS xb_amt
  FROM legs GROUP BY party_id, cp_country),
buckets AS (
  SELECT party_id, CAST(floor(epoch(ts) / $bucket) AS BIGINT) AS bk,
         sum(CASE WHEN dir = 'in' THEN amt ELSE 0 END) AS i, sum(CASE WHEN dir = 'out' THEN amt ELSE 0 END) AS o
  FROM legs WHERE dir IS NOT NULL GROUP BY party_id, CAST(floor(epoch(ts) / $bucket) AS BIGINT)),
passing AS (
  SELECT party_id, sum(i) AS inflow, sum(o) AS outflow,
         sum(least(i, o + CASE WHEN next_bk = bk + 1 THEN next_o ELSE 0 END)) AS passed
  FROM (SELECT party_id, bk, i, o, LEAD(bk) OVER w AS next_bk, LEAD(o) OVER w AS next_o
        FROM buckets WINDOW w AS (PARTITION BY party_id ORDER BY bk)) b
  GROUP BY party_id),
activity AS (
SELECT c.party_id, sum(c.n) AS n, sum(c.amt) AS turnover, sum(c.cash_amt) AS cash_amt,
       sum(c.prepaid_amt) AS prepaid_amt, sum(c.xb_amt) AS xb_amt,
       sum(CAST(c.amt * COALESCE(j.weight, 0) AS DECIMAL(38, 4))) AS corridor_amt,
       first(c.cp_country ORDER BY c.amt * j.weight DESC, c.cp_country) FILTER (WHERE j.weight > 0) AS corridor_top
FROM per_country c LEFT JOIN _risk_jr j ON j.country = c.cp_country
GROUP BY c.party_id)
SELECT a.party_id, a.n, CAST(a.turnover AS DOUBLE) AS turnover, CAST(a.cash_amt AS DOUBLE) AS cash_amt,
       CAST(a.prepaid_amt AS DOUBLE) AS prepaid_amt, CAST(a.xb_amt AS DOUBLE) AS xb_amt,
       CAST(a.corridor_amt AS DOUBLE) AS corridor_amt, a.corridor_top, CAST(p.inflow AS DOUBLE) AS inflow,
       CASE WHEN p.inflow >= $min_inflow
            THEN CAST(least(p.passed, p.outflow) AS DOUBLE) / CAST(p.inflow AS DOUBLE) ELSE 0 END AS pass_share
FROM activity a LEFT JOIN passing p ON p.party_id = a.party_id""",
        {"ws": ws or datetime(1, 1, 1), "we": we or datetime(1, 1, 1),
         "bucket": w.factors.pass_through.window_hours * 3600.0, "min_inflow": w.factors.pass_through.min_inflow},
    )
    fa = w.factors
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _risk_alerts AS
WITH fp AS (
  SELECT ca.alert_id FROM case_alerts ca JOIN cases c ON c.case_id = ca.case_id
  WHERE c.state = 'closed_false_positive'),
per_typ AS (
  SELECT a.subject_id AS party_id, a.typology_id, max(a.score) AS s
  FROM alerts a WHERE a.subject_type = 'party' AND a.alert_id NOT IN (SELECT alert_id FROM fp)
  GROUP BY a.subject_id, a.typology_id),
hist AS (
  SELECT p.party_id, p.typology_id, p.s, least(p.s * COALESCE(tc.case_weight, $dw), 0.999999) AS m
  FROM per_typ p LEFT JOIN typology_catalogue tc ON tc.typology_id = p.typology_id
  WHERE NOT list_contains(CAST($excl AS VARCHAR[]), p.typology_id))
SELECT party_id,
       max(h) AS hist, max(hist_obs) AS hist_obs, max(net) AS net, max(net_obs) AS net_obs,
       max(san) AS san, max(san_obs) AS san_obs
FROM (
  SELECT party_id, round(1 - exp(sum(ln(1 - m))), 9) AS h,
         string_agg(typology_id || ' ' || printf('%.2f', s), ', ' ORDER BY s DESC, typology_id) AS hist_obs,
         NULL AS net, NULL AS net_obs, NULL AS san, NULL AS san_obs
  FROM hist GROUP BY party_id
  UNION ALL
  SELECT party_id, NULL, NULL,
         max(s) FILTER (WHERE list_contains(CAST($net AS VARCHAR[]), typology_id)),
         first(typology_id || ' ' || printf('%.2f', s) ORDER BY s DESC, typology_id)
           FILTER (WHERE list_contains(CAST($net AS VARCHAR[]), typology_id)),
         max(s) FILTER (WHERE list_contains(CAST($san AS VARCHAR[]), typology_id)),
         first(typology_id || ' ' || printf('%.2f', s) ORDER BY s DESC, typology_id)
           FILTER (WHERE list_contains(CAST($san AS VARCHAR[]), typology_id))
  FROM per_typ GROUP BY party_id) u
GROUP BY party_id""",
        {"dw": DEFAULT_CASE_WEIGHT, "excl": fa.alert_history.exclude_typologies,
         "net": fa.network_exposure.typologies, "san": fa.sanctions_match.typologies},
    )
    case_levels = _levels_case("c.state", fa.case_history.levels)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _risk_cases AS
SELECT c.subject_id AS party_id, max({case_levels}) AS lvl,
       first(c.state || ' ' || c.case_id ORDER BY {case_levels} DESC, c.case_id DESC) AS obs,
       count(*) FILTER (WHERE c.state = 'str_filed') AS strs
FROM cases c WHERE c.subject_type = 'party' GROUP BY c.subject_id"""
    )
    k = 100.0 / w.total_weight
    share = {name: w.factor(name) for name in ("cash_intensity", "prepaid_cards", "cross_border",
                                                 "high_risk_corridors", "pass_through")}

    def sat(col: str, name: str) -> str:
        f = share[name]
        assert isinstance(f, ShareFactor)
        return f"least(1.0, COALESCE({col}, 0) / {_num(f.saturate_at)})"

    levels = {
        "party_type": _levels_case("p.party_type", fa.party_type.levels),
        "npo_operations": "CASE WHEN p.party_type = 'npo' THEN COALESCE(o.weight, 0) ELSE 0 END",
        "residence": "COALESCE(jc.weight, 0)",
        "nationality": "COALESCE(jn.weight, 0)",
        "pep": "CASE WHEN p.is_pep THEN 1.0 ELSE 0.0 END",
        "entity_rating": _levels_case("p.risk_rating", fa.entity_rating.levels),
        "cash_intensity": sat("ac.cash_amt / nullif(ac.turnover, 0)", "cash_intensity"),
        "prepaid_cards": sat("ac.prepaid_amt / nullif(ac.turnover, 0)", "prepaid_cards"),
        "cross_border": sat("ac.xb_amt / nullif(ac.turnover, 0)", "cross_border"),
        "high_risk_corridors": sat("ac.corridor_amt / nullif(ac.turnover, 0)", "high_risk_corridors"),
        "pass_through": sat("ac.pass_share", "pass_through"),
        "alert_history": "COALESCE(al.hist, 0)",
        "case_history": "COALESCE(cs.lvl, 0)",
        "network_exposure": "COALESCE(al.net, 0)",
        "sanctions_match": "COALESCE(al.san, 0)",
    }

    def pct(col: str) -> str:
        return f"printf('%.1f%% of turnover', 100 * COALESCE({col} / nullif(ac.turnover, 0), 0))"

    observed = {
        "party_type": "p.party_type || COALESCE(' (' || p.npo_purpose || ')', '')",
        "npo_operations": "CASE WHEN p.party_type <> 'npo' THEN 'not an NPO' "
                          "WHEN o.top IS NULL THEN 'no listed country among ' || "
                          "COALESCE(array_to_string(p.npo_operating_countries, ', '), 'none given') "
                          "ELSE o.top || ' (' || o.category || ')' END",
        "residence": "p.country || COALESCE(' (' || jc.category || ')', ' (not listed)')",
        "nationality": "COALESCE(p.nationality || COALESCE(' (' || jn.category || ')', ' (not listed)'), 'not given')",
        "pep": "CASE WHEN p.is_pep THEN 'yes' WHEN p.is_pep IS NULL THEN 'not given' ELSE 'no' END",
        "entity_rating": "COALESCE(p.risk_rating, 'not given')",
        "cash_intensity": pct("ac.cash_amt"),
        "prepaid_cards": pct("ac.prepaid_amt"),
        "cross_border": pct("ac.xb_amt"),
        "high_risk_corridors": f"{pct('ac.corridor_amt')} || ' (jurisdiction-weighted)'"
                               " || COALESCE(', mostly ' || ac.corridor_top, '')",
        "pass_through": "CASE WHEN COALESCE(ac.inflow, 0) < " + _num(fa.pass_through.min_inflow)
                        + " THEN printf('inflows %.0f, under the %.0f counted', COALESCE(ac.inflow, 0), "
                        + _num(fa.pass_through.min_inflow) + ") ELSE printf('%.1f%% of inflows %.0f left within ~"
                        + f"{fa.pass_through.window_hours:g}" + " h', 100 * ac.pass_share, ac.inflow) END",
        "alert_history": "COALESCE(al.hist_obs, 'no alerts')",
        "case_history": "COALESCE(cs.obs || CASE WHEN cs.strs > 1 THEN printf(' (%d STRs)', cs.strs) ELSE '' END, "
                        "'no cases')",
        "network_exposure": "COALESCE(al.net_obs, 'no alerts')",
        "sanctions_match": "COALESCE(al.san_obs, 'no match')",
    }
    active = [f for f in FACTORS if w.factor(f).weight > 0]
    # an override may name a factor at weight 0 (a knock-out rule that adds no points)
    needed = [f for f in FACTORS if f in active or any(o.factor == f for o in w.overrides)]
    cols = ",\n  ".join(f"{levels[f]} AS l_{f}, {observed[f]} AS o_{f}" for f in needed)
    points = {f: f"(l_{f} * {_num(w.factor(f).weight * k)})" for f in active}
    contribs = ", ".join(
        f"{{'factor': '{f}', 'observed': o_{f}, 'value': round(l_{f}, 4), "
        f"'weight': {_num(w.factor(f).weight)}, 'points': round({points[f]}, 2)}}"
        for f in active
    )
    score = " + ".join(points[f] for f in active)
    hi, med = _num(w.tiers.high), _num(w.tiers.medium)
    rank = {"medium": 1, "high": 2}
    ovs = sorted(w.overrides, key=lambda o: -rank[o.tier])
    ov_rank = "0"
    ov_reason = "NULL"
    if ovs:
        ov_rank = "GREATEST(" + ", ".join(
            f"CASE WHEN l_{o.factor} >= {_num(o.at_least)} THEN {rank[o.tier]} ELSE 0 END" for o in ovs) + ")"
        ov_reason = "CASE " + " ".join(
            f"WHEN l_{o.factor} >= {_num(o.at_least)} THEN "
            f"'{o.tier} by override: {o.factor} ' || printf('%.2f', l_{o.factor}) || ' >= {o.at_least:g}'"
            for o in ovs) + " END"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _risk_new AS
WITH npo_ops AS (
  SELECT u.party_id, max(j.weight) AS weight, first(u.c ORDER BY j.weight DESC, u.c) AS top,
         first(j.category ORDER BY j.weight DESC, u.c) AS category
  FROM (SELECT party_id, unnest(npo_operating_countries) AS c FROM parties WHERE party_type = 'npo') u
  JOIN _risk_jr j ON j.country = u.c GROUP BY u.party_id),
f AS (
  SELECT p.party_id,
  {cols}
  FROM parties p
  LEFT JOIN npo_ops o ON o.party_id = p.party_id
  LEFT JOIN _risk_jr jc ON jc.country = p.country
  LEFT JOIN _risk_jr jn ON jn.country = p.nationality
  LEFT JOIN _risk_activity ac ON ac.party_id = p.party_id
  LEFT JOIN _risk_alerts al ON al.party_id = p.party_id
  LEFT JOIN _risk_cases cs ON cs.party_id = p.party_id),
s AS (
  SELECT party_id, round({score}, 1) AS score, {ov_rank} AS ov_rank, {ov_reason} AS ov_reason,
         to_json([{contribs}]) AS contributions
  FROM f)
SELECT party_id, score,
       CASE WHEN GREATEST(CASE WHEN score >= {hi} THEN 2 WHEN score >= {med} THEN 1 ELSE 0 END, ov_rank) = 2
            THEN 'high'
            WHEN GREATEST(CASE WHEN score >= {hi} THEN 2 WHEN score >= {med} THEN 1 ELSE 0 END, ov_rank) = 1
            THEN 'medium' ELSE 'low' END AS tier,
       CASE WHEN ov_rank > (CASE WHEN score >= {hi} THEN 2 WHEN score >= {med} THEN 1 ELSE 0 END) THEN ov_reason
            WHEN score >= {hi} THEN 'high: score ' || printf('%.1f', score) || ' >= {w.tiers.high:g}'
            WHEN score >= {med} THEN 'medium: score ' || printf('%.1f', score) || ' >= {w.tiers.medium:g}'
            ELSE 'low: score ' || printf('%.1f', score) || ' < {w.tiers.medium:g}' END AS tier_reason,
       contributions, md5(CAST(contributions AS VARCHAR)) AS contributions_md5
FROM s"""
    )


def rate_parties(
    con: duckdb.DuckDBPyConnection, weights: RiskWeights | None = None, *, triggered_by: str = "cli",
) -> RatingRun:
    """Rate every party on file with ``weights`` (default: :func:`load_weights`) and store the run.

    A party gets a history row in ``party_risk`` when its rating is new or differs from its
    latest one; ``party_risk_current`` is replaced by this run's ratings."""
    w = weights if weights is not None else load_weights()
    t0 = time.perf_counter()
    rated_at = now_utc()
    run_id = "RR-" + rated_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    ws, we = _activity_window(con, w.activity_days)
    temps = ("_risk_jr", "_risk_activity", "_risk_alerts", "_risk_cases", "_risk_new")
    try:
        _build(con, w, ws, we)
        with transaction(con):
            changed = con.execute(
                """INSERT INTO party_risk
SELECT n.party_id, $at, n.score, n.tier, $ver, n.contributions, n.tier_reason, $run
FROM _risk_new n LEFT JOIN party_risk_current c ON c.party_id = n.party_id
WHERE c.party_id IS NULL OR c.score <> n.score OR c.tier <> n.tier OR c.weights_version <> $ver
   OR c.tier_reason <> n.tier_reason OR c.contributions_md5 <> n.contributions_md5""",
                {"at": rated_at, "ver": w.version, "run": run_id},
            ).fetchall()[0]
            n_changed = int(changed[0])
            con.execute("DELETE FROM party_risk_current")
            con.execute(
                "INSERT INTO party_risk_current SELECT party_id, $at, score, tier, $ver, tier_reason, $run, "
                "contributions_md5 FROM _risk_new",
                {"at": rated_at, "ver": w.version, "run": run_id},
            )
            tiers = {t: 0 for t in TIERS}
            for tier, n in con.execute("SELECT tier, count(*) FROM _risk_new GROUP BY tier").fetchall():
                tiers[tier] = int(n)
            parties = sum(tiers.values())
            seconds = round(time.perf_counter() - t0, 3)
            con.execute(
                "INSERT INTO party_risk_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, rated_at, w.version, w.as_of, ws, we, parties, n_changed, json.dumps(tiers),
                 seconds, triggered_by],
            )
    finally:
        for t in temps:
            con.execute(f"DROP TABLE IF EXISTS {t}")
    log.info("party risk run %s: %d parties rated (%d changed) with weights %s in %.2fs: %s",
             run_id, parties, n_changed, w.version, seconds, tiers)
    return RatingRun(run_id, rated_at, w.version, ws, we, parties, n_changed, tiers, seconds)


def rate_after_scan(con: duckdb.DuckDBPyConnection, scan_id: str) -> RatingRun | None:
    """Rate all parties again after a scan; a failure is logged and never fails the scan."""
    try:
        return rate_parties(con, triggered_by=f"scan {scan_id}")
    except CtfmonError as exc:  # a bad weights file: the scan stands, the ratings stay as they were
        log.warning("party risk rating after scan %s not made: %s", scan_id, exc.message)
    except Exception:
        log.exception("party risk rating after scan %s failed", scan_id)
    return None


# --------------------------------------------------------------------------- reading
def _rating(row: tuple[Any, ...]) -> dict[str, Any]:
    party_id, rated_at, score, tier, version, contributions, reason, run_id = row
    contribs = json.loads(contributions) if isinstance(contributions, str) else list(contributions or [])
    contribs.sort(key=lambda c: (-c["points"], c["factor"]))
    return {"party_id": party_id, "rated_at": rated_at, "score": score, "tier": tier,
            "weights_version": version, "tier_reason": reason, "run_id": run_id,
            "contributions": contribs}


_COLS = "party_id, rated_at, score, tier, weights_version, contributions, tier_reason, run_id"


def current_rating(con: duckdb.DuckDBPyConnection, party_id: str) -> dict[str, Any] | None:
    """The latest rating of a party, or None when it has not been rated."""
    rows = con.execute(
        """SELECT c.party_id, c.rated_at, c.score, c.tier, c.weights_version,
                  (SELECT h.contributions FROM party_risk h WHERE h.party_id = c.party_id
                   ORDER BY h.rated_at DESC, h.run_id DESC LIMIT 1), c.tier_reason, c.run_id
           FROM party_risk_current c WHERE c.party_id = ?""", [party_id]).fetchall()
    return _rating(rows[0]) if rows else None


def party_risk(con: duckdb.DuckDBPyConnection, party_id: str, *, history: int = 50) -> dict[str, Any]:
    """A party's current rating and its rating history (newest first); NotFound for an unknown party."""
    found = con.execute("SELECT name, party_type FROM parties WHERE party_id = ?", [party_id]).fetchall()
    if not found:
        raise NotFound(f"no party {party_id!r}")
    rows = con.execute(
        f"SELECT {_COLS} FROM party_risk WHERE party_id = ? ORDER BY rated_at DESC, run_id DESC LIMIT ?",
        [party_id, history],
    ).fetchall()
    return {"party_id": party_id, "name": found[0][0], "party_type": found[0][1],
            "current": current_rating(con, party_id), "history": [_rating(r) for r in rows]}


def tier_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Parties per tier in the latest ratings."""
    out = {t: 0 for t in TIERS}
    for tier, n in con.execute("SELECT tier, count(*) FROM party_risk_current GROUP BY tier").fetchall():
        out[tier] = int(n)
    return out


def last_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = con.sql("SELECT * FROM party_risk_runs ORDER BY rated_at DESC, run_id DESC LIMIT 1").pl().to_dicts()
    if not rows:
        return None
    out = rows[0]
    out["tiers"] = json.loads(out["tiers"]) if isinstance(out["tiers"], str) else out["tiers"]
    return out
