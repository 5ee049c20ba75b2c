"""``ktp db``: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from ktp_service.cli.common import wired

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    ctx: typer.Context, revision: Annotated[str, typer.Argument(help="Target revision.")] = "head"
) -> None:
    """Apply schema migrations."""
    from ktp_service import migrate

    with wired(ctx) as wiring:
        migrate.upgrade(wiring.engine, revision)
        typer.echo(f"database at {revision} ({wiring.engine.dialect.name})")


@app.command("revision")
def revision(ctx: typer.Context, message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models."""
    from ktp_service import migrate

    with wired(ctx) as wiring:
        migrate.revision(wiring.engine, message)


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Fail if the models and the migrated schema disagree."""
    from ktp_service import migrate

    with wired(ctx) as wiring:
        diff = migrate.pending_model_changes(wiring.engine)
    if diff:
        for d in diff:
            typer.echo(f"  {d}", err=True)
        typer.secho("models and migrations disagree", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo("models and migrations agree")
