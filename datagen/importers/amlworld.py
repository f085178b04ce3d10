"""Import IBM AMLworld (IBM Transactions for Anti Money Laundering) into contract files.

Input: the transactions CSV (``Timestamp`` as ``YYYY/MM/DD HH:MM``, ``From Bank``,
``Account``, ``To Bank``, ``Account`` (a second column of that name), ``Amount Received``,
``Receiving Currency``, ``Amount Paid``, ``Payment Currency``, ``Payment Format``,
``Is Laundering``) and optionally the patterns file, whose blocks
``BEGIN LAUNDERING ATTEMPT - TYPE[: detail]`` ... ``END LAUNDERING ATTEMPT`` hold the same
CSV rows.

Mapping:

- accounts: ``<bank>:<account>`` (bank ids keep their leading zeros; the same account
  number at two banks stays two accounts), institution = the bank id, held in ``country``
  (AMLworld has no geography), currency = the first currency it paid in; one party per
  account (``P-<bank>:<account>``);
- amount and currency: the paid side (``Amount Paid``, ``Payment Currency``); when the
  paid currency has no ISO code (Bitcoin) the received side is used; when neither side
  has one the row is dropped and counted in the manifest (``dropped_no_iso_currency``);
- currencies: US Dollar USD, Euro EUR, Yuan CNY, Yen JPY, UK Pound GBP, Rupee INR,
  Ruble RUB, Canadian Dollar CAD, Australian Dollar AUD, Swiss Franc CHF, Mexican Peso
  MXN, Brazil Real BRL, Shekel ILS, Saudi Riyal SAR.  Bitcoin has no ISO 4217 code and is
  not mapped (see above).  ``fx_rates.csv`` is written with the exchange rates implied by
  the file itself: the median of received/paid per currency pair, chained from the base
  currency along the shortest path of pairs, so amounts convert as AMLworld converted them;
  a currency with no such chain gets the shipped default rate (every circulating ISO 4217
  currency has one), so no row is lost for want of a rate;
- payment formats: Wire -> wire, ACH -> domestic_transfer, Cheque -> cheque, Credit Card
  -> card_payment, Reinvestment -> internal, Bitcoin -> mobile_transfer (no crypto channel
  in the contract; the reference says ``bitcoin``), Cash -> cash_deposit into the
  receiving account (the paying account is kept in ``originator_name``, as the contract
  has no debited account for cash deposits);
- rows paying an account to itself (reinvestment) carry no flow between accounts and are
  dropped, counted in the manifest (``dropped_self_transfers``);
- labels: with ``--patterns`` each attempt is one instance ``amlworld-<n>`` of the
  typology its type maps to (FAN-IN/FAN-OUT -> ML-NET-01, SCATTER-GATHER/GATHER-SCATTER ->
  ML-NET-02, CYCLE -> ML-NET-03, BIPARTITE/STACK -> ML-NET-05; RANDOM and unknown types
  are counted in the manifest and not labelled), roles from the attempt's transfers, its
  transactions as ``evidence``.  Rows flagged ``Is Laundering`` that belong to no mapped
  attempt are labelled ``amlworld:laundering`` evidence.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import polars as pl

from datagen.importers.common import PATTERN_TYPOLOGY, finish, labels_frame, norm_pattern, pattern_roles
from engine.config import get_settings
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

CURRENCIES: dict[str, str] = {
    "US Dollar": "USD", "Euro": "EUR", "Yuan": "CNY", "Yen": "JPY", "UK Pound": "GBP", "Rupee": "INR",
    "Ruble": "RUB", "Canadian Dollar": "CAD", "Australian Dollar": "AUD", "Swiss Franc": "CHF",
    "Mexican Peso": "MXN", "Brazil Real": "BRL", "Shekel": "ILS", "Saudi Riyal": "SAR",
}
FORMATS: dict[str, str] = {
    "Wire": "wire", "ACH": "domestic_transfer", "Cheque": "cheque", "Credit Card": "card_payment",
    "Reinvestment": "internal", "Bitcoin": "mobile_transfer", "Cash": "cash_deposit",
}
COLUMNS = ("Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received", "Receiving Currency",
           "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering")
_NAMES = ["ts", "from_bank", "from_acct", "to_bank", "to_acct", "amt_recv", "cur_recv", "amt_paid", "cur_paid",
          "format", "laundering"]
_BEGIN = re.compile(r"^BEGIN LAUNDERING ATTEMPT\s*-\s*(.+?)\s*$")
_END = re.compile(r"^END LAUNDERING ATTEMPT")


def _read_rows(text: str, where: str, header: bool) -> pl.DataFrame:
    try:
        df = pl.read_csv(io.StringIO(text), has_header=False, infer_schema=False, skip_rows=1 if header else 0,
                         new_columns=_NAMES)
    except pl.exceptions.PolarsError as exc:
        raise CtfmonError(f"{where}: cannot parse AMLworld rows: {exc}") from None
    if df.width != len(_NAMES):
        raise CtfmonError(f"{where}: expected {len(_NAMES)} columns ({', '.join(COLUMNS)}), found {df.width}")
    return df.with_columns(pl.all().str.strip_chars())


def read_transactions(path: str | Path) -> pl.DataFrame:
    """The AMLworld transactions CSV as strings with positional names (header checked)."""
    p = Path(path)
    if not p.is_file():
        raise CtfmonError(f"AMLworld transactions file {p} does not exist")
    text = p.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0].strip()
    header = [h.strip() for h in first.split(",")]
    if tuple(header) != COLUMNS:
        raise CtfmonError(f"{p}: header must be {','.join(COLUMNS)}; found {first[:200]!r}")
    return _read_rows(text, str(p), header=True).with_row_index("_row", offset=2)


def read_patterns(path: str | Path) -> pl.DataFrame:
    """Rows of the patterns file with ``attempt`` (1-based) and ``pattern`` columns."""
    p = Path(path)
    if not p.is_file():
        raise CtfmonError(f"AMLworld patterns file {p} does not exist")
    rows: list[str] = []
    attempts: list[int] = []
    patterns: list[str] = []
    current: tuple[int, str] | None = None
    n = 0
    for lineno, line in enumerate(p.read_text(encoding="utf-8-sig").splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        m = _BEGIN.match(s)
        if m:
            n += 1
            current = (n, m.group(1))
            continue
        if _END.match(s):
            current = None
            continue
        if current is None:
            raise CtfmonError(f"{p}:{lineno}: transaction row outside a BEGIN/END LAUNDERING ATTEMPT block")
        rows.append(s)
        attempts.append(current[0])
        patterns.append(current[1])
    if not rows:
        return pl.DataFrame(schema={**{c: pl.String for c in _NAMES}, "attempt": pl.Int64, "pattern": pl.String})
    df = _read_rows("\n".join(rows), str(p), header=False)
    return df.with_columns(pl.Series("attempt", attempts, dtype=pl.Int64), pl.Series("pattern", patterns))


def _key(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``txn_key``: the row's identity (all its fields), to match pattern rows to transactions."""
    return df.with_columns(pl.concat_str([pl.col(c).fill_null("") for c in _NAMES], separator="|").alias("txn_key"))


