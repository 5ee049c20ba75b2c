"""The hash chain: tampering with the ledger in the database is detected and the bad row is named; two
writers posting at once never fork the chain."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.chain import verify_chain
from billing.config import BillingConfig
from billing.corrections import post_correction
from billing.posting import post_card_printed, post_events
from billing.statement import close_period
from tests.unit.billing.factories import add_contract, event

NOW = datetime(2026, 12, 20, tzinfo=UTC)


def drop_append_only_triggers(conn: Connection) -> None:
    """What an attacker with the database owner's rights does first."""
    if conn.dialect.name == "postgresql":
        for table in ("billing_transaction", "billing_entry"):
            conn.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
        conn.execute(text("DROP TRIGGER billing_period_guard ON billing_period"))
    else:
        for table in ("billing_transaction", "billing_entry"):
            for action in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER {table}_no_{action}"))
        conn.execute(text("DROP TRIGGER billing_period_no_delete"))
        conn.execute(text("DROP TRIGGER billing_period_closed_no_update"))


@pytest.fixture
def ledger(db: Session, config: BillingConfig) -> Session:
    """Five cards posted (transactions 1-5, three entries each)."""
    add_contract(db)
    post_events(
        db,
        [event(datetime(2026, 12, 1, 3, tzinfo=UTC) + timedelta(hours=i)) for i in range(5)],
        config=config,
        now=NOW,
    )
    db.commit()
    assert verify_chain(db).ok
    db.rollback()
    return db


def tamper(engine: Engine, session: Session, *statements: str) -> None:
    session.rollback()  # end the reader's transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE)
    with engine.begin() as conn:
        drop_append_only_triggers(conn)
        for statement in statements:
            conn.execute(text(statement))


def test_an_untouched_chain_verifies(ledger: Session) -> None:
    result = verify_chain(ledger)
    assert (result.ok, result.transactions, result.entries, result.head_seq, result.problems) == (
        True,
        5,
        15,
        5,
        [],
    )


def test_changing_an_entry_amount_names_the_entry(engine: Engine, ledger: Session) -> None:
    entry_id = ledger.execute(
        text("SELECT id FROM billing_entry WHERE transaction_seq = 3 AND line = 2")
    ).scalar_one()
    tamper(engine, ledger, "UPDATE billing_entry SET credit = 4500 WHERE transaction_seq = 3 AND line = 2")
    result = verify_chain(ledger)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert any(f"entry {entry_id} (line 2, partner_payable 0/4500)" in p for p in result.problems), (
        result.problems
    )
    assert any("transaction 3 does not balance" in p for p in result.problems)


def test_changing_a_transaction_column_names_the_transaction(engine: Engine, ledger: Session) -> None:
    tamper(engine, ledger, "UPDATE billing_transaction SET office_code = '33.14.20' WHERE seq = 2")
    result = verify_chain(ledger)
    assert (result.ok, result.first_bad_seq) == (False, 2)
    # One row changed, one problem: the next transaction still links to the stored hash.
    [problem] = result.problems
    assert problem.startswith("transaction 2 (job-")
    assert problem.endswith("its content does not match its hash; a column or an entry of it was changed")


def test_deleting_a_transaction_is_detected(engine: Engine, ledger: Session) -> None:
    tamper(
        engine,
        ledger,
        "DELETE FROM billing_entry WHERE transaction_seq = 4",
        "DELETE FROM billing_billed_card WHERE seq = 4",
        "DELETE FROM billing_transaction WHERE seq = 4",
    )
    result = verify_chain(ledger)
    assert result.first_bad_seq == 4
    assert "transactions 4 to 4 are missing (deleted or renumbered)" in result.problems
    assert any(p.startswith("transaction 5 (") and "prev_hash" in p for p in result.problems)


def test_unmarking_a_billed_card_is_detected(engine: Engine, ledger: Session) -> None:
    tamper(engine, ledger, "DELETE FROM billing_billed_card WHERE seq = 2")
    assert verify_chain(ledger).problems == ["4 cards are marked billed, the ledger bills 5"]


