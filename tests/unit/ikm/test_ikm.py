"""The IKM arithmetic of Permenpan RB 14/2017 against a worked example done by hand, and its edge cases."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from ktp_service.ikm import compute, grade, krejcie_morgan

# Four respondents, nine elements each (U1..U9), values 1..4.
ANSWERS = [
    (4, 4, 3, 4, 3, 3, 4, 3, 3),
    (3, 3, 3, 2, 3, 4, 4, 3, 3),
    (4, 3, 2, 4, 3, 3, 4, 2, 3),
    (3, 4, 3, 4, 3, 4, 4, 3, 4),
]


def test_worked_example_by_hand() -> None:
    # By hand: element sums 14 14 11 14 12 14 16 11 13 over 4 respondents ->
    # NRR 3,5 3,5 2,75 3,5 3,0 3,5 4,0 2,75 3,25; their sum 29,75; IKM unit = 29,75 x 1/9 = 3,30555...;
    # converted x 25 = 82,6388... -> 82,64, which lies in 76,61-88,30: B, "Baik".
    ikm = compute(ANSWERS, population=10)
    assert ikm.answers == 4 and ikm.answered == (4,) * 9
    assert [float(n) for n in ikm.nrr if n is not None] == [3.5, 3.5, 2.75, 3.5, 3.0, 3.5, 4.0, 2.75, 3.25]
    assert ikm.index == Fraction(2975, 900)
    assert ikm.converted == Decimal("82.64")
    assert (ikm.letter, ikm.words(), ikm.words("en")) == ("B", "Baik", "Good")


def test_no_answers_give_no_index() -> None:
    ikm = compute([], population=12)
    assert ikm.answers == 0 and ikm.index is None and ikm.converted is None and ikm.letter is None
    assert ikm.words() is None and ikm.missing == ()
    assert ikm.sample_needed == krejcie_morgan(12) and not ikm.sample_enough


def test_an_element_skipped_by_some_is_the_mean_of_those_who_answered_it() -> None:
    rows = [list(r) for r in ANSWERS]
    rows[0][7] = None  # respondent 1 skipped U8
    ikm = compute(rows)
    # By hand: U8 = (3 + 2 + 3) / 3 = 8/3 (not 8/4); the sum of NRR becomes 27 + 8/3 = 89/3;
    # IKM unit 89/27 = 3,2962...; converted 82,407... -> 82,41 (B).
    assert ikm.answered[7] == 3 and ikm.nrr[7] == Fraction(8, 3)
    assert ikm.index == Fraction(89, 27)
    assert ikm.converted == Decimal("82.41") and ikm.letter == "B"


def test_an_element_nobody_answered_gives_no_index_and_is_named() -> None:
    rows = [(4, 4, 4, 4, None, 4, 4, 4, 4), (3, 3, 3, 3, None, 3, 3, 3, 3)]
    ikm = compute(rows)
    assert ikm.index is None and ikm.missing == ("u5",) and ikm.answers == 2


def test_all_best_and_all_worst_reach_the_ends_of_the_scale() -> None:
    assert compute([(4,) * 9]).converted == Decimal("100.00")
    assert compute([(4,) * 9]).letter == "A"
    worst = compute([(1,) * 9])
    assert (worst.converted, worst.letter, worst.words()) == (Decimal("25.00"), "D", "Tidak Baik")


@pytest.mark.parametrize(
    ("value", "letter"),
    [("100", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"), ("65.00", "C"),
     ("64.99", "D"), ("25.00", "D")],
)  # fmt: skip
def test_grade_boundaries_of_the_regulation(value: str, letter: str) -> None:
    assert grade(Decimal(value))[0] == letter


def test_values_off_the_scale_are_refused() -> None:
    with pytest.raises(ValueError, match="1..4"):
        compute([(5, 4, 4, 4, 4, 4, 4, 4, 4)])
    with pytest.raises(ValueError, match="expected 9"):
        compute([(4, 4)])


def test_krejcie_morgan_matches_the_published_table() -> None:
    # Krejcie & Morgan (1970), table 1: N -> s
    assert [krejcie_morgan(n) for n in (10, 50, 100, 500, 1000, 10000)] == [10, 44, 80, 217, 278, 370]
    assert krejcie_morgan(0) == 0
