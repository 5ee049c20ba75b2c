"""The application's tables. Billing keeps its own tables in :mod:`billing`; all share ``SQLModel.metadata``
so Alembic sees one schema."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Column, Field, SQLModel

from ktp_service.clock import utcnow as utcnow  # the service's clock (the demo's history sets it)
from ktp_service.lifecycle import ACTIVE, JobStatus


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores no zone, so it is restored on read)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ts_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable, index=index)


class Office(SQLModel, table=True):
    """A service office, identified by the Kemendagri code of the region it serves: ``33.14`` for a regency's
    one-stop office (it serves the whole regency), ``33.14.01`` for a kecamatan office, ``33.14.01.2001`` for
    a village service point (kind ``desa`` or ``kelurahan``; it serves that village's residents only) under
    its kecamatan office (``parent_id``)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=13, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)  # "kabupaten" | "kota" | "kecamatan" | "kelurahan" | "desa"
    parent_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    active: bool = True
    created_at: datetime = ts_column()
    # Alert when the office's blank cards fall to this many (issue 15); None: KTP_LOW_STOCK_THRESHOLD.
    low_stock_threshold: int | None = Field(default=None, ge=0)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    active: bool = True
    created_at: datetime = ts_column()
    # What a bearer token names: random, so a token never passes to a later user who gets a reused id
    # (SQLite hands out a deleted row's id again).
    subject: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True, index=True)
    # Carried in every token; bumped by logout-everywhere, password change or reset, role change and
    # disabling, which refuses every token issued before.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Set by an administrator's password reset: nothing but changing the password until it is done.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Where alerts are mailed (issue 15): administrators get every office's, supervisors their office's.
    email: str | None = Field(default=None, max_length=254)


class ConsoleSession(SQLModel, table=True):
    """A web console login, kept on the server: the cookie carries only the random session key (signed),
    and this row says whether it still holds. ``id`` is the key's SHA-256, so a copy of the table opens
    no session."""

    __tablename__ = "console_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = ts_column()
    last_seen_at: datetime = ts_column()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    ended_reason: str | None = Field(default=None, max_length=32)


class KeptForm(SQLModel, table=True):
    """A form's fields kept on the server for a few minutes (:mod:`ktp_service.services.kept_forms`): a form
    sent after the session ended, refilled after the new login; a form refused with errors, shown again by a
    GET so a refresh re-sends nothing. ``id`` is the SHA-256 of a random key only the browser's signed cookie
    holds, and ``payload`` is encrypted with that key: the rows alone open nothing."""

    __tablename__ = "kept_form"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    purpose: str = Field(max_length=16)  # "expired" | "errors"
    path: str = Field(max_length=300)
    payload: str = Field(sa_type=sa.Text)
    created_at: datetime = ts_column()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class LoginFailure(SQLModel, table=True):
    """Failed logins, counted per username over a sliding window to throttle password guessing."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    at: datetime = ts_column(index=True)


class Resident(SQLModel, table=True):
    """A resident as printed on the KTP. One row per NIK; every change bumps ``version`` and is kept in
    :class:`ResidentVersion`."""

    id: int | None = Field(default=None, primary_key=True)
    nik: str = Field(max_length=16, min_length=16, unique=True, index=True)
    nama: str = Field(max_length=80, index=True)
    tempat_lahir: str = Field(max_length=40)
    tanggal_lahir: date
    jenis_kelamin: str = Field(max_length=16)
    golongan_darah: str = Field(max_length=2)
    alamat: str = Field(max_length=120)
    rt: str = Field(max_length=3)
    rw: str = Field(max_length=3)
    kode_kecamatan: str = Field(max_length=8, index=True)
    kode_desa: str = Field(max_length=13, index=True)
    agama: str = Field(max_length=40)
    status_perkawinan: str = Field(max_length=16)
    pekerjaan: str = Field(max_length=40)
    kewarganegaraan: str = Field(max_length=3)
    berlaku_hingga: date | None = None
    photo_sha256: str | None = Field(default=None, max_length=64)
    photo_format: str | None = Field(default=None, max_length=8)
    signature_sha256: str | None = Field(default=None, max_length=64)
    signature_format: str | None = Field(default=None, max_length=8)
    version: int = 1
    registered_office_id: int | None = Field(default=None, foreign_key="office.id")
    created_at: datetime = ts_column()
    updated_at: datetime = ts_column()


class ResidentVersion(SQLModel, table=True):
    """The state of a resident after each change: who, when, which fields."""

    __tablename__ = "resident_version"
    __table_args__ = (sa.UniqueConstraint("resident_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    version: int
    changed_at: datetime = ts_column()
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    changed_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only trail of who did what to which record. A database trigger refuses UPDATE and DELETE
    (see the migration), so not even a bug in the API can rewrite it. Holds record ids, never NIKs or
    names."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = ts_column(index=True)
    user_id: int | None = Field(default=None, index=True)
    username: str = Field(max_length=64)
    role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64, index=True)
    office_code: str | None = Field(default=None, max_length=13)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# -- printing ------------------------------------------------------------------------------------------

# Job states that hold a resident's "one card at a time": at most one such job per resident (unique index).
# Plain strings: the tuple is written into the index's SQL.
ACTIVE_JOB_STATES = tuple(status.value for status in ACTIVE)


class JobStatusType(TypeDecorator[JobStatus]):
    """A job's state: stored as its IPP keyword, read back as :class:`JobStatus`."""

    impl = sa.String(24)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else JobStatus(value).value

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> JobStatus | None:
        return None if value is None else JobStatus(value)


