"""The registry side of the counter: find a resident, register one, correct one (with live checks while the
clerk types), and a resident's version history. Every action calls the same service as the API."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from ktp_service import regions
from ktp_service.api.deps import RegistryReader, RegistryWriter
from ktp_service.errors import DomainError
from ktp_service.models import Resident
from ktp_service.nik import check_nik
from ktp_service.schemas.residents import ResidentCreate, ResidentUpdate
from ktp_service.schemas.text import ascii_digits
from ktp_service.services import offices, residents
from ktp_service.services.actor import Actor
from ktp_service.services.residents import StaleVersion
from ktp_service.vocab import PEKERJAAN, Agama, GolonganDarah, JenisKelamin, Kewarganegaraan, StatusPerkawinan
from ktp_service.web import forms
from ktp_service.web.core import Form, Page, PageFor, WebRoute, text

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReaderPage = Annotated[Page, Depends(PageFor(RegistryReader))]
WriterPage = Annotated[Page, Depends(PageFor(RegistryWriter))]
Nik = Annotated[str, Path(pattern=r"^[0-9]{16}$")]

CHOICES: dict[str, list[str]] = {
    "jenis_kelamin": [v.value for v in JenisKelamin],
    "golongan_darah": [v.value for v in GolonganDarah],
    "agama": [v.value for v in Agama],
    "status_perkawinan": [v.value for v in StatusPerkawinan],
    "kewarganegaraan": [v.value for v in Kewarganegaraan],
    "pekerjaan": list(PEKERJAAN),
}


@lru_cache(maxsize=64)
def _kecamatan_options(office_code: str | None) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """(kecamatan code, name, ((desa code, name)...)) that an office serves; all of the regency for an office
    that is not bound to one kecamatan (and for roles without an office, Sragen's); a village service point's
    own kecamatan with its own village only."""
    code = office_code or "33.14"
    if code.count(".") == 3:
        village, kec = regions.get_region(code), regions.get_region(code.rsplit(".", 1)[0])
        if village is None or kec is None:
            return ()
        return ((kec.code, kec.name, ((village.code, village.name),)),)
    if code.count(".") == 2:
        kecamatan = [r for r in [regions.get_region(code)] if r is not None]
    else:
        kecamatan = [r for r in regions.children(code) if r.kind == "kecamatan"]
    return tuple(
        (k.code, k.name, tuple((d.code, d.name) for d in regions.children(k.code))) for k in kecamatan
    )


def _office_id(session: Session, actor: Actor) -> int | None:
    return offices.get_by_code(session, actor.office_code).id if actor.office_code else None


# -- find ----------------------------------------------------------------------------------------------------
@router.get("/residents")
def find(
    page: ReaderPage,
    q: Annotated[str, Query(max_length=80)] = "",
) -> HTMLResponse:
    q = "".join(ch for ch in q if ch.isprintable()).strip()  # no NUL or control bytes reach the database
    found: list[Resident] | None = None
    total, error = 0, ""
    digits = q.replace(" ", "")
    if q:
        by_nik = ascii_digits(digits)
        if (by_nik and len(digits) > 16) or (not by_nik and len(q) < 2):
            error = page.t("res.query_short")
        else:
            with page.tx(writes=False) as session:
                found, total = residents.search(
                    session,
                    page.me,
                    nik_prefix=digits if by_nik else None,
                    nama=None if by_nik else q,
                    limit=50,
                    offset=0,
                )
    return page.render("residents.html", q=q, found=found, total=total, error=error)


# -- register and correct ------------------------------------------------------------------------------------
def _form_page(
    page: Page,
    *,
    mode: str,
    values: dict[str, Any],
    errors: dict[str, str],
    message: str = "",
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "resident_form.html",
        status_code=status,
        mode=mode,
        values=values,
        errors=errors,
        message=message,
        choices=CHOICES,
        kecamatan=_kecamatan_options(page.me.office_code),
    )


def _restored(page: Page, mode: str, values: dict[str, Any]) -> HTMLResponse | None:
    """The form kept on the server for this page, if the address names one: refused with errors (shown again
    by this GET, so a refresh re-sends nothing) or sent after the session ended (refilled after login)."""
    kept = page.kept()
    if kept is None:
        return None
    restored = {
        **values,
        **{k: v for k, v in kept.fields.items() if k in (*forms.RESIDENT_FIELDS, "version")},
    }
    if mode == "edit":
        restored["nik"] = values["nik"]  # the address names the resident, whatever was kept
    errors = {str(k): str(v) for k, v in dict(kept.extra.get("errors") or {}).items()}
    message = str(kept.extra.get("message") or "")
    status = 422 if errors or message else 200
    return _form_page(page, mode=mode, values=restored, errors=errors, message=message, status=status)


@router.get("/residents/new")
def new_form(page: WriterPage, nik: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    values = {"nik": nik if ascii_digits(nik) else "", "kewarganegaraan": "WNI", "golongan_darah": "-"}
    kec = _kecamatan_options(page.me.office_code)
    if len(kec) == 1:
        values["kode_kecamatan"] = kec[0][0]
    return _restored(page, "new", values) or _form_page(page, mode="new", values=values, errors={})


def _explain_nik(page: Page, errors: dict[str, str], nik: str, data: dict[str, Any]) -> None:
    today = page.now().astimezone(ZoneInfo(page.settings.timezone)).date()
    forms.explain_nik(errors, nik, data.get("tanggal_lahir"), page.lang, today)


class _DryRun(Exception):
    """Raised to roll back a check-only run of a service."""


def _register(page: Page, form: Any, *, dry_run: bool) -> tuple[Resident | None, dict[str, str], str]:
    data = forms.resident_data(form, with_nik=True)
    try:
        body = ResidentCreate.model_validate(data)
    except ValidationError as exc:
        errors = forms.from_validation(exc, page.lang)
        if "nik" not in errors:
            # The form is incomplete, so the service is not reached yet; its NIK rule still is, so a NIK
            # that disagrees with the birth date or sex typed so far is flagged at once.
            born = data.get("tanggal_lahir") if "tanggal_lahir" not in errors else None
            sex = data.get("jenis_kelamin") if "jenis_kelamin" not in errors else None
            for p in check_nik(str(data.get("nik", "")), born, sex).problems:
                errors.setdefault("nik", forms.message(page.lang, "nik", p.code, p.message))
        _explain_nik(page, errors, str(data.get("nik", "")), data)
        return None, errors, ""
    try:
        with page.tx() as session:
            resident, _ = residents.create(session, page.me, body, _office_id(session, page.me))
            if dry_run:
                raise _DryRun()
    except _DryRun:
        return None, {}, ""
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        _explain_nik(page, fields, body.nik, data)
        return None, fields, whole
    return resident, {}, ""


@router.post("/residents/new")
def register(page: WriterPage, form: Form) -> Response:
    resident, errors, message = _register(page, form, dry_run=False)
    if resident is None:
        values = {k: text(form, k) for k in forms.RESIDENT_FIELDS}
        return page.keep_form("/residents/new", values, {"errors": errors, "message": message})
    page.drop_kept()
    page.flash("ok", page.t("res.created"))
    return page.redirect(f"/residents/{resident.nik}")


@router.post("/residents/check")
def check(page: WriterPage, form: Form) -> JSONResponse:
    """Live validation while the clerk types: the whole registration (or correction) is run through the
    same service and rolled back, and the field messages are returned."""
    nik = text(form, "_existing")
    if nik:
        _, errors, message = _correct(page, nik, form, dry_run=True)
    else:
        _, errors, message = _register(page, form, dry_run=True)
    return JSONResponse({"errors": errors, "message": message}, headers={"Cache-Control": "no-store"})


@router.get("/residents/{nik}/edit")
def edit_form(nik: Nik, page: WriterPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
    values: dict[str, Any] = {k: getattr(resident, k) for k in forms.RESIDENT_FIELDS}
    values["tanggal_lahir"] = forms.date_text(resident.tanggal_lahir)
    values["berlaku_hingga"] = forms.date_text(resident.berlaku_hingga)
    values["version"] = resident.version
    return _restored(page, "edit", values) or _form_page(page, mode="edit", values=values, errors={})


def _correct(
    page: Page, nik: str, form: Any, *, dry_run: bool
) -> tuple[tuple[Resident, bool] | None, dict[str, str], str]:
    data = forms.resident_data(form, with_nik=False)
    raw_version = text(form, "version")
    version = int(raw_version) if ascii_digits(raw_version) else None
    try:
        body = ResidentUpdate.model_validate(data)
    except ValidationError as exc:
        return None, forms.from_validation(exc, page.lang), ""
    try:
        with page.tx() as session:
            before = residents.read(session, page.me, nik).version
            resident, _ = residents.update(session, page.me, nik, body, version)
            if dry_run:
                raise _DryRun()
    except _DryRun:
        return None, {}, ""
    except StaleVersion:
        return None, {}, page.t("res.stale")
    except DomainError as exc:
        fields, whole = forms.from_domain(exc, page.lang)
        _explain_nik(page, fields, nik, data)
        return None, fields, whole
    return (resident, resident.version != before), {}, ""


@router.post("/residents/{nik}/edit")
def correct(nik: Nik, page: WriterPage, form: Form) -> Response:
    done, errors, message = _correct(page, nik, form, dry_run=False)
    if done is None:
        values: dict[str, Any] = {k: text(form, k) for k in forms.RESIDENT_FIELDS}
        values["nik"], values["version"] = nik, text(form, "version")
        return page.keep_form(f"/residents/{nik}/edit", values, {"errors": errors, "message": message})
    page.drop_kept()
    resident, changed = done
    page.flash("ok", page.t("res.updated", version=resident.version) if changed else page.t("res.unchanged"))
    return page.redirect(f"/residents/{nik}")


@router.get("/residents/{nik}/history")
def history(nik: Nik, page: ReaderPage) -> HTMLResponse:
    with page.tx(writes=False) as session:
        resident = residents.read(session, page.me, nik)
        versions = residents.history(session, page.me, nik)
    return page.render("history.html", r=resident, versions=versions[::-1])
