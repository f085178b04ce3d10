"""The screening page under ``/ui/screening``: a name (with optional birth date, nationality,
document and type) against the active sanctions lists, ranked hits, and a hit's list entry
side by side with the query, each feature marked as agreeing, disagreeing or unknown.

The search is a form post with the CSRF field, so screened names stay out of URLs, access
logs and browser history; each hit's "Side by side" button posts the same form again with
the chosen entry.  A SAN-01 / SAN-02 alert opens the same view from its case
(``/ui/screening/alerts/{alert_id}``): the query is the name the alert matched, with the
party's own birth date, nationality, id number and type for SAN-01 (a payment message
carries a name only, so SAN-02 compares the name alone).  Everything reads through
:mod:`engine.screening.service`, as the JSON API and ``ctfmon screen`` do.
"""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.ui.pages import _error, _render
from api.ui.session import FormUser, PageUser, db_of
from engine import alerts
from engine.auth import User
from engine.errors import CtfmonError, NotFound
from engine.screening import lists, service
from engine.screening.matcher import AGREEING, DEFAULT_THRESHOLD, EntryScore, Query

router = APIRouter(prefix="/ui/screening", include_in_schema=False)

LIMIT = 10
SAN_TYPOLOGIES = ("SAN-01", "SAN-02")
#: Token similarity from which an aligned name part counts as agreeing (below: partly).
TOKEN_AGREES = 0.9
TOKEN_PARTLY = 0.7
FEATURE_LABELS = {"name": "Name", "birth_date": "Birth date", "nationality": "Nationality",
                  "document": "Document", "entry_type": "Type"}
QUALIFIERS = ("birth_date", "nationality", "document", "entry_type")


def _threshold(raw: str) -> float:
    if not raw.strip():
        return DEFAULT_THRESHOLD
    try:
        value = float(raw)
    except ValueError:
        raise CtfmonError(f"threshold: {raw!r} is not a number; expected a value from 0 to 1", http_status=422) \
            from None
    if not 0.0 <= value <= 1.0:
        raise CtfmonError(f"threshold: {value}; expected a value from 0 to 1", http_status=422)
    return value


def _hit_row(c: EntryScore, threshold: float) -> dict[str, Any]:
    """One ranked hit for the table: scores, and the qualifiers' outcomes as agree/disagree."""
    marks = []
    for key in QUALIFIERS:
        f = c.features.get(key)
        if not f:
            continue
        outcome = f.get("outcome", "")
        marks.append({"feature": FEATURE_LABELS[key], "outcome": outcome,
                      "mark": "agree" if outcome in AGREEING else "disagree"})
    return {"list_name": c.list_name, "reference": c.reference, "entry_type": c.entry_type,
            "primary_name": c.primary_name, "matched_name": c.matched_name, "name_kind": c.name_kind,
            "name_score": c.name_score, "score": c.score, "match": c.score >= threshold,
            "only_common": c.name_only_common_tokens, "explanation": c.explanation(), "marks": marks,
            "key": f"{c.list_name}\n{c.reference}"}


def _name_parts(side: dict[str, Any]) -> list[dict[str, Any]]:
    """The name alignment token by token: query part, list part, similarity and the mark."""
    name = side.get("features", {}).get("name") or {}
    rows = []
    for a in name.get("aligned", []):
        sim = float(a.get("similarity", 0.0))
        mark = "agree" if sim >= TOKEN_AGREES else ("partly" if sim >= TOKEN_PARTLY else "disagree")
        rows.append({"query": a.get("query"), "list": a.get("list"), "similarity": sim, "rule": a.get("rule", ""),
                     "mark": mark})
    rows += [{"query": t, "list": None, "similarity": None, "rule": "no counterpart in the list name",
              "mark": "disagree"} for t in name.get("unmatched_query", [])]
    rows += [{"query": None, "list": t, "similarity": None, "rule": "not in the query",
              "mark": "missing"} for t in name.get("unmatched_list", [])]
    return rows


def _side(con: duckdb.DuckDBPyConnection, list_name: str, reference: str, query: Query | None,
          threshold: float) -> dict[str, Any]:
    side = service.compare_entry(con, list_name, reference, query, threshold=threshold)
    side["rows"] = {r["feature"]: r for r in side["comparison"]}
    side["name_parts"] = _name_parts(side)
    return side


def _form_of(q: Query | None, threshold: float) -> dict[str, str]:
    if q is None:
        return {"threshold": f"{threshold:.2f}"}
    return {"name": q.name, "birth_date": q.birth_date or "", "nationality": q.nationality or "",
            "document_number": q.document_number or "", "entity_type": q.entry_type or "",
            "threshold": f"{threshold:.2f}"}


