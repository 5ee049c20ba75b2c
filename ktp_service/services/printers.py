"""Printer registry: printers belong to offices; adapters are built from each printer's row. Status is
polled in the background and kept on the row (so a list of twenty offices' printers never waits on a
printer); counter readings from devices are recorded when they change."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ktp_service.db import unit_of_work
from ktp_service.errors import Conflict, Invalid, NotFound, PrinterNameTaken, invalid_field
from ktp_service.models import (
    ACTIVE_JOB_STATES,
    CounterReading,
    Office,
    PrintAgent,
    Printer,
    PrintJob,
    utcnow,
)
from ktp_service.schemas.printing import PrinterCreate
from ktp_service.services import audit, offices, printer_history, waiting
from ktp_service.services.actor import Actor
from ktp_service.services.printer_config import adapter_config, check_client_config, data_root
from ktp_service.settings import Settings
from printers.base import PrinterAdapter, PrinterStatus
from printers.errors import PrinterError, PrinterUnavailable
from printers.registry import ADAPTER_NAMES, create_adapter
from printers.simulator import FAULTS, SimulatorControl

DOCUMENT_FORMATS = ("image/png", "application/pdf")


class PrinterNotFound(NotFound, code="printer_not_found"): ...


class AdapterCache:
    """One adapter per printer, rebuilt when the printer's configuration changes. Thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._adapters: dict[int, tuple[tuple[str, str, str], PrinterAdapter]] = {}

    def get(self, printer: Printer) -> PrinterAdapter:
        assert printer.id is not None
        key = (printer.adapter, printer.uri, repr(sorted(printer.config.items())))
        with self._lock:
            cached = self._adapters.get(printer.id)
            if cached and cached[0] == key:
                return cached[1]
            adapter = create_adapter(
                printer.adapter,
                printer.uri,
                adapter_config(printer, self.settings),
                root=data_root(self.settings),
            )
            if cached:
                cached[1].close()
            self._adapters[printer.id] = (key, adapter)
            return adapter

    def close(self) -> None:
        with self._lock:
            for _, adapter in self._adapters.values():
                adapter.close()
            self._adapters.clear()


def get(session: Session, printer_id: int) -> Printer:
    printer = session.get(Printer, printer_id)
    if printer is None:
        raise PrinterNotFound(f"No printer with id {printer_id}.")
    return printer


def office_code(session: Session, printer: Printer) -> str:
    office = session.get(Office, printer.office_id)
    assert office is not None
    return office.code


def check_office(session: Session, actor: Actor, printer: Printer) -> None:
    """Clerks and supervisors use only the printers of their own office."""
    if actor.role.office_bound and office_code(session, printer) != actor.office_code:
        raise PrinterNotFound(f"Printer {printer.id} is not a printer of your office ({actor.office_code}).")


def create(
    session: Session,
    actor: Actor,
    *,
    name: str,
    office: str,
    adapter: str,
    uri: str,
    config: dict[str, Any],
    document_format: str,
    dpi: int,
    settings: Settings,
    agent_id: int | None = None,
) -> Printer:
    if adapter not in ADAPTER_NAMES:
        raise invalid_field(
            "adapter", f"unknown adapter {adapter!r}; use one of: {', '.join(ADAPTER_NAMES)}."
        )
    if document_format not in DOCUMENT_FORMATS:
        raise invalid_field("document_format", f"must be one of {', '.join(DOCUMENT_FORMATS)}.")
    the_office = offices.get_by_code(session, office)
    assert the_office.id is not None
    if session.exec(
        select(Printer.id).where(Printer.office_id == the_office.id, Printer.name == name)
    ).first():
        raise PrinterNameTaken(
            f"Office {office} already has a printer named {name!r}.",
            params={"office": office, "printer": name},
        )
    check_client_config(adapter, uri, config, settings)
    if agent_id is not None:
        agent = session.get(PrintAgent, agent_id)
        if agent is None or agent.office_id != the_office.id:
            raise invalid_field("agent_id", f"no print agent {agent_id} at office {office}.")
    printer = Printer(
        agent_id=agent_id,
        name=name,
        office_id=the_office.id,
        adapter=adapter,
        uri=uri,
        config=config,
        document_format=document_format,
        dpi=dpi,
    )
    session.add(printer)
    session.flush()
    audit.record(
        session,
        actor,
        "printer.create",
        "printer",
        printer.id,
        office_code=office,
        adapter=adapter,
        agent_id=agent_id,
    )
    return printer