def test_deleting_the_last_transaction_is_detected_by_the_head(engine: Engine, ledger: Session) -> None:
    tamper(
        engine,
        ledger,
        "DELETE FROM billing_entry WHERE transaction_seq = 5",
        "DELETE FROM billing_billed_card WHERE seq = 5",
        "DELETE FROM billing_transaction WHERE seq = 5",
    )
    result = verify_chain(ledger)
    assert result.problems == ["the chain head records transaction 5, the ledger ends at 4"]


def test_reordering_transactions_is_detected(engine: Engine, ledger: Session) -> None:
    entries = ledger.execute(
        text(
            "SELECT transaction_seq, line, account, debit, credit FROM billing_entry WHERE transaction_seq IN (2, 3)"
        )
    ).all()
    swapped = ", ".join(f"({5 - s}, {line}, '{a}', {d}, {c})" for s, line, a, d, c in entries)  # 2 <-> 3
    tamper(
        engine,
        ledger,
        "DELETE FROM billing_entry WHERE transaction_seq IN (2, 3)",
        "DELETE FROM billing_billed_card WHERE seq IN (2, 3)",
        "UPDATE billing_transaction SET seq = -2 WHERE seq = 2",
        "UPDATE billing_transaction SET seq = 2 WHERE seq = 3",
        "UPDATE billing_transaction SET seq = 3 WHERE seq = -2",
        f"INSERT INTO billing_entry (transaction_seq, line, account, debit, credit) VALUES {swapped}",
        "INSERT INTO billing_billed_card SELECT card_serial, seq FROM billing_transaction WHERE seq IN (2, 3)",
    )
    result = verify_chain(ledger)
    assert result.first_bad_seq == 2
    assert any(p.startswith("transaction 2 (") for p in result.problems)
    assert any(p.startswith("transaction 3 (") for p in result.problems)


def test_rewriting_a_closed_month_and_recomputing_every_hash_is_caught_by_the_signature(
    engine: Engine, db: Session, config: BillingConfig
) -> None:
    """Someone who can rewrite the database can recompute the whole chain, even the closed month's head;
    only the signature (its key is outside the database) gives them away."""
    add_contract(db)
    post_events(
        db,
        [event(datetime(2026, 11, 10, tzinfo=UTC)), event(datetime(2026, 11, 11, tzinfo=UTC))],
        config=config,
        now=NOW,
    )
    close_period(db, "2026-11", config=config, unposted_events=0, now=NOW)
    db.commit()
    db.close()
    with engine.begin() as conn:
        drop_append_only_triggers(conn)
        conn.execute(text("UPDATE billing_transaction SET partner = 4000, regency = 6001 WHERE seq = 1"))
        conn.execute(text("UPDATE billing_entry SET credit = 4000 WHERE transaction_seq = 1 AND line = 2"))
        conn.execute(text("UPDATE billing_entry SET credit = 6001 WHERE transaction_seq = 1 AND line = 3"))
    _rehash_everything(db)
    # The chain alone is consistent again; the close checkpoint (signed, so not rewritable) no longer is...
    checkpoint = "checkpoint 1 (close of 2026-11, 2026-12-20T00:00:00.000000Z, transaction 3)"
    assert verify_chain(db).problems == [
        f"month 2026-11 records another chain head than {checkpoint} signed",
        f"transaction 3 is not the one {checkpoint} signed (other hash)",
    ]
    result = verify_chain(db, public_key_pem=config.keys.public_key_pem())
    assert "month 2026-11 records a chain head other than its signed statement names" in result.problems


def _rehash_everything(db: Session) -> None:
    from billing.ledger import HASHED_FIELDS, content_hash, transaction_content

    cols = ", ".join((*HASHED_FIELDS, "hash"))
    rows = [
        dict(r._mapping) for r in db.execute(text(f"SELECT {cols} FROM billing_transaction ORDER BY seq"))
    ]
    prev = "0" * 64
    for row in rows:
        lines = [
            tuple(x)
            for x in db.execute(
                text(
                    "SELECT account, debit, credit FROM billing_entry WHERE transaction_seq = :s ORDER BY line"
                ),
                {"s": row["seq"]},
            )
        ]
        row["prev_hash"] = prev
        new = content_hash(transaction_content(row, lines))
        db.execute(
            text("UPDATE billing_transaction SET prev_hash = :p, hash = :h WHERE seq = :s"),
            {"p": prev, "h": new, "s": row["seq"]},
        )
        prev = new
    last = rows[-1]["seq"]
    db.execute(text("UPDATE billing_period SET head_hash = :h, head_seq = :s"), {"h": prev, "s": last})
    db.execute(text("UPDATE billing_chain_head SET hash = :h"), {"h": prev})
    db.commit()


