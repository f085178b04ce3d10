"""List changes an analyst can act on.

When a new version of a sanctions list replaces an active one, :func:`entry_changes` compares
the two entry by entry: *new* (reference not in the previous version), *amended* (names, birth
dates, nationalities or documents changed; a new programme or narrative alone is not an
amendment to screen) and *removed*.  :func:`screen_changes` then screens only the new and
amended entries against

- every party (name and alternative names, with birth date, nationality and id number) — a
  SAN-01 alert on the party;
- the payment names of the lookback (an originator or beneficiary whose side has no party on
  file) — a SAN-02 alert on the customer on the other side;
- the cash declarations' traveller names of the lookback (with nationality and document
  number) — a SAN-01 alert on the declaring party when the declaration names one.

Every alert names the list version and the change that caused it (with the fields that
changed), the entry's listing date, and splits the matched payments into those before and
those on or after the listing date (``details.payments_after_listing`` first: they must be
frozen and reported).  For a party hit the matched payments are the party's own.  The
lookback defaults to all loaded history.  :func:`flag_removed` adds a review note (and an
audit entry) to every open case with a SAN alert on a removed entry.  What each change caused
is kept in ``screening_list_changes`` (``ctfmon lists diff``, ``GET /screening/lists/{old}/diff/{new}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import duckdb
import polars as pl

from engine import audit, store
from engine.cases import OPEN_STATES
from engine.detect.base import Alert
from engine.errors import CtfmonError
from engine.screening.detect import screen_parties
from engine.screening.index import ListIndex, screen_frame
from engine.screening.lists import ListEntry, load_entries
from engine.screening.matcher import DEFAULT_THRESHOLD

#: the fields whose change makes an entry "amended" (and worth screening again)
AMENDED_FIELDS = ("names", "birth_dates", "nationalities", "documents")
CHANGE_ACTOR = "ctfmon:list-change"


@dataclass
class EntryChange:
    reference: str
    change: str  # new | amended | removed
    fields: list[str] = field(default_factory=list)
    listed_on: str | None = None
    alert_ids: list[str] = field(default_factory=list)
    case_ids: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.change == "amended":
            return f"amended ({', '.join(self.fields)} changed)"
        return self.change


def _field_value(e: ListEntry, name: str) -> Any:
    if name == "names":
        return sorted({n.name.casefold() for n in e.names})
    if name == "birth_dates":
        return sorted(json.dumps(b.__dict__, sort_keys=True) for b in e.birth_dates)
    if name == "nationalities":
        return sorted(e.nationalities)
    return sorted(" ".join(d.get("number", "").upper().split()) for d in e.documents)


def entry_changes(con: duckdb.DuckDBPyConnection, old: int | None, new: int) -> list[EntryChange]:
    """New, amended and removed entries from version ``old`` (None: every entry is new) to ``new``."""
    before = {ref: e for (_, ref), e in load_entries(con, [old]).items()} if old is not None else {}
    after = {ref: e for (_, ref), e in load_entries(con, [new]).items()}
    out: list[EntryChange] = []
    for ref in sorted(after):
        e = after[ref]
        if ref not in before:
            out.append(EntryChange(ref, "new", listed_on=e.listed_on))
            continue
        changed = [f for f in AMENDED_FIELDS if _field_value(e, f) != _field_value(before[ref], f)]
        if changed:
            out.append(EntryChange(ref, "amended", changed, listed_on=e.listed_on))
    for ref in sorted(set(before) - set(after)):
        out.append(EntryChange(ref, "removed", listed_on=before[ref].listed_on))
    return out


def _payments(rows: pl.DataFrame, listed_on: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(after, before) the listing date; with no listing date every payment counts as after."""
    items = [
        {"txn_id": r["txn_id"], "timestamp": str(r["timestamp"]), "amount_base": round(float(r["amount_base"] or 0), 2),
         "currency": r["currency"]}
        for r in rows.unique(subset=["txn_id"]).sort(["timestamp", "txn_id"]).iter_rows(named=True)
    ]
    if not listed_on:
        return items, []
    cut = str(date.fromisoformat(listed_on))
    return [p for p in items if p["timestamp"][:10] >= cut], [p for p in items if p["timestamp"][:10] < cut]