class Printer(SQLModel, table=True):
    """A card printer attached to an office, reached through the adapter named in ``adapter``. The last
    polled status is kept on the row so lists answer without contacting printers."""

    __table_args__ = (sa.UniqueConstraint("office_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    office_id: int = Field(foreign_key="office.id", index=True)
    adapter: str = Field(max_length=32)
    uri: str = Field(default="", max_length=300)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    document_format: str = Field(default="image/png", max_length=64)
    dpi: int = 300
    active: bool = True
    created_at: datetime = ts_column()
    status_state: str | None = Field(default=None, max_length=32)
    status_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status_markers: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status_counter: int | None = None
    status_formats: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status_error: str | None = Field(default=None, max_length=300)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A printer behind an office's print agent (issue 14): the agent runs its adapter and pulls its jobs;
    # the central worker and status poller leave it alone.
    agent_id: int | None = Field(default=None, foreign_key="print_agent.id", index=True)


class PrintAgent(SQLModel, table=True):
    """A print agent at an office: a small process next to the printers that pulls the office's jobs from
    the centre (PWG 5100.18 style). Its credential and one-time enrollment code are kept as SHA-256 digests
    only (both are 256-bit random values, so a plain digest suffices and the lookup is by digest)."""

    __tablename__ = "print_agent"
    __table_args__ = (sa.UniqueConstraint("office_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    office_id: int = Field(foreign_key="office.id", index=True)
    credential_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrollment_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    enrollment_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: str | None = Field(default=None, max_length=32)
    queue_depth: int | None = None
    printer_states: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = ts_column()


class AgentReport(SQLModel, table=True):
    """One status report of an agent about a job (job, attempt, event), kept with the answer it got: a
    repeat of the same report changes nothing and gets the same answer."""

    __tablename__ = "agent_report"
    __table_args__ = (sa.UniqueConstraint("job_id", "attempt", "event"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="print_agent.id", index=True)
    job_id: int = Field(foreign_key="print_job.id", index=True)
    attempt: int
    event: str = Field(max_length=24)
    received_at: datetime = ts_column()
    answer: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AgentReportConflict(SQLModel, table=True):
    """A report an agent sent about a job a supervisor had taken back from it (issue 14): refused, never
    applied (never billed), and kept here for the supervisor: the agent may have printed the card anyway."""

    __tablename__ = "agent_report_conflict"
    __table_args__ = (sa.UniqueConstraint("job_id", "attempt", "event"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="print_agent.id", index=True)
    job_id: int = Field(foreign_key="print_job.id", index=True)
    attempt: int
    event: str = Field(max_length=24)
    printer_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: datetime = ts_column()


class MonthCloseOverride(SQLModel, table=True):
    """A month finance closed although print agents still held cards of it (issue 14), with the reason and
    the cards as they stood; a card reported later is billed in the next open month, as prior-period."""

    __tablename__ = "month_close_override"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)
    reason: str = Field(max_length=500)
    closed_by: str = Field(max_length=64)
    at: datetime = ts_column()
    cards: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PrinterStatusChange(SQLModel, table=True):
    """A printer's polled state when it changed (state or reasons), kept to show availability per day: the
    status poll asks every few seconds, only changes are written."""

    __tablename__ = "printer_status_change"

    id: int | None = Field(default=None, primary_key=True)
    printer_id: int = Field(foreign_key="printer.id", index=True)
    at: datetime = ts_column(index=True)
    state: str = Field(max_length=32)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PrintJob(SQLModel, table=True):
    """One card to print. ``state`` changes only through :mod:`ktp_service.lifecycle`, which draws the
    states. What the job tells a person is a message code and its parameters, translated when shown
    (:mod:`ktp_service.messages`). The partial unique index keeps one active job per resident, so
    concurrent requests for the same NIK create one job."""

    __tablename__ = "print_job"
    __table_args__ = (
        sa.Index(
            "uq_print_job_active_resident",
            "resident_id",
            unique=True,
            sqlite_where=sa.text(f"state IN {ACTIVE_JOB_STATES}"),
            postgresql_where=sa.text(f"state IN {ACTIVE_JOB_STATES}"),
        ),
        sa.UniqueConstraint("clerk_id", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, unique=True, index=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    printer_id: int = Field(foreign_key="printer.id", index=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    clerk_id: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str = Field(max_length=16)
    state: JobStatus = Field(sa_type=JobStatusType, index=True)
    state_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_code: str | None = Field(default=None, max_length=48)
    message_params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    card_serial: str | None = Field(default=None, max_length=32, unique=True)
    requires_approval: bool = False
    approved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reprint_of_id: int | None = Field(default=None, foreign_key="print_job.id")
    is_fault_reprint: bool = False
    spoiled: bool = False
    idempotency_key: str | None = Field(default=None, max_length=100)
    request_hash: str | None = Field(default=None, max_length=64)
    template_id: str | None = Field(default=None, max_length=64)
    template_version: str | None = Field(default=None, max_length=32)
    template_hash: str | None = Field(default=None, max_length=64)
    document_sha256: str | None = Field(default=None, max_length=64)
    tanggal_terbit: date | None = None
    printer_job_id: str | None = Field(default=None, max_length=300)
    cancel_requested: bool = False
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submit_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Handed to an office's print agent (issue 14): bound to it until a supervisor decides otherwise.
    agent_id: int | None = Field(default=None, foreign_key="print_agent.id", index=True)
    agent_fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Taken back from its agent by a supervisor (issue 14): the agent's later reports about it are refused
    # and kept as conflicts (:class:`AgentReportConflict`); the job waits for the supervisor's confirmation.
    agent_recalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_recalled_by: str | None = Field(default=None, max_length=64)
    agent_recall_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = ts_column(index=True)
    updated_at: datetime = ts_column()


class Card(SQLModel, table=True):
    """A printed card. At most one valid card per resident (partial unique index): a new card for the same
    NIK invalidates the old one in the same transaction that completes its print job."""

    __table_args__ = (
        sa.Index(
            "uq_card_valid_resident",
            "resident_id",
            unique=True,
            sqlite_where=sa.text("valid"),
            postgresql_where=sa.text("valid"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    serial: str = Field(max_length=32, unique=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    job_id: int = Field(foreign_key="print_job.id", unique=True)
    valid: bool = True
    issued_at: datetime = ts_column()
    invalidated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaced_by_id: int | None = Field(default=None, foreign_key="card.id")


class StockMovement(SQLModel, table=True):
    """Blank-card stock of an office: receipts are positive, cards used (printed or spoiled) negative."""

    __tablename__ = "stock_movement"

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    at: datetime = ts_column(index=True)
    kind: str = Field(max_length=16)  # receipt | printed | spoiled | adjustment
    quantity: int
    job_id: int | None = Field(default=None, foreign_key="print_job.id")
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=200)


class CounterReading(SQLModel, table=True):
    """A printer's hardware card counter at a time, read from the device or entered by staff."""

    __tablename__ = "counter_reading"

    id: int | None = Field(default=None, primary_key=True)
    printer_id: int = Field(foreign_key="printer.id", index=True)
    at: datetime = ts_column(index=True)
    value: int
    source: str = Field(max_length=16)  # device | manual
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=200)


class CardPrintedEvent(SQLModel, table=True):
    """Outbox row written in the transaction that completes a print job: what billing needs to price the
    card. Billing consumes it (``posted_at``); its ``event_key`` makes posting idempotent."""

    __tablename__ = "outbox_card_printed"

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=64, unique=True)
    card_serial: str = Field(max_length=32)
    nik: str = Field(max_length=16)
    office_code: str = Field(max_length=13)
    reason: str = Field(max_length=16)
    printer_id: int
    job_uuid: str = Field(max_length=36)
    completed_at: datetime = Field(sa_type=UTCDateTime)
    template_version: str = Field(max_length=32)
    is_fault_reprint: bool = False
    created_at: datetime = ts_column()
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Billing refused it (no contract in force yet...): when it was last tried and why, so a refused row
    # is retried later without holding up the rows behind it.
    attempts: int = 0
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)


class WorkerSlot(SQLModel, table=True):
    """A print worker's identity, ``NAME@HOST#SLOT``: the host and configured name (``KTP_WORKER_NAME``)
    make it stable across restarts; the slot, held by one running process at a time (``token``), keeps two
    live processes from sharing it. ``heartbeat_at`` is the holder's lease: another worker takes over the
    jobs of an identity that stopped heartbeating (``ktp_service.worker_identity``)."""

    __tablename__ = "worker_slot"
    __table_args__ = (sa.UniqueConstraint("host", "name", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=64, unique=True)
    host: str = Field(max_length=24)
    name: str = Field(max_length=32)
    slot: int
    token: str | None = Field(default=None, max_length=32)  # the holding process's; None once released
    pid: int | None = None
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- the card's last step: handover, residents who left, the citizen's verdict (issue 15) ------------------
class Handover(SQLModel, table=True):
    """A printed card handed over at its office: to the resident, or to someone holding their power of
    attorney (surat kuasa). One per card (unique ``card_id``). For a replacement card the old card, when it
    still exists (not for ``hilang``), is collected and destroyed at the counter: ``old_card_id`` and when.
    ``survey_token`` is the unguessable part of the survey link printed on the receipt."""

    __tablename__ = "card_handover"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", unique=True)
    job_id: int = Field(foreign_key="print_job.id", unique=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    at: datetime = ts_column(index=True)
    clerk_id: int | None = Field(default=None, foreign_key="app_user.id")
    recipient: str = Field(max_length=16)  # "penduduk" | "kuasa"
    proxy_name: str | None = Field(default=None, max_length=80)
    proxy_nik: str | None = Field(default=None, max_length=16)
    proxy_relation: str | None = Field(default=None, max_length=40)
    proxy_letter: str | None = Field(default=None, max_length=60)  # the power of attorney's number
    old_card_id: int | None = Field(default=None, foreign_key="card.id")
    old_card_destroyed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    survey_token: str = Field(max_length=32, unique=True, index=True)


class ResidentDeparture(SQLModel, table=True):
    """A resident who died (akta kematian) or moved out of the regency (surat pindah), recorded by a clerk
    with the document's number. Their valid card is invalidated and no new card is printed for them."""

    __tablename__ = "resident_departure"

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", unique=True)
    kind: str = Field(max_length=16)  # "meninggal" | "pindah"
    document_number: str = Field(max_length=60)
    document_date: date
    recorded_at: datetime = ts_column()
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    card_id: int | None = Field(default=None, foreign_key="card.id")  # the card it invalidated


class SurveyAnswer(SQLModel, table=True):
    """One answer to the IKM survey (Permenpan RB 14/2017), one per handover receipt. ``u1``..``u9`` are the
    nine elements on the four-point scale (1..4); None where the resident skipped the question."""

    __tablename__ = "survey_answer"
    __table_args__ = tuple(
        sa.CheckConstraint(f"u{i} IS NULL OR (u{i} BETWEEN 1 AND 4)", name=f"ck_survey_answer_u{i}")
        for i in range(1, 10)
    )

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="card_handover.id", unique=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    answered_at: datetime = ts_column(index=True)
    u1: int | None = None
    u2: int | None = None
    u3: int | None = None
    u4: int | None = None
    u5: int | None = None
    u6: int | None = None
    u7: int | None = None
    u8: int | None = None
    u9: int | None = None
    complaint: str | None = Field(default=None, max_length=1000)
    complaint_read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    complaint_read_by_id: int | None = Field(default=None, foreign_key="app_user.id")


# -- blank cards moving between offices (issue 15) ----------------------------------------------------------
class StockDelivery(SQLModel, table=True):
    """Blank cards delivered to an office from outside (the ministry, a supplier): from whom, which batch or
    serial range. Its stock movement (kind ``receipt``) carries the quantity."""

    __tablename__ = "stock_delivery"

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    movement_id: int = Field(foreign_key="stock_movement.id", unique=True)
    at: datetime = ts_column()
    supplier: str = Field(max_length=120)
    batch: str | None = Field(default=None, max_length=60)
    serial_from: str | None = Field(default=None, max_length=40)
    serial_to: str | None = Field(default=None, max_length=40)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")


class StockTransfer(SQLModel, table=True):
    """Blank cards sent from one office to another: they leave the sender's stock when sent, are in transit
    until the receiving office confirms the count, and enter its stock as counted; a difference is kept."""

    __tablename__ = "stock_transfer"
    __table_args__ = (
        sa.CheckConstraint("quantity_sent > 0", name="ck_stock_transfer_sent"),
        sa.CheckConstraint(
            "quantity_received IS NULL OR quantity_received >= 0", name="ck_stock_transfer_received"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_office_id: int = Field(foreign_key="office.id", index=True)
    to_office_id: int = Field(foreign_key="office.id", index=True)
    quantity_sent: int
    sent_at: datetime = ts_column()
    sent_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=200)
    quantity_received: int | None = None
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    receive_note: str = Field(default="", max_length=200)


class StockCount(SQLModel, table=True):
    """A stock count (stock opname): the cards counted against the books; a difference becomes a movement
    of kind ``count``."""

    __tablename__ = "stock_count"
    __table_args__ = (sa.CheckConstraint("counted >= 0", name="ck_stock_count_counted"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    at: datetime = ts_column()
    counted: int
    book_balance: int
    difference: int
    note: str = Field(default="", max_length=200)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")


class ServiceStandard(SQLModel, table=True):
    """The regency's service standard (issue 15): its working week and service hours. One row (id 1); no
    row means the defaults of :mod:`ktp_service.working_time` (Monday to Friday, 08:00-16:00)."""

    __tablename__ = "service_standard"

    id: int | None = Field(default=None, primary_key=True)
    workdays: str = Field(default="12345", max_length=7)  # ISO weekdays, Monday = 1
    opens: str = Field(default="08:00", max_length=5)
    closes: str = Field(default="16:00", max_length=5)
    updated_at: datetime = ts_column()
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class ServicePromise(SQLModel, table=True):
    """A promised time per issuance reason: from the request to the card handed over, in working days and
    hours (a working day is the service hours' length, so the promise follows a change of hours)."""

    __tablename__ = "service_promise"
    __table_args__ = (
        sa.CheckConstraint("days >= 0 AND hours >= 0 AND days + hours > 0", name="ck_service_promise_time"),
    )

    reason: str = Field(primary_key=True, max_length=16)
    days: int
    hours: int = 0
    updated_at: datetime = ts_column()
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class ServiceHoliday(SQLModel, table=True):
    """A day an administrator changed in the holiday calendar: ``add`` (cuti bersama, a local holiday) or
    ``remove`` (a national holiday the offices serve on). Deleting the row restores the package's day."""

    __tablename__ = "service_holiday"
    __table_args__ = (sa.CheckConstraint("action IN ('add', 'remove')", name="ck_service_holiday_action"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    action: str = Field(max_length=8)
    name: str = Field(max_length=120)
    created_at: datetime = ts_column()
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


# -- alerts (issue 15) --------------------------------------------------------------------------------------
class Alert(SQLModel, table=True):
    """A condition administrators and supervisors are told about (:mod:`ktp_service.services.alerts`): a
    printer or an office's agent down too long, low blank-card stock, a job waiting too long for approval,
    cards not collected. Raised when the condition is seen, ``cleared_at`` when it ends; acknowledged by a
    person with a note. The partial unique index keeps one open alert per kind and subject, so two
    evaluators (two worker processes) never raise the same alert twice. ``mailed_at`` marks the alert as
    mailed; a failed send counts ``mail_attempts`` and is tried again from ``mail_next_at``."""

    __tablename__ = "alert"
    __table_args__ = (
        sa.Index(
            "uq_alert_open",
            "kind",
            "subject",
            unique=True,
            sqlite_where=sa.text("cleared_at IS NULL"),
            postgresql_where=sa.text("cleared_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    subject: str = Field(max_length=64)  # "printer:12", "agent:3", "job:<uuid>", "office:33.14.01"
    subject_name: str = Field(default="", max_length=120)  # the printer's or agent's name, shown beside it
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raised_at: datetime = ts_column(index=True)
    since: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the condition began
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    acknowledged_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    acknowledge_note: str = Field(default="", max_length=300)
    mailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mail_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    mail_next_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mail_error: str | None = Field(default=None, max_length=300)
