"""The card's last step (issue 15): handing a printed card over, its receipt, cards not collected, and
residents who died or moved out of the regency."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlmodel import Session

from ktp_service.api.deps import (
    PrintOperator,
    RegistryReader,
    RegistryWriter,
    SessionDep,
    SettingsDep,
)
from ktp_service.catalogue import translate
from ktp_service.errors import ERROR_RESPONSES, NotFound
from ktp_service.models import Card, Handover, Office, PrintJob, Resident, User
from ktp_service.receipts import ReceiptData, receipt_pdf
from ktp_service.schemas.handover import (
    DepartureCreate,
    DeparturePublic,
    HandoverCreate,
    HandoverPublic,
    UncollectedCard,
    UncollectedPublic,
)
from ktp_service.schemas.identifiers import NIK_PATTERN, REGION_CODE_PATTERN, AsciiInt
from ktp_service.services import handover, offices, print_jobs, residents
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["handover"], responses=ERROR_RESPONSES)
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The print job's UUID.")]
OfficeCode = Annotated[str, Path(pattern=REGION_CODE_PATTERN, description="Region code of the office.")]
NikPath = Annotated[str, Path(pattern=NIK_PATTERN, description="The resident's NIK.")]


class HandoverNotFound(NotFound, code="handover_not_found"): ...


def survey_url(settings: Settings, request: Request, token: str) -> str:
    base = settings.public_base_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/s/{token}"


def handover_public(
    session: Session, settings: Settings, request: Request, job: PrintJob, row: Handover
) -> HandoverPublic:
    card = session.get(Card, row.card_id)
    office = session.get(Office, row.office_id)
    old = session.get(Card, row.old_card_id) if row.old_card_id else None
    assert card is not None and office is not None
    return HandoverPublic(
        job=job.uuid,
        card_serial=card.serial,
        office=office.code,
        at=row.at,
        recipient=row.recipient,
        proxy_name=row.proxy_name,
        proxy_relation=row.proxy_relation,
        old_card_serial=old.serial if old else None,
        survey_url=survey_url(settings, request, row.survey_token),
        receipt_url=f"/api/v1/print-jobs/{job.uuid}/handover/receipt.pdf",
    )


def _handover_of(session: Session, job: PrintJob) -> Handover:
    row = handover.for_job(session, job)
    if row is None:
        raise HandoverNotFound(
            f"The card of job {job.uuid} has not been handed over.", params={"job": job.uuid}
        )
    return row


@router.post(
    "/print-jobs/{job_id}/handover", response_model=HandoverPublic, status_code=status.HTTP_201_CREATED
)
def hand_over(
    job_id: JobId,
    body: HandoverCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: PrintOperator,
) -> HandoverPublic:
    """Record that the printed card reached the resident or their proxy (power of attorney). For a
    replacement card, ``old_card_destroyed`` says the old card was collected and destroyed."""
    job = print_jobs.get(session, actor, job_id, lock=True)
    row = handover.hand_over(session, actor, job, body)
    return handover_public(session, settings, request, job, row)


@router.get("/print-jobs/{job_id}/handover", response_model=HandoverPublic)
def get_handover(
    job_id: JobId, request: Request, session: SessionDep, settings: SettingsDep, actor: PrintOperator
) -> HandoverPublic:
    job = print_jobs.get(session, actor, job_id)
    return handover_public(session, settings, request, job, _handover_of(session, job))


def receipt_bytes(
    session: Session, settings: Settings, request: Request, job: PrintJob, row: Handover, lang: str = "id"
) -> bytes:
    card, office = session.get(Card, row.card_id), session.get(Office, row.office_id)
    resident = session.get(Resident, job.resident_id)
    clerk = session.get(User, row.clerk_id) if row.clerk_id else None
    old = session.get(Card, row.old_card_id) if row.old_card_id else None
    assert card is not None and office is not None and resident is not None
    return receipt_pdf(
        ReceiptData(
            regency=settings.regency_name,
            office=f"{office.name} ({office.code})",
            card_serial=card.serial,
            nik=resident.nik,
            nama=resident.nama,
            reason=translate(f"reason.{job.reason}", lang),
            handed_over_at=row.at,
            recipient=row.recipient,
            proxy_name=row.proxy_name,
            proxy_relation=row.proxy_relation,
            proxy_letter=row.proxy_letter,
            old_card_serial=old.serial if old else None,
            clerk=(clerk.full_name or clerk.username) if clerk else "-",
            survey_url=survey_url(settings, request, row.survey_token),
            zone=settings.timezone,
        )
    )


@router.get(
    "/print-jobs/{job_id}/handover/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The receipt, A5."}},
)
def handover_receipt(
    job_id: JobId, request: Request, session: SessionDep, settings: SettingsDep, actor: PrintOperator
) -> Response:
    """The handover receipt (A5 PDF) with the short link and QR code to the IKM survey."""
    job = print_jobs.get(session, actor, job_id)
    data = receipt_bytes(session, settings, request, job, _handover_of(session, job))
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="tanda-terima-{job.card_serial}.pdf"'},
    )


@router.get("/offices/{code}/uncollected", response_model=UncollectedPublic)
def uncollected_cards(
    code: OfficeCode,
    session: SessionDep,
    settings: SettingsDep,
    actor: RegistryReader,
    days: Annotated[
        int | None, AsciiInt, Query(ge=0, le=365, description="Default: KTP_UNCOLLECTED_DAYS.")
    ] = None,
) -> UncollectedPublic:
    """Printed, valid cards waiting at the office longer than ``days`` (oldest first)."""
    office = _office_for(session, actor, code)
    wait = settings.uncollected_days if days is None else days
    rows = handover.uncollected(session, office, older_than_days=wait)
    return UncollectedPublic(
        office=office.code,
        older_than_days=wait,
        count=len(rows),
        cards=[
            UncollectedCard(
                job=w.job.uuid,
                card_serial=w.card.serial,
                nik=w.resident.nik,
                nama=w.resident.nama,
                printed_at=w.card.issued_at,
                days_waiting=w.days,
            )
            for w in rows
        ],
    )


def _office_for(session: Session, actor: Actor, code: str) -> Office:
    if actor.role.office_bound and code != actor.office_code:
        raise NotFound(f"Office {code} is not your office.")
    return offices.get_by_code(session, code)


@router.post(
    "/residents/{nik}/departure", response_model=DeparturePublic, status_code=status.HTTP_201_CREATED
)
def record_departure(
    nik: NikPath, body: DepartureCreate, session: SessionDep, actor: RegistryWriter
) -> DeparturePublic:
    """A resident died (akta kematian) or moved out of the regency (surat pindah): their valid card is
    invalidated and no new card is printed for them."""
    resident = residents.read(session, actor, nik)
    row, card = handover.record_departure(session, actor, resident, body)
    return DeparturePublic(
        nik=resident.nik,
        kind=row.kind,
        document_number=row.document_number,
        document_date=row.document_date,
        recorded_at=row.recorded_at,
        invalidated_card=card.serial if card else None,
    )
