"""Revenue-share contracts: validated terms, pricing of one card, and the versions kept in the database.

What a fee and the partner's share mean (DOMAIN.md section 5, both models must be supported):

- ``payer: "citizen"``: the citizen pays ``amount`` at the counter. That fee is split: the partner gets
  ``partner_share`` of it (a percentage, a fixed rupiah amount per card, or by tier of the month's card
  count either a percentage or a rupiah amount per card), the regency keeps the rest as revenue. A share
  above the fee it splits is refused: more rupiah than a citizen-paid fee
  (:class:`~billing.errors.ShareAboveFee`), or more than 100 % (:class:`~billing.errors.ShareAboveFull`).
- ``payer: "regency"``: the citizen pays nothing; ``amount`` is the service fee the regency pays the partner
  from its budget, and the partner gets all of it. ``partner_share`` does not apply to such fees; the
  regency's share of them is zero.

Either way ``gross = partner + regency`` for every card.

Taxes (``pph23_basis_points``, ``ppn``): PPh 23 is withheld by the regency on the partner's share (PPN
excluded). PPN is charged when the partner is a PKP, on ``base_numerator/base_denominator`` of its share.
Who collects that PPN is the version's ``ppn.collector``:

- ``partner`` (the default, and what every version stored before the setting existed means): the partner
  collects it, so the regency pays it ``share + PPN - PPh 23`` and the partner remits the PPN itself;
- ``bendahara``: the regency's treasurer is the PPN collector (pemungut PPN, PMK 59/2022 on government
  payments): it withholds the PPN and remits it, so the partner is paid ``share - PPh 23`` and the statement
  shows the PPN as withheld and remitted by the treasurer. The partner's invoice still shows share, PPN
  and PPh 23. Which applies is the contract's to say, not a hard rule (thresholds and exceptions change).

Rules a version states, all named: ``rounding`` (``per_card``: each card is split and rounded; ``per_period``:
each card is posted split per card, and when the month closes an adjustment brings the partner's total to
the month's total split once, per contract version and rate), ``remainder`` (see :mod:`billing.allocation`),
``bill_fault_reprints``. Taxes are truncated to whole rupiah (:func:`billing.allocation.tax_truncated`).

Tiers are graduated by each card's position in the month's count of *net* billed cards: the n-th card is
priced at the tier whose ``up_to`` is the first at or above n, where n counts the cards billed in the month
(in posting order, all versions) less those of them reversed in the same month. So a card reversed in its
own month lowers the count, and the next card takes the lower position again (tier up to 3 cards at
Rp 3.000, then Rp 2.500: three cards, one reversed, one more: the fourth card is the third net card, and
the partner gets 3 x Rp 3.000 = Rp 9.000). A reversal posted in a later month (its card's month already
closed) is a prior-period correction: it undoes exactly the price the original card was billed at, counts
in no month's tiers, and never reopens the closed month. A card already billed keeps its price: a later
reversal never re-prices the cards after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlmodel import Session, select

from billing.allocation import FULL, Split
from billing.canonical import canonical_json, sha256_hex, utc_text
from billing.errors import (
    ContractOverlap,
    ContractVersionNotFound,
    InvalidInput,
    ShareAboveFee,
    ShareAboveFull,
)
from billing.lock import lock_billing
from billing.models import ContractVersion, LedgerTransaction
from billing.vocab import Payer, PpnCollector, Reason, RemainderRule, Rounding, ShareKind
from ktp_verify import pricing
from ktp_verify.pricing import Pricing, Taxes, pricing_sha256, tier_index

__all__ = ["Pricing", "Taxes", "pricing_sha256"]  # re-exported: defined with the verifier's pricing

BasisPoints = Annotated[StrictInt, Field(ge=0)]
Rupiah = Annotated[StrictInt, Field(ge=0)]

# The pydantic error types of a share above what it splits; parse_terms turns them into ShareAboveFee (more
# rupiah than a citizen-paid fee) and ShareAboveFull (more than 100 %).
_ABOVE = "share_above_fee"
_ABOVE_FULL = "share_above_full"


def _rp(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def _pct(basis_points: int) -> str:
    whole, part = divmod(basis_points, 100)
    return f"{whole},{part:02d} %".replace(",00 %", " %")


def _check_share(bp: int) -> None:
    if bp > FULL:
        raise PydanticCustomError(
            _ABOVE_FULL, "a partner share of {share} is above 100 % of the fee", {"share": _pct(bp)}
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fee(_Strict):
    amount: StrictInt = Field(ge=0, description="Whole rupiah per card; zero is valid.")
    payer: Payer


class PercentShare(_Strict):
    """The partner gets ``basis_points`` of every citizen-paid fee."""

    type: Literal[ShareKind.PERCENT]
    basis_points: BasisPoints

    @model_validator(mode="after")
    def _at_most_all(self) -> PercentShare:
        _check_share(self.basis_points)
        return self

    def basis_points_for(self, ordinal: int) -> int:
        """The rate of the ``ordinal``-th card of the month: the same for every card."""
        return self.basis_points

    def rates(self) -> list[int]:
        """Every rate a card can be billed at."""
        return [self.basis_points]


class FixedShare(_Strict):
    """The partner gets ``amount`` rupiah of every citizen-paid fee (whole rupiah per card)."""

    type: Literal[ShareKind.FIXED]
    amount: Rupiah


class Tier(_Strict):
    """One tier: up to card ``up_to`` of the month the partner gets either ``basis_points`` of the fee or
    ``amount_per_card`` rupiah of it (exactly one of the two)."""

    up_to: StrictInt | None = Field(
        default=None, ge=1, description="Last card count in the tier; None = no end."
    )
    basis_points: BasisPoints | None = None
    amount_per_card: Rupiah | None = Field(default=None, description="Whole rupiah per card of the tier.")

    @model_validator(mode="after")
    def _one_kind(self) -> Tier:
        if (self.basis_points is None) == (self.amount_per_card is None):
            raise ValueError("a tier states either basis_points or amount_per_card (exactly one)")
        if self.basis_points is not None:
            _check_share(self.basis_points)
        return self

    @model_serializer(mode="wrap")
    def _without_other_kind(self, handler: Any) -> dict[str, Any]:
        # A tier is stored with the kind it states only (a percent tier reads as it always did).
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if not (k in ("basis_points", "amount_per_card") and v is None)}


class TieredShare(_Strict):
    """The partner's share depends on the card's place in the month's count of net billed cards (graduated
    tiers, see the module's docstring): every tier a percentage, or every tier rupiah per card."""

    type: Literal[ShareKind.TIERS]
    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> TieredShare:
        bounds = [t.up_to for t in self.tiers]
        if bounds[-1] is not None:
            raise ValueError("the last tier must have up_to null (it covers every card above the others)")
        limits = [b for b in bounds[:-1] if b is not None]
        if len(limits) != len(bounds) - 1:
            raise ValueError("only the last tier may have up_to null")
        if any(a >= b for a, b in zip(limits, limits[1:], strict=False)):
            raise ValueError(f"tiers must be in increasing order of up_to, got {limits}")
        if len({t.amount_per_card is None for t in self.tiers}) > 1:
            raise ValueError("tiers are all percentages or all rupiah per card, not a mix")
        return self

    @property
    def in_rupiah(self) -> bool:
        """Whether the tiers are rupiah amounts per card (else percentages)."""
        return self.tiers[0].amount_per_card is not None

    def tier_index(self, ordinal: int) -> int:
        """Which tier (0-based) prices the ``ordinal``-th net billed card of the month (1-based)."""
        return tier_index(self.tiers, ordinal)

    def basis_points_for(self, ordinal: int) -> int | None:
        """The rate of the ``ordinal``-th card of the month (1-based); ``None`` for rupiah tiers."""
        return self.tiers[self.tier_index(ordinal)].basis_points

    def rates(self) -> list[int]:
        """Every rate a card can be billed at (one per tier; none for rupiah tiers)."""
        return [t.basis_points for t in self.tiers if t.basis_points is not None]

    def amounts(self) -> list[int]:
        """Every rupiah amount per card a card can be billed at (none for percentage tiers)."""
        return [t.amount_per_card for t in self.tiers if t.amount_per_card is not None]


