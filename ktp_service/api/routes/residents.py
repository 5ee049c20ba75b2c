"""Resident registry API."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response, UploadFile, status
from sqlmodel import Session

from ktp_service import regions
from ktp_service.api.deps import RegistryReader, RegistryWriter, SessionDep, SettingsDep, model_response
from ktp_service.cards import render_card
from ktp_service.errors import ERROR_RESPONSES, FieldProblem, invalid_field
from ktp_service.images import ImageKind
from ktp_service.models import Resident
from ktp_service.schemas.identifiers import NIK_PATTERN, AsciiInt
from ktp_service.schemas.residents import (
    ResidentCreate,
    ResidentHistory,
    ResidentPublic,
    ResidentsPublic,
    ResidentUpdate,
    ResidentVersionPublic,
    Warning_,
)
from ktp_service.services import audit, cards, offices, residents
from ktp_service.services.actor import Actor

router = APIRouter(prefix="/api/v1/residents", tags=["residents"], responses=ERROR_RESPONSES)
NikPath = Annotated[str, Path(pattern=NIK_PATTERN, description="The 16-digit NIK (digits 0-9).")]


def to_public(resident: Resident, warnings: list[FieldProblem] | None = None) -> ResidentPublic:
    out = ResidentPublic.model_validate(resident)
    kec = regions.get_region(resident.kode_kecamatan)
    desa = regions.get_region(resident.kode_desa)
    out.kecamatan = kec.name.upper() if kec else None
    out.kelurahan_desa = desa.name.upper() if desa else None
    out.warnings = [Warning_(field=w.field, code=w.code, message=w.message) for w in warnings or []]
    return out


def _office_id(session: Session, actor: Actor) -> int | None:
    return offices.get_by_code(session, actor.office_code).id if actor.office_code else None


@router.post("", response_model=ResidentPublic, status_code=status.HTTP_201_CREATED)
def create_resident(body: ResidentCreate, session: SessionDep, actor: RegistryWriter) -> Response:
    """Register a resident with every field printed on the KTP."""
    resident, warnings = residents.create(session, actor, body, _office_id(session, actor))
    return model_response(to_public(resident, warnings), status.HTTP_201_CREATED)


@router.get("", response_model=ResidentsPublic)
def search_residents(
    session: SessionDep,
    actor: RegistryReader,
    nik: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,16}$", description="NIK or its first digits.")
    ] = None,
    nama: Annotated[
        str | None,
        Query(min_length=2, max_length=80, pattern=r"^[^\x00-\x1f\x7f]*$", description="Words of the name."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ResidentsPublic:
    """Find residents by NIK prefix or by name (words in any order)."""
    if not nik and not (nama and nama.strip()):
        raise invalid_field("nik", "give a NIK (or its first digits) or a name (nama) to search for.")
    rows, total = residents.search(session, actor, nik_prefix=nik, nama=nama, limit=limit, offset=offset)
    return ResidentsPublic(data=[to_public(r) for r in rows], count=total)


@router.get("/{nik}", response_model=ResidentPublic)
def get_resident(nik: NikPath, session: SessionDep, actor: RegistryReader) -> Response:
    """One resident by NIK."""
    return model_response(to_public(residents.read(session, actor, nik)))


@router.patch("/{nik}", response_model=ResidentPublic)
def update_resident(
    nik: NikPath,
    body: ResidentUpdate,
    session: SessionDep,
    actor: RegistryWriter,
    if_match: Annotated[
        int | None,
        AsciiInt,
        Header(ge=1, le=2_000_000_000, description="The version you edited; refused if it changed since."),
    ] = None,
) -> ResidentPublic:
    """Correct fields of a resident; the previous version is kept."""
    resident, warnings = residents.update(session, actor, nik, body, if_match)
    return to_public(resident, warnings)


@router.get("/{nik}/history", response_model=ResidentHistory)
def resident_history(nik: NikPath, session: SessionDep, actor: RegistryReader) -> ResidentHistory:
    """Every version of a resident: who changed which fields when."""
    versions = residents.history(session, actor, nik)
    return ResidentHistory(
        nik=nik,
        versions=[
            ResidentVersionPublic(
                version=v.version,
                changed_at=v.changed_at,
                changed_by=by,
                changed_fields=v.changed_fields,
                data=v.data,
            )
            for v, by in versions
        ],
    )


def _put_image(
    kind: ImageKind, nik: str, file: UploadFile, session: Session, actor: Actor, settings: SettingsDep
) -> ResidentPublic:
    raw = file.file.read(settings.max_image_bytes + 1)
    resident = residents.set_image(session, actor, nik, kind, raw, settings)
    return to_public(resident)


@router.put("/{nik}/photo", response_model=ResidentPublic)
def put_photo(
    nik: NikPath, file: UploadFile, session: SessionDep, actor: RegistryWriter, settings: SettingsDep
) -> ResidentPublic:
    """Upload the photo (JPEG or PNG) as the multipart form field ``file``."""
    return _put_image("photo", nik, file, session, actor, settings)


@router.put("/{nik}/signature", response_model=ResidentPublic)
def put_signature(
    nik: NikPath, file: UploadFile, session: SessionDep, actor: RegistryWriter, settings: SettingsDep
) -> ResidentPublic:
    """Upload the signature (JPEG or PNG, transparency kept) as the multipart form field ``file``."""
    return _put_image("signature", nik, file, session, actor, settings)


@router.get(
    "/{nik}/card-preview",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "application/pdf": {}}, "description": "The card, marked CONTOH."}
    },
)
def card_preview(
    nik: NikPath,
    session: SessionDep,
    actor: RegistryReader,
    settings: SettingsDep,
    dpi: Annotated[int, Query(ge=300, le=600, multiple_of=300, description="300 or 600.")] = 300,
    format: Annotated[Literal["png", "pdf"], Query(description="png or pdf.")] = "png",
    template: Annotated[
        str | None, Query(max_length=64, description="Template id (default: the office's).")
    ] = None,
) -> Response:
    """The card exactly as it would print today, with a diagonal CONTOH so a preview never passes as a card."""
    resident = residents.read(session, actor, nik)
    tpl = cards.template(template or settings.default_template, settings.templates_dir)
    data = cards.card_data(resident, settings.images_dir, tanggal_terbit=cards.local_today(settings.timezone))
    rendered = render_card(tpl, data, dpi=dpi, fmt=format, specimen=True)
    audit.record(
        session, actor, "resident.card_preview", "resident", resident.id, office_code=resident.kode_desa
    )
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "Cache-Control": "no-store",  # personal data: never kept by browsers or proxies
            "X-Template": f"{rendered.template_id}@{rendered.template_version}",
            "X-Template-Sha256": rendered.template_hash,
        },
    )
