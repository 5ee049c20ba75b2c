"""What a NIK says about its holder, for the registration form's message (issue 12)."""

from __future__ import annotations

from datetime import date

from ktp_service.nik import encoded
from ktp_service.vocab import JenisKelamin
from tests.factories import make_nik

TODAY = date(2026, 12, 1)


def test_the_date_and_sex_a_nik_encodes() -> None:
    found = encoded(make_nik("33.14.01", date(1995, 3, 15), female=True, serial=1))
    assert found is not None and found.sex == JenisKelamin.PEREMPUAN
    assert found.birth_date(None, TODAY) == date(1995, 3, 15)
    male = encoded(make_nik("33.14.01", date(2004, 11, 30), female=False, serial=2))
    assert male is not None and male.sex == JenisKelamin.LAKI_LAKI
    assert male.birth_date(None, TODAY) == date(2004, 11, 30)


def test_the_century_follows_the_typed_year_when_it_can() -> None:
    found = encoded(make_nik("33.14.01", date(1920, 1, 2), female=False, serial=3))
    assert found is not None
    assert found.birth_date(None, TODAY) == date(2020, 1, 2)  # the latest past year, without a hint
    assert found.birth_date(date(1920, 5, 5), TODAY) == date(1920, 1, 2)  # the typed year's century
    assert found.birth_date(date(1999, 1, 2), TODAY) == date(2020, 1, 2)  # a year that does not end in 20


def test_a_nik_that_is_not_a_date_encodes_nothing() -> None:
    assert encoded("3314013213950001") is None  # day 32
    assert encoded("33140115039500") is None  # too short
