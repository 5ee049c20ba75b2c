"""The ``ktp`` command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ktp_service.db import get_engine, session_scope
from ktp_service.errors import DomainError
from ktp_service.settings import get_settings
from ktp_service.vocab import Role

app = typer.Typer(help="ktp-service: KTP card printing and revenue-share billing.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")


def _fail(exc: DomainError) -> None:
    typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    import uvicorn

    from ktp_service import logging_setup

    logging_setup.install(get_settings().log_level)
    uvicorn.run(
        "ktp_service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=True,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply schema migrations."""
    from ktp_service import migrate

    migrate.upgrade(get_engine(), revision)
    typer.echo(f"database at {revision} ({get_engine().dialect.name})")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models."""
    from ktp_service import migrate

    migrate.revision(get_engine(), message)


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrated schema disagree."""
    from ktp_service import migrate

    diff = migrate.pending_model_changes(get_engine())
    if diff:
        for d in diff:
            typer.echo(f"  {d}", err=True)
        typer.secho("models and migrations disagree", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo("models and migrations agree")


@demo_app.command("seed")
def demo_seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database with no offices.")
    ] = False,
) -> None:
    """Create Kabupaten Sragen's offices and the demo users."""
    from ktp_service import seed

    with session_scope() as session:
        if if_empty and not seed.is_empty(session):
            typer.echo("database already has data; demo seed skipped")
            return
        added = seed.seed_demo(session)
    typer.echo(f"seeded {added['offices']} offices, {added['users']} users")
    if added["users"]:
        typer.echo(
            f"demo users ({', '.join(u.username for u in seed.DEMO_USERS)}) use password {seed.DEMO_PASSWORD!r}"
        )


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[Role, typer.Option(help="Role.")],
    office: Annotated[str | None, typer.Option(help="Region code of the office (clerk, supervisor).")] = None,
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a user account."""
    from ktp_service.services import users
    from ktp_service.services.actor import SYSTEM

    if not password_stdin:
        typer.secho(
            "give the password on standard input with --password-stdin", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(code=2)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope() as session:
            user = users.create(
                session,
                SYSTEM,
                username=username,
                password=password,
                role=role,
                office_code=office,
                full_name=full_name,
            )
            typer.echo(f"created user {user.username} ({user.role}{', office ' + office if office else ''})")
    except DomainError as exc:
        _fail(exc)


@users_app.command("list")
def users_list() -> None:
    """List user accounts."""
    from ktp_service.services import users

    with session_scope() as session:
        for u, code in users.list_users(session):
            typer.echo(f"{u.username:24} {u.role:16} {code or '-':10} {'active' if u.active else 'disabled'}")
