"""Printers, print jobs, blank-card stock and counter readings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from sqlmodel import Session

from ktp_service.api.deps import (
    AdminOnly,
    AnyUser,
    Language,
    PrinterAsker,
    PrinterOperator,
    PrintOperator,
    PrintOperatorAsking,
    SessionDep,
    SettingsDep,
    Supervisor,
)
from ktp_service.copying import same_named
from ktp_service.db import unit_of_work
from ktp_service.errors import ERROR_RESPONSES, NotFound
from ktp_service.lifecycle import JobStatus
from ktp_service.messages import advice, render
from ktp_service.models import Office, PrintAgent, Printer, PrintJob, Resident
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN, AsciiInt
from ktp_service.schemas.printing import (
    AgentOnJob,
    CounterReadingCreate,
    CounterReadingPublic,
    JobDecision,
    JobMove,
    JobResolution,
    PrinterCreate,
    PrinterPublic,
    PrintJobCreate,
    PrintJobPublic,
    PrintJobsPublic,
    RefusedAgentReport,
    ReprintRequest,
    SimulatorFault,
    StockMovementPublic,
    StockPublic,
    StockReceipt,
    Supply,
)
from ktp_service.services import agent_holds, agents, audit, offices, print_jobs, printers, stock, waiting
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings

DEFAULT_SETTINGS = Settings.model_construct()  # the defaults, for the agent thresholds of a job view
router = APIRouter(prefix="/api/v1", tags=["printing"], responses=ERROR_RESPONSES)
PrinterId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000, description="The printer's id.")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The print job's UUID.")]
OfficeCode = Annotated[str, Path(pattern=REGION_CODE_PATTERN, description="Region code of the office.")]


def _adapters(request: Request) -> printers.AdapterCache:
    cache: printers.AdapterCache = request.app.state.adapters
    return cache


def printer_public(p: Printer, office: str, lang: str) -> PrinterPublic:
    return PrinterPublic(
        **same_named(p, PrinterPublic.model_fields, leave=("id",)),
        id=p.id or 0,
        office=office,
        state=p.status_state,
        state_reasons=p.status_reasons,
        supplies=[Supply(**m) for m in p.status_markers],
        card_counter=p.status_counter,
        advice=advice(p.status_reasons, lang),
    )


def agent_on_job(session: Session, job: PrintJob, settings: Settings | None) -> AgentOnJob | None:
    """Where a card handed to an office's agent is, as far as the centre knows."""
    if job.agent_id is None:
        return None
    agent = session.get(PrintAgent, job.agent_id)
    assert agent is not None
    settings = settings or DEFAULT_SETTINGS
    silent = agents.unreachable_since(agent, settings) if not job.state.final else None
    return AgentOnJob(
        name=agent.name,
        fetched_at=job.agent_fetched_at,
        acknowledged_at=job.agent_acknowledged_at,
        reported_at=job.agent_reported_at,
        last_contact_at=agent.last_contact_at,
        unreachable_since=silent,
        held_too_long=agents.held_too_long(job, settings),
        recalled_at=job.agent_recalled_at,
        recalled_by=job.agent_recalled_by,
        recall_note=job.agent_recall_note,
        refused_reports=(
            [refused_public(c) for c in agent_holds.conflicts(session, job_uuid=job.uuid)]
            if job.agent_recalled_at
            else []
        ),
    )


def refused_public(c: agent_holds.ConflictView) -> RefusedAgentReport:
    return RefusedAgentReport(
        **same_named(c, RefusedAgentReport.model_fields, leave=("job_id",)), job_id=c.job
    )


def job_public(
    session: Session, job: PrintJob, lang: str, settings: Settings | None = None
) -> PrintJobPublic:
    resident = session.get(Resident, job.resident_id)
    office = session.get(Office, job.office_id)
    names = print_jobs.usernames(session, {job.clerk_id, job.approved_by_id})
    reprint_of = session.get(PrintJob, job.reprint_of_id) if job.reprint_of_id else None
    assert resident is not None and office is not None
    return PrintJobPublic(
        **same_named(job, PrintJobPublic.model_fields, leave=("id",)),
        id=job.uuid,
        nik=resident.nik,
        nama=resident.nama,
        office=office.code,
        clerk=names.get(job.clerk_id or 0),
        message=render(job.message_code, job.message_params, lang),
        advice=advice(job.state_reasons, lang),
        approved_by=names.get(job.approved_by_id or 0),
        reprint_of=reprint_of.uuid if reprint_of else None,
        warning=waiting.readiness_warning(session, job, lang),
        agent=agent_on_job(session, job, settings),
    )


