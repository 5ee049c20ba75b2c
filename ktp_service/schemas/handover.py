"""Bodies and answers of the card's last step (issue 15): handover, a resident's departure, uncollected
cards, the IKM survey."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ktp_service.schemas.identifiers import NIK_PATTERN


class HandoverCreate(BaseModel):
    """Who took the card. ``kuasa``: someone holding the resident's power of attorney (their name, NIK and
    relation are required). ``old_card_destroyed``: for a replacement card, the old card was collected at
    the counter and destroyed (required unless the old card was lost)."""

    model_config = ConfigDict(extra="forbid")

    recipient: Literal["penduduk", "kuasa"] = "penduduk"
    proxy_name: str = Field(default="", max_length=80)
    proxy_nik: str = Field(default="", max_length=16)
    proxy_relation: str = Field(default="", max_length=40)
    proxy_letter: str = Field(default="", max_length=60, description="The power of attorney's number.")
    old_card_destroyed: bool = False

    @model_validator(mode="after")
    def _proxy_complete(self) -> Self:
        if self.recipient == "kuasa":
            missing = [
                name
                for name in ("proxy_name", "proxy_nik", "proxy_relation")
                if not getattr(self, name).strip()
            ]
            if missing:
                raise ValueError(f"a handover to a proxy needs {', '.join(missing)}")
            if not re.fullmatch(NIK_PATTERN, self.proxy_nik):
                raise ValueError("proxy_nik must be 16 digits 0-9")
        elif any((self.proxy_name, self.proxy_nik, self.proxy_relation, self.proxy_letter)):
            raise ValueError("proxy fields are only for recipient 'kuasa'")
        return self


class HandoverPublic(BaseModel):
    job: str = Field(description="The print job's UUID.")
    card_serial: str
    office: str
    at: datetime
    recipient: str
    proxy_name: str | None
    proxy_relation: str | None
    old_card_serial: str | None = Field(description="The replaced card, collected and destroyed.")
    survey_url: str = Field(description="The short link on the receipt: the IKM survey, no login.")
    receipt_url: str


class DepartureCreate(BaseModel):
    """A resident who died (akta kematian) or moved out of the regency (surat pindah)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["meninggal", "pindah"]
    document_number: str = Field(min_length=3, max_length=60, pattern=r"^[A-Za-z0-9./ -]+$")
    document_date: date


class DeparturePublic(BaseModel):
    nik: str
    kind: str
    document_number: str
    document_date: date
    recorded_at: datetime
    invalidated_card: str | None


class UncollectedCard(BaseModel):
    job: str
    card_serial: str
    nik: str
    nama: str
    printed_at: datetime
    days_waiting: int


class UncollectedPublic(BaseModel):
    office: str
    older_than_days: int
    count: int
    cards: list[UncollectedCard]
