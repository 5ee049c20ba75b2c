"""Billing: contracts, the month's statement, closing, the signed bundle, reconciliation and documents.
Clerks see none of it; the partner's auditor reads and verifies (NIKs masked); finance reconciles and
closes. Every read is audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile, status
from sqlmodel import Session

from billing import reconciliation
from billing.models import MonthDocument
from billing.records import SignatoryIn
from billing.statement import Statement
from ktp_service.api.deps import (
    BillingReader,
    CheckpointReader,
    ContractEditor,
    FinanceOnly,
    Language,
    PartnerOnly,
    SessionDep,
    SettingsDep,
)
from ktp_service.billing_bridge import config_for, post_pending
from ktp_service.copying import same_named
from ktp_service.errors import ERROR_RESPONSES
from ktp_service.schemas.billing import (
    CheckpointPublic,
    ClosedMonth,
    CloseIn,
    CloseWithCardsAtAgents,
    ConflictPublic,
    ContractEnd,
    ContractPublic,
    CorrectionIn,
    CorrectionPublic,
    DocumentPublic,
    ExplanationIn,
    FinaliseIn,
    HeldByAgents,
    HeldCardPublic,
    InvoiceNumberIn,
    InvoiceNumberPublic,
    MoneyEntryPublic,
    MoneyReceivedIn,
    MoneyReversalIn,
    PartnerCountEntry,
    PartnerCountIn,
    PartnerCountPublic,
    Posted,
    PublicKeyPublic,
    Resolution,
    SignatoryPublic,
    VerifyResult,
)
from ktp_service.schemas.identifiers import MONTH_DESCRIPTION, MONTH_PATTERN, AsciiInt, CheckedMonth
from ktp_service.services import agent_holds, billing
from ktp_service.services.cards import local_today

router = APIRouter(prefix="/api/v1/billing", tags=["billing"], responses=ERROR_RESPONSES)
Month = Annotated[
    str, Path(pattern=MONTH_PATTERN, description=MONTH_DESCRIPTION, examples=["2026-11"]), CheckedMonth
]
RecordId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000)]


def _contract(v: Any) -> ContractPublic:
    import json

    from billing.contracts import terms_of

    return ContractPublic(
        **same_named(v, ContractPublic.model_fields),
        terms=json.loads(v.terms_json),
        ppn_collector=terms_of(v).ppn.collector,
    )


@router.get(
    "/public-key", response_class=Response, responses={200: {"content": {"application/x-pem-file": {}}}}
)
def public_key(settings: SettingsDep) -> Response:
    """The Ed25519 public key that verifies signed statements (PEM). Public: anyone may check a statement."""
    return Response(config_for(settings).keys.public_key_pem(), media_type="application/x-pem-file")


@router.get(
    "/verifier",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "A Python wheel."}},
)
def verifier_wheel() -> Response:
    """The partner's verifier, `ktp-verify`, as a wheel built from the code this service checks bundles
    with (standard library and `cryptography` only): `pip install` it, then
    `ktp-verify BUNDLE.zip --public-key KEY.pem`. Public, like the public key."""
    from ktp_service.verifier_wheel import wheel_bytes, wheel_name

    return Response(
        wheel_bytes(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{wheel_name()}"'},
    )


@router.get("/public-keys", response_model=list[PublicKeyPublic])
def public_keys(settings: SettingsDep) -> list[PublicKeyPublic]:
    """Every public key that signed statements or checkpoints here, oldest first, the current one last
    (`ktp billing rotate-key` adds one). A statement or checkpoint names its `key_id`: verify it with that
    key. Public, like the current key."""
    ring = config_for(settings).keys.public_keys()
    current = next(reversed(ring))
    return [PublicKeyPublic(key_id=k, public_key_pem=pem, current=k == current) for k, pem in ring.items()]


@router.post("/contracts", response_model=ContractPublic, status_code=status.HTTP_201_CREATED)
def create_contract(body: dict[str, Any], session: SessionDep, actor: ContractEditor) -> ContractPublic:
    """Add a contract version (fees per reason and payer, partner share, rounding, taxes). The share is
    `percent` (basis points), `fixed` (rupiah per card) or `tiers` graduated by the card's place among the
    month's net billed cards, each tier `basis_points` or `amount_per_card`; a share above the fee it
    splits is refused (`share_above_fee`, `share_above_full`). `ppn.collector` says who collects PPN:
    `partner` (default) or the regency's treasurer `bendahara`."""
    return _contract(billing.add_contract(session, actor, body))