# -- printers ----------------------------------------------------------------------------------------------
@router.post("/printers", response_model=PrinterPublic, status_code=status.HTTP_201_CREATED)
def create_printer(
    body: PrinterCreate, session: SessionDep, lang: Language, actor: AdminOnly, settings: SettingsDep
) -> PrinterPublic:
    """Register a card printer of an office (adapter spool, simulator or ipp)."""
    p = printers.register(session, actor, body, settings)
    return printer_public(p, body.office, lang)


@router.get("/printers", response_model=list[PrinterPublic])
def list_printers(
    session: SessionDep,
    lang: Language,
    actor: AnyUser,
    office: Annotated[str | None, Query(max_length=13)] = None,
) -> list[PrinterPublic]:
    """Printers with their last polled state, supplies and counter (clerks see their office's)."""
    return [printer_public(p, code, lang) for p, code in printers.list_printers(session, actor, office)]


def _printer(session: Session, actor: Actor, printer_id: int) -> Printer:
    p = printers.get(session, printer_id)
    printers.check_office(session, actor, p)
    return p


@router.get("/printers/{printer_id}", response_model=PrinterPublic)
def get_printer(printer_id: PrinterId, session: SessionDep, lang: Language, actor: AnyUser) -> PrinterPublic:
    """One printer with its last polled status."""
    p = _printer(session, actor, printer_id)
    return printer_public(p, printers.office_code(session, p), lang)


@router.post("/printers/{printer_id}/status", response_model=PrinterPublic)
def refresh_printer_status(
    printer_id: PrinterId, lang: Language, actor: PrinterAsker, request: Request
) -> PrinterPublic:
    """Ask the printer for its state now (instead of waiting for the next background poll). No transaction
    is open while the printer answers, so a stalled printer holds no other office's write."""
    p, office = printers.refresh(request.app.state.engine, actor, printer_id, _adapters(request))
    return printer_public(p, office, lang)


@router.post("/printers/{printer_id}/counter-readings", response_model=CounterReadingPublic, status_code=201)
def add_counter_reading(
    printer_id: PrinterId, body: CounterReadingCreate, session: SessionDep, actor: PrinterOperator
) -> CounterReadingPublic:
    """Record the printer's card counter as read on its panel (for month-end reconciliation)."""
    r = printers.record_counter(session, actor, _printer(session, actor, printer_id), body.value, body.note)
    return CounterReadingPublic(at=r.at, value=r.value, source=r.source, note=r.note)


@router.get("/printers/{printer_id}/counter-readings", response_model=list[CounterReadingPublic])
def list_counter_readings(
    printer_id: PrinterId, session: SessionDep, actor: AnyUser
) -> list[CounterReadingPublic]:
    """Counter readings, newest first: from the device when it reports one, or entered by staff."""
    p = _printer(session, actor, printer_id)
    return [
        CounterReadingPublic(at=r.at, value=r.value, source=r.source, note=r.note)
        for r in printers.counter_readings(session, p)
    ]


@router.post("/printers/{printer_id}/simulator", response_model=PrinterPublic)
def control_simulator(
    printer_id: PrinterId, body: SimulatorFault, lang: Language, actor: PrinterAsker, request: Request
) -> PrinterPublic:
    """Training and tests: raise or clear faults on a simulated printer, load cards, replace the ribbon."""
    p, office = printers.operate_simulator(
        request.app.state.engine,
        actor,
        printer_id,
        _adapters(request),
        set_faults=tuple(body.set),
        clear_faults=tuple(body.clear),
        load_cards=body.load_cards,
        replace_ribbon=body.replace_ribbon,
    )
    return printer_public(p, office, lang)