def _total(items: list[dict[str, Any]]) -> float:
    return round(sum(p["amount_base"] for p in items), 2)


@dataclass
class ChangeScreening:
    alerts: dict[str, list[Alert]]  # typology id -> alerts
    lookback_start: datetime | None


def screen_changes(
    con: duckdb.DuckDBPyConnection,
    list_name: str,
    version_id: int,
    previous_version_id: int | None,
    changes: list[EntryChange],
    *,
    lookback_days: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> ChangeScreening:
    """SAN-01/SAN-02 alerts for the new and amended entries of ``changes`` (see the module docstring)."""
    if lookback_days is not None and lookback_days <= 0:
        raise CtfmonError(f"list change lookback must be a positive number of days, not {lookback_days}",
                          http_status=422)
    wanted = {c.reference: c for c in changes if c.change in ("new", "amended")}
    out: dict[str, list[Alert]] = {"SAN-01": [], "SAN-02": []}
    if not wanted:
        return ChangeScreening(out, None)
    entries = {k: e for k, e in load_entries(con, [version_id]).items() if k[1] in wanted}
    idx = ListIndex(entries, ("list-change", version_id))
    latest = con.execute("SELECT max(ts) FROM (SELECT max(timestamp) AS ts FROM transactions "
                         "UNION ALL SELECT max(timestamp) FROM cash_declarations)").fetchall()[0][0]
    start = latest - timedelta(days=lookback_days) if (lookback_days and latest) else None
    since = "timestamp >= $start" if start is not None else "true"
    since_t = "t.timestamp >= $start" if start is not None else "true"
    params = {"start": start} if start is not None else {}

    def base(ref: str, top: dict[str, Any]) -> dict[str, Any]:
        c = wanted[ref]
        return {
            "list_change": {"list_name": list_name, "version_id": version_id,
                            "previous_version_id": previous_version_id, "reference": ref, "change": c.change,
                            "changed_fields": c.fields},
            "list_name": list_name, "reference": ref, "listed_on": c.listed_on,
            "matched_name": top["matched_name"], "query_name": top["query_name"], "score": top["score"],
            "threshold": threshold, "lookback_start": str(start) if start else None,
        }

    def explain(lead: str, ref: str, d: dict[str, Any], after: list[dict[str, Any]],
                before: list[dict[str, Any]]) -> str:
        c = wanted[ref]
        listed = f"listed on {c.listed_on}" if c.listed_on else "listing date not stated (all payments counted as after)"
        return (
            f"{lead} matches {list_name} list entry {ref} '{d['matched_name']}' (score {d['score']:.2f}), "
            f"{c.describe()} in list version {version_id}; {listed}. {len(after)} payment(s) on or after the "
            f"listing (total {_total(after):,.2f}) must be frozen and reported first; {len(before)} before "
            f"it (total {_total(before):,.2f})."
        )

    # parties (SAN-01): the party's own payments are the matched payments
    hits = screen_parties(con, threshold, index=idx)
    own = _party_payments(con, sorted({str(p) for p in hits["party_id"]}) if hits.height else [], since_t, params)
    for r in hits.sort(["score"], descending=True).iter_rows(named=True):
        pid, ref = str(r["party_id"]), r["reference"]
        tx = own.filter(pl.col("party_id") == pid).drop("party_id")
        after, before = _payments(tx, wanted[ref].listed_on)
        d = {**base(ref, {**r, "query_name": r["query_name"]}), "party_name": r["party_name"],
             "payments_after_listing": after, "payments_before_listing": before,
             "total_after_listing": _total(after), "total_before_listing": _total(before)}
        out["SAN-01"].append(_alert("party", pid, ref, version_id, [], r["score"], tx,
                                    explain(f"Party name '{r['query_name']}'", ref, d, after, before), d))

    # payment names (SAN-02): a name on a side with no party on file, the customer on the other side
    tx = con.sql(
        f"""
        SELECT t.txn_id, t.timestamp, t.amount_base, t.currency, t.originator_name AS query_name,
               'originator' AS side, t.to_account AS account_id
        FROM transactions t LEFT JOIN accounts f ON f.account_id = t.from_account
        WHERE t.originator_name IS NOT NULL AND (f.party_id IS NULL OR f.party_id = '') AND {since_t}
        UNION ALL
        SELECT t.txn_id, t.timestamp, t.amount_base, t.currency, t.beneficiary_name, 'beneficiary', t.from_account
        FROM transactions t LEFT JOIN accounts b ON b.account_id = t.to_account
        WHERE t.beneficiary_name IS NOT NULL AND (b.party_id IS NULL OR b.party_id = '') AND {since_t}
        """, params=params or None).pl()
    tx = tx.join(con.sql("SELECT account_id FROM accounts").pl(), on="account_id", how="semi")
    if tx.height:
        names = tx.select(pl.col("query_name").alias("qid"), pl.col("query_name").alias("name")).unique()
        names = names.with_columns(kind=pl.lit("unknown"))
        nh = screen_frame(idx, names, threshold=threshold)
        nh = nh.filter(~(pl.col("name_only_common_tokens") & (pl.col("entry_type") == "person")))
        nh = nh.sort("score", descending=True).unique(subset=["qid", "reference"], keep="first")
        matched = tx.join(nh.rename({"qid": "query_name"}), on="query_name", how="inner")
        for (acc, ref), grp in matched.group_by(["account_id", "reference"], maintain_order=True):
            top = grp.sort("score", descending=True).row(0, named=True)
            after, before = _payments(grp, wanted[ref].listed_on)
            d = {**base(ref, top), "names": sorted(set(grp["query_name"])), "sides": sorted(set(grp["side"])),
                 "accounts": [acc], "payments_after_listing": after, "payments_before_listing": before,
                 "total_after_listing": _total(after), "total_before_listing": _total(before)}
            lead = f"{len(after) + len(before)} payment(s) with name '{top['query_name']}'"
            out["SAN-02"].append(_alert("account", str(acc), ref, version_id, sorted(set(grp["txn_id"])),
                                        top["score"], grp, explain(lead, ref, d, after, before), d))

    # cash declarations (SAN-01 on the declaring party)
    decl = con.sql(
        f"""SELECT declaration_id AS qid, traveller_name AS name, 'person' AS kind, nationality, document_number,
                   party_id, timestamp, amount_base, currency, direction, port
            FROM cash_declarations WHERE traveller_name IS NOT NULL AND party_id IS NOT NULL AND party_id <> ''
              AND {since}""", params=params or None).pl()
    if decl.height:
        dh = screen_frame(idx, decl.select("qid", "name", "kind", "nationality", "document_number"),
                          threshold=threshold)
        matched = decl.join(dh.select("qid", "reference", "matched_name", "score", "explanation"), on="qid")
        for (pid, ref), grp in matched.group_by(["party_id", "reference"], maintain_order=True):
            top = grp.sort("score", descending=True).row(0, named=True)
            listed = wanted[ref].listed_on
            decls = [{"declaration_id": r["qid"], "timestamp": str(r["timestamp"]), "traveller_name": r["name"],
                      "amount_base": round(float(r["amount_base"] or 0), 2), "currency": r["currency"],
                      "direction": r["direction"], "port": r["port"],
                      "after_listing": not listed or str(r["timestamp"])[:10] >= listed}
                     for r in grp.sort("timestamp").iter_rows(named=True)]
            d = {**base(ref, {**top, "query_name": top["name"]}), "declarations": decls,
                 "declarations_after_listing": sum(x["after_listing"] for x in decls),
                 "declarations_before_listing": sum(not x["after_listing"] for x in decls)}
            after = [x for x in decls if x["after_listing"]]
            before = [x for x in decls if not x["after_listing"]]
            lead = f"{len(decls)} cash declaration(s) by traveller '{top['name']}'"
            out["SAN-01"].append(_alert("party", str(pid), ref, version_id, sorted(grp["qid"]), top["score"],
                                        grp, explain(lead, ref, d, after, before), d))
    return ChangeScreening(out, start)


def _party_payments(con: duckdb.DuckDBPyConnection, parties: list[str], since_t: str,
                    params: dict[str, Any]) -> pl.DataFrame:
    """The payments into or out of the accounts of ``parties``, in one pass over the transactions."""
    schema = {"party_id": pl.String, "txn_id": pl.String, "timestamp": pl.Datetime, "amount_base": pl.Float64,
              "currency": pl.String}
    if not parties:
        return pl.DataFrame(schema=schema)
    return con.sql(
        f"""WITH acc AS (SELECT account_id, party_id FROM accounts WHERE party_id IN (SELECT UNNEST($parties)))
            SELECT DISTINCT acc.party_id, t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE) AS amount_base,
                   t.currency
            FROM transactions t JOIN acc ON acc.account_id = t.from_account WHERE {since_t}
            UNION
            SELECT acc.party_id, t.txn_id, t.timestamp, CAST(t.amount_base AS DOUBLE), t.currency
            FROM transactions t JOIN acc ON acc.account_id = t.to_account WHERE {since_t}""",
        params={"parties": parties, **params}).pl()


def _alert(subject_type: str, subject_id: str, ref: str, vid: int, evidence: list[str], score: float,
           rows: pl.DataFrame, explanation: str, details: dict[str, Any]) -> Alert:
    ts = rows["timestamp"] if rows.height else None
    now = store.now_utc()
    return Alert(subject_type, subject_id, float(score),
                 cast(datetime, ts.min()) if ts is not None else now,
                 cast(datetime, ts.max()) if ts is not None else now,
                 [f"list-change:{details['list_name']}:{vid}:{ref}", *evidence], explanation, details)


def flag_removed(con: duckdb.DuckDBPyConnection, list_name: str, version_id: int,
                 changes: list[EntryChange], *, actor: str) -> None:
    """A review note and a ``case.flag_review`` audit entry on every open case holding a SAN
    alert on a removed entry of ``list_name`` (fills ``case_ids`` of those changes)."""
    removed = {c.reference: c for c in changes if c.change == "removed"}
    if not removed:
        return
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    rows = con.execute(
        f"""SELECT c.case_id, a.alert_id, a.details FROM cases c
            JOIN case_alerts ca ON ca.case_id = c.case_id JOIN alerts a ON a.alert_id = ca.alert_id
            WHERE c.state IN ({states}) AND a.typology_id IN ('SAN-01', 'SAN-02') ORDER BY c.case_id"""
    ).fetchall()
    hits: dict[tuple[str, str], list[str]] = {}
    for case_id, alert_id, details in rows:
        d = json.loads(details) if details else {}
        refs = {(d.get("list_name"), d.get("reference"))}
        refs |= {(e.get("list_name"), e.get("reference")) for e in d.get("entries", [])}
        for ln, ref in refs:
            if ln == list_name and ref in removed:
                hits.setdefault((case_id, ref), []).append(alert_id)
    for (case_id, ref), alert_ids in sorted(hits.items()):
        reason = (f"Review: {list_name} list entry {ref} was removed in list version {version_id} "
                  f"(delisted or withdrawn); alerts {', '.join(sorted(set(alert_ids)))} rest on it. Check whether "
                  "the freeze and the case still stand.")
        with store.transaction(con):
            nid = int(con.execute("SELECT nextval('case_note_seq')").fetchall()[0][0])
            now = store.now_utc()
            con.execute("INSERT INTO case_notes VALUES (?, ?, ?, ?, ?)", [nid, case_id, CHANGE_ACTOR, now, reason])
            con.execute("UPDATE cases SET updated_at = ? WHERE case_id = ?", [now, case_id])
            audit.record(con, audit.AuditEvent(actor, "case.flag_review", "case", case_id, None, {
                "note_id": nid, "reason": reason, "list_name": list_name, "version_id": version_id,
                "reference": ref, "alerts": sorted(set(alert_ids))}))
        removed[ref].case_ids.append(case_id)


def record_changes(con: duckdb.DuckDBPyConnection, list_name: str, old: int | None, new: int,
                   changes: list[EntryChange]) -> None:
    """Keep what each change caused (replacing an earlier record of the same pair of versions)."""
    now = store.now_utc()
    with store.transaction(con):
        con.execute("DELETE FROM screening_list_changes WHERE version_id = ? AND previous_version_id "
                    "IS NOT DISTINCT FROM ?", [new, old])
        for c in changes:
            con.execute("INSERT INTO screening_list_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [new, old, list_name, c.reference, c.change, c.fields, c.listed_on,
                         sorted(set(c.alert_ids)), sorted(set(c.case_ids)), now])


