"""The ``ktp`` command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ktp_service.cards.cli import render
from ktp_service.db import get_engine, session_scope, unit_of_work
from ktp_service.errors import DomainError
from ktp_service.settings import get_settings
from ktp_service.vocab import Role

app = typer.Typer(help="ktp-service: KTP card printing and revenue-share billing.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(users_app, name="users")


def _fail(exc: DomainError) -> None:
    typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    worker: Annotated[
        bool, typer.Option(help="Run the print worker and printer poll in this process.")
    ] = True,
) -> None:
    """Serve the API (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from ktp_service import logging_setup

    if not worker:
        os.environ["KTP_RUN_WORKER"] = "false"
        get_settings.cache_clear()

    logging_setup.install(get_settings().log_level)
    uvicorn.run(
        "ktp_service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=True,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply schema migrations."""
    from ktp_service import migrate

    migrate.upgrade(get_engine(), revision)
    typer.echo(f"database at {revision} ({get_engine().dialect.name})")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """(Developers) autogenerate a migration from the models."""
    from ktp_service import migrate

    migrate.revision(get_engine(), message)


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrated schema disagree."""
    from ktp_service import migrate

    diff = migrate.pending_model_changes(get_engine())
    if diff:
        for d in diff:
            typer.echo(f"  {d}", err=True)
        typer.secho("models and migrations disagree", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo("models and migrations agree")


@demo_app.command("seed")
def demo_seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a database with no offices.")
    ] = False,
) -> None:
    """Create Kabupaten Sragen's offices and the demo users."""
    from ktp_service import seed

    with session_scope() as session:
        if if_empty and not seed.is_empty(session):
            typer.echo("database already has data; demo seed skipped")
            return
        added = seed.seed_demo(session, get_settings())
    typer.echo(
        f"seeded {added['offices']} offices, {added['users']} users, {added['printers']} printers, "
        f"{added['residents']} residents"
    )
    if added["users"]:
        typer.echo(
            f"demo users ({', '.join(u.username for u in seed.DEMO_USERS)}) use password {seed.DEMO_PASSWORD!r}"
        )


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[Role, typer.Option(help="Role.")],
    office: Annotated[str | None, typer.Option(help="Region code of the office (clerk, supervisor).")] = None,
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a user account."""
    from ktp_service.services import users
    from ktp_service.services.actor import SYSTEM

    if not password_stdin:
        typer.secho(
            "give the password on standard input with --password-stdin", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(code=2)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope() as session:
            user = users.create(
                session,
                SYSTEM,
                username=username,
                password=password,
                role=role,
                office_code=office,
                full_name=full_name,
            )
            typer.echo(f"created user {user.username} ({user.role}{', office ' + office if office else ''})")
    except DomainError as exc:
        _fail(exc)


@users_app.command("list")
def users_list() -> None:
    """List user accounts."""
    from ktp_service.services import users

    with session_scope() as session:
        for u, code in users.list_users(session):
            typer.echo(f"{u.username:24} {u.role:16} {code or '-':10} {'active' if u.active else 'disabled'}")


# -- cards and printing --------------------------------------------------------------------------------
app.command("render", help="Render a card to PNG or PDF from a JSON file or the built-in sample.")(render)

printers_app = typer.Typer(help="Card printers.", no_args_is_help=True)
app.add_typer(printers_app, name="printers")


@app.command()
def worker(
    name: Annotated[
        str | None, typer.Option(help="Stable worker name (jobs it left are recovered on restart).")
    ] = None,
) -> None:
    """Run the print worker (production: one or more, apart from `ktp serve --no-worker`)."""
    from ktp_service import logging_setup
    from ktp_service.billing_bridge import poster
    from ktp_service.worker import PrintWorker

    settings = get_settings()
    logging_setup.install(settings.log_level)
    PrintWorker(get_engine(), settings, name=name, post_events=poster(settings)).run()


@printers_app.command("add")
def printers_add(
    name: Annotated[str, typer.Option(help="Name, unique within the office.")],
    office: Annotated[str, typer.Option(help="Region code of the office, e.g. 33.14.01.")],
    adapter: Annotated[str, typer.Option(help="spool, simulator or ipp.")],
    uri: Annotated[str, typer.Option(help="e.g. ipp://127.0.0.1:631/printers/evolis.")] = "",
    config: Annotated[str, typer.Option(help="Adapter config as JSON.")] = "{}",
    document_format: Annotated[str, typer.Option(help="image/png or application/pdf.")] = "image/png",
    dpi: Annotated[int, typer.Option(help="300 or 600.")] = 300,
) -> None:
    """Register a card printer of an office."""
    import json

    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as exc:
        typer.secho(f"error: --config is not JSON: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    try:
        with session_scope() as session:
            p = printers.create(
                session,
                SYSTEM,
                name=name,
                office=office,
                adapter=adapter,
                uri=uri,
                config=parsed,
                document_format=document_format,
                dpi=dpi,
                settings=get_settings(),
            )
            typer.echo(f"printer {p.id}: {p.name} at {office} ({p.adapter} {p.uri})")
    except DomainError as exc:
        _fail(exc)


@printers_app.command("list")
def printers_list() -> None:
    """Printers with their last polled state."""
    from ktp_service.services import printers
    from ktp_service.services.actor import SYSTEM

    with session_scope() as session:
        for p, code in printers.list_printers(session, SYSTEM):
            reasons = ",".join(p.status_reasons) or "-"
            typer.echo(f"{p.id:4} {code:10} {p.name:20} {p.adapter:10} {p.status_state or '?':10} {reasons}")


@printers_app.command("status")
def printers_status(printer_id: Annotated[int, typer.Argument(help="Printer id.")]) -> None:
    """Ask a printer for its state, supplies and counter now."""
    from ktp_service.advice import advice_for
    from ktp_service.services import printers

    adapters = printers.AdapterCache(get_settings())
    try:
        with session_scope() as session:
            p = printers.get(session, printer_id)
            printers.poll_status(session, p, adapters)
            typer.echo(f"{p.name}: {p.status_state} reasons={','.join(p.status_reasons) or '-'}")
            for m in p.status_markers:
                typer.echo(f"  supply {m['name']}: {m['level'] if m['level'] is not None else '?'}%")
            typer.echo(
                f"  card counter: {p.status_counter if p.status_counter is not None else 'not reported'}"
            )
            if p.status_error:
                typer.echo(f"  error: {p.status_error}")
            for line in advice_for(p.status_reasons):
                typer.echo(f"  -> {line}")
    except DomainError as exc:
        _fail(exc)
    finally:
        adapters.close()


@printers_app.command("simulate")
def printers_simulate(
    printer_id: Annotated[int, typer.Argument(help="Printer id of a simulator.")],
    fault: Annotated[
        list[str] | None, typer.Option(help="Raise a fault: jam, ribbon-out, offline...")
    ] = None,
    clear: Annotated[list[str] | None, typer.Option(help="Clear a fault, or 'all'.")] = None,
) -> None:
    """Training: raise or clear faults on a simulated printer."""
    from ktp_service.services import printers

    with session_scope() as session:
        p = printers.get(session, printer_id)
        control = printers.simulator_control(p, get_settings())
        for f in clear or []:
            control.clear_fault(None if f == "all" else f)
        for f in fault or []:
            control.set_fault(f)
        typer.echo(f"{p.name}: faults={','.join(control.info().faults) or 'none'}")


# -- billing ----------------------------------------------------------------------------------------------
billing_app = typer.Typer(help="Revenue-share billing.", no_args_is_help=True)
app.add_typer(billing_app, name="billing")
MonthOpt = Annotated[str, typer.Option("--month", help="YYYY-MM.")]


@billing_app.command("contract-add")
def billing_contract_add(
    file: Annotated[Path, typer.Option("--file", help="Contract terms as JSON.")],
) -> None:
    """Add a contract version from a JSON file (the API's contract body)."""
    import json

    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    try:
        body = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        typer.secho(f"error: cannot read {file}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    with _billing_errors(), session_scope() as session:
        v = billing.add_contract(session, SYSTEM, body)
        typer.echo(
            f"contract version {v.id}: {v.number} from {v.effective_from} to {v.effective_to or 'open'}"
        )


@billing_app.command("post")
def billing_post() -> None:
    """Post printed cards waiting in the outbox now."""
    from ktp_service.billing_bridge import config_for, post_pending

    total = 0
    with _billing_errors(), session_scope() as session:
        # Once over everything waiting, refused rows included (a person asked); batches in one transaction.
        while n := post_pending(session, config_for(get_settings()), retry_refused=True):
            total += n
            session.flush()
            if n < 500:
                break
    typer.echo(f"posted {total} events")


@billing_app.command("statement")
def billing_statement(
    month: MonthOpt,
    format: Annotated[str, typer.Option("--format", help="json, csv, xlsx or pdf.")] = "json",
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output for json/csv).")
    ] = None,
) -> None:
    """The month's statement as it stands (open) or as signed (closed)."""
    import io

    from billing import documents
    from ktp_service.billing_bridge import config_for
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    settings = get_settings()
    if format not in ("json", "csv", "xlsx", "pdf"):
        typer.secho("error: --format is json, csv, xlsx or pdf", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    if format in ("xlsx", "pdf") and out is None:
        typer.secho(f"error: --out is needed for {format}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    with _billing_errors(), session_scope() as session:
        st = billing.read_statement(session, SYSTEM, month, config_for(settings))
        if format == "json":
            text = st.model_dump_json(indent=2)
        elif format == "csv":
            buf = io.StringIO()
            documents.write_csv(documents.totals_rows(st), buf)
            text = buf.getvalue()
        elif format == "xlsx":
            assert out is not None
            documents.write_xlsx(st, session, out)
            typer.echo(f"wrote {out}")
            return
        else:
            assert out is not None
            out.write_bytes(documents.statement_pdf(st, regency=settings.regency_name))
            typer.echo(f"wrote {out}")
            return
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")


@billing_app.command("close")
def billing_close(month: MonthOpt) -> None:
    """Close a month: fix and sign its statement (refused while its cards wait to be posted)."""
    from ktp_service.billing_bridge import config_for
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with _billing_errors(), session_scope() as session:
        signed = billing.close_month(session, SYSTEM, month, config_for(get_settings()))
        st = signed.statement
        typer.echo(
            f"closed {month}: {st.cards_billed} cards, partner share {st.partner_share}, signed by key {st.key_id}"
        )


@billing_app.command("export-bundle")
def billing_export_bundle(
    month: MonthOpt, out: Annotated[Path, typer.Option("--out", help="The .zip to write.")]
) -> None:
    """Write a closed month's signed statement and entries to a bundle for offline verification."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with _billing_errors(), session_scope() as session:
        out.write_bytes(billing.bundle_bytes(session, SYSTEM, month))
    typer.echo(f"wrote {out}")


@billing_app.command("public-key")
def billing_public_key(
    out: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
) -> None:
    """The public key that verifies signed statements (PEM)."""
    from ktp_service.billing_bridge import config_for

    pem = config_for(get_settings()).keys.public_key_pem()
    if out is None:
        typer.echo(pem.rstrip())
    else:
        out.write_text(pem)


@billing_app.command("verify")
def billing_verify() -> None:
    """Recompute the ledger's hash chain and signed statements; exit 1 naming what does not match."""
    from ktp_service.billing_bridge import config_for
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    # A reader: on SQLite it takes no write lock, so posting goes on while the whole chain is checked.
    with _billing_errors(), unit_of_work(get_engine(), writes=False) as session:
        r = billing.verify(session, SYSTEM, config_for(get_settings()))
    if r.ok:
        typer.echo(
            f"ledger verifies: {r.transactions} transactions, {r.entries} entries, head {r.head_seq} {r.head_hash[:16]}..."
        )
        return
    for problem in r.problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@billing_app.command("verify-statement")
def billing_verify_statement(
    bundle: Annotated[Path, typer.Argument(help="The bundle (.zip) from export-bundle or the API.")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The regency's public key (PEM).")],
) -> None:
    """Check a bundle with no database: the signature, the chain, and every total recomputed from entries."""
    from billing.bundle import verify_bundle

    problems = verify_bundle(bundle, public_key.read_bytes())
    if not problems:
        typer.echo("bundle verifies: signature, chain and totals match")
        return
    for problem in problems:
        typer.secho(problem, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@contextmanager
def _billing_errors() -> Iterator[None]:
    from billing.errors import BillingError

    try:
        yield
    except BillingError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    except DomainError as exc:
        _fail(exc)


@billing_app.command("conflicts")
def billing_conflicts(all: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False) -> None:
    """Events that arrived under a posted key with other content (an unresolved one blocks its month's close)."""
    from billing.ledger import list_conflicts

    with _billing_errors(), session_scope() as session:
        rows = list_conflicts(session, unresolved_only=not all)
        for c in rows:
            state = f"resolved {c.resolved_at}: {c.resolution}" if c.resolved_at else "OPEN"
            typer.echo(f"{c.id:5} {c.event_period} {c.event_key}  {c.detail}  [{state}]")
        if not rows:
            typer.echo("no conflicts")


@billing_app.command("resolve-conflict")
def billing_resolve_conflict(
    conflict_id: Annotated[int, typer.Argument(help="Conflict id from `ktp billing conflicts`.")],
    resolution: Annotated[str, typer.Option("--resolution", help="How it was resolved.")],
) -> None:
    """Record how a conflict was resolved."""
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with _billing_errors(), session_scope() as session:
        billing.resolve_conflict(session, SYSTEM, conflict_id, resolution)
    typer.echo(f"conflict {conflict_id} resolved")


@billing_app.command("correct")
def billing_correct(
    seq: Annotated[int, typer.Option("--seq", help="The ledger transaction to reverse.")],
    key: Annotated[str, typer.Option("--key", help="Idempotency key of this correction.")],
    note: Annotated[str, typer.Option("--note", help="Why.")],
) -> None:
    """Reverse a billed card's transaction with a new entry pointing to it (nothing is ever edited)."""
    from ktp_service.billing_bridge import config_for
    from ktp_service.services import billing
    from ktp_service.services.actor import SYSTEM

    with _billing_errors(), session_scope() as session:
        outcome = billing.correct(session, SYSTEM, seq, key, note, config_for(get_settings()))
    typer.echo(f"correction {key}: {outcome.status} (transaction {outcome.seq})")
