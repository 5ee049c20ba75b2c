"""The one typed settings object. Every value can be set by an environment variable with the ``KTP_``
prefix (``KTP_DATABASE_URL``, ``KTP_DATA_DIR``...). Defaults run on a laptop with nothing else installed."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class UnderDataDir:
    """``settings.<part>`` reads as ``settings.data_dir / name``: a path that follows DATA_DIR, declared in
    one line (a descriptor, which pydantic leaves alone as a ClassVar)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, settings: Settings, owner: type[Settings]) -> Path:
        return settings.data_dir / self.name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KTP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Photos, spooled cards, keys.")
    database_url: str = Field(default="", description="Empty means SQLite at DATA_DIR/ktp.sqlite3.")
    templates_dir: Path = Field(default=PROJECT_ROOT / "templates", description="Card layout templates.")
    default_template: str = "ktp-front-sragen"
    timezone: str = "Asia/Jakarta"
    regency_name: str = Field(default="KABUPATEN SRAGEN", description="As printed on billing documents.")
    # Month-end papers (issue 11): where they are signed, the issuing agency, and how final papers are
    # numbered: {seq} from the per-year sequence of each kind, {agency}, {roman_month}, {month} and {year} of
    # the day the paper is made (e.g. 012/BA-REKON/DISDUKCAPIL/I/2027).
    document_place: str = Field(default="Sragen", max_length=80, description="Where papers are signed.")
    document_agency: str = Field(
        default="Dinas Kependudukan dan Pencatatan Sipil", max_length=160, description="The issuing agency."
    )
    document_agency_code: str = Field(default="DISDUKCAPIL", max_length=40, description="{agency}.")
    statement_number_pattern: str = Field(
        default="{seq:03d}/LBH/{agency}/{roman_month}/{year}", description="Final statements' numbers."
    )
    berita_acara_number_pattern: str = Field(
        default="{seq:03d}/BA-REKON/{agency}/{roman_month}/{year}", description="Final Berita Acara numbers."
    )
    token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    console_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A console session ends after this long without a request."
    )
    console_max_hours: int = Field(
        default=12, ge=1, le=7 * 24, description="A console session ends this long after login, however used."
    )
    console_warn_minutes: int = Field(
        default=2, ge=1, le=60, description="The page warns this long before its session ends."
    )
    kept_form_minutes: int = Field(
        default=15,
        ge=1,
        le=120,
        description="A form kept on the server (sent after the session ended, or refused) is kept this long.",
    )
    console_session_retention_days: int = Field(
        default=90, ge=1, le=3650, description="Ended console sessions are deleted after this many days."
    )
    max_image_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=24_000_000, ge=10_000)
    log_level: str = "INFO"
    low_stock_threshold: int = Field(
        default=50, ge=0, description="Warn when an office has this few blank cards."
    )
    max_concurrent_requests: int = Field(
        default=32,
        ge=1,
        le=90,
        description="Requests in progress at once; more wait (below threads and connections).",
    )
    # Request bodies (ktp_service.api.body_limits): refused with 413 while being read, before login.
    max_json_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="JSON and form bodies (every route but the uploads below)."
    )
    multipart_overhead_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Allowance for multipart framing and form fields of an upload.",
    )
    max_import_bytes: int = Field(
        default=5_000_000, ge=1024, description="A money-received CSV import (the file itself)."
    )
    max_body_bytes_in_memory: int = Field(
        default=64 * 1024 * 1024,
        ge=1024 * 1024,
        description="Request bodies held in memory at once, all requests together; more wait their turn.",
    )
    min_free_disk_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=0,
        description="/healthz says degraded below this free space in DATA_DIR.",
    )
    run_worker: bool = Field(default=True, description="Run the print worker inside `ktp serve`.")
    printer_poll_seconds: float = Field(default=10.0, gt=0, description="Background printer status poll.")
    printer_busy_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="Printers with a job waiting, printing or stopped at them are asked this often.",
    )
    worker_idle_seconds: float = Field(
        default=0.5,
        gt=0,
        description="An idle print worker looks for work this often (a job made due wakes it sooner).",
    )
    checkpoint_minutes: float = Field(
        default=15.0,
        gt=0,
        description="Sign a checkpoint of the billing chain head this often (if it moved).",
    )
    account_codes_file: Path | None = Field(
        default=None,
        description="YAML or JSON mapping ledger accounts to the regency's account codes (kode rekening), "
        "shown in a column of the exports; checked at start.",
    )
    account_codes: dict[str, str] = Field(
        default_factory=dict,
        description="The same mapping given directly (KTP_ACCOUNT_CODES as JSON); the file's entries win.",
    )
    worker_name: str = Field(
        default="ktp",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
        description="The print worker's name; with the host and a slot, its identity across restarts.",
    )
    worker_heartbeat_seconds: float = Field(
        default=10.0, gt=0, description="How often a worker says it lives."
    )
    worker_takeover_seconds: float = Field(
        default=30.0, gt=0, description="Another worker takes over the jobs of one silent this long."
    )
    # Print agents at offices (issue 14).
    agent_prefetch_per_printer: int = Field(
        default=3, ge=1, le=50, description="Jobs an agent may hold per printer (printed with the link down)."
    )
    agent_hold_flag_minutes: float = Field(
        default=120.0, gt=0, description="A job an agent holds longer than this is flagged to supervisors."
    )
    agent_unreachable_seconds: float = Field(
        default=90.0,
        gt=0,
        description="An agent silent this long is shown as unreachable since its last contact.",
    )
    agent_enrollment_hours: float = Field(default=24.0, gt=0, description="An enrollment code's lifetime.")

    # The card's last step (issue 15).
    uncollected_days: int = Field(
        default=14, ge=1, le=365, description="A printed card not handed over this many days is listed."
    )
    public_base_url: str = Field(
        default="",
        max_length=200,
        description="Base of the survey link printed on handover receipts (https://ktp.example.go.id); "
        "empty: the address the request came to.",
    )

    # Alerts (issue 15, part 4): checked by the print worker every ``alert_check_seconds``, and by
    # ``ktp alerts check``.
    alert_check_seconds: float = Field(
        default=60.0, gt=0, description="The worker looks for alert conditions this often."
    )
    alert_printer_down_minutes: float = Field(
        default=30.0, gt=0, description="Alert when a printer has been stopped or offline this long."
    )
    alert_agent_down_minutes: float = Field(
        default=30.0, gt=0, description="Alert when an office's print agent has been silent this long."
    )
    alert_approval_minutes: float = Field(
        default=60.0, gt=0, description="Alert when a print job has waited this long for approval."
    )
    alert_mail_retry_minutes: float = Field(
        default=5.0, gt=0, description="A failed alert e-mail is tried again after this long."
    )
    smtp_host: str = Field(default="", max_length=200, description="Empty: alerts are not mailed.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = Field(default="", max_length=254, description="The alert mails' sender address.")
    smtp_user: str = Field(default="", max_length=200, description="Empty: no SMTP login.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="The SMTP login's password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, description="SMTP connect and reply timeout.")

    # Everything the service keeps on disk lives under DATA_DIR: photos and signatures (stored under their
    # SHA-256), the token secret and billing's keys, cards of spool printers without a directory of their
    # own, simulated printers' state (shared by the web process and separate workers), the default database.
    images_dir: ClassVar[UnderDataDir] = UnderDataDir("images")
    keys_dir: ClassVar[UnderDataDir] = UnderDataDir("keys")
    spool_dir: ClassVar[UnderDataDir] = UnderDataDir("spool")
    simulators_dir: ClassVar[UnderDataDir] = UnderDataDir("simulators")
    # Cards rendered for print agents, kept until the agent reports the outcome.
    agent_documents_dir: ClassVar[UnderDataDir] = UnderDataDir("agent-documents")
    sqlite_path: ClassVar[UnderDataDir] = UnderDataDir("ktp.sqlite3")
    # The append-only copy of every signed chain checkpoint, outside the database (billing.checkpoints).
    checkpoint_log: ClassVar[UnderDataDir] = UnderDataDir("checkpoints/chain-checkpoints.jsonl")

    @field_validator("statement_number_pattern", "berita_acara_number_pattern")
    @classmethod
    def _number_pattern(cls, value: str) -> str:
        from billing.records import check_number_pattern

        return check_number_pattern(value)

    @model_validator(mode="after")
    def _account_codes(self) -> Settings:
        """Refuse to start with account codes that are not a mapping of ledger accounts to codes."""
        from billing.exports import check_account_codes, load_account_codes

        codes = dict(self.account_codes)
        if self.account_codes_file is not None:
            try:
                codes.update(load_account_codes(self.account_codes_file))
            except OSError as exc:
                raise ValueError(f"account_codes_file {self.account_codes_file}: {exc.strerror}") from None
        self.account_codes = check_account_codes(codes)
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")
