"""Detection quality against ground-truth labels: precision, recall and F1 per typology.

Two levels:

- subject level: an instance of a typology is *recalled* when an alert of that typology
  names one of the instance's ``subject`` entities; *precision* is the share of alerted
  subjects of the typology that take part (any role other than ``evidence``) in a planted
  instance of that typology.  Subjects of benign look-alikes (``benign:<name>``) and
  unlabelled subjects are false positives.  Accounts whose owner is on file stand for their
  owner on both sides, so an account alert counts for its owner and a party label matches
  an alert on one of its accounts.
  ``subject_excluding_other_planted`` repeats the subject-level figures leaving out alerted
  subjects that take part in a planted instance of *another* typology (reported as
  ``other_planted_subjects``): typologies overlap by definition (a layering hop is also a
  rapid pass-through), so such an alert is not a false alarm on the innocent population.
- evidence level: precision and recall of the alerts' evidence ids against the
  ``evidence`` labels of the same typology.

An ``ALL`` row micro-averages over every evaluated typology.

Alert budget: *background parties* are the parties on file that take part (any role) in no
planted instance and no look-alike.  Per typology (and over all of them together, each
party counted once) the evaluation reports the alert rows, the background parties alerted
(count, per 1,000 background parties and as a share), the alerted accounts whose owner is
not on file and that no label names, and - when the generator's ``background`` file gives
each background party its everyday kind (``payroll_employer``, ``biller``, ``household``...)
- how many alerted background parties there are of each kind, most first: the reasons
false positives were raised.  Without that file the kinds read ``unknown``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from engine.errors import CtfmonError
from engine.store import one_row

log = logging.getLogger(__name__)

LABEL_COLUMNS = ("typology_id", "instance_id", "entity_type", "entity_id", "role")
_READERS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def load_labels(path: str | Path) -> pl.DataFrame:
    """Read a labels file (parquet, csv, jsonl) or a directory holding ``labels.*``."""
    p = Path(path)
    if p.is_dir():
        found = sorted(x for x in p.iterdir() if x.name.startswith("labels") and x.suffix in _READERS)
        if not found:
            raise CtfmonError(f"{p}: no labels.parquet, labels.csv or labels.jsonl in this directory")
        return pl.concat([load_labels(f) for f in found], how="vertical")
    if not p.exists():
        raise CtfmonError(f"labels file {p} does not exist")
    kind = _READERS.get(p.suffix.lower())
    if kind is None:
        raise CtfmonError(f"{p}: unknown labels format; expected .parquet, .csv or .jsonl")
    try:
        if kind == "parquet":
            df = pl.read_parquet(p)
        elif kind == "csv":
            df = pl.read_csv(p, infer_schema=False)
        else:
            df = pl.read_ndjson(p)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CtfmonError(f"cannot read labels file {p}: {exc}") from None
    missing = [c for c in LABEL_COLUMNS if c not in df.columns]
    if missing:
        raise CtfmonError(f"labels file {p} lacks column(s) {', '.join(missing)}; expected {', '.join(LABEL_COLUMNS)}")
    return df.select([pl.col(c).cast(pl.String) for c in LABEL_COLUMNS])


BACKGROUND_COLUMNS = ("party_id", "kind")


def load_background(path: str | Path) -> pl.DataFrame | None:
    """The ``background`` file (party_id, kind) beside a labels file or in a generated
    directory; ``None`` when there is none."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    found = sorted(x for x in folder.iterdir() if x.stem == "background" and x.suffix in _READERS) \
        if folder.is_dir() else []
    if not found:
        return None
    f = found[0]
    try:
        kind = _READERS[f.suffix.lower()]
        df = pl.read_parquet(f) if kind == "parquet" else pl.read_csv(f, infer_schema=False) if kind == "csv" \
            else pl.read_ndjson(f)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CtfmonError(f"cannot read background file {f}: {exc}") from None
    missing = [c for c in BACKGROUND_COLUMNS if c not in df.columns]
    if missing:
        raise CtfmonError(f"background file {f} lacks column(s) {', '.join(missing)}; expected party_id, kind")
    return df.select([pl.col(c).cast(pl.String) for c in BACKGROUND_COLUMNS])