def register(session: Session, actor: Actor, body: PrinterCreate, settings: Settings) -> Printer:
    """``create`` from a validated request body (the API's and the console's)."""
    return create(session, actor, **body.model_dump(), settings=settings)


class PrinterHasActiveJobs(Conflict, code="printer_has_active_jobs"): ...


def update(
    session: Session, actor: Actor, printer: Printer, body: PrinterCreate, settings: Settings
) -> list[str]:
    """Change a printer's name, office, URI, configuration, format or resolution, under the rules a new
    printer is checked by (``create``). The adapter stays: another kind of device is another printer. A
    printer moves to another office only with no card waiting or printing on it (the jobs belong to the
    office). Returns the fields that changed (audited by name, never by value)."""
    assert printer.id is not None
    if body.adapter != printer.adapter:
        raise invalid_field(
            "adapter", "a printer's adapter cannot change; register the device as a new printer."
        )
    the_office = offices.get_by_code(session, body.office)
    assert the_office.id is not None
    wanted = {
        "name": body.name,
        "office_id": the_office.id,
        "uri": body.uri,
        "config": body.config,
        "document_format": body.document_format,
        "dpi": body.dpi,
    }
    changed = [k for k, v in wanted.items() if getattr(printer, k) != v]
    if not changed:
        return []
    if ("name" in changed or "office_id" in changed) and session.exec(
        select(Printer.id).where(
            Printer.office_id == the_office.id, Printer.name == body.name, Printer.id != printer.id
        )
    ).first():
        raise PrinterNameTaken(
            f"Office {body.office} already has a printer named {body.name!r}.",
            params={"office": body.office, "printer": body.name},
        )
    if "office_id" in changed and _active_jobs(session, printer.id):
        raise PrinterHasActiveJobs(
            f"Printer {printer.name} has cards waiting or printing; it moves to another office once they are done.",
            params={"printer": printer.name},
        )
    check_client_config(printer.adapter, body.uri, body.config, settings)
    for k in changed:
        setattr(printer, k, wanted[k])
    session.add(printer)
    session.flush()
    fields = ["office" if k == "office_id" else k for k in changed]
    audit.record(
        session, actor, "printer.update", "printer", printer.id, office_code=body.office, fields=fields
    )
    return fields


def set_active(session: Session, actor: Actor, printer: Printer, active: bool) -> Printer:
    """Switch a printer off or on in the registry. A switched-off printer gets no new job (``print_jobs``
    refuses it with ``printer_inactive``), the worker sends nothing to it and the status poll skips it;
    jobs already waiting on it stay until it is switched on again or they are moved."""
    if printer.active != active:
        printer.active = active
        session.add(printer)
        session.flush()
        audit.record(
            session,
            actor,
            "printer.enable" if active else "printer.disable",
            "printer",
            printer.id,
            office_code=office_code(session, printer),
        )
    return printer


def _active_jobs(session: Session, printer_id: int) -> int:
    return len(
        session.exec(
            select(PrintJob.id).where(
                PrintJob.printer_id == printer_id, col(PrintJob.state).in_(ACTIVE_JOB_STATES)
            )
        ).all()
    )


def waiting_jobs(session: Session, printer_id: int) -> int:
    """Cards waiting or printing on the printer (shown before it is switched off)."""
    return _active_jobs(session, printer_id)


def list_printers(session: Session, actor: Actor, office: str | None = None) -> list[tuple[Printer, str]]:
    stmt = (
        select(Printer, Office.code)
        .join(Office, col(Office.id) == Printer.office_id)
        .order_by(col(Office.code), col(Printer.name))
    )
    if actor.role.office_bound:
        stmt = stmt.where(Office.code == actor.office_code)
    elif office:
        stmt = stmt.where(Office.code == office)
    return [(p, c) for p, c in session.exec(stmt)]


@dataclass(frozen=True)
class Polled:
    """What a printer answered (``status`` and its formats), or why it did not (``error``)."""

    status: PrinterStatus | None
    formats: tuple[str, ...] = ()
    error: str | None = None


def fetch_status(printer: Printer, adapters: AdapterCache) -> Polled:
    """Ask the printer; no database work, so callers make it with no transaction open."""
    try:
        adapter = adapters.get(printer)
        status = adapter.status()
        formats = adapter.capabilities().document_formats
    except PrinterUnavailable as exc:
        return Polled(None, error=str(exc))
    except PrinterError as exc:
        return Polled(None, error=f"{type(exc).__name__}: {exc}")
    return Polled(status, formats)


