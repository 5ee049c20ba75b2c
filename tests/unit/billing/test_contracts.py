"""Contract terms: what is accepted, what is refused with which message, and how one card is priced."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from billing.contracts import (
    ContractTerms,
    TieredShare,
    check_overlap,
    parse_terms,
    period_adjustment,
    price_card,
    taxes_on,
)
from billing.errors import ContractOverlap, InvalidInput
from billing.models import ContractVersion
from tests.unit.billing.factories import contract_data, contract_terms

TIERS = {
    "type": "tiers",
    "tiers": [{"up_to": 5000, "basis_points": 4000}, {"up_to": None, "basis_points": 3000}],
}


def test_the_issue_example_is_accepted_in_all_three_share_forms() -> None:
    assert contract_terms().partner_share.type == "percent"
    assert contract_terms(partner_share={"type": "fixed", "amount": 3000}).partner_share.type == "fixed"
    tiered = contract_terms(partner_share=TIERS).partner_share
    assert isinstance(tiered, TieredShare)
    assert [tiered.basis_points_for(n) for n in (1, 5000, 5001, 10**6)] == [4000, 4000, 3000, 3000]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"partner_share": {"type": "percent", "basis_points": 10001}}, "above 100 %"),
        ({"partner_share": {"type": "fixed", "amount": 10002}}, "above the citizen fee for baru it splits"),
        (
            {"fees": {"baru": {"amount": -1, "payer": "citizen"}}},
            "fees.baru.amount: Input should be greater than or equal to 0",
        ),
        (
            {"fees": {"baru": {"amount": 1, "payer": "citizen"}}},
            "missing: hilang, rusak, perubahan_data, perpanjangan",
        ),
        ({"fees": {"baru": {"amount": "10001", "payer": "citizen"}}}, "valid integer"),
        (
            {"partner_share": {"type": "tiers", "tiers": [{"up_to": 5000, "basis_points": 4000}]}},
            "last tier must have up_to null",
        ),
        (
            {
                "partner_share": {
                    "type": "tiers",
                    "tiers": [
                        {"up_to": 5000, "basis_points": 1},
                        {"up_to": 100, "basis_points": 1},
                        {"up_to": None, "basis_points": 1},
                    ],
                }
            },
            "increasing order",
        ),
        (
            {
                "partner_share": {
                    "type": "tiers",
                    "tiers": [{"up_to": None, "basis_points": 1}, {"up_to": None, "basis_points": 1}],
                }
            },
            "only the last tier",
        ),
        (
            {"partner_share": {"type": "tiers", "tiers": [{"up_to": None, "basis_points": 12000}]}},
            "above 100 %",
        ),
        ({"rounding": "per_month"}, "rounding"),
        ({"remainder": "to_whoever"}, "remainder"),
        ({"effective_to": "2026-10-01"}, "before effective_from"),
        ({"pph23_basis_points": 20000}, "pph23_basis_points"),
        ({"fee": 1}, "fee: Extra inputs are not permitted"),
        ({"partner_share": {"type": "share", "basis_points": 1}}, "partner_share"),
    ],
)
def test_bad_terms_are_refused_with_a_message_naming_the_problem(
    overrides: dict[str, Any], message: str
) -> None:
    data = contract_data(**overrides)
    with pytest.raises(InvalidInput, match="invalid contract") as caught:
        parse_terms(data)
    assert message in str(caught.value)


def test_zero_fee_and_regency_paid_fees_are_valid() -> None:
    fees = {r: {"amount": 0, "payer": "citizen"} for r in contract_data()["fees"]}
    fees["baru"] = {"amount": 25000, "payer": "regency"}
    terms = contract_terms(fees=fees, partner_share={"type": "fixed", "amount": 0})
    assert price_card(terms, "hilang", 1) == (0, "citizen", 0, 0, None)
    # The regency pays the partner its whole service fee; partner_share does not apply to it.
    assert price_card(terms, "baru", 1) == (25000, "regency", 25000, 0, None)


def test_pricing_per_share_form() -> None:
    assert price_card(contract_terms(), "baru", 1) == (10001, "citizen", 3500, 6501, 3500)
    assert price_card(contract_terms(remainder="to_partner"), "baru", 1) == (
        10001,
        "citizen",
        3501,
        6500,
        3500,
    )
    fixed = contract_terms(partner_share={"type": "fixed", "amount": 3000})
    assert price_card(fixed, "rusak", 7) == (10001, "citizen", 3000, 7001, None)
    tiered = contract_terms(partner_share=TIERS)
    assert price_card(tiered, "baru", 5000) == (10001, "citizen", 4000, 6001, 4000)
    assert price_card(tiered, "baru", 5001) == (10001, "citizen", 3000, 7001, 3000)


def test_period_adjustment_only_under_per_period_rounding() -> None:
    per_card, per_period = contract_terms(), contract_terms(rounding="per_period")
    assert period_adjustment(per_card, 3500, 10001 * 1000, 3500 * 1000) == 0
    assert period_adjustment(per_period, 3500, 10001 * 1000, 3500 * 1000) == 350
    assert (
        period_adjustment(per_period, None, 10001 * 1000, 3000 * 1000) == 0
    )  # fixed share: nothing to round


def test_taxes_per_contract() -> None:
    assert taxes_on(contract_terms(), 3_500_350) == (70_007, 0, 0)
    pkp = contract_terms(ppn={"pkp": True})
    assert taxes_on(pkp, 3_500_350) == (70_007, 385_038, 0)  # 11 % of 3.500.350 = 385.038,5 truncated
    assert taxes_on(pkp, 3_500_350).net_payable(3_500_350) == 3_500_350 + 385_038 - 70_007
    treasurer = contract_terms(ppn={"pkp": True, "collector": "bendahara"})
    assert taxes_on(treasurer, 3_500_350) == (70_007, 385_038, 385_038)
    assert taxes_on(treasurer, 3_500_350).net_payable(3_500_350) == 3_500_350 - 70_007


def _version(vid: int, start: str, end: str | None) -> ContractVersion:
    return ContractVersion(
        id=vid,
        number=f"{vid:03d}/PKS",
        partner_name="P",
        effective_from=date.fromisoformat(start),
        effective_to=date.fromisoformat(end) if end else None,
        terms_json="{}",
        terms_sha256="",
        created_at="",
    )


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        ("2026-11-01", None, True),  # open-ended over open-ended
        ("2027-01-31", "2027-02-01", True),  # touches the last day of version 1
        ("2027-02-01", None, False),  # starts the day after version 1 ends
        ("2026-01-01", "2026-10-31", False),  # ends the day before
        ("2026-01-01", "2026-11-01", True),  # ends on its first day
    ],
)
def test_overlapping_versions_are_refused(start: str, end: str | None, overlaps: bool) -> None:
    existing = [_version(1, "2026-11-01", "2027-01-31")]
    terms: ContractTerms = contract_terms(effective_from=start, effective_to=end)
    if overlaps:
        with pytest.raises(
            ContractOverlap, match="overlaps version 1 \\(001/PKS, 2026-11-01 to 2027-01-31\\)"
        ):
            check_overlap(terms, existing)
    else:
        check_overlap(terms, existing)
