"""`sxvis calendar`: the operator's corrections to the working-day calendar of referral deadlines.

Public holidays come from the `holidays` package; the government's transferred working days and extra
holidays are entered here (system admins may use the `setCalendarDay` mutation instead: both go through
`sxvis.referrals.calendar.put_day` and `drop_day`). Each change is one transaction, run as the database owner
(`sxvis.cli.common.run_with_database`).
"""

from datetime import date
from typing import Annotated

import typer

calendar_app = typer.Typer(help="Working days of referral deadlines: holidays and transferred days.")


def _set(day: date, kind: str, note: str | None) -> None:
    from sxvis.cli.common import run_with_database
    from sxvis.database import Database
    from sxvis.referrals.calendar import DayKind, put_day

    async def work(db: Database) -> None:
        async with db.transaction() as session:
            await put_day(session, day=day, kind=DayKind(kind), note=note, by="operator")

    run_with_database(work)
    print(f"{day.isoformat()} is now a {kind.lower()} day")


@calendar_app.command("holiday")
def holiday(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str | None, typer.Option(help="Why, e.g. the decree.")] = None,
) -> None:
    """Declare an extra non-working day."""
    _set(_date(day), "HOLIDAY", note)


@calendar_app.command("working-day")
def working_day(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str | None, typer.Option(help="Why, e.g. the decree.")] = None,
) -> None:
    """Declare a transferred working day (e.g. a Saturday worked to bridge a holiday)."""
    _set(_date(day), "WORKING", note)


@calendar_app.command("remove")
def remove(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")]) -> None:
    """Drop the operator's entry for a day (the public calendar applies again)."""
    from sxvis.cli.common import run_with_database
    from sxvis.database import Database
    from sxvis.referrals.calendar import drop_day

    target = _date(day)

    async def work(db: Database) -> bool:
        async with db.transaction() as session:
            return await drop_day(session, day=target)

    print("removed" if run_with_database(work) else "no entry for that day")


@calendar_app.command("list")
def list_days(year: Annotated[int, typer.Option(help="The year to show.")] = date.today().year) -> None:
    """The year's non-working weekdays and working weekend days: public holidays and operator entries."""
    import holidays

    from sxvis.cli.common import run_with_database
    from sxvis.database import Database
    from sxvis.referrals.calendar import CalendarDay, operator_days

    async def work(db: Database) -> list[CalendarDay]:
        async with db.transaction() as session:
            return await operator_days(session, start=date(year, 1, 1), end=date(year, 12, 31))

    operator = {d.day: (d.kind, d.note or "") for d in run_with_database(work)}
    public = holidays.country_holidays("AZ", years=year)
    for day in sorted(set(public) | set(operator)):
        if day in operator:
            kind, note = operator[day]
            print(f"{day.isoformat()}  {kind:<8} operator  {note}")
        else:
            print(f"{day.isoformat()}  HOLIDAY  public    {public[day]}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None
