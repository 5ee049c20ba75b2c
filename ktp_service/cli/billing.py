"""``ktp billing``: contracts, posting, statements, bundles and the public key (ledger checks: billing_ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ktp_service.cli.common import fail, reported_errors, settings_of, transaction
from ktp_service.files import write_atomically

app = typer.Typer(help="Revenue-share billing.", no_args_is_help=True)
MonthOpt = Annotated[str, typer.Option("--month", help="YYYY-MM.")]
FORMATS = ("json", "csv", "xlsx", "pdf")


@app.command("contract-add")
def contract_add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", help="Contract terms as JSON.")],
) -> None:
    """Add a contract version from a JSON file (the API's contract body)."""
    import json

    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    try:
        body = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}") from None
    with reported_errors(), transaction(ctx) as (session, _):
        v = billing.add_contract(session, SYSTEM, body)
        typer.echo(
            f"contract version {v.id}: {v.number} from {v.effective_from} to {v.effective_to or 'open'}"
        )


@app.command("post")
def post(ctx: typer.Context) -> None:
    """Post printed cards waiting in the outbox now."""
    from ktp_service.billing_bridge import BATCH, post_pending

    total = 0
    with reported_errors(), transaction(ctx) as (session, wiring):
        # Once over everything waiting, refused rows included (a person asked); batches in one transaction.
        while n := post_pending(session, wiring.billing, retry_refused=True):
            total += n
            session.flush()
            if n < BATCH:
                break
    typer.echo(f"posted {total} events")


@app.command("statement")
def statement(
    ctx: typer.Context,
    month: MonthOpt,
    format: Annotated[str, typer.Option("--format", help="json, csv, xlsx or pdf.")] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output for json/csv).")
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang", help="id (default), or en: English csv/xlsx headers, an English copy of the PDF."
        ),
    ] = "id",
) -> None:
    """The month's statement as it stands (open) or as signed (closed); the PDF of a closed month is its
    stored final paper; csv and xlsx as finance imports them (billing.exports)."""

    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    if format not in FORMATS:
        raise fail("--format is json, csv, xlsx or pdf")
    if format in ("xlsx", "pdf") and out is None:
        raise fail(f"--out is needed for {format}")
    if lang not in ("id", "en"):
        raise fail("--lang is id or en")
    with reported_errors(), transaction(ctx) as (session, wiring):
        st = billing.read_statement(session, SYSTEM, month, wiring.billing)
        if format == "json":
            text = st.model_dump_json(indent=2)
        elif format == "csv":
            data = billing.statement_csv(session, SYSTEM, month, wiring.settings, lang)
            if out is not None:
                write_atomically(out, data)
                typer.echo(f"wrote {out}")
                return
            text = data.decode("utf-8-sig")
        elif format == "xlsx":
            assert out is not None
            write_atomically(out, billing.statement_xlsx(session, SYSTEM, month, wiring.settings, lang))
            typer.echo(f"wrote {out}")
            return
        else:
            assert out is not None
            write_atomically(out, billing.statement_pdf(session, SYSTEM, month, wiring.settings, lang))
            typer.echo(f"wrote {out}")
            return
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")


@app.command("held-by-agents")
def held_by_agents(ctx: typer.Context, month: MonthOpt) -> None:
    """Cards print agents still hold that may be dated in the month (they block its close), with their
    offices and agents; and the reason, if the month was closed with cards at agents."""
    from ktp_service.services import agent_holds

    with reported_errors(), transaction(ctx, writes=False) as (session, wiring):
        held = agent_holds.held_for_month(session, month, wiring.billing.zone)
        note = agent_holds.close_note(agent_holds.override_for(session, month))
    for h in held:
        typer.echo(
            f"{h.card_serial or h.job}  {h.office} {h.office_name}  agent {h.agent} (id {h.agent_id})  "
            f"printer {h.printer}  since {h.fetched_at:%Y-%m-%d %H:%M} UTC"
            + ("" if h.acknowledged else "  (not acknowledged)")
        )
    typer.echo(f"{len(held)} card(s) of {month} held by print agents")
    if note:
        typer.echo(note)


@app.command("close")
def close(
    ctx: typer.Context,
    month: MonthOpt,
    reason: Annotated[
        str | None,
        typer.Option(help="Close although print agents still hold cards of the month: why (audited)."),
    ] = None,
) -> None:
    """Close a month: fix and sign its statement (refused while its cards wait to be posted, and while print
    agents hold cards of it unless --reason says why)."""
    from billing.checkpoints import sync_log
    from ktp_service.services import agent_holds, billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        signed = billing.close_month(session, SYSTEM, month, wiring.settings, reason=reason)
        st = signed.statement
        note = agent_holds.close_note(agent_holds.override_for(session, month))
    # Committed: copy the close's signed checkpoint to the log file outside the database now.
    with reported_errors(), transaction(ctx, writes=False) as (session, wiring):
        sync_log(session, wiring.billing.checkpoint_path)
    typer.echo(
        f"closed {month}: {st.cards_billed} cards, partner share {st.partner_share}, signed by key {st.key_id}"
    )
    if note:
        typer.echo(note)


