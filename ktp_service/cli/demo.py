"""``ktp demo``: Kabupaten Sragen's demo data."""

from __future__ import annotations

from typing import Annotated

import typer

from ktp_service.cli.common import wired

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("seed")
def demo_seed(
    ctx: typer.Context,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database with no offices.")
    ] = False,
) -> None:
    """Create Kabupaten Sragen's offices, the demo users, printers and residents, and read the printers'
    counters."""
    from ktp_service import seed
    from ktp_service.db import unit_of_work

    with wired(ctx) as wiring:
        with unit_of_work(wiring.engine) as session:
            if if_empty and not seed.is_empty(session):
                typer.echo("database already has data; demo seed skipped")
                return
            added = seed.seed_demo(session, wiring.settings)
        # after the commit: no printer is asked while a transaction is open
        read = seed.read_counters(wiring.engine, wiring.settings, wiring.adapters)
    typer.echo(
        f"seeded {added['offices']} offices, {added['users']} users, {added['printers']} printers, "
        f"{added['residents']} residents, {added.get('contracts', 0)} contracts, "
        f"{added['money']} money received entries; read the counters of {read} printers"
    )
    if added["users"]:
        typer.echo(
            f"demo users ({', '.join(u.username for u in seed.DEMO_USERS)}) use password {seed.DEMO_PASSWORD!r}"
        )
