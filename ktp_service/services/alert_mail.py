"""Alert e-mail (issue 15, part 4), sent with the standard library's :mod:`smtplib` when ``KTP_SMTP_HOST`` is
set. Recipients: active users with an e-mail address who are administrators (every office's alerts) or
supervisors of the alert's office.

Each alert is mailed once: ``mailed_at`` marks it sent. A send is claimed first (``mail_next_at`` moved
ahead in a committed, conditional update), so two worker processes never send the same alert at the same
time; the SMTP conversation happens with no transaction open. A failed send (refused connection, timeout,
a server's refusal) keeps the alert unsent, counts the attempt and sets the next try
``alert_mail_retry_minutes`` later: the alert is never lost, and the console shows it all along. When the
server cannot be reached the remaining alerts wait for the next check too, so an unreachable server holds
the worker's pass for at most one ``smtp_timeout_seconds`` per check. A process
that dies between the server accepting the message and the mark being written sends it again on the next
try (at least once, never silently none). Alerts cleared or acknowledged before they could be mailed are not
mailed: the console has them.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, and_, col, or_, select

from ktp_service.catalogue import translate
from ktp_service.db import unit_of_work
from ktp_service.models import Alert, Office, User, utcnow
from ktp_service.services.alerts import AlertView, texts
from ktp_service.settings import Settings
from ktp_service.vocab import Role

log = logging.getLogger("ktp.alerts")
# Refusals of one message (its sender, a recipient, its content): the next alert may still go through.
MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)
CLAIM = timedelta(minutes=5)  # a claimed send not finished by then (the process died) is tried again


@dataclass
class MailOutcome:
    sent: int = 0
    failed: int = 0
    no_recipients: int = 0


def recipients(session: Session, office_id: int) -> list[str]:
    """Addresses of the active administrators, and of the active supervisors of office ``office_id``."""
    rows = session.exec(
        select(User.email).where(
            col(User.active).is_(True),
            col(User.email).is_not(None),
            or_(
                col(User.role) == Role.ADMIN.value,
                and_(col(User.role) == Role.SUPERVISOR.value, col(User.office_id) == office_id),
            ),
        )
    )
    return sorted({e for e in rows if e})


def message(view: AlertView, settings: Settings, to: list[str]) -> EmailMessage:
    """The mail of one alert: Indonesian first, English below; names beside codes; what to do."""
    idn, eng = (texts(view, lang, settings.timezone) for lang in ("id", "en"))
    alert, office = view.alert, view.office
    mail = EmailMessage()
    where = f"{office.code} · {office.name}"
    about = where if alert.subject.startswith("office:") else f"{alert.subject_name} ({where})"
    mail["Subject"] = f"[KTP] {idn['kind']}: {about}"
    mail["From"] = settings.smtp_from or f"ktp-service@{settings.smtp_host}"
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"alert-{alert.id}")
    base = settings.public_base_url.rstrip("/")
    link = f"{base}/alerts" if base else "/alerts"
    lines = [
        f"{idn['kind']} ({alert.kind})",
        idn["text"],
        "",
        f"{translate('alert.mail.todo', 'id')}: {idn['todo']}",
        f"{translate('alert.mail.link', 'id')}: {link}",
        "",
        "-- English --",
        f"{eng['kind']} ({alert.kind})",
        eng["text"],
        "",
        f"{translate('alert.mail.todo', 'en')}: {eng['todo']}",
        f"{translate('alert.mail.link', 'en')}: {link}",
        "",
        f"alert #{alert.id} · {office.code} {office.name} · {alert.subject}",
    ]
    mail.set_content("\n".join(lines))
    return mail


def send(settings: Settings, mail: EmailMessage) -> None:
    """One message through the configured SMTP server (STARTTLS and login when configured)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(mail)


def _due(session: Session, now: datetime) -> list[int]:
    rows = session.exec(
        select(Alert.id).where(
            col(Alert.mailed_at).is_(None),
            col(Alert.cleared_at).is_(None),
            col(Alert.acknowledged_at).is_(None),
            or_(col(Alert.mail_next_at).is_(None), col(Alert.mail_next_at) <= now),
        )
    )
    return [i for i in rows if i is not None]


def _claim(engine: Engine, alert_id: int, now: datetime) -> bool:
    table = Alert.__table__  # type: ignore[attr-defined]
    with unit_of_work(engine) as session:
        done = session.connection().execute(
            sa.update(table)
            .where(
                table.c.id == alert_id,
                table.c.mailed_at.is_(None),
                sa.or_(table.c.mail_next_at.is_(None), table.c.mail_next_at <= now),
            )
            .values(mail_next_at=now + CLAIM)
        )
        return bool(done.rowcount)


def _finish(engine: Engine, alert_id: int, now: datetime, error: str | None, retry: timedelta) -> None:
    with unit_of_work(engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            return
        alert.mail_attempts += 1
        if error is None:
            alert.mailed_at, alert.mail_error, alert.mail_next_at = now, None, None
        else:
            alert.mail_error, alert.mail_next_at = error[:300], now + retry
        session.add(alert)


def send_due(engine: Engine, settings: Settings, now: datetime | None = None) -> MailOutcome:
    """Mail every open, unacknowledged alert not mailed yet whose next try is due. Nothing without SMTP."""
    outcome = MailOutcome()
    if not settings.smtp_host:
        return outcome
    now = now or utcnow()
    retry = timedelta(minutes=settings.alert_mail_retry_minutes)
    with unit_of_work(engine, writes=False) as session:
        due = _due(session, now)
    for alert_id in due:
        if not _claim(engine, alert_id, now):
            continue  # another process has it
        with unit_of_work(engine, writes=False) as session:
            alert = session.get(Alert, alert_id)
            assert alert is not None
            office = session.get(Office, alert.office_id)
            assert office is not None
            to = recipients(session, alert.office_id)
        if not to:
            outcome.no_recipients += 1
            _finish(engine, alert_id, now, "no recipient with an e-mail address", retry)
            continue
        try:
            send(settings, message(AlertView(alert, office, None), settings, to))
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, or the server said no
            log.warning("alert %s: mail not sent (%s); tried again later", alert_id, type(exc).__name__)
            outcome.failed += 1
            _finish(engine, alert_id, now, f"{type(exc).__name__}: {exc}", retry)
            if not isinstance(exc, MESSAGE_REFUSED):
                # The server is unreachable or refuses us: the other alerts wait for the next try rather
                # than each holding the worker's pass for a timeout.
                break
            continue
        outcome.sent += 1
        _finish(engine, alert_id, now, None, retry)
    return outcome
