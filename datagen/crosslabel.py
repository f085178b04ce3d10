"""Labels for planted parties that also meet another typology's definition.

Typologies overlap by definition: a layering hop that forwards 95% of 40,000 within a day is
also a rapid pass-through account (TF-PASS-01); an NPO that forwards its donations to two
individuals (TF-NPO-02) also diverts funds to individuals (TF-NPO-01); a funnel account that
wires its cash deposits to a high-risk country (TF-CASH-02) also uses a high-risk corridor
(TF-XB-01); a party paying a designated person (ML-NET-06) makes a payment to a listed name
(SAN-02).  Labelled only for the typology it was planted for, such a party would count as a
false positive of a detector that is right.

So after planting, every party taking part in a planted instance (any role but ``evidence``
and ``donor``: donors are ordinary people giving money) is checked against the party-level
literal readings of the typologies that have one (their folders' ``party_reading.sql`` or
``reading.py``, run by ``datagen.verify``: over the generated tables, taken literally from
the catalogue rather than from the detectors' interpretations, so a detector's narrower
reading shows as a missed instance).  A party meeting a definition it is not already labelled for becomes an instance
of that typology: ``instance_id`` ``<that typology>:<its planted instance>/<party id>`` (one
instance per party), a ``party`` row with role ``subject`` and ``evidence`` rows for the
transactions (and trade documents or cash declarations) that show it.  These are real instances of that typology,
so the evaluation counts them for recall and at evidence level too.

Look-alike parties are checked the same way but never labelled: a look-alike must meet none
of these definitions, and ``report["lookalikes_meeting"]`` lists any that do (the generator's tests keep
it empty).  Parties of the ordinary population are not checked: one of them meeting a
definition is a false positive of that definition, which is what the evaluation is there to
show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl

from datagen.finalize import contract_schema
from datagen.verify import ReadContext, Reading, derive, has_party_reading, parties_meeting

SKIPPED_ROLES = ("evidence", "donor")


def _participants(labels: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """(typology_id, instance_id, party_id) for every labelled party, directly or through an account it owns."""
    lab = labels.filter(~pl.col("role").is_in(list(SKIPPED_ROLES)))
    direct = lab.filter(pl.col("entity_type") == "party").select(
        "typology_id", "instance_id", pl.col("entity_id").alias("party_id"))
    owned = (lab.filter(pl.col("entity_type") == "account")
             .join(accounts.select(pl.col("account_id").alias("entity_id"), "party_id"), on="entity_id")
             .filter(pl.col("party_id").is_not_null())
             .select("typology_id", "instance_id", "party_id"))
    return pl.concat([direct, owned]).unique()


def _entity_type(tables: dict[str, pl.DataFrame], ev: pl.Expr) -> pl.Expr:
    """What an evidence id of a reading is: a trade document, a cash declaration or (else) a transaction."""
    return (pl.when(ev.is_in(tables["trade_documents"]["trade_id"].implode())).then(pl.lit("trade_document"))
            .when(ev.is_in(tables["cash_declarations"]["declaration_id"].implode())).then(pl.lit("cash_declaration"))
            .otherwise(pl.lit("transaction")))


def cross_labels(tables: dict[str, pl.DataFrame], readings: Mapping[str, Reading]
                 ) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The extra label rows for ``tables`` (the generated frames with their ``labels``) and a report
    ``{"cross_labelled": {typology: parties}, "lookalikes_meeting": {look-alike: [typology, ...]}}``,
    by the party readings among ``readings`` (typology id -> its literal reading)."""
    labels, accounts = tables["labels"], tables["accounts"]
    part = _participants(labels, accounts)
    benign = part.filter(pl.col("typology_id").str.starts_with("benign:"))
    planted = part.filter(~pl.col("typology_id").str.starts_with("benign:"))
    cand = part.select("party_id").unique()
    cand_accounts = accounts.join(cand, on="party_id", how="semi")["account_id"]
    # the candidates' transactions, and the payments of trade documents they are a party to
    # (a foreign partner's account is not on file, and a third party may have paid)
    docs = tables["trade_documents"]
    paid = docs.filter(pl.col("exporter_party_id").is_in(cand["party_id"].implode())
                       | pl.col("importer_party_id").is_in(cand["party_id"].implode()))["payment_txn_id"].drop_nulls()
    txns = tables["transactions"].filter(pl.col("from_account").is_in(cand_accounts.implode())
                                         | pl.col("to_account").is_in(cand_accounts.implode())
                                         | pl.col("txn_id").is_in(paid.implode()))
    with duckdb.connect() as con:
        for name in ("parties", "accounts", "trade_documents", "cash_declarations", "fx_rates"):
            con.register(name, tables[name])
        con.register("transactions", txns)
        con.register("cand", cand)
        derive(con)
        rc = ReadContext(con)
        met = {tid: parties_meeting(rc, r) for tid, r in sorted(readings.items()) if has_party_reading(r)}
    met_df = pl.DataFrame(
        [{"typology_id": tid, "party_id": party, "evidence": txns}
         for tid, found in met.items() for party, txns in found.items()],
        schema={"typology_id": pl.String, "party_id": pl.String, "evidence": pl.List(pl.String)})
    first = planted.group_by("party_id").agg(pl.col("instance_id").min())
    new = (met_df.join(planted.select("typology_id", "party_id"), on=["typology_id", "party_id"], how="anti")
           .join(first, on="party_id")
           .with_columns(instance_id=pl.format("{}:{}/{}", "typology_id", "instance_id", "party_id")))
    subjects = new.select("typology_id", "instance_id", pl.lit("party").alias("entity_type"),
                          pl.col("party_id").alias("entity_id"), pl.lit("subject").alias("role"))
    evidence = new.explode("evidence").select(
        "typology_id", "instance_id", _entity_type(tables, pl.col("evidence")).alias("entity_type"),
        pl.col("evidence").alias("entity_id"), pl.lit("evidence").alias("role"))
    extra = (pl.concat([subjects, evidence]).cast(contract_schema("labels"))
             .sort(["instance_id", "entity_type", "role", "entity_id"]))
    counts = dict(new.group_by("typology_id").len().sort("typology_id").iter_rows())
    order = {tid: i for i, tid in enumerate(met)}
    meeting: dict[str, list[str]] = {}
    hits = (met_df.join(benign.select(pl.col("typology_id").alias("lookalike"), "party_id"), on="party_id")
            .select("lookalike", "typology_id").unique())
    for lookalike, tid in sorted(hits.iter_rows(), key=lambda r: (r[0], order[r[1]])):
        meeting.setdefault(lookalike, []).append(tid)
    return extra, {"cross_labelled": counts, "lookalikes_meeting": meeting}
