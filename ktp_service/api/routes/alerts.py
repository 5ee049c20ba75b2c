"""Alerts (issue 15, part 4): administrators see every office's, supervisors their own office's. An alert is
acknowledged once by a person, with a note; the acknowledgement is audited."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from ktp_service.api.deps import Language, RequireRoles, SessionDep, SettingsDep
from ktp_service.errors import ERROR_RESPONSES
from ktp_service.schemas.alerts import AlertAcknowledge, AlertCount, AlertPublic
from ktp_service.schemas.identifiers import REGION_CODE_PATTERN, AsciiInt
from ktp_service.services import alerts
from ktp_service.services.actor import Actor
from ktp_service.settings import Settings
from ktp_service.vocab import Role

router = APIRouter(prefix="/api/v1", tags=["alerts"], responses=ERROR_RESPONSES)
AlertWatcher = Annotated[Actor, Depends(RequireRoles(Role.SUPERVISOR, Role.ADMIN))]
AlertId = Annotated[int, AsciiInt, Path(ge=1, le=2_000_000_000, description="The alert's id.")]


def alert_public(view: alerts.AlertView, lang: str, settings: Settings) -> AlertPublic:
    a, words = view.alert, alerts.texts(view, lang, settings.timezone)
    return AlertPublic(
        id=a.id or 0,
        kind=a.kind,
        kind_name=words["kind"],
        office=view.office.code,
        office_name=view.office.name,
        subject=a.subject,
        subject_name=a.subject_name,
        text=words["text"],
        what_to_do=words["todo"],
        detail=a.detail,
        raised_at=a.raised_at,
        since=a.since,
        cleared_at=a.cleared_at,
        acknowledged_by=view.acknowledged_by,
        acknowledged_at=a.acknowledged_at,
        acknowledge_note=a.acknowledge_note,
        mailed_at=a.mailed_at,
        mail_attempts=a.mail_attempts,
    )


@router.get("/alerts", response_model=list[AlertPublic])
def list_alerts(
    session: SessionDep,
    lang: Language,
    settings: SettingsDep,
    actor: AlertWatcher,
    show: Annotated[Literal["unacknowledged", "open", "all"], Query()] = "unacknowledged",
    office: Annotated[str | None, Query(pattern=REGION_CODE_PATTERN)] = None,
) -> list[AlertPublic]:
    """Alerts newest first: not acknowledged yet (default), still open, or all (the latest 200)."""
    return [
        alert_public(v, lang, settings)
        for v in alerts.list_alerts(session, actor, show=show, office_code=office)
    ]


@router.get("/alerts/count", response_model=AlertCount)
def count_alerts(session: SessionDep, actor: AlertWatcher) -> AlertCount:
    """The console badge's number: alerts this person may see that nobody acknowledged yet."""
    return AlertCount(unacknowledged=alerts.unacknowledged_count(session, actor))


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def acknowledge(
    alert_id: AlertId,
    body: AlertAcknowledge,
    session: SessionDep,
    lang: Language,
    settings: SettingsDep,
    actor: AlertWatcher,
) -> AlertPublic:
    """Acknowledge an alert (open or already ended), with a note of what is done about it. Once only."""
    return alert_public(alerts.acknowledge(session, actor, alert_id, body.note), lang, settings)
