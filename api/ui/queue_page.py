"""The case queue page (``/ui/cases``): filters carried in the URL (so a view is a link to
keep), sorting, pages, and bulk triage (``POST /ui/cases/bulk``): select cases, then assign
them, or move or propose them with one reason; each case is changed on its own
(:mod:`services.case_bulk`) and the page lists what was done and what was refused, case by case."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.ui.render import PAGE_SIZE, STATE_LABELS, TRANSITION_VERBS, _error, _render
from api.ui.session import FormUser, PageUser, db_of
from engine.auth import User
from engine.cases import CASE_SORTS, DISPOSITIONS, STATES
from engine.errors import CtfmonError
from engine.store import now_utc
from services import case_bulk, case_queue

router = APIRouter(prefix="/ui", include_in_schema=False)

FILTER_KEYS = ("state", "typology", "assignee", "min_risk", "sort", "opened_from", "opened_to", "jurisdiction",
               "awaiting", "overdue", "priority")


def _typology_names(request: Request) -> dict[str, str]:
    return {tid: t.name for tid, t in request.app.state.catalogue.items()}


def _bulk_targets(user: User) -> list[dict[str, str]]:
    """The states a bulk move may go to, worded for the role (an analyst proposes dispositions)."""
    out = []
    for to in STATES:
        if to == "new":
            continue
        verb = TRANSITION_VERBS.get(to, f"Move to {STATE_LABELS.get(to, to)}")
        if to in DISPOSITIONS and not user.can("case.approve"):
            verb = f"Propose: {verb[0].lower()}{verb[1:]}"
        out.append({"to": to, "label": verb})
    return out


def _queue_page(request: Request, user: User, raw: dict[str, str | None], page: int, *,
                bulk: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    try:
        f = case_queue.parse(raw)
        with db_of(request).reading() as con:
            rows, total = case_queue.queue(con, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, now=now_utc())
            choices = case_queue.choices(con, _typology_names(request))
    except CtfmonError as exc:
        return _error(request, user, exc, title="The queue filter is not valid")
    pages = max(1, -(-total // PAGE_SIZE))
    kept = f.query()

    def link(**over: Any) -> str:
        q = {**kept, **{k: str(v) for k, v in over.items() if v is not None}}
        if q.get("page") == "1":
            del q["page"]
        return "/ui/cases" + ("?" + urlencode(q) if q else "")

    params = {k: raw.get(k) or "" for k in FILTER_KEYS}
    params["sort"] = f.sort
    params["awaiting"] = f.awaiting
    params["overdue"] = f.overdue
    params["priority"] = f.priority or ""
    return _render(
        request, "queue.html", user, status=status, rows=rows, total=total, page=page, pages=pages, params=params,
        choices=choices, states=STATES, sorts={k: v[0] for k, v in CASE_SORTS.items()},
        prev_url=link(page=page - 1) if page > 1 else None,
        next_url=link(page=page + 1) if page < pages else None,
        sort_url={k: link(sort=k, page=1) for k in CASE_SORTS},
        saved_url=link(page=page) if page > 1 else link(),
        filtered=bool({k for k in kept if k != "sort"}),
        bulk=bulk, can_bulk=user.can("case.propose") or user.can("case.assign"),
        can_assign=user.can("case.assign"), bulk_targets=_bulk_targets(user),
    )


@router.get("/cases", response_class=HTMLResponse)
def queue(
    request: Request,
    user: PageUser,
    state: str | None = None,
    typology: str | None = None,
    assignee: str | None = None,
    min_risk: str | None = None,
    sort: str = "risk",
    opened_from: str | None = None,
    opened_to: str | None = None,
    jurisdiction: str | None = None,
    awaiting: str | None = None,
    pending: str | None = None,
    overdue: str | None = None,
    priority: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    raw = {"state": state, "typology": typology, "assignee": assignee, "min_risk": min_risk, "sort": sort,
           "opened_from": opened_from, "opened_to": opened_to, "jurisdiction": jurisdiction,
           "awaiting": awaiting or pending, "overdue": overdue, "priority": priority}
    return _queue_page(request, user, raw, page)


@router.post("/cases/bulk", response_class=HTMLResponse)
async def bulk(request: Request, user: FormUser) -> Response:
    """Apply one action to the selected cases; the queue is shown again (same filters) with
    a line per case: done, or refused and why."""
    form = await request.form()
    case_ids = [str(v) for v in form.getlist("case_id")]
    action, _, target = str(form.get("do") or "").partition("|")
    reason = str(form.get("reason") or "")
    raw = {k: str(form.get(f"f_{k}") or "") or None for k in FILTER_KEYS}
    try:
        page = max(1, min(100_000, int(str(form.get("f_page") or "1"))))
    except ValueError:
        page = 1
    try:
        with db_of(request).writing() as con:
            result = case_bulk.apply(con, case_ids, action, user, assignee=target if action == "assign" else None,
                                     to=target if action == "transition" else None, reason=reason)
    except CtfmonError as exc:
        bulk_view = {"error": exc.message, "results": [], "done": 0, "refused": 0, "reason": reason}
        return _queue_page(request, user, raw, page, bulk=bulk_view, status=exc.http_status)
    outcome_words = {"assigned": f"assigned to {target}", "moved": f"moved to {STATE_LABELS.get(target, target)}",
                     "proposed": f"proposed: {STATE_LABELS.get(target, target)} (awaits a supervisor)"}
    view = result.as_dict()
    for r in view["results"]:
        r["words"] = outcome_words.get(r.get("outcome") or "", "") if r["ok"] else r["error"]
    return _queue_page(request, user, raw, page, bulk=view)

