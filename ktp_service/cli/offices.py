"""``ktp offices``: the offices of a regency, so a production database is set up without the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from ktp_service.cli.common import reported_errors, transaction

app = typer.Typer(
    help="Service offices (a regency's one-stop office, its kecamatan offices and village service points).",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    code: Annotated[
        str,
        typer.Option(
            help="Kemendagri region code: 33.14 (regency), 33.14.01 (kecamatan) or 33.14.01.2001 (kelurahan/desa)."
        ),
    ],
    name: Annotated[
        str | None, typer.Option(help="Name shown on pages (default from the region's name).")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="kabupaten, kota, kecamatan, kelurahan or desa; checked against the region code."),
    ] = None,
) -> None:
    """Register the office serving a region."""
    from ktp_service.services import offices
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        office = offices.create(session, SYSTEM, code, name or None, kind=kind)
        under = f", under {offices.parent_code(office.code)}" if office.parent_id else ""
        typer.echo(f"office {office.code}: {office.name} ({office.kind}{under})")


@app.command("list")
def list_offices(ctx: typer.Context) -> None:
    """Registered offices: code, kind, name and whether active."""
    from ktp_service.services import offices

    with transaction(ctx, writes=False) as (session, _):
        rows = offices.list_offices(session)
        for o in rows:
            typer.echo(f"{o.code:14} {o.kind:10} {'active' if o.active else 'inactive':8} {o.name}")
    if not rows:
        typer.echo("no offices yet: add one with `ktp offices add --code CODE`")