def import_amlworld(trans_csv: str | Path, out: str | Path, *, patterns: str | Path | None = None,
                    country: str = "US") -> dict[str, Any]:
    """Convert an AMLworld transactions CSV (and patterns file) into contract files in ``out``."""
    out = Path(out)
    raw = _key(read_transactions(trans_csv))
    ts = pl.col("ts").str.to_datetime("%Y/%m/%d %H:%M", strict=False)
    bad_ts = raw.filter(ts.is_null())
    if bad_ts.height:
        r = bad_ts.row(0, named=True)
        raise CtfmonError(f"{trans_csv}: row {r['_row']}: Timestamp {r['ts']!r} is not YYYY/MM/DD HH:MM")
    df = raw.with_columns(
        ts.alias("_ts"),
        (pl.col("from_bank") + ":" + pl.col("from_acct")).alias("_from"),
        (pl.col("to_bank") + ":" + pl.col("to_acct")).alias("_to"),
        pl.col("cur_paid").replace_strict(CURRENCIES, default=None).alias("_cp"),
        pl.col("cur_recv").replace_strict(CURRENCIES, default=None).alias("_cr"),
        pl.col("amt_paid").cast(pl.Float64, strict=False).alias("_ap"),
        pl.col("amt_recv").cast(pl.Float64, strict=False).alias("_ar"),
        pl.col("format").replace_strict(FORMATS, default=None).alias("channel"),
    )
    unknown_fmt = df.filter(pl.col("channel").is_null())
    if unknown_fmt.height:
        r = unknown_fmt.row(0, named=True)
        raise CtfmonError(f"{trans_csv}: row {r['_row']}: Payment Format {r['format']!r} is not one of "
                          f"{', '.join(FORMATS)}")
    unknown_cur = sorted(set(df.filter(pl.col("_cp").is_null())["cur_paid"].to_list())
                         | set(df.filter(pl.col("_cr").is_null())["cur_recv"].to_list()))
    df = df.with_columns(
        pl.when(pl.col("_cp").is_not_null()).then(pl.col("_ap")).otherwise(pl.col("_ar")).round(2).alias("amount"),
        pl.coalesce("_cp", "_cr").alias("currency"),
    )
    n_no_iso = df.filter(pl.col("currency").is_null()).height
    n_self = df.filter(pl.col("_from") == pl.col("_to")).height
    df = df.filter(pl.col("currency").is_not_null() & (pl.col("_from") != pl.col("_to")))
    df = df.with_columns(("AW" + pl.col("_row").cast(pl.String)).alias("txn_id"))
    is_cash = pl.col("channel") == "cash_deposit"
    transactions = df.select(
        "txn_id", pl.col("_ts").dt.strftime("%Y-%m-%dT%H:%M:%S").alias("timestamp"), "channel",
        pl.when(is_cash).then(None).otherwise(pl.col("_from")).alias("from_account"),
        pl.col("_to").alias("to_account"), "amount", "currency",
        pl.when(is_cash).then("cash from account " + pl.col("_from")).otherwise(None).alias("originator_name"),
        pl.when(pl.col("format") == "Bitcoin").then(pl.lit("bitcoin")).otherwise(None).alias("reference"),
    )
    ends = pl.concat([
        df.select(pl.col("_from").alias("account_id"), pl.col("from_bank").alias("institution_id"),
                  pl.col("currency"), pl.col("_ts")),
        df.select(pl.col("_to").alias("account_id"), pl.col("to_bank").alias("institution_id"),
                  pl.col("currency"), pl.col("_ts")),
    ])
    accounts = (
        ends.sort("_ts").group_by("account_id", maintain_order=True)
        .agg(pl.col("institution_id").first(), pl.col("currency").first())
        .sort("account_id")
        .select("account_id", ("P-" + pl.col("account_id")).alias("party_id"), "institution_id",
                pl.lit(country).alias("country"), pl.lit("current").alias("account_type"), "currency")
    )
    parties = accounts.select(
        "party_id", pl.lit("individual").alias("party_type"),
        ("Account holder " + pl.col("account_id")).alias("name"), pl.lit(country).alias("country"),
    )
    fx = _implied_rates(df)
    used = set(df["currency"].unique().to_list()) - {get_settings().base_currency}
    manifest: dict[str, Any] = {
        "fx_rates_from_file": sorted(fx["currency"].to_list()),
        "fx_rates_from_defaults": sorted(used - set(fx["currency"].to_list())),
        "source": str(trans_csv), "patterns": str(patterns) if patterns else None, "format": "amlworld",
        "country": country, "dropped_self_transfers": n_self, "dropped_no_iso_currency": n_no_iso,
        "unmapped_currency_names": unknown_cur, "unmapped_patterns": {},
    }
    labels = _labels(df, patterns, manifest)
    tables = {"parties": parties, "accounts": accounts, "transactions": transactions, "labels": labels}
    if fx.height:
        tables = {"fx_rates": fx, **tables}
    return finish(out, tables, manifest)


