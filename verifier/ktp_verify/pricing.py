"""Pricing one card from a contract version's terms, as the service posts it and the verifier re-prices it.

The terms are read from their JSON (the form a signed statement carries them in) into plain frozen
dataclasses (:func:`read_terms`); the service validates them on entry with its own models
(:mod:`billing.contracts`) and prices with the functions here, so a card is priced by one implementation
wherever it is priced. What the terms mean is documented in :mod:`billing.contracts`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from ktp_verify.allocation import split_fixed, split_percent, split_percent_signed, tax_truncated
from ktp_verify.canonical import canonical_bytes, sha256_hex
from ktp_verify.vocab import Payer, RemainderRule, Rounding, ShareKind


class TierLike(Protocol):
    @property
    def up_to(self) -> int | None: ...
    @property
    def basis_points(self) -> int: ...


@dataclass(frozen=True)
class Fee:
    amount: int
    payer: str


@dataclass(frozen=True)
class Tier:
    up_to: int | None
    basis_points: int


@dataclass(frozen=True)
class Share:
    """The partner's share: ``type`` percent (``basis_points``), fixed (``amount``) or tiers (``tiers``)."""

    type: str
    basis_points: int = 0
    amount: int = 0
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Ppn:
    pkp: bool = False
    rate_basis_points: int = 1200
    base_numerator: int = 11
    base_denominator: int = 12


@dataclass(frozen=True)
class Terms:
    number: str
    effective_from: str  # ISO date, as in the terms' JSON
    effective_to: str | None
    fees: Mapping[str, Fee]
    partner_share: Share
    rounding: Rounding
    remainder: RemainderRule
    pph23_basis_points: int
    ppn: Ppn
    bill_fault_reprints: bool


