"""The keyed audit chain: edits, deletions, truncation, forged rows and forged checkpoints are
found and named; older logs are sealed on migration; the key lives outside the database."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import datetime
from pathlib import Path

import pytest
from test_api_support import Clients
from typer.testing import CliRunner

from cli.main import app
from engine import audit, auth, store
from engine.config import get_settings
from engine.errors import CtfmonError

runner = CliRunner()


def _actions(con, n: int = 3) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        auth.add_user(con, f"user{i}", "analyst", actor="admin")


@pytest.fixture()
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "a.duckdb"
    with store.connect(path) as con:
        _actions(con, 5)
    return path


def _verify(path: Path) -> audit.ChainReport:
    with store.connect(path, read_only=True) as con:
        return audit.verify(con)


def test_an_untouched_log_is_intact_and_the_key_is_a_private_file(dbfile: Path) -> None:
    r = _verify(dbfile)
    assert r.intact and r.entries == 5 and r.head_seq == 5
    key = dbfile.with_name(dbfile.name + ".audit-key")
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    out = runner.invoke(app, ["audit", "verify", "--db", str(dbfile)])
    assert out.exit_code == 0 and "audit log intact: 5 entries (last seq 5" in out.output


def test_truncating_the_last_entries_is_found(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        con.execute("DELETE FROM audit_log WHERE seq > 3")
    r = _verify(dbfile)
    assert not r.intact
    assert r.problems == ["the log ends at seq 3 but the checkpoint records seq 5: the last 2 entries were removed"]
    out = runner.invoke(app, ["audit", "verify", "--db", str(dbfile)])
    assert out.exit_code == 1 and "the last 2 entries were removed" in out.output


def test_an_edit_with_the_plain_hash_chain_recomputed_is_found(dbfile: Path) -> None:
    """What defeated the old SHA-256 chain: change a row and recompute every hash after it."""
    with store.connect(dbfile) as con:
        con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        rows = con.execute(
            "SELECT audit_id, occurred_at, actor, action, object_type, object_id, CAST(before_state AS VARCHAR), "
            "CAST(after_state AS VARCHAR) FROM audit_log ORDER BY seq").fetchall()
        prev = "0" * 64
        for r in rows:
            payload = "\x1f".join([prev, r[1].isoformat(), r[2], r[3], r[4], r[5], r[6] or "", r[7] or ""])
            h = hashlib.sha256(payload.encode()).hexdigest()
            con.execute("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE audit_id = ?", [prev, h, r[0]])
            prev = h
    r = _verify(dbfile)
    assert not r.intact and r.first_bad_audit_id is not None
    assert any("(seq 2): its content does not match its seal" in p for p in r.problems)


def test_an_appended_forged_row_is_found(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        last = con.execute("SELECT entry_hash FROM audit_log WHERE seq = 5").fetchone()[0]
        con.execute(
            "INSERT INTO audit_log VALUES (999, now(), 'admin', 'user.add', 'user', 'ghost', NULL, "
            "'{\"role\": \"admin\"}', ?, ?, 6)", [last, hashlib.sha256(b"forged").hexdigest()])
    problems = _verify(dbfile).problems
    assert any("entry 999 (seq 6): its content does not match its seal" in p for p in problems)
    assert "entries after the checkpoint (seq 6 .. 6) were added outside ctfmon" in problems


def test_deleted_rows_and_a_forged_checkpoint_are_found(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    assert any("seq 2 missing" in p and "1 entry deleted" in p for p in _verify(dbfile).problems)
    with store.connect(dbfile) as con:
        con.execute("DELETE FROM audit_log WHERE seq >= 4")
        con.execute("UPDATE audit_checkpoint SET seq = 3, head = (SELECT entry_hash FROM audit_log WHERE seq = 3)")
    assert "the checkpoint does not carry a valid seal (forged or edited)" in _verify(dbfile).problems
    with store.connect(dbfile) as con:
        con.execute("DELETE FROM audit_checkpoint")
    assert any("checkpoint is missing" in p for p in _verify(dbfile).problems)


def test_an_append_after_a_truncation_keeps_it_visible(dbfile: Path) -> None:
    with store.connect(dbfile) as con:
        con.execute("DELETE FROM audit_log WHERE seq > 3")
        auth.add_user(con, "after", "auditor", actor="admin")  # the next change, unaware
        seqs = [r[0] for r in con.execute("SELECT seq FROM audit_log ORDER BY seq").fetchall()]
    assert seqs == [1, 2, 3, 6, 7]  # numbering continues after the checkpoint
    problems = _verify(dbfile).problems
    assert any("seq 4 .. 5 missing" in p for p in problems)
    assert any("records that the log was found altered" in p and "checkpoint records seq 5" in p for p in problems)


def test_the_api_reports_the_problems() -> None:
    c = Clients(seed=False)
    ok = c["auditor"].get("/audit", params={"verify": True}).json()
    assert ok["chain_intact"] is True and ok["chain"]["problems"] == []
    with c.db.writing() as con:
        con.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    body = c["auditor"].get("/audit", params={"verify": True}).json()
    assert body["chain_intact"] is False
    assert "the last 1 entry was removed" in body["chain"]["problems"][0]


def test_a_missing_key_is_never_replaced_silently(dbfile: Path) -> None:
    key = dbfile.with_name(dbfile.name + ".audit-key")
    saved = key.read_text()
    key.unlink()
    with store.connect(dbfile) as con, pytest.raises(CtfmonError, match="no audit key at .*restore the file"):
        auth.add_user(con, "x", "analyst", actor="admin")
    out = runner.invoke(app, ["audit", "verify", "--db", str(dbfile)])
    assert out.exit_code == 2 and "no audit key" in out.output
    key.write_text(saved)
    key.chmod(0o600)
    assert _verify(dbfile).intact


def test_verifying_with_another_key_says_so(dbfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTFMON_AUDIT_KEY", "k" * 40)
    get_settings.cache_clear()
    problems = _verify(dbfile).problems
    assert len(problems) == 1 and "not with the key in use" in problems[0]


def test_the_key_can_come_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTFMON_AUDIT_KEY", "a-long-secret-from-the-vault-0123456789")
    get_settings.cache_clear()
    path = tmp_path / "s.duckdb"
    with store.connect(path) as con:
        _actions(con)
        assert audit.verify(con).intact
    assert not path.with_name(path.name + ".audit-key").exists()
    monkeypatch.setenv("CTFMON_AUDIT_KEY", "short")
    get_settings.cache_clear()
    with store.connect(path) as con, pytest.raises(CtfmonError, match="too short"):
        audit.verify(con)


def _legacy_db(path: Path, *, break_it: bool = False) -> None:
    """A database as the version before the keyed chain left it: a plain SHA-256 chain, no seq."""
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE SEQUENCE audit_seq START 1")
    con.execute("""CREATE TABLE audit_log (audit_id BIGINT PRIMARY KEY, occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL, action VARCHAR NOT NULL, object_type VARCHAR NOT NULL, object_id VARCHAR NOT NULL,
        before_state JSON, after_state JSON, prev_hash VARCHAR NOT NULL, entry_hash VARCHAR NOT NULL)""")
    prev = "0" * 64
    for i in range(1, 4):
        at = datetime(2026, 1, i, 9, 0)
        after = json.dumps({"role": "analyst"}, sort_keys=True)
        payload = "\x1f".join([prev, at.isoformat(), "cli", "user.add", "user", f"u{i}", "", after])
        h = hashlib.sha256(payload.encode()).hexdigest()
        con.execute("INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, 'cli', 'user.add', 'user', ?, NULL, ?, ?, ?)",
                    [at, f"u{i}", after, prev, h])
        prev = h
    if break_it:
        con.execute("UPDATE audit_log SET object_id = 'edited' WHERE audit_id = 2")
    con.close()


@pytest.mark.parametrize("broken", [False, True])
def test_an_older_log_is_sealed_on_migration_and_says_how_it_was_found(tmp_path: Path, broken: bool) -> None:
    path = tmp_path / "legacy.duckdb"
    _legacy_db(path, break_it=broken)
    with store.connect(path) as con:  # migrates
        r = audit.verify(con)
        entries, _ = audit.list_entries(con, action="audit.sealed")
        applied = [x[0] for x in con.execute("SELECT name FROM schema_migrations").fetchall()]
    assert r.intact and r.entries == 4 and "audit-keyed-chain" in applied
    assert entries[0]["after"]["entries"] == 3
    assert entries[0]["after"]["sha256_chain_intact"] is (not broken)
    assert entries[0]["after"]["first_broken_audit_id"] == (2 if broken else None)


def test_a_read_only_look_at_an_unmigrated_log_asks_for_migration(tmp_path: Path) -> None:
    path = tmp_path / "legacy.duckdb"
    _legacy_db(path)
    out = runner.invoke(app, ["audit", "verify", "--db", str(path)])
    assert out.exit_code == 2 and "ctfmon init" in out.output
