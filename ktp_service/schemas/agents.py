"""Print agents (issue 14): the administrator's bodies and the agent protocol's."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ktp_service.schemas.identifiers import REGION_CODE_PATTERN

AGENT_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=AGENT_NAME, max_length=64, examples=["kalijambe"])
    office: str = Field(pattern=REGION_CODE_PATTERN, description="Region code of the office, e.g. 33.14.01.")


class AgentPrinterState(BaseModel):
    printer_id: int
    name: str
    adapter: str
    state: str | None = Field(
        description="As the agent last reported it: idle, processing, stopped, offline."
    )
    state_reasons: list[str]
    card_counter: int | None
    status_at: datetime | None


class AgentPublic(BaseModel):
    id: int
    name: str
    office: str
    enrolled_at: datetime | None
    revoked_at: datetime | None
    enrollment_expires_at: datetime | None
    last_contact_at: datetime | None
    unreachable_since: datetime | None = Field(description="Set while the agent is silent: its last contact.")
    version: str | None
    queue_depth: int | None = Field(description="Jobs the agent said it holds, at its last report.")
    jobs_held: int = Field(description="Jobs handed to the agent and not yet reported finished.")
    jobs_held_too_long: int = Field(description="Of those, held longer than the configured time.")
    printers: list[AgentPrinterState]


class AgentEnrollment(AgentPublic):
    enrollment_code: str = Field(description="One-time code for `ktp agent enroll` (shown once).")


# -- the protocol ------------------------------------------------------------------------------------------
class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=8, max_length=64)


class EnrollAnswer(BaseModel):
    agent_id: int
    name: str
    office: str
    credential: str = Field(description="The agent's own bearer credential (shown once).")


class ReportedPrinter(BaseModel):
    printer_id: int = Field(ge=1, le=2_000_000_000)
    state: Literal["idle", "processing", "stopped", "offline"]
    reasons: list[str] = Field(default_factory=list, max_length=50)
    card_counter: int | None = Field(default=None, ge=0)
    formats: list[str] = Field(default_factory=list, max_length=20)
    markers: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    error: str | None = Field(default=None, max_length=300)


class DeviceAttributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=32)
    queue_depth: int = Field(ge=0, le=100_000)
    printers: list[ReportedPrinter] = Field(default_factory=list, max_length=100)


class AgentPrinterConfig(BaseModel):
    """What the agent needs to drive a printer: its adapter runs at the agent, its paths are checked
    there against the agent's own data directory."""

    printer_id: int
    name: str
    adapter: str
    uri: str
    config: dict[str, Any]
    document_format: str
    dpi: int


class DeviceAttributesAnswer(BaseModel):
    server_time: datetime
    printers: list[AgentPrinterConfig]


class JobOffer(BaseModel):
    job_id: str
    attempt: int
    printer_id: int
    card_serial: str | None
    document_format: str
    document_sha256: str | None
    document_size: int | None
    fetched_at: datetime | None


class FetchAnswer(BaseModel):
    jobs: list[JobOffer]
    recalled: list[str] = Field(
        default_factory=list,
        description="Jobs a supervisor took back from this agent: drop any not sent to a printer yet; a "
        "report about one is refused (409 agent_job_recalled).",
    )


class Acknowledge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempt: int = Field(ge=1, le=1_000_000)


class JobReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempt: int = Field(ge=1, le=1_000_000)
    event: Literal["printing", "printed", "spoiled", "needs-confirmation", "canceled"]
    printer_time: datetime | None = Field(default=None, description="The agent's printer's clock (clamped).")
    reasons: list[str] = Field(default_factory=list, max_length=50)
    document_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class JobReportAnswer(BaseModel):
    job_id: str
    attempt: int
    event: str
    state: str


class RotateRequest(BaseModel):
    """The agent's new credential, made by the agent itself: only its SHA-256 is sent."""

    model_config = ConfigDict(extra="forbid")

    new_credential_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class RotateAnswer(BaseModel):
    agent_id: int
    rotated: bool = True
