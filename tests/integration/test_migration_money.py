"""Migration ``b1_money_received_entries`` on a database that already has money received: rows without a
reference stay valid (NULL), references are normalised, a reference stored twice keeps both rows (numbered,
so the unique constraint holds), and from then on the rows are append-only; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ktp_service import migrate


def test_existing_money_received_survives_the_new_constraints(bare_engine: Engine) -> None:
    migrate.upgrade(bare_engine, "a5_ascii_digits")  # the revision before b1
    with bare_engine.begin() as conn:
        for office, reference in (
            ("33.14.01", ""),
            ("33.14.01", ""),
            ("33.14.02", "sts 0012 "),
            ("33.14.02", "STS  0012"),
            ("33.14.03", "STS-9"),
        ):
            conn.execute(
                text(
                    "INSERT INTO billing_money_received (month, office_code, day, amount, reference, source, "
                    "recorded_at) VALUES ('2026-10', :o, '2026-10-05', 1000, :r, 'entered', "
                    "'2026-10-05T01:00:00.000000Z')"
                ),
                {"o": office, "r": reference},
            )
    migrate.upgrade(bare_engine)
    with bare_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT reference, reference_reentry, recorded_by, reverses_id FROM billing_money_received "
                "ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (None, 0, "", None),
        (None, 0, "", None),
        ("STS 0012", 0, "", None),
        ("STS 0012", 1, "", None),
        ("STS-9", 0, "", None),
    ]
    assert migrate.pending_model_changes(bare_engine) == []
    with bare_engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE billing_money_received SET amount = 1"))
    with bare_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO billing_partner_count (month, cards, note, author, recorded_at) "
                "VALUES ('2026-10', 5, '', 'partner.auditor', '2026-11-02T01:00:00.000000Z')"
            )
        )
    with bare_engine.connect() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM billing_partner_count"))
    # and back (a reversal goes with the entry it reversed), then up again
    cfg = migrate._config(bare_engine)
    with bare_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "a5_ascii_digits")
    with bare_engine.connect() as conn:
        refs = conn.execute(text("SELECT reference FROM billing_money_received ORDER BY id")).scalars().all()
    assert refs == ["", "", "STS 0012", "STS 0012", "STS-9"]
    migrate.upgrade(bare_engine)
    assert migrate.pending_model_changes(bare_engine) == []
