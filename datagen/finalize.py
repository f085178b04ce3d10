"""From integer keys to the contract's tables: ids, names, currencies, amounts, labels.

Party and account ids come from a seeded permutation (planted ones are not at the end);
transaction, declaration and trade ids follow time order.  Column names and types come
from :mod:`engine.schema`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from datagen import geo, normal
from datagen.world import World, sub_rng
from engine.schema import CHANNELS, LABELS, TABLES, polars_schema

BANK_CODES = ("PACB", "UNTD", "NATL", "METR", "OVSE", "HRBR", "CITZ", "EAST", "RYAL", "CMWL", "GOLD", "JADE")
LOCATION_CHANNELS = ("cash_deposit", "cash_withdrawal", "atm_withdrawal", "card_payment")


def contract_schema(table: str) -> dict[str, pl.DataType]:
    """Contract columns only (no base-currency twins): what files carry."""
    t = TABLES[table] if table in TABLES else LABELS
    full = polars_schema(table)
    return {c: full[c] for c in t.column_names}


def _conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    schema = contract_schema(table)
    cols = []
    for name, dtype in schema.items():
        if name in df.columns:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(cols)


def _opt(series: pl.Series, idx: np.ndarray) -> pl.Series:
    """``series[idx]`` with null where ``idx < 0``."""
    if len(series) == 0:
        return pl.Series([None] * len(idx), dtype=series.dtype)
    out = series.gather(np.clip(idx, 0, None))
    return pl.select(pl.when(pl.lit(pl.Series(idx >= 0))).then(pl.lit(out))).to_series()


def _planted_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame()
    cols: dict[str, list[Any]] = {}
    for r in rows:
        for k in r:
            cols.setdefault(k, [])
    data = {k: [r.get(k) for r in rows] for k in cols}
    out = {}
    for k, v in data.items():
        if k.startswith("_") and k not in ("_name", "_internal", "_usd", "_explicit_open"):
            out[k] = pl.Series(k, v, dtype=pl.Int64)
        elif k in ("alt_names", "npo_operating_countries"):
            out[k] = pl.Series(k, v, dtype=pl.List(pl.String))
        elif k in ("amount", "_usd", "invoice_value", "quantity"):
            out[k] = pl.Series(k, v, dtype=pl.Float64)
        elif k in ("declared", "is_pep", "_internal", "_explicit_open"):
            out[k] = pl.Series(k, v, dtype=pl.Boolean)
        elif k in ("date_of_birth", "registered_on", "opened_on", "closed_on", "date"):
            out[k] = pl.Series(k, v, dtype=pl.Date)
        else:
            out[k] = pl.Series(k, v, dtype=pl.String)
    return pl.DataFrame(out)


class Finalizer:
    def __init__(self, w: World) -> None:
        self.w = w
        self.rng = sub_rng(w.cfg.seed, "ids")

    # ------------------------------------------------------------------ parties and accounts
    def parties(self, normal_parties: pl.DataFrame) -> pl.DataFrame:
        w = self.w
        df = pl.concat([normal_parties, _planted_frame(w.p_parties)], how="diagonal_relaxed").sort("_key")
        assert df["_key"].to_list() == list(range(df.height)) or df.height == w.n_parties
        perm = self.rng.permutation(df.height) + 100_001
        self.party_id = ("P" + pl.Series(perm).cast(pl.String).str.zfill(8)).alias("party_id")
        self.party_name = df["name"]
        self.party_city = df["city"]
        self.party_country = df["country"]
        df = df.with_columns(party_id=self.party_id)
        return _conform(df, "parties")

    def accounts(self, normal_accounts: pl.DataFrame, first_activity: np.ndarray | None = None) -> pl.DataFrame:
        """Accounts on file.  ``first_activity`` (day index per account key, -1 = none) moves
        ``opened_on`` to at most 170 days before the account's first transaction on file, so
        that only planted dormant accounts look dormant since their opening."""
        w = self.w
        df = pl.concat([normal_accounts, _planted_frame(w.p_accounts)], how="diagonal_relaxed").sort("_key")
        n = df.height
        if first_activity is not None:
            first = first_activity[:n]
            explicit = df["_explicit_open"].fill_null(False).to_numpy() if "_explicit_open" in df.columns \
                else np.zeros(n, dtype=bool)
            opened = df["opened_on"].to_numpy().astype("datetime64[D]")
            first_day = np.datetime64(w.cfg.start, "D") + np.maximum(first, 0).astype("timedelta64[D]")
            lead = self.rng.integers(0, 171, n).astype("timedelta64[D]")
            move = (first >= 0) & ~explicit & (first_day - opened > np.timedelta64(170, "D"))
            opened = np.where(move, first_day - lead, opened)
            closed = df["closed_on"].to_numpy().astype("datetime64[D]")
            opened = np.where(~np.isnat(closed) & (closed < opened), closed, opened)
            df = df.with_columns(opened_on=pl.Series(opened).cast(pl.Date))
        num = self.rng.permutation(n) + 10_000_000
        country = df["country"].to_numpy().astype(str)
        atype = df["account_type"].to_numpy().astype(str)
        owner = df["_owner"].to_numpy()
        chash = pl.Series(country).replace_strict({c.code: hash_country(c.code) for c in geo.COUNTRIES},
                                                  default=0, return_dtype=pl.Int64).to_numpy()
        bank = np.array(BANK_CODES, dtype=object)[(chash + self.rng.integers(0, 4, n)) % len(BANK_CODES)]
        num_s = pl.Series(num).cast(pl.String)
        check = pl.Series((num * 7 + 13) % 89 + 10).cast(pl.String)
        c_s = pl.Series(country)
        b_s = pl.Series(bank.astype(str))
        t_s = pl.Series(atype)
        ids = pl.DataFrame({"c": c_s, "b": b_s, "t": t_s, "n": num_s, "k": check}).select(
            pl.when(pl.col("t") == "prepaid_card").then("CARD" + pl.col("n").str.zfill(12))
            .when(pl.col("t") == "wallet").then("WAL-" + pl.col("c") + pl.col("n").str.zfill(10))
            .when(pl.col("t") == "money_service").then("MSB-" + pl.col("c") + pl.col("n"))
            .otherwise(pl.col("c") + pl.col("k") + pl.col("b") + pl.col("n").str.zfill(12))
        ).to_series()
        inst = pl.DataFrame({"c": c_s, "b": b_s, "t": t_s}).select(
            pl.when(pl.col("t") == "prepaid_card").then("PPCI" + pl.col("c") + "P1")
            .when(pl.col("t").is_in(["wallet", "money_service"])).then("MSBX" + pl.col("c") + "M1")
            .otherwise(pl.col("b") + pl.col("c") + "2X")
        ).to_series()
        self.account_id = ids
        self.acct_ccy = df["currency"]
        self.acct_country = df["country"]
        self.acct_internal = df["_internal"].to_numpy()
        owner_name = _opt(self.party_name, owner)
        self.acct_name = pl.select(pl.coalesce(pl.lit(owner_name), pl.lit(df["_name"]))).to_series()
        self.acct_city = _opt(self.party_city, owner)
        self.acct_owner = owner
        out = df.with_columns(account_id=ids, institution_id=inst, party_id=_opt(self.party_id, owner))
        out = out.filter(pl.col("_internal"))
        return _conform(out, "accounts")

    # ------------------------------------------------------------------ transactions
    def transactions(self, normal_frames: list[pl.DataFrame]) -> pl.DataFrame:
        """Sort all transactions by time on their numeric columns, then build the text columns."""
        w = self.w
        num_cols = ["_key", "_ts", "_ch", "_src", "_dst", "amount", "_loc", "_mcc", "_ref", "_ccy", "_pidx"]
        frames = []
        for f in normal_frames:
            if f.height == 0:
                continue
            if "_ccy" not in f.columns:
                f = f.with_columns(_ccy=pl.lit(-1, dtype=pl.Int16))
            frames.append(f.with_columns(_pidx=pl.lit(-1, dtype=pl.Int64)).select(num_cols))
        planted = _planted_frame(w.p_txns)
        if planted.height:
            planted = self._planted_amounts(planted)
            ch_code = planted["channel"].replace_strict({c: i for i, c in enumerate(CHANNELS)}, return_dtype=pl.Int16)
            frames.append(pl.DataFrame({
                "_key": planted["_key"], "_ts": planted["_ts"], "_ch": ch_code, "_src": planted["_src"],
                "_dst": planted["_dst"], "amount": planted["amount"],
                "_loc": pl.Series(np.full(planted.height, -1, dtype=np.int16)),
                "_mcc": pl.Series(np.full(planted.height, -1, dtype=np.int16)),
                "_ref": pl.Series(np.full(planted.height, -1, dtype=np.int16)),
                "_ccy": pl.Series(np.full(planted.height, -1, dtype=np.int16)),
                "_pidx": pl.Series(np.arange(planted.height, dtype=np.int64)),
            }).select(num_cols))
        df = pl.concat([f.cast({"_ch": pl.Int16, "_loc": pl.Int16, "_mcc": pl.Int16, "_ref": pl.Int16, "_ccy": pl.Int16})
                        for f in frames]).sort(["_ts", "_key"])
        n = df.height
        src = df["_src"].to_numpy()
        dst = df["_dst"].to_numpy()
        pidx = df["_pidx"].to_numpy()
        main = np.where(src >= 0, src, dst)
        p_pos = np.nonzero(pidx >= 0)[0]
        p_idx = pidx[p_pos]

        def overlay(base: pl.Series, name: str, *, keep_nulls: np.ndarray | None = None) -> pl.Series:
            """``base`` with the planted rows' own ``name`` values where they gave one."""
            if planted.height == 0 or name not in planted.columns or not len(p_pos):
                return base
            vals = planted[name].cast(pl.String).gather(p_idx)
            given = vals.is_not_null().to_numpy() if keep_nulls is None else keep_nulls
            if given.any():
                base = base.scatter(p_pos[given], vals.filter(pl.Series(given)))
            return base

        def put(base: pl.Series, rows: np.ndarray, values: pl.Series) -> pl.Series:
            return base.scatter(rows, values) if len(rows) else base

        ch_s = pl.Series(list(CHANNELS))
        channel = ch_s.gather(df["_ch"].to_numpy().astype(np.int64))
        loc = df["_loc"].to_numpy().astype(np.int64)
        dest_s = pl.Series(list(normal.TRAVEL_DEST))
        city_s = pl.Series([geo.BY_CODE[c].cities[0] for c in normal.TRAVEL_DEST])
        ccy_s = pl.Series(w.currencies)
        is_loc = (channel.is_in(list(LOCATION_CHANNELS)) | ((channel == "prepaid_load") & pl.Series(src < 0))).to_numpy()
        deposit_like = (channel.is_in(["cash_deposit", "prepaid_load"]).to_numpy()) & (src < 0)
        ccy_code = df["_ccy"].to_numpy().astype(np.int64)

        cols: dict[str, pl.Series] = {}
        cols["txn_id"] = "TX" + pl.Series(np.arange(n, dtype=np.int64) + 1 + 10**10).cast(pl.String).str.slice(1)
        cols["timestamp"] = pl.from_epoch(df["_ts"], time_unit="us")
        cols["channel"] = channel
        cols["from_account"] = _opt(self.account_id, src)
        cols["to_account"] = _opt(self.account_id, dst)
        cols["amount"] = df["amount"]
        rows = np.nonzero(ccy_code >= 0)[0]
        cols["currency"] = overlay(put(_opt(self.acct_ccy, main), rows, ccy_s.gather(ccy_code[rows])), "currency")
        rows = np.nonzero(deposit_like)[0]
        cols["originator_name"] = overlay(put(_opt(self.acct_name, src), rows, self.acct_name.gather(dst[rows])),
                                          "originator_name")
        cols["originator_country"] = overlay(_opt(self.acct_country, src), "originator_country")
        cols["beneficiary_name"] = overlay(_opt(self.acct_name, dst), "beneficiary_name")
        cols["beneficiary_country"] = overlay(_opt(self.acct_country, dst), "beneficiary_country")
        home = np.where(is_loc, main, -1)
        rows = np.nonzero(loc >= 0)[0]
        cols["location_country"] = overlay(put(_opt(self.acct_country, home), rows, dest_s.gather(loc[rows])),
                                           "location_country")
        city = put(_opt(self.acct_city, home), rows, city_s.gather(loc[rows]))
        if planted.height and "location_country" in planted.columns and len(p_pos):
            away = planted["location_country"].gather(p_idx).is_not_null().to_numpy()
            if "location_city" in planted.columns:
                city = overlay(city, "location_city", keep_nulls=away)
            elif away.any():
                city = city.scatter(p_pos[away], None)
        cols["location_city"] = city
        cols["merchant_category"] = overlay(_opt(pl.Series(list(normal.MCC_CODES)), df["_mcc"].to_numpy().astype(np.int64)),
                                            "merchant_category")
        cols["reference"] = overlay(_opt(pl.Series(list(normal.REFERENCES)), df["_ref"].to_numpy().astype(np.int64)),
                                    "reference")
        out = pl.DataFrame(cols)
        del cols
        pos = np.empty(w.n_txns, dtype=np.int64)
        pos[df["_key"].to_numpy()] = np.arange(n)
        del df
        self.txn_pos = pos
        self.txn_id = out["txn_id"]
        return _conform(out, "transactions")

    def _planted_amounts(self, p: pl.DataFrame) -> pl.DataFrame:
        w = self.w
        src = p["_src"].to_numpy()
        dst = p["_dst"].to_numpy()
        main = np.where(src >= 0, src, dst)
        acct_ccy = _opt(self.acct_ccy, main)
        ccy = pl.select(pl.coalesce(pl.lit(p["currency"]), pl.lit(acct_ccy))).to_series()
        ci = np.array([w.ccy_index[c] for c in ccy.to_list()], dtype=np.int64)
        rate = w.fx[ci, w.month_of_us(p["_ts"].to_numpy())]
        usd = p["_usd"].to_numpy().astype(float) if "_usd" in p.columns else np.full(p.height, np.nan)
        conv = np.round(usd / rate, 2)
        amount = p["amount"].to_numpy().astype(float) if "amount" in p.columns else np.full(p.height, np.nan)
        amount = np.where(np.isnan(amount), conv, amount)
        return p.with_columns(amount=pl.Series(amount), currency=ccy).drop("_usd")

    # ------------------------------------------------------------------ declarations and trade
    def declarations(self, normal_decl: pl.DataFrame) -> pl.DataFrame:
        w = self.w
        planted = _planted_frame(w.p_decls)
        if planted.height:
            ccy = planted["currency"].fill_null("USD")
            ci = np.array([w.ccy_index[c] for c in ccy.to_list()], dtype=np.int64)
            rate = w.fx[ci, w.month_of_us(planted["_ts"].to_numpy())]
            usd = planted["_usd"].to_numpy().astype(float)
            planted = planted.with_columns(amount=pl.Series(np.round(usd / rate, 2)), currency=ccy).drop("_usd")
        df = pl.concat([x for x in (normal_decl, planted) if x.height], how="diagonal_relaxed")
        if df.height == 0:
            self.decl_pos = np.zeros(0, dtype=np.int64)
            self.decl_id = pl.Series([], dtype=pl.String)
            return _conform(pl.DataFrame(), "cash_declarations")
        df = df[np.argsort(df["_ts"].to_numpy(), kind="stable")]
        df = df.with_columns(
            declaration_id="CD" + pl.Series(np.arange(df.height) + 1).cast(pl.String).str.zfill(8),
            timestamp=pl.from_epoch(pl.col("_ts"), time_unit="us"),
            party_id=_opt(self.party_id, df["_party"].to_numpy()),
        )
        pos = np.empty(w.n_decls, dtype=np.int64)
        pos[df["_key"].to_numpy()] = np.arange(df.height)
        self.decl_pos = pos
        self.decl_id = df["declaration_id"]
        return _conform(df, "cash_declarations")

    def trades(self, normal_trade: pl.DataFrame) -> pl.DataFrame:
        w = self.w
        planted = _planted_frame(w.p_trades)
        if planted.height:
            ccy = planted["currency"].fill_null("USD")
            ci = np.array([w.ccy_index[c] for c in ccy.to_list()], dtype=np.int64)
            ts = (planted["date"].cast(pl.Datetime("us")).cast(pl.Int64)).to_numpy()
            rate = w.fx[ci, w.month_of_us(ts)]
            usd = planted["_usd"].to_numpy().astype(float)
            given = planted["invoice_value"].to_numpy().astype(float) if "invoice_value" in planted.columns \
                else np.full(planted.height, np.nan)
            val = np.where(np.isnan(given), np.round(usd / rate, 2), given)
            planted = planted.with_columns(invoice_value=pl.Series(val), currency=ccy).drop("_usd")
        df = pl.concat([x for x in (normal_trade, planted) if x.height], how="diagonal_relaxed")
        df = df.sort(["date", "_key"])
        pay = df["_payment"].to_numpy()
        pay_pos = np.where(pay >= 0, self.txn_pos[np.clip(pay, 0, None)], -1)
        df = df.with_columns(
            trade_id="INV" + pl.Series(np.arange(df.height) + 1).cast(pl.String).str.zfill(8),
            exporter_party_id=_opt(self.party_id, df["_exporter"].to_numpy()),
            importer_party_id=_opt(self.party_id, df["_importer"].to_numpy()),
            payment_txn_id=_opt(self.txn_id, pay_pos),
        )
        pos = np.empty(w.n_trades, dtype=np.int64)
        pos[df["_key"].to_numpy()] = np.arange(df.height)
        self.trade_pos = pos
        self.trade_id = df["trade_id"]
        return _conform(df, "trade_documents")

    # ------------------------------------------------------------------ labels
    def labels(self) -> pl.DataFrame:
        rows = self.w.labels
        ids: list[str] = []
        for _t, _i, et, key, _r in rows:
            if et == "party":
                ids.append(self.party_id[key])
            elif et == "account":
                ids.append(self.account_id[key])
            elif et == "transaction":
                ids.append(self.txn_id[int(self.txn_pos[key])])
            elif et == "cash_declaration":
                ids.append(self.decl_id[int(self.decl_pos[key])])
            elif et == "trade_document":
                ids.append(self.trade_id[int(self.trade_pos[key])])
            else:
                raise ValueError(f"unknown entity type {et}")
        df = pl.DataFrame({
            "typology_id": [r[0] for r in rows], "instance_id": [r[1] for r in rows],
            "entity_type": [r[2] for r in rows], "entity_id": ids, "role": [r[4] for r in rows],
        }, schema=contract_schema("labels"))
        return df.unique(maintain_order=True).sort(["instance_id", "entity_type", "role", "entity_id"])


def hash_country(code: str) -> int:
    return (ord(code[0]) * 31 + ord(code[1])) % 997
