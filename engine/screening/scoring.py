"""Scoring a list entry: the name comparison adjusted by what else is known (birth date,
nationality, documents, entry type); see :mod:`engine.screening.matcher`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.screening.lists import ListEntry
from engine.screening.qualifiers import Query, _imo_numbers, birth_date_feature, doc_norm
from engine.screening.tokens import NameComparison

LOW_QUALITY_FACTOR = 0.85
TYPE_MISMATCH_FACTOR = 0.7

#: A name agreement carrying less token weight than this (common tokens only, e.g.
#: *Omar*, *Mohamed Hassan*) counts at ``COMMON_NAME_FLOOR`` .. 1 (quadratic) of its score: such
#: names are shared by many people and need qualifiers (birth date ...) to match.
INFORMATIVE_WEIGHT = 1.0
COMMON_NAME_FLOOR = 0.6


#: A person compared with an organisation or vessel (or the reverse) counts this much.
TYPE_MISMATCH_FACTOR_OBJECT = 0.85
#: Two different IMO numbers: two different ships, whatever their names.
IMO_CONFLICT_FACTOR = 0.5


@dataclass
class EntryScore:
    list_name: str
    reference: str
    entry_type: str
    primary_name: str
    matched_name: str
    name_kind: str
    name_quality: str
    name_score: float
    score: float
    features: dict[str, Any] = field(default_factory=dict)
    #: Identity the agreeing name tokens carry: the sum of their rarity weights (0 ..).
    name_rarity: float = 0.0
    #: The name agrees only on common tokens and no qualifier agrees (see the module docstring).
    name_only_common_tokens: bool = False

    def explanation(self) -> str:
        bits = [f"name {self.name_score:.2f} ({self.name_kind}, {self.name_quality})"]
        for k in ("birth_date", "nationality", "document", "entry_type"):
            f = self.features.get(k)
            if f:
                bits.append(f"{k.replace('_', ' ')} {f['outcome']} ({f['adjust']:+.2f})")
        if self.name_only_common_tokens:
            bits.append("only common name tokens agree")
        return "; ".join(bits)


_AGREEING = frozenset({"exact", "year", "range", "approximate", "match"})
#: Qualifier outcomes that agree with the list entry (the rest disagree).
AGREEING = _AGREEING


def score_entry(
    query: Query,
    entry: ListEntry,
    list_name: str,
    comparison: NameComparison,
    matched_name: str,
    name_kind: str,
    name_quality: str,
    weight: Callable[[str], float] | None = None,
) -> EntryScore:
    """Combine the best name comparison for ``entry`` with the query's qualifiers."""
    features: dict[str, Any] = {"name": comparison.explain()}
    base = comparison.score
    if name_quality == "low":
        base *= LOW_QUALITY_FACTOR
        features["alias_quality"] = {"outcome": "low", "factor": LOW_QUALITY_FACTOR}
    if comparison.matched_weight < INFORMATIVE_WEIGHT:
        factor = COMMON_NAME_FLOOR + (1 - COMMON_NAME_FLOOR) * (comparison.matched_weight / INFORMATIVE_WEIGHT) ** 2
        base *= factor
        features["common_name"] = {
            "outcome": "agreeing tokens are common", "matched_weight": round(comparison.matched_weight, 3),
            "factor": round(factor, 3),
        }
    if query.entry_type in ("person", "entity", "vessel") and query.entry_type != entry.entry_type:
        person_involved = "person" in (query.entry_type, entry.entry_type)
        factor = TYPE_MISMATCH_FACTOR if person_involved else TYPE_MISMATCH_FACTOR_OBJECT
        base *= factor
        features["entry_type"] = {
            "outcome": "mismatch", "query": query.entry_type, "list": entry.entry_type,
            "adjust": round(base / factor * (factor - 1), 4),
        }
    adjust = 0.0
    bd = birth_date_feature(query.birth_date, entry.birth_dates)
    if bd:
        features["birth_date"] = bd
        adjust += bd["adjust"]
    if query.nationality and entry.nationalities:
        q = query.nationality.strip().upper()
        if q in entry.nationalities:
            features["nationality"] = {"outcome": "match", "list": entry.nationalities, "adjust": 0.03}
            adjust += 0.03
        else:
            features["nationality"] = {"outcome": "mismatch", "list": entry.nationalities, "adjust": -0.05}
            adjust -= 0.05
    score = base + adjust
    if query.document_number and entry.documents:
        qd = doc_norm(query.document_number)
        hit = next((d for d in entry.documents if qd and doc_norm(d["number"]) == qd), None)
        imos = _imo_numbers(entry)
        if hit is not None:
            features["document"] = {"outcome": "match", "list": hit["number"], "adjust": round(max(0.0, 0.98 - score), 4)}
            score = max(score, 0.98)
        elif imos and qd.isdigit() and len(qd) == 7 and query.document_number.upper().replace(" ", "").startswith(
                "IMO"):
            new = score * IMO_CONFLICT_FACTOR
            features["document"] = {"outcome": "conflict", "list": ", ".join(sorted(imos)),
                                    "adjust": round(new - score, 4), "note": "different IMO numbers: another ship"}
            score = new
    score = max(0.0, min(1.0, score))
    rarity = comparison.matched_weight
    qualifier_agrees = any(
        isinstance(features.get(k), dict) and features[k].get("outcome") in _AGREEING
        for k in ("birth_date", "nationality", "document")
    )
    only_common = rarity < INFORMATIVE_WEIGHT and not qualifier_agrees
    rarity_feature: dict[str, Any] = {"matched_weight": round(rarity, 3), "only_common_tokens": only_common}
    if weight is not None and comparison.pairs:
        rarity_feature["tokens"] = {p.b: round(weight(p.b), 3) for p in comparison.pairs if " " not in p.b}
    features["name_rarity"] = rarity_feature
    return EntryScore(
        list_name=list_name,
        reference=entry.reference,
        entry_type=entry.entry_type,
        primary_name=entry.primary_name,
        matched_name=matched_name,
        name_kind=name_kind,
        name_quality=name_quality,
        name_score=round(comparison.score, 4),
        score=round(score, 4),
        features=features,
        name_rarity=round(rarity, 4),
        name_only_common_tokens=only_common,
    )
