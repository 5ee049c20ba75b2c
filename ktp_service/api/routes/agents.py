"""Print agents (issue 14): administration (``/api/v1/agents``) and the protocol the agents speak
(``/api/v1/agent/...``), authenticated by each agent's own bearer credential, which reaches only the jobs of
its own printers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from ktp_service import agent_documents
from ktp_service.api.deps import AdminOnly, SessionDep, SettingsDep
from ktp_service.db import unit_of_work
from ktp_service.errors import ERROR_RESPONSES, error_body
from ktp_service.messages import pick_language
from ktp_service.models import PrintAgent, utcnow
from ktp_service.schemas.agents import (
    Acknowledge,
    AgentCreate,
    AgentEnrollment,
    AgentPrinterConfig,
    AgentPrinterState,
    AgentPublic,
    DeviceAttributes,
    DeviceAttributesAnswer,
    EnrollAnswer,
    EnrollRequest,
    FetchAnswer,
    JobOffer,
    JobReport,
    JobReportAnswer,
    RotateAnswer,
    RotateRequest,
)
from ktp_service.schemas.identifiers import AsciiInt
from ktp_service.services import agent_holds, agents

router = APIRouter(prefix="/api/v1", tags=["print agents"], responses=ERROR_RESPONSES)
AgentId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000, description="The agent's id.")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The print job's UUID.")]
bearer = HTTPBearer(auto_error=False, scheme_name="AgentCredential")


def _public(view: agents.AgentView) -> AgentPublic:
    a = view.agent
    return AgentPublic(
        id=a.id or 0,
        name=a.name,
        office=view.office,
        enrolled_at=a.enrolled_at,
        revoked_at=a.revoked_at,
        enrollment_expires_at=a.enrollment_expires_at,
        last_contact_at=a.last_contact_at,
        unreachable_since=view.unreachable_since,
        version=a.version,
        queue_depth=a.queue_depth,
        jobs_held=view.jobs_held,
        jobs_held_too_long=view.jobs_held_too_long,
        printers=[
            AgentPrinterState(
                printer_id=p.id or 0,
                name=p.name,
                adapter=p.adapter,
                state=p.status_state,
                state_reasons=p.status_reasons,
                card_counter=p.status_counter,
                status_at=p.status_at,
            )
            for p in view.printers
        ],
    )


def _view(session: Session, agent_id: int, settings: SettingsDep) -> agents.AgentView:
    return next(v for v in agents.list_agents(session, settings) if v.agent.id == agent_id)


# -- administration ----------------------------------------------------------------------------------------
@router.post("/agents", response_model=AgentEnrollment, status_code=status.HTTP_201_CREATED)
def create_agent(
    body: AgentCreate, session: SessionDep, actor: AdminOnly, settings: SettingsDep
) -> AgentEnrollment:
    """Register a print agent for an office; answers its one-time enrollment code (valid for a day)."""
    agent, code = agents.create(session, actor, body.name, body.office, settings)
    return AgentEnrollment(
        **_public(_view(session, agent.id or 0, settings)).model_dump(), enrollment_code=code
    )


@router.get("/agents", response_model=list[AgentPublic])
def list_agents(session: SessionDep, actor: AdminOnly, settings: SettingsDep) -> list[AgentPublic]:
    """Every agent: last contact, version, queue depth, its printers as it last reported them."""
    return [_public(v) for v in agents.list_agents(session, settings)]


@router.post("/agents/{agent_id}/revoke", response_model=AgentPublic)
def revoke_agent(
    agent_id: AgentId, session: SessionDep, actor: AdminOnly, settings: SettingsDep
) -> AgentPublic:
    """Revoke an agent: refused from its next request on. The jobs it holds stay bound to it."""
    agents.revoke(session, actor, agent_id)
    return _public(_view(session, agent_id, settings))


@router.post("/agents/{agent_id}/re-enroll", response_model=AgentEnrollment)
def re_enroll_agent(
    agent_id: AgentId, session: SessionDep, actor: AdminOnly, settings: SettingsDep
) -> AgentEnrollment:
    """A new one-time enrollment code; the agent's old credential stops working at once."""
    _, code = agents.re_enroll(session, actor, agent_id, settings)
    return AgentEnrollment(**_public(_view(session, agent_id, settings)).model_dump(), enrollment_code=code)


# -- the agent protocol ------------------------------------------------------------------------------------
Credential = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def current_agent(session: SessionDep, credential: Credential, request: Request) -> PrintAgent:
    """The calling agent; a writing request records the contact (the centre's "last heard of")."""
    token = credential.credentials if credential else None
    return agents.authenticate(session, token, touch=request.method != "GET")


def current_agent_briefly(request: Request, credential: Credential) -> PrintAgent:
    """The agent, authenticated (and its contact recorded) in a short transaction of its own: for fetch,
    which renders cards between its transactions."""
    with unit_of_work(request.app.state.engine) as session:
        agent = agents.authenticate(session, credential.credentials if credential else None, touch=True)
        session.expunge(agent)
        return agent


AgentDep = Annotated[PrintAgent, Depends(current_agent)]


@router.post("/agent/enroll", response_model=EnrollAnswer)
def enroll(body: EnrollRequest, session: SessionDep) -> EnrollAnswer:
    """Trade a one-time enrollment code for the agent's credential (once; the code then stops working)."""
    agent, credential = agents.enroll(session, body.code)
    return EnrollAnswer(
        agent_id=agent.id or 0,
        name=agent.name,
        office=agents.office_code(session, agent),
        credential=credential,
    )