@router.get("/contracts", response_model=list[ContractPublic])
def list_contracts(session: SessionDep, actor: BillingReader) -> list[ContractPublic]:
    """Every contract version, oldest first."""
    from billing.contracts import list_contract_versions

    return [_contract(v) for v in list_contract_versions(session)]


@router.post("/contracts/{version_id}/end", response_model=ContractPublic)
def end_contract(
    version_id: RecordId,
    body: ContractEnd,
    session: SessionDep,
    actor: ContractEditor,
) -> ContractPublic:
    """Set the last day a version is in force (to make room for the next one)."""
    return _contract(billing.end_contract(session, actor, version_id, body.effective_to))


@router.post("/post-pending", response_model=Posted)
def post_outbox(session: SessionDep, actor: FinanceOnly, settings: SettingsDep) -> Posted:
    """Post printed cards waiting in the outbox now (the print worker also does it continuously)."""
    return Posted(posted=post_pending(session, config_for(settings), retry_refused=True))


@router.get("/periods/{month}/statement", response_model=Statement)
def get_statement(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep
) -> Statement:
    """The month as it stands (open) or as closed and signed: cards billed, gross, shares, taxes, breakdowns."""
    return billing.read_statement(session, actor, month, config_for(settings))


@router.post("/periods/{month}/close", response_model=ClosedMonth)
def close_month(
    month: Month,
    session: SessionDep,
    actor: FinanceOnly,
    settings: SettingsDep,
    lang: Language,
    body: CloseIn | None = None,
) -> ClosedMonth:
    """Close the month: fix and sign its statement. Refused while cards of the month wait to be posted, and
    while print agents hold cards of it (409 `month_cards_held_by_agents`, the cards with their offices and
    agents in `params.cards`) unless `reason` says why finance closes anyway."""
    signed = billing.close_month(session, actor, month, settings, reason=body.reason if body else None)
    return ClosedMonth(
        statement=signed.statement,
        signature=signed.signature,
        closed_anyway=_closed_anyway(session, month, lang),
    )


def _closed_anyway(session: Session, month: str, lang: str) -> CloseWithCardsAtAgents | None:
    found = agent_holds.override_for(session, month)
    if found is None:
        return None
    return CloseWithCardsAtAgents(
        reason=found.reason,
        closed_by=found.closed_by,
        at=found.at,
        note=agent_holds.close_note(found, lang) or "",
        cards=[HeldCardPublic(**c) for c in found.cards],
    )


@router.get("/periods/{month}/held-by-agents", response_model=HeldByAgents)
def held_by_agents(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep, lang: Language
) -> HeldByAgents:
    """Cards print agents hold now that may be dated in the month (handed to them before it ended, not
    reported yet), with their offices and agents; and, once closed with cards at agents, the reason."""
    cards = agent_holds.held_for_month(session, month, config_for(settings).zone)
    return HeldByAgents(
        month=month,
        cards=[HeldCardPublic(**c.as_dict()) for c in cards],
        closed_anyway=_closed_anyway(session, month, lang),
    )


Lang = Annotated[Literal["id", "en"], Query(description="Headers and words: id (default) or en.")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


@router.get(
    "/periods/{month}/entries",
    response_model=list[dict[str, Any]],
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "JSON (the ledger's own columns, UTC), or with ?format=csv a CSV for spreadsheets: "
            "semicolons, UTF-8 with BOM, CRLF, Indonesian headers (?lang=en: English), times in the zone.",
        }
    },
)
def month_entries(
    month: Month,
    session: SessionDep,
    actor: BillingReader,
    settings: SettingsDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    lang: Lang = "id",
) -> Any:
    """Every ledger line of the month, down to each billed card (NIK masked), with its contract version."""
    if format == "csv":
        data = billing.entries_csv(session, actor, month, settings, lang)
        return Response(data, media_type=CSV, headers=_attachment(f"entri-{month}.csv"))
    return billing.entries(session, actor, month)


