"""The ``ktp`` command line against a real database file."""

from __future__ import annotations

from typer.testing import CliRunner

from ktp_service.cli import app
from ktp_service.settings import Settings


def test_upgrade_seed_and_create_user(cli_settings: Settings) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["db", "upgrade"], obj=cli_settings)
    assert r.exit_code == 0, r.output
    assert cli_settings.sqlite_path.exists()
    r = runner.invoke(app, ["db", "check"], obj=cli_settings)
    assert r.exit_code == 0 and "agree" in r.output
    r = runner.invoke(app, ["demo", "seed", "--if-empty"], obj=cli_settings)
    assert r.exit_code == 0 and "seeded 21 offices" in r.output
    r = runner.invoke(app, ["demo", "seed", "--if-empty"], obj=cli_settings)
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
        obj=cli_settings,
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["users", "list"], obj=cli_settings)
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
        obj=cli_settings,
    )
    assert r.exit_code == 2 and "No office with region code 99.99" in r.output
