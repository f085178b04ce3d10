"""Search (``/ui/search``, the box in every page's header) and the party page
(``/ui/parties/{id}``): a party's 360 view from :mod:`services.party360`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.ui.render import _error, _redirect, _render
from api.ui.session import PageUser, db_of
from engine.errors import CtfmonError, NotFound
from services import party360, search

router = APIRouter(prefix="/ui", include_in_schema=False)

KIND_LABELS = {"party": "Party", "account": "Account", "document": "Identity document", "transaction": "Transaction",
               "declaration": "Cash declaration", "trade_document": "Trade document", "case": "Case"}


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, user: PageUser, q: str = "") -> Response:
    """Results for the header's search box; an exact id that names one thing opens its page."""
    hits: list[search.Hit] = []
    error = None
    if q.strip():
        try:
            with db_of(request).reading() as con:
                hits = search.search(con, q, limit=50)
        except CtfmonError as exc:
            error = exc.message
    exact = [h for h in hits if h.score >= 1.0 and h.match == "exact id" and h.url]
    if len(exact) == 1 and len({h.url for h in hits if h.score >= 1.0}) == 1:
        return _redirect(str(exact[0].url))
    return _render(request, "search.html", user, status=422 if error else 200, q=q, hits=hits, error=error,
                   kinds=KIND_LABELS)


def flow_chart(monthly: dict[str, Any], *, width: int = 720, height: int = 220) -> dict[str, Any] | None:
    """Bar pairs (in, out) per month with lines for the own baselines and the peer medians, as SVG
    coordinates."""
    rows = monthly["rows"]
    if not rows:
        return None
    pad_l, pad_r, pad_t, pad_b = 64, 12, 12, 36
    peak = max(max(r["in"], r["out"], r["peer_in"], r["peer_out"]) for r in rows)
    peak = max(peak, monthly["baseline_in"], monthly["baseline_out"], 1.0)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    slot = plot_w / len(rows)
    bar = max(2.0, min(24.0, slot * 0.35))

    def y(v: float) -> float:
        return round(pad_t + plot_h - v / peak * plot_h, 1)

    bars, peer_in, peer_out = [], [], []
    for i, r in enumerate(rows):
        x0 = pad_l + i * slot + slot / 2
        bars.append({"month": r["month"], "x_in": round(x0 - bar, 1), "x_out": round(x0, 1), "w": round(bar, 1),
                     "y_in": y(r["in"]), "h_in": round(pad_t + plot_h - y(r["in"]), 1),
                     "y_out": y(r["out"]), "h_out": round(pad_t + plot_h - y(r["out"]), 1),
                     "in": r["in"], "out": r["out"], "label_x": round(x0, 1)})
        peer_in.append(f"{round(x0, 1)},{y(r['peer_in'])}")
        peer_out.append(f"{round(x0, 1)},{y(r['peer_out'])}")
        bars[-1].update(peer_in_y=y(r["peer_in"]), peer_out_y=y(r["peer_out"]), peer_in=r["peer_in"],
                        peer_out=r["peer_out"])
    ticks = [{"y": y(peak * k / 4), "label": f"{peak * k / 4:,.0f}"} for k in range(5)]
    step = max(1, len(rows) // 8)
    return {"width": width, "height": height, "bars": bars, "ticks": ticks, "x0": pad_l, "x1": width - pad_r,
            "base_y": pad_t + plot_h, "own_in_y": y(monthly["baseline_in"]), "own_out_y": y(monthly["baseline_out"]),
            "peer_in": " ".join(peer_in), "peer_out": " ".join(peer_out), "label_every": step}


@router.get("/parties/{party_id}", response_class=HTMLResponse)
def party_page(request: Request, party_id: str, user: PageUser) -> HTMLResponse:
    """A party: profile, risk rating, accounts, monthly flows against baselines, counterparties,
    alerts and cases, declarations and trade documents, its 2-hop neighbourhood."""
    try:
        with db_of(request).reading() as con:
            view = party360.party_360(con, party_id)
    except NotFound as exc:
        return _error(request, user, exc, title="No such party")
    return _render(request, "party.html", user, v=view, party=view["party"], risk=view["risk"],
                   chart=flow_chart(view["monthly"]))
