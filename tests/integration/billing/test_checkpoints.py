"""Signed checkpoints of the chain head (issue 10, finding 4): a ledger cut back, rewritten or wiped by
someone who can drop the triggers fails verification once a checkpoint names a head it no longer holds;
PostgreSQL refuses TRUNCATE. What stays undetectable is tested as such: a tail appended after the newest
checkpoint."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from billing.bundle import export_bundle, verify_bundle
from billing.canonical import canonical_bytes, canonical_json
from billing.chain import verify_chain
from billing.checkpoints import (
    Checkpoint,
    make_checkpoint,
    merge_held,
    read_log,
    stored_checkpoints,
    sync_log,
)
from billing.config import BillingConfig
from billing.ledger import HASHED_FIELDS
from billing.models import billing_tables
from billing.posting import post_events
from billing.statement import close_period
from ktp_service.checkpointer import Checkpointer
from tests.integration.billing.test_chain import drop_append_only_triggers
from tests.unit.billing.factories import add_contract, event

NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)
DEC_2 = datetime(2026, 12, 2, tzinfo=UTC)
LOG = "the checkpoint log"


def attacker(conn: Connection) -> None:
    """Drops every guard, the checkpoints' own included (someone with the database owner's rights)."""
    drop_append_only_triggers(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER billing_checkpoint_append_only ON billing_checkpoint"))
    else:
        conn.execute(text("DROP TRIGGER billing_checkpoint_no_update"))
        conn.execute(text("DROP TRIGGER billing_checkpoint_no_delete"))


def post(db: Session, config: BillingConfig, n: int, start: datetime = NOV) -> None:
    post_events(db, [event(start + timedelta(hours=i)) for i in range(n)], config=config, now=DEC_2)
    db.commit()


def checkpoint(db: Session, config: BillingConfig, now: datetime = DEC_2) -> Checkpoint:
    made = make_checkpoint(db, config, now=now)
    assert made is not None
    db.commit()
    return made


@pytest.fixture
def five_cards_checkpointed(db: Session, config: BillingConfig) -> tuple[Session, Checkpoint]:
    add_contract(db)
    post(db, config, 5)
    made = checkpoint(db, config)
    assert (made.seq, verify_chain(db, public_key_pem=config.keys.public_key_pem()).ok) == (5, True)
    db.rollback()
    return db, made


def cut_back_to(engine: Engine, db: Session, seq: int) -> None:
    """Delete every transaction after ``seq`` and move the head back to it: a consistent, shorter chain."""
    db.rollback()
    with engine.begin() as conn:
        attacker(conn)
        for table, column in (("billing_entry", "transaction_seq"), ("billing_billed_card", "seq")):
            conn.execute(text(f"DELETE FROM {table} WHERE {column} > {seq}"))
        conn.execute(text(f"DELETE FROM billing_transaction WHERE seq > {seq}"))
        conn.execute(
            text(
                "UPDATE billing_chain_head SET seq = :s, "
                "hash = (SELECT hash FROM billing_transaction WHERE seq = :s) WHERE id = 1"
            ),
            {"s": seq},
        )


def test_deleting_the_last_transaction_and_moving_the_head_back_fails_against_the_checkpoint(
    engine: Engine, five_cards_checkpointed: tuple[Session, Checkpoint]
) -> None:
    db, made = five_cards_checkpointed
    cut_back_to(engine, db, 4)
    # Without the checkpoint the shorter chain is consistent: the checkpoint is the only thing that catches it.
    assert verify_chain(db).problems == [
        f"the chain ends at transaction 4, before {made.describe()}: "
        "transactions were removed from its end (or every row was)"
    ]


def test_a_transaction_replaced_before_the_newest_checkpoint_is_detected(
    engine: Engine, config: BillingConfig, five_cards_checkpointed: tuple[Session, Checkpoint]
) -> None:
    """The last card deleted and another posted in its place with a correctly recomputed hash."""
    db, made = five_cards_checkpointed
    cut_back_to(engine, db, 4)
    post(db, config, 1, start=NOV + timedelta(days=1))
    assert verify_chain(db).problems == [
        f"transaction 5 is not the one {made.describe()} signed (other hash)"
    ]


def test_a_forged_tail_after_the_newest_checkpoint_is_not_detected_until_a_checkpoint_signs_it(
    engine: Engine, config: BillingConfig, five_cards_checkpointed: tuple[Session, Checkpoint]
) -> None:
    """Honest limit: a transaction appended after the newest checkpoint with a recomputed hash is, to the
    chain, a posting like any other. Without the key it passes only until the next checkpoint, which then
    signs it as part of the chain (the forger must get it in before that); with the key, the forger can
    sign their own checkpoints and nothing the service holds tells them apart."""
    db, made = five_cards_checkpointed
    db.rollback()
    with engine.begin() as conn:
        attacker(conn)  # not even needed: appending is what the ledger allows
    post(db, config, 1, start=NOV + timedelta(days=2))  # transaction 6, hash recomputed as the code does
    assert verify_chain(db, public_key_pem=config.keys.public_key_pem()).ok
    later = checkpoint(db, config, now=DEC_2 + timedelta(minutes=15))
    assert (later.seq, verify_chain(db, public_key_pem=config.keys.public_key_pem()).ok) == (6, True)
    assert made.seq == 5


def test_wiping_every_billing_row_including_signed_months_fails(
    engine: Engine, db: Session, config: BillingConfig
) -> None:
    add_contract(db)
    post(db, config, 2)
    close_period(db, "2026-11", config=config, unposted_events=0, now=DEC_2)
    db.commit()
    assert sync_log(db, config.checkpoint_path) == 1
    db.rollback()
    (close,) = read_log(config.checkpoint_path)[0]
    with engine.begin() as conn:
        attacker(conn)
        for table in reversed(billing_tables()):
            conn.execute(text(f"DELETE FROM {table.name}"))
    # The database alone now looks like a fresh install...
    assert verify_chain(db).ok
    # ...but the log file outside it still holds the signed close of November.
    result = verify_chain(db, public_key_pem=config.keys.public_key_pem(), held={LOG: [close]})
    assert result.transactions == 0
    assert result.problems == [
        f"{close.describe()} is in {LOG} but no longer in the database",
        f"month 2026-11 was closed ({close.describe()}) but its closed row is missing",
        f"the chain ends at transaction 0, before {close.describe()}: "
        "transactions were removed from its end (or every row was)",
    ]


def test_an_empty_chain_with_checkpoints_in_the_database_fails(
    engine: Engine, five_cards_checkpointed: tuple[Session, Checkpoint]
) -> None:
    db, made = five_cards_checkpointed
    db.rollback()
    with engine.begin() as conn:
        attacker(conn)
        for table in ("billing_entry", "billing_billed_card", "billing_transaction", "billing_chain_head"):
            conn.execute(text(f"DELETE FROM {table}"))
    result = verify_chain(db)
    assert (result.ok, result.transactions) == (False, 0)
    assert result.problems[0].startswith(f"the chain ends at transaction 0, before {made.describe()}")


def test_a_checkpoint_with_a_forged_signature_does_not_count(
    config: BillingConfig, five_cards_checkpointed: tuple[Session, Checkpoint]
) -> None:
    db, made = five_cards_checkpointed
    forged = Checkpoint(99, 9, "f" * 64, made.made_at, "interval", None, made.key_id, made.signature)
    result = verify_chain(db, public_key_pem=config.keys.public_key_pem(), held={"partner.jsonl": [forged]})
    assert result.problems == [f"{forged.describe()}: its signature does not match the regency's key"]


@pytest.mark.parametrize("billing_engine", ["postgresql"], indirect=True)
def test_truncate_of_every_billing_table_is_refused_on_postgresql(engine: Engine) -> None:
    for table in billing_tables():
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table.name} CASCADE"))


def test_the_checkpointer_signs_only_when_the_head_moved_and_the_interval_passed(
    engine: Engine, db: Session, config: BillingConfig
) -> None:
    now = [DEC_2]
    ticker = Checkpointer(engine, config, timedelta(minutes=15), clock=lambda: now[0])
    assert ticker.tick() is None  # empty chain: nothing to sign
    add_contract(db)
    post(db, config, 2)
    assert ticker.tick() is None  # the interval since the last tick has not passed
    now[0] += timedelta(minutes=15)
    first = ticker.tick()
    assert first is not None and first.seq == 2
    now[0] += timedelta(minutes=15)
    assert ticker.tick() is None  # the head did not move
    post(db, config, 1, start=NOV + timedelta(days=1))
    now[0] += timedelta(minutes=15)
    second = ticker.tick()
    assert second is not None and second.seq == 3
    # Every one of them is in the log file outside the database, once.
    assert [c.id for c in read_log(config.checkpoint_path)[0]] == [first.id, second.id]
    assert [c.id for c in stored_checkpoints(db)] == [first.id, second.id]


def _rewrite_bundle(source: Path, target: Path, config: BillingConfig) -> None:
    """What a holder of the signing key can do: change a transaction, recompute the stretch's hashes and
    re-sign the statement naming the new head."""
    with zipfile.ZipFile(source) as z:
        files = {name: z.read(name) for name in z.namelist()}
    prev = None
    lines = []
    for line in files["transactions.jsonl"].decode().splitlines():
        tx = json.loads(line)
        if tx["seq"] == 1:
            tx["printer_id"] = "printer-99"  # in the hash, in no total
        if prev is not None:
            tx["prev_hash"] = prev
        content = [tx[name] for name in HASHED_FIELDS] + [tx["lines"]]
        from billing.canonical import sha256_hex

        tx["hash"] = prev = sha256_hex(canonical_bytes(content))
        lines.append(canonical_json(tx))
    statement = json.loads(files["statement.json"])
    statement["chain"]["head_hash"] = prev
    signed = canonical_json(statement)
    files["statement.json"] = signed.encode()
    files["statement.sig"] = (config.keys.sign(signed.encode()) + "\n").encode()
    files["transactions.jsonl"] = ("\n".join(lines) + "\n").encode()
    with zipfile.ZipFile(target, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_the_partners_held_checkpoints_catch_a_rewritten_bundle(
    db: Session, config: BillingConfig, tmp_path: Path
) -> None:
    add_contract(db)
    post(db, config, 2)
    mid_month = checkpoint(db, config)  # the partner pulls it mid-month
    post(db, config, 2, start=NOV + timedelta(days=1))
    close_period(db, "2026-11", config=config, unposted_events=0, now=DEC_2)
    db.commit()
    held_file = tmp_path / "partner" / "checkpoints.jsonl"
    assert merge_held(held_file, stored_checkpoints(db), config.keys.public_key_pem()) == (2, [])
    held, _ = read_log(held_file)
    bundle, rewritten = tmp_path / "nov.zip", tmp_path / "nov-rewritten.zip"
    export_bundle(db, "2026-11", bundle)
    key = config.keys.public_key_pem()
    assert verify_bundle(bundle, key, held) == []
    _rewrite_bundle(bundle, rewritten, config)
    assert verify_bundle(rewritten, key) == []  # with the key, the bundle alone is convincing
    close = held[1]
    assert verify_bundle(rewritten, key, held) == [
        f"the statement closes at another head than {close.describe()} signed",
        f"transaction 2 is not the one {mid_month.describe()} signed (other hash)",
        f"transaction 5 is not the one {close.describe()} signed (other hash)",
    ]
