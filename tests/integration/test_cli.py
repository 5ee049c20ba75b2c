"""The ``ktp`` command line against a real database file."""

from __future__ import annotations

from typer.testing import CliRunner, Result

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
    assert "read the counters of 4 printers" in r.output
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


def test_printers_commands(cli_settings: Settings) -> None:
    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), obj=cli_settings)

    assert run("db", "upgrade").exit_code == 0
    assert run("demo", "seed").exit_code == 0
    add = ("printers", "add", "--name", "Latihan", "--office", "33.14.01", "--adapter", "simulator")
    r = run(*add, "--dpi", "600")
    assert r.exit_code == 0 and "Latihan at 33.14.01 (simulator )" in r.output, r.output
    r = run(*add)
    assert r.exit_code == 2 and "already has a printer named 'Latihan'" in r.output
    r = run("printers", "add", "--name", "B", "--office", "33.14.01", "--adapter", "spool", "--config", "{")
    assert r.exit_code == 2 and "--config is not JSON" in r.output
    listed = run("printers", "list").output
    printer_id = next(line.split()[0] for line in listed.splitlines() if "Latihan" in line)
    r = run("printers", "simulate", printer_id, "--fault", "jam")
    assert r.exit_code == 0 and "faults=jam" in r.output, r.output
    r = run("printers", "status", printer_id)
    assert r.exit_code == 0 and "media-jam-error" in r.output, r.output
    r = run("printers", "status", "9999")
    assert r.exit_code == 2 and "No printer with id 9999" in r.output
