"""Property tests: whatever the contract, every card's split adds up and every transaction balances, and
the month's roll-up keeps partner + regency = gross through per-period rounding and taxes."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.contracts import ContractTerms, parse_terms, price_card
from billing.ledger import card_lines, close_lines
from billing.statement import Group, rollup
from billing.vocab import Reason
from tests.unit.billing.factories import contract_data

bp = st.integers(min_value=0, max_value=10_000)
fee = st.fixed_dictionaries(
    {"amount": st.integers(min_value=0, max_value=10**9), "payer": st.sampled_from(["citizen", "regency"])}
)


@st.composite
def terms(draw: st.DrawFn) -> ContractTerms:
    fees = {r: draw(fee) for r in Reason}
    kind = draw(st.sampled_from(["percent", "fixed", "tiers"]))
    share: dict[str, Any]
    if kind == "percent":
        share = {"type": "percent", "basis_points": draw(bp)}
    elif kind == "fixed":
        citizen = [f["amount"] for f in fees.values() if f["payer"] == "citizen"]
        share = {"type": "fixed", "amount": draw(st.integers(min_value=0, max_value=min(citizen, default=0)))}
    else:
        bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=10_000), max_size=3)))
        share = {"type": "tiers", "tiers": [{"up_to": b, "basis_points": draw(bp)} for b in [*bounds, None]]}
    return parse_terms(
        contract_data(
            fees=fees,
            partner_share=share,
            rounding=draw(st.sampled_from(["per_card", "per_period"])),
            remainder=draw(st.sampled_from(["to_regency", "to_partner", "largest_remainder"])),
            pph23_basis_points=draw(st.integers(min_value=0, max_value=500)),
            ppn={"pkp": draw(st.booleans())},
        )
    )


def balanced(lines: list[tuple[str, int, int]]) -> bool:
    return sum(d for _, d, _ in lines) == sum(c for _, _, c in lines) and all(
        d >= 0 and c >= 0 for _, d, c in lines
    )


@given(terms(), st.sampled_from(Reason), st.integers(min_value=1, max_value=20_000))
def test_every_card_splits_exactly_and_its_transaction_balances(
    t: ContractTerms, reason: str, ordinal: int
) -> None:
    price = price_card(t, reason, ordinal)
    assert price.partner + price.regency == price.fee
    assert price.partner >= 0 and price.regency >= 0
    lines = card_lines(price.payer, price.fee, price.partner, price.regency)
    reversal = card_lines(price.payer, -price.fee, -price.partner, -price.regency)
    assert balanced(lines) and balanced(reversal)
    assert [(a, c, d) for a, d, c in lines] == reversal  # a reversal mirrors its card line by line


@settings(max_examples=60)
@given(terms(), st.lists(st.tuples(st.sampled_from(Reason), st.booleans()), min_size=1, max_size=60))
def test_month_rollup_keeps_shares_whole_and_balanced(
    t: ContractTerms, cards: list[tuple[str, bool]]
) -> None:
    groups: dict[tuple[Any, ...], list[int]] = {}
    for ordinal, (reason, reversed_) in enumerate(cards, start=1):
        p = price_card(t, reason, ordinal)
        for sign in (1, -1) if reversed_ else (1,):
            key = ("33.14.01", reason, 1, p.payer, p.rate_bp, False, True)
            sums = groups.setdefault(key, [0, 0, 0, 0, 0])
            for i, v in enumerate((1, sign, sign * p.fee, sign * p.partner, sign * p.regency)):
                sums[i] += v
    figures = rollup([Group(*k, *v) for k, v in groups.items()], {1: t})
    assert figures["partner_share"] + figures["regency_share"] == figures["gross_amount"]
    assert (
        figures["net_payable_to_partner"]
        == figures["partner_share"] + figures["ppn"] - figures["pph23_withheld"]
    )
    closing = close_lines(figures["period_rounding_adjustment"], figures["ppn"], figures["pph23_withheld"])
    assert balanced(closing)
    if t.rounding == "per_card":
        assert figures["period_rounding_adjustment"] == 0
