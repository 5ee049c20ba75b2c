"""Alerts (issue 15, part 4): administrators and supervisors are told when

- a printer has been stopped or offline longer than ``alert_printer_down_minutes`` (its status history,
  :mod:`ktp_service.services.printer_history`, says since when);
- an office's print agent has been silent longer than ``alert_agent_down_minutes``;
- an office that prints has this few blank cards left: its own threshold, else ``low_stock_threshold``;
- a print job has waited longer than ``alert_approval_minutes`` for a supervisor's approval;
- printed cards wait uncollected at an office past ``uncollected_days`` (one alert per office).

:func:`evaluate` compares the conditions seen now with the open alerts: a new condition raises an alert, an
alert whose condition ended is cleared, an open one has its figures brought up to date. It is idempotent
(running it twice changes nothing the second time), and the database keeps one open alert per kind and
subject (a partial unique index; the insert does nothing on a conflict), so two evaluators in two worker
processes never raise the same alert twice. An alert stays in the badge until a person acknowledges it,
cleared or not: a printer down for two hours in the night is worth knowing about in the morning.

Alerts name records by id, code and name (printer, agent, office): never a resident's NIK or name, since
alerts are mailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from ktp_service.catalogue import translate
from ktp_service.db import unit_of_work
from ktp_service.errors import Conflict, NotFound, invalid_field
from ktp_service.lifecycle import JobStatus
from ktp_service.models import Alert, Office, PrintAgent, Printer, PrintJob, User, utcnow
from ktp_service.services import audit, handover, printer_history, stock
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role

PRINTER_DOWN = "printer_down"
AGENT_DOWN = "agent_down"
STOCK_LOW = "stock_low"
APPROVAL_WAITING = "approval_waiting"
UNCOLLECTED = "uncollected"
KINDS = (PRINTER_DOWN, AGENT_DOWN, STOCK_LOW, APPROVAL_WAITING, UNCOLLECTED)
# A printer in one of these states cannot print: IPP printer-state 5 (stopped), or no answer at all.
DOWN_STATES = frozenset({"stopped", "offline"})
MAX_NOTE = 300


class AlertNotFound(NotFound, code="alert_not_found"): ...


class AlertAlreadyAcknowledged(Conflict, code="alert_already_acknowledged"): ...


@dataclass(frozen=True)
class Condition:
    """A condition seen now: what an open alert of ``kind`` about ``subject`` says."""

    kind: str
    office_id: int
    subject: str
    subject_name: str
    since: datetime | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.subject


@dataclass
class Outcome:
    raised: int = 0
    cleared: int = 0
    updated: int = 0
    open: int = 0


# -- the conditions --------------------------------------------------------------------------------------
def conditions(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    return [
        *_printers_down(session, settings, now),
        *_agents_down(session, settings, now),
        *_stock_low(session, settings),
        *_approvals_waiting(session, settings, now),
        *_uncollected(session, settings, now),
    ]


def down_since(session: Session, printer: Printer) -> datetime | None:
    """Since when the printer has been in a down state without a break: the oldest of its latest run of
    down states in the status history (the poll's last answer when there is no history yet); None if up."""
    if printer.status_state not in DOWN_STATES or printer.id is None:
        return None
    since = None
    for change in printer_history.recent_changes(session, printer.id, limit=200):
        if change.state not in DOWN_STATES:
            break
        since = change.at
    return since or printer.status_at


def _printers_down(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    limit = timedelta(minutes=settings.alert_printer_down_minutes)
    found = []
    rows = session.exec(
        select(Printer).where(col(Printer.active).is_(True), col(Printer.status_state).in_(DOWN_STATES))
    )
    for printer in rows:
        since = down_since(session, printer)
        if since is None or now - since < limit:
            continue
        found.append(
            Condition(
                PRINTER_DOWN,
                printer.office_id,
                f"printer:{printer.id}",
                printer.name,
                since,
                {"state": printer.status_state, "reasons": sorted(printer.status_reasons)},
            )
        )
    return found


def _agents_down(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    limit = timedelta(minutes=settings.alert_agent_down_minutes)
    found = []
    rows = session.exec(
        select(PrintAgent).where(
            col(PrintAgent.enrolled_at).is_not(None), col(PrintAgent.revoked_at).is_(None)
        )
    )
    for agent in rows:
        last = agent.last_contact_at or agent.enrolled_at
        if last is None or now - last < limit:
            continue
        found.append(
            Condition(
                AGENT_DOWN,
                agent.office_id,
                f"agent:{agent.id}",
                agent.name,
                last,
                {
                    "last_contact": None
                    if agent.last_contact_at is None
                    else agent.last_contact_at.isoformat()
                },
            )
        )
    return found


def _stock_low(session: Session, settings: Settings) -> list[Condition]:
    """Offices that print (an active printer) with blank cards at or below their threshold."""
    printing = set(session.exec(select(Printer.office_id).where(col(Printer.active).is_(True))))
    found = []
    for office in session.exec(select(Office).where(col(Office.active).is_(True))):
        if office.id not in printing:
            continue
        threshold = threshold_of(office, settings)
        balance = stock.balance(session, office.id)
        if balance <= threshold:
            found.append(
                Condition(
                    STOCK_LOW,
                    office.id,
                    f"office:{office.code}",
                    office.name,
                    None,
                    {"balance": balance, "threshold": threshold},
                )
            )
    return found


def threshold_of(office: Office, settings: Settings) -> int:
    return settings.low_stock_threshold if office.low_stock_threshold is None else office.low_stock_threshold


def _approvals_waiting(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    cutoff = now - timedelta(minutes=settings.alert_approval_minutes)
    rows = session.exec(
        select(PrintJob).where(
            PrintJob.state == JobStatus.PENDING_HELD,
            col(PrintJob.requires_approval).is_(True),
            col(PrintJob.approved_by_id).is_(None),
            col(PrintJob.created_at) <= cutoff,
        )
    )
    return [
        Condition(
            APPROVAL_WAITING,
            job.office_id,
            f"job:{job.uuid}",
            job.uuid[:8],
            job.created_at,
            {"reason": job.reason, "job": job.uuid},
        )
        for job in rows
    ]


def _uncollected(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    found = []
    for office in session.exec(select(Office).where(col(Office.active).is_(True))):
        waiting = handover.uncollected(session, office, older_than_days=settings.uncollected_days, now=now)
        if waiting:
            assert office.id is not None
            found.append(
                Condition(
                    UNCOLLECTED,
                    office.id,
                    f"office:{office.code}",
                    office.name,
                    waiting[0].card.issued_at,  # the oldest waiting card
                    {
                        "count": len(waiting),
                        "days": settings.uncollected_days,
                        "oldest_days": waiting[0].days,
                    },
                )
            )
    return found


# -- raising and clearing ----------------------------------------------------------------------------------
def evaluate(engine: Engine, settings: Settings, now: datetime | None = None) -> Outcome:
    """One evaluation in one transaction: raise, clear and update alerts to match the conditions now."""
    now = now or utcnow()
    # A cheap read first: when nothing changed (most minutes), no write transaction is opened, so on
    # SQLite the worker's check never takes the one write lock for nothing.
    with unit_of_work(engine, writes=False) as session:
        seen = {c.key: c for c in conditions(session, settings, now)}
        if not _differs(session, seen):
            return Outcome(open=len(seen))
    with unit_of_work(engine) as session:
        return evaluate_in(session, settings, now)


def _differs(session: Session, seen: dict[tuple[str, str], Condition]) -> bool:
    open_alerts = {
        (a.kind, a.subject): a for a in session.exec(select(Alert).where(col(Alert.cleared_at).is_(None)))
    }
    if open_alerts.keys() != seen.keys():
        return True
    return any(
        seen[k].detail != a.detail or seen[k].subject_name != a.subject_name for k, a in open_alerts.items()
    )


def evaluate_in(session: Session, settings: Settings, now: datetime) -> Outcome:
    outcome = Outcome()
    seen = {c.key: c for c in conditions(session, settings, now)}
    table = Alert.__table__  # type: ignore[attr-defined]
    open_alerts = {
        (a.kind, a.subject): a for a in session.exec(select(Alert).where(col(Alert.cleared_at).is_(None)))
    }
    for key, alert in open_alerts.items():
        condition = seen.get(key)
        if condition is None:
            # Only while still open: a second evaluator clearing it at the same time changes nothing.
            done = session.connection().execute(
                sa.update(table)
                .where(table.c.id == alert.id, table.c.cleared_at.is_(None))
                .values(cleared_at=now)
            )
            outcome.cleared += done.rowcount
        elif condition.detail != alert.detail or condition.subject_name != alert.subject_name:
            session.connection().execute(
                sa.update(table)
                .where(table.c.id == alert.id, table.c.cleared_at.is_(None))
                .values(detail=condition.detail, subject_name=condition.subject_name)
            )
            outcome.updated += 1
    for key, condition in seen.items():
        if key in open_alerts:
            continue
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(table)
            .values(
                kind=condition.kind,
                office_id=condition.office_id,
                subject=condition.subject,
                subject_name=condition.subject_name[:120],
                detail=condition.detail,
                raised_at=now,
                since=condition.since,
                acknowledge_note="",
                mail_attempts=0,
            )
            .on_conflict_do_nothing(
                index_elements=["kind", "subject"], index_where=sa.text("cleared_at IS NULL")
            )
            .returning(table.c.id)
        )
        # The id of the row inserted, or none when another evaluator's open alert holds the place.
        outcome.raised += len(session.connection().execute(statement).all())
    session.expire_all()
    outcome.open = len(seen)
    return outcome


# -- reading ------------------------------------------------------------------------------------------------
def _scoped(query: Any, session: Session, actor: Actor) -> Any:
    """Supervisors (and other office-bound roles) see their own office's alerts only."""
    if actor.role.office_bound:
        office_id = session.exec(select(Office.id).where(Office.code == actor.office_code)).first()
        return query.where(Alert.office_id == (office_id or -1))
    return query


def may_see(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.SUPERVISOR)


def unacknowledged_count(session: Session, actor: Actor) -> int:
    """The badge: alerts nobody has acknowledged yet (open or cleared) that this person may see."""
    query = select(func.count()).select_from(Alert).where(col(Alert.acknowledged_at).is_(None))
    return int(session.exec(_scoped(query, session, actor)).one())


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    office: Office
    acknowledged_by: str | None


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    show: str = "unacknowledged",
    office_code: str | None = None,
    limit: int = 200,
) -> list[AlertView]:
    """``show``: ``unacknowledged`` (the badge's), ``open`` (conditions still true) or ``all``; newest first."""
    query = select(Alert, Office, User.username).join(Office, col(Office.id) == Alert.office_id)
    query = query.join(User, col(User.id) == Alert.acknowledged_by_id, isouter=True)
    if show == "unacknowledged":
        query = query.where(col(Alert.acknowledged_at).is_(None))
    elif show == "open":
        query = query.where(col(Alert.cleared_at).is_(None))
    if office_code:
        query = query.where(Office.code == office_code)
    query = (
        _scoped(query, session, actor)
        .order_by(col(Alert.raised_at).desc(), col(Alert.id).desc())
        .limit(limit)
    )
    return [AlertView(a, o, name) for a, o, name in session.exec(query)]


def get(session: Session, actor: Actor, alert_id: int, *, lock: bool = False) -> AlertView:
    query = select(Alert, Office, User.username).join(Office, col(Office.id) == Alert.office_id)
    query = query.join(User, col(User.id) == Alert.acknowledged_by_id, isouter=True).where(
        Alert.id == alert_id
    )
    if lock:
        query = query.with_for_update(of=Alert)
    row = session.exec(_scoped(query, session, actor)).first()
    if row is None:  # another office's alert is as absent as a missing one
        raise AlertNotFound(f"No alert {alert_id} that you may see.", params={"id": alert_id})
    alert, office, name = row
    return AlertView(alert, office, name)


def acknowledge(session: Session, actor: Actor, alert_id: int, note: str) -> AlertView:
    """A person says they have seen the alert (and what they do about it): once, audited."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise invalid_field("note", f"at most {MAX_NOTE} characters.")
    view = get(session, actor, alert_id, lock=True)
    alert = view.alert
    if alert.acknowledged_at is not None:
        raise AlertAlreadyAcknowledged(f"Alert {alert_id} was already acknowledged.", params={"id": alert_id})
    alert.acknowledged_at, alert.acknowledged_by_id, alert.acknowledge_note = utcnow(), actor.user_id, note
    session.add(alert)
    audit.record(
        session,
        actor,
        "alert.acknowledge",
        "alert",
        alert.id,
        office_code=view.office.code,
        kind=alert.kind,
        subject=alert.subject,
        cleared=alert.cleared_at is not None,
    )
    session.flush()
    return AlertView(alert, view.office, actor.username)


# -- words -----------------------------------------------------------------------------------------------
def texts(view: AlertView, lang: str, zone: str) -> dict[str, str]:
    """What the alert says to a person, in ``lang``: its kind's name, a sentence with the figures (names
    beside codes) and what to do."""
    from ktp_service.web.i18n import waktu  # formats only: no web machinery

    alert, office = view.alert, view.office
    d = alert.detail
    values: dict[str, object] = {
        "office": f"{office.code} · {office.name}",
        "name": alert.subject_name,
        "subject": alert.subject,
        "since": waktu(alert.since, zone),
        "state": d.get("state", ""),
        "reasons": ", ".join(d.get("reasons", [])) or "-",
        "balance": d.get("balance", ""),
        "threshold": d.get("threshold", ""),
        "reason": d.get("reason", ""),
        "count": d.get("count", ""),
        "days": d.get("days", ""),
        "oldest_days": d.get("oldest_days", ""),
    }
    return {
        "kind": translate(f"alert.kind.{alert.kind}", lang),
        "text": translate(f"alert.text.{alert.kind}", lang, **values),
        "todo": translate(f"alert.todo.{alert.kind}", lang),
    }
