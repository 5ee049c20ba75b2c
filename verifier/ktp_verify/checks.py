"""The per-transaction checks of the bundle verifier (:func:`ktp_verify.bundle.verify_bundle`): each card
re-priced from the contract terms the signed statement carries, each reversal checked against what it
undoes, each transaction's dates against its event time. Every check adds what it finds to a
:class:`Problems` list rather than stopping at the first.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from ktp_verify.book import card_lines
from ktp_verify.canonical import parse_utc_text
from ktp_verify.messages import Problem
from ktp_verify.pricing import Pricing, Terms, price_at_rate, price_card, tier_index
from ktp_verify.vocab import ShareKind, TransactionKind


class Problems(list[str]):
    """The problems found so far; at most :attr:`LIMIT`, then one saying more exist."""

    LIMIT = 200

    def add(self, code: str, **params: Any) -> None:
        if len(self) < self.LIMIT:
            self.append(Problem(code, **params))
        elif len(self) == self.LIMIT:
            self.append(Problem("more"))

    def extend_problems(self, problems: list[str]) -> None:
        for p in problems:
            if len(self) < self.LIMIT:
                self.append(p)


class Prices:
    """:func:`price_card` for one bundle's contracts, remembered: a card's price depends on its ordinal only
    through its tier, so a month of cards has a handful of distinct prices."""

    def __init__(self, terms: dict[int, Terms], pricing: dict[int, str]) -> None:
        self.terms = terms
        self.known: dict[tuple[int, str, int | None], Pricing] = {}
        self.pricing = pricing  # version id -> pricing_sha256 of its terms in the statement

    def __call__(self, version_id: int, reason: str, ordinal: int) -> Pricing:
        """The price of the ``ordinal``-th card of the month for ``reason`` under version ``version_id``."""
        terms = self.terms[version_id]
        share = terms.partner_share
        tier = tier_index(share.tiers, ordinal) if share.type == ShareKind.TIERS else None
        key = (version_id, reason, tier)
        price = self.known.get(key)
        if price is None:
            price = self.known[key] = price_card(terms, reason, ordinal)
        return price


def _shown(values: tuple[Any, ...]) -> str:
    return "(" + ", ".join(repr(v) for v in values) + ")"


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
    seq, vid = tx["seq"], tx["contract_version_id"]
    if lines != card_lines(tx["payer"], tx["fee"], tx["partner"], tx["regency"]):
        problems.add("entries_vs_amounts", seq=seq)
    version = prices.terms.get(vid)
    if version is None:
        return
    if tx["pricing_sha256"] != prices.pricing.get(vid):
        problems.add("pricing_sha", seq=seq, version=vid)
    in_force = version.effective_from <= tx["event_date"] and (
        version.effective_to is None or tx["event_date"] <= version.effective_to
    )
    if not in_force:
        problems.add("not_in_force", seq=seq, version=vid, day=tx["event_date"])
    if tx["kind"] == TransactionKind.REVERSAL:
        original = originals.get(tx["corrects_seq"])
        if original is not None and original != (-tx["fee"], -tx["partner"], -tx["regency"]):
            problems.add("reversal_mirror", seq=seq, target=tx["corrects_seq"])
        # The original may be in an earlier month, outside the bundle: the reversal must still undo exactly
        # what its contract version prices a card at, for the reason and rate (or rupiah tier) it carries.
        price = price_at_rate(version, tx["reason"], tx["rate_bp"], -tx["partner"])
        got = (-tx["fee"], tx["payer"], -tx["partner"], -tx["regency"], tx["rate_bp"], -tx["cards"])
        if price is None or got != (*price, 1):
            priced = "-" if price is None else _shown(tuple(price))
            problems.add(
                "reversal_price",
                seq=seq,
                got=_shown(got[:5]),
                version=vid,
                reason=tx["reason"],
                priced=priced,
            )
        return
    if not tx["billed"]:
        if (
            not tx["fault_reprint"]
            or version.bill_fault_reprints
            or (tx["fee"], tx["cards"], tx["partner"]) != (0, 0, 0)
        ):
            problems.add("unbilled", seq=seq)
        return
    try:
        price = prices(vid, tx["reason"], tx["period_ordinal"])
    except (KeyError, TypeError, ValueError):
        problems.add("card_price", seq=seq, serial=tx["card_serial"], got="-", version=vid, want="-")
        return
    got = (tx["fee"], tx["payer"], tx["partner"], tx["regency"], tx["rate_bp"], tx["cards"])
    want = (price.fee, price.payer, price.partner, price.regency, price.rate_bp, 1)
    if got != want:
        problems.add(
            "card_price",
            seq=seq,
            serial=tx["card_serial"],
            got=_shown(got[:5]),
            version=vid,
            want=_shown(want[:5]),
        )


def check_dates(tx: dict[str, Any], zone: tzinfo, zone_name: str, problems: Problems) -> None:
    """A transaction's event month and day are those of its event time in the statement's zone, and it is
    marked prior-period exactly when it was posted to a month after that (a reversal: only if later).
    ``zone_name`` is the statement's name for ``zone``."""
    seq = tx["seq"]
    try:
        local = parse_utc_text(tx["event_at"]).astimezone(zone)
    except (TypeError, ValueError):
        problems.add("event_at", seq=seq, value=repr(tx["event_at"]))
        return
    if (tx["event_date"], tx["event_period"]) != (
        local.date().isoformat(),
        f"{local.year:04d}-{local.month:02d}",
    ):
        problems.add(
            "event_dates",
            seq=seq,
            day=tx["event_date"],
            month=tx["event_period"],
            at=tx["event_at"],
            zone=zone_name,
        )
    if tx["event_period"] > tx["period"]:
        problems.add("posted_before_event", seq=seq, period=tx["period"], month=tx["event_period"])
    later = tx["period"] > tx["event_period"]
    if (tx["kind"] == TransactionKind.CARD and bool(tx["prior_period"]) != later) or (
        tx["prior_period"] and not later
    ):
        problems.add(
            "prior_period",
            seq=seq,
            flag=bool(tx["prior_period"]),
            period=tx["period"],
            month=tx["event_period"],
        )
