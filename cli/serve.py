"""`ctfmon serve`: the HTTP API, the analyst pages and scheduled scans."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import common
from cli.common import DbOption

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    db: DbOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="create one user per role and print their tokens")] = False,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler", help="do not run scheduled scans")] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the HTTP API (docs at /docs) and run scheduled scans until Ctrl-C.

    The server holds the database: other ctfmon commands on it exit with status 2 until it stops.
    """
    import uvicorn

    from api.app import create_app

    path = common.db_path(db)
    web = create_app(path, demo=demo, scheduler=not no_scheduler)
    url = f"http://{host}:{port}"
    if demo:
        from api.app import DEMO_USERS

        roles = dict(DEMO_USERS)
        typer.echo("demo users and their tokens (shown once):")
        for name, token in web.state.demo_tokens.items():
            typer.echo(f"  {roles.get(name, ''):<11} {name:<16} {token}")
        typer.echo(f'try: curl -H "Authorization: Bearer <token>" {url}/cases')
        typer.echo(f"analyst pages, signed in as the demo analyst: {url}/ui/demo-login?as=analyst")
    typer.echo(f"serving {path} at {url}  (API docs: {url}/docs)  Ctrl-C to stop")
    # keep idle connections longer than clients' pools do, so a reused connection is not cut mid-request
    uvicorn.run(web, host=host, port=port, log_level=log_level, timeout_keep_alive=75)
