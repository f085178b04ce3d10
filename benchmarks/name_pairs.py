"""Labelled name-pair benchmark for the screening matcher, built from the UN fixture.

``python benchmarks/name_pairs.py`` (re)builds ``benchmarks/name_pairs.csv`` from the UN
Consolidated List fixture when it is missing (``--rebuild`` forces it), scores every
pair with the matcher, prints precision / recall / F1 at the default threshold (and a
threshold sweep), and writes ``benchmarks/name_pairs_results.json``.

Each row is ``query``, ``reference`` (the list entry it is compared with), ``label``
(1 = same person/organisation, 0 = different), ``variant`` (how the query was made),
``entry_type``.  True variants: token reordering, a dropped middle name, a typo,
another transliteration, an alias, the original-script name, added honorific /
changed legal form / punctuation, an initial.  Hard negatives: a shared family name
with other given names, a collision on common tokens (*Mohammed*, *Ali*, *Abu* ...),
entities sharing only generic words and legal forms, and a changed distinctive token.
A negative is kept only when its normalised tokens equal no listed name.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from engine.screening import lists  # noqa: E402
from engine.screening.index import ListIndex  # noqa: E402
from engine.screening.matcher import DEFAULT_THRESHOLD, Query  # noqa: E402
from engine.screening.normalize import normalize_name  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "un" / "un_consolidated_2026-02-27.xml"
PAIRS = HERE / "name_pairs.csv"
RESULTS = HERE / "name_pairs_results.json"

GIVEN = [
    "James", "Maria", "Fatima", "Chen", "Ivan", "Olga", "Pierre", "Hans", "Amina", "Juan", "Ana",
    "Ravi", "Priya", "Kenji", "Sofia", "Lars", "Mei", "Carlos", "Grace", "Tariq", "Leila", "Samir",
    "Yasmin", "Daniel", "Nadia", "Oleg", "Joseph", "Aisha", "Karim", "Rania", "Bashir", "Zainab",
]
FAMILY = [
    "Smith", "Garcia", "Rahimi", "Karimi", "Haddad", "Nasser", "Mansour", "Petrov", "Novak",
    "Okafor", "Mensah", "Tanaka", "Larsen", "Moreau", "Rossi", "Kowalski", "Siddiqui", "Qureshi",
    "Farouk", "Bakri", "Sultani", "Dimitrov", "Osei", "Banda", "Mwangi", "Fernandes", "Yilmaz",
]
COMMON = ["Mohammed", "Ali", "Ahmed", "Abu", "Abdul", "Hassan", "Al", "Omar", "Ibrahim", "Kim"]
ORG_WORDS = ["Noor", "Crescent", "Horizon", "Summit", "Delta", "Phoenix", "Atlas", "Zenith", "Orchid", "Falcon"]
HONORIFICS = ["Sheikh", "Mr.", "Haji", "Dr.", "Mullah"]
LEGAL = ["LLC", "Ltd", "Limited", "GmbH", "JSC", "S.A."]
TRANSLIT = [
    ("ou", "u"), ("u", "ou"), ("oo", "u"), ("ee", "i"), ("y", "i"), ("ai", "ay"), ("ei", "ey"),
    ("dd", "d"), ("ss", "s"), ("mm", "m"), ("ll", "l"), ("q", "k"), ("kh", "h"), ("dh", "z"),
    ("ph", "f"), ("j", "dj"), ("sh", "ch"), ("e", "a"), ("o", "u"), ("i", "e"),
]


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)
    op = rnd.choice(("sub", "del", "swap"))
    if op == "sub":
        return word[:i] + rnd.choice("aeiourstnlm") + word[i + 1 :]
    if op == "del":
        return word[:i] + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _translit(name: str, rnd: random.Random) -> str | None:
    low = name.lower()
    rules = [r for r in TRANSLIT if r[0] in low]
    if not rules:
        return None
    a, b = rnd.choice(rules)
    pos = [i for i in range(len(low)) if low.startswith(a, i)]
    i = rnd.choice(pos)
    out = low[:i] + b + low[i + len(a) :]
    return out.title()


def build(seed: int = 7) -> list[dict[str, str]]:
    parsed, _ = lists.parse_file(FIXTURE)
    rnd = random.Random(seed)
    entries = parsed.entries
    listed = set()
    for e in entries:
        for n in e.names:
            listed.add(tuple(sorted(normalize_name(n.name, e.entry_type).tokens)))
    rows: list[dict[str, str]] = []

    def add(q: str, e: lists.ListEntry, label: int, variant: str) -> None:
        q = " ".join(q.split())
        if not q:
            return
        toks = tuple(sorted(normalize_name(q, e.entry_type).tokens))
        if label == 0 and toks in listed:
            return
        if label == 1 and not toks:
            return
        rows.append({"query": q, "reference": e.reference, "label": str(label), "variant": variant,
                     "entry_type": e.entry_type})

    persons = [e for e in entries if e.entry_type == "person"]
    orgs = [e for e in entries if e.entry_type == "entity"]
    for e in rnd.sample(persons, 260) + rnd.sample(orgs, 110):
        latin = [n for n in e.names if n.kind != "original_script"]
        primary = latin[0].name
        toks = primary.replace(",", " ").split()
        v = rnd.random()
        # ---- true variants
        if len(toks) >= 2 and e.entry_type == "person":
            add(" ".join(toks[1:] + toks[:1]), e, 1, "reorder")
        if len(toks) >= 3 and e.entry_type == "person":
            j = rnd.randrange(1, len(toks) - 1)
            add(" ".join(toks[:j] + toks[j + 1 :]), e, 1, "drop_middle")
        long_idx = [i for i, t in enumerate(toks) if len(t) >= 5]
        if long_idx:
            i = rnd.choice(long_idx)
            add(" ".join(toks[:i] + [_typo(toks[i], rnd)] + toks[i + 1 :]), e, 1, "typo")
        tr = _translit(primary, rnd)
        if tr:
            add(tr, e, 1, "transliteration")
        aliases = [n.name for n in latin[1:] if n.quality == "good"]
        if aliases:
            add(rnd.choice(aliases), e, 1, "alias")
        scripts = [n.name for n in e.names if n.kind == "original_script"]
        if scripts:
            add(rnd.choice(scripts), e, 1, "original_script")
        if e.entry_type == "person":
            add(f"{rnd.choice(HONORIFICS)} {primary.lower()}", e, 1, "honorific_case")
            if len(toks) >= 3:
                add(" ".join([toks[0][0] + "."] + toks[1:]), e, 1, "initial")
        else:
            add(f"{primary.replace('-', ' ')} {rnd.choice(LEGAL)}", e, 1, "legal_form")
        # ---- hard negatives
        if e.entry_type == "person" and len(toks) >= 2:
            add(f"{rnd.choice(GIVEN)} {toks[-1]}", e, 0, "shared_family_name")
            add(" ".join(toks[:-1] + [rnd.choice(FAMILY)]), e, 0, "changed_family_name")
            common = [t for t in toks if t.title() in COMMON or t.lower() in {"al", "bin", "abu"}]
            if common:
                add(" ".join(common[:2] + [rnd.choice(FAMILY)]), e, 0, "common_tokens")
        elif e.entry_type == "entity":
            generic = [t for t in toks if t.lower() in {"trust", "foundation", "company", "trading", "group",
                                                        "organization", "bank", "al", "international",
                                                        "islamic", "corporation", "front", "brigade"}]
            if generic:
                add(" ".join([rnd.choice(ORG_WORDS)] + generic + [rnd.choice(LEGAL)]), e, 0, "generic_org_words")
            if len(toks) >= 2:
                longest = max(range(len(toks)), key=lambda i: len(toks[i]))
                add(" ".join(toks[:longest] + [rnd.choice(ORG_WORDS)] + toks[longest + 1 :]), e, 0,
                    "changed_distinctive_word")
        if v < 0.4:
            add(f"{rnd.choice(COMMON)} {rnd.choice(COMMON)} {rnd.choice(FAMILY)}", e, 0, "common_tokens")
    return rows


def write(rows: list[dict[str, str]]) -> None:
    with PAIRS.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["query", "reference", "label", "variant", "entry_type"])
        w.writeheader()
        w.writerows(rows)


def evaluate(rows: list[dict[str, str]], threshold: float) -> dict[str, object]:
    parsed, _ = lists.parse_file(FIXTURE)
    idx = ListIndex({("UN", e.reference): e for e in parsed.entries})
    scored: list[tuple[float, int, str, bool]] = []
    t0 = time.perf_counter()
    for r in rows:
        res = idx.match(Query(r["query"], entry_type=r["entry_type"]), limit=50, min_score=0.0)
        s = next((x.score for x in res if x.reference == r["reference"]), 0.0)
        other = any(x.reference != r["reference"] and x.score >= threshold for x in res)
        scored.append((s, int(r["label"]), r["variant"], other))
    elapsed = time.perf_counter() - t0

    def prf(th: float) -> dict[str, float]:
        tp = sum(1 for s, lab, _v, _o in scored if s >= th and lab == 1)
        fp = sum(1 for s, lab, _v, _o in scored if s >= th and lab == 0)
        fn = sum(1 for s, lab, _v, _o in scored if s < th and lab == 1)
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        return {"threshold": th, "precision": round(p, 4), "recall": round(rc, 4), "f1": round(f1, 4),
                "tp": tp, "fp": fp, "fn": fn}

    by_variant: dict[str, dict[str, float]] = {}
    for v in sorted({x[2] for x in scored}):
        sub = [x for x in scored if x[2] == v]
        hit = sum(1 for s, _lab, _v, _o in sub if s >= threshold)
        by_variant[v] = {"pairs": len(sub), "label": sub[0][1], "above_threshold": round(hit / len(sub), 4)}
    return {
        "pairs": len(scored),
        "positives": sum(x[1] for x in scored),
        "default": prf(threshold),
        "sweep": [prf(t / 100) for t in range(60, 96, 5)],
        "by_variant": by_variant,
        "negatives_matching_another_entry": sum(1 for x in scored if x[1] == 0 and x[3]),
        "ms_per_query": round(1000 * elapsed / max(1, len(scored)), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="regenerate name_pairs.csv")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = ap.parse_args()
    if args.rebuild or not PAIRS.exists():
        write(build())
    with PAIRS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    res = evaluate(rows, args.threshold)
    d = res["default"]
    print(f"{res['pairs']} pairs ({res['positives']} positive), threshold {args.threshold}")
    print(f"precision {d['precision']:.3f}  recall {d['recall']:.3f}  F1 {d['f1']:.3f}")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'F1':>6}")
    for s in res["sweep"]:
        print(f"{s['threshold']:>9.2f} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
    print(f"{'variant':<26} {'label':>5} {'pairs':>5} {'>= thr':>7}")
    for v, x in res["by_variant"].items():
        print(f"{v:<26} {x['label']:>5} {x['pairs']:>5} {x['above_threshold']:>7.2%}")
    RESULTS.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
