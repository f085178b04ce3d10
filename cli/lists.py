"""`ctfmon lists load|show|diff`: sanctions and travel document list versions; a load re-screens
through services.lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.common import DbOption
from engine import store

app = typer.Typer()


lists_app = typer.Typer(help="Sanctions and travel document lists: load versions, show them, compare them.",
                        no_args_is_help=True)
app.add_typer(lists_app, name="lists")


@lists_app.command("load")
def lists_load(
    file: Annotated[Path, typer.Argument(help="UN Consolidated List XML, a list CSV or a travel document list CSV")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="un-xml, csv or documents-csv (lost, stolen or invalid travel "
                                                  "documents; default: from the file extension and a CSV's header)")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="list name (default: UN for the UN XML, the file stem for CSV)")
    ] = None,
    rescreen: Annotated[
        bool, typer.Option("--rescreen/--no-rescreen",
                           help="re-screen parties and transactions (SAN-01, SAN-02; TF-DOC-01 for a document list)")
    ] = True,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="load although it drops more than list_max_drop_share of the active entries")
    ] = False,
    lookback_days: Annotated[
        int | None, typer.Option("--lookback-days", help="history screened for new and amended entries of a new "
                                                         "version (default: all loaded history)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Load a list file as the new active version of its list, then re-screen everything.

    A new version of a sanctions list is compared with the previous one: its new and amended
    entries raise alerts naming the change (payments after the listing first), and open SAN
    cases on removed entries are flagged for review (see `ctfmon lists diff`).

    A file that would drop more than 20% (setting list_max_drop_share) of the active
    version's entries is refused unless --confirm."""
    from engine.screening.lists import rescreen_typologies
    from services import lists as list_service
    from services.typologies import catalogue

    with store.connect(common.db_path(db)) as con:
        loaded = list_service.load_list(con, catalogue(), file, actor=common.actor(), triggered_by="lists load",
                                        case_actor=f"cli:{common.actor()}",
                                        fmt=fmt, list_name=name, confirm=confirm, rescreen=rescreen,
                                        lookback_days=lookback_days)
    res = loaded.loaded
    if res.already_loaded:
        common.console.print(f"list {res.list_name}: this file is version {res.version_id} (re-activated, not copied)")
    elif res.source_format == "documents-csv":
        common.console.print(
            f"travel document list {res.list_name}: version {res.version_id} active: {res.entries} documents, "
            f"sha256 {res.content_hash[:12]}"
        )
    else:
        common.console.print(
            f"list {res.list_name}: version {res.version_id} active: {res.entries} entries "
            f"({res.persons} persons, {res.entities} entities), {res.names} names, sha256 {res.content_hash[:12]}"
        )
    if res.previous_version_id is not None and not res.already_loaded:
        d = res.diff
        common.console.print(
            f"changes since version {res.previous_version_id}: {len(d['added'])} added, "
            f"{len(d['removed'])} removed, {len(d['changed'])} changed"
        )
    for c in loaded.changes:
        what = c.change + (f" ({', '.join(c.fields)})" if c.fields else "")
        caused = (f"{len(c.case_ids)} open case(s) flagged for review" if c.change == "removed"
                  else f"{len(set(c.alert_ids))} alert(s)")
        common.console.print(f"  {c.reference}: {what} -> {caused}", highlight=False)
    if loaded.rescreen is not None:
        result, synced = loaded.rescreen.result, loaded.rescreen.cases
        common.console.print(
            f"re-screened ({result.scan_id}, {result.status}): "
            + ", ".join(f"{t} {result.counts.get(t, 0)} alerts ({result.new_alerts.get(t, 0)} new)"
                        for t in rescreen_typologies(res.source_format))
        )
        common.console.print(f"cases: {synced.cases_created} opened, {synced.cases_joined} joined by "
                             f"{synced.alerts_added} new alerts")
        if result.errors:
            for t, err in result.errors.items():
                common.err_console.print(f"[red]{t}[/]: {err}", highlight=False)
            raise typer.Exit(1)


@lists_app.command("show")
def lists_show(db: DbOption = None) -> None:
    """Every stored list version (active ones marked)."""
    from rich.table import Table

    from engine.screening import lists as screening_lists

    with common.reading(db) as (con, api):
        rows = screening_lists.list_versions(con).to_dicts() if con is not None else api.get("/screening/lists")
    if not rows:
        common.console.print("no lists loaded: use `ctfmon lists load FILE`")
        return
    out = Table(title="list versions (documents-csv: travel documents; generated: their as-of date)")
    for col in ("version", "list", "active", "format", "generated", "loaded", "entries", "persons",
                "entities", "names", "sha256", "file"):
        out.add_column(col)
    for r in rows:
        out.add_row(
            str(r["version_id"]), r["list_name"], "yes" if r["active"] else "", r["source_format"],
            str(r["generated_at"] or ""), str(r["loaded_at"])[:19], str(r["entries"]), str(r["persons"]),
            str(r["entities"]), str(r["names"]), r["content_hash"][:12], r["file"],
        )
    common.console.print(out)


