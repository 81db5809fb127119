"""`sxvis calendar`: the operator's corrections to the working-day calendar of referral deadlines.

Public holidays come from the `holidays` package; the government's transferred working days and extra
holidays are entered here. Each change is one transaction, run as the database owner.
"""

import asyncio
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from sxvis.errors import SxvisError

calendar_app = typer.Typer(help="Working days of referral deadlines: holidays and transferred days.")
_console = Console(stderr=True)
T = TypeVar("T")


def _run(work: Callable[[str], Coroutine[Any, Any, T]]) -> T:
    from sxvis.cli import _settings, database_url

    try:
        with database_url(_settings()) as url:
            return asyncio.run(work(url))
    except SxvisError as err:
        _console.print(f"[bold red]error:[/] {err}", soft_wrap=True)
        raise typer.Exit(1) from err


def _set(day: date, kind: str, note: str | None) -> None:
    from sxvis.database import Database
    from sxvis.referrals.calendar import CalendarDay

    async def work(url: str) -> None:
        db = Database(url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                statement = insert(CalendarDay).values(day=day, kind=kind, note=note, created_by="operator")
                await session.execute(
                    statement.on_conflict_do_update(
                        index_elements=[CalendarDay.day], set_={"kind": kind, "note": note}
                    )
                )
        finally:
            await db.dispose()

    _run(work)
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
    from sxvis.database import Database
    from sxvis.referrals.calendar import CalendarDay

    target = _date(day)

    async def work(url: str) -> int:
        db = Database(url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                result = await session.execute(delete(CalendarDay).where(CalendarDay.day == target))
                return int(result.rowcount or 0)  # type: ignore[attr-defined]
        finally:
            await db.dispose()

    print("removed" if _run(work) else "no entry for that day")


@calendar_app.command("list")
def list_days(year: Annotated[int, typer.Option(help="The year to show.")] = date.today().year) -> None:
    """The year's non-working weekdays and working weekend days: public holidays and operator entries."""
    import holidays

    from sxvis.database import Database
    from sxvis.referrals.calendar import CalendarDay

    async def work(url: str) -> list[tuple[date, str, str]]:
        db = Database(url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                query = select(CalendarDay).where(
                    CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
                )
                return [(d.day, d.kind, d.note or "") for d in (await session.scalars(query)).all()]
        finally:
            await db.dispose()

    operator = {day: (kind, note) for day, kind, note in _run(work)}
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
