"""The print agent's durable journal (issue 14): SQLite in the agent's data directory, written before every
step that the centre or the printer will see, so a killed agent resumes where it was.

Order of writes (each a committed SQLite transaction, ``synchronous=FULL``):
- a fetched job is journaled (``held``) before it is acknowledged to the centre;
- its card is kept on disk (``ready``) only after its SHA-256 matched what the centre said;
- the intent to send is journaled (``sending``) before the card goes to the printer; the printer's job id
  (``sent``) right after; a job found ``sending`` after a restart was maybe printed: never resent;
- an outcome is journaled together with the report that will carry it (``done`` + a report row), before
  it is reported; reports are sent until the centre answers, each with (job, attempt, event), which the
  centre applies once.

It holds job ids, hashes and states: never a photo or a resident's data.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS job (
    uuid TEXT PRIMARY KEY,
    attempt INTEGER NOT NULL,
    printer_id INTEGER NOT NULL,
    card_serial TEXT,
    document_format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    doc_path TEXT,
    state TEXT NOT NULL,          -- held | ready | sending | sent | done
    acknowledged INTEGER NOT NULL DEFAULT 0,
    printer_job_id TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS report (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    event TEXT NOT NULL,
    printer_time TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',
    sha256 TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    refused TEXT,
    UNIQUE (uuid, attempt, event)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def now_text() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class HeldJob:
    uuid: str
    attempt: int
    printer_id: int
    card_serial: str | None
    document_format: str
    sha256: str
    doc_path: str | None
    state: str
    acknowledged: bool
    printer_job_id: str | None


@dataclass(frozen=True)
class Report:
    id: int
    uuid: str
    attempt: int
    event: str
    printer_time: str | None
    reasons: list[str]
    sha256: str | None


class Journal:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a journaled step survives a power cut
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self.db.execute(sql, args))

    # -- meta --------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", key)
        return json.loads(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # -- jobs --------------------------------------------------------------------------------------------
    def hold(self, offer: dict[str, Any]) -> None:
        """Journal a fetched job (a repeat of the same offer changes nothing)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO job (uuid, attempt, printer_id, card_serial, document_format, sha256,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'held', ?, ?)",
                (
                    offer["job_id"],
                    offer["attempt"],
                    offer["printer_id"],
                    offer.get("card_serial"),
                    offer["document_format"],
                    offer["document_sha256"] or "",
                    now_text(),
                    now_text(),
                ),
            )

    def _jobs(self, where: str, *args: Any) -> list[HeldJob]:
        rows = self._rows(
            "SELECT uuid, attempt, printer_id, card_serial, document_format, sha256, doc_path, state,"
            f" acknowledged, printer_job_id FROM job WHERE {where} ORDER BY created_at, uuid",
            *args,
        )
        return [
            HeldJob(
                uuid=r[0],
                attempt=r[1],
                printer_id=r[2],
                card_serial=r[3],
                document_format=r[4],
                sha256=r[5],
                doc_path=r[6],
                state=r[7],
                acknowledged=bool(r[8]),
                printer_job_id=r[9],
            )
            for r in rows
        ]

    def job(self, uuid: str) -> HeldJob | None:
        found = self._jobs("uuid = ?", uuid)
        return found[0] if found else None

    def jobs(self, state: str | None = None) -> list[HeldJob]:
        return self._jobs("state = ?", state) if state else self._jobs("1 = 1")

    def unacknowledged(self) -> list[HeldJob]:
        return self._jobs("acknowledged = 0")

    def _set(self, uuid: str, **fields: Any) -> None:
        names = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            db.execute(
                f"UPDATE job SET {names}, updated_at = ? WHERE uuid = ?", (*fields.values(), now_text(), uuid)
            )

    def acknowledged(self, uuid: str) -> None:
        self._set(uuid, acknowledged=1)

    def ready(self, uuid: str, doc_path: str) -> None:
        self._set(uuid, doc_path=doc_path, state="ready")

    def busy(self, printer_id: int) -> bool:
        """A card of this printer is being sent or printed (one at a time per printer)."""
        return bool(self._jobs("printer_id = ? AND state IN ('sending', 'sent')", printer_id))

    def intend(self, uuid: str) -> None:
        self._set(uuid, state="sending")

    def done_with_cards(self, before: str) -> list[HeldJob]:
        """Finished jobs whose card is still on disk, finished before ``before`` (ISO 8601, UTC)."""
        return self._jobs("state = 'done' AND doc_path IS NOT NULL AND updated_at < ?", before)

    def forget_card(self, uuid: str) -> None:
        """The card's file is gone from the disk (its outcome stays)."""
        with self._tx() as db:
            db.execute("UPDATE job SET doc_path = NULL WHERE uuid = ?", (uuid,))

    def recalled(self, uuid: str) -> None:
        """A supervisor took the job back before its card was sent: done here, with nothing to report."""
        self._set(uuid, state="done", outcome="recalled")

    def unsent(self, uuid: str) -> None:
        """The printer refused before taking anything (PrinterUnavailable): ready again."""
        self._set(uuid, state="ready")

    def sent(self, uuid: str, printer_job_id: str, printer_time: str) -> None:
        """The printer took the card: its job id, and the "printing" report, in one transaction."""
        with self._tx() as db:
            db.execute(
                "UPDATE job SET state = 'sent', printer_job_id = ?, updated_at = ? WHERE uuid = ?",
                (printer_job_id, now_text(), uuid),
            )
            self._add_report(db, uuid, "printing", printer_time, [])

    def finish(self, uuid: str, event: str, printer_time: str | None, reasons: list[str]) -> None:
        """The outcome and the report carrying it, in one transaction (before anything is reported)."""
        with self._tx() as db:
            db.execute(
                "UPDATE job SET state = 'done', outcome = ?, updated_at = ? WHERE uuid = ?",
                (event, now_text(), uuid),
            )
            self._add_report(db, uuid, event, printer_time, reasons)

    def _add_report(
        self, db: sqlite3.Connection, uuid: str, event: str, printer_time: str | None, reasons: list[str]
    ) -> None:
        attempt, sha256 = db.execute("SELECT attempt, sha256 FROM job WHERE uuid = ?", (uuid,)).fetchone()
        db.execute(
            "INSERT OR IGNORE INTO report (uuid, attempt, event, printer_time, reasons, sha256, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (uuid, attempt, event, printer_time, json.dumps(reasons), sha256, now_text()),
        )

    # -- reports -----------------------------------------------------------------------------------------
    def unreported(self) -> list[Report]:
        rows = self._rows(
            "SELECT id, uuid, attempt, event, printer_time, reasons, sha256 FROM report"
            " WHERE sent_at IS NULL AND refused IS NULL ORDER BY id"
        )
        return [Report(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def reported(self, report_id: int, refused: str | None = None) -> None:
        with self._tx() as db:
            column = "refused" if refused else "sent_at"
            db.execute(f"UPDATE report SET {column} = ? WHERE id = ?", (refused or now_text(), report_id))

    def counts(self) -> dict[str, int]:
        """For the status page: jobs by state, and reports waiting for the centre."""
        found: dict[str, int] = {
            str(r[0]): int(r[1]) for r in self._rows("SELECT state, count(*) FROM job GROUP BY state")
        }
        found["waiting_to_report"] = self._rows(
            "SELECT count(*) FROM report WHERE sent_at IS NULL AND refused IS NULL"
        )[0][0]
        return found

    def queue_depth(self) -> int:
        return int(self._rows("SELECT count(*) FROM job WHERE state != 'done'")[0][0])
