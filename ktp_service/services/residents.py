"""Resident registry: register, find, correct, attach photo and signature. Every change keeps a version and
an audit record; every read of personal data is audited (UU 27/2022, DOMAIN.md section 6)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from ktp_service import regions
from ktp_service.errors import Conflict, FieldProblem, Invalid, NikAlreadyRegistered, NotFound
from ktp_service.images import ImageKind, accept_image, store_fitted, store_image
from ktp_service.models import Printer, Resident, ResidentVersion, User, utcnow
from ktp_service.nik import check_nik
from ktp_service.schemas.residents import ResidentCreate, ResidentFields, ResidentUpdate
from ktp_service.services import audit, cards
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Kewarganegaraan

# Fields kept in a version snapshot and returned by the API (the images are kept by hash).
SNAPSHOT_FIELDS = (*ResidentFields.model_fields, "photo_sha256", "signature_sha256")


class ResidentNotFound(NotFound, code="resident_not_found"): ...


class StaleVersion(Conflict, code="stale_version"):
    """A correction made to an older version than the one stored (``If-Match``)."""


def _snapshot(resident: Resident) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(resident, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _check_regions(kode_kecamatan: str, kode_desa: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    kec = regions.get_region(kode_kecamatan)
    if kec is None or kec.kind != "kecamatan":
        problems.append(
            FieldProblem(
                "kode_kecamatan",
                f"{kode_kecamatan} is not a kecamatan in the Kemendagri list.",
                "unknown_region",
            )
        )
    if not kode_desa.startswith(kode_kecamatan + "."):
        problems.append(
            FieldProblem(
                "kode_desa",
                f"Kelurahan/desa {kode_desa} does not belong to kecamatan {kode_kecamatan}.",
                "desa_not_in_kecamatan",
            )
        )
    elif regions.get_region(kode_desa) is None:
        problems.append(
            FieldProblem(
                "kode_desa", f"{kode_desa} is not a kelurahan/desa in the Kemendagri list.", "unknown_region"
            )
        )
    return problems


def _check_validity(kewarganegaraan: str, berlaku_hingga: date | None) -> list[FieldProblem]:
    # UU 24/2013 art. 64(7)(a): a citizen's KTP-el is valid for life; a resident foreigner's card expires.
    if kewarganegaraan == Kewarganegaraan.WNI and berlaku_hingga is not None:
        return [
            FieldProblem("berlaku_hingga", "A WNI card is valid for life (SEUMUR HIDUP); leave it empty.")
        ]
    if kewarganegaraan == Kewarganegaraan.WNA and berlaku_hingga is None:
        return [FieldProblem("berlaku_hingga", "A WNA card needs an expiry date.", "missing")]
    return []


def _validate_whole(resident: Resident) -> list[FieldProblem]:
    """Checks that span fields; returns warnings, raises Invalid with every problem at once."""
    nik = check_nik(resident.nik, resident.tanggal_lahir, resident.jenis_kelamin)
    problems = [*nik.problems, *_check_regions(resident.kode_kecamatan, resident.kode_desa)]
    problems += _check_validity(resident.kewarganegaraan, resident.berlaku_hingga)
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
    return nik.warnings


def _get(session: Session, nik: str, actor: Actor, *, for_update: bool = False) -> Resident:
    """The resident, if the actor's office serves them. Someone else's resident answers like an unknown
    NIK: a clerk learns nothing (not even the kecamatan) about residents their office does not serve."""
    stmt = select(Resident).where(Resident.nik == nik)
    if for_update:
        stmt = stmt.with_for_update()
    resident = session.exec(stmt).first()
    if resident is None or not actor.serves(resident.kode_desa):
        raise ResidentNotFound(
            f"No resident with NIK {nik[:6]}... is registered in the area your office serves."
        )
    return resident


def _add_version(session: Session, actor: Actor, resident: Resident, changed: list[str]) -> None:
    assert resident.id is not None
    session.add(
        ResidentVersion(
            resident_id=resident.id,
            version=resident.version,
            changed_by_id=actor.user_id,
            changed_fields=changed,
            data=_snapshot(resident),
        )
    )


def create(
    session: Session, actor: Actor, body: ResidentCreate, office_id: int | None
) -> tuple[Resident, list[FieldProblem]]:
    resident = Resident(**body.model_dump(), registered_office_id=office_id)
    warnings = _validate_whole(resident)
    # After the whole check, so a village outside its kecamatan is named as such; by the village code, so a
    # village service point registers its own village's residents only.
    actor.require_serves(body.kode_desa)
    if session.exec(select(Resident.id).where(Resident.nik == body.nik)).first() is not None:
        raise NikAlreadyRegistered("A resident with this NIK is already registered; correct it instead.")
    session.add(resident)
    try:
        session.flush()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same NIK: the unique index decided.
        raise NikAlreadyRegistered(
            "A resident with this NIK is already registered; correct it instead."
        ) from None
    _add_version(session, actor, resident, sorted(body.model_fields_set | {"nik"}))
    audit.record(session, actor, "resident.create", "resident", resident.id, office_code=resident.kode_desa)
    return resident, warnings


def read(session: Session, actor: Actor, nik: str) -> Resident:
    resident = _get(session, nik, actor)
    audit.record(session, actor, "resident.read", "resident", resident.id, office_code=resident.kode_desa)
    return resident


def search(
    session: Session, actor: Actor, *, nik_prefix: str | None, nama: str | None, limit: int, offset: int
) -> tuple[list[Resident], int]:
    stmt = select(Resident)
    if nik_prefix:
        stmt = stmt.where(col(Resident.nik).startswith(nik_prefix))
    if nama:
        words = nama.upper().split()
        for word in words:
            stmt = stmt.where(col(Resident.nama).contains(word, autoescape=True))
    if actor.role.office_bound:
        code = actor.office_code or "-"
        # By the village code: a kecamatan or regency office's area holds every village under it, a
        # village service point's only its own village.
        stmt = stmt.where(or_(Resident.kode_desa == code, col(Resident.kode_desa).startswith(code + ".")))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(Resident.nama, Resident.nik).limit(limit).offset(offset)))
    audit.record(
        session,
        actor,
        "resident.search",
        "resident",
        None,
        by="nik_prefix" if nik_prefix else "nama",
        returned=[r.id for r in rows],
        total=total,
    )
    return rows, total


def update(
    session: Session, actor: Actor, nik: str, body: ResidentUpdate, expected_version: int | None
) -> tuple[Resident, list[FieldProblem]]:
    resident = _get(session, nik, actor, for_update=True)
    if expected_version is not None and expected_version != resident.version:
        raise StaleVersion(
            f"This resident was changed by someone else (now version {resident.version}, you edited version "
            f"{expected_version}). Reload and apply your correction again.",
            params={"version": resident.version, "edited": expected_version},
        )
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if getattr(resident, k) != v}
    for key, value in changes.items():
        setattr(resident, key, value)
    warnings = _validate_whole(resident)
    if "kode_kecamatan" in changes or "kode_desa" in changes:
        actor.require_serves(resident.kode_desa, "The new address")
    if changes:
        resident.version += 1
        resident.updated_at = utcnow()
        session.add(resident)
        session.flush()
        _add_version(session, actor, resident, sorted(changes))
        audit.record(
            session,
            actor,
            "resident.update",
            "resident",
            resident.id,
            office_code=resident.kode_desa,
            fields=sorted(changes),
            version=resident.version,
        )
    return resident, warnings


def fitted_boxes(session: Session, settings: Settings) -> dict[ImageKind, list[tuple[int, int]]]:
    """The pixel sizes fitted copies of photos and signatures are made for: the default template's boxes at
    its base dpi and at every dpi an active printer prints at (at upload, and by ``ktp images fit``)."""
    template = cards.template(settings.default_template, settings.templates_dir)
    dpis = {template.page.base_dpi, *session.exec(select(Printer.dpi).where(col(Printer.active)).distinct())}
    sizes = [cards.image_boxes(template, dpi) for dpi in sorted(dpis)]
    return {"photo": [b["foto"] for b in sizes], "signature": [b["tanda_tangan"] for b in sizes]}


def set_image(
    session: Session,
    actor: Actor,
    nik: str,
    kind: ImageKind,
    raw: bytes,
    settings: Settings,
) -> Resident:
    """Store an uploaded photo or signature (checked against the settings' limits, kept under its hash)."""
    resident = _get(session, nik, actor, for_update=True)
    data, fmt = accept_image(
        raw, kind, field="file", max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels
    )
    stored = store_image(data, fmt, settings.images_dir)
    # The photo/signature at the card's pixel size, made now rather than at every print.
    boxes = fitted_boxes(session, settings)[kind]
    store_fitted(data, kind, stored.sha256, settings.images_dir, boxes, settings.max_image_pixels)
    field = "photo" if kind == "photo" else "signature"
    if getattr(resident, f"{field}_sha256") != stored.sha256:
        setattr(resident, f"{field}_sha256", stored.sha256)
        setattr(resident, f"{field}_format", stored.fmt)
        resident.version += 1
        resident.updated_at = utcnow()
        session.add(resident)
        session.flush()
        _add_version(session, actor, resident, [f"{field}_sha256"])
        audit.record(
            session,
            actor,
            f"resident.{field}",
            "resident",
            resident.id,
            office_code=resident.kode_desa,
            sha256=stored.sha256,
        )
    return resident


def history(session: Session, actor: Actor, nik: str) -> list[tuple[ResidentVersion, str | None]]:
    resident = _get(session, nik, actor)
    rows = session.exec(
        select(ResidentVersion, User.username)
        .join(User, col(User.id) == ResidentVersion.changed_by_id, isouter=True)
        .where(ResidentVersion.resident_id == resident.id)
        .order_by(col(ResidentVersion.version))
    ).all()
    audit.record(session, actor, "resident.history", "resident", resident.id, office_code=resident.kode_desa)
    return [(v, name) for v, name in rows]


def scoped(session: Session, actor: Actor, nik: str) -> Resident:
    """The resident with ``nik`` if the actor's office serves them, recording nothing: for the audit page,
    which shows no data of the resident but the trail (its report records itself once it is made)."""
    return _get(session, nik, actor)