PartnerShare = Annotated[PercentShare | FixedShare | TieredShare, Field(discriminator="type")]


class Ppn(_Strict):
    """PPN (VAT) charged by a VAT-registered partner (PKP) on its share: ``rate_basis_points`` on a base of
    ``base_numerator/base_denominator`` of the price; 12 % on 11/12 is effectively 11 % (DOMAIN.md s. 5).
    ``collector``: who collects and remits it (see the module's docstring); a version stored before the
    setting existed reads as ``partner``, what it was priced with."""

    pkp: StrictBool = False
    rate_basis_points: BasisPoints = 1200
    base_numerator: StrictInt = Field(default=11, ge=1)
    base_denominator: StrictInt = Field(default=12, ge=1)
    collector: PpnCollector = PpnCollector.PARTNER


class ContractTerms(_Strict):
    """One version of the agreement as a finance officer enters it (the JSON the API accepts)."""

    number: str = Field(min_length=1, max_length=100, description="Agreement number, e.g. 027/PKS/2026.")
    partner_name: str = Field(min_length=1, max_length=200)
    effective_from: date
    effective_to: date | None = Field(default=None, description="Last day in force (inclusive); null = open.")
    fees: dict[Reason, Fee]
    partner_share: PartnerShare
    rounding: Rounding
    remainder: RemainderRule = RemainderRule.TO_REGENCY
    pph23_basis_points: BasisPoints = 0
    ppn: Ppn = Ppn()
    bill_fault_reprints: StrictBool = False
    _plain: pricing.Terms | None = PrivateAttr(default=None)

    def plain(self) -> pricing.Terms:
        """These terms as the pricing functions read them (:mod:`ktp_verify.pricing`), made once."""
        if self._plain is None:
            self._plain = pricing.read_terms(self.model_dump(mode="json"))
        return self._plain

    @model_validator(mode="after")
    def _consistent(self) -> ContractTerms:
        missing = [r for r in Reason if r not in self.fees]
        if missing:
            raise ValueError(f"fees must name every issuance reason; missing: {', '.join(missing)}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        if self.pph23_basis_points > FULL:
            raise ValueError(f"pph23_basis_points {self.pph23_basis_points} is above 100 %")
        share = self.partner_share
        amounts = []
        if isinstance(share, FixedShare):
            amounts = [share.amount]
        elif isinstance(share, TieredShare):
            amounts = share.amounts()
        top = max(amounts, default=0)
        for reason, fee in self.fees.items():
            if fee.payer == Payer.CITIZEN and fee.amount < top:
                raise PydanticCustomError(
                    _ABOVE,
                    "the partner share of {share} per card is above the citizen fee for {reason} it splits "
                    "({fee})",
                    {"share": _rp(top), "reason": str(reason), "fee": _rp(fee.amount)},
                )
        return self


def parse_terms(data: Mapping[str, Any] | str) -> ContractTerms:
    """Validate contract terms (a mapping or a JSON text); every problem is named in one InvalidInput, or
    in a :class:`ShareAboveFee` / :class:`ShareAboveFull` when a share is above the fee it splits (with the
    amounts as parameters)."""
    try:
        if isinstance(data, str):
            return ContractTerms.model_validate_json(data)
        return ContractTerms.model_validate(data)
    except ValidationError as exc:
        problems = []
        above: tuple[type[ShareAboveFee], dict[str, str | int]] | None = None
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {msg}" if where else msg)
            if err["type"] in (_ABOVE, _ABOVE_FULL) and above is None:
                kind = ShareAboveFee if err["type"] == _ABOVE else ShareAboveFull
                above = (kind, {k: str(v) for k, v in (err.get("ctx") or {}).items()})
        message = "invalid contract: " + "; ".join(problems)
        if above is not None:
            raise above[0](message, above[1]) from exc
        raise InvalidInput(message) from exc


# Pricing is the verifier's (one implementation for posting and for checking): these take the validated
# terms and hand their plain form to it.


def price_card(terms: ContractTerms, reason: Reason, ordinal: int) -> Pricing:
    """Price the ``ordinal``-th net billed card of the month with issuance ``reason`` (rounded per card)."""
    return pricing.price_card(terms.plain(), reason, ordinal)


def price_at_rate(terms: ContractTerms, reason: Any, rate_bp: Any, partner: Any = None) -> Pricing | None:
    """What ``terms`` bill one card of ``reason`` at the partner rate ``rate_bp`` (for rupiah tiers, at the
    amount ``partner``) it was billed with (see :func:`ktp_verify.pricing.price_at_rate`)."""
    return pricing.price_at_rate(terms.plain(), reason, rate_bp, partner)


def period_adjustment(terms: ContractTerms, rate_bp: int | None, fee_total: int, partner_posted: int) -> int:
    """What the partner's total for one (version, rate) group must change by when the month closes: zero when
    rounding per card or for a rupiah share (nothing to round); under per-period rounding, the month's fee
    total split once minus what the cards were posted with."""
    return pricing.period_adjustment(terms.plain(), rate_bp, fee_total, partner_posted)


def taxes_on(terms: ContractTerms, partner_share: int) -> Taxes:
    """PPh 23 withheld, PPN on the partner's share of one version for the month, and who keeps the PPN
    (:func:`ktp_verify.pricing.taxes_on`)."""
    return pricing.taxes_on(terms.plain(), partner_share)


def as_split(pricing: Pricing) -> Split:
    return Split(pricing.partner, pricing.regency)


# --- versions in the database ---------------------------------------------------------------------------


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def check_overlap(terms: ContractTerms, existing: Iterable[ContractVersion]) -> None:
    """Refuse a version whose dates overlap any other version's (only one agreement is in force a day)."""
    for other in existing:
        if _overlaps(terms.effective_from, terms.effective_to, other.effective_from, other.effective_to):
            until = other.effective_to.isoformat() if other.effective_to else "open-ended"
            raise ContractOverlap(
                f"contract {terms.number} from {terms.effective_from} overlaps version {other.id} "
                f"({other.number}, {other.effective_from} to {until}); end that version first"
            )


@lru_cache(maxsize=256)
def _terms_from_json(terms_json: str) -> ContractTerms:
    return ContractTerms.model_validate_json(terms_json)


def terms_of(version: ContractVersion) -> ContractTerms:
    return _terms_from_json(version.terms_json)


def _terms_json(terms: ContractTerms) -> str:
    return canonical_json(terms.model_dump(mode="json"))


def add_contract_version(
    session: Session, terms: ContractTerms, *, now: datetime | None = None
) -> ContractVersion:
    """Store a new version after checking it overlaps none. Flushes; the caller commits."""
    lock_billing(session)  # two finance officers adding versions at once must not both pass the check
    check_overlap(terms, list_contract_versions(session))
    text = _terms_json(terms)
    version = ContractVersion(
        number=terms.number,
        partner_name=terms.partner_name,
        effective_from=terms.effective_from,
        effective_to=terms.effective_to,
        terms_json=text,
        terms_sha256=sha256_hex(text.encode()),
        created_at=utc_text(now or datetime.now(UTC)),
    )
    session.add(version)
    session.flush()
    return version


def list_contract_versions(session: Session) -> list[ContractVersion]:
    return list(session.exec(select(ContractVersion).order_by(ContractVersion.effective_from)))  # type: ignore[arg-type]


def end_contract_version(session: Session, version_id: int, effective_to: date) -> ContractVersion:
    """Set the last day a version is in force (to make room for a new one). Refused when cards it priced
    completed after that day, since they would lose the version that priced them."""
    lock_billing(session)
    version = session.get(ContractVersion, version_id)
    if version is None:
        raise ContractVersionNotFound(f"contract version {version_id} does not exist")
    if effective_to < version.effective_from:
        raise InvalidInput(f"effective_to {effective_to} is before effective_from {version.effective_from}")
    later = session.exec(
        select(LedgerTransaction.event_date)
        .where(
            LedgerTransaction.contract_version_id == version_id,
            LedgerTransaction.event_date > effective_to.isoformat(),
        )
        .limit(1)
    ).first()
    if later is not None:
        raise InvalidInput(f"version {version_id} priced a card completed on {later}, after {effective_to}")
    # The stored terms with only their end changed: re-dumping them through today's model could add fields
    # the version was stored without (e.g. ppn.collector), which would change the pricing hash its cards
    # carry.
    data = json.loads(version.terms_json)
    data["effective_to"] = effective_to.isoformat()
    version.effective_to = effective_to
    version.terms_json = canonical_json(data)
    version.terms_sha256 = sha256_hex(version.terms_json.encode())
    session.add(version)
    session.flush()
    return version


def version_in_force(versions: Iterable[ContractVersion], day: date) -> ContractVersion | None:
    for v in versions:
        if v.effective_from <= day and (v.effective_to is None or day <= v.effective_to):
            return v
    return None
