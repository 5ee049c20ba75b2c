"""Background poll of every active printer's status, kept on the printer rows (state, reasons, supplies,
counter). One slow or unreachable printer only delays its own row. Printers behind an office's print agent
are reported by their agent instead.

Every printer is asked every ``interval`` seconds; a printer with a job waiting, printing or stopped at it
is asked every ``busy_interval`` seconds, so a fault cleared at the printer is seen within about a second
and the jobs it held are due at once (:func:`ktp_service.services.waiting.wake_jobs_of`, called by
:func:`ktp_service.services.printers.apply_status`)."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from ktp_service.db import unit_of_work
from ktp_service.models import Printer
from ktp_service.services import printers, waiting

log = logging.getLogger("ktp.status")


class StatusPoller:
    def __init__(
        self,
        engine: Engine,
        adapters: printers.AdapterCache,
        interval: float,
        *,
        busy_interval: float = 1.0,
    ) -> None:
        self.engine, self.adapters, self.interval = engine, adapters, interval
        self.busy_interval = min(busy_interval, interval)
        self._stop = threading.Event()

    def poll_all(self) -> None:
        with unit_of_work(self.engine, writes=False) as session:
            ids = list(
                session.exec(
                    select(Printer.id).where(col(Printer.active).is_(True), col(Printer.agent_id).is_(None))
                )
            )
        self._poll([i for i in ids if i is not None])

    def poll_busy(self) -> None:
        """Only the printers that have a job waiting, printing or stopped at them."""
        with unit_of_work(self.engine, writes=False) as session:
            ids = waiting.printers_with_waiting_jobs(session)
        self._poll(ids)

    def _poll(self, ids: list[int]) -> None:
        for printer_id in ids:
            # The printer is asked with no transaction open; the answer is written in a short one.
            with unit_of_work(self.engine, writes=False) as session:
                printer = session.get(Printer, printer_id)
            if printer is None or printer.agent_id is not None:  # its agent reports it
                continue
            try:
                polled = printers.fetch_status(printer, self.adapters)
            except Exception as exc:  # an adapter bug must not leave the other printers unpolled
                log.exception("printer %s: status poll failed", printer_id)
                polled = printers.Polled(None, error=f"{type(exc).__name__}")
            with unit_of_work(self.engine) as session:
                current = session.get(Printer, printer_id)
                if current is not None:
                    printers.apply_status(session, current, polled)

    def run(self) -> None:
        next_full = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_full:
                    next_full = time.monotonic() + self.interval
                    self.poll_all()
                else:
                    self.poll_busy()
            except Exception:
                log.exception("printer status poll failed")
            self._stop.wait(self.busy_interval)

    def stop(self) -> None:
        self._stop.set()
