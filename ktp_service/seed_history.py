"""The demo's history, made by ``ktp demo seed`` (not by :func:`ktp_service.seed.seed_demo`, which the tests
use): cards printed at the regency's one-stop office in the previous month and in the running month, so
every role's page opens on a month with something in it.

The cards go through the real print path: a clerk's print job (:func:`ktp_service.services.print_jobs.create`),
the print worker's own pass (:class:`ktp_service.worker.PrintWorker`) on the demo's instant simulator, the
completion writing the card, the blank card used and the billing outbox row, and the worker posting that row
to the ledger. What makes the previous month's cards that month's is the service's clock
(:mod:`ktp_service.clock`), set to the moment each card would have been asked for: the job's times, the
printer's completion (kept by the lifecycle between sending and "now") and the issue date follow it. The
ledger is never written here. Around the cards: the printers' counters read before the first card and
after each month's last, blank cards delivered before the first, the treasury's money received for both
months, the partner's count of the previous month, and the cards handed over and rated
(:mod:`ktp_service.seed_handover`)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ktp_service import clock
from ktp_service.billing_bridge import config_for, poster
from ktp_service.db import unit_of_work
from ktp_service.lifecycle import JobStatus
from ktp_service.models import Card, CardPrintedEvent, Printer, PrintJob
from ktp_service.services import billing, offices, printers, stock
from ktp_service.services.actor import SYSTEM, Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role

if TYPE_CHECKING:
    from ktp_service.worker import PrintWorker

OFFICE = "33.14"
PRINTER = "KPT-Simulator"  # instant: the history takes seconds, and the slow one is left for training
CLERK = Actor(user_id=None, username="kpt.clerk", role=Role.CLERK, office_code=OFFICE)
PARTNER = Actor(user_id=None, username="partner.auditor", role=Role.PARTNER_AUDITOR)
PREVIOUS_MONTH_CARDS = 24
RUNNING_MONTH_CARDS = 12
DELIVERY = 200  # blank cards delivered to the KPT on the previous month's first morning


@dataclass
class History:
    previous: int = 0
    running: int = 0
    money: int = 0
    counters: int = 0
    handovers: int = 0

    def as_counts(self) -> dict[str, int]:
        return {
            "history_previous_month": self.previous,
            "history_running_month": self.running,
            "history_money": self.money,
            "history_counters": self.counters,
            "history_handovers": self.handovers,
        }


def has_history(engine: Engine) -> bool:
    with unit_of_work(engine, writes=False) as session:
        return session.exec(select(CardPrintedEvent.id).limit(1)).first() is not None


def moments(now: datetime, zone: ZoneInfo) -> tuple[list[datetime], list[datetime]]:
    """When the history's cards are asked for: working days (Monday to Friday, 08:00-15:00 local) of the
    previous month, and of the running month before ``now`` (all of its time so far when no working hour
    has passed yet). Spread evenly, the same every run."""
    local = now.astimezone(zone)
    first = local.date().replace(day=1)
    previous_first = (first - timedelta(days=1)).replace(day=1)
    start_prev = datetime.combine(previous_first, time(0), zone)
    start_run = datetime.combine(first, time(0), zone)
    previous = _spread(_working_hours(start_prev, start_run, zone), PREVIOUS_MONTH_CARDS)
    running = _spread(_working_hours(start_run, now - timedelta(minutes=5), zone), RUNNING_MONTH_CARDS)
    if not running and now - start_run > timedelta(minutes=10):
        span = (now - timedelta(minutes=5)) - start_run
        running = [start_run + span * (i + 1) / (RUNNING_MONTH_CARDS + 1) for i in range(RUNNING_MONTH_CARDS)]
    return previous, running


def _working_hours(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    spans = []
    day: date = start.astimezone(zone).date()
    while datetime.combine(day, time(0), zone) < end:
        if day.weekday() < 5:
            a, b = datetime.combine(day, time(8), zone), datetime.combine(day, time(15), zone)
            a, b = max(a, start), min(b, end)
            if a < b:
                spans.append((a, b))
        day += timedelta(days=1)
    return spans


def _spread(spans: list[tuple[datetime, datetime]], count: int) -> list[datetime]:
    total = sum(((b - a) for a, b in spans), timedelta(0))
    if not spans or total < timedelta(minutes=count):
        return []
    out = []
    for i in range(count):
        offset = total * (i + 0.5) / count
        for a, b in spans:
            if offset < b - a:
                out.append((a + offset).replace(second=0, microsecond=0))
                break
            offset -= b - a
    return out


def seed_print_history(
    engine: Engine, settings: Settings, adapters: printers.AdapterCache, now: datetime | None = None
) -> dict[str, int]:
    """The history above, once: a database whose ledger already holds a card gets none (returns zeros)."""
    from ktp_service.seed import read_counters, seed_money_received
    from ktp_service.seed_handover import seed_handover_history
    from ktp_service.worker import PrintWorker

    done = History()
    if has_history(engine):
        return done.as_counts()
    now = now or datetime.now(UTC)
    zone = ZoneInfo(settings.timezone)
    previous, running = moments(now, zone)
    with unit_of_work(engine, writes=False) as session:
        printer = session.exec(select(Printer).where(Printer.name == PRINTER)).one()
        assert printer.id is not None
        printer_id = printer.id
    worker = PrintWorker(
        engine, settings, name="demo-history", adapters=adapters, post_events=poster(settings)
    )
    rng = random.Random(12)
    printed: list[int] = []
    try:
        first = (previous or running or [now])[0]
        with clock.set_to(first - timedelta(hours=1)):
            # Before the first card: blank cards arrive and every printer's counter is read.
            with unit_of_work(engine) as session:
                kpt = offices.get_by_code(session, OFFICE)
                stock.receive(session, SYSTEM, kpt, DELIVERY, "kiriman blangko (demo)")
            done.counters += read_counters(engine, settings, adapters)
        for month_moments, is_previous in ((previous, True), (running, False)):
            for moment in month_moments:
                with clock.set_to(moment):
                    printed.append(_print_one(engine, settings, worker, printer_id, rng, len(printed)))
                    if is_previous:
                        done.previous += 1
                    else:
                        done.running += 1
            if month_moments:
                # The printer's counter read again after the month's last card (the background poll would).
                with clock.set_to(min(month_moments[-1] + timedelta(hours=1), now)):
                    printers.refresh(engine, SYSTEM, printer_id, adapters)
    finally:
        worker.release()
    for _ in range(20):  # whatever the passes left in the outbox (none, normally)
        with unit_of_work(engine) as session:
            if not poster(settings)(session):
                break
    config = config_for(settings)
    months = sorted({f"{m.astimezone(zone):%Y-%m}" for m in previous + running})
    with unit_of_work(engine) as session:
        for month in months:
            done.money += seed_money_received(session, settings, month)
        if previous:
            month = f"{previous[0].astimezone(zone):%Y-%m}"
            billing.set_partner_count(session, PARTNER, month, done.previous, "hitungan mitra (demo)", config)
        cards = list(session.exec(select(Card).where(col(Card.job_id).in_(printed)).order_by(col(Card.id))))
        done.handovers = seed_handover_history(session, settings, now=now, cards=cards)
    return done.as_counts()


def _print_one(
    engine: Engine, settings: Settings, worker: PrintWorker, printer_id: int, rng: random.Random, index: int
) -> int:
    """One resident registered and their card printed by the worker, at the clock's moment. Returns the
    job's id."""
    from ktp_service.schemas.printing import PrintJobCreate
    from ktp_service.services import print_jobs

    with unit_of_work(engine) as session:
        nik = _register(session, settings, rng, index)
        job, _ = print_jobs.create(
            session,
            CLERK,
            PrintJobCreate(nik=nik, printer_id=printer_id, reason="baru"),
            idempotency_key=None,
            settings=settings,
        )
        job_id = job.id
    assert job_id is not None
    for _ in range(10):
        worker.run_once()
        with unit_of_work(engine, writes=False) as session:
            state = session.get(PrintJob, job_id)
            if state is not None and state.state == JobStatus.COMPLETED:
                return job_id
    raise RuntimeError(f"the demo history's card (job {job_id}) did not print")


