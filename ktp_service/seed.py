"""Demo data for a laptop: Kabupaten Sragen (33.14) with its one-stop office, its 20 kecamatan offices and
one demo user per role. Idempotent: seeding twice adds nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from billing.models import MoneyReceived
from ktp_service import regions
from ktp_service.models import CounterReading, Office, Printer, Resident, User
from ktp_service.services import offices, printers, stock, users
from ktp_service.services.actor import SYSTEM, Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role

REGENCY = "33.14"
# Who records the demo's money received (the treasury's report, as finance would enter it).
DEMO_TREASURER = Actor(user_id=None, username="demo-seed", role=Role.FINANCE)

# Demo accounts, for a laptop only. The README lists them; production creates its own with `ktp users create`.
DEMO_PASSWORD = "demo-sragen-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    office: str | None
    full_name: str


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, None, "Administrator Dukcapil"),
    DemoUser("kpt.clerk", Role.CLERK, REGENCY, "Petugas KPT Sragen"),
    DemoUser("kpt.supervisor", Role.SUPERVISOR, REGENCY, "Supervisor KPT Sragen"),
    DemoUser("kalijambe.clerk", Role.CLERK, "33.14.01", "Petugas Kecamatan Kalijambe"),
    DemoUser("kalijambe.supervisor", Role.SUPERVISOR, "33.14.01", "Supervisor Kecamatan Kalijambe"),
    DemoUser("partner.auditor", Role.PARTNER_AUDITOR, None, "Auditor Mitra"),
    DemoUser("finance", Role.FINANCE, None, "Staf Keuangan"),
)


def seed_offices(session: Session, regency_code: str = REGENCY) -> int:
    """The regency's one-stop office and one office per kecamatan. Returns how many were added."""
    added = 0
    wanted = [regency_code] + [r.code for r in regions.children(regency_code) if r.kind == "kecamatan"]
    existing = set(session.exec(select(Office.code)))
    for code in wanted:
        if code not in existing:
            offices.create(session, SYSTEM, code)
            added += 1
    return added


def seed_users(session: Session) -> int:
    added = 0
    existing = set(session.exec(select(User.username)))
    for u in DEMO_USERS:
        if u.username not in existing:
            users.create(
                session,
                SYSTEM,
                username=u.username,
                password=DEMO_PASSWORD,
                role=u.role,
                office_code=u.office,
                full_name=u.full_name,
            )
            added += 1
    return added


DEMO_PRINTERS = (
    # (office, name, adapter, uri): a spool printer writes files you can open; simulators behave like card
    # printers (faults can be switched on for training).
    (REGENCY, "KPT-Spool", "spool", ""),
    (REGENCY, "KPT-Simulator", "simulator", "simulator://kpt-1"),
    ("33.14.01", "Kalijambe-Simulator", "simulator", "simulator://kalijambe-1"),
    # A simulator as slow as a real card printer (a few seconds a card), so a jam switched on in training
    # can catch a card mid-print; the others print instantly.
    (REGENCY, "KPT-Simulator-Lambat", "simulator", "simulator://kpt-slow"),
)
PRINTER_CONFIG = {"KPT-Simulator-Lambat": {"speed": 4}}

DEMO_RESIDENTS = (
    # nik, nama, born, female, kode_desa, alamat
    ("3314015708850001", "SITI NUR'AINI", date(1985, 8, 17), True, "33.14.01.2001", "DK. KEDEN RT 003"),
    ("3314011203900002", "BAMBANG SETIAWAN", date(1990, 3, 12), False, "33.14.01.2007", "JL. NGEBUNG NO. 7"),
    ("3314016101020003", "DWI AYU LESTARI", date(2002, 1, 21), True, "33.14.01.2003", "DK. KALIMACAN RT 001"),
)


def seed_printers(session: Session, settings: Settings) -> int:
    added = 0
    existing = {(p.office_id, p.name) for p in session.exec(select(Printer))}
    for office_code, name, adapter, uri in DEMO_PRINTERS:
        office = offices.get_by_code(session, office_code)
        if (office.id, name) in existing:
            continue
        printers.create(
            session,
            SYSTEM,
            name=name,
            office=office_code,
            adapter=adapter,
            uri=uri,
            config=dict(PRINTER_CONFIG.get(name, {})),
            document_format="image/png",
            dpi=300,
            settings=settings,
        )
        stock.receive(session, SYSTEM, office, 500, "stok awal (demo)")
        added += 1
    return added


def seed_residents(session: Session, settings: Settings) -> int:
    from ktp_service.cards.sample import make_photo, make_signature
    from ktp_service.images import accept_image, store_image
    from ktp_service.schemas.residents import ResidentCreate
    from ktp_service.services import residents

    clerk = Actor(user_id=None, username="demo-seed", role=Role.CLERK, office_code="33.14.01")
    office = offices.get_by_code(session, "33.14.01")
    added = 0
    for i, (nik, nama, born, female, desa, alamat) in enumerate(DEMO_RESIDENTS):
        if session.exec(select(Resident.id).where(Resident.nik == nik)).first() is not None:
            continue
        body = ResidentCreate(
            nik=nik,
            nama=nama,
            tempat_lahir="SRAGEN",
            tanggal_lahir=born,
            jenis_kelamin="PEREMPUAN" if female else "LAKI-LAKI",
            golongan_darah="O",
            alamat=alamat,
            rt="003",
            rw="019",
            kode_kecamatan="33.14.01",
            kode_desa=desa,
            agama="ISLAM",
            status_perkawinan="KAWIN",
            pekerjaan="WIRASWASTA",
        )
        resident, _ = residents.create(session, clerk, body, office.id)
        photo = store_image(
            *accept_image(make_photo(seed=i), "photo", field="foto", max_bytes=10**7, max_pixels=10**8),
            settings.images_dir,
        )
        sig = store_image(
            *accept_image(
                make_signature(seed=i), "signature", field="ttd", max_bytes=10**7, max_pixels=10**8
            ),
            settings.images_dir,
        )
        resident.photo_sha256, resident.photo_format = photo.sha256, photo.fmt
        resident.signature_sha256, resident.signature_format = sig.sha256, sig.fmt
        session.add(resident)
        added += 1
    return added