def apply_status(session: Session, printer: Printer, polled: Polled) -> None:
    """Keep a polled status on the printer's row, record a device counter reading when it changed and a
    status change row when the state or its reasons changed (``printer_history``). A printer found ready
    makes the jobs waiting on it due at once (:mod:`ktp_service.services.waiting`)."""
    before_state, before_reasons = printer.status_state, list(printer.status_reasons)
    printer.status_at = utcnow()
    status = polled.status
    if status is None:
        printer.status_state = "offline"
        printer.status_reasons = ["offline-report"]
        printer.status_error = (polled.error or "")[:300]
    else:
        printer.status_state = status.state.value
        printer.status_reasons = list(status.state_reasons)
        printer.status_markers = [asdict(m) for m in status.markers]
        printer.status_formats = list(polled.formats)
        printer.status_error = None
        if status.card_counter is not None and status.card_counter != printer.status_counter:
            assert printer.id is not None
            session.add(CounterReading(printer_id=printer.id, value=status.card_counter, source="device"))
        printer.status_counter = status.card_counter
    printer_history.record_if_changed(session, printer, before_state, before_reasons)
    session.add(printer)
    waiting.wake_jobs_of(session, printer)  # ready again: the jobs held by its fault are due now


def refresh(engine: Engine, actor: Actor, printer_id: int, adapters: AdapterCache) -> tuple[Printer, str]:
    """A person's "ask the printer now" (API, console, CLI): read, ask with no transaction open (an
    unreachable printer can take its whole timeout; on SQLite an open write transaction would hold every
    clerk's writes), then record the answer in a short transaction of its own. Every printer call of the
    service is made this way: none runs inside a transaction. Returns the printer as recorded and its
    office's code."""
    with unit_of_work(engine, writes=False) as session:
        printer = get(session, printer_id)
        check_office(session, actor, printer)
    polled = fetch_status(printer, adapters)
    with unit_of_work(engine) as session:
        current = get(session, printer_id)
        apply_status(session, current, polled)
        session.flush()
        return current, office_code(session, current)


def record_counter(session: Session, actor: Actor, printer: Printer, value: int, note: str) -> CounterReading:
    if value < 0:
        raise invalid_field("value", "a counter reading cannot be negative.")
    assert printer.id is not None
    reading = CounterReading(
        printer_id=printer.id, value=value, source="manual", user_id=actor.user_id, note=note
    )
    session.add(reading)
    session.flush()
    audit.record(session, actor, "printer.counter", "printer", printer.id, value=value)
    return reading


def counter_readings(session: Session, printer: Printer, limit: int = 50) -> list[CounterReading]:
    return list(
        session.exec(
            select(CounterReading)
            .where(CounterReading.printer_id == printer.id)
            .order_by(col(CounterReading.at).desc())
            .limit(limit)
        )
    )


def simulator_control(printer: Printer, settings: Settings) -> SimulatorControl:
    """The operator panel of a simulated printer (faults, cards, ribbon), in any process: the state the
    printer's adapter uses, which is its own (derived from its id)."""
    config = adapter_config(printer, settings)
    return SimulatorControl(str(config["name"]), state_dir=config["state_dir"])


def operate_simulator(
    engine: Engine,
    actor: Actor,
    printer_id: int,
    adapters: AdapterCache,
    *,
    set_faults: tuple[str, ...] = (),
    clear_faults: tuple[str, ...] = (),
    load_cards: int | None = None,
    replace_ribbon: bool = False,
) -> tuple[Printer, str]:
    """Training: raise or clear faults of a simulated printer, load cards, replace its ribbon, then record
    its new status, with no transaction open while the simulator is changed or asked (as :func:`refresh`).
    ``clear_faults`` may name ``all``."""
    with unit_of_work(engine, writes=False) as session:
        printer = get(session, printer_id)
        check_office(session, actor, printer)
    if printer.adapter != "simulator":
        raise Invalid(f"Printer {printer.name} is not a simulator.")
    unknown = [f for f in (*set_faults, *clear_faults) if f not in FAULTS and f != "all"]
    if unknown or "all" in set_faults:
        raise Invalid(f"Unknown fault(s) {', '.join(unknown or ['all'])}; known: {', '.join(FAULTS)}.")
    control = simulator_control(printer, adapters.settings)
    for fault in clear_faults:
        control.clear_fault(None if fault == "all" else fault)
    for fault in set_faults:
        control.set_fault(fault)
    if load_cards is not None:
        control.load_cards(load_cards)
    if replace_ribbon:
        control.replace_ribbon()
    return refresh(engine, actor, printer_id, adapters)
