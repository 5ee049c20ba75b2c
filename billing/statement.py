"""The month's statement, as it stands (open) or as closed and signed.

Figures come from the month's transactions grouped by office, reason, contract version, payer, rate...:
while the month is open from its roll-up kept current as cards are posted (:mod:`billing.rollups`), and
when it closes from one SQL aggregation over the ledger itself; then :func:`rollup` turns those groups into
the statement; the partner's offline verifier (:mod:`ktp_verify`) runs the same roll-up on groups it builds
from the exported entries, and also checks the totals against the sums of the entries' accounts.

``partner_share`` in the totals and per contract version includes the per-period rounding adjustment (see
:mod:`billing.contracts`); the per-office and per-reason breakdowns show what the cards were posted with.
So that every table adds up to the total, each breakdown then ends with a named rounding-adjustment row
(``by_office_adjustment``, ``by_reason_adjustment``: "Penyesuaian pembulatan", no cards, no fee, the
partner's share changed by ``period_rounding_adjustment`` and the regency's by its opposite), present only
when the adjustment is not zero. ``net_payable_to_partner = partner_share + ppn - ppn_withheld - pph23_withheld``
where ``ppn_withheld`` is the PPN the regency's treasurer collects and remits itself (contract versions whose
``ppn.collector`` is ``bendahara``). Prior-period items (late cards and corrections of closed months) are
part of the month's figures and are also shown on their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session, col

from billing.canonical import canonical_bytes, canonical_json, utc_text
from billing.checkpoints import CLOSE, make_checkpoint
from billing.config import BillingConfig
from billing.conflicts import list_conflicts
from billing.contracts import ContractTerms, terms_of
from billing.errors import (
    CardsNotPosted,
    ConflictsUnresolved,
    EarlierMonthOpen,
    MonthAlreadyClosed,
    MonthNotOver,
)
from billing.ledger import ENTRY, TX
from billing.lock import lock_billing
from billing.models import ContractVersion, Period
from billing.periods import check_not_future, is_closed, month_bounds, open_months_before, parse_month
from billing.posting import append_close_transaction
from billing.rollups import ledger_groups, rollup_groups
from billing.vocab import PpnCollector
from ktp_verify.rollup import ROUNDING_ROW, Group, rounding_row
from ktp_verify.rollup import rollup as figures_of

__all__ = ["ROUNDING_ROW", "Group"]  # re-exported: the verifier groups a bundle's entries the same way


class Figures(BaseModel):
    cards_billed: int = 0
    gross_amount: int = 0
    partner_share: int = 0
    regency_share: int = 0


class Breakdown(Figures):
    key: str


class VersionFigures(Figures):
    contract_version_id: int
    period_rounding_adjustment: int
    pph23_withheld: int
    ppn: int
    # Defaults: statements signed before the PPN collector existed read as the partner collecting it.
    ppn_collector: PpnCollector = PpnCollector.PARTNER
    ppn_withheld: int = 0


# How ``period_ordinal`` counted the month's cards: statements signed before the net rule read as
# "posted_cards" (every billed card posted, reversed or not); newer ones count net billed cards.
TierCount = Literal["posted_cards", "net_billed_cards"]


class ContractSnapshot(BaseModel):
    id: int
    number: str
    partner_name: str
    terms: dict[str, Any]
    terms_sha256: str


class ChainInfo(BaseModel):
    """The stretch of the chain the statement covers: from the month's first transaction (whose
    ``prev_hash`` is ``anchor_hash``) to its closing transaction ``head_seq`` with hash ``head_hash``.
    Transactions of other months posted in between are part of the stretch but not of the figures."""

    first_seq: int
    head_seq: int
    head_hash: str
    anchor_hash: str
    period_transactions: int
    period_entries: int


class Statement(BaseModel):
    month: str
    zone: str
    period_start: str
    period_end: str
    status: Literal["open", "closed"]
    generated_at: str
    agreement_numbers: list[str]
    partner_name: str
    cards_billed: int
    cards_not_billed: int
    gross_amount: int
    citizen_fees: int
    regency_service_fees: int
    partner_share: int
    regency_share: int
    period_rounding_adjustment: int
    pph23_withheld: int
    ppn: int
    net_payable_to_partner: int
    prior_period: Figures
    by_office: list[Breakdown]
    by_reason: list[Breakdown]
    by_contract_version: list[VersionFigures]
    # The PPN the regency's treasurer withholds and remits (part of ``ppn``, not paid to the partner).
    ppn_withheld: int = 0
    # The last row of each breakdown table under per-period rounding (key ROUNDING_ROW), so that the rows
    # add up to the totals; None when there is no adjustment.
    by_office_adjustment: Breakdown | None = None
    by_reason_adjustment: Breakdown | None = None
    tier_count: TierCount = "posted_cards"
    contracts: list[ContractSnapshot]
    chain: ChainInfo | None = None
    key_id: str | None = None

    def adjustment_row(self) -> Breakdown | None:
        """The rounding-adjustment row that ends the per-office and per-reason tables (the same row for
        both). A statement signed before it carried the rows has it from its ``period_rounding_adjustment``
        by the same rule (:func:`ktp_verify.rollup.rounding_row`)."""
        if "by_office_adjustment" in self.model_fields_set:
            return self.by_office_adjustment
        row = rounding_row(self.period_rounding_adjustment)
        return None if row is None else Breakdown.model_validate(row)


class SignedStatement(NamedTuple):
    statement: Statement
    statement_json: str  # the exact canonical JSON that was signed
    signature: str  # Ed25519, base64


def rollup(groups: list[Group], terms: Mapping[int, ContractTerms]) -> dict[str, Any]:
    """The statement's figures from the month's groups (:func:`ktp_verify.rollup.rollup`, the one the
    partner's verifier recomputes them with)."""
    return figures_of(groups, {vid: t.plain() for vid, t in terms.items()})


def month_groups(session: Session, month: str, *, from_ledger: bool = False) -> list[Group]:
    """The month's card and reversal transactions grouped for its statement: from the monthly roll-up kept
    as cards are posted (:mod:`billing.rollups`), or ``from_ledger`` recomputed from the transactions
    themselves (closing signs those)."""
    return ledger_groups(session, month) if from_ledger else rollup_groups(session, month)


def snapshot(version: ContractVersion) -> ContractSnapshot:
    assert version.id is not None
    return ContractSnapshot(
        id=version.id,
        number=version.number,
        partner_name=version.partner_name,
        # The terms exactly as stored (what pricing_sha256 covers), not re-dumped by today's model.
        terms=json.loads(version.terms_json),
        terms_sha256=version.terms_sha256,
    )


def build_statement(
    session: Session, month: str, config: BillingConfig, now: datetime, *, from_ledger: bool = False
) -> Statement:
    """The month's figures as they stand now (open or not): from the monthly roll-up, or ``from_ledger``
    grouped from the transactions themselves (closing signs those)."""
    groups = month_groups(session, month, from_ledger=from_ledger)
    ids = sorted({g.contract_version_id for g in groups})
    versions = list(session.scalars(select(ContractVersion).where(col(ContractVersion.id).in_(ids))))
    versions.sort(key=lambda v: v.id or 0)
    terms = {v.id: terms_of(v) for v in versions if v.id is not None}
    start, end = month_bounds(month, config.zone)
    return Statement(
        month=month,
        zone=config.zone_name,
        period_start=utc_text(start),
        period_end=utc_text(end),
        status="closed" if is_closed(session, month) else "open",
        generated_at=utc_text(now),
        agreement_numbers=sorted({v.number for v in versions}),
        partner_name=versions[-1].partner_name if versions else "",
        contracts=[snapshot(v) for v in versions],
        tier_count="net_billed_cards",
        **rollup(groups, terms),
    )


def get_statement(
    session: Session, month: str, *, config: BillingConfig, now: datetime | None = None
) -> Statement:
    """The statement for ``month`` at any time: the signed one once closed, the figures so far while open.
    A month in the future is refused."""
    now = now or datetime.now(UTC)
    parse_month(month)
    check_not_future(month, now, config.zone)
    period = session.get(Period, month)
    if period is not None and period.statement_json is not None:
        return Statement.model_validate_json(period.statement_json)
    return build_statement(session, month, config, now)


def signed_statement(session: Session, month: str) -> SignedStatement | None:
    period = session.get(Period, month)
    if period is None or period.statement_json is None or period.signature is None:
        return None
    statement = Statement.model_validate_json(period.statement_json)
    return SignedStatement(statement, period.statement_json, period.signature)


def closes_from(month: str, zone: ZoneInfo) -> str:
    """The first moment ``month`` can close, as people read it: ``01-12-2026 00:00 WIB``."""
    end = month_bounds(month, zone)[1].astimezone(zone)
    return f"{end:%d-%m-%Y %H:%M} {end.tzname()}"


def close_period(
    session: Session,
    month: str,
    *,
    config: BillingConfig,
    unposted_events: int,
    now: datetime | None = None,
    on_checked: Callable[[], None] | None = None,
) -> SignedStatement:
    """Close ``month``: post its closing transaction (per-period rounding adjustment, PPN, PPh 23), fix and
    sign its statement. ``unposted_events`` is how many printed cards of the month the caller still has
    waiting to be posted (its outbox); closing is refused unless it is zero, and also when the month is not
    over yet, is already closed, an earlier month with postings is still open, or an event of the month or
    earlier is in unresolved conflict. Flushes; the caller commits.

    The caller must count ``unposted_events`` *after* taking the billing lock in the same transaction:
    ``lock_billing(session)`` (:mod:`billing.lock`), then count, then call this. A card confirmed in between
    would otherwise be missed by the count, then posted while the month closes. Holding the lock, any
    posting waits until this transaction ends and then lands in the next open month, marked prior-period.
    Taking the lock again here is harmless (same transaction). ``on_checked`` is called once every check
    has passed, before the statement is built (a progress display's step)."""
    now = now or datetime.now(UTC)
    parse_month(month)
    check_not_future(month, now, config.zone)
    start, end = month_bounds(month, config.zone)
    if now < end:
        raise MonthNotOver(
            f"month {month} is not over until {end.astimezone(config.zone).isoformat()}",
            month=month,
            since=closes_from(month, config.zone),
        )
    head = lock_billing(session)
    if is_closed(session, month):
        raise MonthAlreadyClosed(f"month {month} is already closed", month=month)
    if unposted_events:
        raise CardsNotPosted(
            f"{unposted_events} printed card(s) of {month} are not posted yet", month=month, n=unposted_events
        )
    earlier = open_months_before(session, month)
    if earlier:
        raise EarlierMonthOpen(
            f"close {', '.join(earlier)} first (months close in order)", months=", ".join(earlier)
        )
    conflicts = [c for c in list_conflicts(session) if c.event_period <= month]
    if conflicts:
        raise ConflictsUnresolved(
            f"{len(conflicts)} unresolved event conflict(s) up to {month}, first: {conflicts[0].detail}",
            month=month,
            n=len(conflicts),
        )
    if on_checked is not None:
        on_checked()
    statement = build_statement(session, month, config, now, from_ledger=True)
    head = append_close_transaction(
        session,
        head,
        month=month,
        adjustment=statement.period_rounding_adjustment,
        ppn=statement.ppn,
        pph23=statement.pph23_withheld,
        ppn_withheld=statement.ppn_withheld,
        now=now,
        zone=config.zone,
    )
    first_seq, count = session.execute(
        select(func.min(TX.c.seq), func.count()).where(TX.c.period == month)
    ).one()
    anchor = session.execute(select(TX.c.prev_hash).where(TX.c.seq == first_seq)).scalar_one()
    entries = session.execute(
        select(func.count())
        .select_from(ENTRY.join(TX, ENTRY.c.transaction_seq == TX.c.seq))
        .where(TX.c.period == month)
    ).scalar_one()
    statement.status = "closed"
    statement.chain = ChainInfo(
        first_seq=first_seq,
        head_seq=head.seq,
        head_hash=head.hash,
        anchor_hash=anchor,
        period_transactions=count,
        period_entries=entries,
    )
    signer = config.keys.current()  # one key for the id and the signature, even across a rotation
    statement.key_id = signer.key_id
    text = canonical_json(statement.model_dump(mode="json"))
    signature = signer.sign(text.encode("utf-8"))
    period = session.get(Period, month) or Period(month=month)
    period.status = "closed"
    period.closed_at = utc_text(now)
    period.statement_json = text
    period.signature = signature
    period.key_id = statement.key_id
    period.head_seq = head.seq
    period.head_hash = head.hash
    session.add(period)
    session.flush()
    # The closed head, signed on its own: the partner keeps these, so a month wiped later is still known.
    make_checkpoint(session, config, now=now, reason=CLOSE, month=month)
    return SignedStatement(statement, text, signature)


def statement_bytes(statement: Statement) -> bytes:
    return canonical_bytes(statement.model_dump(mode="json"))
