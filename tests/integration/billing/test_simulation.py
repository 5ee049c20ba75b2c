"""A deterministic simulation of months of printing and billing, checking the ledger's invariants after
every step.

Random but seeded (replay one run with ``BILLING_SIM_SEED=<seed>``; ``BILLING_SIM_STEPS`` makes it longer):
cards are printed or spoiled as the clock crosses month boundaries; the outbox delivers their events in
shuffled batches, with duplicates and with crashes that roll a transaction back half way; some events are
held in a printer's buffer and arrive after their month closed; a contract version is replaced mid-run;
billed cards are reversed; a producer bug re-sends an event with other content; months are closed when
allowed (and refused while events are pending).

Invariants checked after each step, against an independent model of what should have happened:
each completed card is billed exactly once (none twice, none missing, reversed ones not at all), every
transaction's partner + regency share equals the amount split, closed months never change, every closed
month's bundle verifies offline, and the chain verifies.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.conflicts import list_conflicts, resolve_conflict
from billing.contracts import add_contract_version, end_contract_version
from billing.corrections import post_correction
from billing.errors import EventConflict, PeriodNotClosable
from billing.periods import month_bounds, month_of, next_month
from billing.posting import CardPrintedEvent, post_card_printed, post_events
from billing.statement import build_statement, close_period, get_statement
from billing.vocab import Reason
from tests.unit.billing.factories import contract_terms

WIB = ZoneInfo("Asia/Jakarta")
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
SEEDS = [int(os.environ["BILLING_SIM_SEED"])] if "BILLING_SIM_SEED" in os.environ else [1, 2]
STEPS = int(os.environ.get("BILLING_SIM_STEPS", "160"))


@dataclass
class Version:
    id: int
    start: date
    end: date | None
    bills_reprints: bool


@dataclass
class Model:
    """What the printing side and finance did, independent of the ledger's own bookkeeping."""

    versions: list[Version] = field(default_factory=list)
    outbox: list[CardPrintedEvent] = field(default_factory=list)  # counted as unposted
    buffered: list[CardPrintedEvent] = field(default_factory=list)  # still in a printer, nobody knows yet
    posted: dict[str, CardPrintedEvent] = field(default_factory=dict)
    seq_of: dict[str, int] = field(default_factory=dict)  # card serial -> transaction that billed it
    reversed: set[str] = field(default_factory=set)
    spoiled: int = 0
    closed: dict[str, dict[str, object]] = field(default_factory=dict)  # month -> figures at close

    def version_on(self, day: date) -> Version:
        [v] = [v for v in self.versions if v.start <= day and (v.end is None or day <= v.end)]
        return v

    def billable(self, e: CardPrintedEvent) -> bool:
        return not e.is_fault_reprint or self.version_on(e.completed_at.astimezone(WIB).date()).bills_reprints

    def expected_billed(self) -> set[str]:
        return {s for s, e in self.posted.items() if self.billable(e)} - self.reversed


def _figures(statement: object, *, with_contracts: bool = True) -> dict[str, object]:
    """Everything a statement says about the month but when it was generated. ``with_contracts=False``
    leaves out the contract terms quoted, whose ``effective_to`` may be set after the month closed."""
    exclude = {"generated_at", "status", "chain", "key_id"} | (set() if with_contracts else {"contracts"})
    return statement.model_dump(exclude=exclude)  # type: ignore[attr-defined, no-any-return]


