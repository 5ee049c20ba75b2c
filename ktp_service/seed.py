"""Demo data for a laptop: Kabupaten Sragen (33.14) with its one-stop office, its 20 kecamatan offices and
one demo user per role. Idempotent: seeding twice adds nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ktp_service import regions
from ktp_service.models import Office, User
from ktp_service.services import offices, users
from ktp_service.services.actor import SYSTEM
from ktp_service.vocab import Role

REGENCY = "33.14"

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


def is_empty(session: Session) -> bool:
    return session.exec(select(Office.id).limit(1)).first() is None


def seed_demo(session: Session) -> dict[str, int]:
    return {"offices": seed_offices(session), "users": seed_users(session)}
