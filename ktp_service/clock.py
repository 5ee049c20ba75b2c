"""The service's clock: the system's, except inside :func:`set_to`.

Only the demo's history (``ktp demo seed``, :mod:`ktp_service.seed_history`) sets it: it prints the
previous month's cards through the real print path (job, worker, simulator, outbox, ledger), and every
time that path writes (the job's own times, the card's issue date, the blank card used, the counter
reading, the audit row) must then be that month's, as if the cards had been printed then. The setting
lives in a context variable, so only the code running in that context sees it (never the threads of a
running server)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_SET_TO: ContextVar[datetime | None] = ContextVar("ktp_clock", default=None)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    moment = _SET_TO.get()
    return datetime.now(UTC) if moment is None else moment


@contextmanager
def set_to(moment: datetime) -> Iterator[None]:
    """Within the block, :func:`utcnow` answers ``moment`` (aware; converted to UTC)."""
    if moment.tzinfo is None:
        raise ValueError("the clock is set to an aware moment")
    token = _SET_TO.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _SET_TO.reset(token)
