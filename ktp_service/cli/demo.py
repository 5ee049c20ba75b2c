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
    history: Annotated[
        bool,
        typer.Option(
            "--history/--no-history",
            help="Also print the previous and the running month's cards through the print path.",
        ),
    ] = True,
) -> None:
    """Create Kabupaten Sragen's offices, the demo users, printers and residents, and read the printers'
    counters. With the history (the default): cards of the previous and the running month printed at the
    KPT through the real print path and posted to the ledger, money received, the partner's count, counter
    readings, handovers and survey answers, so every role's page shows a month with something in it."""
    from ktp_service import seed
    from ktp_service.db import unit_of_work
    from ktp_service.seed_history import seed_print_history

    with wired(ctx) as wiring:
        with unit_of_work(wiring.engine) as session:
            if if_empty and not seed.is_empty(session):
                typer.echo("database already has data; demo seed skipped")
                return
            added = seed.seed_demo(session, wiring.settings, handovers=not history)
        # after the commit: no printer is asked while a transaction is open
        made = seed_print_history(wiring.engine, wiring.settings, wiring.adapters) if history else {}
        read = made.get("history_counters", 0)
        read += seed.read_counters(wiring.engine, wiring.settings, wiring.adapters)
    typer.echo(
        f"seeded {added['offices']} offices, {added['users']} users, {added['printers']} printers, "
        f"{added['residents']} residents, {added.get('contracts', 0)} contracts, "
        f"{added['money']} money received entries; read the counters of {read} printers"
    )
    if made.get("history_previous_month", 0) + made.get("history_running_month", 0):
        typer.echo(
            f"history: {made['history_previous_month']} cards printed last month and "
            f"{made['history_running_month']} this month (posted to the ledger), "
            f"{made['history_money']} money received entries, {made['history_handovers']} cards handed over"
        )
    if added["users"]:
        typer.echo(
            f"demo users ({', '.join(u.username for u in seed.DEMO_USERS)}) use password {seed.DEMO_PASSWORD!r}"
        )
