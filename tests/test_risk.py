"""Party risk rating: factor arithmetic, the weights file, history, the API and the queue sort."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from test_api_support import Clients, add_alert
from typo_fixtures import T0, account, days, db, party, txn

from engine import risk
from engine.errors import CtfmonError
from engine.risk import FACTORS


def _weights(**factor_weights: float) -> dict[str, Any]:
    """The shipped weights as a mapping, every factor at 0 except those given."""
    data = yaml.safe_load(risk.WEIGHTS_FILE.read_text())
    for name in FACTORS:
        data["factors"][name]["weight"] = factor_weights.get(name, 0)
    data["overrides"] = []
    return data


def _contrib(con, party_id: str) -> tuple[float, str, dict[str, dict[str, Any]]]:
    r = risk.current_rating(con, party_id)
    assert r is not None
    return r["score"], r["tier"], {c["factor"]: c for c in r["contributions"]}


def test_factor_arithmetic_on_handmade_parties() -> None:
    con = db()
    party(con, "NPO", "npo", country="IR", npo_purpose="humanitarian", npo_operating_countries=["SO", "FR"])
    account(con, "A-NPO", "NPO", "npo", country="IR")
    party(con, "IND", "individual", country="US")
    account(con, "A-IND", "IND")
    account(con, "A-IND2", "IND", "savings")
    # NPO: 1,000 cash in, 3,000 wired to France -> cash share 1000/4000 = 0.25
    txn(con, "T1", T0, "cash_deposit", 1000, to_account="A-NPO", location_country="IR")
    txn(con, "T2", T0 + days(1), "wire", 3000, "A-NPO", "X-FR", beneficiary_country="FR")
    # IND: own-account transfer (left out) and nothing else
    txn(con, "T3", T0 + days(2), "internal", 5000, "A-IND", "A-IND2")
    w = risk.parse_weights(_weights(party_type=1, residence=1, cash_intensity=2, npo_operations=0))
    run = risk.rate_parties(con, w)
    assert run.parties == 2 and run.changed == 2
    score, _tier, c = _contrib(con, "NPO")
    # 100 / sum of weights (4) = 25 points per unit of weight x level
    assert c["party_type"] == {"factor": "party_type", "observed": "npo (humanitarian)", "value": 1.0,
                               "weight": 1.0, "points": 25.0}
    assert c["residence"]["value"] == 1.0 and c["residence"]["points"] == 25.0  # IR: call for action, 1.0
    assert "fatf_call_for_action" in c["residence"]["observed"]
    assert c["cash_intensity"]["value"] == 0.5 and c["cash_intensity"]["points"] == 25.0  # 0.25 / 0.5
    assert c["cash_intensity"]["observed"] == "25.0% of turnover"
    assert set(c) == {"party_type", "residence", "cash_intensity"}  # weight-0 factors are not listed
    assert score == 75.0
    score, tier, c = _contrib(con, "IND")
    assert c["party_type"]["points"] == 5.0 and c["cash_intensity"]["value"] == 0.0  # no outside turnover
    assert c["residence"]["observed"] == "US (not listed)"
    assert (score, tier) == (5.0, "low")
    # NPO operations: SO is a conflict zone (0.9), France is not listed
    w = risk.parse_weights(_weights(npo_operations=1))
    risk.rate_parties(con, w)
    score, _tier, c = _contrib(con, "NPO")
    assert c["npo_operations"]["value"] == 0.9 and c["npo_operations"]["observed"] == "SO (conflict_zone)"
    assert score == 90.0
    assert _contrib(con, "IND")[2]["npo_operations"]["observed"] == "not an NPO"


def test_pass_through_corridors_and_history_factors() -> None:
    con = db()
    party(con, "P", country="US")
    account(con, "A", "P")
    txn(con, "IN", T0, "domestic_transfer", 10_000, "X1", "A")
    txn(con, "OUT", T0 + days(1), "wire", 9_000, "A", "X2", beneficiary_country="SO")
    party(con, "Q", country="US")
    account(con, "B", "Q")
    txn(con, "QIN", T0, "domestic_transfer", 2_000, "X1", "B")  # under min_inflow
    txn(con, "QOUT", T0, "domestic_transfer", 2_000, "B", "X3")
    w = risk.parse_weights(_weights(pass_through=1, high_risk_corridors=1, cross_border=1))
    risk.rate_parties(con, w)
    _s, _t, c = _contrib(con, "P")
    assert c["pass_through"]["value"] == 1.0  # 90% out within 72 h, saturates at 80%
    assert c["pass_through"]["observed"].startswith("90.0% of inflows 10000")
    # 9,000 of 19,000 turnover to SO (weight 0.9): 0.426 weighted share, saturates at 0.2
    assert c["high_risk_corridors"]["value"] == 1.0 and c["high_risk_corridors"]["observed"].endswith("mostly SO")
    assert c["cross_border"]["value"] == pytest.approx(round(9000 / 19000 / 0.5, 4))
    assert _contrib(con, "Q")[2]["pass_through"]["value"] == 0.0
    assert "under the 5000 counted" in _contrib(con, "Q")[2]["pass_through"]["observed"]


def test_alerts_cases_sanctions_and_overrides() -> None:
    con = db()
    for p in ("P1", "P2", "P3"):
        party(con, p)
    add_alert(con, "AL1", "TF-CASH-01", "P1", 0.8)
    add_alert(con, "AL2", "SAN-01", "P2", 0.95)
    add_alert(con, "AL3", "ML-NET-06", "P3", 0.7)
    data = _weights(alert_history=1, sanctions_match=1, network_exposure=1, case_history=1)
    data["overrides"] = [{"factor": "sanctions_match", "at_least": 0.9, "tier": "high"},
                         {"factor": "case_history", "at_least": 1.0, "tier": "high"}]
    w = risk.parse_weights(data)
    risk.rate_parties(con, w)
    score, tier, c = _contrib(con, "P1")
    # TF-CASH-01 with no recorded case weight: the default weight
    from engine.detect.typology import DEFAULT_CASE_WEIGHT

    assert c["alert_history"]["value"] == pytest.approx(round(0.8 * DEFAULT_CASE_WEIGHT, 4))
    assert c["alert_history"]["observed"] == "TF-CASH-01 0.80"
    assert c["sanctions_match"]["value"] == 0.0
    score, tier, c = _contrib(con, "P2")
    assert c["sanctions_match"]["value"] == 0.95 and c["alert_history"]["value"] == 0.0  # own factor only
    assert score == pytest.approx(23.8, abs=0.05) and tier == "high"  # below the cut-off, raised by override
    reason = con.execute("SELECT tier_reason FROM party_risk_current WHERE party_id = 'P2'").fetchall()[0][0]
    assert reason == "high by override: sanctions_match 0.95 >= 0.9"
    assert _contrib(con, "P3")[2]["network_exposure"]["value"] == 0.7
    # the alert's case closed as a false positive: the alert no longer counts; an STR filed does
    from engine import cases

    cases.sync_cases(con)
    con.execute("UPDATE cases SET state = 'closed_false_positive' WHERE subject_id = 'P2'")
    con.execute("UPDATE cases SET state = 'str_filed' WHERE subject_id = 'P1'")
    risk.rate_parties(con, w)
    assert _contrib(con, "P2")[1] == "low"
    # an override on a factor that adds no points still sets the tier
    data["factors"]["sanctions_match"]["weight"] = 0
    risk.rate_parties(con, risk.parse_weights(data))
    con.execute("UPDATE cases SET state = 'new' WHERE subject_id = 'P2'")
    risk.rate_parties(con, risk.parse_weights(data))
    score, tier, c = _contrib(con, "P2")
    assert "sanctions_match" not in c and tier == "high"
    score, tier, c = _contrib(con, "P1")
    assert c["case_history"]["value"] == 1.0 and c["case_history"]["observed"].startswith("str_filed CASE-")
    assert tier == "high"


def test_shipped_weights_explain_every_factor_and_points_add_up() -> None:
    con = db()
    party(con, "P", "npo", country="SO", is_pep=True, risk_rating="high")
    account(con, "A", "P", "npo", country="SO")
    txn(con, "T", T0, "cash_deposit", 5000, to_account="A")
    w = risk.load_weights()
    risk.rate_parties(con, w)
    score, tier, c = _contrib(con, "P")
    assert set(c) == set(FACTORS)
    assert sum(x["points"] for x in c.values()) == pytest.approx(score, abs=0.1)
    for x in c.values():
        assert x["points"] == pytest.approx(x["value"] * x["weight"] * 100 / w.total_weight, abs=0.01)
    assert c["pep"]["observed"] == "yes" and tier in ("medium", "high")


# --------------------------------------------------------------------------- the weights file
@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["factors"]["cash_intensity"].update(weight=-1),
     "factors.cash_intensity.weight: Input should be greater than or equal to 0 (got -1)"),
    (lambda d: d["factors"].pop("pep"), "factors.pep: missing"),
    (lambda d: d["factors"].update(shoe_size={"weight": 1}), "factors.shoe_size: unknown field"),
    (lambda d: d["tiers"].update(medium=50, high=30), "tiers: medium cut-off (50) must be below high (30)"),
    (lambda d: d["factors"]["party_type"]["levels"].pop("npo"), "factors.party_type.levels: missing level for npo"),
    (lambda d: d["factors"]["case_history"]["levels"].update(str_filed=2),
     "level of 'str_filed' must be between 0 and 1"),
    (lambda d: d["overrides"].append({"factor": "nope", "at_least": 1, "tier": "high"}), "overrides.3.factor"),
    (lambda d: d.pop("version"), "version: missing"),
    (lambda d: [f.update(weight=0) for f in d["factors"].values()], "every factor weight is 0"),
    (lambda d: d["factors"]["pass_through"].update(saturate_at=0), "factors.pass_through.saturate_at"),
])
def test_weights_file_errors_name_the_field(tmp_path, change, expected) -> None:
    data = yaml.safe_load(risk.WEIGHTS_FILE.read_text())
    change(data)
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CtfmonError) as exc:
        risk.load_weights(path)
    assert str(path) in exc.value.message and expected in exc.value.message


def test_weights_file_unreadable_or_not_yaml(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nfactors: [unclosed\n")
    with pytest.raises(CtfmonError, match=r"not valid YAML at line \d"):
        risk.load_weights(bad)
    bad.write_text("- a list\n")
    with pytest.raises(CtfmonError, match="expected a mapping"):
        risk.load_weights(bad)
    monkeypatch.setenv("CTFMON_RISK_WEIGHTS_FILE", str(tmp_path / "missing.yaml"))
    from engine.config import get_settings

    get_settings.cache_clear()
    with pytest.raises(CtfmonError, match="cannot read risk weights file .*missing.yaml"):
        risk.load_weights()


def test_shipped_weights_are_valid() -> None:
    w = risk.load_weights()
    assert w.version and w.tiers.medium < w.tiers.high
    assert w.factors.case_history.levels["str_filed"] == max(w.factors.case_history.levels.values())


# --------------------------------------------------------------------------- history
def test_history_kept_across_ratings() -> None:
    con = db()
    party(con, "P1")
    party(con, "P2")
    first = risk.rate_parties(con)
    assert first.changed == 2
    again = risk.rate_parties(con)
    assert again.changed == 0  # nothing changed: no new history rows
    add_alert(con, "AL1", "TF-CASH-01", "P1", 0.9)
    third = risk.rate_parties(con)
    assert third.changed == 1
    out = risk.party_risk(con, "P1")
    assert [h["run_id"] for h in out["history"]] == [third.run_id, first.run_id]  # newest first
    assert out["history"][0]["score"] > out["history"][1]["score"]
    assert out["current"]["run_id"] == third.run_id and out["current"]["score"] == out["history"][0]["score"]
    assert len(risk.party_risk(con, "P2")["history"]) == 1
    assert risk.party_risk(con, "P2")["current"]["run_id"] == third.run_id  # current is re-stamped each run
    # a new weights version gives every party a new history row
    data = yaml.safe_load(risk.WEIGHTS_FILE.read_text())
    data["version"] = "test-2"
    fourth = risk.rate_parties(con, risk.parse_weights(data))
    assert fourth.changed == 2
    assert risk.party_risk(con, "P2")["history"][0]["weights_version"] == "test-2"
    runs = con.execute("SELECT count(*) FROM party_risk_runs").fetchall()[0][0]
    assert runs == 4
    with pytest.raises(CtfmonError, match="no party 'NOPE'"):
        risk.party_risk(con, "NOPE")


def test_scan_rates_parties_when_it_finishes() -> None:
    from services import scans
    from typologies import registry

    con = db()
    party(con, "P1")
    account(con, "A1", "P1")
    for i in range(4):
        txn(con, f"C{i}", T0 + days(i), "cash_deposit", 9500, to_account="A1")
    out = scans.run_scan(con, registry.catalogue(), actor="tester", triggered_by="cli",
                         typology_ids=["TF-CASH-01"])
    assert out.cases.cases_created == 1
    runs = con.execute("SELECT triggered_by, parties FROM party_risk_runs").fetchall()
    assert runs == [(f"scan {out.result.scan_id}", 1)]
    # the rating saw the scan's alert
    hist = {c["factor"]: c for c in risk.current_rating(con, "P1")["contributions"]}["alert_history"]
    assert hist["observed"].startswith("TF-CASH-01")


def test_a_bad_weights_file_does_not_fail_the_scan(tmp_path, monkeypatch, caplog) -> None:
    from engine.config import get_settings
    from services import scans
    from typologies import registry

    bad = tmp_path / "w.yaml"
    bad.write_text("version: 1\n")
    monkeypatch.setenv("CTFMON_RISK_WEIGHTS_FILE", str(bad))
    get_settings.cache_clear()
    con = db()
    party(con, "P1")
    out = scans.run_scan(con, registry.catalogue(), actor="tester", triggered_by="cli",
                         typology_ids=["TF-CASH-01"])
    assert out.result.status == "completed"
    assert con.execute("SELECT count(*) FROM party_risk_runs").fetchall()[0][0] == 0
    assert any("party risk rating after scan" in r.message and "as_of: missing" in r.message
               for r in caplog.records)


# --------------------------------------------------------------------------- API and pages
@pytest.fixture()
def c() -> Clients:
    return Clients()


def test_api_party_risk_and_404(c: Clients) -> None:
    assert c["analyst"].get("/parties/P1/risk").json()["current"] is None  # not rated yet
    with c.db.writing() as con:
        risk.rate_parties(con)
    r = c["auditor"].get("/parties/P1/risk")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Amina Yusuf" and len(body["history"]) == 1
    cur = body["current"]
    assert cur["tier"] in ("low", "medium", "high") and cur["rated_at"].endswith("Z")
    points = [x["points"] for x in cur["contributions"]]
    assert points == sorted(points, reverse=True) and sum(points) == pytest.approx(cur["score"], abs=0.1)
    r = c["analyst"].get("/parties/NO-SUCH-PARTY/risk")
    assert r.status_code == 404 and r.json() == {"detail": "no party 'NO-SUCH-PARTY'"}
    assert c.anon.get("/parties/P1/risk").status_code == 401


def test_queue_sorts_by_party_risk(c: Clients) -> None:
    with c.db.writing() as con:
        risk.rate_parties(con)
        # raise P4 (the weakest open case): an STR filed on an earlier case of it
        con.execute("INSERT INTO cases VALUES ('CASE-OLD', 'party', 'P4', 'str_filed', 0.1, 1, [], NULL, "
                    "now(), now(), now(), now())")
        risk.rate_parties(con)
    items = c["analyst"].get("/cases", params={"sort": "party_risk", "state": "new"}).json()["items"]
    tiers = [x["party_risk_tier"] for x in items]
    rank = {"high": 2, "medium": 1, "low": 0, None: -1}
    keys = [(rank[x["party_risk_tier"]], x["party_risk_score"] or -1) for x in items]
    assert keys == sorted(keys, reverse=True)
    # P4 shares P2's network case; an STR was filed on P4 before, so that case ranks by P4's tier
    assert [x["subject_id"] for x in items] == ["P1", "P2", "P3"]
    assert tiers == ["high", "high", "medium"]
    by_case_risk = c["analyst"].get("/cases", params={"state": "new"}).json()["items"]
    assert [x["subject_id"] for x in by_case_risk] == ["P1", "P2", "P3"]  # the default order
    assert c["analyst"].get("/cases", params={"sort": "nonsense"}).status_code == 422
    p4 = c["analyst"].get("/parties/P4/risk").json()["current"]  # P4 is not its case's primary subject
    assert p4["tier"] == "high" and items[1]["party_risk_score"] == p4["score"]
    hist = {x["factor"]: x for x in p4["contributions"]}["case_history"]
    assert hist["observed"] == "str_filed CASE-OLD" and hist["value"] == 1.0


def test_pages_show_party_risk(c: Clients) -> None:
    from fastapi.testclient import TestClient

    from api.ui.session import COOKIE
    from engine import auth

    with c.db.writing() as con:
        risk.rate_parties(con)
        session_id = auth.start_session(con, c.tokens["analyst"], hours=1)[0]
    ui = TestClient(c.app, follow_redirects=False)
    ui.cookies.set(COOKIE, session_id)
    q = ui.get("/ui/cases", params={"sort": "party_risk"})
    assert q.status_code == 200 and "Party risk" in q.text and 'data-testid="party-tier"' in q.text
    assert "highest party risk first" in q.text
    page = ui.get(f"/ui/cases/{c.case_of('P1')}")
    assert 'data-testid="party-risk-contributions"' in page.text and "/ui/parties/P1" in page.text
    party_page = ui.get("/ui/parties/P1")
    assert party_page.status_code == 200
    assert 'data-testid="party-risk-history"' in party_page.text and "Amina Yusuf" in party_page.text
    assert ui.get("/ui/parties/NOPE").status_code == 404


# --------------------------------------------------------------------------- command line
def test_cli_rate_show_and_bad_weights(tmp_path) -> None:
    from test_api_support import seed_world
    from typer.testing import CliRunner

    from cli.main import app
    from engine import store

    runner = CliRunner()

    def flat(result) -> str:  # the console wraps long lines
        return " ".join(result.output.split())
    path = tmp_path / "r.duckdb"
    with store.connect(path) as con:
        seed_world(con)
    r = runner.invoke(app, ["risk", "show", "P1", "--db", str(path)])
    assert r.exit_code == 0 and "not rated yet" in flat(r)
    r = runner.invoke(app, ["--as", "mlro", "risk", "rate", "--db", str(path)])
    assert r.exit_code == 0, r.output
    assert "5 parties rated with weights" in flat(r) and "5 new or changed" in flat(r)
    r = runner.invoke(app, ["risk", "show", "P1", "--db", str(path), "--json"])
    body = json.loads(r.output)
    assert r.exit_code == 0 and body["current"]["party_id"] == "P1" and len(body["history"]) == 1
    r = runner.invoke(app, ["risk", "show", "P1", "--db", str(path)])
    assert "contributions" in flat(r) and "cash_intensity" in flat(r) and "history (1 shown)" in flat(r)
    with store.connect(path, read_only=True) as con:
        entry = con.execute("SELECT actor, action FROM audit_log WHERE action = 'risk.rate'").fetchall()
    assert entry == [("mlro", "risk.rate")]
    bad = tmp_path / "w.yaml"
    data = yaml.safe_load(risk.WEIGHTS_FILE.read_text())
    data["tiers"]["high"] = 500
    bad.write_text(yaml.safe_dump(data))
    r = runner.invoke(app, ["risk", "rate", "--db", str(path), "--weights", str(bad)])
    assert r.exit_code == 2 and "tiers.high: Input should be less than or equal to 100 (got 500)" in flat(r)
    with store.connect(path, read_only=True) as con:  # nothing written by the refused run
        assert con.execute("SELECT count(*) FROM party_risk_runs").fetchall()[0][0] == 1
    r = runner.invoke(app, ["risk", "weights", str(bad)])
    assert r.exit_code == 2 and "tiers.high" in flat(r)
    assert runner.invoke(app, ["risk", "weights"]).exit_code == 0
    r = runner.invoke(app, ["risk", "show", "NOPE", "--db", str(path)])
    assert r.exit_code == 2 and "no party 'NOPE'" in flat(r)
    r = runner.invoke(app, ["risk", "show", "P1", "--db", str(tmp_path / "missing.duckdb")])
    assert r.exit_code == 2 and "no database at" in flat(r)
    assert not (tmp_path / "missing.duckdb").exists()
