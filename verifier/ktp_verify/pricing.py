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
from ktp_verify.vocab import Payer, PpnCollector, RemainderRule, Rounding, ShareKind


class TierLike(Protocol):
    @property
    def up_to(self) -> int | None: ...


@dataclass(frozen=True)
class Fee:
    amount: int
    payer: str


@dataclass(frozen=True)
class Tier:
    """Up to card ``up_to`` of the month (``None``: no end), ``basis_points`` of the fee or
    ``amount_per_card`` rupiah of it (exactly one of the two)."""

    up_to: int | None
    basis_points: int | None
    amount_per_card: int | None = None


@dataclass(frozen=True)
class Share:
    """The partner's share: ``type`` percent (``basis_points``), fixed (``amount``) or tiers (``tiers``,
    all percentages or all rupiah per card)."""

    type: str
    basis_points: int = 0
    amount: int = 0
    tiers: tuple[Tier, ...] = ()

    @property
    def in_rupiah(self) -> bool:
        """Whether the tiers are rupiah amounts per card (else percentages)."""
        return bool(self.tiers) and self.tiers[0].amount_per_card is not None


@dataclass(frozen=True)
class Ppn:
    pkp: bool = False
    rate_basis_points: int = 1200
    base_numerator: int = 11
    base_denominator: int = 12
    collector: PpnCollector = PpnCollector.PARTNER  # terms stored before the setting: the partner


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


def _tier(data: Mapping[str, Any]) -> Tier:
    """One tier: ``basis_points`` or ``amount_per_card``, exactly one of them a whole number."""
    up_to = None if data.get("up_to") is None else _int(data, "up_to")
    if (data.get("basis_points") is None) == (data.get("amount_per_card") is None):
        raise ValueError("a tier states either basis_points or amount_per_card (exactly one)")
    if data.get("amount_per_card") is not None:
        return Tier(up_to, None, _int(data, "amount_per_card"))
    return Tier(up_to, _int(data, "basis_points"))


def _collector(data: Mapping[str, Any]) -> PpnCollector:
    value = data.get("collector", PpnCollector.PARTNER)
    if value not in tuple(PpnCollector):
        raise ValueError(f"ppn.collector {value!r} is not a PPN collector this verifier knows")
    return PpnCollector(value)


