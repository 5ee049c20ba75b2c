"""From a registered resident to card data and rendered documents (the pure renderer lives in
:mod:`ktp_service.cards`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from ktp_service import clock, regions
from ktp_service.cards import CardData, CardTemplate, load_template
from ktp_service.cards.render import image_boxes
from ktp_service.copying import same_named
from ktp_service.images import fitted_path, image_path
from ktp_service.models import Resident


@lru_cache(maxsize=32)
def _template(template_id: str, templates_dir: Path, mtime_ns: int) -> CardTemplate:
    return load_template(template_id, templates_dir)


def template(template_id: str, templates_dir: Path) -> CardTemplate:
    """The template, parsed once per version of its file (editing the file is picked up)."""
    from ktp_service.cards.template_files import template_path

    path = template_path(template_id, templates_dir)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _template(template_id, templates_dir, mtime)


def local_today(timezone: str) -> date:
    return clock.utcnow().astimezone(ZoneInfo(timezone)).date()


def _read(images_dir: Path, sha256: str | None, fmt: str | None) -> bytes:
    if not sha256 or not fmt:
        return b""
    path = image_path(images_dir, sha256, fmt)
    return path.read_bytes() if path.exists() else b""


__all__ = ["card_data", "image_boxes", "local_today", "template"]


def _read_fitted(images_dir: Path, sha256: str | None, box: tuple[int, int] | None) -> bytes:
    if not sha256 or box is None:
        return b""
    path = fitted_path(images_dir, sha256, box)
    return path.read_bytes() if path.exists() else b""


def card_data(
    resident: Resident,
    images_dir: Path,
    *,
    tanggal_terbit: date,
    tempat_terbit: str | None = None,
    boxes: Mapping[str, tuple[int, int]] | None = None,
) -> CardData:
    """The card of ``resident`` issued on ``tanggal_terbit``; a missing photo or signature is empty bytes,
    which the renderer reports as ImageMissing naming the field. With ``boxes`` (``image_boxes`` of the
    template and dpi to be rendered), the derivatives stored at upload for those sizes come along."""
    boxes = boxes or {}
    kec = regions.get_region(resident.kode_kecamatan)
    desa = regions.get_region(resident.kode_desa)
    return CardData(
        **same_named(resident, CardData.model_fields, leave=("tempat_terbit", "tanggal_terbit")),
        kelurahan_desa=desa.name.upper() if desa else resident.kode_desa,
        kecamatan=kec.name.upper() if kec else resident.kode_kecamatan,
        tempat_terbit=tempat_terbit,
        tanggal_terbit=tanggal_terbit,
        foto=_read(images_dir, resident.photo_sha256, resident.photo_format),
        tanda_tangan=_read(images_dir, resident.signature_sha256, resident.signature_format),
        foto_fitted=_read_fitted(images_dir, resident.photo_sha256, boxes.get("foto")),
        tanda_tangan_fitted=_read_fitted(images_dir, resident.signature_sha256, boxes.get("tanda_tangan")),
    )