def caused(con: duckdb.DuckDBPyConnection, old: int, new: int) -> dict[str, dict[str, Any]]:
    """What each change from ``old`` to ``new`` caused when ``new`` was loaded, by reference
    (empty when ``new`` was not loaded over ``old``)."""
    rows = con.execute(
        "SELECT reference, change, fields, listed_on, alert_ids, case_ids FROM screening_list_changes "
        "WHERE version_id = ? AND previous_version_id = ? ORDER BY reference", [new, old]).fetchall()
    return {r[0]: {"change": r[1], "fields": list(r[2] or []), "listed_on": str(r[3]) if r[3] else None,
                   "alerts": list(r[4] or []), "cases_flagged": list(r[5] or [])} for r in rows}


def diff_report(con: duckdb.DuckDBPyConnection, old: int, new: int) -> dict[str, Any]:
    """``lists diff``: the references added, removed and changed from ``old`` to ``new``
    (:func:`engine.screening.lists.diff_versions`) and, for a sanctions list, each new, amended
    or removed entry with what it caused when ``new`` was loaded over ``old`` (alerts raised,
    cases flagged; empty lists when ``new`` was not loaded over ``old``)."""
    from engine.screening import documents, lists

    d = lists.diff_versions(con, old, new)
    out: dict[str, Any] = {"old": old, "new": new, **d, "changes": []}
    if documents.is_document_version(con, new):
        return out
    recorded = caused(con, old, new)
    out["recorded"] = bool(recorded)
    for c in entry_changes(con, old, new):
        r = recorded.get(c.reference, {})
        out["changes"].append({"reference": c.reference, "change": c.change, "fields": c.fields,
                               "listed_on": c.listed_on, "alerts": r.get("alerts", []),
                               "cases_flagged": r.get("cases_flagged", [])})
    return out


