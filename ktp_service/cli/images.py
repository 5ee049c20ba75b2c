"""``ktp images fit``: the fitted copies of photos and signatures uploaded before copies were made at upload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from ktp_service.cli.common import settings_of, transaction

if TYPE_CHECKING:
    from ktp_service.images import FitReport

app = typer.Typer(help="Stored photos and signatures.", no_args_is_help=True)


@app.command("fit")
def fit(
    ctx: typer.Context,
    progress_every: Annotated[
        int, typer.Option(help="Print the counts every N images (0: only at the end).")
    ] = 0,
) -> None:
    """Make the card-size copies of every resident's photo and signature that lack them (for the default
    template at its base dpi and at every dpi an active printer prints at, as an upload makes them).
    Idempotent and resumable: copies already made are kept; run it again after an interruption."""
    from sqlmodel import col, select

    from ktp_service.images import ImageKind, fit_stored_images
    from ktp_service.models import Resident
    from ktp_service.services.residents import fitted_boxes

    settings = settings_of(ctx)
    with transaction(ctx, writes=False) as (session, _):
        boxes = fitted_boxes(session, settings)
        photos = session.exec(
            select(Resident.photo_sha256, Resident.photo_format)
            .where(col(Resident.photo_sha256).is_not(None))
            .distinct()
        ).all()
        signatures = session.exec(
            select(Resident.signature_sha256, Resident.signature_format)
            .where(col(Resident.signature_sha256).is_not(None))
            .distinct()
        ).all()

    def stored() -> Iterator[tuple[ImageKind, str, str]]:
        for sha, fmt in sorted(photos):
            yield "photo", str(sha), str(fmt or "")
        for sha, fmt in sorted(signatures):
            yield "signature", str(sha), str(fmt or "")

    def show(report: FitReport) -> None:
        if progress_every and report.images % progress_every == 0:
            typer.echo(_counts(report))

    report = fit_stored_images(stored(), settings.images_dir, boxes, settings.max_image_pixels, on_image=show)
    typer.echo(_counts(report))


def _counts(r: FitReport) -> str:
    return (
        f"images {r.images}: fitted copies made {r.made}, already there {r.already}, "
        f"not fittable {r.not_fittable}, originals missing {r.missing}, refused {r.refused}"
    )
