"""``ktp billing checkpoints``: the signed checkpoints of the ledger's chain head (billing.checkpoints).

The service signs one at each month close and every ``KTP_CHECKPOINT_MINUTES`` while the head moves; the
partner keeps copies on their own machine (``pull`` over HTTP with a token, or a file from ``export``) and
checks bundles against them (``verify-statement --checkpoints FILE``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ktp_service.cli.billing import app as billing_app
from ktp_service.cli.common import fail, reported_errors, transaction

if TYPE_CHECKING:
    import httpx

app = typer.Typer(help="Signed checkpoints of the ledger's chain head.", no_args_is_help=True)
billing_app.add_typer(app, name="checkpoints")
OutOpt = Annotated[Path, typer.Option("--out", help="The checkpoint file (JSON lines, appended to).")]


@app.command("make")
def make(ctx: typer.Context) -> None:
    """Sign a checkpoint of the chain head now (unless the newest one already names it)."""
    from datetime import UTC, datetime, timedelta

    from billing.checkpoints import make_checkpoint, sync_log

    with reported_errors(), transaction(ctx) as (session, wiring):
        # A zero interval: signed whenever the head moved since the newest checkpoint.
        made = make_checkpoint(session, wiring.billing, now=datetime.now(UTC), interval=timedelta(0))
    with reported_errors(), transaction(ctx, writes=False) as (session, wiring):
        sync_log(session, wiring.billing.checkpoint_path)  # after the commit: the log never runs ahead
    typer.echo(made.describe() if made else "nothing to sign: the newest checkpoint names the head")


@app.command("export")
def export(ctx: typer.Context, out: OutOpt) -> None:
    """Append the service's checkpoints that ``--out`` lacks to it (e.g. to hand to the partner)."""
    from billing.checkpoints import append_records, read_log, stored_checkpoints

    held, problems = read_log(out)
    if problems:
        raise fail("; ".join(problems))
    have = {c.identity for c in held}
    with reported_errors(), transaction(ctx, writes=False) as (session, _):
        stored = stored_checkpoints(session)
    added = append_records(out, (c for c in stored if c.identity not in have))
    typer.echo(f"{added} checkpoint(s) added to {out} ({len(held) + added} held)")


def http_client(server: str) -> httpx.Client:
    """The client ``pull`` talks to the service with (tests put their own in its place)."""
    import httpx

    return httpx.Client(base_url=server, timeout=60)


def pull_checkpoints(
    client: httpx.Client, token: str, public_key_pem: str | bytes, out: Path
) -> tuple[int, list[str]]:
    """Fetch every checkpoint the service shows, keep the new validly signed ones in ``out``, and say what
    is wrong (a bad signature, or a checkpoint held here that the service no longer shows)."""
    from billing.checkpoints import Checkpoint, merge_held

    r = client.get("/api/v1/billing/checkpoints", headers={"Authorization": f"Bearer {token}"})
    if r.status_code != 200:
        raise fail(f"the service answered {r.status_code}: {r.text[:300]}")
    try:
        fetched = [Checkpoint.from_record(x) for x in r.json()]
    except (ValueError, TypeError) as exc:
        raise fail(f"the service's answer is not a list of checkpoints: {exc}") from None
    return merge_held(out, fetched, public_key_pem)


@app.command("pull")
def pull(
    server: Annotated[str, typer.Option("--server", help="The service, e.g. https://ktp.example.go.id")],
    token: Annotated[str, typer.Option("--token", envvar="KTP_BILLING_TOKEN", help="A bearer token.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The regency's public key (PEM).")],
    out: OutOpt,
) -> None:
    """Keep the service's checkpoints on this machine; exit 1 if one held here has gone from the service."""
    from ktp_service.cli.billing_ledger import _problems

    with http_client(server) as client:
        added, problems = pull_checkpoints(client, token, public_key.read_bytes(), out)
    if problems:
        raise _problems(problems)
    typer.echo(f"{added} new checkpoint(s) kept in {out}")
