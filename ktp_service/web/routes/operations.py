"""Following a long operation (closing a month, printing a batch, making an export): ``GET /operations/{id}`` answers its progress as JSON for
the page's script (polled every 500 ms); ``GET /operations/{id}/view`` is the page with the progress bar,
which without a script refreshes itself each second. Once the operation has ended the page goes to
``/operations/{id}/done``, which says how (a flash message) and goes on to its result. Only the user who started an operation can follow it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, JSONResponse, Response

from billing.errors import BillingError
from ktp_service import operations
from ktp_service.errors import DomainError, OperationNotFound
from ktp_service.web.core import Page, WebRoute
from ktp_service.web.routes.account import own_page

router = APIRouter(route_class=WebRoute, include_in_schema=False)
OwnPage = Annotated[Page, Depends(own_page)]
OpId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
NO_STORE = {"Cache-Control": "no-store"}


def _find(page: Page, op_id: str) -> operations.Operation:
    op = operations.get(op_id, page.me.user_id)
    if op is None:  # also one another user started, or one this process never ran or has forgotten
        raise OperationNotFound(f"No operation {op_id} of yours is known here.")
    return op


def _state(page: Page, op: operations.Operation) -> dict[str, Any]:
    step_text = page.t(op.step) if op.step else ""
    if op.step and op.total:  # a step that counts: "Mencetak kartu: 3 dari 10"
        step_text = page.t("op.counted", step=step_text, done=str(op.count), total=str(op.total))
    return {
        "id": op.id,
        "state": op.phase,
        "percent": op.percent,
        "step": op.step,
        "step_text": step_text,
        "count": op.count,
        "total": op.total,
        "download": f"/operations/{op.id}/file" if op.file is not None else None,
        "steps": [{"key": s, "text": page.t(s), "done": s in op.done_steps} for s in op.steps],
        "next": f"/operations/{op.id}/done" if op.finished else None,
    }


@router.get("/operations/{op_id}")
def operation_state(op_id: OpId, page: OwnPage) -> JSONResponse:
    return JSONResponse(_state(page, _find(page, op_id)), headers=NO_STORE)


@router.get("/operations/{op_id}/view")
def operation_page(op_id: OpId, page: OwnPage) -> HTMLResponse:
    """The progress page, drawn whatever the state (a quick operation shows its bar at 100 for a moment
    rather than never): once it has ended the page moves on to ``/done``."""
    op = _find(page, op_id)
    return page.render("operation.html", op=op, state=_state(page, op))


@router.get("/operations/{op_id}/done")
def operation_done(op_id: OpId, page: OwnPage) -> Response:
    """How it ended, as a message on the page it leads to: the result, or where it was asked for."""
    op = _find(page, op_id)
    if op.phase == "done" and op.file is not None:  # an export: the file is offered, and its download starts
        return page.render("operation.html", op=op, state=_state(page, op), ready=True)
    if op.phase == "done":
        page.flash("ok", page.t(op.done_key, **op.done_params))
        return page.redirect(op.result_url)
    if op.phase == "failed":
        error = op.error
        known = isinstance(error, DomainError | BillingError)
        text = page.error_text(error) if known else page.t("op.failed")  # type: ignore[arg-type]
        page.flash("error", text)
        return page.redirect(op.failure_url)
    return page.redirect(f"/operations/{op.id}/view")  # still running


@router.get("/operations/{op_id}/file")
def operation_file(op_id: OpId, page: OwnPage) -> Response:
    """What an export made, for the person who asked for it (kept in memory an hour after it ended)."""
    op = _find(page, op_id)
    if op.file is None:
        raise OperationNotFound(f"Operation {op_id} has made no file.")
    content, media, filename = op.file
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE},
    )