# -- print jobs --------------------------------------------------------------------------------------------
@router.post("/print-jobs", response_model=PrintJobPublic, status_code=status.HTTP_201_CREATED)
def create_print_job(
    body: PrintJobCreate,
    session: SessionDep,
    lang: Language,
    actor: PrintOperator,
    settings: SettingsDep,
    request: Request,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=100,
            description="Repeat a request safely: same key, same job (see the operation's description).",
        ),
    ] = None,
) -> PrintJobPublic:
    """Send a resident's card to a printer of your office.

    **Idempotency-Key** (optional, 1-100 characters, your own per request; keys are kept per user): a
    repeat with the same key and the same body creates nothing and answers the job the first request
    created, with 200 and `Idempotent-Replayed: true`; the same key with another body is refused with 409
    `idempotency_key_reused`.

    **Repeats at the same time.** A repeat that arrives while the first request with its key is still being
    carried out may be answered 409 `card_in_progress` (the resident's card is in progress: the first
    request's job) instead of the replay. No second job is ever created. Send the repeat again once the
    first request has been answered: it then gets the replay (200, `Idempotent-Replayed: true`)."""
    job, created = print_jobs.create(
        session,
        actor,
        body,
        idempotency_key=idempotency_key,
        settings=settings,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return job_public(session, job, lang)


@router.get("/print-jobs", response_model=PrintJobsPublic)
def list_print_jobs(
    session: SessionDep,
    lang: Language,
    actor: PrintOperator,
    settings: SettingsDep,
    office: Annotated[str | None, Query(max_length=13)] = None,
    state: Annotated[JobStatus | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> PrintJobsPublic:
    """Print jobs, newest first, by office and state (clerks see their office's)."""
    rows, total = print_jobs.list_jobs(session, actor, office=office, state=state, limit=limit, offset=offset)
    return PrintJobsPublic(data=[job_public(session, j, lang, settings) for j in rows], count=total)


@router.get("/print-jobs/{job_id}", response_model=PrintJobPublic)
def get_print_job(
    job_id: JobId, session: SessionDep, lang: Language, actor: PrintOperator, settings: SettingsDep
) -> PrintJobPublic:
    """One print job: state, printer reasons and what to do about them; for a printer behind an office's
    agent, when the card reached the agent and whether the agent is reachable."""
    job = print_jobs.get(session, actor, job_id)
    audit.record_resident_reads(session, actor, [job.resident_id], via="print_job")
    return job_public(session, job, lang, settings)


@router.post("/print-jobs/{job_id}/cancel", response_model=PrintJobPublic)
def cancel_print_job(
    job_id: JobId,
    session: SessionDep,
    lang: Language,
    actor: PrintOperator,
    request: Request,
    settings: SettingsDep,
    body: JobDecision | None = None,
) -> PrintJobPublic:
    """Cancel a job that has not printed yet. A job held by an office's print agent is taken back from the
    agent and waits for a supervisor's confirmation (the card may have printed at the office)."""
    job = print_jobs.get(session, actor, job_id, lock=True)
    job = print_jobs.cancel(session, actor, job, body.note if body else "")
    if job.agent_recalled_at is not None:
        agents.drop_document(settings, session, job)
    return job_public(session, job, lang, settings)


@router.post("/print-jobs/{job_id}/recall", response_model=PrintJobPublic)
def recall_print_job(
    job_id: JobId,
    body: JobDecision,
    session: SessionDep,
    lang: Language,
    actor: Supervisor,
    settings: SettingsDep,
) -> PrintJobPublic:
    """Supervisor: take a job back from the print agent holding it (the agent was revoked, its machine
    lost), with a note saying why. The card may have printed at the office: the job waits in
    needs-confirmation (confirm it printed, or spoiled and reprint). The agent's later reports about it are
    refused (409 agent_job_recalled) and listed in GET /api/v1/agent-conflicts; never billed."""
    job = print_jobs.get(session, actor, job_id, lock=True)
    job = agent_holds.recall(session, actor, job, body.note, settings=settings)
    return job_public(session, job, lang, settings)


@router.get("/agent-conflicts", response_model=list[RefusedAgentReport])
def agent_conflicts(session: SessionDep, actor: Supervisor) -> list[RefusedAgentReport]:
    """Supervisor: reports print agents sent about jobs taken back from them (refused, never billed), newest
    first, for the supervisor's office and the villages under it."""
    return [refused_public(c) for c in agent_holds.conflicts(session, actor.office_code)]


def _supervisor_decision(
    decide: Callable[[Session, Actor, PrintJob, str], PrintJob], doc: str
) -> Callable[..., PrintJobPublic]:
    """A supervisor's route deciding a second card waiting in pending-held (approve or refuse)."""

    def decide_job(
        job_id: JobId, body: JobDecision, session: SessionDep, lang: Language, actor: Supervisor
    ) -> PrintJobPublic:
        job = decide(session, actor, print_jobs.get(session, actor, job_id, lock=True), body.note)
        return job_public(session, job, lang)

    decide_job.__doc__ = doc
    return decide_job


for _action, _decide, _doc in (
    (
        "approve",
        print_jobs.approve,
        "Supervisor: approve a second card (hilang, rusak, perubahan_data) waiting in pending-held.",
    ),
    ("refuse", print_jobs.refuse, "Supervisor: refuse a second card waiting for approval."),
):
    router.post(
        f"/print-jobs/{{job_id}}/{_action}", response_model=PrintJobPublic, name=f"{_action}_print_job"
    )(_supervisor_decision(_decide, _doc))


@router.post("/print-jobs/{job_id}/confirm", response_model=PrintJobPublic)
def confirm_print_job(
    job_id: JobId, body: JobResolution, session: SessionDep, lang: Language, actor: Supervisor
) -> PrintJobPublic:
    """Supervisor: record whether a job in needs-confirmation printed or spoiled its card."""
    job = print_jobs.resolve(
        session, actor, print_jobs.get(session, actor, job_id, lock=True), body.outcome, body.note
    )
    return job_public(session, job, lang)


@router.post("/print-jobs/{job_id}/reprint", response_model=PrintJobPublic, status_code=201)
def reprint_print_job(
    job_id: JobId,
    session: SessionDep,
    lang: Language,
    actor: PrintOperator,
    body: ReprintRequest | None = None,
) -> PrintJobPublic:
    """Ask for a new card after a spoiled one (printer fault), on the same printer or, with `printer_id`,
    on another ready printer of the office."""
    printer_id = body.printer_id if body else None
    job = print_jobs.reprint(session, actor, print_jobs.get(session, actor, job_id, lock=True), printer_id)
    return job_public(session, job, lang)


@router.post("/print-jobs/{job_id}/move", response_model=PrintJobPublic)
def move_print_job(
    job_id: JobId, body: JobMove, session: SessionDep, lang: Language, actor: PrintOperator
) -> PrintJobPublic:
    """Move a job not yet at a printer (waiting, held by its printer's fault, or awaiting approval) to
    another ready printer of its office; it is due there at once. Audited (`print_job.move`)."""
    job = print_jobs.move(session, actor, print_jobs.get(session, actor, job_id, lock=True), body.printer_id)
    return job_public(session, job, lang)


@router.post("/print-jobs/{job_id}/retry", response_model=PrintJobPublic)
def retry_print_job(
    job_id: JobId, lang: Language, actor: PrintOperatorAsking, request: Request
) -> PrintJobPublic:
    """Try a waiting job now instead of after its back-off ("Coba sekarang"). The printer is asked first
    (with no transaction open); the answer's `warning` says when it is still in trouble. Audited
    (`print_job.try_now`)."""
    engine = request.app.state.engine
    with unit_of_work(engine, writes=False) as session:
        printer_id = print_jobs.get(session, actor, job_id).printer_id
    printers.refresh(engine, actor, printer_id, _adapters(request))
    with unit_of_work(engine) as session:
        job = print_jobs.try_now(session, actor, print_jobs.get(session, actor, job_id, lock=True))
        return job_public(session, job, lang)


# -- blank-card stock --------------------------------------------------------------------------------------
def _office_for(session: Session, actor: Actor, code: str) -> Office:
    if actor.role.office_bound and code != actor.office_code:
        raise NotFound(f"Office {code} is not your office.")
    return offices.get_by_code(session, code)


@router.get("/offices/{code}/stock", response_model=StockPublic)
def get_stock(code: OfficeCode, session: SessionDep, actor: AnyUser, settings: SettingsDep) -> StockPublic:
    """Blank cards in stock at an office, with the latest movements and a low-stock flag."""
    office = _office_for(session, actor, code)
    assert office.id is not None
    bal = stock.balance(session, office.id)
    return StockPublic(
        office=office.code,
        balance=bal,
        low=bal <= settings.low_stock_threshold,
        low_threshold=settings.low_stock_threshold,
        movements=[
            StockMovementPublic(at=m.at, kind=m.kind, quantity=m.quantity, note=m.note)
            for m in stock.movements(session, office.id)
        ],
    )


@router.post("/offices/{code}/stock", response_model=StockPublic, status_code=201)
def add_stock(
    code: OfficeCode, body: StockReceipt, session: SessionDep, actor: PrinterOperator, settings: SettingsDep
) -> StockPublic:
    """Record blank cards received (or a counted adjustment with its reason)."""
    office = _office_for(session, actor, code)
    if body.kind == "receipt":
        stock.receive(session, actor, office, body.quantity, body.note)
    else:
        stock.adjust(session, actor, office, body.quantity, body.note)
    return get_stock(code, session, actor, settings)
