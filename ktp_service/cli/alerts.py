"""``ktp alerts``: evaluate the alert conditions once and mail what is due (the worker does it periodically);
list the alerts not acknowledged yet."""

from __future__ import annotations

import typer

from ktp_service.cli.common import transaction, wired

app = typer.Typer(help="Alerts: printers or agents down, low stock, approvals, uncollected cards.")


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Raise and clear alerts to match the conditions now, then mail the alerts due (SMTP configured)."""
    from ktp_service.alert_checker import check as run_check

    with wired(ctx) as wiring:
        result = run_check(wiring.engine, wiring.settings)
    e, m = result.evaluated, result.mailed
    typer.echo(f"alerts: {e.raised} raised, {e.cleared} cleared, {e.open} open")
    if wiring.settings.smtp_host:
        typer.echo(
            f"mail: {m.sent} sent, {m.failed} failed (tried again later), {m.no_recipients} no recipient"
        )
    else:
        typer.echo("mail: KTP_SMTP_HOST not set, nothing mailed")


@app.command("list")
def list_alerts(ctx: typer.Context) -> None:
    """The alerts nobody acknowledged yet, newest first (Indonesian, names beside codes)."""
    from ktp_service.services import alerts
    from ktp_service.services.actor import SYSTEM

    with transaction(ctx, writes=False) as (session, wiring):
        for view in alerts.list_alerts(session, SYSTEM):
            words = alerts.texts(view, "id", wiring.settings.timezone)
            state = "selesai" if view.alert.cleared_at else "berlangsung"
            typer.echo(f"#{view.alert.id} {view.alert.kind} ({words['kind']}) [{state}] {words['text']}")
