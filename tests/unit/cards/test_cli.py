"""``ktp render`` through typer's CliRunner on a local app, the way ktp_service.cli registers it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from pypdf import PdfReader
from pyzbar import pyzbar
from typer.testing import CliRunner

from ktp_service.cards.sample import make_photo, make_signature
from ktp_service.cli.render import read_card_json, render
from tests.unit.cards.helpers import decode, pdf_text, rasterise

app = typer.Typer()
app.command("render")(render)


@app.command("version")  # a second command, so "render" is a sub-command as in the real CLI
def _version() -> None:
    typer.echo("test")


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["render", *args])


RESIDENT = {
    "nik": "3314014101900003",
    "nama": "Dewi Sartika",
    "tempat_lahir": "Sragen",
    "tanggal_lahir": "1990-01-01",
    "jenis_kelamin": "PEREMPUAN",
    "golongan_darah": "A",
    "alamat": "Dukuh Krajan",
    "rt": "001",
    "rw": "002",
    "kode_kecamatan": "33.14.01",
    "kode_desa": "33.14.01.2001",
    "agama": "ISLAM",
    "status_perkawinan": "BELUM KAWIN",
    "pekerjaan": "PELAJAR/MAHASISWA",
    "kewarganegaraan": "WNI",
    "berlaku_hingga": None,
    "foto": "img/foto.jpg",
    "tanda_tangan": "img/ttd.png",
}


@pytest.fixture
def resident_json(tmp_path: Path) -> Path:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "foto.jpg").write_bytes(make_photo(2))
    (tmp_path / "img" / "ttd.png").write_bytes(make_signature(2))
    path = tmp_path / "resident.json"
    path.write_text(json.dumps(RESIDENT))
    return path


def test_sample_png(tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    result = run("--sample", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert decode(out.read_bytes()).size == (1011, 638)
    assert "1011x638 px at 300 dpi" in result.output


def test_json_to_pdf_at_600_dpi(tmp_path: Path, resident_json: Path) -> None:
    out = tmp_path / "card.pdf"
    result = run("--data", str(resident_json), "--out", str(out), "--dpi", "600")
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    image = rasterise(out.read_bytes(), 600, (2022, 1276))
    assert [s.data.decode() for s in pyzbar.decode(image)] == [RESIDENT["nik"]]
    assert RESIDENT["nik"] in pdf_text(out.read_bytes())


def test_json_region_codes_become_names_and_issue_date_defaults(resident_json: Path) -> None:
    import datetime

    data = read_card_json(resident_json, datetime.date(2025, 3, 4))
    assert (data.kecamatan, data.kelurahan_desa) == ("Kalijambe", "Keden")
    assert data.tanggal_terbit == datetime.date(2025, 3, 4)
    assert data.foto == make_photo(2)


def test_a_name_that_does_not_fit_is_reported(tmp_path: Path, resident_json: Path) -> None:
    resident_json.write_text(json.dumps(RESIDENT | {"nama": "SRI " + "W" * 70}))
    result = run("--data", str(resident_json), "--out", str(tmp_path / "x.png"))
    assert result.exit_code == 1
    assert "nama does not fit on the card" in result.output
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"foto": None}, 1, "foto is missing"),
        ({"foto": "img/nope.jpg"}, 2, "foto: cannot read"),
        ({"kode_kecamatan": "99.99.99", "kecamatan": None}, 2, "is not a known region code"),
        ({"nik": "123"}, 2, "nik: String should match pattern"),
    ],
)
def test_bad_json_input_is_named(
    tmp_path: Path, resident_json: Path, change: dict[str, Any], code: int, message: str
) -> None:
    resident_json.write_text(json.dumps(RESIDENT | change))
    result = run("--data", str(resident_json), "--out", str(tmp_path / "x.png"))
    assert result.exit_code == code
    assert message in " ".join(result.output.split()), result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--out", "x.png"], 2, "give either --data FILE.json or --sample"),
        (["--sample", "--out", "x.jpg"], 2, "must end in .png or .pdf"),
        (["--sample", "--out", "x.png", "--dpi", "450"], 2, "300 or 600"),
        (
            ["--sample", "--out", "x.png", "--template", "ktp-front-nowhere"],
            1,
            "'ktp-front-nowhere' not found",
        ),
        (["--sample", "--out", "x.png", "--template", "../etc/passwd"], 1, "template ids are lower-case"),
    ],
)
def test_bad_arguments_are_explained(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    result = run(*args)
    assert result.exit_code == code
    assert message in " ".join(result.output.split()), result.output
