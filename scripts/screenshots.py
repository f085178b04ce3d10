"""Refresh the README screenshots from a demo database, and check the pages' widths.

    .venv/bin/python scripts/screenshots.py --db demo/ctfmon.duckdb [--out docs/screenshots]

Starts the API with ``--demo`` users on a loopback port (the database must not be open in
another process), signs in as the demo analyst in Debian's Chromium (Playwright) and saves:

* ``ui-queue.png``     the case queue;
* ``ui-case.png``      a layering case (ML-NET-05, else ML-NET-04/02) with its money-flow graph;
* ``ui-courier.png``   a cash-courier case (TF-CASH-03) drawn as travellers -> flight -> destination;
* ``ui-party.png``     the party page of the layering case's subject;
* ``ui-dashboard.png`` the dashboard.

It then prints, for each of those pages, the page's width against the window's at 1024x768
and at 640x384 (1280x768 at 200% zoom): a page wider than its window scrolls sideways.
Exits 1 when one does.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
SIZES = {"1024x768": (1024, 768), "200% zoom (640x384)": (640, 384)}


def _pick(con: Any) -> dict[str, str]:
    """Case ids to show: the biggest layering case whose graph stays under 60 accounts, and
    the courier case with the most travellers."""
    from engine import cases

    out: dict[str, str] = {}
    for typ in ("ML-NET-05", "ML-NET-04", "ML-NET-02"):
        rows = con.execute(
            "SELECT case_id, subject_id FROM cases WHERE list_contains(typologies, ?) "
            "ORDER BY alert_count DESC, risk_score DESC LIMIT 20", [typ]).fetchall()
        best = None
        for cid, subject in rows:
            g = cases.get_case(con, cid).get("graph") or {}
            n = len(g.get("nodes") or [])
            if g.get("source") == "alerts" and n <= 60 and (best is None or n > best[0]):
                best = (n, cid, subject)
        if best:
            out["layering"], out["party"] = best[1], best[2]
            break
    rows = con.execute(
        "SELECT case_id FROM cases WHERE list_contains(typologies, 'TF-CASH-03') "
        "ORDER BY risk_score DESC LIMIT 40").fetchall()
    best_c = None
    for (cid,) in rows:
        g = cases.get_case(con, cid).get("graph") or {}
        n = sum(1 for x in g.get("nodes") or [] if x.get("kind") == "traveller")
        if g.get("source") == "courier" and (best_c is None or n > best_c[0]):
            best_c = (n, cid)
    if best_c:
        out["courier"] = best_c[1]
    return out


def _serve(app: Any) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="demo/ctfmon.duckdb")
    ap.add_argument("--out", default="docs/screenshots")
    ap.add_argument("--chromium", default=CHROMIUM)
    a = ap.parse_args(argv)
    if not Path(a.db).is_file():
        print(f"{a.db}: no such database (run `make demo` first)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from api.app import create_app

    app = create_app(a.db, demo=True, scheduler=False)
    with app.state.db.reading() as con:
        picks = _pick(con)
    pages = {"queue": "/ui/cases", "dashboard": "/ui/dashboard"}
    if "layering" in picks:
        pages["case"] = f"/ui/cases/{picks['layering']}"
        pages["party"] = f"/ui/parties/{picks['party']}"
    if "courier" in picks:
        pages["courier"] = f"/ui/cases/{picks['courier']}"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    url, server, thread = _serve(app)
    too_wide: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            ctx = browser.new_context(viewport={"width": 1280, "height": 800})
            page = ctx.new_page()
            page.goto(f"{url}/ui/demo-login?as=analyst")
            for name, path in pages.items():
                page.goto(url + path)
                if name in ("case", "courier"):
                    page.wait_for_selector("#cy[data-drawn]")
                    page.locator("#h-graph").scroll_into_view_if_needed()
                    page.locator("section[aria-labelledby=h-graph]").screenshot(path=str(out / f"ui-{name}.png"))
                else:
                    page.screenshot(path=str(out / f"ui-{name}.png"))
                print(f"{out / f'ui-{name}.png'}  {path}")
            print(f"\n{'page':<12} {'window':<22} {'page width':>10} {'window width':>12}")
            for label, (w, h) in SIZES.items():
                page.set_viewport_size({"width": w, "height": h})
                for name, path in pages.items():
                    page.goto(url + path)
                    sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    flag = "" if sw <= iw else "  scrolls sideways"
                    if flag:
                        too_wide.append(f"{name} at {label}")
                    print(f"{name:<12} {label:<22} {sw:>10} {iw:>12}{flag}")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    if too_wide:
        print("too wide: " + ", ".join(too_wide), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