def _page(request: Request, user: User, *, status: int = 200, **ctx: Any) -> HTMLResponse:
    base: dict[str, Any] = {"form": {"threshold": f"{DEFAULT_THRESHOLD:.2f}"}, "hits": None, "side": None,
                            "error": None, "alert": None, "entry_types": lists.ENTRY_TYPES,
                            "labels": FEATURE_LABELS, "threshold": DEFAULT_THRESHOLD, "lists": []}
    base.update(ctx)
    if not base["lists"]:
        with db_of(request).reading() as con:
            base["lists"] = [r for r in lists.list_versions(con).iter_rows(named=True)
                             if r["active"] and r["source_format"] != "documents-csv"]  # names only
    return _render(request, "screening.html", user, status=status, **base)


@router.get("", response_class=HTMLResponse)
def screening_form(request: Request, user: PageUser) -> HTMLResponse:
    return _page(request, user)


@router.post("", response_class=HTMLResponse)
def screen(
    request: Request,
    user: FormUser,
    name: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    nationality: Annotated[str, Form()] = "",
    document_number: Annotated[str, Form()] = "",
    entity_type: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "",
    show: Annotated[str, Form()] = "",
) -> HTMLResponse:
    form = {"name": name, "birth_date": birth_date, "nationality": nationality, "document_number": document_number,
            "entity_type": entity_type, "threshold": threshold}
    try:
        limit = _threshold(threshold)
        query = service.make_query(name, birth_date=birth_date, nationality=nationality,
                                   document_number=document_number, entry_type=entity_type)
        with db_of(request).reading() as con:
            ranked = service.match(con, [query], threshold=limit, limit=LIMIT)[0]
            hits = [_hit_row(c, limit) for c in ranked]
            show = show.replace("\r\n", "\n")  # browsers send a value's newline as CRLF
            chosen = next((h for h in hits if h["key"] == show), hits[0] if hits else None)
            side = _side(con, chosen["list_name"], chosen["reference"], query, limit) if chosen else None
    except CtfmonError as exc:
        return _page(request, user, status=exc.http_status, form=form, error=exc.message)
    return _page(request, user, form=form, hits=hits, side=side, chosen=chosen["key"] if chosen else None,
                 threshold=limit)


@router.get("/entries/{list_name}/{reference}", response_class=HTMLResponse)
def entry_page(request: Request, list_name: str, reference: str, user: PageUser) -> HTMLResponse:
    """A list entry on its own (no query: every feature unknown)."""
    try:
        with db_of(request).reading() as con:
            side = _side(con, list_name, reference, None, DEFAULT_THRESHOLD)
    except NotFound as exc:
        return _error(request, user, exc, title="No such list entry")
    except CtfmonError as exc:
        return _page(request, user, status=exc.http_status, error=exc.message)
    return _page(request, user, side=side)


def _alert_query(con: duckdb.DuckDBPyConnection, alert: dict[str, Any], name: str) -> Query:
    """The query an alert screened: SAN-01 the party's name with its qualifiers; SAN-02 the name."""
    if alert["typology_id"] != "SAN-01" or alert["subject_type"] != "party":
        return Query(name=name)
    row = con.execute(
        "SELECT party_type, CAST(date_of_birth AS VARCHAR), nationality, id_number FROM parties WHERE party_id = ?",
        [alert["subject_id"]],
    ).fetchone()
    if row is None:
        return Query(name=name)
    party_type, dob, nat, doc = row
    return service.make_query(name, birth_date=dob, nationality=nat if nat and lists.country_code(nat) else None,
                              document_number=doc, entry_type="person" if party_type == "individual" else "entity")


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: str, user: PageUser, entry: int = 0) -> HTMLResponse:
    """The list entry of a SAN-01 / SAN-02 alert side by side with the name it matched."""
    try:
        with db_of(request).reading() as con:
            alert = alerts.get_alert(con, alert_id)
            if alert["typology_id"] not in SAN_TYPOLOGIES:
                raise CtfmonError(f"alert {alert_id} is a {alert['typology_id']} alert; only SAN-01 and SAN-02 "
                                  "alerts name a sanctions list entry", http_status=404)
            d = alert["details"] or {}
            entries = d.get("entries") or [{k: d.get(k) for k in ("list_name", "reference", "matched_name",
                                                                   "query_name", "score")}]
            if not 0 <= entry < len(entries):
                raise CtfmonError(f"entry {entry}: this alert names {len(entries)} list "
                                  f"entr{'y' if len(entries) == 1 else 'ies'} (0 to {len(entries) - 1})",
                                  http_status=404)
            pick = entries[entry]
            query = _alert_query(con, alert, pick["query_name"])
            limit = float(d.get("threshold") or DEFAULT_THRESHOLD)
            side = _side(con, pick["list_name"], pick["reference"], query, limit)
    except NotFound as exc:
        return _error(request, user, exc, title="No such alert or list entry")
    except CtfmonError as exc:
        return _error(request, user, exc, title="Nothing to compare")
    info = {"alert_id": alert_id, "typology_id": alert["typology_id"], "case_id": alert.get("case_id"),
            "subject_type": alert["subject_type"], "subject_id": alert["subject_id"], "entries": entries,
            "entry": entry, "explanation": alert["explanation"]}
    return _page(request, user, form=_form_of(query, limit), side=side, alert=info, threshold=limit)
