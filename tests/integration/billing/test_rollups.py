"""Monthly roll-ups (:mod:`billing.rollups`): after several writers post at once (batches, single cards,
duplicates, reversals of open and of closed months' cards, late cards of a closed month), the roll-up
holds exactly what the ledger recomputes, and the open month's statement read from it equals the one
grouped from the ledger. The roll-up is for pages only: a changed roll-up shows on the statement, yet
verification and closing read the ledger. SQLite and PostgreSQL (the writers run at once on PostgreSQL;
SQLite has one writer at a time, so there they take turns)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from billing import rollups
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.ledger import TX
from billing.posting import post_card_printed, post_events
from billing.statement import build_statement, close_period, get_statement
from billing.vocab import Reason
from tests.unit.billing.factories import add_contract, event

NOVEMBER = datetime(2026, 11, 5, 3, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 5, 3, tzinfo=UTC)
IN_DECEMBER = datetime(2026, 12, 20, tzinfo=UTC)
WRITERS = 4
REASONS = list(Reason)


def _at_once(engine: Engine, work: Callable[[int], None]) -> None:
    """``work(k)`` for every writer ``k``: in threads at once on PostgreSQL, one after the other on SQLite."""
    if engine.dialect.name != "postgresql":
        for k in range(WRITERS):
            work(k)
        return
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def run(k: int) -> None:
        try:
            start.wait()
            work(k)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _writer_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer thread adds to its own slot, as writers in separate processes do."""
    slots: dict[int, int] = {}
    lock = threading.Lock()

    def slot() -> int:
        with lock:
            return slots.setdefault(threading.get_ident(), len(slots) % rollups.SLOTS)

    monkeypatch.setattr(rollups, "writer_slot", slot)


def _figures(statement: Any) -> dict[str, Any]:
    figures: dict[str, Any] = statement.model_dump(exclude={"generated_at"})
    return figures


def _post_cards(engine: Engine, config: BillingConfig, k: int, when: datetime, now: datetime) -> list[int]:
    """Writer ``k``'s cards: three batches (one repeated: duplicates) and singles; the seqs it posted."""
    posted: list[int] = []
    batches = [
        [
            event(
                when + timedelta(minutes=k * 100 + b * 10 + i),
                office_code=f"33.14.0{1 + (k + i) % 3}",
                reason=REASONS[(k + b + i) % len(REASONS)],
                is_fault_reprint=i == 4,
            )  # fmt: skip
            for i in range(5)
        ]
        for b in range(3)
    ]
    for batch in [*batches, batches[0]]:
        with Session(engine) as s:
            report = post_events(s, batch, config=config, now=now)
            s.commit()
        posted += [o.seq for o in report.outcomes if o.status == "posted" and o.seq is not None]
    for i in range(3):
        with Session(engine) as s:
            outcome = post_card_printed(
                s, event(when + timedelta(hours=20 + k, minutes=i)), config=config, now=now
            )
            s.commit()
        assert outcome.seq is not None
        posted.append(outcome.seq)
    return posted


def _billed(engine: Engine, seqs: list[int]) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(TX.c.seq).where(TX.c.seq.in_(seqs), TX.c.billed.is_(True)))
        return sorted(int(r[0]) for r in rows)


def _check(engine: Engine, config: BillingConfig, month: str, now: datetime) -> None:
    with Session(engine) as s:
        assert rollups.rollup_differences(s) == []
        kept = get_statement(s, month, config=config, now=now)
        assert kept.cards_billed > 0
        assert _figures(kept) == _figures(build_statement(s, month, config, now, from_ledger=True))
        assert verify_chain(s).ok


def test_the_roll_up_equals_the_ledger_after_writers_post_at_once(
    engine: Engine, config: BillingConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _writer_slots(monkeypatch)
    with Session(engine) as s:
        add_contract(s)
    posted: dict[int, list[int]] = {}
    _at_once(
        engine,
        lambda k: posted.__setitem__(
            k, _post_cards(engine, config, k, NOVEMBER, NOVEMBER + timedelta(days=20))
        ),
    )

    def reverse(k: int, seqs: list[int], now: datetime, tag: str) -> None:
        for i, seq in enumerate(seqs):
            with Session(engine) as s:
                post_correction(
                    s, corrects_seq=seq, correction_key=f"{tag}-{k}-{i}", note="rusak", config=config, now=now
                )
                s.commit()

    billed = {k: _billed(engine, seqs) for k, seqs in posted.items()}
    # Reversals in the open month (the tier count goes down), by every writer at once.
    _at_once(engine, lambda k: reverse(k, billed[k][:2], NOVEMBER + timedelta(days=20), "nov"))
    _check(engine, config, "2026-11", NOVEMBER + timedelta(days=20))

    with Session(engine) as s:
        close_period(s, "2026-11", config=config, unposted_events=0, now=IN_DECEMBER)
        s.commit()
    # December: late November cards (prior period), December cards, reversals of closed November's cards.
    late: dict[int, list[int]] = {}

    def december(k: int) -> None:
        late[k] = _post_cards(engine, config, k, NOVEMBER + timedelta(days=2), IN_DECEMBER)
        _post_cards(engine, config, k, DECEMBER, IN_DECEMBER)
        reverse(k, billed[k][2:3], IN_DECEMBER, "dec")

    _at_once(engine, december)
    with Session(engine) as s:
        prior = s.execute(
            text("SELECT count(*) FROM billing_transaction WHERE prior_period AND period = '2026-12'")
        )
        assert prior.scalar_one() == WRITERS * (15 + 3) + WRITERS  # late cards and closed-month reversals
        slots = s.execute(text("SELECT count(DISTINCT slot) FROM billing_month_rollup")).scalar_one()
        assert slots > 1 if engine.dialect.name == "postgresql" else slots >= 1
    _check(engine, config, "2026-12", IN_DECEMBER)


def test_pages_read_the_roll_up_while_verification_and_closing_read_the_ledger(
    engine: Engine, config: BillingConfig
) -> None:
    with Session(engine) as s:
        add_contract(s)
        post_events(
            s, [event(NOVEMBER + timedelta(minutes=i)) for i in range(5)], config=config, now=IN_DECEMBER
        )
        s.commit()
    with engine.begin() as conn:  # the roll-up changed behind the ledger's back
        conn.execute(text("UPDATE billing_month_rollup SET cards = cards + 1000, n = n + 1000"))
    with Session(engine) as s:
        assert get_statement(s, "2026-11", config=config, now=IN_DECEMBER).cards_billed == 1005
        assert rollups.rollup_differences(s, "2026-11") != []
        assert verify_chain(s).ok  # the chain is intact: the roll-up is no evidence either way
        signed = close_period(s, "2026-11", config=config, unposted_events=0, now=IN_DECEMBER)
        s.commit()
    assert signed.statement.cards_billed == 5  # closing signs what the ledger holds
