"""Photo and signature intake: only JPEG or PNG, bounded bytes and pixels, decompression bombs refused,
EXIF orientation applied, stored under a content hash. What is stored is the pixels alone, re-encoded: no
EXIF (it can carry GPS positions), no JPEG comment, no ICC profile (colours are converted to sRGB first),
no PNG text or other chunks; nothing the uploader's camera or editor wrote survives."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ktp_service.cards.errors import CardError
from ktp_service.cards.images import fitted_png, prepare_photo, prepare_signature
from ktp_service.errors import invalid_field
from ktp_service.files import write_atomically

ImageKind = Literal["photo", "signature"]

# Smallest useful sources: the photo box is about 22 x 29 mm, so 240 x 320 px is 280 dpi.
MIN_SIZE: dict[ImageKind, tuple[int, int]] = {"photo": (240, 320), "signature": (80, 30)}


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    fmt: str  # "jpeg" | "png"
    path: Path


def accept_image(
    raw: bytes, kind: ImageKind, *, field: str, max_bytes: int, max_pixels: int
) -> tuple[bytes, str]:
    """Validate ``raw`` and return normalised bytes and their format, or raise a 422 naming ``field``."""
    if not raw:
        raise invalid_field(field, "the file is empty.")
    if len(raw) > max_bytes:
        raise invalid_field(
            field, f"the file is {len(raw)} bytes; the limit is {max_bytes} bytes.", "too_large"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(raw))
            fmt = (probe.format or "").upper()
            if fmt not in ("JPEG", "PNG"):
                raise invalid_field(field, f"must be a JPEG or PNG image, not {fmt or 'unknown'}.", "format")
            w, h = probe.size
            if w * h > max_pixels:
                raise invalid_field(
                    field, f"the image has {w}x{h} pixels; the limit is {max_pixels} pixels.", "too_large"
                )
            probe.verify()  # checks the file structure without decoding pixels
            img: Image.Image = Image.open(io.BytesIO(raw))
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise invalid_field(
            field,
            f"the image has more pixels than the limit of {max_pixels} (a decompression bomb?).",
            "too_large",
        ) from None
    except UnidentifiedImageError as exc:
        raise invalid_field(
            field, f"is not a readable JPEG or PNG image ({type(exc).__name__}).", "format"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise invalid_field(field, f"the image file is damaged or truncated ({exc}).", "format") from None

    img = ImageOps.exif_transpose(img)
    min_w, min_h = MIN_SIZE[kind]
    if img.width < min_w or img.height < min_h:
        raise invalid_field(
            field,
            f"the image is {img.width}x{img.height} pixels; at least {min_w}x{min_h} is needed.",
            "too_small",
        )
    icc_profile = img.info.get("icc_profile")
    out = io.BytesIO()
    if kind == "signature" or fmt == "PNG":
        # Signatures keep their transparency; PNG photos stay lossless.
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = img.convert("RGBA")
        _pixels_only(img, icc_profile).save(out, "PNG", optimize=False, compress_level=6)
        return out.getvalue(), "png"
    _pixels_only(img.convert("RGB"), icc_profile).save(out, "JPEG", quality=95, subsampling=0)
    return out.getvalue(), "jpeg"


def _pixels_only(img: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """A new image holding ``img``'s pixels and nothing else: Pillow carries what it read (a JPEG comment,
    an ICC profile, EXIF) into what it saves unless the image it saves has none. Pixels tagged with an ICC
    profile are converted to sRGB first, so dropping the profile keeps their colours."""
    if icc_profile and img.mode in ("RGB", "RGBA"):
        try:
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(
                img, ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)), srgb, outputMode=img.mode
            )
            if converted is not None:
                img = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unreadable profile: the pixels as they are
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    return clean


def store_image(data: bytes, fmt: str, images_dir: Path) -> StoredImage:
    """Write ``data`` under its SHA-256 (idempotent: the same image is stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    path = images_dir / digest[:2] / f"{digest}.{fmt}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)  # a failed write leaves no .tmp behind
    return StoredImage(digest, fmt, path)


def image_path(images_dir: Path, sha256: str, fmt: str) -> Path:
    return images_dir / sha256[:2] / f"{sha256}.{fmt}"


def fitted_path(images_dir: Path, sha256: str, box: tuple[int, int]) -> Path:
    """Where the derivative of an image fitted to a photo or signature box of ``box`` pixels is kept."""
    return images_dir / sha256[:2] / f"{sha256}.fit{box[0]}x{box[1]}.png"


def store_fitted(
    data: bytes,
    kind: ImageKind,
    sha256: str,
    images_dir: Path,
    boxes: Iterable[tuple[int, int]],
    max_pixels: int,
) -> None:
    """Prepare the stored image once for each card box size, as the renderer would at every print (crop and
    scale the photo; trim and fit the signature), and keep the result beside the original. The renderer
    falls back to the original when a derivative is missing, so this is an optimisation, never a
    requirement: an image the renderer would refuse (a blank signature) simply gets none."""
    for box in set(boxes):
        path = fitted_path(images_dir, sha256, box)
        if path.exists():
            continue
        try:
            if kind == "photo":
                fitted = prepare_photo(data, box, max_pixels)
            else:
                fitted = prepare_signature(data, box, max_pixels)
        except CardError:
            continue  # the print reports it, naming the field
        write_atomically(path, fitted_png(fitted))


@dataclass
class FitReport:
    """What :func:`fit_stored_images` did, in counts."""

    images: int = 0  # stored images looked at
    made: int = 0  # fitted copies written now
    already: int = 0  # fitted copies that were there before
    not_fittable: int = 0  # copies the renderer would refuse to make (e.g. a blank signature): none is kept
    missing: int = 0  # images whose original is not in the data directory
    refused: int = (
        0  # names that are not a stored image's (not a SHA-256, an unknown format) or damaged files
    )


_FORMATS = ("jpeg", "png")


def _stored_original(images_dir: Path, sha256: str, fmt: str) -> Path | None:
    """The original's path, only when the name is a stored image's: 64 lowercase hex digits and a known
    format, resolving inside ``images_dir`` (a value from the database never leads a write elsewhere)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256) or fmt not in _FORMATS:
        return None
    root = images_dir.resolve()
    path = image_path(images_dir, sha256, fmt).resolve()
    return path if path.is_relative_to(root) else None


def fit_stored_images(
    images: Iterable[tuple[ImageKind, str, str]],
    images_dir: Path,
    boxes: dict[ImageKind, list[tuple[int, int]]],
    max_pixels: int,
    *,
    on_image: Callable[[FitReport], None] | None = None,
) -> FitReport:
    """Make the fitted copies (:func:`store_fitted`) that stored images ``(kind, sha256, format)`` lack, for
    each of ``boxes[kind]``: images uploaded before copies were made at upload. Idempotent and resumable:
    a copy already there is kept, each copy is written whole or not at all, so a run stopped halfway is
    simply run again. An original is read only from inside ``images_dir`` and only when its bytes still
    hash to its name."""
    report = FitReport()
    for kind, sha256, fmt in images:
        report.images += 1
        path = _stored_original(images_dir, sha256, fmt)
        if path is None:
            report.refused += 1
            continue
        wanted = sorted(set(boxes[kind]))
        lacking = [box for box in wanted if not fitted_path(images_dir, sha256, box).exists()]
        report.already += len(wanted) - len(lacking)
        if lacking:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                report.missing += 1
                continue
            if hashlib.sha256(data).hexdigest() != sha256:
                report.refused += 1
                continue
            store_fitted(data, kind, sha256, images_dir, lacking, max_pixels)
            made = sum(1 for box in lacking if fitted_path(images_dir, sha256, box).exists())
            report.made += made
            report.not_fittable += len(lacking) - made
        if on_image is not None:
            on_image(report)
    return report