def _implied_rates(df: pl.DataFrame) -> pl.DataFrame:
    """Rates implied by the file's own paired amounts, in the base currency, as ``fx_rates`` rows.

    A row paid in one currency and received in another carries an exchange rate
    (received / paid); the median over a currency pair is that pair's rate.  Each
    currency's value in the base currency (``CTFMON_BASE_CURRENCY``, USD by default) is
    found along the shortest chain of pairs from the base, so a currency never received in
    the base itself (AMLworld's Brazil Real, paired with other currencies) still gets one.
    Currencies with no chain to the base get the shipped default rate at ingest.
    """
    empty = pl.DataFrame(schema={"date": pl.String, "currency": pl.String, "rate_to_base": pl.Float64})
    first_day = df.select(pl.col("_ts").min().dt.date()).item()
    pairs = (
        df.filter(pl.col("_cp").is_not_null() & pl.col("_cr").is_not_null() & (pl.col("_cp") != pl.col("_cr"))
                  & (pl.col("_ap") > 0) & (pl.col("_ar") > 0))
        .group_by("_cp", "_cr").agg((pl.col("_ar") / pl.col("_ap")).median().alias("r"))
        .sort("_cp", "_cr")
    )
    if pairs.is_empty() or first_day is None:
        return empty
    # r = units of _cr per unit of _cp, so value(_cp) = r * value(_cr).
    edges: dict[str, list[tuple[str, float]]] = {}
    for paid, received, r in pairs.iter_rows():
        edges.setdefault(received, []).append((paid, r))
        edges.setdefault(paid, []).append((received, 1.0 / r))
    base = get_settings().base_currency
    value = {base: 1.0}
    frontier = [base]
    while frontier:  # breadth first: the shortest chain of pairs wins
        nxt = []
        for cur in frontier:
            for other, factor in edges.get(cur, []):
                if other not in value:
                    value[other] = factor * value[cur]
                    nxt.append(other)
        frontier = nxt
    rows = sorted((c, v) for c, v in value.items() if c != base)
    if not rows:
        return empty
    return pl.DataFrame({"date": [first_day.isoformat()] * len(rows), "currency": [c for c, _ in rows],
                         "rate_to_base": [round(v, 8) for _, v in rows]})


