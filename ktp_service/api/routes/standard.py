"""The service standard (issue 15): promised times per issuance reason, the working week and service hours,
and the holiday calendar (Indonesia's national holidays from the ``holidays`` package with the
administrator's changes). Reading: administrators, supervisors and finance; changing: administrators (each
change audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, Field

from ktp_service.api.deps import AdminOnly, RequireRoles, SessionDep, SettingsDep
from ktp_service.errors import ERROR_RESPONSES
from ktp_service.services import cards, service_standard
from ktp_service.services.actor import Actor
from ktp_service.vocab import Role

IndicatorReader = Annotated[Actor, Depends(RequireRoles(Role.ADMIN, Role.SUPERVISOR, Role.FINANCE))]
router = APIRouter(prefix="/api/v1/service-standard", tags=["service standard"], responses=ERROR_RESPONSES)


class Promise(BaseModel):
    days: int = Field(description="Working days (more than zero together with hours).")
    hours: int = Field(default=0, description="Further working hours, 0-23.")


class StandardPublic(BaseModel):
    workdays: list[int] = Field(description="ISO weekdays, Monday = 1.")
    opens: str
    closes: str
    working_day_hours: float
    promises: dict[str, Promise]
    rule: str


class WeekUpdate(BaseModel):
    workdays: list[int] = Field(min_length=1, max_length=7)
    opens: str = Field(max_length=5, examples=["08:00"])
    closes: str = Field(max_length=5, examples=["16:00"])


class HolidayChange(BaseModel):
    day: date
    action: Literal["add", "remove"]
    name: str = Field(
        default="", max_length=120, description="Required to add (e.g. Cuti bersama Idulfitri)."
    )


class HolidayPublic(BaseModel):
    day: date
    name: str
    source: Literal["package", "added"]
    removed: bool = Field(description="A national holiday an administrator took out (the offices serve).")


def _public(session: SessionDep) -> StandardPublic:
    s = service_standard.load(session)
    day = (s.closes.hour * 60 + s.closes.minute - s.opens.hour * 60 - s.opens.minute) / 60
    return StandardPublic(
        workdays=sorted(s.workdays),
        opens=f"{s.opens:%H:%M}",
        closes=f"{s.closes:%H:%M}",
        working_day_hours=day,
        promises={r: Promise(days=d, hours=h) for r, (d, h) in s.promises.items()},
        rule=(
            "Working time counts only inside the service hours of working days (the working week, without "
            "national holidays from the holidays package and the days added); 1 working day = the service "
            "hours' length."
        ),
    )


@router.get("", response_model=StandardPublic)
def read(session: SessionDep, actor: IndicatorReader) -> StandardPublic:
    return _public(session)


@router.put("/promises/{reason}", response_model=StandardPublic)
def set_promise(
    reason: Annotated[str, Path(max_length=16)], body: Promise, session: SessionDep, actor: AdminOnly
) -> StandardPublic:
    service_standard.set_promise(session, actor, reason, body.days, body.hours)
    return _public(session)


@router.put("/week", response_model=StandardPublic)
def set_week(body: WeekUpdate, session: SessionDep, actor: AdminOnly) -> StandardPublic:
    service_standard.set_week(session, actor, body.workdays, body.opens, body.closes)
    return _public(session)


@router.get("/holidays", response_model=list[HolidayPublic])
def holidays(
    session: SessionDep,
    settings: SettingsDep,
    actor: IndicatorReader,
    year: Annotated[int, Query(ge=0, le=2200, description="The year; 0 or absent: this year.")] = 0,
) -> list[HolidayPublic]:
    year = year or cards.local_today(settings.timezone).year
    s = service_standard.load(session)
    national = service_standard.national_holidays([year])
    changes = {c.day: c for c in s.changes if c.day.year == year}
    out = []
    for day in sorted(set(national) | set(changes)):
        change = changes.get(day)
        added = change is not None and change.action == "add"
        out.append(
            HolidayPublic(
                day=day,
                name=change.name if added and change else national.get(day, ""),
                source="added" if added else "package",
                removed=change is not None and change.action == "remove",
            )
        )
    return out


@router.post("/holidays", response_model=HolidayPublic, status_code=status.HTTP_201_CREATED)
def change_holiday(
    body: HolidayChange, session: SessionDep, settings: SettingsDep, actor: AdminOnly
) -> HolidayPublic:
    today = cards.local_today(settings.timezone)
    if body.action == "add":
        row = service_standard.add_holiday(session, actor, body.day, body.name, today)
        return HolidayPublic(day=row.day, name=row.name, source="added", removed=False)
    row = service_standard.remove_holiday(session, actor, body.day, body.name, today)
    return HolidayPublic(day=row.day, name=row.name, source="package", removed=True)


@router.delete("/holidays/{day}", status_code=status.HTTP_204_NO_CONTENT)
def undo(day: date, session: SessionDep, actor: AdminOnly) -> None:
    service_standard.undo_change(session, actor, day)