@app.command("export-bundle")
def export_bundle(
    ctx: typer.Context,
    month: MonthOpt,
    out: Annotated[Path, typer.Option("--out", help="The .zip to write.")],
) -> None:
    """Write a closed month's signed statement and entries to a bundle for offline verification."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        write_atomically(out, billing.bundle_bytes(session, SYSTEM, month))
    typer.echo(f"wrote {out}")


@app.command("public-key")
def public_key(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    all_keys: Annotated[
        bool, typer.Option("--all", help="Every key that ever signed here (the key ring), current last.")
    ] = False,
) -> None:
    """The public key that verifies signed statements (PEM); with --all the key ring, which
    `verify-statement --public-key` takes as it is (each statement is checked with the key it names)."""
    from ktp_service.billing_bridge import config_for

    keys = config_for(settings_of(ctx)).keys  # keys only: no database needed
    pem = keys.public_keys_pem() if all_keys else keys.public_key_pem()
    if out is None:
        typer.echo(pem.rstrip())
    else:
        out.write_text(pem)


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Make a new signing key for new statements and checkpoints; the old public key stays in the key ring
    (`public-key --all`, GET /api/v1/billing/public-keys), so what it signed stays verifiable. Running
    services pick the new key up at their next signature."""
    from ktp_service.billing_bridge import config_for

    old, new = config_for(settings_of(ctx)).keys.rotate()
    typer.echo(f"signing key {new} replaces {old}; publish the key ring (ktp billing public-key --all)")


signatories = typer.Typer(
    help="Who signs month-end papers for each side (history kept).", no_args_is_help=True
)
app.add_typer(signatories, name="signatories")


@signatories.command("set")
def signatories_set(
    ctx: typer.Context,
    side: Annotated[str, typer.Option("--side", help="regency or partner.")],
    name: Annotated[str, typer.Option("--name")],
    position: Annotated[str, typer.Option("--position", help="Jabatan, e.g. Kepala Dinas ...")],
    institution: Annotated[str, typer.Option("--institution", help="The agency, or the partner's company.")],
    effective_from: Annotated[str, typer.Option("--from", help="First day in force, YYYY-MM-DD.")],
    nip: Annotated[str, typer.Option("--nip", help="18 digits (the regency's signer).")] = "",
    rank: Annotated[str, typer.Option("--rank", help="Pangkat/golongan.")] = "",
    npwp: Annotated[str, typer.Option("--npwp", help="The partner's NPWP.")] = "",
    address: Annotated[str, typer.Option("--address")] = "",
) -> None:
    """Record a side's signatory from a date on (a new row; earlier ones stay as history)."""
    from pydantic import ValidationError

    from billing.records import SignatoryIn
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    try:
        data = SignatoryIn.model_validate(
            {
                "side": side,
                "name": name,
                "position": position,
                "institution": institution,
                "nip": nip,
                "rank": rank,
                "npwp": npwp,
                "address": address,
                "effective_from": effective_from,
            }  # fmt: skip
        )
    except ValidationError as exc:
        raise fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    with reported_errors(), transaction(ctx) as (session, _):
        row = billing.add_signatory(session, SYSTEM, data)
        typer.echo(f"signatory {row.id}: {row.side} {row.name} from {row.effective_from}")


@signatories.command("list")
def signatories_list(ctx: typer.Context) -> None:
    """Every signatory row, per side, newest in force first."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        for r in billing.list_signatories(session, SYSTEM):
            ident = r.nip or r.npwp or "-"
            typer.echo(f"{r.side}\t{r.effective_from}\t{r.name}\t{r.position}\t{r.institution}\t{ident}")


@app.command("finalise")
def finalise(
    ctx: typer.Context,
    month: MonthOpt,
    follow_up: Annotated[list[str] | None, typer.Option("--follow-up", help="A follow-up action.")] = None,
) -> None:
    """Make the closed month's final Berita Acara (every difference matched or explained)."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        doc = billing.finalise_reconciliation(session, SYSTEM, month, wiring.settings, follow_up or ())
        typer.echo(f"berita acara {doc.number} made {doc.made_on}, sha256 {doc.sha256}")
