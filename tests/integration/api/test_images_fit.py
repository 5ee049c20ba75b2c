"""``ktp images fit`` makes the fitted copies images uploaded before fit-at-upload lack: the same bytes an
upload makes, idempotent (a second run makes none), resumable (a run that finds some copies made keeps them
and makes the rest), counted, and never reads or writes outside the data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.cli import app
from ktp_service.settings import Settings
from tests.factories import resident_payload

CLERK = "kalijambe.clerk"


def _fitted(settings: Settings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in Path(settings.images_dir).rglob("*.fit*.png")}


def _run(settings: Settings) -> str:
    r = CliRunner().invoke(app, ["images", "fit"], obj=settings)
    assert r.exit_code == 0, r.output
    return r.output.strip().splitlines()[-1]


def test_images_fit_makes_the_copies_old_uploads_lack(
    client: TestClient, as_user: Any, settings: Settings, engine: Engine
) -> None:
    headers = as_user(CLERK)
    niks = []
    for k in range(2):
        r = client.post("/api/v1/residents", json=resident_payload(), headers=headers)
        assert r.status_code == 201, r.text
        nik = r.json()["nik"]
        niks.append(nik)
        for kind, raw in (("photo", make_photo(k + 3, (900, 1200))), ("signature", make_signature(k + 4))):
            r = client.put(
                f"/api/v1/residents/{nik}/{kind}", files={"file": ("f", raw, "image/png")}, headers=headers
            )
            assert r.status_code == 200, r.text
    made_at_upload = _fitted(settings)
    assert len(made_at_upload) >= 4

    # As before fit-at-upload: no copies at all. Then a run stopped halfway: one copy made already.
    for path in Path(settings.images_dir).rglob("*.fit*.png"):
        path.unlink()
    first = next(iter(sorted(made_at_upload)))
    kept = next(Path(settings.images_dir).rglob(first.split(".")[0] + ".*"))
    (kept.parent / first).write_bytes(made_at_upload[first])

    n = len(made_at_upload)
    assert _run(settings) == (
        f"images 4: fitted copies made {n - 1}, already there 1, not fittable 0, originals missing 0, refused 0"
    )
    assert _fitted(settings) == made_at_upload  # byte for byte what the uploads made
    assert _run(settings) == (
        f"images 4: fitted copies made 0, already there {n}, not fittable 0, originals missing 0, refused 0"
    )

    # A name from the database that is not a stored image's is refused (nothing outside the data
    # directory is read or written), and a lost original is counted.
    outside = Path(settings.data_dir).parent / "outside"
    outside.mkdir(exist_ok=True)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE resident SET photo_sha256 = :s, photo_format = 'png' WHERE nik = :n"),
            {"s": "../../outside/" + "a" * 50, "n": niks[0]},
        )
        conn.execute(
            text("UPDATE resident SET photo_sha256 = :s, photo_format = 'png' WHERE nik = :n"),
            {"s": "b" * 64, "n": niks[1]},
        )
    assert _run(settings) == (
        f"images 4: fitted copies made 0, already there {n // 2}, not fittable 0, originals missing 1, refused 1"
    )
    assert list(outside.iterdir()) == []