def test_two_writers_at_once_never_fork_the_chain(engine: Engine, config: BillingConfig) -> None:
    with Session(engine) as s:
        add_contract(s)
    start = threading.Barrier(3)
    errors: list[BaseException] = []
    shared = [event(datetime(2026, 12, 5, tzinfo=UTC) + timedelta(minutes=i)) for i in range(10)]

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with Session(engine) as s:
                    own = event(datetime(2026, 12, 6, tzinfo=UTC) + timedelta(minutes=i), key=f"w{n}-{i}")
                    # Each worker posts its own cards and also every shared one: shared ones post once.
                    post_events(s, [own, *shared[i % 10 : i % 10 + 2]], config=config, now=NOW)
                    s.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as s:
        result = verify_chain(s)
        assert result.ok, result.problems
        assert result.transactions == 3 * 15 + 10
        keys = s.execute(
            text("SELECT count(DISTINCT event_key), count(DISTINCT period_ordinal) FROM billing_transaction")
        ).one()
        assert tuple(keys) == (55, 55)


@pytest.mark.parametrize("billing_engine", ["postgresql"], indirect=True)
def test_a_second_writer_waits_for_the_first_on_postgresql(engine: Engine, config: BillingConfig) -> None:
    """Deterministic version of the race on PostgreSQL (SQLite serialises writers at BEGIN IMMEDIATE, with
    no lock wait to observe): the second writer is seen waiting for the lock while the first holds it,
    then sees the first's posting and reports a duplicate."""
    with Session(engine) as s:
        add_contract(s)
    e = event(datetime(2026, 12, 5, tzinfo=UTC))
    first = Session(engine)
    post_card_printed(first, e, config=config, now=NOW)  # holds the head lock, uncommitted
    outcome: list[str] = []

    def second() -> None:
        with Session(engine) as s:
            outcome.append(post_card_printed(s, e, config=config, now=NOW).status)
            s.commit()

    t = threading.Thread(target=second)
    t.start()
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    with engine.connect() as watch:
        while datetime.now(UTC) < deadline:
            waiting = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE billing_chain_head%'"
                )
            ).scalar_one()
            watch.rollback()
            if waiting:
                break
        assert waiting == 1
    assert outcome == []
    first.commit()
    first.close()
    t.join()
    assert outcome == ["duplicate"]


def test_awkward_text_round_trips_through_both_databases_and_the_bundle(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    """What is hashed at posting must be exactly what is read back: quotes, backslashes, newlines, control
    characters and non-ASCII text in every free-text field, on SQLite and PostgreSQL."""
    add_contract(db)
    awkward = [
        'Kantor "Kalijambe"',
        "back\\slash",
        "line\nbreak\ttab",
        "\u0001\u001f",
        "Kecamatan Gesi é ñ 漢字 😀",
        " ",
    ]
    events = [
        event(
            datetime(2026, 11, 10, tzinfo=UTC) + timedelta(minutes=i),
            key=f"key {text!r}",
            office_code=text,
            printer_id=text,
            template_version=text,
            card_serial=f"S{i}{text}",
        )  # fmt: skip
        for i, text in enumerate(awkward)
    ]
    post_events(db, events, config=config, now=NOW)
    post_correction(
        db, corrects_seq=1, correction_key='fix "1"\n', note="catatan: \\ \u00e9\n", config=config, now=NOW
    )
    close_period(db, "2026-11", config=config, unposted_events=0, now=NOW)
    db.commit()
    result = verify_chain(db, public_key_pem=config.keys.public_key_pem())
    assert result.ok, result.problems
    bundle = export_bundle(db, "2026-11", tmp_path / "b.zip")
    assert verify_bundle(bundle, config.keys.public_key_pem()) == []