@router.get(
    "/periods/{month}/statement.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def statement_csv(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep, lang: Lang = "id"
) -> Response:
    """The statement's totals and breakdowns as CSV for spreadsheets (semicolons, UTF-8 with BOM, CRLF)."""
    data = billing.statement_csv(session, actor, month, settings, lang)
    return Response(data, media_type=CSV, headers=_attachment(f"laporan-bagi-hasil-{month}.csv"))


@router.get(
    "/periods/{month}/statement.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}}
)
def statement_xlsx(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep, lang: Lang = "id"
) -> Response:
    """The statement, every ledger line and the sums per account (with the configured kode rekening) as a
    workbook; amounts are number cells."""
    data = billing.statement_xlsx(session, actor, month, settings, lang)
    return Response(data, media_type=XLSX, headers=_attachment(f"laporan-bagi-hasil-{month}.xlsx"))


@router.get(
    "/periods/{month}/bundle", response_class=Response, responses={200: {"content": {"application/zip": {}}}}
)
def month_bundle(month: Month, session: SessionDep, actor: BillingReader) -> Response:
    """The closed month's signed statement with its entries, to verify offline with
    `ktp billing verify-statement BUNDLE --public-key FILE`."""
    data = billing.bundle_bytes(session, actor, month)
    return Response(data, media_type="application/zip", headers=_attachment(f"ktp-billing-{month}.zip"))


PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}
PaperLang = Annotated[
    Literal["id", "en"],
    Query(description="id (default): the document; en: an English translation, marked so, never numbered."),
]


@router.get("/periods/{month}/statement.pdf", response_class=Response, responses=PDF)
def statement_pdf(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep, lang: PaperLang = "id"
) -> Response:
    """The statement as PDF: once the month is closed, the final paper made at the close (numbered, signed,
    the same bytes every time); before, made now and marked SEMENTARA."""
    pdf = billing.statement_pdf(session, actor, month, settings, lang)
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"laporan-bagi-hasil-{month}.pdf"))


@router.get("/periods/{month}/invoice.pdf", response_class=Response, responses=PDF)
def invoice_pdf(
    month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep, lang: PaperLang = "id"
) -> Response:
    """The partner's draft invoice (rancangan tagihan) prefilled from the statement: price, PPN, PPh 23
    and what the partner receives, in figures and words."""
    pdf = billing.invoice_pdf(session, actor, month, settings, lang)
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"rancangan-tagihan-{month}.pdf"))


@router.post("/periods/{month}/invoice-number", response_model=InvoiceNumberPublic)
def invoice_number(
    month: Month, body: InvoiceNumberIn, session: SessionDep, actor: PartnerOnly, settings: SettingsDep
) -> InvoiceNumberPublic:
    """The partner records the number its own books gave the month's invoice (shown on the draft)."""
    number = billing.record_invoice_number(session, actor, month, body.invoice_number, settings)
    return InvoiceNumberPublic(month=month, invoice_number=number)


@router.post("/periods/{month}/reconciliation/finalise", response_model=DocumentPublic, status_code=201)
def finalise_reconciliation(
    month: Month,
    session: SessionDep,
    actor: FinanceOnly,
    settings: SettingsDep,
    body: FinaliseIn | None = None,
) -> DocumentPublic:
    """Make the month's final Berita Acara: allowed once the month is closed and every difference matches or
    is explained; numbered, dated today, signed and stored. Afterwards the reconciliation is fixed."""
    doc = billing.finalise_reconciliation(session, actor, month, settings, body.follow_up if body else ())
    return _document(doc)


@router.get("/months/{month}/documents", response_model=list[DocumentPublic])
def month_documents(month: Month, session: SessionDep, actor: BillingReader) -> list[DocumentPublic]:
    """The month's final papers: number, kind, SHA-256 of the PDF and the Ed25519 signature of its bytes
    with the id of the key that made it; check a downloaded PDF against them."""
    return [_document(d) for d in billing.month_documents(session, actor, month)]


@router.get("/months/{month}/documents/{kind}", response_class=Response, responses=PDF)
def month_document(
    month: Month, kind: Literal["statement", "berita_acara"], session: SessionDep, actor: BillingReader
) -> Response:
    """A final paper's stored bytes (404 until it is made)."""
    doc = billing.stored_document(session, actor, month, kind)
    name = "laporan-bagi-hasil" if kind == "statement" else "berita-acara"
    return Response(doc.content, media_type="application/pdf", headers=_attachment(f"{name}-{month}.pdf"))


