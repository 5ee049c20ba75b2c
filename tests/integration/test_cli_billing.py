"""The billing CLI against a real database file: contract, post, statement in every format, close,
export, verify, offline verification, conflicts and corrections."""

from __future__ import annotations

import json
from functools import partial

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from billing.models import billing_tables
from ktp_service.cli import app, billing_checkpoints
from ktp_service.db import make_engine
from ktp_service.settings import Settings
from tests.integration.printing.test_month_end import CONTRACT


def test_billing_commands(cli_settings: Settings) -> None:
    run = partial(CliRunner().invoke, obj=cli_settings)
    data_dir = cli_settings.data_dir
    assert run(app, ["db", "upgrade"]).exit_code == 0
    terms = data_dir / "contract.json"
    terms.write_text(json.dumps(CONTRACT))
    r = run(app, ["billing", "contract-add", "--file", str(terms)])
    assert r.exit_code == 0 and "027/PKS/2026" in r.output, r.output
    r = run(app, ["billing", "contract-add", "--file", str(terms)])
    assert r.exit_code == 2 and "overlap" in r.output
    assert "posted 0 events" in run(app, ["billing", "post"]).output
    r = run(app, ["billing", "statement", "--month", "2026-10"])
    assert r.exit_code == 0 and json.loads(r.output)["cards_billed"] == 0
    for fmt in ("csv", "xlsx", "pdf"):
        out = data_dir / f"s.{fmt}"
        r = run(app, ["billing", "statement", "--month", "2026-10", "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0 and out.stat().st_size > 0, r.output
    assert run(app, ["billing", "statement", "--month", "2099-01"]).exit_code == 2
    r = run(app, ["billing", "close", "--month", "2026-10"])
    assert r.exit_code == 0 and "closed 2026-10" in r.output, r.output
    bundle, key = data_dir / "b.zip", data_dir / "key.pem"
    assert run(app, ["billing", "export-bundle", "--month", "2026-10", "--out", str(bundle)]).exit_code == 0
    assert run(app, ["billing", "public-key", "--out", str(key)]).exit_code == 0
    r = run(app, ["billing", "verify-statement", str(bundle), "--public-key", str(key)])
    assert r.exit_code == 0 and "PAKET SESUAI" in r.output, r.output
    r = run(app, ["billing", "verify"])
    assert r.exit_code == 0 and "ledger verifies" in r.output
    assert "no conflicts" in run(app, ["billing", "conflicts"]).output
    r = run(app, ["billing", "correct", "--seq", "999", "--key", "k1", "--note", "salah catat"])
    assert r.exit_code == 2


def test_checkpoint_commands_keep_a_copy_that_catches_a_wiped_ledger(
    cli_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10, finding 4: the close signs a checkpoint, copied to the log file outside the database; the
    partner keeps one (export, or pull over HTTP); a ledger wiped afterwards no longer verifies."""
    run = partial(CliRunner().invoke, obj=cli_settings)
    data_dir = cli_settings.data_dir
    assert run(app, ["db", "upgrade"]).exit_code == 0
    terms = data_dir / "contract.json"
    terms.write_text(json.dumps(CONTRACT))
    assert run(app, ["billing", "contract-add", "--file", str(terms)]).exit_code == 0
    assert run(app, ["billing", "close", "--month", "2026-10"]).exit_code == 0
    assert len(cli_settings.checkpoint_log.read_text().splitlines()) == 1  # synced after the close
    r = run(app, ["billing", "checkpoints", "make"])
    assert r.exit_code == 0 and "nothing to sign" in r.output, r.output
    held, key, bundle = data_dir / "partner.jsonl", data_dir / "key.pem", data_dir / "b.zip"
    r = run(app, ["billing", "checkpoints", "export", "--out", str(held)])
    assert r.exit_code == 0 and "1 checkpoint(s) added" in r.output, r.output
    assert run(app, ["billing", "public-key", "--out", str(key)]).exit_code == 0
    assert run(app, ["billing", "export-bundle", "--month", "2026-10", "--out", str(bundle)]).exit_code == 0
    r = run(
        app,
        ["billing", "verify-statement", str(bundle), "--public-key", str(key), "--checkpoints", str(held)],
    )
    assert r.exit_code == 0, r.output

    # pull: the same checkpoints over HTTP with a token, into a second file
    records = [json.loads(line) for line in held.read_text().splitlines()]

    def serve(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer partner-token"
        return httpx.Response(200, json=records)

    monkeypatch.setattr(
        billing_checkpoints,
        "http_client",
        lambda server: httpx.Client(base_url=server, transport=httpx.MockTransport(serve)),
    )
    pulled = data_dir / "pulled.jsonl"
    pull = ["billing", "checkpoints", "pull", "--server", "http://ktp.test", "--token", "partner-token"]
    r = run(app, [*pull, "--public-key", str(key), "--out", str(pulled)])
    assert r.exit_code == 0 and "1 new checkpoint(s)" in r.output, r.output

    engine = make_engine(cli_settings.effective_database_url)
    with engine.begin() as conn:  # the attacker: triggers dropped, every billing row deleted
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            conn.execute(text(f"DROP TRIGGER {name}"))
        for table in reversed(billing_tables()):
            conn.execute(text(f"DELETE FROM {table.name}"))
    engine.dispose()
    r = run(app, ["billing", "verify"])
    assert r.exit_code == 1 and "is in the checkpoint log but no longer in the database" in r.output, r.output
    cli_settings.checkpoint_log.unlink()  # the file too: the partner's copy still tells
    r = run(app, ["billing", "verify", "--checkpoints", str(pulled)])
    assert r.exit_code == 1 and "the chain ends at transaction 0" in r.output, r.output
    records.clear()  # and the service no longer shows what the partner holds
    r = run(app, [*pull, "--public-key", str(key), "--out", str(pulled)])
    assert r.exit_code == 1 and "no longer shown by the service" in r.output, r.output
