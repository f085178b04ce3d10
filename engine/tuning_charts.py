"""The charts of a tuning sweep, drawn with matplotlib (Agg backend, no display needed): a
precision-recall curve and alerts against recall, one point per parameter value, the live
value and the recommended one marked.  Written as PNG and SVG; the SVG text is also what the
tuning page draws inline."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, thread-safe enough for one figure at a time
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from engine.errors import CtfmonError  # noqa: E402


def _figure(result: dict[str, Any], recommended: Any = None) -> Figure:
    pts = [p for p in result["points"] if p["recall"] is not None]
    pts.sort(key=lambda p: (p["alerts"], p["recall"]))
    fig, (pr, ar) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    fig.suptitle(f"{result['typology_id']}: sweep of {result['param']} ({result['label_source']} labels)")
    # a value raising no alert has no precision: it is left off the PR curve, kept on the other
    with_p = [p for p in pts if p["precision"] is not None]
    pr.plot([p["recall"] for p in with_p], [p["precision"] for p in with_p], marker="o", color="#2563eb")
    ar.plot([p["alerts"] for p in pts], [p["recall"] for p in pts], marker="o", color="#059669")

    def tag(p: dict[str, Any]) -> str:
        return str(p["value"]) + (" (live)" if p["live"] else "") + (" *" if p["value"] == recommended else "")

    for ax, points, xy in ((pr, with_p, lambda p: (p["recall"], p["precision"])),
                           (ar, pts, lambda p: (p["alerts"], p["recall"]))):
        for p in points:
            ax.annotate(tag(p), xy(p), textcoords="offset points", xytext=(4, 4), fontsize=8)
            if p["live"]:
                ax.plot(*([v] for v in xy(p)), marker="s", color="#dc2626")
    pr.set(xlabel="recall", ylabel="precision", title="precision-recall", xlim=(-0.02, 1.05), ylim=(-0.02, 1.05))
    ar.set(xlabel="alerts", ylabel="recall", title="alerts against recall", ylim=(-0.02, 1.05))
    for ax in (pr, ar):
        ax.grid(True, alpha=0.3)
    return fig


def svg(result: dict[str, Any], recommended: Any = None) -> str:
    """The charts as SVG text."""
    fig = _figure(result, recommended)
    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg")
    finally:
        plt.close(fig)
    return buf.getvalue()


def write(result: dict[str, Any], out_dir: Path, recommended: Any = None) -> list[Path]:
    """Write ``tune-<typology>-<param>.png`` and ``.svg`` into ``out_dir``; returns the paths."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CtfmonError(f"cannot create {out_dir}: {exc}") from None
    stem = out_dir / f"tune-{result['typology_id']}-{result['param']}"
    fig = _figure(result, recommended)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    try:
        for p in paths:
            fig.savefig(p, dpi=110)
    except OSError as exc:
        raise CtfmonError(f"cannot write {stem}: {exc}") from None
    finally:
        plt.close(fig)
    return paths
