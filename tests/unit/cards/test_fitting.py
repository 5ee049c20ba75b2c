"""Values as printed (upper case, dd-mm-yyyy, SEUMUR HIDUP) and fitting: long, accented and apostrophe
names, long addresses, empty optional fields; what cannot fit is refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from ktp_service.cards import (
    CardData,
    CardTemplate,
    CharacterNotSupported,
    FieldDoesNotFit,
    check_fit,
    render_card,
)
from ktp_service.cards.fonts import find_font
from ktp_service.cards.layout import SIZE_STEP_PT, _Measure, fit_text, layout_side, mm_to_px
from tests.unit.cards.helpers import ktp_source, template_from, with_data

NAME_45 = "MUHAMMAD ABDURRAHMAN SYAHPUTRA WIJAYAKUSUMAWA"


def _fits(template: CardTemplate, data: CardData) -> dict[str, tuple[str, float, int]]:
    layout = layout_side(template, template.front, data, 300)
    assert layout.problems == ()
    return {f.name: (f.value, f.size_pt, f.lines) for f in layout.fits}


def _lines(template: CardTemplate, data: CardData, name: str) -> tuple[str, ...]:
    layout = layout_side(template, template.front, data, 300)
    names = [f.name for f in layout.fits]
    return layout.values[names.index(name)].lines


def test_sample_values_are_printed_as_on_a_ktp(ktp: CardTemplate, sample: CardData) -> None:
    values = {name: value for name, (value, _, _) in _fits(ktp, sample).items()}
    assert values["nik"] == "3314015708850001"
    assert values["tempat_tanggal_lahir"] == "SRAGEN, 17-08-1985"
    assert values["rt_rw"] == "003/019"
    assert values["berlaku_hingga"] == "SEUMUR HIDUP"
    assert values["tempat_terbit"] == "SRAGEN"  # the template's default place of issue
    assert values["tanggal_terbit"] == "06-05-2024"
    assert values["golongan_darah"] == "O"


def test_values_are_upper_cased_and_whitespace_collapsed(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama="  siti\n nur  halimah ", kecamatan="Kalijambe", rt=3, rw="19")
    values = {name: value for name, (value, _, _) in _fits(ktp, data).items()}
    assert values["nama"] == "SITI NUR HALIMAH"
    assert values["kecamatan"] == "KALIJAMBE"
    assert values["rt_rw"] == "003/019"


def test_empty_optional_fields_take_their_defaults(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, tempat_terbit=None, berlaku_hingga=None)
    data = CardData.model_validate({k: v for k, v in data.model_dump().items() if k != "golongan_darah"})
    values = {name: value for name, (value, _, _) in _fits(ktp, data).items()}
    assert (values["tempat_terbit"], values["berlaku_hingga"], values["golongan_darah"]) == (
        "SRAGEN",
        "SEUMUR HIDUP",
        "-",
    )
    render_card(ktp, data)


def test_given_place_of_issue_and_expiry_date_are_printed(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(
        sample, tempat_terbit="Surakarta", berlaku_hingga=date(2031, 1, 9), kewarganegaraan="wna"
    )
    values = {name: value for name, (value, _, _) in _fits(ktp, data).items()}
    assert (values["tempat_terbit"], values["berlaku_hingga"], values["kewarganegaraan"]) == (
        "SURAKARTA",
        "09-01-2031",
        "WNA",
    )


def test_a_45_character_name_fits_on_two_lines_and_moves_the_rows_below(
    ktp: CardTemplate, sample: CardData
) -> None:
    assert len(NAME_45) == 45
    data = with_data(sample, nama=NAME_45)
    _, size, lines = _fits(ktp, data)["nama"]
    assert lines == 2 and size >= 5.5
    assert " ".join(_lines(ktp, data, "nama")) == NAME_45
    short = layout_side(ktp, ktp.front, sample, 300).labels
    moved = layout_side(ktp, ktp.front, data, 300).labels
    by_label = {p.lines[0]: p.baselines_px[0] for p in short}
    moved_by_label = {p.lines[0]: p.baselines_px[0] for p in moved}
    pitch = mm_to_px(2.4, 300)
    assert moved_by_label["Nama"] == by_label["Nama"]
    assert moved_by_label["Tempat/Tgl Lahir"] == pytest.approx(by_label["Tempat/Tgl Lahir"] + pitch)
    assert moved_by_label["Berlaku Hingga"] == pytest.approx(by_label["Berlaku Hingga"] + pitch)
    render_card(ktp, data)


def test_a_slightly_long_name_is_shrunk_on_one_line(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama="RADEN AJENG KUSUMANINGTYAS DEWI")
    _, size, lines = _fits(ktp, data)["nama"]
    assert lines == 1 and 5.5 <= size < 6.5


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("José Ñandú Müller-Lüdenscheidt", "JOSÉ ÑANDÚ MÜLLER-LÜDENSCHEIDT"),
        ("Élodie Françoise Çelik", "ÉLODIE FRANÇOISE ÇELIK"),
        ("Nur'aini Ma'ruf", "NUR'AINI MA'RUF"),
        ("Siti Nur’Aini", "SITI NUR’AINI"),  # typographic apostrophe
        ("R.A. Kartini-Djojoadhiningrat", "R.A. KARTINI-DJOJOADHININGRAT"),
    ],
)
def test_accented_and_apostrophe_names_render(
    ktp: CardTemplate, sample: CardData, given: str, printed: str
) -> None:
    data = with_data(sample, nama=given)
    assert _fits(ktp, data)["nama"][0] == printed
    render_card(ktp, data)  # no CharacterNotSupported: the font has every letter


def test_a_long_address_wraps_onto_two_lines(ktp: CardTemplate, sample: CardData) -> None:
    alamat = "JL. PANGERAN DIPONEGORO GANG MAWAR MERAH NO. 127 BLOK C PERUMAHAN GRIYA ASRI SRAGEN"
    data = with_data(sample, alamat=alamat)
    _, size, lines = _fits(ktp, data)["alamat"]
    assert lines == 2 and size >= 5
    assert " ".join(_lines(ktp, data, "alamat")) == alamat


def test_long_name_and_long_address_together_use_both_spare_rows(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama=NAME_45, alamat="JL. " + "MELATI " * 12)
    fits = _fits(ktp, data)
    assert fits["nama"][2] == fits["alamat"][2] == 2
    render_card(ktp, data)


def test_a_name_that_cannot_fit_is_refused_naming_the_field(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama="ABDURRAHMAN " * 9)
    (problem,) = check_fit(ktp, data)
    assert problem.field == "nama"
    assert "on 2 lines" in problem.reason
    with pytest.raises(FieldDoesNotFit) as caught:
        render_card(ktp, data)
    assert caught.value.field_name == "nama"
    assert caught.value.value == ("ABDURRAHMAN " * 9).strip()
    assert str(caught.value).startswith("nama does not fit on the card")


def test_a_single_word_wider_than_the_box_is_refused(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, kecamatan="X" * 60)
    assert [p.field for p in check_fit(ktp, data)] == ["kecamatan"]


def test_every_field_that_does_not_fit_is_listed(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama="W" * 70, pekerjaan="PEGAWAI " * 10, tempat_terbit="KABUPATEN " * 4)
    assert [p.field for p in check_fit(ktp, data)] == ["nama", "pekerjaan", "tempat_terbit"]


def test_the_spare_rows_are_shared(sample: CardData) -> None:
    """With one spare row, a wrapped Nama leaves none for Alamat, and the message says so."""
    source = ktp_source()
    source["front"]["blocks"][1]["bottom_mm"] = 16.6 + 12 * 2.4
    template = template_from(source)
    data = with_data(sample, nama=NAME_45, alamat="JL. " + "MELATI " * 12)
    (problem,) = check_fit(template, data)
    assert problem.field == "alamat"
    assert "other fields took the spare lines" in problem.reason


def test_characters_the_font_lacks_are_refused(ktp: CardTemplate, sample: CardData) -> None:
    data = with_data(sample, nama="DEWI 王 SARI")
    with pytest.raises(CharacterNotSupported) as caught:
        render_card(ktp, data)
    assert caught.value.field_name == "nama"
    assert "U+738B" in str(caught.value)


def test_shrinking_picks_the_largest_size_that_fits(ktp: CardTemplate) -> None:
    measure = _Measure(find_font(ktp.styles["value"].font), 300)
    text = "KEPERCAYAAN TERHADAP TUHAN YANG MAHA ESA"
    width = measure(text, 6.5) * 0.8
    fitted = fit_text(text, measure, 6.5, 4.0, 1, width)
    assert fitted is not None
    size, lines = fitted
    assert lines == [text]
    assert measure(text, size) <= width < measure(text, size + SIZE_STEP_PT)