@router.get("/signatories", response_model=list[SignatoryPublic])
def list_signatories(session: SessionDep, actor: ContractEditor) -> list[SignatoryPublic]:
    """Every signatory row of both sides, newest in force first (the history stays)."""
    return [
        SignatoryPublic.model_validate(r, from_attributes=True)
        for r in billing.list_signatories(session, actor)
    ]


@router.post("/signatories", response_model=SignatoryPublic, status_code=201)
def add_signatory(body: SignatoryIn, session: SessionDep, actor: ContractEditor) -> SignatoryPublic:
    """Record who signs for a side from a date on (a new row; papers name whoever is in force the day they
    are made)."""
    return SignatoryPublic.model_validate(billing.add_signatory(session, actor, body), from_attributes=True)


def _document(doc: MonthDocument) -> DocumentPublic:
    return DocumentPublic(
        **same_named(doc, DocumentPublic.model_fields, leave=("url",)),
        url=f"/api/v1/billing/months/{doc.month}/documents/{doc.kind}",
    )


@router.get("/periods/{month}/reconciliation", response_model=reconciliation.ReconciliationReport)
def get_reconciliation(
    month: Month, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> reconciliation.ReconciliationReport:
    """Cards billed vs printed + spoiled vs printer counters (each printer in `counters`) vs blank-card stock
    vs the partner's stored count vs money expected and received."""
    return billing.reconcile(session, actor, month, config_for(settings))


def _entry(row: dict[str, Any]) -> MoneyEntryPublic:
    return MoneyEntryPublic.model_validate(row)


@router.get("/periods/{month}/money-received", response_model=list[MoneyEntryPublic])
def list_money(month: Month, session: SessionDep, actor: FinanceOnly) -> list[MoneyEntryPublic]:
    """The month's money received entry by entry, in the order recorded, reversals included."""
    return [_entry(r) for r in billing.money_entries(session, actor, month)]


@router.post("/periods/{month}/money-received", status_code=201, response_model=MoneyEntryPublic)
def add_money(
    month: Month, body: MoneyReceivedIn, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> MoneyEntryPublic:
    """Record money that arrived in the regional treasury for an office on a day (default today). A payment
    reference already recorded is refused (409 `duplicate_payment_reference`, naming the earlier entry)."""
    config = config_for(settings)
    row = billing.record_money(
        session,
        actor,
        month,
        config,
        office_code=body.office_code,
        day=body.day or local_today(settings.timezone),
        amount=body.amount,
        reference=body.reference,
    )
    return _entry(billing.money_entry(session, month, row.id))


@router.post("/money-received/{entry_id}/reverse", status_code=201, response_model=MoneyEntryPublic)
def reverse_money(
    entry_id: RecordId, body: MoneyReversalIn, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> MoneyEntryPublic:
    """Undo an entry with a reversing entry (the amount negated, the reason kept). An entry is reversed
    once, and a reversal is never reversed (409)."""
    row = billing.reverse_money(session, actor, entry_id, body.reason, config_for(settings))
    return _entry(billing.money_entry(session, row.month, row.id))


@router.post("/periods/{month}/money-received/import", status_code=201, response_model=list[MoneyEntryPublic])
def import_money(
    month: Month, file: UploadFile, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> list[MoneyEntryPublic]:
    """Import money received from CSV (office_code,date,amount,reference); any bad row, a payment reference
    already recorded included, rejects the whole file. Answers the month's entries."""
    limit = settings.max_import_bytes
    text = billing.decode_upload(file.file.read(limit + 1), limit)
    billing.import_money(
        session, actor, month, text, f"import:{file.filename or 'upload'}", config_for(settings)
    )
    return [_entry(r) for r in billing.money_entries(session, actor, month)]


def _partner_count(month: str, rows: list[Any]) -> PartnerCountPublic:
    history = [PartnerCountEntry.model_validate(r, from_attributes=True) for r in rows]
    return PartnerCountPublic(month=month, current=history[-1] if history else None, history=history)


@router.get("/months/{month}/partner-count", response_model=PartnerCountPublic)
def get_partner_count(month: Month, session: SessionDep, actor: BillingReader) -> PartnerCountPublic:
    """The partner's own count of the month's billed cards, with every earlier value."""
    return _partner_count(month, billing.partner_count_history(session, actor, month))


@router.put("/months/{month}/partner-count", response_model=PartnerCountPublic)
def put_partner_count(
    month: Month, body: PartnerCountIn, session: SessionDep, actor: PartnerOnly, settings: SettingsDep
) -> PartnerCountPublic:
    """The partner's auditor enters (or corrects) its own count of the month's billed cards; the earlier
    values stay as history. Refused once the month's Berita Acara is made (409 `reconciliation_finalised`)."""
    rows = billing.set_partner_count(session, actor, month, body.cards, body.note, config_for(settings))
    return _partner_count(month, rows)


@router.post(
    "/periods/{month}/explanations", status_code=201, response_model=reconciliation.ReconciliationReport
)
def explain(
    month: Month, body: ExplanationIn, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> reconciliation.ReconciliationReport:
    """Explain a difference of the reconciliation (the minutes become final once none is unexplained)."""
    billing.explain(session, actor, month, body.item, body.explanation, config_for(settings))
    return billing.reconcile(session, actor, month, config_for(settings))


@router.get(
    "/periods/{month}/berita-acara.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def berita_acara(
    month: Month, session: SessionDep, actor: FinanceOnly, settings: SettingsDep, lang: PaperLang = "id"
) -> Response:
    """Berita Acara Rekonsiliasi: the final paper once finance finalised the reconciliation (numbered,
    signed, the same bytes every time); before, made now, unnumbered and marked SEMENTARA."""
    pdf = billing.berita_acara(session, actor, month, settings, lang)
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"berita-acara-{month}.pdf"))


@router.get("/conflicts", response_model=list[ConflictPublic])
def list_conflicts(
    session: SessionDep,
    actor: FinanceOnly,
    all: Annotated[bool, Query(description="Resolved ones too.")] = False,
) -> list[ConflictPublic]:
    """Events that arrived under a posted key with other content; an unresolved one blocks its month's close."""
    from billing.conflicts import list_conflicts as conflicts

    return [
        ConflictPublic.model_validate(c, from_attributes=True)
        for c in conflicts(session, unresolved_only=not all)
    ]


@router.post("/conflicts/{conflict_id}/resolve", response_model=ConflictPublic)
def resolve_conflict(
    conflict_id: RecordId,
    body: Resolution,
    session: SessionDep,
    actor: FinanceOnly,
) -> ConflictPublic:
    """Record how a conflict was resolved (the right event posted under a new key, or found bogus)."""
    return ConflictPublic.model_validate(
        billing.resolve_conflict(session, actor, conflict_id, body.resolution), from_attributes=True
    )


@router.post("/corrections", response_model=CorrectionPublic, status_code=201)
def post_correction(
    body: CorrectionIn, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> CorrectionPublic:
    """Reverse a billed card's transaction with a new entry that points to it (nothing is ever edited)."""
    outcome = billing.correct(
        session, actor, body.corrects_seq, body.correction_key, body.note, config_for(settings)
    )
    return CorrectionPublic(status=outcome.status, seq=outcome.seq, detail=outcome.detail)


@router.get("/verify", response_model=VerifyResult)
def verify_chain(session: SessionDep, actor: BillingReader, settings: SettingsDep) -> VerifyResult:
    """Recompute the whole hash chain and the signed statements; names the first entry that does not match."""
    r = billing.verify(session, actor, config_for(settings))
    return VerifyResult.model_validate(r, from_attributes=True)


@router.get("/checkpoints", response_model=list[CheckpointPublic])
def list_checkpoints(
    session: SessionDep,
    actor: CheckpointReader,
    after: Annotated[int, Query(ge=0, le=2**62, description="Only checkpoints with a larger id.")] = 0,
) -> list[CheckpointPublic]:
    """The signed checkpoints of the ledger's chain head, oldest first: keep them (`ktp billing checkpoints
    pull`), then `ktp billing verify-statement BUNDLE --public-key KEY.pem --checkpoints FILE` catches a
    ledger rewritten or cut back behind any of them."""
    return billing.list_checkpoints(session, actor, after)


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