def _int(data: Mapping[str, Any], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if type(value) is not int:
        raise ValueError(f"{name} is not a whole number")
    return value


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    return value


def read_terms(data: Mapping[str, Any]) -> Terms:
    """Terms from their JSON form; ValueError naming the first field that is missing or of a wrong type."""
    try:
        share_data = data["partner_share"]
        kind = _text(share_data, "type")
        tiers = tuple(
            Tier(None if t.get("up_to") is None else _int(t, "up_to"), _int(t, "basis_points"))
            for t in share_data.get("tiers") or ()
        )
        if kind == ShareKind.PERCENT:
            share = Share(kind, basis_points=_int(share_data, "basis_points"))
        elif kind == ShareKind.FIXED:
            share = Share(kind, amount=_int(share_data, "amount"))
        elif kind == ShareKind.TIERS and tiers and tiers[-1].up_to is None:
            share = Share(kind, tiers=tiers)
        else:
            raise ValueError(f"partner_share {kind!r} is not a share this verifier knows")
        ppn_data = data.get("ppn") or {}
        ppn = Ppn(
            bool(ppn_data.get("pkp", False)),
            _int(ppn_data, "rate_basis_points", 1200),
            _int(ppn_data, "base_numerator", 11),
            _int(ppn_data, "base_denominator", 12),
        )
        fees = {str(r): Fee(_int(f, "amount"), _text(f, "payer")) for r, f in data["fees"].items()}
        end = data.get("effective_to")
        return Terms(
            number=_text(data, "number"),
            effective_from=_text(data, "effective_from"),
            effective_to=None if end is None else _text(data, "effective_to"),
            fees=fees,
            partner_share=share,
            rounding=Rounding(_text(data, "rounding")),
            remainder=RemainderRule(_text(data, "remainder")),
            pph23_basis_points=_int(data, "pph23_basis_points", 0),
            ppn=ppn,
            bill_fault_reprints=bool(data.get("bill_fault_reprints", False)),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"the terms lack {exc}") from None


class Pricing(NamedTuple):
    """What one card is billed: ``fee`` split as ``partner + regency``; ``rate_bp`` is the percentage used
    (``None`` for a fixed share or a regency-paid fee)."""

    fee: int
    payer: str
    partner: int
    regency: int
    rate_bp: int | None


class Taxes(NamedTuple):
    pph23: int
    ppn: int


def tier_rate(tiers: Sequence[TierLike], ordinal: int) -> int:
    """The rate of the ``ordinal``-th card of the month (1-based) under graduated tiers: the first tier
    whose ``up_to`` is at or above it (the last tier has no end)."""
    for tier in tiers:
        if tier.up_to is None or ordinal <= tier.up_to:
            return tier.basis_points
    raise ValueError("tiers must end with an open tier")


def share_rate(share: Share, ordinal: int) -> int | None:
    """The percentage the ``ordinal``-th card is split at; ``None`` for a fixed share."""
    if share.type == ShareKind.FIXED:
        return None
    if share.type == ShareKind.TIERS:
        return tier_rate(share.tiers, ordinal)
    return share.basis_points


def share_rates(share: Share) -> list[int]:
    """Every rate a card can be billed at."""
    return [t.basis_points for t in share.tiers] if share.type == ShareKind.TIERS else [share.basis_points]


def price_card(terms: Terms, reason: str, ordinal: int) -> Pricing:
    """Price the ``ordinal``-th billed card of the month with issuance ``reason`` (rounded per card)."""
    return _priced(terms, terms.fees[reason], share_rate(terms.partner_share, ordinal))


def price_at_rate(terms: Terms, reason: Any, rate_bp: Any) -> Pricing | None:
    """What ``terms`` bill one card of ``reason`` at the partner rate ``rate_bp`` it was billed with, or
    ``None`` when the terms name no such reason, or (for a percentage share) no such rate: a tier's rate
    depends on the card's place in its month, so it must be one of the tiers'. For checking a reversal
    whose original is not at hand."""
    fee = terms.fees.get(reason)
    if fee is None:
        return None
    share = terms.partner_share
    if fee.payer == Payer.CITIZEN and share.type != ShareKind.FIXED:
        if rate_bp not in share_rates(share):
            return None
        return _priced(terms, fee, rate_bp)
    return _priced(terms, fee, None)


def _priced(terms: Terms, fee: Fee, rate_bp: int | None) -> Pricing:
    """One card's fee split: all of it to the partner when the regency pays, else by the fixed share or, at
    ``rate_bp``, by the percentage and the contract's remainder rule."""
    if fee.payer == Payer.REGENCY:
        return Pricing(fee.amount, Payer.REGENCY, fee.amount, 0, None)
    share = terms.partner_share
    if share.type == ShareKind.FIXED:
        split = split_fixed(fee.amount, share.amount)
        return Pricing(fee.amount, Payer.CITIZEN, split.partner, split.regency, None)
    assert rate_bp is not None, "a percentage share prices at a rate"
    split = split_percent(fee.amount, rate_bp, terms.remainder)
    return Pricing(fee.amount, Payer.CITIZEN, split.partner, split.regency, rate_bp)


def period_adjustment(terms: Terms, rate_bp: int | None, fee_total: int, partner_posted: int) -> int:
    """What the partner's total for one (version, rate) group must change by when the month closes: zero when
    rounding per card; under per-period rounding, the month's fee total split once minus what the cards
    were posted with."""
    if terms.rounding == Rounding.PER_CARD or rate_bp is None:
        return 0
    return split_percent_signed(fee_total, rate_bp, terms.remainder).partner - partner_posted


def taxes_on(terms: Terms, partner_share: int) -> Taxes:
    """PPh 23 withheld and PPN added on the partner's share of one version for the month."""
    pph23 = tax_truncated(partner_share, terms.pph23_basis_points)
    ppn = 0
    if terms.ppn.pkp:
        ppn = tax_truncated(
            partner_share, terms.ppn.rate_basis_points, terms.ppn.base_numerator, terms.ppn.base_denominator
        )
    return Taxes(pph23, ppn)


@lru_cache(maxsize=256)
def pricing_sha256(terms_json: str) -> str:
    """SHA-256 of a version's terms (canonical JSON) without ``effective_to``: every card transaction carries
    it, so terms changed after they priced a card break the chain. ``effective_to`` is left out because
    ending a version changes no price; each card's day is checked against the version's dates instead."""
    data = json.loads(terms_json)
    data.pop("effective_to", None)
    return sha256_hex(canonical_bytes(data))
