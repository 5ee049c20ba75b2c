"""``ktp render``: render a card from a JSON file (or the built-in sample) to PNG or PDF.

The JSON holds the resident fields with the API's names; ``foto`` and ``tanda_tangan`` are image paths
relative to the JSON file; ``tempat_terbit`` and ``tanggal_terbit`` are optional (default: the template's
place of issue, today in the configured time zone); ``kode_kecamatan`` / ``kode_desa`` may stand in for
``kecamatan`` / ``kelurahan_desa``. Registered by ``ktp_service.cli`` as ``app.command("render")(render)``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from pydantic import ValidationError

from ktp_service.cards.data import IMAGE_FIELDS, CardData
from ktp_service.cards.errors import CardError
from ktp_service.cards.render import Format, render_card
from ktp_service.cards.sample import sample_card_data
from ktp_service.cards.template_files import load_template
from ktp_service.cli.common import settings_of
from ktp_service.regions import get_region

FORMATS: dict[str, Format] = {".png": "png", ".pdf": "pdf"}
CODE_FIELDS = {"kode_kecamatan": "kecamatan", "kode_desa": "kelurahan_desa"}


def render(
    ctx: typer.Context,
    *,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Resident JSON (API field names; image paths relative to it)."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output file: .png or .pdf.")],
    dpi: Annotated[int, typer.Option("--dpi", help="300 or 600.")] = 300,
    template: Annotated[
        str | None, typer.Option("--template", help="Template id (default from settings).")
    ] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Render the built-in sample resident.")] = False,
) -> None:
    """Render a KTP card to PNG or PDF (format from the --out extension)."""
    if sample == (data is not None):
        raise typer.BadParameter("give either --data FILE.json or --sample")
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise typer.BadParameter(f"{out.name}: the output must end in .png or .pdf", param_hint="--out")
    if dpi not in (300, 600):
        raise typer.BadParameter("300 or 600", param_hint="--dpi")
    settings = settings_of(ctx)
    try:
        card_template = load_template(template or settings.default_template, settings.templates_dir)
        today = datetime.now(ZoneInfo(settings.timezone)).date()
        card_data = sample_card_data(tanggal_terbit=today) if data is None else read_card_json(data, today)
        card = render_card(card_template, card_data, dpi=dpi, fmt=fmt)
    except CardError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    out.write_bytes(card.content)
    typer.echo(
        f"{out}: {card.width_px}x{card.height_px} px at {dpi} dpi, {len(card.content)} bytes, "
        f"template {card.template_id} v{card.template_version} (sha256 {card.template_hash[:12]})"
    )
    for fitted in card.fits:
        if fitted.shrunk or fitted.lines > 1:
            typer.echo(f"  note: {fitted.name} printed at {fitted.size_pt:g} pt on {fitted.lines} line(s)")


def read_card_json(path: Path, issued: date) -> CardData:
    """Read the resident JSON, load its images and resolve region codes to names. Raises typer errors."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--data") from None
    if not isinstance(payload, dict):
        raise typer.BadParameter(f"{path}: expected a JSON object", param_hint="--data")
    for code_field, name_field in CODE_FIELDS.items():
        code = payload.pop(code_field, None)
        if code is not None and not payload.get(name_field):
            region = get_region(str(code))
            if region is None:
                raise typer.BadParameter(f"{path}: {code_field} {code!r} is not a known region code")
            payload[name_field] = region.name
    for field in IMAGE_FIELDS:
        relative = payload.get(field)
        if not relative:
            payload[field] = b""  # render_card reports the missing image by name
            continue
        image_path = path.parent / str(relative)
        try:
            payload[field] = image_path.read_bytes()
        except OSError as exc:
            raise typer.BadParameter(
                f"{field}: cannot read {image_path}: {exc.strerror}", param_hint="--data"
            ) from None
    payload.setdefault("tanggal_terbit", issued.isoformat())
    ignored = sorted(set(payload) - set(CardData.model_fields))
    if ignored:
        typer.echo(f"note: ignoring fields not printed on the card: {', '.join(ignored)}", err=True)
    try:
        return CardData.model_validate({k: v for k, v in payload.items() if k not in ignored})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise typer.BadParameter(f"{path}: {problems}", param_hint="--data") from None
