"""goAML STR export: schema-valid for cases of several typologies, indicators, parties."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from test_api_support import seed_world

from engine import cases, store
from engine.errors import Conflict, CtfmonError
from engine.reports import goaml

SHARED_XSD = Path(__file__).parents[2] / "shared" / "fixtures" / "goaml" / "goAMLSchema-5.0.2.xsd"


@pytest.fixture()
def con():
    c = store.connect(":memory:")
    seed_world(c)
    cases.sync_cases(c)
    yield c
    c.close()


def _case(con, subject: str) -> str:
    return con.execute(  # the case holding an alert on the subject (P2 and P4 share one: the cycle)
        "SELECT ca.case_id FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id WHERE a.subject_id = ?",
        [subject]).fetchall()[0][0]


def _doc(con, subject: str) -> etree._Element:
    xml = goaml.export_case(con, _case(con, subject))
    return etree.fromstring(xml)


@pytest.mark.parametrize("subject", ["P1", "P2", "P3", "P4"])  # cash+transfer, graph, declaration, trade
def test_exports_validate(con, subject: str) -> None:
    xml = goaml.export_case(con, _case(con, subject))
    goaml.validate_xml(xml)
    assert b"<report_indicators>" in xml


def test_shipped_schema_is_the_published_one() -> None:
    if not SHARED_XSD.exists():
        pytest.skip("shared/ fixtures not beside the clone")
    assert SHARED_XSD.read_bytes() == goaml.XSD_PATH.read_bytes()


def test_cash_and_transfer_case(con) -> None:
    doc = _doc(con, "P1")
    txs = doc.findall("transaction")
    assert [t.findtext("transactionnumber") for t in txs] == ["TC0", "TC1", "TC2", "TC3", "TW1"]
    dep = txs[0]
    assert dep.findtext("transmode_code") == "BO" and dep.findtext("t_from/from_funds_code") == "CASH"
    assert dep.findtext("t_from/from_person/last_name") == "Yusuf"
    assert dep.findtext("t_to/to_account/account") == "A1"
    assert dep.findtext("amount_local") == "9400.00"
    fc = dep.find("t_from/from_foreign_currency")
    assert fc.findtext("foreign_currency_code") == "SGD" and fc.findtext("foreign_amount") == "12690.00"
    wire = txs[-1]
    assert wire.findtext("transmode_code") == "SWIFT"
    assert wire.findtext("t_to/to_account/institution_code") == "UNKNOWN"  # external account
    assert wire.findtext("t_to/to_account/account_name") == "Omar Haddad"
    assert wire.findtext("t_to/to_country") == "SY"
    assert [i.text for i in doc.findall("report_indicators/indicator")] == ["STRUC", "ML002", "TFFTH", "HRJWT"]
    reason = doc.findtext("reason")
    assert "TF-CASH-01 (score 0.90): 4 cash deposits" in reason and "Amina Yusuf" in reason
    assert doc.find("activity") is None


def test_graph_case_accounts_and_owners(con) -> None:
    doc = _doc(con, "P2")
    assert len(doc.findall("transaction")) == 3
    first = doc.find("transaction")
    assert first.findtext("t_from/from_account/t_entity/name") == "Orchid Trading Pte Ltd"
    # P4 is in P2's cycle and invoiced P2: one network case, so the trade alert's indicators join
    assert [i.text for i in doc.findall("report_indicators/indicator")][0] == "EJEUA"
    assert len(doc.findall("report_indicators/indicator")) == 3


def test_declaration_only_case_uses_activity_with_transliterated_traveller(con) -> None:
    doc = _doc(con, "P3")
    assert doc.findall("transaction") == []
    rp = doc.find("activity/report_parties/report_party")
    assert rp.findtext("person/first_name") == "Abdulla" and rp.findtext("person/last_name").startswith("Ra")
    assert "NOT declared" in rp.findtext("reason") and "EK612" in rp.findtext("reason")
    assert [i.text for i in doc.findall("report_indicators/indicator")] == ["TFSTC", "FCA16", "FCA04"]


def test_unpaid_trade_document_lists_exporter_and_importer(con) -> None:
    doc = _doc(con, "P4")
    parties = doc.findall("activity/report_parties/report_party")
    assert [p.findtext("entity/name") for p in parties] == ["Delta Imports LLC", "Orchid Trading Pte Ltd"]
    assert "no shipment record" in parties[0].findtext("reason")


def test_reporting_entity_from_settings(con, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.config import get_settings

    for k, v in {"RENTITY_ID": "4711", "RENTITY_BRANCH": "SG-HQ", "REPORTING_PERSON_FIRST_NAME": "Lee",
                 "REPORTING_PERSON_LAST_NAME": "Tan", "REPORTING_PERSON_EMAIL": "mlro@example.com",
                 "LOCATION_ADDRESS": "1 Raffles Place", "LOCATION_CITY": "Singapore",
                 "LOCATION_COUNTRY": "SG"}.items():
        monkeypatch.setenv(f"CTFMON_GOAML_{k}", v)
    get_settings.cache_clear()
    doc = _doc(con, "P2")
    assert doc.findtext("rentity_id") == "4711" and doc.findtext("rentity_branch") == "SG-HQ"
    assert doc.findtext("reporting_person/last_name") == "Tan"
    assert doc.findtext("location/city") == "Singapore"


def test_state_gate_and_unknown_case(con) -> None:
    with pytest.raises(Conflict, match="escalated or str_filed"):
        goaml.export_case(con, _case(con, "P1"), require_state=goaml.EXPORTABLE_STATES)
    with pytest.raises(CtfmonError):
        goaml.export_case(con, "NOPE")


def test_indicators_come_from_the_recorded_typology_metadata(con) -> None:
    assert goaml.indicators_for(con, ["TF-CASH-01", "TF-XB-01"]) == ["STRUC", "ML002", "TFFTH", "HRJWT"]
    assert goaml.indicators_for(con, ["UNKNOWN-1"]) == ["SCTFS"]  # no metadata on record: the fallback
    con.execute("UPDATE typology_catalogue SET goaml_indicators = ['NOPE'] WHERE typology_id = 'TF-CASH-01'")
    with pytest.raises(CtfmonError, match="'NOPE' of typologies TF-CASH-01 is not a code of report_indicator_type"):
        goaml.indicators_for(con, ["TF-CASH-01"])


def test_invalid_xml_is_refused() -> None:
    with pytest.raises(CtfmonError, match="not schema-valid"):
        goaml.validate_xml(b"<report><rentity_id>0</rentity_id></report>")


def test_cli_report_and_cases_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    db = tmp_path / "cli.duckdb"
    con = store.connect(db)
    seed_world(con)
    con.close()
    runner = CliRunner()
    r = runner.invoke(app, ["cases", "sync", "--db", str(db)])
    assert r.exit_code == 0 and "3 cases created" in r.output
    r = runner.invoke(app, ["cases", "list", "--db", str(db)])
    assert r.exit_code == 0 and "CASE-0000001" in r.output
    r = runner.invoke(app, ["report", "goaml", "CASE-0000001", "--db", str(db)])
    assert r.exit_code == 2  # still new: STRs are exported for escalated or filed cases
    out = tmp_path / "str.xml"
    r = runner.invoke(app, ["report", "goaml", "CASE-0000001", "--any-state", "--db", str(db), "--out", str(out)])
    assert r.exit_code == 0
    goaml.validate_xml(out.read_bytes())
