"""Periodic signed checkpoints of the billing chain head (billing.checkpoints), run from the print worker's
pass (so ``ktp serve`` and every ``ktp worker`` run it). Between ticks a pass costs one clock comparison;
on a tick, a cheap read decides whether the head moved, the billing lock is taken only to sign, and the
stored checkpoints the log file lacks (a month close's included) are copied to it after the commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from billing.checkpoints import Checkpoint, checkpoint_due, make_checkpoint, sync_log
from billing.config import BillingConfig
from ktp_service.db import unit_of_work

log = logging.getLogger("ktp.billing")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Checkpointer:
    def __init__(
        self,
        engine: Engine,
        config: BillingConfig,
        interval: timedelta,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.engine, self.config, self.interval, self.clock = engine, config, interval, clock
        self.next_tick: datetime | None = None  # the first pass ticks: it also copies what the log lacks

    def tick(self) -> Checkpoint | None:
        """Sign the head if a checkpoint is due, then bring the log file up to date. The checkpoint made, if
        any. Does nothing until the interval since the last tick has passed."""
        now = self.clock()
        if self.next_tick is not None and now < self.next_tick:
            return None
        self.next_tick = now + self.interval
        with unit_of_work(self.engine, writes=False) as session:
            due = checkpoint_due(session, now, self.interval)
        made = None
        if due:
            with unit_of_work(self.engine) as session:
                made = make_checkpoint(session, self.config, now=now, interval=self.interval)
            if made is not None:
                log.info("signed billing chain checkpoint %s at transaction %s", made.id, made.seq)
        self.sync()
        return made

    def sync(self) -> int:
        """Copy the stored checkpoints the log file lacks to it (after their transaction committed)."""
        with unit_of_work(self.engine, writes=False) as session:
            return sync_log(session, self.config.checkpoint_path)
