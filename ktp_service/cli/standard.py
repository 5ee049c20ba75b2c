"""``ktp standard``: the service standard (issue 15): promised times, the working week and service hours, and
the holiday calendar (Indonesia's national holidays from the ``holidays`` package, with days added or
removed). Changes are audited as the system user."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ktp_service.cli.common import reported_errors, transaction

app = typer.Typer(help="The service standard: promised times, working week, holidays.", no_args_is_help=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@app.command("show")
def show(ctx: typer.Context) -> None:
    """The working week, service hours and promised time per issuance reason."""
    from ktp_service.services import service_standard

    with transaction(ctx, writes=False) as (session, _):
        s = service_standard.load(session)
    typer.echo(f"working days (ISO, Monday = 1): {''.join(str(d) for d in sorted(s.workdays))}")
    typer.echo(f"service hours: {s.opens:%H:%M}-{s.closes:%H:%M}")
    for reason, (days, hours) in s.promises.items():
        typer.echo(f"promise {reason:15} {days} working day(s) {hours} hour(s)")


@app.command("promise")
def promise(
    ctx: typer.Context,
    reason: Annotated[str, typer.Argument(help="baru, hilang, rusak, perubahan_data or perpanjangan.")],
    days: Annotated[int, typer.Option(help="Working days.")],
    hours: Annotated[int, typer.Option(help="Further working hours (0-23).")] = 0,
) -> None:
    """Set the promised time from request to handover for one issuance reason."""
    from ktp_service.services import service_standard
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        service_standard.set_promise(session, SYSTEM, reason, days, hours)
    typer.echo(f"promise {reason}: {days} working day(s) {hours} hour(s)")


@app.command("week")
def week(
    ctx: typer.Context,
    workdays: Annotated[str, typer.Option(help="ISO weekdays, e.g. 12345 for Monday-Friday.")] = "12345",
    opens: Annotated[str, typer.Option(help="HH:MM")] = "08:00",
    closes: Annotated[str, typer.Option(help="HH:MM")] = "16:00",
) -> None:
    """Set the working week and the service hours."""
    from ktp_service.services import service_standard
    from ktp_service.services.actor import SYSTEM

    days = [int(c) for c in workdays if c.isdigit()]
    with reported_errors(), transaction(ctx) as (session, _):
        row = service_standard.set_week(session, SYSTEM, days, opens, closes)
        typer.echo(f"working days {row.workdays}, service hours {row.opens}-{row.closes}")


@app.command("holidays")
def list_holidays(
    ctx: typer.Context, year: Annotated[int, typer.Option(help="The year (default: this year).")] = 0
) -> None:
    """The year's days off besides the weekend: national holidays and the changes made."""
    from ktp_service.services import service_standard

    year = year or date.today().year
    with transaction(ctx, writes=False) as (session, _):
        s = service_standard.load(session)
    national = service_standard.national_holidays([year])
    changes = {c.day: c for c in s.changes if c.day.year == year}
    for day in sorted(set(national) | set(changes)):
        change = changes.get(day)
        if change is None:
            typer.echo(f"{day}  national  {national[day]}")
        elif change.action == "add":
            typer.echo(f"{day}  added     {change.name}")
        else:
            typer.echo(f"{day}  removed   {national.get(day, '')} (offices open: {change.name})")


@app.command("holiday-add")
def holiday_add(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    name: Annotated[str, typer.Option(help="e.g. Cuti bersama Idulfitri")],
) -> None:
    """Add a day off (cuti bersama, a local holiday)."""
    from ktp_service.services import cards, service_standard
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        today = cards.local_today(wiring.settings.timezone)
        service_standard.add_holiday(session, SYSTEM, _day(day), name, today)
    typer.echo(f"added {day}: {name}")


@app.command("holiday-remove")
def holiday_remove(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="Why the offices serve that day.")] = "",
) -> None:
    """Take a national holiday out of the calendar (the offices serve that day)."""
    from ktp_service.services import cards, service_standard
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, wiring):
        today = cards.local_today(wiring.settings.timezone)
        service_standard.remove_holiday(session, SYSTEM, _day(day), note, today)
    typer.echo(f"removed {day} from the holidays")


@app.command("holiday-undo")
def holiday_undo(ctx: typer.Context, day: Annotated[str, typer.Argument(help="YYYY-MM-DD")]) -> None:
    """Undo a change to ``day``: the package's calendar holds for it again."""
    from ktp_service.services import service_standard
    from ktp_service.services.actor import SYSTEM

    with reported_errors(), transaction(ctx) as (session, _):
        service_standard.undo_change(session, SYSTEM, _day(day))
    typer.echo(f"undid the change to {day}")
