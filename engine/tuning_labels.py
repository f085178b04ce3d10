"""What a tuning sweep measures against: labelled subjects of one typology.

Two sources:

- ``generated``: a labels file (``engine.evaluate.load_labels``: the generator's, or any file
  of the same shape).  Positives are the subjects taking part (any role but ``evidence``) in
  an instance of the typology; an instance is recalled when an alert names one of its
  ``subject`` entities; every other alerted subject is a false positive (as in
  :mod:`engine.evaluate`, subject level).
- ``dispositions``: what analysts decided on the live cases holding an alert of the
  typology.  A subject with a case filed as an STR is positive (one instance each); a
  subject whose case was closed as a false positive (and none filed) is negative; every
  other subject is unknown and counts in neither precision nor recall.

Accounts whose owner is on file stand for their owner on both sides (scan alerts are
re-attributed the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from engine.errors import CtfmonError

Subject = tuple[str, str]


@dataclass
class LabelSet:
    source: str
    #: instance id -> its subject entities (recall counts instances with one of them alerted)
    instances: dict[str, set[Subject]] = field(default_factory=dict)
    #: subjects whose alert is a true positive
    positives: set[Subject] = field(default_factory=set)
    #: subjects whose alert is a false positive; ``None``: every subject not positive
    negatives: set[Subject] | None = None

    def describe(self) -> str:
        neg = "everything else" if self.negatives is None else f"{len(self.negatives):,} negative subjects"
        return (f"{self.source}: {len(self.instances):,} positive instances, {len(self.positives):,} positive "
                f"subjects, {neg}")


def _owners(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("SELECT account_id, party_id FROM accounts WHERE party_id IS NOT NULL AND party_id <> ''")
    return dict(rows.fetchall())


def from_labels(con: duckdb.DuckDBPyConnection, labels: pl.DataFrame, typology_id: str) -> LabelSet:
    """The generated (or supplied) labels of ``typology_id``."""
    mine = labels.filter(pl.col("typology_id") == typology_id, pl.col("role") != "evidence")
    if mine.height == 0:
        raise CtfmonError(f"the labels hold no instance of typology {typology_id}: nothing to measure recall against")
    owners = _owners(con)
    out = LabelSet(source="generated")
    for inst, etype, eid, role in mine.select("instance_id", "entity_type", "entity_id", "role").iter_rows():
        subj: Subject = ("party", owners[eid]) if etype == "account" and eid in owners else (etype, eid)
        out.positives.add(subj)
        members = out.instances.setdefault(inst, set())
        if role == "subject":
            members.add(subj)
    return out


def from_dispositions(con: duckdb.DuckDBPyConnection, typology_id: str) -> LabelSet:
    """Analysts' dispositions of the live cases holding an alert of ``typology_id``."""
    rows = con.execute("""
      SELECT DISTINCT c.subject_type, c.subject_id, c.state FROM cases c
      JOIN case_alerts ca ON ca.case_id = c.case_id JOIN alerts a ON a.alert_id = ca.alert_id
      WHERE a.typology_id = ? AND c.state IN ('str_filed', 'closed_false_positive')
    """, [typology_id]).fetchall()
    owners = _owners(con)
    pos: set[Subject] = set()
    neg: set[Subject] = set()
    for stype, sid, state in rows:
        subj: Subject = ("party", owners[sid]) if stype == "account" and sid in owners else (stype, sid)
        (pos if state == "str_filed" else neg).add(subj)
    if not pos:
        raise CtfmonError(f"no case with an alert of {typology_id} was filed as an STR: no positive disposition "
                          "to measure recall against (give a labels file with --labels)")
    return LabelSet(source="dispositions", instances={f"{t}:{i}": {(t, i)} for t, i in sorted(pos)},
                    positives=pos, negatives=neg - pos)


def measure(alerted: set[Subject], labels: LabelSet) -> dict[str, float | int | None]:
    """Precision, recall and F1 of a set of alerted subjects (see the module docstring)."""
    tp = len(alerted & labels.positives)
    fp = len(alerted - labels.positives) if labels.negatives is None else len(alerted & labels.negatives)
    recalled = sum(1 for members in labels.instances.values() if members & alerted)
    precision = tp / (tp + fp) if tp + fp else None
    recall = recalled / len(labels.instances) if labels.instances else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else (
        0.0 if precision is not None and recall is not None else None)
    return {"true_positive_subjects": tp, "false_positive_subjects": fp,
            "unknown_subjects": len(alerted) - tp - fp, "instances_recalled": recalled,
            "instances": len(labels.instances),
            "precision": None if precision is None else round(precision, 4),
            "recall": None if recall is None else round(recall, 4),
            "f1": None if f1 is None else round(f1, 4)}
