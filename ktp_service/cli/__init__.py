"""The ``ktp`` command line: one module per command group, assembled here in the order ``ktp --help``
lists them. Each command takes its settings from ``obj`` when its caller passes one (tests), else from the
``KTP_`` environment (``ktp_service.cli.common``)."""

from __future__ import annotations

import typer

from ktp_service.cli import (
    agents,
    alerts,
    backup,
    billing,
    billing_checkpoints,
    billing_ledger,
    db,
    demo,
    images,
    offices,
    printers,
    server,
    standard,
    users,
)
from ktp_service.cli.render import render

app = typer.Typer(help="ktp-service: KTP card printing and revenue-share billing.", no_args_is_help=True)
app.command()(server.serve)
app.command("render", help="Render a card to PNG or PDF from a JSON file or the built-in sample.")(render)
app.command()(server.worker)
app.add_typer(db.app, name="db")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(demo.app, name="demo")
app.add_typer(offices.app, name="offices")
app.add_typer(images.app, name="images")
app.add_typer(users.app, name="users")
app.add_typer(printers.app, name="printers")
app.add_typer(agents.app, name="agents")
app.add_typer(agents.agent_app, name="agent")
app.add_typer(standard.app, name="standard")
app.add_typer(alerts.app, name="alerts")
# With billing_ledger's commands and billing_checkpoints' group, which they add to it.
app.add_typer(billing.app, name="billing")

__all__ = ["app", "billing_checkpoints", "billing_ledger"]
