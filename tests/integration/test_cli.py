"""The ``ktp`` command line against a real database file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ktp_service.cli import app


def test_upgrade_seed_and_create_user(cli_env: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0, r.output
    assert (cli_env / "ktp.sqlite3").exists()
    r = runner.invoke(app, ["db", "check"])
    assert r.exit_code == 0 and "agree" in r.output
    r = runner.invoke(app, ["demo", "seed", "--if-empty"])
    assert r.exit_code == 0 and "seeded 21 offices" in r.output
    r = runner.invoke(app, ["demo", "seed", "--if-empty"])
    assert "skipped" in r.output

    r = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "plupuh.clerk",
            "--role",
            "clerk",
            "--office",
            "33.14.02",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list"])
    assert "plupuh.clerk" in r.output and "33.14.02" in r.output

    r = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "x.clerk",
            "--role",
            "clerk",
            "--office",
            "99.99",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    assert r.exit_code == 2 and "No office with region code 99.99" in r.output
