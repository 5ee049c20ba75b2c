"""The public satisfaction index (Indeks Kepuasan Masyarakat, IKM) as Permenpan RB 14/2017 prescribes.

- Nine elements (unsur) U1..U9, each answered on a four-point scale (1 = worst .. 4 = best).
- NRR (nilai rata-rata) of an element: the sum of its answers divided by the number of respondents who
  answered it. Rule for a skipped question: a respondent who left an element blank is left out of that
  element's mean only (their other answers count).
- Equal weights: 1/9 each (the regulation writes 0,111). IKM unit = sum(NRR_i * 1/9), on 1..4.
- Converted: IKM * 25, on 25..100, rounded half up to two decimals; the quality letter and the performance
  words are read from the rounded value: A 88,31-100 Sangat Baik; B 76,61-88,30 Baik; C 65,00-76,60 Kurang
  Baik; D 25,00-64,99 Tidak Baik.
- With no answers there is no index ("belum ada jawaban"); with an element no respondent answered, the
  equal-weight sum cannot be formed either, so no index is given and the element is named.

Arithmetic is exact (fractions); only the shown values are rounded.

Sampling: the regulation points to Krejcie and Morgan's table for the sample size; its formula
s = X^2 N P (1-P) / (d^2 (N-1) + X^2 P (1-P)) with X^2 = 3,841 (95 %), P = 0,5, d = 0,05 gives the table's
values (e.g. N = 100 -> 80, N = 1000 -> 278, rounded to the nearest whole). The population here is the receipts handed out in the period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
WEIGHT = Fraction(1, len(ELEMENTS))

# (lowest converted value, letter, performance words): the regulation's table, read top down.
GRADES = (
    (Decimal("88.31"), "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang Baik", "Poor"),
    (Decimal("25.00"), "D", "Tidak Baik", "Bad"),
)


def round2(value: Fraction) -> Decimal:
    """Half up to two decimals (``76.605`` -> ``76.61``), computed from the exact fraction."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def grade(converted: Decimal) -> tuple[str, str, str]:
    for lowest, letter, words_id, words_en in GRADES:
        if converted >= lowest:
            return letter, words_id, words_en
    raise ValueError(f"converted IKM {converted} is below 25")


def krejcie_morgan(population: int) -> int:
    """Krejcie and Morgan's sample size for ``population`` (95 % confidence, 5 % margin), rounded to the
    nearest whole respondent as their table is (N = 50 -> 44,3 -> 44; N = 100 -> 79,5 -> 80)."""
    if population <= 0:
        return 0
    x2, p, d = 3.841, 0.5, 0.05
    return math.floor(0.5 + x2 * population * p * (1 - p) / (d * d * (population - 1) + x2 * p * (1 - p)))


@dataclass(frozen=True)
class Ikm:
    answers: int
    answered: tuple[int, ...]  # per element: respondents who answered it
    nrr: tuple[Fraction | None, ...]  # per element: the mean, None when nobody answered it
    index: Fraction | None  # IKM unit, 1..4
    population: int  # receipts handed out in the period
    missing: tuple[str, ...]  # elements nobody answered

    @property
    def converted(self) -> Decimal | None:
        return None if self.index is None else round2(self.index * 25)

    @property
    def letter(self) -> str | None:
        return None if self.converted is None else grade(self.converted)[0]

    def words(self, lang: str = "id") -> str | None:
        if self.converted is None:
            return None
        _, words_id, words_en = grade(self.converted)
        return words_en if lang == "en" else words_id

    @property
    def sample_needed(self) -> int:
        return krejcie_morgan(self.population)

    @property
    def sample_enough(self) -> bool:
        return self.population > 0 and self.answers >= self.sample_needed


def compute(rows: Iterable[Sequence[int | None]], population: int = 0) -> Ikm:
    """The IKM of answers ``rows`` (each nine values 1..4 or None, in element order)."""
    sums = [0] * len(ELEMENTS)
    counts = [0] * len(ELEMENTS)
    answers = 0
    for row in rows:
        if len(row) != len(ELEMENTS):
            raise ValueError(f"an answer has {len(row)} values, expected {len(ELEMENTS)}")
        answers += 1
        for i, value in enumerate(row):
            if value is None:
                continue
            if value not in (1, 2, 3, 4):
                raise ValueError(f"{ELEMENTS[i]} = {value}: the scale is 1..4")
            sums[i] += value
            counts[i] += 1
    nrr = tuple(Fraction(s, c) if c else None for s, c in zip(sums, counts, strict=True))
    missing = tuple(e for e, mean in zip(ELEMENTS, nrr, strict=True) if mean is None)
    index = None if answers == 0 or missing else sum((m * WEIGHT for m in nrr if m is not None), Fraction(0))
    return Ikm(answers, tuple(counts), nrr, index, max(population, answers), missing if answers else ())
