"""The audit trail: append-only records of who did what to which record. Never put NIKs or names in
``detail``; record ids and field names only."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ktp_service.models import AuditEvent
from ktp_service.services.actor import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object | None = None,
    *,
    office_code: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            user_id=actor.user_id,
            username=actor.username,
            role=actor.role.value,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            office_code=office_code if office_code is not None else actor.office_code,
            detail=detail,
        )
    )


def record_agent(
    session: Session,
    agent_id: int,
    agent_name: str,
    office_code: str,
    action: str,
    entity: str,
    entity_id: object | None = None,
    **detail: Any,
) -> None:
    """What an office's print agent did (issue 14): it acts under its own name, not a user's."""
    session.add(
        AuditEvent(
            user_id=None,
            username=f"agent:{agent_name}"[:64],
            role="print-agent",
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            office_code=office_code,
            detail={"agent_id": agent_id, **detail},
        )
    )
