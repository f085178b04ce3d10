"""`ctfmon evaluate`: precision, recall and F1 of stored alerts against labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli import common
from cli.common import DbOption
from engine import exports, store

app = typer.Typer()


@app.command()
def evaluate(
    labels: Annotated[Path, typer.Option("--labels", help="labels file (parquet/csv/jsonl) or a generated directory")],
    db: DbOption = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="also write the figures as JSON here")] = None,
    typologies: Annotated[str | None, typer.Option("--typologies", help="comma-separated ids (default: all seen)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite the --json file when it exists")] = False,
) -> None:
    """Precision, recall and F1 of the stored alerts against ground-truth labels."""
    from rich.table import Table

    from engine import evaluate as ev

    if json_out is not None:
        exports.check_target(json_out, force=force, db=common.db_path(db), option="--json")
    lab = ev.load_labels(labels)
    bg = ev.load_background(labels)
    with store.connect(common.db_path(db), read_only=True) as con:
        ids = [t.strip() for t in typologies.split(",") if t.strip()] if typologies else None
        res = ev.evaluate(con, lab, typology_ids=ids, background=bg)

    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    from rich import box

    out = Table(title=f"evaluation against {labels} (subject level, then evidence level)",
                box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    cols = ("typology", "inst", "recall'd", "alerted", "true", "other", "P", "P*", "R", "F1",
            "ev P", "ev R", "ev F1", "rows", "bg", "bg/1k")
    for col in cols:
        out.add_column(col, justify="left" if col == "typology" else "right", no_wrap=True)
    rows = list(res["typologies"].items()) + [("ALL", res["all"])]
    for tid, r in rows:
        s, e, x = r["subject"], r["evidence"], r["subject_excluding_other_planted"]
        out.add_row(f"[bold]{tid}[/]" if tid == "ALL" else tid, str(r["instances"]), str(r["instances_recalled"]),
                    str(r["alerted_subjects"]), str(r["true_subjects"]), str(r["other_planted_subjects"]),
                    f(s["precision"]), f(x["precision"]), f(s["recall"]),
                    f(s["f1"]), f(e["precision"]), f(e["recall"]), f(e["f1"]), f"{r['alert_rows']:,}",
                    f"{r['background_parties_alerted']:,}", f(r["background_per_1000"]))
    wide = Console(width=max(common.console.width, 150))
    wide.print(out)
    common.console.print("other: alerted subjects planted for another typology; P*: precision leaving them out; rows: "
                         "alert rows; bg: background parties alerted (in no planted instance or look-alike), bg/1k: "
                         f"per 1,000 of the {res['population']['background_parties']:,} background parties",
                         highlight=False)
    kinds = Table(title="false positives by everyday kind (background parties alerted)"
                  + ("" if res["population"]["background_kinds_known"] else ": no background file, kinds unknown"),
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    kinds.add_column("typology", no_wrap=True)
    kinds.add_column("top kinds (parties)")
    for tid, r in rows:
        if r["false_positive_kinds"]:
            kinds.add_row(tid, ", ".join(f"{k['kind']} {k['parties']:,}" for k in r["false_positive_kinds"][:5]))
    if kinds.row_count:
        wide.print(kinds)
    if json_out is not None:
        with exports.output_file(json_out, force=force, db=common.db_path(db), option="--json") as tmp:
            ev.write_json(res, tmp)
        common.console.print(f"wrote {json_out}")
