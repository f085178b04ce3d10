"""No stored value can stop an STR: control characters, any Unicode, implausible dates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_api_support import Clients, seed_world

from engine import cases, store
from engine.reports import goaml

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def con():
    c = store.connect(":memory:")
    seed_world(c)
    cases.sync_cases(c)
    yield c
    c.close()


def _case(con, subject: str) -> str:  # type: ignore[no-untyped-def]
    return con.execute("SELECT case_id FROM cases WHERE subject_id = ?", [subject]).fetchall()[0][0]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=ANY_TEXT, reference=ANY_TEXT, beneficiary=ANY_TEXT, occupation=ANY_TEXT)
def test_any_stored_text_exports_schema_valid(con, name: str, reference: str, beneficiary: str,
                                              occupation: str) -> None:
    con.execute("UPDATE parties SET name = ?, occupation = ?, id_number = ? WHERE party_id = 'P1'",
                [name, occupation, reference])
    con.execute("UPDATE transactions SET reference = ?, beneficiary_name = ?, location_city = ? WHERE txn_id = 'TW1'",
                [reference, beneficiary, name])
    xml = goaml.export_case(con, _case(con, "P1"))  # validated against the XSD inside
    doc = etree.fromstring(xml)
    assert doc.find("transaction") is not None


def test_control_characters_in_a_party_name_do_not_block_the_api_export() -> None:
    c = Clients()
    with c.db.writing() as con:
        con.execute("UPDATE parties SET name = 'Amina\x00 Yu\x07suf\x1b' WHERE party_id = 'P1'")
        con.execute("UPDATE transactions SET reference = 'rent\x0b\x1f march' WHERE txn_id = 'TW1'")
    cid = c.case_of("P1")
    for to in ("in_review", "escalated"):
        assert c["supervisor"].post(f"/cases/{cid}/transition", json={"to": to, "reason": "escalation reason"}).status_code == 200
    r = c["supervisor"].get(f"/reports/goaml/{cid}")
    assert r.status_code == 200, r.text
    doc = etree.fromstring(r.content)
    goaml.validate_xml(r.content)
    names = {(p.findtext("first_name"), p.findtext("last_name")) for p in doc.iter("t_person")}
    assert ("Amina", "Yusuf") in names  # dropped from names, not turned into a word break
    assert "rent\ufffd\ufffd march" in r.text  # free text keeps a visible mark where a character was


def test_an_implausible_stored_date_does_not_block_the_export(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("UPDATE accounts SET opened_on = DATE '0000-01-01' WHERE account_id = 'A1'")
    con.execute("UPDATE parties SET date_of_birth = DATE '10000-01-01' WHERE party_id = 'P1'")
    try:
        doc = etree.fromstring(goaml.export_case(con, _case(con, "P1")))
        assert doc.find(".//birthdate") is None  # read as missing
    finally:
        con.execute("UPDATE accounts SET opened_on = DATE '2020-01-01' WHERE account_id = 'A1'")
        con.execute("UPDATE parties SET date_of_birth = DATE '1990-04-01' WHERE party_id = 'P1'")
