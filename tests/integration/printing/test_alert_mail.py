"""Alert e-mail (issue 15, part 4) against a real SMTP server started in the test (aiosmtpd): the message
reaches the administrators and the office's supervisors with an address, in Indonesian first with names
beside codes; each alert is mailed once; a refused connection keeps the alert unsent and it goes out on a
later try. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from ktp_service.models import Alert, User, utcnow
from ktp_service.services import alert_mail, alerts
from tests.integration.printing.conftest import SUPERVISOR, Counter

ADMIN_MAIL = "admin@disdukcapil.sragenkab.go.id"
SPV_MAIL = "spv.kalijambe@sragenkab.go.id"
OTHER_SPV_MAIL = "spv.kpt@sragenkab.go.id"


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message it accepts, with its envelope's recipients."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append((sorted(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    try:
        yield inbox
    finally:
        controller.stop()


def mail_settings(counter: Counter, port: int) -> None:
    s = counter.settings
    s.smtp_host, s.smtp_port, s.smtp_starttls = "127.0.0.1", port, False
    s.smtp_from = "ktp-service@sragenkab.go.id"
    s.public_base_url = "https://ktp.sragenkab.go.id"


def set_emails(counter: Counter) -> None:
    with Session(counter.world.engine) as s:
        for username, email in (
            ("admin", ADMIN_MAIL),
            (SUPERVISOR, SPV_MAIL),
            ("kpt.supervisor", OTHER_SPV_MAIL),  # another office's supervisor: not told of Kalijambe's
            ("kalijambe.clerk", "clerk@sragenkab.go.id"),  # a clerk: never mailed alerts
        ):
            user = s.exec(select(User).where(User.username == username)).one()
            user.email = email
            s.add(user)
        s.commit()


def raise_stock_alert(counter: Counter) -> Alert:
    r = counter.client.put(
        "/api/v1/offices/33.14.01/low-stock-threshold",
        json={"threshold": 120},
        headers=counter.as_user("admin"),
    )
    assert r.status_code == 200, r.text
    assert alerts.evaluate(counter.world.engine, counter.settings).raised == 1
    return stored(counter)


def stored(counter: Counter) -> Alert:
    with Session(counter.world.engine) as s:
        return s.exec(select(Alert)).one()


def test_an_alert_is_mailed_once_in_indonesian_with_names_beside_codes(counter: Counter) -> None:
    port = free_port()
    mail_settings(counter, port)
    set_emails(counter)
    raise_stock_alert(counter)
    with smtp_server(port) as inbox:
        outcome = alert_mail.send_due(counter.world.engine, counter.settings)
        assert (outcome.sent, outcome.failed) == (1, 0)
        assert alert_mail.send_due(counter.world.engine, counter.settings).sent == 0  # once only
    [(recipients, message)] = inbox.received
    assert recipients == sorted([ADMIN_MAIL, SPV_MAIL])
    assert message["Subject"] == "[KTP] Stok blanko menipis: 33.14.01 · Kantor Kecamatan Kalijambe"
    assert message["From"] == "ktp-service@sragenkab.go.id"
    body = message.get_content()
    assert body.index("Stok blanko menipis (stock_low)") < body.index("-- English --")
    assert "33.14.01 · Kantor Kecamatan Kalijambe tinggal 100 blanko kartu (batas peringatan 120)." in body
    assert "Yang perlu dilakukan: Kirim blanko dari kantor kabupaten" in body
    assert "Buka konsol: https://ktp.sragenkab.go.id/alerts" in body
    assert "Blank cards running low (stock_low)" in body
    alert = stored(counter)
    assert alert.mailed_at is not None and alert.mail_attempts == 1 and alert.mail_error is None


def test_a_refused_connection_keeps_the_alert_and_it_is_mailed_on_a_later_try(counter: Counter) -> None:
    port = free_port()  # nothing listens there yet: the connection is refused
    mail_settings(counter, port)
    set_emails(counter)
    raise_stock_alert(counter)
    now = utcnow()
    failed = alert_mail.send_due(counter.world.engine, counter.settings, now)
    assert (failed.sent, failed.failed) == (0, 1)
    alert = stored(counter)
    assert alert.mailed_at is None and alert.mail_attempts == 1
    assert alert.mail_error is not None and "ConnectionRefusedError" in alert.mail_error
    retry = timedelta(minutes=counter.settings.alert_mail_retry_minutes)
    assert alert.mail_next_at == now + retry
    # Shown in the console all along, with the failed attempt.
    shown = counter.client.get("/api/v1/alerts", headers=counter.as_user(SUPERVISOR)).json()
    assert [a["mail_attempts"] for a in shown] == [1] and shown[0]["mailed_at"] is None

    with smtp_server(port) as inbox:
        early = alert_mail.send_due(counter.world.engine, counter.settings, now + retry / 2)
        assert early.sent == 0 and inbox.received == []  # not due yet
        later = alert_mail.send_due(counter.world.engine, counter.settings, now + retry)
        assert later.sent == 1
    assert len(inbox.received) == 1
    alert = stored(counter)
    assert alert.mailed_at is not None and alert.mail_attempts == 2 and alert.mail_error is None


def test_nothing_is_mailed_without_smtp_or_for_an_acknowledged_alert(counter: Counter) -> None:
    set_emails(counter)
    alert = raise_stock_alert(counter)
    assert counter.settings.smtp_host == ""
    assert alert_mail.send_due(counter.world.engine, counter.settings).sent == 0
    r = counter.client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge",
        json={"note": "sudah tahu"},
        headers=counter.as_user(SUPERVISOR),
    )
    assert r.status_code == 200, r.text
    port = free_port()
    mail_settings(counter, port)
    with smtp_server(port) as inbox:
        assert alert_mail.send_due(counter.world.engine, counter.settings).sent == 0
    assert inbox.received == []


def test_an_unreachable_server_holds_one_try_per_check(counter: Counter) -> None:
    """After a refused connection the other alerts wait for the next check (no timeout each)."""
    port = free_port()
    mail_settings(counter, port)
    set_emails(counter)
    with Session(counter.world.engine) as s:
        office_id = counter.world.users[SUPERVISOR].office_id
        assert office_id is not None
        for n in (1, 2):
            s.add(
                Alert(
                    kind=alerts.PRINTER_DOWN,
                    office_id=office_id,
                    subject=f"printer:{n}",
                    subject_name=f"P{n}",
                )
            )
        s.commit()
    now = utcnow()
    first = alert_mail.send_due(counter.world.engine, counter.settings, now)
    assert (first.sent, first.failed) == (0, 1)
    with Session(counter.world.engine) as s:
        assert sorted(a.mail_attempts for a in s.exec(select(Alert))) == [0, 1]
    with smtp_server(port) as inbox:
        later = alert_mail.send_due(counter.world.engine, counter.settings, now + timedelta(seconds=1))
        assert later.sent == 1  # the one not tried yet; the failed one waits for its retry time
        last = alert_mail.send_due(
            counter.world.engine,
            counter.settings,
            now + timedelta(minutes=counter.settings.alert_mail_retry_minutes),
        )
        assert last.sent == 1
    assert sorted(m["Subject"] for _, m in inbox.received) == [
        "[KTP] Printer mati: P1 (33.14.01 · Kantor Kecamatan Kalijambe)",
        "[KTP] Printer mati: P2 (33.14.01 · Kantor Kecamatan Kalijambe)",
    ]
