"""``ktp agents`` (the administrator: register, list, revoke, re-enroll print agents) and ``ktp agent`` (at
the office: enroll this machine, run the agent)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from ktp_service.cli.common import fail, reported_errors, transaction

app = typer.Typer(help="Print agents at offices (administrator).", no_args_is_help=True)
agent_app = typer.Typer(
    help="This office's print agent: enroll it, run it, rotate its credential.", no_args_is_help=True
)


@app.command("add")
def add(
    ctx: typer.Context,
    office: Annotated[str, typer.Option(help="Region code of the office, e.g. 33.14.01.")],
    name: Annotated[str, typer.Option(help="The agent's name, unique within the office.")],
) -> None:
    """Register a print agent; prints its one-time enrollment code (valid for a day)."""
    from ktp_service.services import agents
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        agent, code = agents.create(session, SYSTEM, name, office, wiring.settings)
        typer.echo(f"agent {agent.id}: {name} at {office}")
        typer.echo(f"enrollment code (once, until {agent.enrollment_expires_at:%Y-%m-%d %H:%M} UTC): {code}")


@app.command("list")
def list_agents(ctx: typer.Context) -> None:
    """Agents: last contact, version, queue depth, jobs held, printers as last reported."""
    from ktp_service.services import agents, offices

    with transaction(ctx, writes=False) as (session, wiring):
        names = offices.names(session)
        for v in agents.list_agents(session, wiring.settings):
            a = v.agent
            state = "revoked" if a.revoked_at else ("enrolled" if a.enrolled_at else "awaiting enrollment")
            contact = f"{a.last_contact_at:%Y-%m-%d %H:%M:%S}" if a.last_contact_at else "never"
            silent = (
                f" UNREACHABLE since {v.unreachable_since:%Y-%m-%d %H:%M:%S}" if v.unreachable_since else ""
            )
            typer.echo(
                f"{a.id:4} {v.office:13} {names.get(v.office, ''):30.30} {a.name:16} {state:20} "
                f"last contact {contact}{silent} "
                f"version {a.version or '-'} queue {a.queue_depth if a.queue_depth is not None else '-'} "
                f"held {v.jobs_held} (too long {v.jobs_held_too_long})"
            )
            for p in v.printers:
                typer.echo(
                    f"       printer {p.id} {p.name}: {p.status_state or '?'} {','.join(p.status_reasons) or '-'}"
                )


@app.command("revoke")
def revoke(ctx: typer.Context, agent_id: Annotated[int, typer.Argument(help="Agent id.")]) -> None:
    """Revoke an agent: refused from its next request on."""
    from ktp_service.services import agents
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        agent = agents.revoke(session, SYSTEM, agent_id)
        typer.echo(f"agent {agent.id} ({agent.name}) revoked")


@app.command("re-enroll")
def re_enroll(ctx: typer.Context, agent_id: Annotated[int, typer.Argument(help="Agent id.")]) -> None:
    """A new one-time code; the agent's old credential stops working at once."""
    from ktp_service.services import agents
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        agent, code = agents.re_enroll(session, SYSTEM, agent_id, wiring.settings)
        typer.echo(f"agent {agent.id}: new enrollment code: {code}")


DataDir = Annotated[Path, typer.Option(help="The agent's own directory: credential, journal, cards.")]


@agent_app.command("enroll")
def enroll(
    server: Annotated[str, typer.Option(help="The centre's URL, https://...")],
    code: Annotated[str, typer.Option(help="The one-time enrollment code from the administrator.")],
    data_dir: DataDir,
    ca_file: Annotated[str | None, typer.Option(help="A custom CA certificate (PEM) for the server.")] = None,
    allow_http: Annotated[bool, typer.Option(help="Allow plain http:// (tests only).")] = False,
) -> None:
    """Enroll this machine as the office's agent; the credential is stored in DATA_DIR with mode 0600."""
    from ktp_service import print_agent

    try:
        config = print_agent.enroll(server, code, data_dir, ca_file=ca_file, allow_http=allow_http)
    except print_agent.AgentSetupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"enrolled as agent {config.agent_id} ({config.name}, office {config.office})")


@agent_app.command("rotate")
def rotate(data_dir: DataDir) -> None:
    """Replace this agent's credential: a new one is made here and stored with mode 0600; the old one stops
    working at the centre at once. If the centre's answer is lost, run it again."""
    from ktp_service import print_agent

    try:
        config = print_agent.rotate(data_dir)
    except print_agent.AgentSetupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"agent {config.agent_id} ({config.name}): credential rotated; the old one no longer works")


@agent_app.command("run")
def run(
    data_dir: DataDir,
    status_port: Annotated[int, typer.Option(help="Status page port on the office LAN (0: none).")] = 0,
    status_host: Annotated[str, typer.Option(help="Address of the status page.")] = "0.0.0.0",  # noqa: S104
    interval: Annotated[float, typer.Option(help="Seconds between passes.")] = 1.0,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "INFO",
    keep_cards_hours: Annotated[
        float,
        typer.Option(
            min=0,
            max=24 * 90,
            envvar="KTP_AGENT_KEEP_CARDS_HOURS",
            help="Hours a printed card stays on this machine after its outcome (0: deleted at once).",
        ),
    ] = 0,
    timeout: Annotated[
        float, typer.Option(help="Seconds one exchange with the centre may take (a card on a slow line).")
    ] = 15.0,
    document_form: Annotated[
        str,
        typer.Option(
            help="rgb-xz: cards come as compressed pixels, rebuilt and checked here; whole: as rendered."
        ),
    ] = "rgb-xz",
    sync_seconds: Annotated[
        float, typer.Option(help="Printer states are sent when they change, else every this many seconds.")
    ] = 30.0,
) -> None:
    """Run the agent: fetch, print, report, until stopped (SIGTERM, Ctrl-C). One agent per data directory."""
    from ktp_service import logging_setup, print_agent

    logging_setup.install(log_level)
    if document_form not in ("rgb-xz", "whole"):
        raise fail("--document-form is rgb-xz or whole.")
    try:
        agent = print_agent.PrintAgent(
            data_dir,
            keep_cards_hours=keep_cards_hours,
            timeout=timeout,
            document_form=document_form,
            sync_seconds=sync_seconds,
        )
        lock = print_agent.lock_data_dir(agent.data_dir)
    except print_agent.AgentSetupError as exc:
        raise fail(str(exc)) from None
    if status_port:
        agent.serve_status(status_host, status_port)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    try:
        agent.run(interval)
    except KeyboardInterrupt:
        agent.stop()
    finally:
        os.close(lock)
