"""The billing CLI against a real database file: contract, post, statement in every format, close,
export, verify, offline verification, conflicts and corrections."""

from __future__ import annotations

import json
from functools import partial

from typer.testing import CliRunner

from ktp_service.cli import app
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
    assert r.exit_code == 0 and "bundle verifies" in r.output, r.output
    r = run(app, ["billing", "verify"])
    assert r.exit_code == 0 and "ledger verifies" in r.output
    assert "no conflicts" in run(app, ["billing", "conflicts"]).output
    r = run(app, ["billing", "correct", "--seq", "999", "--key", "k1", "--note", "salah catat"])
    assert r.exit_code == 2
