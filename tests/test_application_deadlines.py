"""Deadlines of applications from the passports' durations and units, on the working-day calendar
(rules 3, 4 and 5), and the escalation of applications at risk of missing the E-sosial posting."""

from datetime import date, datetime, timedelta

from sqlalchemy import text

from sxvis import clock
from sxvis.applications import deadlines
from sxvis.applications.enums import DayCount
from sxvis.applications.escalation import escalate_at_risk
from sxvis.catalogue.models import Service
from sxvis.catalogue.passports import DOMESTIC_VIOLENCE, HOME_CARE, SANATORIUM_VOUCHERS
from sxvis.catalogue.seed_types import PassportSeed
from sxvis.database import Database
from sxvis.referrals.calendar import DayKind, WorkingCalendar
from tests.applications_support import (
    APPLICATION,
    MONDAY,
    api,  # noqa: F401  (fixture)
    hub,  # noqa: F401  (fixture)
    register,
    submitted,
)
from tests.conftest import Api

WORKING = WorkingCalendar()


def service(seed: PassportSeed) -> Service:
    def value(duration: object, part: str) -> object:
        return None if duration is None else getattr(duration, part)

    return Service(
        code=seed.code,
        total_duration_value=value(seed.total_duration, "value"),
        total_duration_unit=value(seed.total_duration, "unit"),
        front_office_duration_value=value(seed.front_office_duration, "value"),
        front_office_duration_unit=value(seed.front_office_duration, "unit"),
        back_office_duration_value=value(seed.back_office_duration, "value"),
        back_office_duration_unit=value(seed.back_office_duration, "unit"),
    )


def baku_day(moment: datetime | None) -> date:
    assert moment is not None
    return moment.astimezone(clock.BAKU).date()


def working_days_between(start: date, end: date, calendar: WorkingCalendar = WORKING) -> int:
    return sum(1 for n in range(1, (end - start).days + 1) if calendar.is_working(start + timedelta(days=n)))


# Rule 3, 000 §16: the assessment is due the day the application arrives.
def test_rule_3_the_assessment_is_due_by_the_end_of_the_day_it_arrives() -> None:
    due = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    assert due.assessment == datetime(2031, 6, 2, 23, 59, 59, tzinfo=clock.BAKU)


# Rule 4, 001 §12-17: 2 front-office and 13 back-office days, 15 in all, counted in working days.
def test_rule_4_home_care_counts_its_fifteen_days_as_working_days() -> None:
    due = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    assert working_days_between(MONDAY.date(), baku_day(due.front_office)) == 2
    assert working_days_between(MONDAY.date(), baku_day(due.service)) == 15
    assert due.back_office == due.service  # the back office's 13 follow the front office's 2


def test_rule_4_a_holiday_of_the_operator_moves_the_deadline_a_working_day_on() -> None:
    plain = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    holiday = WorkingCalendar(overrides={date(2031, 6, 4): DayKind.HOLIDAY})
    moved = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=holiday, days=DayCount.WORKING
    )
    assert baku_day(moved.service) > baku_day(plain.service)
    assert working_days_between(MONDAY.date(), baku_day(moved.service), holiday) == 15


def test_rule_4_the_setting_counts_calendar_days_instead() -> None:
    due = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.CALENDAR
    )
    assert baku_day(due.service) == date(2031, 6, 17)


def test_rule_4_vouchers_take_two_days_and_no_back_office() -> None:
    due = deadlines.of_service(
        service(SANATORIUM_VOUCHERS), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    assert due.back_office == due.front_office == due.service
    assert working_days_between(MONDAY.date(), baku_day(due.service)) == 2


def test_rule_4_hours_are_elapsed_time() -> None:
    due = deadlines.of_service(
        service(DOMESTIC_VIOLENCE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    assert due.front_office == MONDAY + timedelta(hours=1)


# Rule 5, 001 step 10: posted at least one working day before the end of the service period.
def test_rule_5_the_decision_is_due_on_the_last_working_day_before_the_deadline() -> None:
    due = deadlines.of_service(
        service(HOME_CARE), submitted_at=MONDAY, calendar=WORKING, days=DayCount.WORKING
    )
    post_by, deadline = baku_day(due.decision_posting), baku_day(due.service)
    assert post_by < deadline
    assert working_days_between(post_by, deadline) == 1
    assert WORKING.is_working(post_by)


def test_rule_5_over_a_weekend_the_decision_is_due_the_friday_before() -> None:
    friday = datetime(2031, 6, 6, 10, 0, tzinfo=clock.BAKU)  # vouchers: 2 working days, due Tuesday
    due = deadlines.of_service(
        service(SANATORIUM_VOUCHERS), submitted_at=friday, calendar=WORKING, days=DayCount.WORKING
    )
    assert baku_day(due.service) == date(2031, 6, 10)
    assert baku_day(due.decision_posting) == date(2031, 6, 9)


async def test_rule_5_an_undecided_application_near_its_posting_deadline_is_escalated_once(
    api: Api,  # noqa: F811
    db: Database,
) -> None:
    with clock.frozen_at(MONDAY):
        person = await register(api)
        application = await submitted(api, personId=person["id"])
    post_by = datetime.fromisoformat(application["decisionPostBy"])
    with clock.frozen_at(post_by - timedelta(hours=30)):
        async with db.transaction() as session:
            early = await escalate_at_risk(session)
    with clock.frozen_at(post_by - timedelta(hours=6)):
        async with db.transaction() as session:
            first = await escalate_at_risk(session)
        async with db.transaction() as session:
            second = await escalate_at_risk(session)
        shown = (await api.execute(APPLICATION, id=application["id"])).ok()["application"]
    async with db.transaction() as session:
        notices = (
            await session.execute(
                text("SELECT agency_code, kind FROM notices WHERE kind = 'APPLICATION_AT_RISK'")
            )
        ).all()
    assert (early, first, second) == (0, 1, 0)
    assert [tuple(n) for n in notices] == [("SXA", "APPLICATION_AT_RISK")]
    assert shown["escalatedAt"] is not None
    assert shown["history"][-1]["action"] == "application:escalate"
