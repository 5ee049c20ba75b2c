"""Revenue-share contracts: validated terms, pricing of one card, and the versions kept in the database.

What a fee and the partner's share mean (DOMAIN.md section 5, both models must be supported):

- ``payer: "citizen"``: the citizen pays ``amount`` at the counter. That fee is split: the partner gets
  ``partner_share`` of it (a percentage, a fixed amount per card, or a percentage by tier of the month's card
  count), the regency keeps the rest as revenue.
- ``payer: "regency"``: the citizen pays nothing; ``amount`` is the service fee the regency pays the partner
  from its budget, and the partner gets all of it. ``partner_share`` does not apply to such fees; the
  regency's share of them is zero.

Either way ``gross = partner + regency`` for every card, and the partner is owed ``partner`` plus PPN (when
it is a PKP), minus the PPh 23 the regency withholds.

Rules a version states, all named: ``rounding`` (``per_card``: each card is split and rounded; ``per_period``:
each card is posted split per card, and when the month closes an adjustment brings the partner's total to
the month's total split once, per contract version and rate), ``remainder`` (see :mod:`billing.allocation`),
``pph23_basis_points`` (withheld on the partner's share, PPN excluded), ``ppn`` (added on top of the partner's
share when ``pkp``), ``bill_fault_reprints``. Tiers are graduated: the n-th card billed in a month is priced
at the tier whose ``up_to`` is the first at or above n (cards counted in posting order, all versions).
Taxes are truncated to whole rupiah (:func:`billing.allocation.tax_truncated`).
"""

from __future__ import annotations

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
    model_validator,
)
from sqlmodel import Session, select

from billing.allocation import FULL, Split
from billing.canonical import canonical_json, sha256_hex, utc_text
from billing.errors import ContractOverlap, ContractVersionNotFound, InvalidInput
from billing.lock import lock_billing
from billing.models import ContractVersion, LedgerTransaction
from billing.vocab import Payer, Reason, RemainderRule, Rounding, ShareKind
from ktp_verify import pricing
from ktp_verify.pricing import Pricing, Taxes, pricing_sha256, tier_rate

__all__ = ["Pricing", "Taxes", "pricing_sha256"]  # re-exported: defined with the verifier's pricing

BasisPoints = Annotated[StrictInt, Field(ge=0)]


def _check_share(bp: int) -> None:
    if bp > FULL:
        raise ValueError(f"a partner share of {bp} basis points is above 100 % ({FULL})")


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
    """The partner gets ``amount`` rupiah of every citizen-paid fee."""

    type: Literal[ShareKind.FIXED]
    amount: StrictInt = Field(ge=0)


class Tier(_Strict):
    up_to: StrictInt | None = Field(
        default=None, ge=1, description="Last card count in the tier; None = no end."
    )
    basis_points: BasisPoints


class TieredShare(_Strict):
    """The partner's rate depends on the card's place in the month's count (graduated tiers)."""

    type: Literal[ShareKind.TIERS]
    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> TieredShare:
        for tier in self.tiers:
            _check_share(tier.basis_points)
        bounds = [t.up_to for t in self.tiers]
        if bounds[-1] is not None:
            raise ValueError("the last tier must have up_to null (it covers every card above the others)")
        limits = [b for b in bounds[:-1] if b is not None]
        if len(limits) != len(bounds) - 1:
            raise ValueError("only the last tier may have up_to null")
        if any(a >= b for a, b in zip(limits, limits[1:], strict=False)):
            raise ValueError(f"tiers must be in increasing order of up_to, got {limits}")
        return self

    def basis_points_for(self, ordinal: int) -> int:
        """The rate of the ``ordinal``-th card of the month (1-based)."""
        return tier_rate(self.tiers, ordinal)

    def rates(self) -> list[int]:
        """Every rate a card can be billed at (one per tier)."""
        return [t.basis_points for t in self.tiers]


PartnerShare = Annotated[PercentShare | FixedShare | TieredShare, Field(discriminator="type")]


class Ppn(_Strict):
    """PPN (VAT) charged by a VAT-registered partner (PKP) on its share: ``rate_basis_points`` on a base of
    ``base_numerator/base_denominator`` of the price; 12 % on 11/12 is effectively 11 % (DOMAIN.md s. 5)."""

    pkp: StrictBool = False
    rate_basis_points: BasisPoints = 1200
    base_numerator: StrictInt = Field(default=11, ge=1)
    base_denominator: StrictInt = Field(default=12, ge=1)


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
        if isinstance(self.partner_share, FixedShare):
            for reason, fee in self.fees.items():
                if fee.payer == Payer.CITIZEN and fee.amount < self.partner_share.amount:
                    raise ValueError(
                        f"the fixed partner share Rp {self.partner_share.amount} is above 100 % of the "
                        f"citizen fee for {reason} (Rp {fee.amount})"
                    )
        return self


def parse_terms(data: Mapping[str, Any] | str) -> ContractTerms:
    """Validate contract terms (a mapping or a JSON text); every problem is named in one InvalidInput."""
    try:
        if isinstance(data, str):
            return ContractTerms.model_validate_json(data)
        return ContractTerms.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{where}: {msg}" if where else msg)
        raise InvalidInput("invalid contract: " + "; ".join(problems)) from exc


# Pricing is the verifier's (one implementation for posting and for checking): these take the validated
# terms and hand their plain form to it.


def price_card(terms: ContractTerms, reason: Reason, ordinal: int) -> Pricing:
    """Price the ``ordinal``-th billed card of the month with issuance ``reason`` (rounded per card)."""
    return pricing.price_card(terms.plain(), reason, ordinal)


def price_at_rate(terms: ContractTerms, reason: Any, rate_bp: Any) -> Pricing | None:
    """What ``terms`` bill one card of ``reason`` at the partner rate ``rate_bp`` (see
    :func:`ktp_verify.pricing.price_at_rate`)."""
    return pricing.price_at_rate(terms.plain(), reason, rate_bp)


def period_adjustment(terms: ContractTerms, rate_bp: int | None, fee_total: int, partner_posted: int) -> int:
    """What the partner's total for one (version, rate) group must change by when the month closes: zero when
    rounding per card; under per-period rounding, the month's fee total split once minus what the cards
    were posted with."""
    return pricing.period_adjustment(terms.plain(), rate_bp, fee_total, partner_posted)


def taxes_on(terms: ContractTerms, partner_share: int) -> Taxes:
    """PPh 23 withheld and PPN added on the partner's share of one version for the month."""
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
    terms = terms_of(version).model_copy(update={"effective_to": effective_to})
    version.effective_to = effective_to
    version.terms_json = _terms_json(terms)
    version.terms_sha256 = sha256_hex(version.terms_json.encode())
    session.add(version)
    session.flush()
    return version


def version_in_force(versions: Iterable[ContractVersion], day: date) -> ContractVersion | None:
    for v in versions:
        if v.effective_from <= day and (v.effective_to is None or day <= v.effective_to):
            return v
    return None
