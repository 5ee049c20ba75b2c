"""Offices are data: a regency one-stop office, its kecamatan offices and village service points (desa or
kelurahan offices under their kecamatan office), each keyed by its region code."""

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


VILLAGE_KINDS = ("kelurahan", "desa")
OFFICE_KINDS = ("kabupaten", "kota", "kecamatan", *VILLAGE_KINDS)


class ParentOfficeMissing(NotFound, code="parent_office_missing"): ...


def parent_code(code: str) -> str | None:
    """The region one level up: ``33.14.01.2001`` -> ``33.14.01`` -> ``33.14``; None for a regency."""
    return code.rsplit(".", 1)[0] if code.count(".") >= 2 else None


def default_name(region: regions.Region) -> str:
    if region.kind == "kecamatan":
        return f"Kantor Kecamatan {region.name}"
    if region.kind == "kelurahan":
        return f"Kantor Kelurahan {region.name}"
    if region.kind == "desa":
        return f"Kantor Desa {region.name}"
    return f"Kantor Pelayanan Terpadu {region.name}"


def create(
    session: Session, actor: Actor, code: str, name: str | None = None, *, kind: str | None = None
) -> Office:
    """Register the office serving region ``code`` (a kabupaten/kota, a kecamatan, or a kelurahan/desa).
    ``kind``, when given, must be the region's own kind (a typo in the code is caught rather than stored as
    the wrong office). A village service point sits under its kecamatan office, which must exist first."""
    region = regions.get_region(code)
    if region is None or region.kind not in OFFICE_KINDS:
        raise invalid_field(
            "code",
            f"{code} is not a kabupaten, kota, kecamatan, kelurahan or desa code in the Kemendagri list.",
        )
    if kind is not None and kind != region.kind:
        raise invalid_field(
            "kind", f"{code} ({region.name}) is a {region.kind}, not a {kind}.", code="office_kind_mismatch"
        )
    if session.exec(select(Office.id).where(Office.code == code)).first() is not None:
        raise OfficeExists(f"An office for region {code} already exists.", params={"office": code})
    parent_id = None
    if region.kind in VILLAGE_KINDS:
        above = parent_code(code)
        parent = session.exec(select(Office).where(Office.code == above)).first() if above else None
        if parent is None:
            kec = regions.get_region(above or "")
            raise ParentOfficeMissing(
                f"Register the office of kecamatan {above} ({kec.name if kec else '?'}) before its village "
                f"service point {code} ({region.name}).",
                params={
                    "office": code,
                    "name": region.name,
                    "parent": above or "",
                    "parent_name": kec.name if kec else "?",
                },
            )
        parent_id = parent.id
    office = Office(code=code, name=name or default_name(region), kind=region.kind, parent_id=parent_id)
    session.add(office)
    session.flush()
    audit.record(session, actor, "office.create", "office", office.id, office_code=code, kind=region.kind)
    return office


def region_label(code: str) -> str:
    """``33.14.01.2001 (Banaran)``: a region code with its Kemendagri name, for messages and pages."""
    region = regions.get_region(code)
    return f"{code} ({region.name})" if region else code


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