def read_terms(data: Mapping[str, Any]) -> Terms:
    """Terms from their JSON form; ValueError naming the first field that is missing or of a wrong type, or
    a share or PPN collector this verifier does not know."""
    try:
        share_data = data["partner_share"]
        kind = _text(share_data, "type")
        tiers = tuple(_tier(t) for t in share_data.get("tiers") or ())
        if kind == ShareKind.PERCENT:
            share = Share(kind, basis_points=_int(share_data, "basis_points"))
        elif kind == ShareKind.FIXED:
            share = Share(kind, amount=_int(share_data, "amount"))
        elif (
            kind == ShareKind.TIERS
            and tiers
            and tiers[-1].up_to is None
            and len({t.amount_per_card is None for t in tiers}) == 1
        ):
            share = Share(kind, tiers=tiers)
        else:
            raise ValueError(f"partner_share {kind!r} is not a share this verifier knows")
        ppn_data = data.get("ppn") or {}
        ppn = Ppn(
            bool(ppn_data.get("pkp", False)),
            _int(ppn_data, "rate_basis_points", 1200),
            _int(ppn_data, "base_numerator", 11),
            _int(ppn_data, "base_denominator", 12),
            _collector(ppn_data),
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
    (``None`` for a rupiah share, fixed or tiered, or a regency-paid fee)."""

    fee: int
    payer: str
    partner: int
    regency: int
    rate_bp: int | None


class Taxes(NamedTuple):
    """The taxes on the partner's share of one version for the month: ``pph23`` withheld by the regency,
    ``ppn`` on the partner's services, and ``ppn_withheld``, the part of that PPN the regency's treasurer
    collects and remits itself (all of it when the version's collector is ``bendahara``, else zero)."""

    pph23: int
    ppn: int
    ppn_withheld: int = 0

    def net_payable(self, partner_share: int) -> int:
        """What the regency pays the partner for ``partner_share``: plus PPN unless the treasurer withholds
        it, less PPh 23."""
        return partner_share + self.ppn - self.ppn_withheld - self.pph23


def tier_index(tiers: Sequence[TierLike], ordinal: int) -> int:
    """Which tier (0-based) prices the ``ordinal``-th net billed card of the month (1-based) under graduated
    tiers: the first whose ``up_to`` is at or above it (the last tier has no end)."""
    for i, tier in enumerate(tiers):
        if tier.up_to is None or ordinal <= tier.up_to:
            return i
    raise ValueError("tiers must end with an open tier")


def share_rates(share: Share) -> list[int]:
    """Every rate a card can be billed at (none for a rupiah share, fixed or tiered)."""
    if share.type == ShareKind.TIERS:
        return [t.basis_points for t in share.tiers if t.basis_points is not None]
    return [share.basis_points] if share.type == ShareKind.PERCENT else []


def share_amounts(share: Share) -> list[int]:
    """Every rupiah amount per card a card can be billed at (none for a percentage share)."""
    if share.type == ShareKind.TIERS:
        return [t.amount_per_card for t in share.tiers if t.amount_per_card is not None]
    return [share.amount] if share.type == ShareKind.FIXED else []


def price_card(terms: Terms, reason: str, ordinal: int) -> Pricing:
    """Price the ``ordinal``-th net billed card of the month with issuance ``reason`` (rounded per card)."""
    share = terms.partner_share
    fee = terms.fees[reason]
    if share.type == ShareKind.TIERS:
        tier = share.tiers[tier_index(share.tiers, ordinal)]
        return _priced(terms, fee, tier.basis_points, tier.amount_per_card)
    if share.type == ShareKind.FIXED:
        return _priced(terms, fee, None, share.amount)
    return _priced(terms, fee, share.basis_points, None)


def price_at_rate(terms: Terms, reason: Any, rate_bp: Any, partner: Any = None) -> Pricing | None:
    """What ``terms`` bill one card of ``reason`` at the partner rate ``rate_bp`` it was billed with (for
    rupiah tiers, at the amount ``partner`` it was billed with), or ``None`` when the terms name no such
    reason, or no such rate or tier amount: a tier depends on the card's place in its month, so it must be
    one of the tiers'. For checking a reversal whose original is not at hand."""
    fee = terms.fees.get(reason)
    if fee is None:
        return None
    share = terms.partner_share
    if fee.payer == Payer.REGENCY:
        return _priced(terms, fee, None, None)
    if share.type == ShareKind.FIXED:
        return _priced(terms, fee, None, share.amount)
    if share.type == ShareKind.TIERS and share.in_rupiah:
        if rate_bp is not None or partner not in share_amounts(share):
            return None
        return _priced(terms, fee, None, partner)
    if rate_bp not in share_rates(share):
        return None
    return _priced(terms, fee, rate_bp, None)


def _priced(terms: Terms, fee: Fee, rate_bp: int | None, amount: int | None) -> Pricing:
    """One card's fee split: all of it to the partner when the regency pays, else ``amount`` rupiah to the
    partner (a fixed share or a rupiah tier) or, at ``rate_bp``, by the percentage and the contract's
    remainder rule."""
    if fee.payer == Payer.REGENCY:
        return Pricing(fee.amount, Payer.REGENCY, fee.amount, 0, None)
    if amount is not None:
        split = split_fixed(fee.amount, amount)
        return Pricing(fee.amount, Payer.CITIZEN, split.partner, split.regency, None)
    assert rate_bp is not None, "a percentage share prices at a rate"
    split = split_percent(fee.amount, rate_bp, terms.remainder)
    return Pricing(fee.amount, Payer.CITIZEN, split.partner, split.regency, rate_bp)


def period_adjustment(terms: Terms, rate_bp: int | None, fee_total: int, partner_posted: int) -> int:
    """What the partner's total for one (version, rate) group must change by when the month closes: zero when
    rounding per card or for a rupiah share (nothing to round); under per-period rounding, the month's fee
    total split once minus what the cards were posted with."""
    if terms.rounding == Rounding.PER_CARD or rate_bp is None:
        return 0
    return split_percent_signed(fee_total, rate_bp, terms.remainder).partner - partner_posted


def taxes_on(terms: Terms, partner_share: int) -> Taxes:
    """PPh 23 withheld, PPN on the partner's share of one version for the month, and who keeps the PPN."""
    pph23 = tax_truncated(partner_share, terms.pph23_basis_points)
    ppn = 0
    if terms.ppn.pkp:
        ppn = tax_truncated(
            partner_share, terms.ppn.rate_basis_points, terms.ppn.base_numerator, terms.ppn.base_denominator
        )
    withheld = ppn if terms.ppn.collector == PpnCollector.BENDAHARA else 0
    return Taxes(pph23, ppn, withheld)


@lru_cache(maxsize=256)
def pricing_sha256(terms_json: str) -> str:
    """SHA-256 of a version's terms (canonical JSON) without ``effective_to``: every card transaction carries
    it, so terms changed after they priced a card break the chain. ``effective_to`` is left out because
    ending a version changes no price; each card's day is checked against the version's dates instead."""
    data = json.loads(terms_json)
    data.pop("effective_to", None)
    return sha256_hex(canonical_bytes(data))
