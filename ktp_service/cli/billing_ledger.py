"""``ktp billing`` ledger commands: verification (online and offline), conflicts and corrections. They join
the group defined in ``ktp_service.cli.billing``, after its commands."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ktp_service.cli.billing import app
from ktp_service.cli.common import reported_errors, transaction

if TYPE_CHECKING:
    from billing.checkpoints import Checkpoint


def _problems(problems: Iterable[str]) -> typer.Exit:
    """Print each problem in red; the caller raises the returned exit (code 1)."""
    for problem in problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


CheckpointsOpt = Annotated[
    Path | None,
    typer.Option(
        "--checkpoints", help="Signed checkpoints held outside the service (e.g. the partner's file)."
    ),
]


def _held(path: Path | None) -> dict[str, list[Checkpoint]]:
    if path is None:
        return {}
    from billing.checkpoints import read_log

    held, problems = read_log(path)
    if problems:
        raise _problems(problems)
    return {str(path): held}


@app.command("verify")
def verify(ctx: typer.Context, checkpoints: CheckpointsOpt = None) -> None:
    """Recompute the ledger's hash chain and signed statements, and check it still holds every head a signed
    checkpoint names; exit 1 naming what does not match."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    held = _held(checkpoints)
    # A reader: on SQLite it takes no write lock, so posting goes on while the whole chain is checked.
    with reported_errors(), transaction(ctx, writes=False) as (session, wiring):
        r = billing.verify(session, SYSTEM, wiring.billing, held)
    if not r.ok:
        raise _problems(r.problems)
    typer.echo(
        f"ledger verifies: {r.transactions} transactions, {r.entries} entries, head {r.head_seq} {r.head_hash[:16]}..."
    )


@app.command("verify-statement")
def verify_statement(
    bundle: Annotated[Path, typer.Argument(help="The bundle (.zip) from export-bundle or the API.")],
    public_key: Annotated[
        Path,
        typer.Option(
            "--public-key", help="The regency's public key, or its key ring (`public-key --all`), PEM."
        ),
    ],
    checkpoints: CheckpointsOpt = None,
    lang: Annotated[str, typer.Option("--lang", help="id (default) or en.")] = "id",
) -> None:
    """Check a bundle with no database, exactly as the partner's `ktp-verify` does (it is that command):
    the signature, the chain and its head, each card's price, every total recomputed from the entries; with
    ``--checkpoints``, also that it agrees with every signed checkpoint held in that file. Exit 0 verifies,
    1 problems (named), 2 refused (past the reading limits) or an input cannot be read."""
    from ktp_verify.cli import main

    args = [str(bundle), "--public-key", str(public_key), "--lang", lang]
    if checkpoints is not None:
        args += ["--checkpoints", str(checkpoints)]
    raise typer.Exit(code=main(args))


@app.command("conflicts")
def conflicts(
    ctx: typer.Context, all: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False
) -> None:
    """Events that arrived under a posted key with other content (an unresolved one blocks its month's close)."""
    from billing.conflicts import list_conflicts

    with reported_errors(), transaction(ctx) as (session, _):
        rows = list_conflicts(session, unresolved_only=not all)
        for c in rows:
            state = f"resolved {c.resolved_at}: {c.resolution}" if c.resolved_at else "OPEN"
            typer.echo(f"{c.id:5} {c.event_period} {c.event_key}  {c.detail}  [{state}]")
        if not rows:
            typer.echo("no conflicts")


@app.command("resolve-conflict")
def resolve_conflict(
    ctx: typer.Context,
    conflict_id: Annotated[int, typer.Argument(help="Conflict id from `ktp billing conflicts`.")],
    resolution: Annotated[str, typer.Option("--resolution", help="How it was resolved.")],
) -> None:
    """Record how a conflict was resolved."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        billing.resolve_conflict(session, SYSTEM, conflict_id, resolution)
    typer.echo(f"conflict {conflict_id} resolved")


@app.command("correct")
def correct(
    ctx: typer.Context,
    seq: Annotated[int, typer.Option("--seq", help="The ledger transaction to reverse.")],
    key: Annotated[str, typer.Option("--key", help="Idempotency key of this correction.")],
    note: Annotated[str, typer.Option("--note", help="Why.")],
) -> None:
    """Reverse a billed card's transaction with a new entry pointing to it (nothing is ever edited)."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        outcome = billing.correct(session, SYSTEM, seq, key, note, wiring.billing)
    typer.echo(f"correction {key}: {outcome.status} (transaction {outcome.seq})")
