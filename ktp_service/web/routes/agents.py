"""Print agents in the console (administrators, issue 14): the list (last contact or unreachable since,
version, queue depth, jobs held, printers as last reported), adding one (its one-time code shown once, with
its expiry), revoking and re-enrolling after a confirmation page. The same services as the API and CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ktp_service.api.deps import AdminOnly
from ktp_service.errors import DomainError
from ktp_service.models import PrintAgent
from ktp_service.schemas.agents import AgentCreate
from ktp_service.services import agents, offices
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text
from ktp_service.web.views import printer_state

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AdminPage = Annotated[Page, Depends(PageFor(AdminOnly))]
AgentId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def state_key(agent: PrintAgent) -> str:
    """The agent's standing, as a catalogue key: revoked, waiting for its enrollment, or enrolled."""
    if agent.revoked_at is not None:
        return "agent.state.revoked"
    if agent.enrolled_at is None:
        return "agent.state.awaiting"
    return "agent.state.enrolled"


def _list_page(
    page: Page, errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> HTMLResponse:
    with page.tx(writes=False) as session:
        views = agents.list_agents(session, page.settings)
        office_list = offices.list_offices(session)
    names = {o.code: o.name for o in office_list}
    rows = [
        {
            "view": v,
            "state_key": state_key(v.agent),
            "printers": [(p, printer_state(p)) for p in v.printers],
        }
        for v in views
    ]
    return page.render(
        "agents.html",
        status_code=status,
        rows=rows,
        office_names=names,
        office_options=[(o.code, f"{o.code} · {o.name}") for o in office_list if o.active],
        errors=errors or {},
        values=values or {},
    )


@router.get("/admin/agents")
def agents_page(page: AdminPage) -> HTMLResponse:
    return _list_page(page)


def _code_page(page: Page, agent: PrintAgent, office: str, code: str, key: str) -> HTMLResponse:
    """The one-time code, shown on this answer only (never stored in clear, never in a redirect)."""
    with page.tx(writes=False) as session:
        names = offices.names(session)
    response = page.render(
        "agent_code.html",
        agent=agent,
        office=office,
        office_name=names.get(office, ""),
        code=code,
        heading=key,
        server=str(page.request.base_url).rstrip("/"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/agents")
def add_agent(page: AdminPage, form: Form) -> Response:
    values = {"name": text(form, "name"), "office": text(form, "office")}
    try:
        body = AgentCreate.model_validate(values)
        with page.tx() as session:
            agent, code = agents.create(session, page.me, body.name, body.office, page.settings)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, ValidationError):
            errors = forms.from_validation(exc, page.lang)
            if "name" in errors:
                errors["name"] = page.t("agent.name_rule")
            return _list_page(page, errors, values, 422)
        fields, _whole = forms.from_domain(exc, page.lang)
        return _list_page(page, fields or {"name": page.error_text(exc)}, values, exc.status_code)
    return _code_page(page, agent, body.office, code, "agent.added")


def _confirm_page(page: Page, agent_id: int, action: str) -> HTMLResponse:
    with page.tx(writes=False) as session:
        views = {v.agent.id: v for v in agents.list_agents(session, page.settings)}
        names = offices.names(session)
    view = views.get(agent_id)
    if view is None:
        return page.render("error.html", status_code=404, message=page.t("agent.not_found", agent=agent_id))
    return page.render(
        "agent_confirm.html",
        view=view,
        action=action,
        office_name=names.get(view.office, ""),
        state_key=state_key(view.agent),
    )


@router.get("/admin/agents/{agent_id}/revoke")
def revoke_confirm(page: AdminPage, agent_id: AgentId) -> HTMLResponse:
    return _confirm_page(page, agent_id, "revoke")


@router.get("/admin/agents/{agent_id}/re-enroll")
def re_enroll_confirm(page: AdminPage, agent_id: AgentId) -> HTMLResponse:
    return _confirm_page(page, agent_id, "re-enroll")


@router.post("/admin/agents/{agent_id}/revoke")
def revoke(page: AdminPage, form: Form, agent_id: AgentId) -> Response:
    if text(form, "confirm") != str(agent_id):
        return page.redirect(f"/admin/agents/{agent_id}/revoke")
    try:
        with page.tx() as session:
            agent = agents.revoke(session, page.me, agent_id)
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
        return page.redirect("/admin/agents")
    page.flash("ok", page.t("agent.revoked", name=agent.name))
    return page.redirect("/admin/agents")


@router.post("/admin/agents/{agent_id}/re-enroll")
def re_enroll(page: AdminPage, form: Form, agent_id: AgentId) -> Response:
    if text(form, "confirm") != str(agent_id):
        return page.redirect(f"/admin/agents/{agent_id}/re-enroll")
    try:
        with page.tx() as session:
            agent, code = agents.re_enroll(session, page.me, agent_id, page.settings)
            office = agents.office_code(session, agent)
    except DomainError as exc:
        page.flash("error", page.error_text(exc))
        return page.redirect("/admin/agents")
    return _code_page(page, agent, office, code, "agent.re_enrolled")
