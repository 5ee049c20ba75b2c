"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served wholly by the service.

FastAPI's own pages load Swagger UI, ReDoc, Google fonts and a favicon from outside sites, so on a regency
LAN without internet they are blank. Here the scripts and styles come from the ``fastapi-offline`` package
(PyPI; it ships Swagger UI 5 and ReDoc 2's ``redoc.standalone.js`` as package data), the favicon is the
console's, and ReDoc is told to use no web fonts. ``swagger-ui-bundle`` on PyPI was the first choice but
ships Swagger UI 4.15, which cannot render the OpenAPI 3.1 document FastAPI writes.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
FAVICON = "/static/favicon.svg"
# Both pages may load nothing from elsewhere: ReDoc 2 draws its "powered by" logo from cdn.redoc.ly with no
# option to turn it off, so the browser is told not to try (no request leaves the LAN, none waits on it).
# Inline scripts and styles: FastAPI's page starts Swagger UI inline; ReDoc builds its search in a blob worker.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; font-src 'self' data:"
)


def _own_only(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CSP
    return response


def assets_dir() -> Path:
    """The directory of the packaged Swagger UI and ReDoc files."""
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Add ``/docs``, its OAuth2 redirect page and ``/redoc`` to an app made with ``docs_url=None`` and
    ``redoc_url=None``."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = app.title
    oauth2_redirect = "/docs/oauth2-redirect"
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _own_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - API",
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=FAVICON,
                oauth2_redirect_url=oauth2_redirect,
                # Swagger UI would otherwise show a badge fetched from validator.swagger.io on any non-local host.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get(oauth2_redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _own_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - API",
                redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                redoc_favicon_url=FAVICON,
                with_google_fonts=False,
            )
        )
