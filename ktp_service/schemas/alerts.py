"""Alert bodies (issue 15, part 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AlertPublic(BaseModel):
    id: int
    kind: str = Field(description="printer_down, agent_down, stock_low, approval_waiting or uncollected.")
    kind_name: str = Field(description="The kind's name in the language asked for.")
    office: str = Field(description="Region code of the office.")
    office_name: str
    subject: str = Field(description="What it is about: printer:ID, agent:ID, job:UUID or office:CODE.")
    subject_name: str
    text: str = Field(description="What the alert says, in the language asked for.")
    what_to_do: str
    detail: dict[str, Any]
    raised_at: datetime
    since: datetime | None
    cleared_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledge_note: str
    mailed_at: datetime | None
    mail_attempts: int


class AlertCount(BaseModel):
    unacknowledged: int


class AlertAcknowledge(BaseModel):
    note: str = Field(default="", max_length=300, description="What the person does about it.")
