"""A built-in sample resident (``ktp render --sample``) and generators of synthetic photos and signatures
for samples, tests and the benchmark. No real person's data or picture is used anywhere."""

from __future__ import annotations

import io
import math
import random
from datetime import date

from PIL import Image, ImageDraw, ImageFilter

from ktp_service.cards.data import CardData

# KTP photos have a red backdrop for odd birth years and blue for even ones.
BACKDROPS = {0: (32, 86, 168), 1: (190, 32, 40)}
SKIN = [(224, 182, 150), (198, 150, 112), (170, 120, 86), (140, 96, 66)]


def make_photo(
    seed: int = 0,
    size: tuple[int, int] = (600, 800),
    *,
    exif_orientation: int | None = None,
    marker: bool = False,
) -> bytes:
    """A JPEG head-and-shoulders figure. With ``exif_orientation`` the pixels are stored turned as a camera
    would store them and the EXIF tag says how to turn them back."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, BACKDROPS[seed % 2])
    draw = ImageDraw.Draw(image)
    cx = width / 2 + rng.uniform(-0.04, 0.04) * width
    shirt = tuple(rng.randrange(20, 90) for _ in range(3))
    draw.ellipse((cx - 0.55 * width, 0.70 * height, cx + 0.55 * width, 1.40 * height), fill=shirt)
    skin = rng.choice(SKIN)
    draw.rectangle((cx - 0.09 * width, 0.52 * height, cx + 0.09 * width, 0.78 * height), fill=skin)
    head = (cx - 0.22 * width, 0.18 * height, cx + 0.22 * width, 0.64 * height)
    draw.ellipse(head, fill=skin)
    hair = (30, 24, 20) if rng.random() < 0.8 else (70, 70, 70)
    draw.chord((head[0] - 4, head[1] - 10, head[2] + 4, head[3] - 0.12 * height), 180, 360, fill=hair)
    for side in (-1, 1):  # eyes
        ex = cx + side * 0.08 * width
        draw.ellipse(
            (ex - 0.025 * width, 0.40 * height, ex + 0.025 * width, 0.43 * height), fill=(40, 30, 30)
        )
    draw.arc(
        (cx - 0.07 * width, 0.50 * height, cx + 0.07 * width, 0.56 * height),
        20,
        160,
        fill=(120, 50, 50),
        width=4,
    )
    # Seeded grain (Image.effect_noise draws from C rand(), which would make samples differ run to run).
    noise = Image.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
    image = Image.blend(image, noise, 0.05).filter(ImageFilter.GaussianBlur(1.2))
    if marker:  # for orientation tests: a green square in the top-left corner of the upright picture
        ImageDraw.Draw(image).rectangle((0, 0, width // 8, height // 8), fill=(0, 200, 0))
    exif = Image.Exif()
    if exif_orientation is not None:
        # Store the pixels so that applying the orientation tag brings the picture upright again.
        undo = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
        image = image.transpose(undo[exif_orientation])
        exif[0x0112] = exif_orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def make_signature(seed: int = 0, size: tuple[int, int] = (640, 240), *, transparent: bool = True) -> bytes:
    """A pen-like scribble: PNG with a transparent background, or JPEG-like white paper when not."""
    rng = random.Random(seed)
    width, height = size
    mode, paper = ("RGBA", (0, 0, 0, 0)) if transparent else ("RGB", (255, 255, 255))
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    f1, f2, f3 = rng.uniform(1.5, 3.0), rng.uniform(4, 7), rng.uniform(0.3, 1.0)
    points = []
    for i in range(400):
        t = i / 399
        x = width * (0.08 + 0.84 * t) + 0.05 * width * math.sin(2 * math.pi * f2 * t)
        y = height * (0.5 + 0.28 * math.sin(2 * math.pi * f1 * t) * math.cos(2 * math.pi * f3 * t))
        points.append((x, y))
    ink = (20, 30, 110, 255) if transparent else (20, 30, 110)
    draw.line(points, fill=ink, width=max(3, height // 40), joint="curve")
    draw.line((width * 0.1, height * 0.82, width * 0.85, height * 0.78), fill=ink, width=max(2, height // 60))
    out = io.BytesIO()
    image.save(out, "PNG" if transparent else "JPEG", **({} if transparent else {"quality": 92}))
    return out.getvalue()


def sample_card_data(*, tanggal_terbit: date | None = None) -> CardData:
    """A made-up resident of Desa Keden, Kecamatan Kalijambe, Sragen (NIK 33.14.01, woman born 17-08-1985)."""
    return CardData(
        nik="3314015708850001",
        nama="RATNA DEWI KUSUMAWARDANI",
        tempat_lahir="SRAGEN",
        tanggal_lahir=date(1985, 8, 17),
        jenis_kelamin="PEREMPUAN",
        golongan_darah="O",
        alamat="JL. RAYA SOLO - PURWODADI KM 12",
        rt="003",
        rw="019",
        kelurahan_desa="KEDEN",
        kecamatan="KALIJAMBE",
        agama="ISLAM",
        status_perkawinan="KAWIN",
        pekerjaan="WIRASWASTA",
        kewarganegaraan="WNI",
        berlaku_hingga=None,
        tanggal_terbit=tanggal_terbit or date(2024, 5, 6),
        foto=make_photo(1985),
        tanda_tangan=make_signature(7),
    )
