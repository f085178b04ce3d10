"""TF-TBML-04 literal reading for ``datagen.verify``: it reads the shipped strategic-goods watch
list and scores names against the shipped UN list extract, so it is Python.

An instance meets the definition when one of its labelled trade documents has an HS code on the
watch list (a 4-digit heading covers its subheadings) and is shipped to or transshipped through
a high-risk jurisdiction (``hr``), or paid by a transaction whose originator country is one, or
paid from an account of a party other than the importer (or, its owner not on file, under
another name than the importer's), or has an exporter or importer whose name scores >= 85
(rapidfuzz, as SAN-01's reading) against a listed name: a clear resemblance, stricter than the
detector's 0.6 on the engine's score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.reference import strategic_goods

if TYPE_CHECKING:
    from datagen.verify import ReadContext

MIN_NAME_SCORE = 85


def instances(rc: ReadContext, label: str) -> list[tuple[str, bool]]:
    rc.con.register("watch_frame", strategic_goods().select("hs_code"))
    rows = rc.con.sql("""
        SELECT l.instance_id, d.trade_id,
               d.destination_country IN (SELECT country FROM hr)
               OR coalesce(d.transshipment_country IN (SELECT country FROM hr), false)
               OR coalesce(p.originator_country IN (SELECT country FROM hr), false)
               OR (p.txn_id IS NOT NULL AND (coalesce(a.party_id, '') <> d.importer_party_id)
                   AND (a.party_id IS NOT NULL OR lower(trim(p.originator_name)) <> lower(trim(ip.name)))) AS place_or_payer,
               ep.name AS exporter_name, ip.name AS importer_name
        FROM labels l JOIN td d ON d.trade_id = l.entity_id
        JOIN watch_frame w ON substr(d.hs_code, 1, length(w.hs_code)) = w.hs_code
        LEFT JOIN t p ON p.txn_id = d.payment_txn_id
        LEFT JOIN accounts a ON a.account_id = p.from_account
        LEFT JOIN parties ep ON ep.party_id = d.exporter_party_id
        LEFT JOIN parties ip ON ip.party_id = d.importer_party_id
        WHERE l.typology_id = $tid AND l.entity_type = 'trade_document'""", params={"tid": label}).fetchall()
    rc.con.unregister("watch_frame")
    names = sorted({n for r in rows for n in (r[3], r[4]) if n})
    scores = rc.best_scores(names, rc.listed_names()) if names else {}
    ok: dict[str, bool] = {}
    labelled = rc.con.sql("SELECT DISTINCT instance_id FROM labels WHERE typology_id = $tid",
                          params={"tid": label}).fetchall()
    for (inst,) in labelled:
        ok[inst] = False
    for inst, _trade, place_or_payer, exp_name, imp_name in rows:
        named = any(scores.get(n or "", 0.0) >= MIN_NAME_SCORE for n in (exp_name, imp_name))
        ok[inst] = ok[inst] or bool(place_or_payer) or named
    return sorted(ok.items())
