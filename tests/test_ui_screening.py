"""The screening page through FastAPI's TestClient: the form (session, CSRF), ranked hits,
a hit's list entry side by side with agreeing and disagreeing features marked, errors in
words, escaping, and the way in from a SAN-01 / SAN-02 alert of a case."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_ui_pages import World, text
from test_ui_support import T0

from engine.screening import lists
from services import scans

LIST_CSV = """reference,name,entry_type,aliases,weak_aliases,original_script,date_of_birth,nationality,document_numbers,program,listed_on,reason
NAT-101,Amina Yusuf,person,Aminah Yusuf,,أمينة يوسف,1990-04-01,PK,A1234567,domestic terrorism,2024-05-01,"Financed a cell; <script>alert(1)</script> & more."
NAT-102,Karim Saleh,person,,,,1971,SY,,domestic terrorism,2024-05-02,Courier for the network.
NAT-103,Amina Yousef,person,,,,1962-01-01,JO,,domestic terrorism,2024-05-03,
NAT-104,Orchid Shipping Company,entity,,,,,,,proliferation,2024-05-04,
"""


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World()
    path = tmp_path / "nat.csv"
    path.write_text(LIST_CSV, encoding="utf-8")
    with world.app.state.db.writing() as con:
        lists.load_list(con, path, list_name="NAT")
    return world


def screen(w: World, role: str = "analyst", **fields: str) -> Any:
    return w.client(role).post("/ui/screening", data={"csrf": w.csrf(role), **fields})


def hits_of(page: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-reference="([^"]+)"', page)


def comparison(page: str) -> dict[str, dict[str, str]]:
    """The side-by-side table: feature -> its query cell, list cell and outcome mark."""
    table = re.search(r'data-testid="comparison">(.*?)</table>', page, re.S).group(1)
    out = {}
    for feature, row in re.findall(r'<tr class="row-\w+" data-feature="(\w+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out[feature] = {"query": text(cells[0]).strip(), "list": text(cells[1]).strip(),
                        "outcome": re.search(r'class="mark mark-(\w+)"', cells[2]).group(1)}
    return out


def test_the_page_needs_a_session_and_the_form_its_csrf_field(w: World) -> None:
    r = w.client("auditor").get("/ui/screening")
    assert r.status_code == 200
    assert 'href="/ui/screening" aria-current="page"' in r.text  # in the main navigation
    assert re.search(r'name="csrf" value="[0-9a-f]{40}"', r.text)
    assert "NAT (4 entries" in text(r.text)
    anon = w.anon.get("/ui/screening")
    assert anon.status_code == 303 and anon.headers["location"].startswith("/ui/login?next=%2Fui%2Fscreening")
    # a post without the session's CSRF value is refused and screens nothing
    r = w.client("analyst").post("/ui/screening", data={"name": "Amina Yusuf", "csrf": "0" * 40})
    assert r.status_code == 403 and "Ranked hits" not in r.text
    assert w.anon.post("/ui/screening", data={"name": "Amina Yusuf"}).status_code == 303


def test_a_name_gives_ranked_hits_and_the_best_entry_side_by_side(w: World) -> None:
    r = screen(w, name="Amina Yusuf", birth_date="1990-04-01", nationality="SG", document_number="A1234567",
               entity_type="person")
    assert r.status_code == 200, r.text[:500]
    refs = hits_of(r.text)
    assert refs[0] == "NAT-101" and "NAT-103" in refs and "NAT-104" not in refs
    page = text(r.text)
    assert "NAT NAT-101: Amina Yusuf" in page and "match" in page
    rows = comparison(r.text)
    assert rows["name"]["outcome"] == "agree" and rows["name"]["query"] == "Amina Yusuf"
    assert rows["birth_date"] == {"query": "1990-04-01", "list": "1990-04-01", "outcome": "agree"}
    assert rows["nationality"] == {"query": "SG", "list": "PK", "outcome": "disagree"}
    assert rows["document"]["outcome"] == "agree" and rows["document"]["list"] == "A1234567"
    assert rows["entry_type"]["outcome"] == "agree"
    # every listed name (the Arabic original too), the particulars and the listing reason
    names = text(re.search(r'data-testid="listed-names">(.*?)</table>', r.text, re.S).group(1))
    assert "Aminah Yusuf" in names and "أمينة يوسف" in names and "original_script" in names
    assert "2024-05-01" in page and "domestic terrorism" in page
    # the reason is shown, escaped: the list's text never runs as markup
    assert "Financed a cell; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in r.text
    assert "<script>alert(1)" not in r.text
    # the query stays in the form
    assert 'name="name" type="text" value="Amina Yusuf"' in r.text
    assert '<option value="person" selected>' in r.text


def test_another_hit_opens_side_by_side_and_a_conflicting_birth_date_disagrees(w: World) -> None:
    r = screen(w, name="Amina Yusuf", birth_date="1990-04-01", show="NAT\nNAT-103")
    assert r.status_code == 200
    assert 'class="chosen" data-reference="NAT-103"' in r.text
    rows = comparison(r.text)
    assert "NAT NAT-103: Amina Yousef" in text(r.text)
    assert rows["birth_date"] == {"query": "1990-04-01", "list": "1962-01-01", "outcome": "disagree"}
    assert rows["nationality"]["outcome"] == "unknown" and rows["document"]["outcome"] == "unknown"
    # the name part by part: the spelling variant is marked with its similarity
    parts = re.search(r'data-testid="name-parts">(.*?)</table>', r.text, re.S).group(1)
    assert re.search(r"<td>amina</td><td>amina</td><td class=\"num\">1.00</td><td><span class=\"mark mark-agree\"", parts)
    assert re.search(r"<td>yusuf</td><td>yousef</td>", parts)
    # an unknown choice falls back to the best hit
    r = screen(w, name="Amina Yusuf", show="NAT\nNOPE")
    assert 'class="chosen" data-reference="NAT-101"' in r.text


def test_bad_input_is_refused_in_words_and_kept_in_the_form(w: World) -> None:
    r = screen(w, name="Amina <b>Yusuf</b>", birth_date="01/04/1990")
    assert r.status_code == 400
    assert "birth date: '01/04/1990' is not YYYY-MM-DD or YYYY" in html.unescape(r.text)
    assert 'value="Amina &lt;b&gt;Yusuf&lt;/b&gt;"' in r.text and "<b>Yusuf" not in r.text
    assert "Ranked hits" not in r.text
    r = screen(w, name="Amina Yusuf", nationality="Atlantis")
    assert r.status_code == 400 and "nationality: unknown country 'Atlantis'" in html.unescape(r.text)
    r = screen(w, name="Amina Yusuf", threshold="high")
    assert r.status_code == 422 and "threshold: 'high' is not a number" in html.unescape(r.text)
    r = screen(w, name="   ")
    assert r.status_code == 400 and "name: empty" in r.text


def test_threshold_decides_the_match_marks_and_no_hits_is_said(w: World) -> None:
    def decisions(page: str) -> list[str]:
        return [text(d).strip() for d in re.findall(r'<td>(<span class="verdict[^>]*>[^<]*</span>)', page)]

    r = screen(w, name="Amina Yusuf", threshold="0.80")
    assert hits_of(r.text) == ["NAT-101", "NAT-103"] and decisions(r.text) == ["match", "below threshold"]
    assert "1 at or above 0.80" in text(r.text)
    assert "only common name tokens agree" in text(r.text)  # both given names are frequent
    r = screen(w, name="Amina Yusuf", threshold="0.9")
    assert decisions(r.text) == ["below threshold", "below threshold"] and "0 at or above 0.90" in text(r.text)
    r = screen(w, name="Zebulon Quartermaine")
    assert r.status_code == 200 and 'data-testid="no-hits"' in r.text and hits_of(r.text) == []


def test_without_a_loaded_list_the_page_says_so() -> None:
    w = World()
    r = w.client("analyst").get("/ui/screening")
    assert "No sanctions list is loaded" in text(r.text)
    r = screen(w, name="Amina Yusuf")
    assert r.status_code == 400 and "no sanctions list loaded" in r.text


def test_an_entry_alone_and_unknown_entries(w: World) -> None:
    r = w.client("analyst").get("/ui/screening/entries/NAT/NAT-102")
    assert r.status_code == 200
    rows = comparison(r.text)
    assert {v["outcome"] for v in rows.values()} == {"unknown"}
    assert "Courier for the network." in r.text and "SY" in rows["nationality"]["list"]
    r = w.client("analyst").get("/ui/screening/entries/NAT/NAT-999")
    assert r.status_code == 404 and "no entry 'NAT-999' in the active version of list 'NAT'" in html.unescape(r.text)


def test_a_san_alert_of_a_case_links_to_its_entry_side_by_side(w: World, tmp_path: Path) -> None:
    second = tmp_path / "nat2.csv"
    second.write_text(LIST_CSV.splitlines()[0] + "\nNAT2-1,Temur Ruzmetov,person,,,,1980,UZ,,domestic terrorism,"
                      "2024-05-05,\n", encoding="utf-8")
    with w.app.state.db.writing() as con:
        lists.load_list(con, second, list_name="NAT2")
        # A payment from an account not on file, in a listed name (SAN-02's subject is the
        # customer paid: P1). Karim Saleh's payment is SAN-01's: he is a party on file, and his
        # name is made of common names only.
        con.execute(
            "INSERT INTO transactions (txn_id, timestamp, channel, from_account, to_account, amount, currency, "
            "amount_base, originator_name, originator_country, _batch_id) VALUES "
            "('TW9', ?, 'wire', 'X7', 'A1', 7000, 'USD', 7000, 'Temur Ruzmetov', 'UZ', 1)",
            [T0 + timedelta(days=3)])
        scans.run_scan(con, w.app.state.catalogue, actor="test", triggered_by="test", as_of=T0.date().replace(day=20),
                       lookback_days=30, typology_ids=["SAN-01", "SAN-02"])
        san = {r[0]: r[1:] for r in con.execute(
            "SELECT subject_id, alert_id, typology_id FROM alerts WHERE typology_id LIKE 'SAN-%' "
            "AND subject_id IN ('P1', 'P6') AND typology_id = 'SAN-01'").fetchall()}
        pay = con.execute("SELECT alert_id FROM alerts WHERE typology_id = 'SAN-02' AND subject_id = 'P1'").fetchone()
    assert set(san) == {"P1", "P6"} and pay is not None
    c = w.client("analyst")
    # the case of P1 (the structuring case) now holds the SAN-01 alert and links to the view
    case = c.get(f"/ui/cases/{w.ids['structuring']}")
    link = f'href="/ui/screening/alerts/{san["P1"][0]}"'
    assert link in case.text
    r = c.get(f"/ui/screening/alerts/{san['P1'][0]}")
    assert r.status_code == 200, r.text[:500]
    page = text(r.text)
    assert "SAN-01 hit side by side" in page and w.ids["structuring"] in page
    rows = comparison(r.text)
    # the party's own particulars are the query: born 1990-04-01, SG, id S9012345A, a person
    assert rows["name"]["query"] == "Amina Yusuf" and rows["name"]["outcome"] == "agree"
    assert rows["birth_date"]["outcome"] == "agree"
    assert rows["nationality"] == {"query": "SG", "list": "PK", "outcome": "disagree"}
    assert rows["document"]["query"] == "S9012345A" and rows["document"]["outcome"] == "unknown"
    assert rows["entry_type"]["outcome"] == "agree"
    # a payment hit compares the name alone (the message carries nothing else)
    r = c.get(f"/ui/screening/alerts/{pay[0]}")
    rows = comparison(r.text)
    assert r.status_code == 200 and rows["name"]["query"] == "Temur Ruzmetov" and rows["name"]["outcome"] == "agree"
    assert rows["birth_date"]["outcome"] == rows["nationality"]["outcome"] == "unknown"
    # not a screening alert, an unknown alert, an entry the alert does not name
    other = c.get("/ui/screening/alerts/AL-CASH")
    assert other.status_code == 404 and "only SAN-01 and SAN-02 alerts name a sanctions list entry" in other.text
    assert c.get("/ui/screening/alerts/AL-NOPE").status_code == 404
    r = c.get(f"/ui/screening/alerts/{san['P1'][0]}?entry=7")
    assert r.status_code == 404 and "this alert names" in r.text
    assert w.anon.get(f"/ui/screening/alerts/{san['P1'][0]}").status_code == 303
