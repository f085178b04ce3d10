"""Typing slips in payment names: two adjacent letters swapped, one letter wrong in a long
word, a misspelt legal form.  A payment message is typed by hand; the listed name with a slip
in it must still match, while a gendered given name beside a shared family name (the
catalogue's common-names reading) must not."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from engine.screening import lists
from engine.screening.bulk import screen_frame
from engine.screening.index import ListIndex
from engine.screening.matcher import DEFAULT_THRESHOLD, Query
from engine.screening.tokens import gender_flip, token_rule, transposed, typo_similarity
from engine.screening.weights import GENERIC_WEIGHT_CAP, TokenWeights, generic_typo

ROOT = Path(__file__).resolve().parents[1]
UN_XML = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"

# (typed payment name, listed name it stands for)
SLIPS = [
    ("Jang Song Hcol", "JANG SONG CHOL"),  # swap at the start of a four-letter token
    ("Kang Chol Us", "KANG CHOL SU"),  # swap in a two-letter token
    ("Aris Munandra", "ARIS MUNANDAR"),  # swap that ends the token in -a: not a feminine form
    ("Angga Dimas Pershaad", "ANGGA DIMAS PERSHADA"),
    ("The Houtihs", "THE HOUTHIS"),  # found only through the anagram key
    ("Amroggang Development Banking Corproation", "AMROGGANG DEVELOPMENT BANKING CORPORATION"),
    ("Global Relief Fundation (GRF)", "GLOBAL RELIEF FOUNDATION (GRF)"),
]


@pytest.fixture(scope="module")
def idx() -> ListIndex:
    parsed = lists.parse_file(UN_XML)[0]
    return ListIndex({("UN", e.reference): e for e in parsed.entries})


def test_transposed_is_one_adjacent_swap_only() -> None:
    assert transposed("hcol", "chol") and transposed("su", "us") and transposed("munandra", "munandar")
    assert not transposed("chol", "chol")
    assert not transposed("salma", "salim")  # two substitutions
    assert not transposed("abcd", "cbad")  # a swap of letters that are not neighbours
    assert not transposed("abc", "abcd")


def test_a_swap_costs_half_an_edit_and_grows_with_length() -> None:
    assert typo_similarity("hcol", "chol", 1) == pytest.approx(0.875)
    assert typo_similarity("munandra", "munandar", 1) == pytest.approx(1 - 0.5 / 8)
    # one substitution in a short token costs a whole edit; in a long one half an edit
    assert typo_similarity("hasan", "hasen", 1) == pytest.approx(0.8)
    assert typo_similarity("fundation", "foundation", 1) == pytest.approx(0.95)


def test_token_rule_accepts_swaps_but_not_other_names() -> None:
    assert token_rule("hcol", "chol") == (0.875, "transposition")
    assert token_rule("us", "su")[0] == pytest.approx(0.75)
    # a substituted first letter is another name, as before
    assert token_rule("hol", "chol")[0] == 0.0
    assert token_rule("bhol", "chol")[0] == 0.0
    # a swapped pair ending in -a is a slip, a changed vowel ending in -a a feminine form
    assert not gender_flip("pershaad", "pershada")
    assert gender_flip("salma", "salim")
    assert token_rule("salma", "salim")[0] == 0.0


def test_a_misspelt_legal_form_weighs_like_the_legal_form() -> None:
    w = TokenWeights([("amroggang", "development", "banking")])
    assert generic_typo("corproation") and generic_typo("limtied") and generic_typo("fundation")
    assert not generic_typo("amroggang") and not generic_typo("trsut")  # short generic words: no
    assert w("corproation") == GENERIC_WEIGHT_CAP
    assert w("amroggang") == 1.0


@pytest.mark.parametrize(("typed", "listed"), SLIPS)
def test_listed_name_with_a_slip_matches(idx: ListIndex, typed: str, listed: str) -> None:
    hits = idx.match(Query(typed), limit=3, min_score=0.0)
    assert hits, typed
    assert hits[0].primary_name == listed
    assert hits[0].score >= DEFAULT_THRESHOLD
    assert not (hits[0].name_only_common_tokens and hits[0].entry_type == "person")


def test_bulk_screening_finds_the_slips(idx: ListIndex) -> None:
    names = [t for t, _ in SLIPS]
    out = screen_frame(idx, pl.DataFrame({"qid": list(range(len(names))), "name": names}))
    found: dict[str, set[str]] = {}
    for r in out.iter_rows(named=True):
        found.setdefault(r["name"], set()).add(r["reference"])
    for typed, listed in SLIPS:
        refs = {h.reference for h in idx.match(Query(listed), limit=1, min_score=0.0)}
        assert refs & found.get(typed, set()), typed


def test_common_names_still_do_not_match(idx: ListIndex) -> None:
    # "Salim Saleh" is an alias of a listed person; "Salma Saleh" is another person
    for q in ("Salma Saleh", "Salma Salhe", "Slama Saleh"):
        hits = idx.match(Query(q), limit=5, min_score=0.0)
        strong = [h for h in hits if h.score >= DEFAULT_THRESHOLD and not h.name_only_common_tokens]
        assert not strong, (q, [(h.matched_name, h.score) for h in strong])