def _register(session: Session, settings: Settings, rng: random.Random, index: int) -> str:
    from ktp_service.schemas.residents import ResidentCreate
    from ktp_service.seed_handover import NAMES
    from ktp_service.services import residents

    born = date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
    female = rng.random() < 0.5
    nik = f"331401{born.day + (40 if female else 0):02d}{born:%m%y}{5001 + index:04d}"
    body = ResidentCreate(
        nik=nik,
        nama=rng.choice(NAMES),
        tempat_lahir="SRAGEN",
        tanggal_lahir=born,
        jenis_kelamin="PEREMPUAN" if female else "LAKI-LAKI",
        alamat="DK. DEMO",
        rt="001",
        rw="002",
        kode_kecamatan="33.14.01",
        kode_desa="33.14.01.2001",
        agama="ISLAM",
        status_perkawinan="KAWIN",
        pekerjaan="PETANI/PEKEBUN",
    )
    kpt = offices.get_by_code(session, OFFICE)
    resident, _ = residents.create(session, CLERK, body, kpt.id)
    photo, signature = _images(settings, index % 3)
    resident.photo_sha256, resident.photo_format = photo
    resident.signature_sha256, resident.signature_format = signature
    session.add(resident)
    session.flush()
    return nik


def _images(settings: Settings, seed: int) -> tuple[tuple[str, str], tuple[str, str]]:
    from ktp_service.cards.sample import make_photo, make_signature
    from ktp_service.images import accept_image, store_image

    photo = store_image(
        *accept_image(make_photo(seed=seed), "photo", field="foto", max_bytes=10**7, max_pixels=10**8),
        settings.images_dir,
    )
    sig = store_image(
        *accept_image(make_signature(seed=seed), "signature", field="ttd", max_bytes=10**7, max_pixels=10**8),
        settings.images_dir,
    )
    return (photo.sha256, photo.fmt), (sig.sha256, sig.fmt)
