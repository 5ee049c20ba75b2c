"""``ktp printers``: card printers of the offices."""

from __future__ import annotations

from typing import Annotated

import typer

from ktp_service.cli.common import fail, reported_errors, transaction, wired

app = typer.Typer(help="Card printers.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Name, unique within the office.")],
    office: Annotated[str, typer.Option(help="Region code of the office, e.g. 33.14.01.")],
    adapter: Annotated[str, typer.Option(help="spool, simulator or ipp.")],
    uri: Annotated[str, typer.Option(help="e.g. ipp://127.0.0.1:631/printers/evolis.")] = "",
    config: Annotated[str, typer.Option(help="Adapter config as JSON.")] = "{}",
    document_format: Annotated[str, typer.Option(help="image/png or application/pdf.")] = "image/png",
    dpi: Annotated[int, typer.Option(help="300 or 600.")] = 300,
) -> None:
    """Register a card printer of an office."""
    import json

    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as exc:
        raise fail(f"--config is not JSON: {exc}") from None
    # The options are printers.create's keyword arguments, by name (as the API's PrinterCreate fields).
    options = {**ctx.params, "config": parsed}
    with reported_errors(), transaction(ctx) as (session, wiring):
        p = printers.create(session, SYSTEM, **options, settings=wiring.settings)
        typer.echo(f"printer {p.id}: {p.name} at {office} ({p.adapter} {p.uri})")


@app.command("list")
def list_printers(ctx: typer.Context) -> None:
    """Printers with their last polled state."""
    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    with transaction(ctx) as (session, _):
        for p, code in printers.list_printers(session, SYSTEM):
            reasons = ",".join(p.status_reasons) or "-"
            typer.echo(f"{p.id:4} {code:10} {p.name:20} {p.adapter:10} {p.status_state or '?':10} {reasons}")


@app.command("status")
def status(ctx: typer.Context, printer_id: Annotated[int, typer.Argument(help="Printer id.")]) -> None:
    """Ask a printer for its state, supplies and counter now."""
    from ktp_service.messages import advice as advice_for
    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    # Asked with no transaction open (printers.refresh), as everywhere.
    with reported_errors(), wired(ctx) as wiring:
        p, _ = printers.refresh(wiring.engine, SYSTEM, printer_id, wiring.adapters)
        typer.echo(f"{p.name}: {p.status_state} reasons={','.join(p.status_reasons) or '-'}")
        for m in p.status_markers:
            typer.echo(f"  supply {m['name']}: {m['level'] if m['level'] is not None else '?'}%")
        typer.echo(f"  card counter: {p.status_counter if p.status_counter is not None else 'not reported'}")
        if p.status_error:
            typer.echo(f"  error: {p.status_error}")
        for line in advice_for(p.status_reasons):
            typer.echo(f"  -> {line}")


@app.command("simulate")
def simulate(
    ctx: typer.Context,
    printer_id: Annotated[int, typer.Argument(help="Printer id of a simulator.")],
    fault: Annotated[
        list[str] | None, typer.Option(help="Raise a fault: jam, ribbon-out, offline...")
    ] = None,
    clear: Annotated[list[str] | None, typer.Option(help="Clear a fault, or 'all'.")] = None,
) -> None:
    """Training: raise or clear faults on a simulated printer."""
    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), wired(ctx) as wiring:
        p, _ = printers.operate_simulator(
            wiring.engine,
            SYSTEM,
            printer_id,
            wiring.adapters,
            set_faults=tuple(fault or ()),
            clear_faults=tuple(clear or ()),
        )
        faults = printers.simulator_control(p, wiring.settings).info().faults
        typer.echo(f"{p.name}: faults={','.join(faults) or 'none'}")
