"""Test data for billing: the issue's example contract and card-printed events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from billing.contracts import ContractTerms, add_contract_version, parse_terms
from billing.models import ContractVersion
from billing.posting import CardPrintedEvent
from billing.vocab import Reason

NIK = "3314014101900001"


def contract_data(**overrides: Any) -> dict[str, Any]:
    """The issue's example (027/PKS/2026: Rp 10.001 per card paid by the citizen, 35 % to the partner,
    rounded per card, PPh 23 2 %), with ``overrides``."""
    data: dict[str, Any] = {
        "number": "027/PKS/2026",
        "partner_name": "PT Kartu Nusantara",
        "effective_from": "2026-11-01",
        "effective_to": None,
        "fees": {r: {"amount": 10001, "payer": "citizen"} for r in Reason},
        "partner_share": {"type": "percent", "basis_points": 3500},
        "rounding": "per_card",
        "pph23_basis_points": 200,
    }
    data.update(overrides)
    return data


def contract_terms(**overrides: Any) -> ContractTerms:
    return parse_terms(contract_data(**overrides))


def add_contract(session: Session, **overrides: Any) -> ContractVersion:
    """Store a version and commit."""
    version = add_contract_version(
        session, contract_terms(**overrides), now=datetime(2026, 10, 1, tzinfo=UTC)
    )
    session.commit()
    return version


_serials = itertools.count(1)


def event(
    completed_at: datetime = datetime(2026, 12, 10, 3, 0, tzinfo=UTC),
    key: str | None = None,
    **overrides: Any,
) -> CardPrintedEvent:
    n = next(_serials)
    data: dict[str, Any] = {
        "event_key": key or f"job-{n}:printed",
        "card_serial": f"KTP-{n:08d}",
        "nik": NIK,
        "office_code": "33.14.01",
        "reason": "baru",
        "printer_id": "printer-01",
        "completed_at": completed_at,
        "template_version": "ktp-front-sragen@1",
        "is_fault_reprint": False,
    }
    data.update(overrides)
    return CardPrintedEvent(**data)
