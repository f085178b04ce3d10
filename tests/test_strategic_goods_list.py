"""The shipped strategic-goods watch list (TF-TBML-04, engine/reference/strategic_goods_hs.csv),
read as a plain CSV, independently of the loader: every row is an HS 2022 heading or
subheading whose description is the heading's, with a control basis, a named source and a
dated version, and no row duplicates or overlaps another."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest

FILE = Path(__file__).resolve().parents[1] / "engine" / "reference" / "strategic_goods_hs.csv"

#: HS 2022 headings of the rows, each with words its heading text has (WCO nomenclature)
HEADINGS = {
    "2811": "hydrogen fluoride", "2812": "phosph", "2844": "radioactive", "2845": "heavy water",
    "3602": "explosives", "3603": "detonat", "8401": "nuclear reactors", "8412": "reaction engines",
    "8414": "vacuum pumps", "8457": "machining centres", "8458": "lathes", "8459": "milling",
    "8517": "transmission", "8526": "radar|radio navigational", "8542": "integrated circuits",
    "8806": "unmanned aircraft", "9013": "lasers", "9301": "military weapons", "9306": "bombs",
}
#: the publications a row's source may start with, and the as_of a row citing it carries: the
#: publication's version date where it has one, else the date the row was compiled
COMPILED = date(2026, 12, 2)
SOURCES = {
    "Common High Priority List": date(2024, 2, 23),
    "HS 2022 (WCO)": date(2022, 1, 1),
    "Regulation (EU) 2021/821 Annex I": COMPILED,
    "Common Military List of the European Union": COMPILED,
}


def _rows() -> list[dict[str, str]]:
    text = "".join(line for line in FILE.read_text(encoding="utf-8").splitlines(keepends=True)
                   if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(text)))


ROWS = _rows()


def test_the_file_has_its_columns_and_rows() -> None:
    assert list(ROWS[0]) == ["hs_code", "description", "basis", "source", "as_of"]
    assert len(ROWS) >= 20


@pytest.mark.parametrize("row", ROWS, ids=[r["hs_code"] for r in ROWS])
def test_each_row_is_a_dated_sourced_hs_heading_or_subheading(row: dict[str, str]) -> None:
    code = row["hs_code"]
    assert re.fullmatch(r"\d{4}(\d{2})?", code), "4-digit heading or 6-digit subheading"
    assert 1 <= int(code[:2]) <= 97 and code[:2] != "77", "an HS chapter"  # chapter 77 is reserved
    assert code[2:4] != "00", "a heading, not a chapter"
    words = HEADINGS.get(code[:4])
    assert words, f"heading {code[:4]} of {code} is not one the test knows; add it with its HS text"
    assert re.search(words, row["description"], re.IGNORECASE), f"{code}: description is not heading {code[:4]}'s"
    assert row["basis"].strip() and row["description"].strip()
    cited = [s for s in SOURCES if row["source"].startswith(s)]
    assert cited, f"{code}: source {row['source']!r} does not name one of the known publications"
    assert date.fromisoformat(row["as_of"]) == SOURCES[cited[0]], f"{code}: as_of is not its source's version date"


def test_no_row_duplicates_or_overlaps_another() -> None:
    codes = [r["hs_code"] for r in ROWS]
    assert len(codes) == len(set(codes))
    headings = {c for c in codes if len(c) == 4}
    covered = [c for c in codes if len(c) == 6 and c[:4] in headings]
    assert covered == [], "a subheading listed under a heading already on the list"
