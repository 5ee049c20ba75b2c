"""Engines and units of work. One request (or CLI command) = one session = one transaction: ``unit_of_work``
commits at the end or rolls back on any error; services only flush."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

READ_ONLY = "ktp_read_only"
WRITER_WAIT_SECONDS = 2.0
# How long SQLite's busy handler waits for another process's write lock before "database is locked" (which
# the app answers as 503 service_busy: nothing saved, try again).
SQLITE_BUSY_SECONDS = 30.0


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each backend needs."""
    if url.startswith("sqlite"):
        # hide_parameters: an SQL error in a log must not carry a NIK or a name.
        # Pool: one connection per admitted request plus the worker threads (see main.AdmissionControl).
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
            hide_parameters=True,
            pool_size=10,
            max_overflow=40,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below issue BEGIN itself instead of pysqlite's implicit one.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # WAL lets readers work while one writer writes; foreign keys are off by default in SQLite.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        # SQLite has one writer at a time. Threads of this process queue on a lock rather than in SQLite's
        # busy handler, which polls with sleeps of up to 100 ms and so makes long latency tails. The lock is
        # taken at BEGIN and released after the real COMMIT or ROLLBACK (the dialect's do_commit/do_rollback).
        _serialize_sqlite_writers(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True, hide_parameters=True)


def _serialize_sqlite_writers(engine: Engine) -> None:
    writer = threading.Lock()
    holders: set[int] = set()  # ids of the pooled connections that hold the lock

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # a WAL reader never waits and is never waited for
            return
        # BEGIN IMMEDIATE takes SQLite's write lock at once: pysqlite's deferred BEGIN lets two writers both
        # read, then one fails to upgrade its lock ("database is locked") instead of waiting its turn.
        # Bounded wait. Waiting blocks a thread-pool thread; were every thread waiting while the holder needs
        # one more to finish its request, nothing would move. After the bound SQLite's own busy handler
        # takes over (slower, but never stuck), as it does if a connection ever leaves without COMMIT.
        held = writer.acquire(timeout=WRITER_WAIT_SECONDS)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if held:
                writer.release()
            raise
        if held:
            holders.add(id(conn.connection))

    def _release_after(original: Any) -> Any:
        def run(pooled_conn: Any) -> None:
            try:
                original(pooled_conn)
            finally:
                if id(pooled_conn) in holders:
                    holders.discard(id(pooled_conn))
                    writer.release()

        return run

    dialect: Any = engine.dialect
    dialect.do_commit = _release_after(dialect.do_commit)
    dialect.do_rollback = _release_after(dialect.do_rollback)


# What each backend says when a lock could not be had in time: SQLite's busy handler gave up, or PostgreSQL
# ended a statement on lock_timeout (55P03), a deadlock (40P01) or a serialization failure (40001).
_BUSY_SQLITE = ("database is locked", "database table is locked")
_BUSY_PG_STATES = {"55P03", "40P01", "40001"}


def is_busy(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again" rather than a fault: nothing was written."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _BUSY_PG_STATES:
        return True
    return any(words in str(orig or exc) for words in _BUSY_SQLITE)


@contextmanager
def unit_of_work(engine: Engine, *, writes: bool = True) -> Iterator[Session]:
    """A session whose transaction commits when the block ends normally and rolls back on any exception.

    ``writes=False`` declares that the work only reads, apart from records appended at the end (the audit
    trail of reads). On SQLite those run in a reader transaction that takes no write lock, and the appended
    records are written afterwards in a short write transaction of their own, so readers do not queue
    behind each other. On PostgreSQL (MVCC) both kinds are one ordinary transaction.
    """
    if writes or engine.dialect.name != "sqlite":
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
        return
    with Session(
        engine.execution_options(**{READ_ONLY: True}), autoflush=False, expire_on_commit=False
    ) as session:
        try:
            yield session
            appended = list(session.new)
            for obj in appended:
                session.expunge(obj)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    if appended:
        with Session(engine) as writer:
            writer.add_all(appended)
            writer.commit()
