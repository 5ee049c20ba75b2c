"""Periodic alert evaluation and mailing (:mod:`ktp_service.services.alerts`), run from the print worker's
pass like the billing checkpoints, so ``ktp serve`` (with its worker) and every ``ktp worker`` run it.
Between ticks a pass costs one clock comparison. Several workers may tick at once: evaluation is idempotent
and the database keeps one open alert per kind and subject; a mail is claimed before it is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from ktp_service.models import utcnow
from ktp_service.services import alert_mail, alerts
from ktp_service.settings import Settings

log = logging.getLogger("ktp.alerts")


@dataclass
class CheckResult:
    evaluated: alerts.Outcome
    mailed: alert_mail.MailOutcome


def check(engine: Engine, settings: Settings, now: datetime | None = None) -> CheckResult:
    """One evaluation, then the mails due (``ktp alerts check`` runs exactly this)."""
    evaluated = alerts.evaluate(engine, settings, now)
    if evaluated.raised or evaluated.cleared:
        log.info(
            "alerts: %s raised, %s cleared, %s open", evaluated.raised, evaluated.cleared, evaluated.open
        )
    return CheckResult(evaluated, alert_mail.send_due(engine, settings, now))


class AlertChecker:
    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.interval = timedelta(seconds=settings.alert_check_seconds)
        self.next_tick: datetime | None = None

    def tick(self) -> CheckResult | None:
        now = self.clock()
        if self.next_tick is not None and now < self.next_tick:
            return None
        self.next_tick = now + self.interval
        return check(self.engine, self.settings, now)
