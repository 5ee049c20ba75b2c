"""Background poll of every active printer's status, kept on the printer rows (state, reasons, supplies,
counter). One slow or unreachable printer only delays its own row. Printers behind an office's print agent
are reported by their agent instead."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from ktp_service.db import unit_of_work
from ktp_service.models import Printer
from ktp_service.services import printers

log = logging.getLogger("ktp.status")


class StatusPoller:
    def __init__(self, engine: Engine, adapters: printers.AdapterCache, interval: float) -> None:
        self.engine, self.adapters, self.interval = engine, adapters, interval
        self._stop = threading.Event()

    def poll_all(self) -> None:
        with unit_of_work(self.engine) as session:
            ids = list(
                session.exec(
                    select(Printer.id).where(col(Printer.active).is_(True), col(Printer.agent_id).is_(None))
                )
            )
        for printer_id in ids:
            # The printer is asked with no transaction open; the answer is written in a short one.
            with unit_of_work(self.engine, writes=False) as session:
                printer = session.get(Printer, printer_id)
            if printer is None:
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
        while not self._stop.is_set():
            try:
                self.poll_all()
            except Exception:
                log.exception("printer status poll failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
