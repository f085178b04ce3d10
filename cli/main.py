"""The ``ctfmon`` command line: the root app, its global options and the command modules.

Every command lives in a short module of this package, thin over :mod:`services` (use cases
with audit entries) and the engine's read functions.  To add a command or a command group:
write ``cli/<area>.py`` with ``app = typer.Typer()`` and its ``@app.command()`` functions
(a group: ``group = typer.Typer(help=...)``, ``app.add_typer(group, name="...")``), use
``cli.common`` for ``--db``, the consoles and the acting user, and add the module to
:data:`COMMAND_MODULES`.

Errors users can cause arrive as :class:`engine.errors.CtfmonError`; they are printed in one
line (no traceback) and the process exits with their exit code.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from cli import (
    alerts,
    audit,
    cases,
    common,
    database,
    evaluate,
    generate,
    graph,
    imports,
    ingest,
    lists,
    mi,
    reports,
    risk,
    scan,
    screen,
    search,
    serve,
    tune,
    typologies,
    users,
)
from engine.errors import CtfmonError

#: In the order their commands are listed by ``ctfmon --help``.
COMMAND_MODULES = (database, ingest, typologies, scan, alerts, evaluate, users, cases, reports, mi, serve, audit,
                   lists, screen, search, generate, graph, imports, risk, tune)


class _Group(TyperGroup):
    """The root command group: user errors become one red line and their exit code."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except CtfmonError as exc:
            common.err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Group,
    name="ctfmon",
    help="Counter-terrorism financing and AML transaction monitoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    as_user: Annotated[str | None, typer.Option(
        "--as", metavar="USER", help="who is acting, as audit entries name them (default: the OS user name)",
    )] = None,
) -> None:
    """Counter-terrorism financing and AML transaction monitoring."""
    common.set_actor(as_user)


for _module in COMMAND_MODULES:
    app.add_typer(_module.app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except CtfmonError as exc:
        common.err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
