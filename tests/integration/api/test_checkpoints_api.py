"""The partner keeps the signed chain checkpoints on their own machine (GET /api/v1/billing/checkpoints,
``ktp billing checkpoints pull``) and notices one the service no longer shows; the service's verification
reads its log file outside the database; the migrated schema refuses TRUNCATE on PostgreSQL (issue 10,
finding 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from billing.checkpoints import read_log, sync_log
from ktp_service.billing_bridge import config_for
from ktp_service.cli.billing_checkpoints import pull_checkpoints
from ktp_service.settings import Settings
from tests.conftest import World
from tests.integration.printing.test_month_end import CONTRACT

B = "/api/v1/billing"


def _delete_checkpoints(engine: Engine) -> None:
    """An attacker with the owner's rights removes the checkpoints from the database."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER billing_checkpoint_append_only ON billing_checkpoint"))
        else:
            conn.execute(text("DROP TRIGGER billing_checkpoint_no_delete"))
        conn.execute(text("DELETE FROM billing_checkpoint"))


def test_the_partner_pulls_checkpoints_and_notices_one_gone_from_the_service(
    client: TestClient,
    as_user: Callable[[str], dict[str, str]],
    world: World,
    settings: Settings,
    tmp_path: Path,
) -> None:
    finance = as_user("finance")
    assert client.post(f"{B}/contracts", json=CONTRACT, headers=finance).status_code == 201
    r = client.post(f"{B}/periods/2026-10/close", headers=finance)
    assert r.status_code == 200, r.text
    shown = client.get(f"{B}/checkpoints", headers=as_user("partner.auditor")).json()
    assert [(c["reason"], c["month"], c["seq"]) for c in shown] == [("close", "2026-10", 1)]
    assert client.get(f"{B}/checkpoints", params={"after": shown[0]["id"]}, headers=finance).json() == []

    token = as_user("partner.auditor")["Authorization"].removeprefix("Bearer ")
    key = client.get(f"{B}/public-key").text
    held = tmp_path / "partner" / "checkpoints.jsonl"
    assert pull_checkpoints(client, token, key, held) == (1, [])
    assert pull_checkpoints(client, token, key, held) == (0, [])  # nothing held twice
    (close,) = read_log(held)[0]

    with Session(world.engine) as s:  # the worker's tick does this in service; here, by hand
        assert sync_log(s, config_for(settings).checkpoint_path) == 1
    _delete_checkpoints(world.engine)
    assert pull_checkpoints(client, token, key, held) == (
        0,
        [f"{close.describe()}, held here, is no longer shown by the service"],
    )
    verified = client.get(f"{B}/verify", headers=finance).json()
    assert verified["ok"] is False
    assert (
        f"{close.describe()} is in the checkpoint log but no longer in the database" in verified["problems"]
    )


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_migrated_schema_refuses_truncate_of_the_audit_trail_and_the_ledger_on_postgresql(
    engine: Engine,
) -> None:
    for table in (
        "audit_event",
        "billing_transaction",
        "billing_entry",
        "billing_period",
        "billing_checkpoint",
    ):
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
