"""Contract terms of issue 11: rupiah tiers, a share above the fee refused with its code, the PPN collector,
and versions stored before these settings still reading (and hashing) as they did."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.canonical import canonical_json
from billing.contracts import (
    TieredShare,
    parse_terms,
    price_at_rate,
    price_card,
    pricing_sha256,
    terms_of,
)
from billing.errors import ShareAboveFee
from billing.models import ContractVersion
from billing.vocab import PpnCollector, Reason, RemainderRule
from tests.unit.billing.factories import contract_data

RUPIAH_TIERS = {
    "type": "tiers",
    "tiers": [{"up_to": 3, "amount_per_card": 3000}, {"up_to": None, "amount_per_card": 2500}],
}


def test_rupiah_tiers_price_by_the_cards_position() -> None:
    terms = parse_terms(contract_data(partner_share=RUPIAH_TIERS))
    assert isinstance(terms.partner_share, TieredShare) and terms.partner_share.in_rupiah
    prices = [price_card(terms, Reason.BARU, n) for n in (1, 3, 4, 1000)]
    assert [(p.partner, p.regency, p.rate_bp) for p in prices] == [
        (3000, 7001, None),
        (3000, 7001, None),
        (2500, 7501, None),
        (2500, 7501, None),
    ]
    # A reversal read without its original (the offline verifier) must undo one of the tiers' amounts.
    assert price_at_rate(terms, "baru", None, 2500) == prices[2]
    assert price_at_rate(terms, "baru", None, 2700) is None
    assert price_at_rate(terms, "baru", 3000, 3000) is None


def test_a_rupiah_tier_is_stored_without_the_other_kind() -> None:
    dumped = parse_terms(contract_data(partner_share=RUPIAH_TIERS)).model_dump(mode="json")
    assert dumped["partner_share"]["tiers"][0] == {"up_to": 3, "amount_per_card": 3000}


@pytest.mark.parametrize(
    ("share", "fees", "code", "params"),
    [
        (
            RUPIAH_TIERS,
            {"rusak": {"amount": 2000, "payer": "citizen"}},
            "share_above_fee",
            {"share": "Rp 3.000", "fee": "Rp 2.000", "reason": "rusak"},
        ),
        (
            {"type": "fixed", "amount": 10_002},
            {},
            "share_above_fee",
            {"share": "Rp 10.002", "fee": "Rp 10.001", "reason": "baru"},
        ),
        ({"type": "percent", "basis_points": 10_050}, {}, "share_above_full", {"share": "100,50 %"}),
        (
            {"type": "tiers", "tiers": [{"up_to": 2, "basis_points": 100}, {"basis_points": 12_000}]},
            {},
            "share_above_full",
            {"share": "120 %"},
        ),
    ],
)
def test_a_share_above_the_fee_it_splits_is_refused_with_its_code(
    share: dict[str, Any], fees: dict[str, Any], code: str, params: dict[str, str]
) -> None:
    data = contract_data(partner_share=share)
    data["fees"] = {**data["fees"], **fees}
    with pytest.raises(ShareAboveFee) as caught:
        parse_terms(data)
    assert (caught.value.code, caught.value.status_code, caught.value.params) == (code, 422, params)
    for word in params.values():
        assert word in caught.value.message


def test_a_rupiah_share_may_exceed_a_fee_the_regency_pays() -> None:
    data = contract_data(partner_share=RUPIAH_TIERS)
    data["fees"]["perpanjangan"] = {"amount": 0, "payer": "regency"}  # the partner gets all of it anyway
    assert parse_terms(data).fees[Reason.PERPANJANGAN].amount == 0


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([{"up_to": 3, "basis_points": 100, "amount_per_card": 1}, {"basis_points": 1}], "exactly one"),
        ([{"up_to": 3}, {"basis_points": 1}], "exactly one"),
        ([{"up_to": 3, "basis_points": 100}, {"amount_per_card": 1}], "not a mix"),
    ],
)
def test_a_tier_states_one_kind_and_all_tiers_the_same(tiers: list[Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        parse_terms(contract_data(partner_share={"type": "tiers", "tiers": tiers}))


def test_terms_stored_before_the_collector_existed_read_as_the_partner_collecting() -> None:
    old = contract_data(
        partner_share={
            "type": "tiers",
            "tiers": [{"up_to": 3, "basis_points": 4000}, {"basis_points": 3000}],
        },
        ppn={"pkp": True, "rate_basis_points": 1200, "base_numerator": 11, "base_denominator": 12},
    )
    old["partner_share"]["tiers"][1]["up_to"] = None
    text = canonical_json(old)
    version = ContractVersion(
        id=1, number="x", partner_name="x", effective_from="2026-11-01", terms_json=text
    )
    terms = terms_of(version)
    assert terms.ppn.collector == PpnCollector.PARTNER
    # Re-dumped through today's model the terms would gain the collector (and another pricing hash), which
    # is why snapshots and ending a version keep the stored text (tests/integration/billing).
    redumped = canonical_json(terms.model_dump(mode="json"))
    assert "collector" in redumped
    assert pricing_sha256(redumped) != pricing_sha256(text)


def test_the_collector_is_one_of_two_words() -> None:
    assert (
        parse_terms(contract_data(ppn={"pkp": True, "collector": "bendahara"})).ppn.collector == "bendahara"
    )
    with pytest.raises(Exception, match="ppn.collector"):
        parse_terms(contract_data(ppn={"pkp": True, "collector": "dinas"}))


@st.composite
def _terms_and_card(draw: st.DrawFn) -> tuple[dict[str, Any], Reason, int]:
    fee = draw(st.integers(0, 10**9))
    bounds = sorted(draw(st.sets(st.integers(1, 10_000), max_size=4)))
    if draw(st.booleans()):
        tiers = [{"up_to": b, "amount_per_card": draw(st.integers(0, fee))} for b in [*bounds, None]]
    else:
        tiers = [{"up_to": b, "basis_points": draw(st.integers(0, 10_000))} for b in [*bounds, None]]
    data = contract_data(
        fees={r: {"amount": fee, "payer": "citizen"} for r in Reason},
        partner_share={"type": "tiers", "tiers": tiers},
        remainder=draw(st.sampled_from(list(RemainderRule))),
    )
    return data, draw(st.sampled_from(list(Reason))), draw(st.integers(1, 20_000))


@given(_terms_and_card())
def test_tier_shares_always_sum_to_the_fee(case: tuple[dict[str, Any], Reason, int]) -> None:
    data, reason, ordinal = case
    price = price_card(parse_terms(data), reason, ordinal)
    assert price.partner + price.regency == price.fee == data["fees"][reason]["amount"]
    assert 0 <= price.partner <= price.fee