def _labels(df: pl.DataFrame, patterns: str | Path | None, manifest: dict[str, Any]) -> pl.DataFrame:
    rows: list[tuple[str, str, str, str, str]] = []
    matched = pl.DataFrame(schema={"txn_id": pl.String})
    evidence_frames = []
    if patterns is not None:
        pat = _key(read_patterns(patterns)).with_columns(
            pl.col("pattern").map_elements(norm_pattern, return_dtype=pl.String).alias("_p")
        )
        unmapped = pat.filter(~pl.col("_p").is_in(list(PATTERN_TYPOLOGY)))
        if unmapped.height:
            manifest["unmapped_patterns"] = dict(unmapped.group_by("_p").agg(pl.col("attempt").n_unique()).rows())
        pat = pat.filter(pl.col("_p").is_in(list(PATTERN_TYPOLOGY)))
        joined = pat.join(df.select("txn_key", "txn_id", "_from", "_to").unique("txn_key"), on="txn_key", how="left")
        manifest["pattern_rows_not_in_transactions"] = joined.filter(pl.col("txn_id").is_null()).height
        joined = joined.filter(pl.col("txn_id").is_not_null()).with_columns(
            pl.col("_p").replace_strict(PATTERN_TYPOLOGY).alias("typology_id"),
            ("amlworld-" + pl.col("attempt").cast(pl.String)).alias("instance_id"),
        )
        for (inst, p, typ), grp in joined.group_by(["instance_id", "_p", "typology_id"], maintain_order=True):
            roles = pattern_roles(p, zip(grp["_from"].to_list(), grp["_to"].to_list(), strict=True))
            account_level = p in ("bipartite", "stack")
            for acct, role in roles.items():
                rows.append((typ, inst, "account" if account_level else "party",
                             acct if account_level else f"P-{acct}", role))
        evidence_frames.append(joined.select(
            "typology_id", "instance_id", pl.lit("transaction").alias("entity_type"),
            pl.col("txn_id").alias("entity_id"), pl.lit("evidence").alias("role")))
        matched = joined.select("txn_id")
    rest = df.filter((pl.col("laundering") == "1") & ~pl.col("txn_id").is_in(matched["txn_id"].to_list()))
    evidence_frames.append(rest.select(
        pl.lit("amlworld:laundering").alias("typology_id"), ("amlworld-row-" + pl.col("_row").cast(pl.String))
        .alias("instance_id"), pl.lit("transaction").alias("entity_type"), pl.col("txn_id").alias("entity_id"),
        pl.lit("evidence").alias("role")))
    return pl.concat([labels_frame(rows), *evidence_frames], how="vertical").unique(maintain_order=True)
