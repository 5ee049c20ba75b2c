"""Templates are data: loading, validation messages that name the problem, and a template id that can
never reach a file outside the templates directory."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from ktp_service.cards import (
    CardData,
    CardTemplate,
    FontMissing,
    TemplateInvalid,
    TemplateNotFound,
    check_fit,
    list_templates,
    load_template,
    render_card,
)
from tests.unit.cards.helpers import KTP, TEMPLATES_DIR, decode, ktp_source, template_from, write_template

# DOMAIN.md section 1: the front's rows, in order, with their labels.
OFFICIAL_LABELS = [
    "NIK",
    "Nama",
    "Tempat/Tgl Lahir",
    "Jenis Kelamin",
    "Gol. Darah",
    "Alamat",
    "RT/RW",
    "Kel/Desa",
    "Kecamatan",
    "Agama",
    "Status Perkawinan",
    "Pekerjaan",
    "Kewarganegaraan",
    "Berlaku Hingga",
]


def test_ktp_template_loads_with_id_version_and_file_hash(ktp: CardTemplate) -> None:
    assert (ktp.id, ktp.version) == (KTP, 1)
    assert ktp.content_hash == hashlib.sha256((TEMPLATES_DIR / f"{KTP}.yaml").read_bytes()).hexdigest()
    assert (ktp.page.width_mm, ktp.page.height_mm) == (85.60, 53.98)
    assert ktp.params == {"provinsi": "JAWA TENGAH", "kabupaten": "SRAGEN", "tempat_terbit": "SRAGEN"}
    assert KTP in list_templates(TEMPLATES_DIR)


def test_ktp_template_has_the_official_rows_in_order(ktp: CardTemplate) -> None:
    labels = [f.label for block in ktp.front.blocks for f in block.fields if f.label is not None]
    assert labels == OFFICIAL_LABELS
    indented = [f.label for block in ktp.front.blocks for f in block.fields if f.indent_mm > 0]
    assert indented == ["RT/RW", "Kel/Desa", "Kecamatan"]
    assert ktp.front.photo is not None
    assert ktp.front.photo.width_mm / ktp.front.photo.height_mm == pytest.approx(3 / 4, abs=0.005)


def test_rendered_card_records_template_id_version_and_hash(ktp: CardTemplate, sample: CardData) -> None:
    card = render_card(ktp, sample)
    assert (card.template_id, card.template_version, card.template_hash) == (KTP, 1, ktp.content_hash)


@pytest.mark.parametrize(
    "template_id",
    [
        "../templates/ktp-front-sragen",
        "..",
        "../../etc/passwd",
        "/etc/passwd",
        "ktp-front-sragen/../ktp-front-sragen",
        "ktp-front-sragen.yaml",
        "KTP-FRONT-SRAGEN",
        ".hidden",
        "-leading-dash",
        "ktp front",
        "ktp-front-sragen\x00",
        "a" * 65,
        "",
    ],
)
def test_template_ids_cannot_name_other_files(template_id: str) -> None:
    with pytest.raises(TemplateNotFound, match="template ids are lower-case"):
        load_template(template_id, TEMPLATES_DIR)


def test_symlink_out_of_the_templates_dir_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_template(outside, ktp_source())
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / f"{KTP}.yaml").symlink_to(outside / f"{KTP}.yaml")
    with pytest.raises(TemplateNotFound, match="outside the templates directory"):
        load_template(KTP, templates)


def test_unknown_template_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(TemplateNotFound, match="'ktp-front-nowhere' not found"):
        load_template("ktp-front-nowhere", TEMPLATES_DIR)


def _mutate(change: str) -> dict[str, Any]:
    source = copy.deepcopy(ktp_source())
    rows = source["front"]["blocks"][1]["fields"]
    if change == "unknown style":
        rows[0]["style"] = "bold_nama"
    elif change == "unknown value name":
        rows[0]["value"] = "{nama_lengkap}"
    elif change == "format spec":
        rows[0]["value"] = "{nama!r}"
    elif change == "missing version":
        del source["version"]
    elif change == "photo off the page":
        source["front"]["photo"]["x_mm"] = 80.0
    elif change == "label too wide":
        rows[9]["label"] = "Status Perkawinan Terakhir"
    elif change == "typo in a key":
        source["front"]["photo"]["colour"] = "#000000"
    elif change == "id differs from file name":
        source["id"] = "ktp-front-solo"
    elif change == "same_row after a wrapping field":
        rows[1]["same_row"] = True
    elif change == "bad colour":
        source["front"]["background"] = "light blue"
    return source


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown style", "front.blocks.1.nama.style: unknown style 'bold_nama'"),
        ("unknown value name", "front.blocks.1.nama.value: unknown name {nama_lengkap}"),
        ("format spec", "may not carry a format spec or conversion"),
        ("missing version", "version: Field required"),
        ("photo off the page", "front.photo reaches outside the 85.6 x 53.98 mm page"),
        ("label too wide", "label 'Status Perkawinan Terakhir' is"),
        ("typo in a key", "front.photo.colour: Extra inputs are not permitted"),
        ("id differs from file name", "the file's id is 'ktp-front-solo'; it must match the file name"),
        ("same_row after a wrapping field", "same_row fields and the field before them must be one line"),
        ("bad colour", "front.background: String should match pattern"),
    ],
)
def test_invalid_template_names_the_problem(tmp_path: Path, change: str, message: str) -> None:
    write_template(tmp_path, _mutate(change), name=KTP)
    with pytest.raises(TemplateInvalid) as caught:
        load_template(KTP, tmp_path)
    assert message in str(caught.value)


def test_unparsable_yaml_is_invalid_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / f"{KTP}.yaml").write_text("id: [unclosed\n")
    with pytest.raises(TemplateInvalid, match="not valid YAML"):
        load_template(KTP, tmp_path)


def test_a_font_that_is_not_installed_is_reported_with_its_name(tmp_path: Path) -> None:
    source = ktp_source()
    source["styles"]["nik"]["font"] = "OCRBNotInstalled"
    write_template(tmp_path, source, name=KTP)
    with pytest.raises(FontMissing, match="'OCRBNotInstalled' is not installed .*fonts-ocr-b"):
        load_template(KTP, tmp_path)


def test_json_templates_load_too(tmp_path: Path) -> None:
    import json

    source = ktp_source()
    source["id"] = "ktp-front-json"
    (tmp_path / "ktp-front-json.json").write_text(json.dumps(source))
    assert load_template("ktp-front-json", tmp_path).id == "ktp-front-json"


def test_a_back_side_is_rendered_and_checked(sample: CardData) -> None:
    source = ktp_source()
    source["id"] = "duplex-test"
    source["back"] = {
        "background": "#FFFFFF",
        "artwork": [
            {
                "kind": "text",
                "text": "KARTU TANDA PENDUDUK",
                "style": "header",
                "x_mm": 42.8,
                "baseline_mm": 10,
            }
        ],
        "blocks": [
            {
                "first_baseline_mm": 20,
                "pitch_mm": 3,
                "value_x_mm": 5,
                "value_right_mm": 40,
                "value_style": "value",
                "fields": [{"name": "nama_belakang", "value": "{nama}"}],
            }
        ],
        "barcode": {"x_mm": 45, "y_mm": 20, "width_mm": 38, "height_mm": 8},
    }
    template = template_from(source)
    back = decode(render_card(template, sample, side="back").content)
    front = decode(render_card(template, sample, side="front").content)
    assert back.size == front.size == (1011, 638)
    assert back.tobytes() != front.tobytes()
    # check_fit looks at both sides: a value too long for the back's narrow box is reported.
    long_name = sample.model_copy(update={"nama": "SRI " * 20})
    fields = {p.field for p in check_fit(template, long_name)}
    assert "nama_belakang" in fields
