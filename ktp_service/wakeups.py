"""Waking the print worker the moment a job becomes due, in whichever process the worker runs.

A job becomes due when a clerk asks for a card, a supervisor approves one, a job is moved or tried now, or
its printer is ready again after a fault. The transaction that makes it due calls :func:`announce`; once it
commits, every worker waiting on the same database wakes instead of sleeping out its idle wait:

- in this process, through a :class:`Bell` per waiting worker (SQLite: the web app and its worker are one
  process, so this is the whole story; a ``ktp worker`` process of its own on SQLite still finds the job on
  its next idle pass);
- on PostgreSQL also in every other process, through ``NOTIFY`` on :data:`CHANNEL`, delivered at commit (a
  rolled back transaction notifies no one); each worker process keeps a ``LISTEN`` connection
  (:func:`listen`) that rings its local bells.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger("ktp.wakeups")

CHANNEL = "ktp_jobs_due"
_ANNOUNCED = "ktp_jobs_due_announced"


class Bell:
    """One waiter's doorbell: ``wait`` returns early when rung, and a ring while nobody waits is kept."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def ring(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True when rung (the ring is used up)."""
        rung = self._event.wait(timeout)
        self._event.clear()
        return rung


_lock = threading.Lock()
_bells: dict[str, set[Bell]] = {}


def _key(engine: Engine) -> str:
    # Engines of one database share their bells (tests and the CLI may build several for one URL).
    return engine.url.render_as_string(hide_password=True)


def subscribe(engine: Engine, bell: Bell | None = None) -> Bell:
    """``bell`` (a new one if None) rings whenever jobs become due on ``engine``'s database."""
    bell = bell or Bell()
    with _lock:
        _bells.setdefault(_key(engine), set()).add(bell)
    return bell


def unsubscribe(engine: Engine, bell: Bell) -> None:
    with _lock:
        _bells.get(_key(engine), set()).discard(bell)


def ring(engine: Engine) -> None:
    """Wake this process's workers on ``engine``'s database now."""
    with _lock:
        bells = list(_bells.get(_key(engine), ()))
    for bell in bells:
        bell.ring()


def announce(session: Session) -> None:
    """Jobs became due in ``session``'s transaction: wake the workers when it commits (once per session)."""
    if session.info.get(_ANNOUNCED):
        return
    session.info[_ANNOUNCED] = True
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine.dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})

    def after_commit(*_: Any) -> None:
        session.info.pop(_ANNOUNCED, None)
        ring(engine)

    def after_rollback(*_: Any) -> None:
        session.info.pop(_ANNOUNCED, None)

    event.listen(session, "after_commit", after_commit, once=True)
    event.listen(session, "after_soft_rollback", after_rollback, once=True)


def listen(engine: Engine, stop: threading.Event) -> None:
    """PostgreSQL: ring this process's bells whenever another process announces due jobs, until ``stop``.
    Runs in a thread of its own on a connection of its own (never a pooled one); reconnects after an error.
    Nothing to do on SQLite (one process)."""
    if engine.dialect.name != "postgresql":
        return
    import psycopg

    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                ring(engine)  # whatever was announced while this process was not listening
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0, stop_after=1):
                        ring(engine)
        except psycopg.Error as exc:
            log.warning("listening for due jobs failed (%s); idle passes find them meanwhile", exc)
            stop.wait(2.0)


def start_listener(engine: Engine, stop: threading.Event) -> threading.Thread | None:
    if engine.dialect.name != "postgresql":
        return None
    thread = threading.Thread(target=listen, args=(engine, stop), name="jobs-due-listener", daemon=True)
    thread.start()
    return thread
