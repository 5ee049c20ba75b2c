"""Offices are data: a regency one-stop office and its kecamatan offices, each keyed by its region code."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ktp_service import regions
from ktp_service.errors import NotFound, OfficeExists, invalid_field
from ktp_service.models import Office
from ktp_service.services import audit
from ktp_service.services.actor import Actor


class OfficeNotFound(NotFound, code="office_not_found"): ...


def get_by_code(session: Session, code: str) -> Office:
    office = session.exec(select(Office).where(Office.code == code)).first()
    if office is None:
        raise OfficeNotFound(f"No office with region code {code} is registered.")
    return office


def list_offices(session: Session) -> list[Office]:
    return list(session.exec(select(Office).order_by(col(Office.code))))


def names(session: Session) -> dict[str, str]:
    """Every office's name by its code, so pages show names beside codes."""
    return dict(session.exec(select(Office.code, Office.name)).all())


def choices(session: Session, actor: Actor) -> list[Office]:
    """The offices a page lets the actor pick from: every one, or none for an office-bound actor (whose
    pages show their own office only)."""
    return [] if actor.role.office_bound else list_offices(session)


def create(
    session: Session, actor: Actor, code: str, name: str | None = None, *, kind: str | None = None
) -> Office:
    """Register the office serving region ``code`` (a kabupaten/kota or a kecamatan). ``kind``, when given,
    must be the region's own kind (a typo in the code is caught rather than stored as the wrong office)."""
    region = regions.get_region(code)
    if region is None or region.kind not in ("kabupaten", "kota", "kecamatan"):
        raise invalid_field(
            "code", f"{code} is not a kabupaten, kota or kecamatan code in the Kemendagri list."
        )
    if kind is not None and kind != region.kind:
        raise invalid_field(
            "kind", f"{code} ({region.name}) is a {region.kind}, not a {kind}.", code="office_kind_mismatch"
        )
    if session.exec(select(Office.id).where(Office.code == code)).first() is not None:
        raise OfficeExists(f"An office for region {code} already exists.", params={"office": code})
    if name is None:
        name = (
            f"Kantor Kecamatan {region.name}"
            if region.kind == "kecamatan"
            else f"Kantor Pelayanan Terpadu {region.name}"
        )
    office = Office(code=code, name=name, kind=region.kind)
    session.add(office)
    session.flush()
    audit.record(session, actor, "office.create", "office", office.id, office_code=code)
    return office


def set_low_stock_threshold(session: Session, actor: Actor, code: str, threshold: int | None) -> Office:
    """The office's own low-stock alert threshold (None: the service's default). Audited."""
    office = get_by_code(session, code)
    if office.low_stock_threshold != threshold:
        before = office.low_stock_threshold
        office.low_stock_threshold = threshold
        session.add(office)
        audit.record(
            session, actor, "office.low_stock_threshold", "office", office.id, office_code=office.code,
            threshold=threshold, previous=before,
        )  # fmt: skip
    return office