def demo_contract(today: date) -> dict[str, Any]:
    """The demo's revenue-share agreement, in force from the first of January of last year, so every month
    the demo shows has a contract (finance and the partner see real amounts, not Rp 0): a citizen-paid fee
    of Rp 10.000 a card, 35 % of it to the partner, rounded per card, PPh 23 withheld."""
    fee = {"amount": 10000, "payer": "citizen"}
    return {
        "number": "001/PKS-DEMO/DUKCAPIL",
        "partner_name": "PT Kartu Nusantara (demo)",
        "effective_from": date(today.year - 1, 1, 1).isoformat(),
        "effective_to": None,
        "fees": {r: dict(fee) for r in ("baru", "hilang", "rusak", "perubahan_data", "perpanjangan")},
        "partner_share": {"type": "percent", "basis_points": 3500},
        "rounding": "per_card",
        "pph23_basis_points": 200,
    }


def seed_contract(session: Session, today: date) -> int:
    """The demo contract, unless a contract version exists already."""
    from billing.models import ContractVersion
    from ktp_service.services import billing

    if session.exec(select(ContractVersion.id).limit(1)).first() is not None:
        return 0
    billing.add_contract(session, SYSTEM, demo_contract(today))
    return 1


def is_empty(session: Session) -> bool:
    return session.exec(select(Office.id).limit(1)).first() is None


def seed_money_received(session: Session, settings: Settings, month: str) -> int:
    """Money received for ``month`` as the regional treasury would report it: for each office, the citizen
    fees the ledger expects and no entry accounts for yet, as one deposit (its STS number
    ``STS-DEMO-<month>-<office>``, dated the month's last day, or today in the running month). So a demo month
    with billed cards shows money received and no money difference; with nothing billed it records nothing
    (money with no card behind it would be a difference of its own making). Returns the entries added."""
    from billing import reconciliation
    from billing.periods import month_days, month_of
    from ktp_service.billing_bridge import config_for
    from ktp_service.services import billing

    config = config_for(settings)
    now = datetime.now(UTC)
    if month > month_of(now, config.zone):
        return 0
    report = reconciliation.reconcile(
        session, month, billing.printing_figures(session, month, config), config=config, now=now
    )
    day = min(month_days(month)[1], now.astimezone(config.zone).date())
    added = 0
    for office in report.money:
        missing = office.expected - office.received
        reference = f"STS-DEMO-{month}-{office.office_code}"
        recorded = session.exec(select(MoneyReceived.id).where(MoneyReceived.reference == reference)).first()
        if missing <= 0 or recorded is not None:
            continue
        billing.record_money(
            session,
            DEMO_TREASURER,
            month,
            config,
            office_code=office.office_code,
            day=day,
            amount=missing,
            reference=reference,
        )
        added += 1
    return added


def read_counters(engine: Engine, settings: Settings, adapters: printers.AdapterCache | None = None) -> int:
    """Ask every printer never read yet for its card counter and record it (with no transaction open while
    asking, as every printer call of the service): each then has a reading before its first card, so the
    month's counter delta starts from what the printer really showed. Returns the printers read."""
    from ktp_service.db import unit_of_work

    with unit_of_work(engine, writes=False) as session:
        read = set(session.exec(select(CounterReading.printer_id)))
        unread = [p.id for p in session.exec(select(Printer)) if p.id is not None and p.id not in read]
    adapters = adapters or printers.AdapterCache(settings)
    for printer_id in unread:
        printers.refresh(engine, SYSTEM, printer_id, adapters)
    return len(unread)


def seed_demo(
    session: Session, settings: Settings, *, contract: bool = True, handovers: bool = True
) -> dict[str, int]:
    """Everything above; ``contract=False`` leaves the contract for the caller to enter (a test of that).
    ``handovers=False`` leaves out :mod:`ktp_service.seed_handover`'s cards: ``ktp demo seed`` hands over
    the cards its history prints through the real print path instead (:mod:`ktp_service.seed_history`)."""
    counts = {"offices": seed_offices(session), "users": seed_users(session)}
    session.flush()
    counts["printers"] = seed_printers(session, settings)
    counts["residents"] = seed_residents(session, settings)
    if contract:
        from ktp_service.services.cards import local_today

        counts["contracts"] = seed_contract(session, local_today(settings.timezone))
    counts["money"] = seed_money_received(session, settings, _last_month(settings))
    from ktp_service.seed_handover import seed_handover_history  # issue 15: handovers and survey answers

    session.flush()
    counts["handover_history"] = seed_handover_history(session, settings) if handovers else 0
    return counts


def _last_month(settings: Settings) -> str:
    from zoneinfo import ZoneInfo

    first = datetime.now(ZoneInfo(settings.timezone)).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"
