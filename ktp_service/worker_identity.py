"""Print workers' identities and heartbeats.

A worker is ``NAME@HOST#SLOT``: the host and the configured name (``KTP_WORKER_NAME``, ``ktp worker
--name``) are the same after a restart, and the slot is claimed in the ``worker_slot`` table so that two
processes running at once never share an identity (``ktp serve --workers 4`` gets slots 0-3).

A slot is free when its holder released it (a clean stop), stopped heartbeating for the takeover time, or
was a process of this machine that is no longer running. The last rule is what lets a killed ``ktp serve``
come back as itself at once and resume its own jobs, instead of waiting out a lease. Every write a worker
makes about a job checks, in the same transaction, that it still holds its slot (:func:`holds`), so a
worker that lost its slot (it was silent too long) changes nothing it no longer owns.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from ktp_service.db import unit_of_work
from ktp_service.models import WorkerSlot
from ktp_service.settings import Settings

log = logging.getLogger("ktp.worker")

HOST_CHARS = 24  # NAME (32) + "@" + HOST + "#" + SLOT fits print_job.claimed_by (64)
_LIVE: set[str] = set()  # tokens of the slots this process holds


@dataclass(frozen=True)
class Identity:
    """A claimed slot: ``name`` is what jobs record in ``claimed_by``; ``token`` proves the holding."""

    name: str
    slot_id: int
    token: str

    def abandon(self) -> None:
        """Stop holding the slot in this process's eyes without telling the database, as a killed process
        would (tests of a restart run both incarnations in one process)."""
        _LIVE.discard(self.token)


def host_name() -> str:
    return socket.gethostname()[:HOST_CHARS] or "localhost"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child nobody has waited for yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _free(row: WorkerSlot, now: datetime, takeover: timedelta) -> bool:
    if row.token is None or row.heartbeat_at is None or row.heartbeat_at < now - takeover:
        return True
    if row.pid == os.getpid():  # this process: free unless one of its workers holds it now
        return row.token not in _LIVE
    return row.pid is None or not _pid_alive(row.pid)


def claim(
    engine: Engine, name: str, now: datetime, takeover: timedelta, *, host: str | None = None
) -> Identity:
    """Claim the lowest free slot of ``name`` on this host (a new one when all are held)."""
    host = (host or host_name())[:HOST_CHARS]
    token = uuid.uuid4().hex
    for _ in range(10):
        try:
            with unit_of_work(engine) as session:
                rows = list(
                    session.exec(
                        select(WorkerSlot)
                        .where(WorkerSlot.host == host, WorkerSlot.name == name)
                        .order_by(col(WorkerSlot.slot))
                        .with_for_update()
                    )
                )
                row = next((r for r in rows if _free(r, now, takeover)), None)
                if row is None:
                    slot = min(set(range(len(rows) + 1)) - {r.slot for r in rows})
                    row = WorkerSlot(identity=f"{name}@{host}#{slot}", host=host, name=name, slot=slot)
                row.token, row.pid, row.heartbeat_at, row.started_at = token, os.getpid(), now, now
                session.add(row)
                session.flush()
                assert row.id is not None
                identity = Identity(row.identity, row.id, token)
        except IntegrityError:  # another process created the same new slot at the same moment: look again
            continue
        _LIVE.add(token)
        return identity
    raise RuntimeError(f"no worker slot could be claimed for {name}@{host}")


def heartbeat(engine: Engine, identity: Identity, now: datetime) -> bool:
    """Renew the lease. False when the slot is no longer this worker's (it was silent too long)."""
    with unit_of_work(engine) as session:
        result = session.connection().execute(
            update(WorkerSlot)
            .where(col(WorkerSlot.id) == identity.slot_id, col(WorkerSlot.token) == identity.token)
            .values(heartbeat_at=now)
        )
        return bool(result.rowcount)


def release(engine: Engine, identity: Identity) -> None:
    """A clean stop: the slot is free at once, and other workers take over its jobs at once."""
    _LIVE.discard(identity.token)
    with unit_of_work(engine) as session:
        session.connection().execute(
            update(WorkerSlot)
            .where(col(WorkerSlot.id) == identity.slot_id, col(WorkerSlot.token) == identity.token)
            .values(token=None, heartbeat_at=None)
        )


def holds(session: Session, identity: Identity) -> bool:
    """Whether the slot is still this worker's, read in the caller's transaction."""
    return (
        session.exec(
            select(WorkerSlot.id).where(WorkerSlot.id == identity.slot_id, WorkerSlot.token == identity.token)
        ).first()
        is not None
    )


def silent(now: datetime, takeover: timedelta) -> SelectOfScalar[str]:
    """The identities whose jobs another worker may take over: released, or silent for ``takeover``."""
    return select(WorkerSlot.identity).where(
        or_(
            col(WorkerSlot.token).is_(None),
            col(WorkerSlot.heartbeat_at).is_(None),
            col(WorkerSlot.heartbeat_at) < now - takeover,
        )
    )


class Presence:
    """One worker's identity over time: claimed on first use, renewed by heartbeats (from a thread of its
    own: a pass waiting on a slow printer is no sign of death), given up on a clean stop. A worker that
    finds its slot taken (it was silent too long) claims a new identity; the jobs it had are another's."""

    def __init__(self, engine: Engine, settings: Settings, name: str, clock: Callable[[], datetime]) -> None:
        self.engine, self.name, self.clock = engine, name, clock
        self.takeover = timedelta(seconds=settings.worker_takeover_seconds)
        self.every = timedelta(seconds=settings.worker_heartbeat_seconds)
        self.identity: Identity | None = None
        self._beat_at: datetime | None = None
        self._lock = threading.RLock()  # the heartbeat thread and the passes share the identity

    def current(self) -> Identity:
        with self._lock:
            if self.identity is None:
                self.identity = claim(self.engine, self.name, self.clock(), self.takeover)
                self._beat_at = self.clock()
                log.info("print worker %s started", self.identity.name)
            return self.identity

    def beat(self, *, force: bool = False) -> None:
        """Renew the lease when due (or now)."""
        with self._lock:
            identity, now = self.current(), self.clock()
            if not force and self._beat_at is not None and now - self._beat_at < self.every:
                return
            if heartbeat(self.engine, identity, now):
                self._beat_at = now
                return
            log.warning("print worker %s lost its slot (silent too long); claiming another", identity.name)
            self.identity = None
            self.current()

    def keep_beating(self, stop: threading.Event) -> None:
        while not stop.wait(self.every.total_seconds() / 2):
            try:
                self.beat()
            except Exception:  # the database away for a moment: the next beat tries again
                log.exception("print worker heartbeat failed")

    def release(self) -> None:
        with self._lock:
            if self.identity is not None:
                release(self.engine, self.identity)
                self.identity = None