def change_alerted(con: duckdb.DuckDBPyConnection, typology_id: str) -> dict[tuple[str, str, str, str], set[str]]:
    """Hits already raised by a list change's screening: (subject type, subject id, list name,
    reference) -> the evidence of those alerts (transactions, declarations).  The ordinary
    SAN-01/SAN-02 detectors leave these out, so a full re-screen after a load does not raise
    the same hit twice (the alert naming the change is the one kept)."""
    rows = con.execute(
        """SELECT subject_type, subject_id, json_extract_string(details, '$.list_name'),
                  json_extract_string(details, '$.reference'), evidence
           FROM alerts WHERE typology_id = ? AND json_extract(details, '$.list_change') IS NOT NULL""",
        [typology_id]).fetchall()
    out: dict[tuple[str, str, str, str], set[str]] = {}
    for st, sid, ln, ref, ev in rows:
        out.setdefault((st, sid, ln, ref), set()).update(e for e in (ev or []) if not e.startswith("list-change:"))
    return out


def drop_rescreen_duplicates(con: duckdb.DuckDBPyConnection, scan_id: str) -> dict[str, list[str]]:
    """Delete the alerts of the re-screen ``scan_id`` that repeat a list change's alert of the same
    scan (run before the change alerts were stored): a SAN-01 alert whose every entry was raised
    on the party by the change screening; a SAN-02 alert on the same customer and entry whose
    payments the change alert holds.  Returns the deleted alert ids per typology."""
    out: dict[str, list[str]] = {}
    for tid in ("SAN-01", "SAN-02"):
        raised = change_alerted(con, tid)
        if not raised:
            continue
        rows = con.execute(
            """SELECT alert_id, subject_type, subject_id, details, evidence FROM alerts
               WHERE scan_id = ? AND typology_id = ? AND json_extract(details, '$.list_change') IS NULL""",
            [scan_id, tid]).fetchall()
        gone: list[str] = []
        for aid, st, sid, details, ev in rows:
            d = json.loads(details) if details else {}
            if tid == "SAN-01":
                keys = [(e.get("list_name"), e.get("reference")) for e in d.get("entries", [])] or \
                    [(d.get("list_name"), d.get("reference"))]
                dup = all((st, sid, ln, ref) in raised for ln, ref in keys)
            else:
                held = raised.get((st, sid, str(d.get("list_name")), str(d.get("reference"))))
                dup = held is not None and set(ev or []) <= held
            if dup:
                gone.append(aid)
        if gone:
            con.execute("DELETE FROM alerts WHERE alert_id IN (SELECT UNNEST(?))", [gone])
            out[tid] = gone
    return out