@router.post("/agent/rotate", response_model=RotateAnswer)
def rotate_credential(body: RotateRequest, session: SessionDep, agent: AgentDep) -> RotateAnswer:
    """The agent replaces its own credential (`ktp agent rotate`): it sends the SHA-256 of a new one it made
    and keeps; the credential of this request is dead from now on. Sent again with the new credential, it
    changes nothing (the answer may have been lost on the way)."""
    agents.rotate(session, agent, body.new_credential_sha256)
    return RotateAnswer(agent_id=agent.id or 0)


@router.post("/agent/device-attributes", response_model=DeviceAttributesAnswer)
def update_device_attributes(
    body: DeviceAttributes, session: SessionDep, agent: AgentDep
) -> DeviceAttributesAnswer:
    """Update-Output-Device-Attributes: the agent's printers' states, its version and queue depth. Answers
    the printers it drives."""
    mine = agents.update_device_attributes(
        session,
        agent,
        version=body.version,
        queue_depth=body.queue_depth,
        printer_states=[p.model_dump() for p in body.printers],
    )
    return DeviceAttributesAnswer(
        server_time=utcnow(),
        printers=[
            AgentPrinterConfig(
                printer_id=p.id or 0,
                name=p.name,
                adapter=p.adapter,
                uri=p.uri,
                config=p.config,
                document_format=p.document_format,
                dpi=p.dpi,
            )
            for p in mine
        ],
    )


@router.post("/agent/fetch-jobs", response_model=FetchAnswer)
def fetch_jobs(
    request: Request, settings: SettingsDep, agent: Annotated[PrintAgent, Depends(current_agent_briefly)]
) -> FetchAnswer:
    """Fetch-Job: jobs of this agent's printers, up to the prefetch per printer, bound to this agent; every
    bound job not yet acknowledged is answered again (a lost answer loses nothing)."""
    offers = agents.fetch(request.app.state.engine, agent.id or 0, settings)
    with unit_of_work(request.app.state.engine, writes=False) as session:
        recalled = agent_holds.recalled_for(session, agent.id or 0)
    return FetchAnswer(jobs=[JobOffer(**o) for o in offers], recalled=recalled)


@router.post("/agent/jobs/{job_id}/acknowledge", response_model=JobReportAnswer)
def acknowledge_job(
    job_id: JobId, body: Acknowledge, session: SessionDep, agent: AgentDep
) -> JobReportAnswer:
    """Acknowledge-Job: the agent has journaled the job."""
    job = agents.acknowledge(session, agent, job_id, body.attempt)
    return JobReportAnswer(job_id=job.uuid, attempt=body.attempt, event="acknowledged", state=str(job.state))


@router.get(
    "/agent/jobs/{job_id}/document",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "application/pdf": {}, agent_documents.MEDIA_TYPE: {}}}},
)
def job_document(
    job_id: JobId,
    session: SessionDep,
    agent: AgentDep,
    settings: SettingsDep,
    form: Annotated[
        Literal["whole", "rgb-xz"],
        Query(description="whole: the card as rendered; rgb-xz: its pixels, LZMA-compressed (PNG cards)."),
    ] = "whole",
) -> Response:
    """The card as the centre rendered it; its SHA-256 in ``X-Document-SHA256`` (the agent checks it).
    ``form=rgb-xz``: the same card in a smaller form for slow lines, which the agent turns back into the PNG
    (``X-Document-Form`` says which form came: a PDF card always comes whole)."""
    if form == agent_documents.FORM:
        compact, held = agents.compact_document(session, agent, job_id, settings)
        if compact is not None:
            return Response(
                compact,
                media_type=agent_documents.MEDIA_TYPE,
                headers={"X-Document-SHA256": held.document_sha256 or "", "X-Document-Form": form},
            )
    path, job = agents.document(session, agent, job_id, settings)
    media = "application/pdf" if path.suffix == ".pdf" else "image/png"
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={"X-Document-SHA256": job.document_sha256 or "", "X-Document-Form": "whole"},
    )


@router.post("/agent/jobs/{job_id}/status", response_model=JobReportAnswer)
def update_job_status(
    job_id: JobId,
    body: JobReport,
    session: SessionDep,
    agent: AgentDep,
    settings: SettingsDep,
    request: Request,
) -> JobReportAnswer | JSONResponse:
    """Update-Job-Status: printing, printed (at the printer's time), spoiled, needs-confirmation or canceled.
    Idempotent by (job, attempt, event): a repeat changes nothing and gets the same answer. A report about a
    job a supervisor took back from the agent is refused (409 ``agent_job_recalled``) and kept for the
    supervisor as a conflict: never applied, never billed."""
    answer = agents.report(
        session,
        agent,
        job_id,
        attempt=body.attempt,
        event=body.event,
        printer_time=body.printer_time,
        reasons=body.reasons,
        document_sha256=body.document_sha256,
        settings=settings,
    )
    if isinstance(answer, agent_holds.AgentJobRecalled):  # answered, not raised: the conflict is committed
        lang = pick_language(request.headers.get("accept-language"))
        return JSONResponse(error_body(answer, lang), status_code=answer.status_code)
    return JobReportAnswer(**answer)
