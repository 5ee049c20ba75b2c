"""The web console (issue 6): server-rendered pages for clerks, supervisors, administrators, finance and the
partner's auditor. Pages call the same services as the API, as the logged-in user, so roles, office scope and
every rule are the API's. Nothing loads from outside: CSS and the little JavaScript are served from
``static/``, charts are SVG drawn on the server.

Mounted by ``app.include_router(web.router)`` in :mod:`ktp_service.main`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from ktp_service.web.core import HERE
from ktp_service.web.routes import (
    account,
    admin,
    agents,
    alerts,
    audit,
    auth,
    billing,
    billing_fixes,
    counter,
    handover,
    indicators,
    office,
    operations,
    registration,
    standard,
    stock_moves,
    survey,
)

router = APIRouter(include_in_schema=False)
# registration first: its /residents/new must match before counter's /residents/{nik}
# stock_moves before office: its /stock/moves is not the stock page's
for _module in (
    auth,
    account,
    registration,
    handover,
    counter,
    stock_moves,
    office,
    admin,
    agents,
    audit,
    indicators,
    standard,
    billing,
    billing_fixes,
    survey,
    operations,
    alerts,
):
    router.include_router(_module.router)
router.include_router(survey.public)  # the IKM survey: no login, no cookie
router.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
