"""Demo history for issue 15: cards printed, handed over and rated over the previous and the current month,
so the indicators page shows an IKM with data. Called from :func:`ktp_service.seed.seed_demo`.

The history residents are separate from the three demo residents (whose cards the training prints), get
no photo (their cards exist already), and their cards are written without billing outbox rows or stock
movements: the billing and stock demos stay as their own seeds make them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from ktp_service import lifecycle
from ktp_service.models import Card, Handover, Printer, PrintJob, Resident, SurveyAnswer
from ktp_service.services import handover, offices, print_jobs
from ktp_service.settings import Settings

NAMES = (
    "SRI WAHYUNI", "AGUS PRASETYO", "ENDANG SUSILOWATI", "JOKO SUSANTO", "TRI HANDAYANI", "SUPARMAN",
    "RINI ASTUTI", "BUDI HARTONO", "SUMARNI", "EKO PURNOMO", "WIDODO", "YULI KURNIASIH", "HARYANTO",
    "NUR HIDAYAH", "SLAMET RIYADI", "DEWI SARTIKA", "SUGENG RAHARJO", "LESTARI NINGSIH",
)  # fmt: skip
COMPLAINTS = (
    "Antrean pengambilan di loket terlalu lama, mohon ditambah petugas.",
    "Ruang tunggu panas, kipas angin rusak.",
    "Petugas ramah, terima kasih. Parkir motor sempit.",
)
# The regency's one-stop office only: the training at Kalijambe starts from an empty queue.
PER_OFFICE = {"33.14": ("KPT-Simulator", 40)}


def seed_handover_history(
    session: Session, settings: Settings, now: datetime | None = None, cards: list[Card] | None = None
) -> int:
    """Cards of the previous and the current month at the KPT, most handed over, many rated. Idempotent.
    ``cards``: hand over these cards (printed through the real print path by ``ktp demo seed``'s history,
    :mod:`ktp_service.seed_history`) instead of writing cards of its own."""
    if session.exec(select(Handover.id).limit(1)).first() is not None:
        return 0
    now = now or datetime.now(UTC)
    if cards is not None:
        rng = random.Random(15)
        handed = 0
        for i, card in enumerate(cards):
            job = session.get(PrintJob, card.job_id)
            assert job is not None
            handed += _hand_over(session, job, card, card.issued_at, now, rng, 2001 + i)
        return handed
    zone = ZoneInfo(settings.timezone)
    rng = random.Random(15)  # the same demo every time
    start = (now.astimezone(zone).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    days = (now.astimezone(zone).date() - start).days
    serial = 1000
    made = 0
    for code, (printer_name, count) in PER_OFFICE.items():
        office = offices.get_by_code(session, code)
        printer = session.exec(select(Printer).where(Printer.name == printer_name)).first()
        if printer is None or office.id is None or printer.id is None:
            continue
        for _ in range(count):
            serial += 1
            day = start + timedelta(days=rng.randrange(max(days - 1, 1)))
            if day.weekday() >= 5:  # offices serve Monday to Friday
                day -= timedelta(days=day.weekday() - 4)
            requested = datetime.combine(day, time(8 + rng.randrange(6), rng.randrange(60)), zone)
            printed = requested + timedelta(minutes=rng.randrange(3, 40))
            resident = _resident(session, serial, rng)
            assert resident.id is not None
            status, message = lifecycle.initial(False)
            job = PrintJob(
                uuid=str(uuid.uuid4()), resident_id=resident.id, printer_id=printer.id, office_id=office.id,
                reason="hilang" if serial % 5 == 0 else "baru", state=status, created_at=requested,
                template_id=settings.default_template,
            )  # fmt: skip
            lifecycle.set_message(job, message)
            lifecycle.claim(job, "demo-seed", printed)
            lifecycle.complete(job, printed)
            session.add(job)
            session.flush()
            job.card_serial = print_jobs.card_serial(office.code, job)
            session.add(job)
            card = Card(
                serial=job.card_serial, resident_id=resident.id, job_id=job.id or 0, issued_at=printed
            )
            session.add(card)
            session.flush()
            made += 1
            _hand_over(session, job, card, printed, now, rng, serial)
    return made


def _hand_over(
    session: Session,
    job: PrintJob,
    card: Card,
    printed: datetime,
    now: datetime,
    rng: random.Random,
    serial: int,
) -> bool:
    """Most cards collected (some by a proxy) within days of printing; many rated. True: handed over."""
    if rng.random() < 0.15:
        return False  # not collected yet
    at = min(printed + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 4)), hours=rng.randrange(3)), now)
    row = Handover(
        card_id=card.id or 0, job_id=job.id or 0, office_id=job.office_id, at=at, recipient="penduduk",
        survey_token=handover.new_token(),
    )  # fmt: skip
    if rng.random() < 0.1:
        row.recipient, row.proxy_name, row.proxy_relation = "kuasa", rng.choice(NAMES), "keluarga"
        row.proxy_nik = f"331401010180{serial:04d}"
    session.add(row)
    session.flush()
    if rng.random() < 0.7:
        session.add(_answer(row, at + timedelta(hours=rng.randrange(1, 30)), now, rng))
    return True


def _resident(session: Session, serial: int, rng: random.Random) -> Resident:
    born = date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
    female = rng.random() < 0.5
    nik = f"331401{born.day + (40 if female else 0):02d}{born:%m%y}{serial:04d}"
    resident = Resident(
        nik=nik, nama=rng.choice(NAMES), tempat_lahir="SRAGEN", tanggal_lahir=born,
        jenis_kelamin="PEREMPUAN" if female else "LAKI-LAKI", golongan_darah="-", alamat="DK. DEMO",
        rt="001", rw="002", kode_kecamatan="33.14.01", kode_desa="33.14.01.2001", agama="ISLAM",
        status_perkawinan="KAWIN", pekerjaan="PETANI/PEKEBUN", kewarganegaraan="WNI",
    )  # fmt: skip
    session.add(resident)
    session.flush()
    return resident


def _answer(row: Handover, at: datetime, now: datetime, rng: random.Random) -> SurveyAnswer:
    values: dict[str, int | None] = {}
    for i in range(1, 10):
        # Mostly 3 and 4; waiting time (U3) and facilities (U9) rated a little lower, as offices often hear.
        low = 0.25 if i in (3, 9) else 0.08
        r = rng.random()
        values[f"u{i}"] = 2 if r < low else (3 if r < 0.6 else 4)
    if rng.random() < 0.1:
        values["u8"] = None  # "never complained": skipped
    complaint = rng.choice(COMPLAINTS) if rng.random() < 0.15 else None
    answer = SurveyAnswer(
        handover_id=row.id or 0, office_id=row.office_id, answered_at=min(at, now), complaint=complaint
    )
    for element, value in values.items():
        setattr(answer, element, value)
    return answer
