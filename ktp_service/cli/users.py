"""``ktp users``: user accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ktp_service.cli.common import reported_errors, transaction
from ktp_service.vocab import Role

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
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
    with reported_errors(), transaction(ctx) as (session, _):
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


@app.command("list")
def list_accounts(ctx: typer.Context) -> None:
    """List user accounts."""
    from ktp_service.services import users

    with transaction(ctx) as (session, _):
        for u, code in users.list_users(session):
            typer.echo(f"{u.username:24} {u.role:16} {code or '-':10} {'active' if u.active else 'disabled'}")
