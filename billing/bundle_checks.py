"""The per-transaction checks of the offline bundle verifier (:func:`billing.bundle.verify_bundle`): each
card re-priced from the contract terms the signed statement carries, each reversal checked against what it
undoes, each transaction's dates against its event time. Every check adds what it finds to a
:class:`Problems` list rather than stopping at the first.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from billing.canonical import parse_utc_text
from billing.contracts import ContractTerms, Pricing, TieredShare, price_at_rate, price_card
from billing.ledger import card_lines
from billing.vocab import Reason, TransactionKind


class Problems(list[str]):
    """The problems found so far, each a sentence; at most :attr:`LIMIT`, then one line saying more exist."""

    LIMIT = 200

    def add(self, message: str) -> None:
        if len(self) < self.LIMIT:
            self.append(message)
        elif len(self) == self.LIMIT:
            self.append("... more problems not listed")


class Prices:
    """:func:`price_card` for one bundle's contracts, remembered: a card's price depends on its ordinal only
    through its tier, so a month of cards has a handful of distinct prices."""

    def __init__(self, terms: dict[int, ContractTerms], pricing: dict[int, str]) -> None:
        self.terms = terms
        self.known: dict[tuple[int, str, int | None], Pricing] = {}
        self.pricing = pricing  # version id -> pricing_sha256 of its terms in the statement

    def __call__(self, version_id: int, reason: Reason, ordinal: int) -> Pricing:
        """The price of the ``ordinal``-th card of the month for ``reason`` under version ``version_id``."""
        terms = self.terms[version_id]
        share = terms.partner_share
        key = (version_id, reason, share.tier_index(ordinal) if isinstance(share, TieredShare) else None)
        price = self.known.get(key)
        if price is None:
            price = self.known[key] = price_card(terms, reason, ordinal)
        return price


def check_card(
    tx: dict[str, Any],
    lines: list[tuple[Any, ...]],
    prices: Prices,
    originals: dict[int, tuple[int, int, int]],
    problems: Problems,
) -> None:
    """A card or reversal ``tx`` of the month (``lines``: its entries): its entries say what its amounts
    say, it was priced by the terms its contract version has in the statement, on a day the version was in
    force, as that version prices it (a reversal: undoing such a price, and mirroring its original when that
    is in ``originals``); an unbilled card is a fault reprint its contract does not bill."""
    seq = tx["seq"]
    if lines != card_lines(tx["payer"], tx["fee"], tx["partner"], tx["regency"]):
        problems.add(f"transaction {seq}: its entries do not say what its amounts say")
    version = prices.terms.get(tx["contract_version_id"])
    if version is None:
        return
    if tx["pricing_sha256"] != prices.pricing.get(tx["contract_version_id"]):
        problems.add(
            f"transaction {seq}: priced by other terms than contract version {tx['contract_version_id']} "
            "has in the statement (pricing_sha256 differs)"
        )
    in_force = version.effective_from.isoformat() <= tx["event_date"] and (
        version.effective_to is None or tx["event_date"] <= version.effective_to.isoformat()
    )
    if not in_force:
        problems.add(
            f"transaction {seq}: contract version {tx['contract_version_id']} was not in force on "
            f"{tx['event_date']}, the day the card was completed"
        )
    if tx["kind"] == TransactionKind.REVERSAL:
        original = originals.get(tx["corrects_seq"])
        if original is not None and original != (-tx["fee"], -tx["partner"], -tx["regency"]):
            problems.add(f"reversal {seq} does not mirror transaction {tx['corrects_seq']}")
        # The original may be in an earlier month, outside the bundle: the reversal must still undo exactly
        # what its contract version prices a card at, for the reason and rate it carries.
        price = price_at_rate(version, tx["reason"], tx["rate_bp"], -tx["partner"])
        got = (-tx["fee"], tx["payer"], -tx["partner"], -tx["regency"], tx["rate_bp"], -tx["cards"])
        if price is None or got != (*price, 1):
            priced = "nothing" if price is None else str(tuple(price))
            problems.add(
                f"reversal {seq} undoes fee/payer/partner/regency/rate {got[:5]}, but contract version "
                f"{tx['contract_version_id']} prices a {tx['reason']} card at {priced}"
            )
        return
    if not tx["billed"]:
        if (
            not tx["fault_reprint"]
            or version.bill_fault_reprints
            or (tx["fee"], tx["cards"], tx["partner"]) != (0, 0, 0)
        ):
            problems.add(f"transaction {seq}: card left unbilled though its contract bills it")
        return
    price = prices(tx["contract_version_id"], tx["reason"], tx["period_ordinal"])
    got = (tx["fee"], tx["payer"], tx["partner"], tx["regency"], tx["rate_bp"], tx["cards"])
    want = (price.fee, price.payer, price.partner, price.regency, price.rate_bp, 1)
    if got != want:
        problems.add(
            f"transaction {seq} (card {tx['card_serial']}): priced fee/payer/partner/regency/rate {got[:5]}, "
            f"contract version {tx['contract_version_id']} gives {want[:5]}"
        )


def check_dates(tx: dict[str, Any], zone: ZoneInfo, problems: Problems) -> None:
    """A transaction's event month and day are those of its event time in the statement's zone, and it is
    marked prior-period exactly when it was posted to a month after that (a reversal: only if later)."""
    seq = tx["seq"]
    try:
        local = parse_utc_text(tx["event_at"]).astimezone(zone)
    except (TypeError, ValueError):
        problems.add(f"transaction {seq}: event_at {tx['event_at']!r} is not a UTC time")
        return
    if (tx["event_date"], tx["event_period"]) != (
        local.date().isoformat(),
        f"{local.year:04d}-{local.month:02d}",
    ):
        problems.add(
            f"transaction {seq}: event_date {tx['event_date']} / event_period {tx['event_period']} are not "
            f"those of its event time {tx['event_at']} in {zone.key}"
        )
    if tx["event_period"] > tx["period"]:
        problems.add(
            f"transaction {seq}: posted to {tx['period']}, before its event month {tx['event_period']}"
        )
    later = tx["period"] > tx["event_period"]
    if (tx["kind"] == TransactionKind.CARD and bool(tx["prior_period"]) != later) or (
        tx["prior_period"] and not later
    ):
        problems.add(
            f"transaction {seq}: prior_period is {bool(tx['prior_period'])} though it is posted to "
            f"{tx['period']} for an event of {tx['event_period']}"
        )
