"""The service's parts, built in one place from one settings object: the web app (``ktp serve``),
``ktp worker`` and the other CLI commands all get their engine, printer adapters and billing configuration
from ``wire``, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from billing.config import BillingConfig
from ktp_service.alert_checker import AlertChecker
from ktp_service.billing_bridge import config_for, poster
from ktp_service.checkpointer import Checkpointer
from ktp_service.db import make_engine
from ktp_service.services.printers import AdapterCache
from ktp_service.settings import Settings
from ktp_service.status_poller import StatusPoller
from ktp_service.worker import PrintWorker


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    engine: Engine
    adapters: AdapterCache
    billing: BillingConfig
    owns_engine: bool = True  # an engine handed in (tests share one) is its owner's to dispose

    def print_worker(self, name: str | None = None) -> PrintWorker:
        """A print worker that posts printed cards to billing as it goes."""
        return PrintWorker(
            self.engine,
            self.settings,
            name=name,
            adapters=self.adapters,
            post_events=poster(self.settings),
            checkpoint=self.checkpointer().tick,
            alerts=AlertChecker(self.engine, self.settings).tick,
        )

    def checkpointer(self) -> Checkpointer:
        interval = timedelta(minutes=self.settings.checkpoint_minutes)
        return Checkpointer(self.engine, self.billing, interval)

    def status_poller(self) -> StatusPoller:
        return StatusPoller(
            self.engine,
            self.adapters,
            self.settings.printer_poll_seconds,
            busy_interval=self.settings.printer_busy_poll_seconds,
        )

    def close(self) -> None:
        """Close the printer connections and, if this wiring made it, the database pool. Disposing a shared
        engine would orphan the connections its other users hold (closed only when garbage collected)."""
        self.adapters.close()
        if self.owns_engine:
            self.engine.dispose()


def wire(settings: Settings | None = None, engine: Engine | None = None) -> Wiring:
    """The parts for ``settings`` (default: read from the ``KTP_`` environment). An ``engine`` given is
    used as it is (tests share one); otherwise one is made for the settings' database."""
    settings = settings or Settings()
    owns_engine = engine is None
    if engine is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # where the default SQLite file goes
        engine = make_engine(settings.effective_database_url)
    return Wiring(settings, engine, AdapterCache(settings), config_for(settings), owns_engine)