class Simulation:
    def __init__(self, engine: Engine, config: BillingConfig, seed: int, workdir: Path) -> None:
        self.engine, self.config, self.rng, self.workdir = engine, config, random.Random(seed), workdir
        self.seed, self.now, self.model, self.serial, self.step_no = seed, START, Model(), 0, 0

    def where(self) -> str:
        return f"seed {self.seed}, step {self.step_no}, now {self.now.isoformat()}"

    # --- actions -----------------------------------------------------------------------------------

    def add_version(self, **overrides: object) -> None:
        with Session(self.engine) as s:
            terms = contract_terms(**overrides)
            v = add_contract_version(s, terms, now=self.now)
            s.commit()
            assert v.id is not None
            self.model.versions.append(
                Version(v.id, terms.effective_from, terms.effective_to, terms.bill_fault_reprints)
            )

    def change_contract(self) -> None:
        """End the version in force today and start a new one tomorrow (tiers, per-period rounding, a
        regency-paid reason, reprints billed)."""
        today = self.now.astimezone(WIB).date()
        current = self.model.versions[-1]
        if current.end is not None or current.start > today:
            return
        with Session(self.engine) as s:
            end_contract_version(s, current.id, today)
            s.commit()
        current.end = today
        fees = {r: {"amount": 10001 + 1000 * i, "payer": "citizen"} for i, r in enumerate(Reason)}
        fees["perpanjangan"] = {"amount": 20000, "payer": "regency"}
        tiers = [{"up_to": 7, "basis_points": 4000}, {"up_to": None, "basis_points": 3333}]
        self.add_version(
            number="028/PKS/2026",
            effective_from=(today + timedelta(days=1)).isoformat(),
            fees=fees,
            partner_share={"type": "tiers", "tiers": tiers},
            rounding="per_period",
            remainder="largest_remainder",
            ppn={"pkp": True},
            bill_fault_reprints=True,
        )

    def print_cards(self) -> None:
        for _ in range(self.rng.randint(1, 6)):
            self.now += timedelta(minutes=self.rng.randint(1, 50))
            if self.rng.random() < 0.1:
                self.model.spoiled += 1  # a spoiled blank produces no event
                continue
            self.serial += 1
            e = CardPrintedEvent(
                event_key=f"job-{self.serial}:printed",
                card_serial=f"KTP-{self.serial:06d}",
                nik=f"3314{self.rng.randint(0, 10**12 - 1):012d}",
                office_code=self.rng.choice(["33.14.01", "33.14.02", "33.14.03"]),
                reason=self.rng.choice(tuple(Reason)),
                printer_id=self.rng.choice(["p1", "p2"]),
                completed_at=self.now,
                template_version="ktp-front-sragen@1",
                is_fault_reprint=self.rng.random() < 0.1,
            )
            (self.model.buffered if self.rng.random() < 0.05 else self.model.outbox).append(e)

    def deliver_batch(self) -> None:
        """The outbox consumer: a shuffled batch with duplicates; sometimes it crashes before committing."""
        pending = self.model.outbox[:]
        self.rng.shuffle(pending)
        batch = pending[: self.rng.randint(1, 8)]
        batch += self.rng.sample(list(self.model.posted.values()), k=min(2, len(self.model.posted)))
        self.rng.shuffle(batch)
        with Session(self.engine) as s:
            report = post_events(s, batch, config=self.config, now=self.now)
            assert report.count("conflict") == report.count("rejected") == 0, (self.where(), report)
            if self.rng.random() < 0.2:
                s.rollback()  # crash: nothing of the batch stays
                return
            s.commit()
        for e, outcome in zip(batch, report.outcomes, strict=True):
            if outcome.status == "posted":
                self._posted(e, outcome.seq)
            else:  # only events posted before this batch come back as duplicates
                assert outcome.status == "duplicate" and e.card_serial in self.model.posted, self.where()

    def deliver_one_by_one(self) -> None:
        """Posting inside each print job's transaction; the worker dies after a random number of jobs."""
        crash_after = self.rng.randint(0, 3)
        for i, e in enumerate(self.model.outbox[:4]):
            with Session(self.engine) as s:
                outcome = post_card_printed(s, e, config=self.config, now=self.now)
                if i == crash_after:
                    s.rollback()
                    return
                s.commit()
            assert outcome.status == "posted", self.where()
            self._posted(e, outcome.seq)

    def _posted(self, e: CardPrintedEvent, seq: int | None) -> None:
        assert e.card_serial not in self.model.posted, f"{self.where()}: {e.event_key} posted twice"
        assert seq is not None
        self.model.outbox = [x for x in self.model.outbox if x.event_key != e.event_key]
        self.model.buffered = [x for x in self.model.buffered if x.event_key != e.event_key]
        self.model.posted[e.card_serial] = e
        self.model.seq_of[e.card_serial] = seq

    def flush_printer_buffer(self) -> None:
        self.model.outbox += self.model.buffered
        self.model.buffered = []

    def reverse_a_card(self) -> None:
        billed = sorted(self.model.expected_billed())
        if not billed:
            return
        serial = self.rng.choice(billed)
        for _ in range(self.rng.choice([1, 2])):  # the second time is a replayed request
            with Session(self.engine) as s:
                outcome = post_correction(
                    s, corrects_seq=self.model.seq_of[serial], correction_key=f"fix-{serial}",
                    note="printed card found defective", config=self.config, now=self.now,
                )  # fmt: skip
                s.commit()
            assert outcome.status in ("posted", "duplicate"), self.where()
        self.model.reversed.add(serial)

    def resend_with_other_content(self) -> None:
        """A producer bug: a posted event's key comes back with another office. Recorded, never posted;
        finance resolves it before closing."""
        if not self.model.posted:
            return
        original = self.model.posted[self.rng.choice(sorted(self.model.posted))]
        bad = original.model_copy(update={"office_code": "33.14.99"})
        with Session(self.engine) as s, pytest.raises(EventConflict):
            post_card_printed(s, bad, config=self.config, now=self.now)
        with Session(self.engine) as s:
            assert post_events(s, [bad], config=self.config, now=self.now).outcomes[0].status == "conflict"
            s.commit()

    def try_close(self) -> None:
        with Session(self.engine) as s:
            for c in list_conflicts(s):
                assert c.id is not None
                resolve_conflict(s, c.id, "re-sent by the printing side by mistake", now=self.now)
            s.commit()
        month = next_month(max(self.model.closed)) if self.model.closed else "2026-11"
        if self.now < month_bounds(month, WIB)[1]:
            return
        unposted = sum(1 for e in self.model.outbox if month_of(e.completed_at, WIB) <= month)
        with Session(self.engine) as s:
            if unposted:
                with pytest.raises(PeriodNotClosable, match="not posted yet"):
                    close_period(s, month, config=self.config, unposted_events=unposted, now=self.now)
                return
            signed = close_period(s, month, config=self.config, unposted_events=0, now=self.now)
            s.commit()
            self.model.closed[month] = _figures(signed.statement)
            bundle = export_bundle(s, month, self.workdir / f"{self.seed}-{month}.zip")
        assert verify_bundle(bundle, self.config.keys.public_key_pem()) == [], self.where()

    # --- invariants -------------------------------------------------------------------------------

    def check(self) -> None:
        with Session(self.engine) as s:
            billed = s.execute(
                text(
                    "SELECT t.card_serial, count(*) FROM billing_transaction t WHERE t.kind = 'card' AND t.billed "
                    "AND NOT EXISTS (SELECT 1 FROM billing_transaction r WHERE r.corrects_seq = t.seq) "
                    "GROUP BY t.card_serial"
                )
            ).all()
            assert all(n == 1 for _, n in billed), f"{self.where()}: a card billed twice"
            assert {serial for serial, _ in billed} == self.model.expected_billed(), self.where()
            unsplit = s.execute(
                text("SELECT count(*) FROM billing_transaction WHERE partner + regency <> fee")
            ).scalar()
            assert unsplit == 0, self.where()
            for month, figures in self.model.closed.items():
                recomputed = _figures(build_statement(s, month, self.config, self.now), with_contracts=False)
                assert recomputed == {k: v for k, v in figures.items() if k != "contracts"}, (
                    self.where(),
                    month,
                )
                assert _figures(get_statement(s, month, config=self.config, now=self.now)) == figures
            for month in {month_of(e.completed_at, WIB) for e in self.model.posted.values()}:
                st = get_statement(s, month, config=self.config, now=self.now)
                assert st.partner_share + st.regency_share == st.gross_amount, (self.where(), month)
            result = verify_chain(s, public_key_pem=self.config.keys.public_key_pem())
            assert result.ok, (self.where(), result.problems)

    def run(self, steps: int) -> None:
        self.add_version(bill_fault_reprints=False)
        actions = [
            (self.print_cards, 30),
            (self.deliver_batch, 25),
            (self.deliver_one_by_one, 10),
            (self.reverse_a_card, 4),
            (self.resend_with_other_content, 2),
            (self.flush_printer_buffer, 3),
            (self.try_close, 8),
        ]
        changed = False
        for self.step_no in range(1, steps + 1):
            self.now += timedelta(hours=self.rng.randint(0, 14))
            if not changed and self.now > datetime(2026, 12, 14, tzinfo=UTC):
                self.change_contract()
                changed = True
            action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
            action()
            self.check()
        assert self.model.closed, f"seed {self.seed}: no month closed in {steps} steps"
        assert self.model.reversed and any(e.is_fault_reprint for e in self.model.posted.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_simulated_months_keep_every_invariant(
    engine: Engine, config: BillingConfig, tmp_path: Path, seed: int
) -> None:
    Simulation(engine, config, seed, tmp_path).run(STEPS)
