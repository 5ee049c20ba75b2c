"""Billing: contracts, the month's statement, closing, the signed bundle, reconciliation and documents.
Clerks see none of it; the partner's auditor reads and verifies (NIKs masked); finance reconciles and
closes. Every read is audited."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, UploadFile, status

from billing import documents, reconciliation
from billing.statement import Statement
from ktp_service.api.deps import (
    BillingReader,
    CheckpointReader,
    ContractEditor,
    FinanceOnly,
    SessionDep,
    SettingsDep,
)
from ktp_service.billing_bridge import config_for, post_pending
from ktp_service.copying import same_named
from ktp_service.errors import ERROR_RESPONSES
from ktp_service.schemas.billing import (
    CheckpointPublic,
    ClosedMonth,
    ConflictPublic,
    ContractEnd,
    ContractPublic,
    CorrectionIn,
    CorrectionPublic,
    ExplanationIn,
    MoneyReceivedIn,
    Posted,
    PublicKeyPublic,
    Resolution,
    VerifyResult,
)
from ktp_service.schemas.identifiers import MONTH_DESCRIPTION, MONTH_PATTERN, AsciiInt, CheckedMonth
from ktp_service.services import billing

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
def close_month(month: Month, session: SessionDep, actor: FinanceOnly, settings: SettingsDep) -> ClosedMonth:
    """Close the month: fix and sign its statement. Refused while cards of the month wait to be posted."""
    signed = billing.close_month(session, actor, month, config_for(settings))
    return ClosedMonth(statement=signed.statement, signature=signed.signature)


@router.get(
    "/periods/{month}/entries",
    response_model=list[dict[str, Any]],
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv."}},
)
def month_entries(
    month: Month,
    session: SessionDep,
    actor: BillingReader,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Every ledger line of the month, down to each billed card (NIK masked), with its contract version."""
    rows = billing.entries(session, actor, month)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(documents.ENTRY_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv", headers=_attachment(f"entries-{month}.csv"))
    return rows


@router.get(
    "/periods/{month}/bundle", response_class=Response, responses={200: {"content": {"application/zip": {}}}}
)
def month_bundle(month: Month, session: SessionDep, actor: BillingReader) -> Response:
    """The closed month's signed statement with its entries, to verify offline with
    `ktp billing verify-statement BUNDLE --public-key FILE`."""
    data = billing.bundle_bytes(session, actor, month)
    return Response(data, media_type="application/zip", headers=_attachment(f"ktp-billing-{month}.zip"))


@router.get(
    "/periods/{month}/statement.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def statement_pdf(month: Month, session: SessionDep, actor: BillingReader, settings: SettingsDep) -> Response:
    """The statement as PDF, ready to sign."""
    st = billing.read_statement(session, actor, month, config_for(settings))
    pdf = documents.statement_pdf(st, regency=settings.regency_name)
    return Response(pdf, media_type="application/pdf", headers=_attachment(f"laporan-bagi-hasil-{month}.pdf"))


@router.get("/periods/{month}/reconciliation", response_model=reconciliation.ReconciliationReport)
def get_reconciliation(
    month: Month,
    session: SessionDep,
    actor: FinanceOnly,
    settings: SettingsDep,
    partner_count: Annotated[
        int | None, Query(ge=0, le=10**9, description="Cards the partner counted.")
    ] = None,
) -> reconciliation.ReconciliationReport:
    """Cards billed vs printed + spoiled vs printer counters vs blank-card stock vs money expected and received."""
    return billing.reconcile(session, actor, month, config_for(settings), partner_count)


@router.post(
    "/periods/{month}/money-received", status_code=201, response_model=reconciliation.ReconciliationReport
)
def add_money(
    month: Month, body: MoneyReceivedIn, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> reconciliation.ReconciliationReport:
    """Record money that arrived in the regional treasury for an office on a day."""
    billing.record_money(
        session,
        actor,
        month,
        config_for(settings),
        office_code=body.office_code,
        day=body.day,
        amount=body.amount,
        reference=body.reference,
    )
    return billing.reconcile(session, actor, month, config_for(settings))


@router.post(
    "/periods/{month}/money-received/import",
    status_code=201,
    response_model=reconciliation.ReconciliationReport,
)
def import_money(
    month: Month, file: UploadFile, session: SessionDep, actor: FinanceOnly, settings: SettingsDep
) -> reconciliation.ReconciliationReport:
    """Import money received from CSV (office_code,date,amount,reference); any bad row rejects the file."""
    limit = settings.max_import_bytes
    text = billing.decode_upload(file.file.read(limit + 1), limit)
    billing.import_money(
        session, actor, month, text, f"import:{file.filename or 'upload'}", config_for(settings)
    )
    return billing.reconcile(session, actor, month, config_for(settings))


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
    month: Month,
    session: SessionDep,
    actor: FinanceOnly,
    settings: SettingsDep,
    number: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="The minutes' number (default BA-REKON/<month>)."),
    ] = None,
) -> Response:
    """Berita Acara Rekonsiliasi (SEMENTARA while differences remain, FINAL once explained or matched)."""
    pdf = billing.berita_acara(session, actor, month, settings, number)
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
