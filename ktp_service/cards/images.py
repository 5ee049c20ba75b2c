"""Photo and signature preparation: decode only JPEG and PNG, refuse images over a pixel limit before
decoding, apply the EXIF orientation, then crop/scale with high-quality filters."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ktp_service.cards.errors import ImageInvalid, ImageMissing

ALLOWED_FORMATS = ("JPEG", "PNG")
#: Darker than this (0-255, on the inverted grey level) counts as ink when trimming a signature's margins.
INK_THRESHOLD = 40
ORIENTATION_TAG = 0x0112


def _open(raw: bytes, field: str, max_pixels: int, min_size: tuple[int, int] | None = None) -> Image.Image:
    """Open, decode and turn upright ``raw``. For a JPEG, ``min_size`` (upright) lets libjpeg decode at 1/2,
    1/4 or 1/8 scale while the result still covers ``min_size``: a big camera photo decodes several times
    faster, and LANCZOS then finishes from at least as many pixels as the box has."""
    if not raw:
        raise ImageMissing(field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ALLOWED_FORMATS)
        if image.width * image.height > max_pixels:
            raise ImageInvalid(
                field, f"{image.width}x{image.height} pixels is more than the {max_pixels} allowed"
            )
        if min_size is not None and image.format == "JPEG" and image.mode in ("RGB", "L"):
            turned = image.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8)
            image.draft(image.mode, (min_size[1], min_size[0]) if turned else min_size)
        image.load()
        return ImageOps.exif_transpose(image)
    except ImageInvalid:
        raise
    except UnidentifiedImageError:
        raise ImageInvalid(field, "not a JPEG or PNG image") from None
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageInvalid(field, f"cannot be decoded ({exc})") from None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: a transparent photo background prints as white, not black."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def prepare_photo(raw: bytes, size: tuple[int, int], max_pixels: int, field: str = "foto") -> Image.Image:
    """Centre-crop to the box's aspect (3:4 on the KTP) and resize with LANCZOS to exactly ``size``."""
    width, height = size
    image = _flatten(_open(raw, field, max_pixels, min_size=size))
    target = width / height
    if image.width / image.height > target:
        crop_w = image.height * target
        box = ((image.width - crop_w) / 2, 0.0, (image.width + crop_w) / 2, float(image.height))
    else:
        crop_h = image.width / target
        box = (0.0, (image.height - crop_h) / 2, float(image.width), (image.height + crop_h) / 2)
    # reducing_gap: a fast box reduction first when the source is much larger; LANCZOS does the rest.
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def prepare_signature(
    raw: bytes, size: tuple[int, int], max_pixels: int, field: str = "tanda_tangan"
) -> Image.Image:
    """Trim the margins around the ink, then scale to fit ``size`` keeping the aspect ratio. Returns RGBA
    for a transparent signature, RGB otherwise (the renderer multiplies that onto the card, so white paper
    disappears and only the ink shows over the background pattern)."""
    image = _open(raw, field, max_pixels)
    if has_alpha(image):
        image = image.convert("RGBA")
        ink = image.getchannel("A").point(lambda a: 255 if a > INK_THRESHOLD else 0)
    else:
        image = image.convert("RGB")
        ink = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > INK_THRESHOLD else 0)
    bbox = ink.getbbox()
    if bbox is None:
        raise ImageInvalid(field, "the image is blank (no signature on it)")
    image = image.crop(bbox)
    scale = min(size[0] / image.width, size[1] / image.height)
    fitted = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(fitted, Image.Resampling.LANCZOS, reducing_gap=3.0)


# -- Derivatives made once, at upload --------------------------------------------------------------------
# Preparing the original costs a few ms per card (decode a camera-sized JPEG, crop, LANCZOS; trim and scale
# the signature); the print path renders every card once, so a cache in memory does not help it. The same
# result is stored once per box size as a small PNG (lossless: the card is pixel for pixel the same) and
# decoded in a fraction of a millisecond.


def fitted_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Level 1: these files are read far more often than written, and decoding speed barely depends on level.
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _open_fitted(fitted: bytes) -> Image.Image | None:
    if not fitted:
        return None
    try:
        image = Image.open(io.BytesIO(fitted), formats=("PNG",))
        image.load()
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError):
        return None  # a damaged derivative: the original is still there
    return image


def is_fitted_photo_png(fitted: bytes, size: tuple[int, int]) -> bool:
    """Whether ``fitted`` is an 8-bit RGB, non-interlaced PNG of exactly ``size``, from its header alone
    (the vector PDF embeds its data as is, without decoding it)."""
    if len(fitted) < 33 or not fitted.startswith(b"\x89PNG\r\n\x1a\n") or fitted[12:16] != b"IHDR":
        return False
    width, height = int.from_bytes(fitted[16:20], "big"), int.from_bytes(fitted[20:24], "big")
    depth, color_type, interlace = fitted[24], fitted[25], fitted[28]
    return (width, height) == size and (depth, color_type, interlace) == (8, 2, 0)


def fitted_photo(fitted: bytes, size: tuple[int, int]) -> Image.Image | None:
    """The stored derivative when it is exactly the box's size (an RGB photo); None: prepare the original."""
    image = _open_fitted(fitted)
    return image if image is not None and image.size == size and image.mode == "RGB" else None


def fitted_signature(fitted: bytes, size: tuple[int, int]) -> Image.Image | None:
    """The stored derivative when it was fitted to a box of this size (inside it, touching two of its sides,
    as ``prepare_signature`` leaves it); None: prepare the original."""
    image = _open_fitted(fitted)
    if image is None or image.mode not in ("RGB", "RGBA"):
        return None
    inside = image.width <= size[0] and image.height <= size[1]
    return image if inside and (image.width == size[0] or image.height == size[1]) else None
