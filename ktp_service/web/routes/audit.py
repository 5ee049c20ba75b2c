"""The audit trail for people: administrators see every event, supervisors those of their office; filters by
person, office, resident (NIK) and day, a page at a time. For one resident, a printable report of everyone
who read or printed their data (UU 27/2022 on personal data protection gives the resident the right to
ask)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from ktp_service.api.deps import AdminOnly, Supervisor
from ktp_service.errors import DomainError
from ktp_service.models import AuditEvent, Resident, User
from ktp_service.nik import mask_nik
from ktp_service.services import audit, offices, residents
from ktp_service.web import forms
from ktp_service.web.core import Page, PageFor, WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AuditPage = Annotated[Page, Depends(PageFor(AdminOnly, Supervisor))]
Nik = Annotated[str, Path(pattern=r"^[0-9]{16}$")]


def _names(session: Session, events: list[Any]) -> dict[str, Any]:
    """What the rows name, in words: people's full names, offices' names, residents' masked NIKs."""
    usernames = {e.username for e in events}
    people = dict(
        session.exec(select(User.username, User.full_name).where(col(User.username).in_(usernames))).all()
    )
    resident_ids = {
        int(e.entity_id) for e in events if e.entity == "resident" and (e.entity_id or "").isdigit()
    }
    niks = {
        str(i): mask_nik(n)
        for i, n in session.exec(select(Resident.id, Resident.nik).where(col(Resident.id).in_(resident_ids)))
    }
    return {"people_names": people, "office_names": offices.names(session), "niks": niks}


def action_text(page: Page, action: str) -> str:
    """An audit action in words (the catalogue's ``audit.<action>``), the code itself when it has none."""
    key = f"audit.{action}"
    return page.t(key) if page.t(key) != key else action


@router.get("/audit")
def audit_page(
    page: AuditPage,
    user: Annotated[str, Query(max_length=64)] = "",
    office: Annotated[str, Query(max_length=13)] = "",
    nik: Annotated[str, Query(max_length=32)] = "",
    day: Annotated[str, Query(max_length=10)] = "",
    p: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    zone = ZoneInfo(page.settings.timezone)
    values = {"user": user.strip(), "office": office.strip(), "nik": nik.strip(), "day": day.strip()}
    errors: dict[str, str] = {}
    parsed_day = forms.parse_date(values["day"]) if values["day"] else None
    if values["day"] and not hasattr(parsed_day, "isoformat"):
        errors["day"] = page.t("audit.bad_day")
    resident_id: int | None = None
    with page.tx(writes=False) as session:
        if values["nik"]:
            if not (len(values["nik"]) == 16 and values["nik"].isascii() and values["nik"].isdigit()):
                errors["nik"] = page.t("audit.bad_nik")
            else:
                try:
                    # Only residents of the supervisor's area (an unknown NIK and another area look alike).
                    resident_id = residents.scoped(session, page.me, values["nik"]).id
                except DomainError:
                    errors["nik"] = page.t("audit.no_resident")
        rows: list[AuditEvent] = []
        total = 0
        if not errors:
            wanted = audit.Filter(
                username=values["user"],
                office=values["office"],
                resident_id=resident_id,
                day=parsed_day if hasattr(parsed_day, "isoformat") else None,  # type: ignore[arg-type]
            )
            rows, total = audit.events(session, page.me, wanted, zone, p)
        names = _names(session, rows)
        office_list = offices.choices(session, page.me)
        people = (
            list(session.exec(select(User.username).order_by(col(User.username))))
            if not page.me.role.office_bound
            else []
        )
    pages = max(1, -(-total // audit.PAGE_SIZE))
    query = urlencode({k: v for k, v in values.items() if v})
    return page.render(
        "audit.html",
        status_code=422 if errors else 200,
        rows=[(e, action_text(page, e.action)) for e in rows],
        total=total,
        page_no=p,
        pages=pages,
        query=query,
        values=values,
        errors=errors,
        offices=office_list,
        people=people,
        report_nik=values["nik"] if resident_id is not None else "",
        **names,
    )


@router.get("/audit/residents/{nik}")
def resident_report(nik: Nik, page: AuditPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.scoped(session, page.me, nik)
        assert resident.id is not None
        accesses = audit.resident_report(session, resident.id)
        # The report shows the resident's name and NIK: a read, recorded after the report is drawn up (on
        # both databases alike, the report does not list its own making).
        audit.record(
            session,
            page.me,
            "resident.audit_report",
            "resident",
            resident.id,
            office_code=resident.kode_desa,
        )
        people = dict(
            session.exec(
                select(User.username, User.full_name).where(
                    col(User.username).in_({a.username for a in accesses})
                )
            ).all()
        )
        office_names = offices.names(session)
    return page.render(
        "audit_resident.html",
        resident=resident,
        accesses=[(a, action_text(page, a.action)) for a in accesses],
        people=people,
        offices=office_names,
        generated=page.now(),
    )
