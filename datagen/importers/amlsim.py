"""Import IBM AMLSim output into contract files plus labels.

Two layouts are accepted, as a directory or a ``.tgz``/``.tar.gz`` archive of one:

- the current AMLSim output: ``transactions.csv`` (tran_id, orig_acct, bene_acct,
  tx_type, base_amt, tran_timestamp, is_sar, alert_id), ``accounts.csv`` (acct_id,
  dsply_nm, type, acct_stat, acct_rptng_crncy, ..., open_dt, close_dt, bank_id),
  ``alert_accounts.csv`` and ``alert_transactions.csv``;
- the older sample layout: ``nodes.csv`` (nodeid, isFraud, init_balance, fraudStep) and
  ``transactions.csv`` (sourceNodeId, targetNodeId, value, time).

Mapping:

- one party per account (``P-<acct>``), individual unless the account ``type`` says an
  organisation (``O``, ``ORG``, ``B``, ``BUSINESS``, ``C``, ``CORP``); accounts are held in
  ``country`` (AMLSim has no geography), institution = ``bank_id`` (or ``AMLSIM``);
- ``tx_type``: ``WIRE`` -> wire, ``CHECK``/``CHEQUE`` -> cheque, everything else
  (TRANSFER, CREDIT, DEPOSIT, CASH-IN/OUT between two accounts) -> domestic_transfer,
  since every AMLSim transaction has both accounts;
- steps (``time``, ``open_dt``/``close_dt`` when numeric) are days after ``start_date``
  (default 2017-01-01, AMLSim's default base date); the older layout has no time of day,
  so the n-th transaction of a step gets ``n`` seconds after midnight (file order);
- labels: each AMLSim alert is one instance ``amlsim-<alert_id>`` of the typology its
  ``alert_type`` maps to (fan_in/fan_out -> ML-NET-01, scatter_gather/gather_scatter ->
  ML-NET-02, cycle -> ML-NET-03, bipartite/stack -> ML-NET-05; other types are counted in
  the manifest and not labelled), with roles from the alert's own transfers
  (:func:`datagen.importers.common.pattern_roles`).  Bipartite and stack members are
  labelled at account level (AMLSim marks them only per account); the others at party
  level.  The alert's transactions are ``evidence``.  The older layout only marks fraud
  accounts (``isFraud``): they are labelled ``amlsim:fraud`` (party, role ``subject``),
  one instance per account.
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from datagen.importers.common import PATTERN_TYPOLOGY, finish, labels_frame, norm_pattern, pattern_roles
from engine.errors import CtfmonError

log = logging.getLogger(__name__)

DEFAULT_START = date(2017, 1, 1)
_ORG_TYPES = ("O", "ORG", "B", "BUSINESS", "C", "CORP", "COMPANY")


def _read_csv(path: Path, required: list[str]) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CtfmonError(f"cannot read {path}: {exc}") from None
    df = df.rename({c: c.strip() for c in df.columns})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CtfmonError(f"{path}: missing column(s) {', '.join(missing)}; expected at least {', '.join(required)}")
    return df


def _locate(root: Path) -> Path:
    """The directory holding the AMLSim files (the root or its single sub-directory)."""
    for cand in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if (cand / "transactions.csv").exists():
            return cand
    raise CtfmonError(f"{root}: no transactions.csv found (expected AMLSim output)")


def import_amlsim(src: str | Path, out: str | Path, *, start_date: date = DEFAULT_START,
                  country: str = "US") -> dict[str, Any]:
    """Convert AMLSim output at ``src`` (directory or .tgz) into contract files in ``out``."""
    src, out = Path(src), Path(out)
    if not src.exists():
        raise CtfmonError(f"AMLSim input {src} does not exist")
    if src.is_file():
        if not (src.name.endswith(".tgz") or src.name.endswith(".tar.gz") or src.name.endswith(".tar")):
            raise CtfmonError(f"{src}: expected a directory or a .tgz/.tar.gz archive of AMLSim output")
        with tempfile.TemporaryDirectory() as tmp:
            try:
                with tarfile.open(src) as tar:
                    tar.extractall(tmp, filter="data")
            except (tarfile.TarError, OSError) as exc:
                raise CtfmonError(f"cannot extract {src}: {exc}") from None
            return _import_dir(_locate(Path(tmp)), out, start_date, country, str(src))
    return _import_dir(_locate(src), out, start_date, country, str(src))


def _import_dir(d: Path, out: Path, start: date, country: str, source: str) -> dict[str, Any]:
    if (d / "nodes.csv").exists():
        return _import_sample(d, out, start, country, source)
    return _import_current(d, out, start, country, source)


def _step_to_date(col: str, start: date) -> pl.Expr:
    """A step number (days after ``start``) or a date string -> ISO date (None when unusable)."""
    c = pl.col(col).str.strip_chars()
    as_int = c.cast(pl.Int64, strict=False)
    from_step = pl.when(as_int.is_between(0, 36_500)).then(
        pl.lit(start) + pl.duration(days=as_int)
    )
    from_text = c.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    return pl.when(as_int.is_not_null()).then(from_step).otherwise(from_text).cast(pl.Date)


def _parties_accounts(acc: pl.DataFrame, country: str, start: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    typ = pl.col("type").str.to_uppercase().str.strip_chars() if "type" in acc.columns else pl.lit("I")
    name = pl.col("dsply_nm") if "dsply_nm" in acc.columns else pl.lit(None, pl.String)
    cur = pl.col("acct_rptng_crncy").str.to_uppercase() if "acct_rptng_crncy" in acc.columns else pl.lit("USD")
    bank = pl.col("bank_id") if "bank_id" in acc.columns else pl.lit("AMLSIM")
    base = acc.with_columns(
        pl.col("acct_id").str.strip_chars().alias("account_id"),
        typ.fill_null("I").alias("_type"), name.alias("_name"), cur.fill_null("USD").alias("currency"),
        bank.fill_null("AMLSIM").alias("institution_id"),
    )
    org = pl.col("_type").is_in(_ORG_TYPES)
    parties = base.select(
        ("P-" + pl.col("account_id")).alias("party_id"),
        pl.when(org).then(pl.lit("business")).otherwise(pl.lit("individual")).alias("party_type"),
        pl.coalesce(pl.col("_name"), "Account holder " + pl.col("account_id")).alias("name"),
        pl.lit(country).alias("country"),
    )
    opened = _step_to_date("open_dt", start) if "open_dt" in acc.columns else pl.lit(None, pl.Date)
    closed = _step_to_date("close_dt", start) if "close_dt" in acc.columns else pl.lit(None, pl.Date)
    accounts = base.select(
        "account_id", ("P-" + pl.col("account_id")).alias("party_id"), "institution_id",
        pl.lit(country).alias("country"),
        pl.when(org).then(pl.lit("business")).otherwise(pl.lit("current")).alias("account_type"),
        "currency", opened.alias("opened_on"), closed.alias("closed_on"),
    ).with_columns(
        pl.when(pl.col("closed_on") < pl.col("opened_on")).then(None).otherwise(pl.col("closed_on")).alias("closed_on")
    )
    return parties, accounts


def _channel(col: str) -> pl.Expr:
    t = pl.col(col).str.to_uppercase().str.strip_chars()
    return (pl.when(t == "WIRE").then(pl.lit("wire"))
            .when(t.is_in(["CHECK", "CHEQUE"])).then(pl.lit("cheque"))
            .otherwise(pl.lit("domestic_transfer")))


def _import_current(d: Path, out: Path, start: date, country: str, source: str) -> dict[str, Any]:
    acc = _read_csv(d / "accounts.csv", ["acct_id"])
    tx = _read_csv(d / "transactions.csv", ["tran_id", "orig_acct", "bene_acct", "base_amt", "tran_timestamp"])
    parties, accounts = _parties_accounts(acc, country, start)
    cur = accounts.select("account_id", pl.col("currency").alias("_cur"))
    ts = pl.col("tran_timestamp").str.strip_chars()
    parsed = pl.coalesce(
        ts.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", strict=False),
        ts.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", strict=False).dt.convert_time_zone("UTC").dt.replace_time_zone(None),
        ts.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False),
        pl.lit(datetime.combine(start, datetime.min.time())) + pl.duration(days=ts.cast(pl.Int64, strict=False)),
    )
    transactions = (
        tx.with_columns(pl.col("orig_acct").str.strip_chars(), pl.col("bene_acct").str.strip_chars())
        .join(cur, left_on="orig_acct", right_on="account_id", how="left")
        .select(
            pl.col("tran_id").str.strip_chars().alias("txn_id"),
            parsed.dt.strftime("%Y-%m-%dT%H:%M:%S").alias("timestamp"),
            (_channel("tx_type") if "tx_type" in tx.columns else pl.lit("domestic_transfer")).alias("channel"),
            pl.col("orig_acct").alias("from_account"), pl.col("bene_acct").alias("to_account"),
            pl.col("base_amt").cast(pl.Float64, strict=False).round(2).alias("amount"),
            pl.col("_cur").fill_null("USD").alias("currency"),
        )
    )
    manifest: dict[str, Any] = {"source": source, "format": "amlsim", "start_date": start.isoformat(),
                                "country": country, "unmapped_alert_types": {}}
    labels = _labels_current(d, manifest)
    return finish(out, {"parties": parties, "accounts": accounts, "transactions": transactions,
                        "labels": labels}, manifest)


def _labels_current(d: Path, manifest: dict[str, Any]) -> pl.DataFrame:
    at_path, aa_path = d / "alert_transactions.csv", d / "alert_accounts.csv"
    empty = labels_frame([])
    if not at_path.exists():
        manifest["labels_note"] = "no alert_transactions.csv: no labels written"
        return empty
    at = _read_csv(at_path, ["alert_id", "alert_type", "tran_id", "orig_acct", "bene_acct"]).with_columns(
        pl.col("alert_type").map_elements(norm_pattern, return_dtype=pl.String).alias("_pattern"),
        pl.col("alert_id").str.strip_chars(), pl.col("orig_acct").str.strip_chars(),
        pl.col("bene_acct").str.strip_chars(), pl.col("tran_id").str.strip_chars(),
    )
    unmapped = at.filter(~pl.col("_pattern").is_in(list(PATTERN_TYPOLOGY)))
    if unmapped.height:
        counts = unmapped.group_by("_pattern").agg(pl.col("alert_id").n_unique()).rows()
        manifest["unmapped_alert_types"] = dict(counts)
    at = at.filter(pl.col("_pattern").is_in(list(PATTERN_TYPOLOGY))).with_columns(
        pl.col("_pattern").replace_strict(PATTERN_TYPOLOGY).alias("typology_id"),
        ("amlsim-" + pl.col("alert_id")).alias("instance_id"),
    )
    rows: list[tuple[str, str, str, str, str]] = []
    for (alert_id, pattern, typ), grp in at.group_by(["alert_id", "_pattern", "typology_id"], maintain_order=True):
        roles = pattern_roles(pattern, zip(grp["orig_acct"].to_list(), grp["bene_acct"].to_list(), strict=True))
        account_level = pattern in ("bipartite", "stack")
        for acct, role in roles.items():
            if account_level:
                rows.append((typ, f"amlsim-{alert_id}", "account", acct, role))
            else:
                rows.append((typ, f"amlsim-{alert_id}", "party", f"P-{acct}", role))
    # accounts listed in alert_accounts but absent from the alert's transactions
    if aa_path.exists():
        aa = _read_csv(aa_path, ["alert_id", "alert_type", "acct_id"]).with_columns(
            pl.col("alert_type").map_elements(norm_pattern, return_dtype=pl.String).alias("_pattern"),
            pl.col("alert_id").str.strip_chars(), pl.col("acct_id").str.strip_chars(),
        ).filter(pl.col("_pattern").is_in(list(PATTERN_TYPOLOGY)))
        have = {(r[1], r[3]) for r in rows} | {(r[1], f"P-{r[3]}") for r in rows}
        for alert_id, pattern, acct in aa.select("alert_id", "_pattern", "acct_id").iter_rows():
            inst = f"amlsim-{alert_id}"
            account_level = pattern in ("bipartite", "stack")
            ent = acct if account_level else f"P-{acct}"
            if (inst, ent) not in have and (inst, acct) not in have:
                rows.append((PATTERN_TYPOLOGY[pattern], inst, "account" if account_level else "party", ent,
                             "subject" if account_level else "counterparty"))
                have.add((inst, ent))
    evidence = at.select(
        "typology_id", "instance_id", pl.lit("transaction").alias("entity_type"),
        pl.col("tran_id").alias("entity_id"), pl.lit("evidence").alias("role"),
    )
    return pl.concat([labels_frame(rows), evidence], how="vertical").unique(maintain_order=True)


def _import_sample(d: Path, out: Path, start: date, country: str, source: str) -> dict[str, Any]:
    nodes = _read_csv(d / "nodes.csv", ["nodeid", "isFraud"])
    tx = _read_csv(d / "transactions.csv", ["sourceNodeId", "targetNodeId", "value", "time"])
    acc = nodes.select(pl.col("nodeid").str.strip_chars().alias("acct_id"))
    parties, accounts = _parties_accounts(acc, country, start)
    step = pl.col("time").cast(pl.Int64, strict=False)
    transactions = (
        tx.with_row_index("_row")
        .with_columns(step.alias("_step"))
        .with_columns(pl.col("_row").rank("ordinal").over("_step").cast(pl.Int64).alias("_n"))
        .select(
            ("T" + pl.col("_row").cast(pl.String)).alias("txn_id"),
            (pl.lit(datetime.combine(start, datetime.min.time()))
             + pl.duration(days=pl.col("_step"), seconds=pl.col("_n") - 1)).dt.strftime("%Y-%m-%dT%H:%M:%S")
            .alias("timestamp"),
            pl.lit("domestic_transfer").alias("channel"),
            pl.col("sourceNodeId").str.strip_chars().alias("from_account"),
            pl.col("targetNodeId").str.strip_chars().alias("to_account"),
            pl.col("value").cast(pl.Float64, strict=False).round(2).alias("amount"),
            pl.lit("USD").alias("currency"),
        )
    )
    fraud = nodes.filter(pl.col("isFraud").str.strip_chars() == "1").select(
        pl.lit("amlsim:fraud").alias("typology_id"),
        ("amlsim-fraud-" + pl.col("nodeid").str.strip_chars()).alias("instance_id"),
        pl.lit("party").alias("entity_type"),
        ("P-" + pl.col("nodeid").str.strip_chars()).alias("entity_id"),
        pl.lit("subject").alias("role"),
    )
    manifest: dict[str, Any] = {
        "source": source, "format": "amlsim-sample", "start_date": start.isoformat(), "country": country,
        "labels_note": "the sample layout marks fraud accounts only (isFraud), without pattern types: "
                       "labelled amlsim:fraud",
    }
    return finish(out, {"parties": parties, "accounts": accounts, "transactions": transactions,
                        "labels": fraud}, manifest)
