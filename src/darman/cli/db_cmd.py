from __future__ import annotations

import typer

from darman.cli.context import console, settings

app = typer.Typer(help="Database schema", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply every migration up to the newest."""
    from darman.db import migrate
    from darman.db.engine import make_engine

    engine = make_engine(settings().database_url)
    migrate.upgrade(engine)
    console.print(
        f"schema at revision [bold]{migrate.current_revision(engine)}[/] on {engine.dialect.name}"
    )


@app.command("current")
def current() -> None:
    """Show the schema revision of the configured database."""
    from darman.db import migrate
    from darman.db.engine import make_engine

    engine = make_engine(settings().database_url)
    console.print(f"{migrate.current_revision(engine) or 'empty'} (head {migrate.head_revision()})")
