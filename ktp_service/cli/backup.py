"""``ktp backup --out FILE`` and ``ktp restore FILE``: the database, the data directory and the keys in one
archive (:mod:`ktp_service.backup`, :mod:`ktp_service.restore`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ktp_service.cli.common import reported_errors, settings_of
from ktp_service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def backup(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="The .tar.gz to write (it holds the keys: keep it safe).")
    ],
    with_spool: Annotated[bool, typer.Option("--with-spool", help="Also the spooled card images.")] = False,
) -> None:
    """Back up the database, photos, checkpoint log and keys into one archive, while the service runs."""
    from ktp_service.backup import create_backup

    settings = settings_of(ctx)
    with _database(settings) as (url, engine):
        report = create_backup(settings.data_dir, url, engine, out, with_spool=with_spool)
    for name in report.skipped:
        typer.secho(f"skipped {name} (a link or not a regular file)", fg=typer.colors.YELLOW, err=True)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    members = report.manifest["members"]
    typer.echo(f"wrote {out}: {len(members)} members, revision {report.manifest['alembic_revision']}")
    typer.echo(f"sha256 {digest}  (keep it apart from the archive to know it unchanged)")
    typer.echo(
        f"signed by key {report.key_id}  (`ktp restore --expect-key {report.key_id}` accepts no other)"
    )


def restore(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="An archive written by `ktp backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database and data directory that are not empty.")
    ] = False,
    expect_key: Annotated[
        str | None,
        typer.Option(
            "--expect-key", help="The signing key id the archive must be signed by (refused otherwise)."
        ),
    ] = None,
) -> None:
    """Restore a backup into an empty database and data directory (stop the service first)."""
    from ktp_service.restore import restore_backup

    settings = settings_of(ctx)
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # where the default SQLite file goes
    with _database(settings) as (url, engine):
        report = restore_backup(settings.data_dir, url, engine, archive, force=force, expect_key=expect_key)
    typer.echo(
        f"restored {report.files} files and the database (revision {report.alembic_revision}) "
        f"from a backup of {report.manifest['created_at']} signed by key {report.key_id}; "
        "run `ktp db upgrade`, then `ktp billing verify`"
    )


@contextmanager
def _database(settings: Settings) -> Iterator[tuple[str, Engine]]:
    """The settings' database URL and an engine for it, disposed at the end; refusals end the command."""
    from ktp_service.db import make_engine

    url = settings.effective_database_url
    engine = make_engine(url)
    try:
        with reported_errors():
            yield url, engine
    finally:
        engine.dispose()
