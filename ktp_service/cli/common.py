"""What the command groups share: the run's settings, its wired parts and how errors are reported.

A command's settings are the ``obj`` its caller passed (``CliRunner().invoke(app, args, obj=Settings(...))``
in tests), else those of the ``KTP_`` environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from ktp_service.settings import Settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from ktp_service.wiring import Wiring


def settings_of(ctx: typer.Context) -> Settings:
    return ctx.ensure_object(Settings)


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` in red; the caller raises the returned exit (code 2)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


@contextmanager
def wired(ctx: typer.Context) -> Iterator[Wiring]:
    """The run's engine and adapters, closed when the command ends."""
    from ktp_service.wiring import wire  # imported late: `ktp --help` needs no database

    wiring = wire(settings_of(ctx))
    try:
        yield wiring
    finally:
        wiring.close()


@contextmanager
def transaction(ctx: typer.Context, *, writes: bool = True) -> Iterator[tuple[Session, Wiring]]:
    """One unit of work: committed when the block ends normally, rolled back on any exception."""
    from ktp_service.db import unit_of_work

    with wired(ctx) as wiring, unit_of_work(wiring.engine, writes=writes) as session:
        yield session, wiring


@contextmanager
def reported_errors() -> Iterator[None]:
    """A refusal by the service or billing ends the command with its message and exit code 2."""
    from billing.errors import BillingError
    from ktp_service.errors import DomainError

    try:
        yield
    except (BillingError, DomainError) as exc:
        raise fail(exc.message) from None