@lists_app.command("diff")
def lists_diff(
    old: Annotated[int, typer.Argument(help="old version id (see `ctfmon lists show`)")],
    new: Annotated[int, typer.Argument(help="new version id")],
    db: DbOption = None,
) -> None:
    """Designations (or, for travel document lists, documents as COUNTRY:NUMBER) added, removed
    and changed between two versions of a list; for a sanctions list, each new, amended or removed
    entry with what it caused when NEW was loaded over OLD (alerts raised, cases flagged)."""
    from engine.screening import changes

    with store.connect(common.db_path(db), read_only=True) as con:
        d = changes.diff_report(con, old, new)
    common.console.print(f"{len(d['added'])} added, {len(d['removed'])} removed, {len(d['changed'])} changed")
    if not d["changes"]:
        for change in ("added", "removed", "changed"):
            for ref in d[change]:
                common.console.print(f"{change:8} {ref}", highlight=False)
        return
    if not d.get("recorded"):
        common.console.print(f"(version {new} was not loaded over version {old}: nothing it caused is recorded)")
    for c in d["changes"]:
        what = c["change"] + (f" ({', '.join(c['fields'])})" if c["fields"] else "")
        caused = []
        if c["change"] != "removed":
            caused.append(f"{len(c['alerts'])} alert(s)" + (f": {', '.join(c['alerts'])}" if c["alerts"] else ""))
        else:
            caused.append(f"{len(c['cases_flagged'])} case(s) flagged for review"
                          + (f": {', '.join(c['cases_flagged'])}" if c["cases_flagged"] else ""))
        listed = f" listed {c['listed_on']}" if c["listed_on"] else ""
        common.console.print(f"{c['reference']:12} {what}{listed} -> {'; '.join(caused)}", highlight=False,
                             soft_wrap=True)
    unchanged = sorted(set(d["changed"]) - {c["reference"] for c in d["changes"]})
    for ref in unchanged:
        common.console.print(f"{ref:12} changed (programme or narrative only; not re-screened)", highlight=False)


@lists_app.command("changes")
def lists_changes(
    version: Annotated[int, typer.Argument(help="a version loaded over an earlier one (see `ctfmon lists show`)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    db: DbOption = None,
) -> None:
    """What each change of VERSION caused: the alerts it raised (subject, case, payments on or
    after the listing to freeze first, and before it) and the cases it flagged for review
    (the page /ui/lists/VERSION, GET /screening/lists/VERSION/changes)."""
    import json

    from engine.screening import change_report

    with common.reading(db) as (con, api):
        r = change_report.version_changes(con, version) if con is not None else \
            api.get(f"/screening/lists/{version}/changes")
    if as_json:
        common.console.print_json(json.dumps(r, default=str))
        return
    v = r["version"]
    if not r["recorded"]:
        common.console.print(f"version {version} of {v['list_name']} was not loaded over an earlier one: no changes")
        return
    n = r["counts"]
    common.console.print(f"{v['list_name']} version {version} over version {r['previous_version_id']}: "
                         f"{n['new']} new, {n['amended']} amended, {n['removed']} removed; "
                         f"{r['alerts_raised']} alert(s), {len(r['cases_flagged'])} case(s) flagged", highlight=False,
                         soft_wrap=True)
    for c in r["changes"]:
        what = c["change"] + (f" ({', '.join(c['fields'])})" if c["fields"] else "")
        listed = f", listed {c['listed_on']}" if c["listed_on"] else ""
        common.console.print(f"{c['reference']:12} {c['name'] or ''}: {what}{listed}", highlight=False, soft_wrap=True)
        for a in c["alerts"]:
            common.console.print(
                f"    {a['alert_id']} {a['typology_id']} {a['subject_type']} {a['subject_id']} score {a['score']:.2f}"
                f" case {a['case_id'] or '-'}: {a['payments_after_listing']} payment(s) on/after listing "
                f"({a['total_after_listing']:,.2f}), {a['payments_before_listing']} before "
                f"({a['total_before_listing']:,.2f})", highlight=False, soft_wrap=True)
        for cid in c["cases_flagged"]:
            common.console.print(f"    case {cid} flagged for review", highlight=False, soft_wrap=True)