def _prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> dict[str, Any]:
    precision = tp_p / n_p if n_p else None
    recall = tp_r / n_r if n_r else None
    if precision is None or recall is None or precision + recall == 0:
        f1 = 0.0 if (precision is not None and recall is not None) else None
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return {
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
    }


def evaluate(
    con: duckdb.DuckDBPyConnection,
    labels: pl.DataFrame,
    *,
    typology_ids: list[str] | None = None,
    scan_id: str | None = None,
    background: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """Score stored alerts against ``labels``; see the module docstring for the definitions.

    ``typology_ids`` restricts the evaluation (default: every typology that has planted
    instances or alerts); ``scan_id`` restricts it to the alerts of one scan; ``background``
    (party_id, kind) names the everyday kind of background parties.
    """
    con.register("_eval_labels", labels.select(LABEL_COLUMNS).to_arrow())
    bg = background if background is not None else pl.DataFrame(schema={"party_id": pl.String, "kind": pl.String})
    con.register("_eval_bg_kinds", bg.select(BACKGROUND_COLUMNS).unique("party_id", keep="first").to_arrow())
    try:
        res = _evaluate(con, typology_ids, scan_id)
        _budget(con, res, scan_id, background is not None)
        return res
    finally:
        con.unregister("_eval_labels")
        con.unregister("_eval_bg_kinds")


def _budget(con: duckdb.DuckDBPyConnection, res: dict[str, Any], scan_id: str | None, kinds_known: bool) -> None:
    """Add the alert budget to ``res`` (see the module docstring)."""
    scan_filter = "WHERE scan_id = ?" if scan_id else ""
    params = [scan_id] if scan_id else []
    con.execute("""
      CREATE OR REPLACE TEMP TABLE _eval_labelled AS
      SELECT DISTINCT CASE WHEN l.entity_type = 'account' AND o.party_id IS NOT NULL AND o.party_id <> ''
                           THEN 'party' ELSE l.entity_type END AS ent_type,
                      CASE WHEN l.entity_type = 'account' AND o.party_id IS NOT NULL AND o.party_id <> ''
                           THEN o.party_id ELSE l.entity_id END AS ent_id
      FROM _eval_labels l LEFT JOIN accounts o ON l.entity_type = 'account' AND o.account_id = l.entity_id
      WHERE l.role <> 'evidence'
    """)
    n_parties = one_row(con, "SELECT count(*) FROM parties")[0]
    n_bg = one_row(con, """
      SELECT count(*) FROM parties p
      WHERE NOT EXISTS (SELECT 1 FROM _eval_labelled l WHERE l.ent_type = 'party' AND l.ent_id = p.party_id)
    """)[0]
    rows = dict(con.execute(f"SELECT typology_id, count(*) FROM alerts {scan_filter} GROUP BY 1", params).fetchall())
    # alerted subjects no label names: background parties (on file) and unowned accounts
    con.execute("""
      CREATE OR REPLACE TEMP TABLE _eval_bg_alerted AS
      SELECT s.typology_id, s.ent_type, s.ent_id, coalesce(k.kind, 'unknown') AS kind
      FROM _eval_alert_subjects s
      LEFT JOIN _eval_bg_kinds k ON s.ent_type = 'party' AND k.party_id = s.ent_id
      WHERE NOT EXISTS (SELECT 1 FROM _eval_labelled l WHERE l.ent_type = s.ent_type AND l.ent_id = s.ent_id)
        AND (s.ent_type <> 'party' OR EXISTS (SELECT 1 FROM parties p WHERE p.party_id = s.ent_id))
    """)
    wanted = list(res["typologies"])
    per = con.execute("""
      SELECT typology_id, count(*) FILTER (WHERE ent_type = 'party'), count(*) FILTER (WHERE ent_type <> 'party')
      FROM _eval_bg_alerted GROUP BY 1
    """).fetchall()
    per_t = {r[0]: (int(r[1]), int(r[2])) for r in per}
    kinds = con.execute("""
      SELECT typology_id, kind, count(*) AS n FROM _eval_bg_alerted WHERE ent_type = 'party'
      GROUP BY 1, 2 ORDER BY 1, n DESC, kind
    """).fetchall()
    kinds_t: dict[str, list[dict[str, Any]]] = {}
    for tid, kind, n in kinds:
        kinds_t.setdefault(tid, []).append({"kind": kind, "parties": int(n)})

    def fill(r: dict[str, Any], alert_rows: int, parties: int, accounts: int, top: list[dict[str, Any]]) -> None:
        r["alert_rows"] = int(alert_rows)
        r["background_parties_alerted"] = parties
        r["background_per_1000"] = round(1000 * parties / n_bg, 3) if n_bg else None
        r["background_share"] = round(parties / n_bg, 6) if n_bg else None
        r["background_accounts_alerted"] = accounts
        r["false_positive_kinds"] = top

    for tid in wanted:
        p, a = per_t.get(tid, (0, 0))
        fill(res["typologies"][tid], rows.get(tid, 0), p, a, kinds_t.get(tid, []))
    marks = ",".join("?" * len(wanted)) or "NULL"
    allp, alla = one_row(con, f"""
      SELECT count(DISTINCT ent_id) FILTER (WHERE ent_type = 'party'),
             count(DISTINCT ent_id) FILTER (WHERE ent_type <> 'party')
      FROM _eval_bg_alerted WHERE typology_id IN ({marks})
    """, wanted)
    top_all = [{"kind": k, "parties": int(n)} for k, n in con.execute(f"""
      SELECT kind, count(DISTINCT ent_id) AS n FROM _eval_bg_alerted
      WHERE ent_type = 'party' AND typology_id IN ({marks}) GROUP BY 1 ORDER BY n DESC, kind
    """, wanted).fetchall()]
    fill(res["all"], sum(rows.get(t, 0) for t in wanted), int(allp or 0), int(alla or 0), top_all)
    res["population"] = {"parties": int(n_parties), "background_parties": int(n_bg),
                         "background_kinds_known": kinds_known}


def _evaluate(con: duckdb.DuckDBPyConnection, typology_ids: list[str] | None, scan_id: str | None) -> dict[str, Any]:
    scan_filter = "WHERE scan_id = ?" if scan_id else ""
    params = [scan_id] if scan_id else []
    # Normalised entities: an account whose owner is on file stands for its owner.
    norm = """
      CASE WHEN {t} = 'account' AND o.party_id IS NOT NULL AND o.party_id <> '' THEN 'party' ELSE {t} END AS ent_type,
      CASE WHEN {t} = 'account' AND o.party_id IS NOT NULL AND o.party_id <> '' THEN o.party_id ELSE {i} END AS ent_id
    """
    con.execute(f"""
      CREATE OR REPLACE TEMP TABLE _eval_alert_subjects AS
      SELECT DISTINCT a.typology_id, {norm.format(t='a.subject_type', i='a.subject_id')}
      FROM (SELECT * FROM alerts {scan_filter}) a
      LEFT JOIN accounts o ON a.subject_type = 'account' AND o.account_id = a.subject_id
    """, params)
    con.execute(f"""
      CREATE OR REPLACE TEMP TABLE _eval_alert_evidence AS
      SELECT DISTINCT typology_id, unnest(evidence) AS entity_id FROM alerts {scan_filter}
    """, params)
    con.execute(f"""
      CREATE OR REPLACE TEMP TABLE _eval_participants AS
      SELECT DISTINCT l.typology_id, l.instance_id, l.role, {norm.format(t='l.entity_type', i='l.entity_id')}
      FROM _eval_labels l
      LEFT JOIN accounts o ON l.entity_type = 'account' AND o.account_id = l.entity_id
      WHERE l.role <> 'evidence' AND l.typology_id NOT LIKE 'benign:%'
    """)
    rows = con.execute("""
      WITH inst AS (SELECT DISTINCT typology_id, instance_id FROM _eval_participants),
      recalled AS (
        SELECT DISTINCT p.typology_id, p.instance_id FROM _eval_participants p
        JOIN _eval_alert_subjects s ON s.typology_id = p.typology_id AND s.ent_type = p.ent_type
                                   AND s.ent_id = p.ent_id
        WHERE p.role = 'subject'
      ),
      tp AS (
        SELECT DISTINCT s.typology_id, s.ent_type, s.ent_id FROM _eval_alert_subjects s
        JOIN _eval_participants p ON p.typology_id = s.typology_id AND p.ent_type = s.ent_type
                                 AND p.ent_id = s.ent_id
      ),
      other AS (
        SELECT DISTINCT s.typology_id, s.ent_type, s.ent_id FROM _eval_alert_subjects s
        JOIN _eval_participants p ON p.typology_id <> s.typology_id AND p.ent_type = s.ent_type
                                 AND p.ent_id = s.ent_id
        EXCEPT SELECT typology_id, ent_type, ent_id FROM tp
      ),
      lev AS (
        SELECT DISTINCT typology_id, entity_id FROM _eval_labels
        WHERE role = 'evidence' AND typology_id NOT LIKE 'benign:%'
      ),
      ids AS (
        SELECT typology_id FROM inst UNION SELECT typology_id FROM _eval_alert_subjects
      )
      SELECT i.typology_id,
        (SELECT count(*) FROM inst x WHERE x.typology_id = i.typology_id) AS instances,
        (SELECT count(*) FROM recalled x WHERE x.typology_id = i.typology_id) AS instances_recalled,
        (SELECT count(*) FROM _eval_alert_subjects x WHERE x.typology_id = i.typology_id) AS alerted_subjects,
        (SELECT count(*) FROM tp x WHERE x.typology_id = i.typology_id) AS true_subjects,
        (SELECT count(*) FROM other x WHERE x.typology_id = i.typology_id) AS other_planted_subjects,
        (SELECT count(*) FROM _eval_alert_evidence x WHERE x.typology_id = i.typology_id) AS alert_evidence,
        (SELECT count(*) FROM lev x WHERE x.typology_id = i.typology_id) AS label_evidence,
        (SELECT count(*) FROM _eval_alert_evidence x JOIN lev y
           ON y.typology_id = x.typology_id AND y.entity_id = x.entity_id
         WHERE x.typology_id = i.typology_id) AS evidence_hits
      FROM ids i ORDER BY i.typology_id
    """).fetchall()
    wanted = set(typology_ids) if typology_ids else None
    result: dict[str, Any] = {"typologies": {}, "all": {}}
    tot = dict.fromkeys(("instances", "instances_recalled", "alerted_subjects", "true_subjects",
                         "other_planted_subjects", "alert_evidence", "label_evidence", "evidence_hits"), 0)
    for r in rows:
        tid = r[0]
        if wanted is not None and tid not in wanted:
            continue
        c = dict(zip(tot, r[1:], strict=True))
        for k in tot:
            tot[k] += int(c[k])
        result["typologies"][tid] = _row(c)
    result["all"] = _row(tot)
    return result


def _row(c: dict[str, int]) -> dict[str, Any]:
    return {
        **{k: int(v) for k, v in c.items()},
        "subject": _prf(c["true_subjects"], c["alerted_subjects"], c["instances_recalled"], c["instances"]),
        # The same, leaving out alerted subjects planted for *another* typology: their behaviour
        # often meets this typology's definition too (a layering hop is a rapid pass-through).
        "subject_excluding_other_planted": _prf(
            c["true_subjects"], c["alerted_subjects"] - c["other_planted_subjects"],
            c["instances_recalled"], c["instances"],
        ),
        "evidence": _prf(c["evidence_hits"], c["alert_evidence"], c["evidence_hits"], c["label_evidence"]),
    }


def write_json(result: dict[str, Any], out: str | Path) -> Path:
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(json.dumps(result, indent=2, sort_keys=True), encoding="utf-8")
    except OSError as exc:
        raise CtfmonError(f"cannot write {path}: {exc}") from None
    return path
