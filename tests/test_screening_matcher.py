"""The screening matcher: normalisation, name similarity, qualifiers, blocking."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.screening import lists
from engine.screening.index import ListIndex, screen_frame
from engine.screening.matcher import DEFAULT_THRESHOLD, Query, compare_tokens, token_similarity
from engine.screening.normalize import normalize_name

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
UN_XML = FIXTURES / "un" / "un_consolidated_2026-02-27.xml"
if not UN_XML.exists():  # the same file ships with the engine (demo list), for runs without ../shared
    UN_XML = Path(__file__).resolve().parents[1] / "engine" / "screening" / "data" / UN_XML.name


@pytest.fixture(scope="module")
def idx() -> ListIndex:
    parsed = lists.parse_file(UN_XML)[0]
    return ListIndex({("UN", e.reference): e for e in parsed.entries})


def top(idx: ListIndex, name: str, **kw: object) -> tuple[str | None, float]:
    res = idx.match(Query(name, **kw), min_score=0.0)  # type: ignore[arg-type]
    return (res[0].reference, res[0].score) if res else (None, 0.0)


def score_for(idx: ListIndex, name: str, ref: str, **kw: object) -> float:
    res = idx.match(Query(name, **kw), limit=100, min_score=0.0)  # type: ignore[arg-type]
    return next((r.score for r in res if r.reference == ref), 0.0)


# --------------------------------------------------------------------------- normalisation
def test_abd_compounds_are_one_name_distinct_from_the_bare_name() -> None:
    for spelling in ("Abdul Rahman", "Abd al-Rahman", "Abdel Rahman", "ABD UR RAHMAN"):
        assert normalize_name(spelling, "person").tokens == ("abdulrahman",), spelling
    assert normalize_name("Abdullah Azzam", "person").tokens == ("abdullah", "azzam")
    assert normalize_name("Hafiz bin Rahman", "person").tokens == ("hafiz", "bin", "rahman")


def test_normalisation_folds_case_diacritics_honorifics_and_scripts() -> None:
    assert normalize_name("Sheikh Ḩājī Muḩammad ‘Abd al-Karīm", "person").tokens == (
        "muhammad", "abdulkarim",
    )
    assert normalize_name("Mr. J. Smith", "person").tokens == ("j", "smith")
    assert normalize_name("ACME Holdings LLC", "entity").tokens == ("acme", "holdings")
    assert normalize_name("Acme GmbH", "unknown").tokens == ("acme",)
    arabic = normalize_name("صدام حسين التكريتي", "person")
    assert arabic.non_latin and all(t.isascii() for t in arabic.tokens) and len(arabic.tokens) == 3
    # Cyrillic: BGN/PCGN first (the usual English spelling), ISO-style ICU as a second reading.
    basayev = normalize_name("Шамиль Басаев", "person")
    assert basayev.tokens == ("shamil", "basayev") and ("shamil", "basaev") in basayev.forms
    assert normalize_name("Straße", "person").tokens == ("strasse",)


# --------------------------------------------------------------------------- name similarity
def test_variants_of_listed_names_match(idx: ListIndex) -> None:
    assert top(idx, "Bwambale Frank Kakolele")[0] == "CDi.002"  # token order
    assert score_for(idx, "Frank Kakolele Bwambale", "CDi.002") == 1.0
    assert score_for(idx, "Frank Bwambale", "CDi.002") >= DEFAULT_THRESHOLD  # dropped middle name
    assert score_for(idx, "Frank Kakolele Bwambalee", "CDi.002") >= DEFAULT_THRESHOLD  # typo
    assert score_for(idx, "F. Kakolele Bwambale", "CDi.002") >= DEFAULT_THRESHOLD  # initial
    assert score_for(idx, "Aigle Blanc", "CDi.002") == 1.0  # alias
    assert top(idx, "صدام حسين التكريتي")[0] == "IQi.001"  # original script
    assert score_for(idx, "Saddam Husayn al-Tikriti", "IQi.001") >= DEFAULT_THRESHOLD  # transliteration
    assert score_for(idx, "Allied Democratic Forces LLC", "CDe.001", entry_type="entity") == 1.0  # legal form


def test_common_tokens_do_not_match(idx: ListIndex) -> None:
    for name in ("Mohammed Ali Khan", "Ahmed Mohammed Rahimi", "Abu Ali Smith", "Kim Chol Park"):
        ref, s = top(idx, name)
        assert s < DEFAULT_THRESHOLD, (name, ref, s)
    # A shared family name with a different given name is not a match.
    assert score_for(idx, "James Bwambale", "CDi.002") < DEFAULT_THRESHOLD
    # Entities sharing only generic words and legal forms.
    assert top(idx, "Global Trading Company LLC", entry_type="entity")[1] < DEFAULT_THRESHOLD
    assert top(idx, "Crescent Islamic Foundation", entry_type="entity")[1] < DEFAULT_THRESHOLD


def test_exact_common_name_needs_a_qualifier(idx: ListIndex) -> None:
    # "Mohamed Hassan" is a listed alias, but made of common tokens only.
    res = idx.match(Query("Mohamed Hassan"), limit=100, min_score=0.0)
    hit = next(r for r in res if r.matched_name == "Mohamed Hassan")
    assert hit.name_score == 1.0 and hit.score < DEFAULT_THRESHOLD
    assert hit.features["common_name"]["factor"] < 1
    entry = idx.entries[("UN", hit.reference)]
    dob = next(b for b in entry.birth_dates if b.years())
    with_dob = score_for(idx, "Mohamed Hassan", hit.reference, birth_date=str(dob.years()[0]))  # type: ignore[index]
    assert with_dob > hit.score


def test_token_similarity_rules() -> None:
    assert token_similarity("john", "j") == 0.9
    assert token_similarity("ali", "abi") == 0.0  # short tokens must agree but for vowels
    assert token_similarity("kim", "kem") == 0.8 and token_similarity("uday", "ouday") == 0.8
    assert token_similarity("yong", "song") == 0.0
    assert token_similarity("djamal", "jamal") >= 0.85  # transliteration digraphs
    assert token_similarity("ernest", "ernset") >= 0.8  # a transposition is one edit
    assert token_similarity("hussein", "husayn") >= 0.85
    assert 0.75 <= token_similarity("kakolele", "kakorele") < 1.0
    assert token_similarity("acme", "aqim") == 0.0


# --------------------------------------------------------------------------- qualifiers
def test_qualifiers_raise_and_lower_the_score(idx: ListIndex) -> None:
    base = score_for(idx, "Saddam Hussein", "IQi.001")
    exact = score_for(idx, "Saddam Hussein", "IQi.001", birth_date="1937-04-28")
    year = score_for(idx, "Saddam Hussein", "IQi.001", birth_date="1937")
    wrong = score_for(idx, "Saddam Hussein", "IQi.001", birth_date="1990-01-01")
    assert exact > year > base > wrong
    assert score_for(idx, "Saddam Hussein", "IQi.001", nationality="IQ") > base
    assert score_for(idx, "Saddam Hussein", "IQi.001", nationality="FR") < base
    # A document number on the list lifts a weak name match.
    doc_entry = next(e for e in idx.entries.values() if e.documents and e.entry_type == "person")
    last = doc_entry.primary_name.split()[-1]
    weak = score_for(idx, last, doc_entry.reference)
    strong = score_for(idx, last, doc_entry.reference, document_number=doc_entry.documents[0]["number"])
    assert strong >= 0.98 > weak


def test_between_and_approximate_birth_dates(idx: ListIndex) -> None:
    between = next(e for e in idx.entries.values() if any(b.kind == "between" for b in e.birth_dates))
    b = next(b for b in between.birth_dates if b.kind == "between")
    lo, hi = b.years()  # type: ignore[misc]
    name = between.primary_name
    inside = idx.match(Query(name, birth_date=str(lo)), limit=100, min_score=0)[0]
    assert inside.reference == between.reference and inside.features["birth_date"]["outcome"] == "range"
    outside = next(r for r in idx.match(Query(name, birth_date=str(hi + 20)), limit=100, min_score=0)
                   if r.reference == between.reference)
    assert outside.features["birth_date"]["outcome"] == "conflict"
    approx = next(e for e in idx.entries.values() if any(b.kind == "approximately" for b in e.birth_dates))
    a = next(b for b in approx.birth_dates if b.kind == "approximately")
    y = (a.years() or (0, 0))[0] + 1
    res = next(r for r in idx.match(Query(approx.primary_name, birth_date=str(y)), limit=100, min_score=0)
               if r.reference == approx.reference)
    assert res.features["birth_date"]["outcome"] in ("approximate", "year", "range", "exact")


def test_low_quality_alias_weighs_less(idx: ListIndex) -> None:
    e, low = next(
        (e, n.name) for e in idx.entries.values() for n in e.names
        if n.quality == "low" and len(n.name.split()) >= 2
        and not any(m.quality == "good" and m.name.casefold() == n.name.casefold() for m in e.names)
    )
    r = next(x for x in idx.match(Query(low), limit=100, min_score=0) if x.reference == e.reference)
    assert r.name_quality == "low" and r.score < 1.0 and r.features["alias_quality"]["factor"] < 1


def test_explanation_lists_features(idx: ListIndex) -> None:
    r = idx.match(Query("Saddam Hussein al-Tikriti", birth_date="1937-04-28", nationality="IQ"))[0]
    assert r.reference == "IQi.001"
    assert {"name", "birth_date", "nationality"} <= set(r.features)
    assert "birth date exact" in r.explanation() and "nationality match" in r.explanation()
    assert r.features["name"]["aligned"]


def test_bulk_screen_agrees_with_single_queries(idx: ListIndex) -> None:
    names = ["Frank Kakolele Bwambale", "Mohammed Ali Khan", "Saddam Husayn al-Tikriti", "John Smith", ""]
    frame = pl.DataFrame({"qid": [f"q{i}" for i in range(len(names))], "name": names,
                          "kind": ["person"] * len(names)})
    hits = screen_frame(idx, frame, threshold=DEFAULT_THRESHOLD)
    got = {(r["qid"], r["reference"]): r["score"] for r in hits.iter_rows(named=True)}
    assert ("q0", "CDi.002") in got and ("q2", "IQi.001") in got
    assert not any(q in ("q1", "q3", "q4") for q, _ in got)
    for (qid, ref), s in got.items():
        single = score_for(idx, names[int(qid[1:])], ref, entry_type="person")
        assert abs(single - s) < 1e-6


def test_bulk_screen_finds_listed_names_among_many(idx: ListIndex) -> None:
    import random

    rnd = random.Random(4)
    syll = ["ka", "ri", "mo", "na", "el", "sa", "to", "vi", "la", "den", "mar", "tin", "os"]
    filler = [" ".join("".join(rnd.choice(syll) for _ in range(3)).title() for _ in range(2)) for _ in range(3000)]
    persons = sorted((e for e in idx.entries.values() if e.entry_type == "person"), key=lambda e: e.reference)
    planted = rnd.sample(persons, 25)
    names = filler + [e.primary_name for e in planted]
    frame = pl.DataFrame({"qid": [str(i) for i in range(len(names))], "name": names, "kind": ["person"] * len(names)})
    hits = screen_frame(idx, frame, threshold=0.0)
    found = {(r["qid"], r["reference"]) for r in hits.iter_rows(named=True) if r["score"] >= 0.99}
    for i, e in enumerate(planted):
        assert (str(len(filler) + i), e.reference) in found, e.primary_name


# --------------------------------------------------------------------------- properties
class _W:
    def __call__(self, token: str) -> float:
        return 1.0 / (1 + len(token) % 3)


words = st.lists(st.text(alphabet="abcdefghijklmnoprstuyz", min_size=1, max_size=9), min_size=1, max_size=5)


@given(a=words, b=words)
def test_name_similarity_is_symmetric_and_bounded(a: list[str], b: list[str]) -> None:
    w = _W()
    ab = compare_tokens(tuple(a), tuple(b), w).score  # type: ignore[arg-type]
    ba = compare_tokens(tuple(b), tuple(a), w).score  # type: ignore[arg-type]
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(ba, abs=1e-9)


@given(a=words)
def test_identical_tokens_score_one(a: list[str]) -> None:
    assert compare_tokens(tuple(a), tuple(reversed(a)), _W()).score == 1.0  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=40))
def test_identical_normalised_name_scores_one_and_never_crashes(idx: ListIndex, name: str) -> None:
    n = normalize_name(name, "person")
    if n.tokens:
        assert compare_tokens(n.tokens, n.tokens, idx.weights).score == 1.0
    res = idx.match(Query(name, entry_type="person"), min_score=0.0)
    assert all(0.0 <= r.score <= 1.0 for r in res)
