"""Printer, print-job and stock bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.vocab import Reason as JobReason
from ktp_service.lifecycle import JobStatus
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN


class PrinterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
    office: str = Field(pattern=REGION_CODE_PATTERN, description="Region code of the office.")
    adapter: str = Field(description="spool, simulator or ipp.")
    uri: str = Field(default="", max_length=300, examples=["ipp://127.0.0.1:8631/ipp/print"])
    config: dict[str, Any] = Field(default_factory=dict)
    document_format: Literal["image/png", "application/pdf"] = "image/png"
    dpi: Literal[300, 600] = 300
    agent_id: int | None = Field(
        default=None,
        ge=1,
        le=2_000_000_000,
        description="The office's print agent that drives this printer (its adapter runs at the agent).",
    )


class Supply(BaseModel):
    name: str
    marker_type: str
    level: int | None
    low_level: int | None = None


class PrinterPublic(BaseModel):
    id: int
    name: str
    office: str
    adapter: str
    uri: str
    config: dict[str, Any]
    document_format: str
    dpi: int
    active: bool
    agent_id: int | None = Field(default=None, description="The print agent driving it, if any.")
    state: str | None = Field(description="idle, processing, stopped or offline, as last polled.")
    state_reasons: list[str]
    supplies: list[Supply]
    card_counter: int | None
    status_error: str | None
    status_at: datetime | None
    advice: list[str] = Field(
        description="What a person should do about the printer's state, in the language of Accept-Language."
    )


class CounterReadingCreate(BaseModel):
    value: int = Field(ge=0, le=2_000_000_000)
    note: str = Field(default="", max_length=200)


class CounterReadingPublic(BaseModel):
    at: datetime
    value: int
    source: str
    note: str


class SimulatorFault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    set: list[str] = Field(
        default_factory=list, description="Faults to raise: jam, ribbon-out, ribbon-low..."
    )
    clear: list[str] = Field(default_factory=list, description="Faults to clear; ['all'] clears every fault.")
    load_cards: int | None = Field(default=None, ge=0, le=100_000)
    replace_ribbon: bool = False


class PrintJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nik: str = Field(pattern=r"^[0-9]{16}$")
    printer_id: int = Field(ge=1, le=2_000_000_000)
    reason: JobReason


class RefusedAgentReport(BaseModel):
    """A report an agent sent about a job taken back from it: refused, kept for a supervisor (issue 14)."""

    id: int
    job_id: str
    card_serial: str | None
    state: str = Field(description="The job's state now.")
    office: str
    agent: str
    attempt: int
    event: str
    printer_time: datetime | None
    received_at: datetime
    recalled_by: str | None
    recall_note: str | None


class AgentOnJob(BaseModel):
    """What the centre knows of a card handed to an office's print agent (and no more)."""

    name: str
    fetched_at: datetime | None = Field(description="When the card reached the office's agent.")
    acknowledged_at: datetime | None = Field(description="When the agent confirmed it holds the card.")
    reported_at: datetime | None = Field(description="When the agent reported the outcome.")
    last_contact_at: datetime | None
    unreachable_since: datetime | None = Field(
        description="Set while the agent is silent: its last contact (the centre cannot know more)."
    )
    held_too_long: bool = Field(description="The agent has held the card longer than the configured time.")
    recalled_at: datetime | None = Field(
        default=None,
        description="When a supervisor took the job back from the agent (it then waits for a "
        "supervisor's confirmation).",
    )
    recalled_by: str | None = None
    recall_note: str | None = None
    refused_reports: list[RefusedAgentReport] = Field(
        default_factory=list,
        description="Reports the agent sent after the job was taken back: refused, never billed; the card "
        "may have printed at the office.",
    )


class PrintJobPublic(BaseModel):
    id: str = Field(description="The job's UUID.")
    nik: str
    nama: str
    printer_id: int
    office: str
    clerk: str | None
    reason: str
    state: JobStatus = Field(description="IPP job state, or needs-confirmation (see the README's diagram).")
    state_reasons: list[str]
    message: str = Field(description="What the job tells a person, in the language of Accept-Language.")
    message_code: str | None = Field(description="The message's stable code (catalogue key msg.<code>).")
    message_params: dict[str, Any] = Field(description="The values the message names.")
    advice: list[str] = Field(description="What to do about the printer's conditions, in the same language.")
    card_serial: str | None
    requires_approval: bool
    approved_by: str | None
    reprint_of: str | None
    is_fault_reprint: bool
    spoiled: bool
    template_id: str | None
    template_version: str | None
    document_sha256: str | None
    tanggal_terbit: date | None
    attempts: int
    next_attempt_at: datetime | None = Field(
        description="A waiting job's next try (after its printer's fault); it comes sooner when the printer "
        "is ready again or on POST .../retry."
    )
    warning: str | None = Field(
        default=None,
        description="A job not yet at a printer whose printer is in trouble: that it waits, with the "
        "office's printers and their states (same language as message).",
    )
    created_at: datetime
    submitted_at: datetime | None
    completed_at: datetime | None
    agent: AgentOnJob | None = Field(
        default=None, description="For a printer behind an office's print agent: where the card is."
    )


class PrintJobsPublic(BaseModel):
    data: list[PrintJobPublic]
    count: int


class JobResolution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["printed", "spoiled"]
    note: str = Field(default="", max_length=200)


class JobMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    printer_id: int = Field(ge=1, le=2_000_000_000, description="A ready printer of the job's office.")


class ReprintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    printer_id: int | None = Field(
        default=None,
        ge=1,
        le=2_000_000_000,
        description="Another ready printer of the office; by default the printer that spoiled the card.",
    )


class JobDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=200)


class StockReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=-100_000, le=100_000, description="Cards received (or, for an adjustment, +/-).")
    note: str = Field(default="", max_length=200)
    kind: Literal["receipt", "adjustment"] = "receipt"


class StockMovementPublic(BaseModel):
    at: datetime
    kind: str
    quantity: int
    note: str


class StockPublic(BaseModel):
    office: str
    balance: int
    low: bool
    low_threshold: int
    movements: list[StockMovementPublic]
