"""Referral deadlines on Azerbaijan's working-day calendar (issue 6, item 6)."""

import asyncio
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sxvis import clock
from sxvis.cli.calendar import calendar_app
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.referrals.calendar import DayKind, WorkingCalendar, load_calendar
from sxvis.referrals.deadlines import ResponseTimes, due_at
from sxvis.referrals.enums import Urgency
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.test_referrals import refer, register


def baku(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=clock.BAKU)


def test_a_routine_referral_is_due_at_the_end_of_the_fifth_working_day() -> None:
    # Sent on Monday 2026-11-16: Tue-Fri and the next Monday are five working days.
    due = due_at(Urgency.ROUTINE, sent_at=baku(2026, 11, 16), calendar=WorkingCalendar())
    assert due == datetime(2026, 11, 23, 23, 59, 59, tzinfo=clock.BAKU)


def test_an_urgent_referral_sent_on_friday_is_due_on_monday() -> None:
    due = due_at(Urgency.URGENT, sent_at=baku(2026, 11, 20), calendar=WorkingCalendar())
    assert due.date() == date(2026, 11, 23)


def test_public_holidays_are_not_working_days() -> None:
    # Friday 2026-03-06; Monday 03-09 is Women's Day (observed).
    assert due_at(Urgency.URGENT, sent_at=baku(2026, 3, 6), calendar=WorkingCalendar()).date() == date(
        2026, 3, 10
    )
    # Friday 2026-11-06; Victory Day (8th), National Flag Day (9th) and Victory Day observed (10th).
    assert due_at(Urgency.URGENT, sent_at=baku(2026, 11, 6), calendar=WorkingCalendar()).date() == date(
        2026, 11, 11
    )


def test_an_operators_transferred_working_day_counts() -> None:
    calendar = WorkingCalendar(overrides={date(2026, 11, 7): DayKind.WORKING})  # a Saturday worked
    due = due_at(Urgency.URGENT, sent_at=baku(2026, 11, 6), calendar=calendar)
    assert due.date() == date(2026, 11, 7)


def test_an_operators_extra_holiday_does_not_count() -> None:
    calendar = WorkingCalendar(overrides={date(2026, 11, 3): DayKind.HOLIDAY})
    due = due_at(Urgency.URGENT, sent_at=baku(2026, 11, 2), calendar=calendar)
    assert due.date() == date(2026, 11, 4)


def test_an_emergency_is_due_in_two_hours_whatever_the_day() -> None:
    sent = baku(2026, 1, 1, 23)  # a holiday, late at night
    assert due_at(Urgency.EMERGENCY, sent_at=sent, calendar=WorkingCalendar()) == baku(2026, 1, 2, 1)


async def test_the_calendar_command_records_what_the_deadlines_then_use(
    db: Database, database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SXVIS_DATABASE_URL", database_url)
    monkeypatch.setenv("SXVIS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke, calendar_app, ["working-day", "2026-11-07", "--note", "decree"]
    )
    assert result.exit_code == 0, result.output
    try:
        async with db.transaction() as session:
            calendar = await load_calendar(session, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert calendar.is_working(date(2026, 11, 7))
        listed = await asyncio.to_thread(runner.invoke, calendar_app, ["list", "--year", "2026"])
        assert "2026-11-07  WORKING  operator  decree" in listed.stdout
        assert "2026-01-20  HOLIDAY  public" in listed.stdout
    finally:
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM calendar_days"))


def test_a_malformed_date_is_refused_clearly() -> None:
    result = CliRunner().invoke(calendar_app, ["holiday", "7 November"])
    assert result.exit_code != 0
    assert "is not a date" in result.output


def test_the_operator_can_give_receivers_more_working_days() -> None:
    sent = datetime(2026, 11, 23, 10, 0, tzinfo=clock.BAKU)  # a Monday
    longer = ResponseTimes(routine_working_days=7, urgent_working_days=2)
    assert due_at(Urgency.URGENT, sent_at=sent, calendar=WorkingCalendar(), times=longer).date() == date(
        2026, 11, 25
    )
    assert due_at(Urgency.ROUTINE, sent_at=sent, calendar=WorkingCalendar(), times=longer).date() == date(
        2026, 12, 2
    )


async def test_the_configured_emergency_response_time_reaches_the_api(
    db: Database, app_database: Database, settings: Settings
) -> None:
    quicker = settings.model_copy(update={"referral_emergency_minutes": 30})
    app = create_app(quicker, database=app_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        api = Api(client, quicker)
        person = await register(api)
        sent = clock.now()
        created = await refer(api, person["id"], urgency="EMERGENCY")
    await app.state.gate.close()
    due = datetime.fromisoformat(created["referral"]["dueAt"])
    assert timedelta(minutes=29) < due - sent < timedelta(minutes=31)
