"""The working-day calendar through the API (issue 6, item 6: "`sxvis calendar …` or a mutation").

System admins declare holidays and transferred working days (`setCalendarDay`, `removeCalendarDay`),
audited, through the same writes as the operator's CLI; anyone who reads the catalogue lists them
(`calendarDays`). Rule 12 (urgent cases need an immediate response, Strategy 8.4.5) is why deadlines
run on this calendar: a day declared here moves the deadline of a referral sent afterwards.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime

import pytest
from sqlalchemy import text

from sxvis import clock
from sxvis.database import Database
from sxvis.referrals.calendar import DayKind, put_day
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

SET = """
mutation S($input: SetCalendarDayInput!) {
  setCalendarDay(input: $input) { calendarDay { day kind source note } errors { field code message } }
}
"""
REMOVE = """
mutation R($input: RemoveCalendarDayInput!) {
  removeCalendarDay(input: $input) { removed errors { field code message } }
}
"""
CREATE_REFERRAL = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { dueAt } errors { code } }
}
"""
DAYS = "query D($from: Date!, $to: Date!) { calendarDays(from: $from, to: $to) { day kind source note } }"

FRIDAY = "2031-05-16"  # an ordinary Friday
SATURDAY = "2031-05-17"


@pytest.fixture
async def clean(db: Database) -> AsyncIterator[Database]:
    """The operator's table has no entries in 2031, before and after each test."""
    statement = text("DELETE FROM calendar_days WHERE day BETWEEN '2031-01-01' AND '2031-12-31'")
    async with db.transaction() as session:
        await session.execute(statement)
    yield db
    async with db.transaction() as session:
        await session.execute(statement)


def operator(api: Api) -> Api:
    return api.as_("system_admin", agency="VXSIDA", user="ops-calendar")


async def test_a_system_admin_declares_a_holiday_that_calendar_days_then_lists(
    api: Api, clean: Database
) -> None:
    result = await operator(api).execute(
        SET, input={"day": FRIDAY, "kind": "HOLIDAY", "note": "Decree of the President, No. 123"}
    )
    assert result.payload("setCalendarDay") == {
        "calendarDay": {
            "day": FRIDAY,
            "kind": "HOLIDAY",
            "source": "OPERATOR",
            "note": "Decree of the President, No. 123",
        },
        "errors": [],
    }
    listed = (await api.execute(DAYS, **{"from": "2031-05-01", "to": "2031-05-31"})).ok()["calendarDays"]
    assert {
        "day": FRIDAY,
        "kind": "HOLIDAY",
        "source": "OPERATOR",
        "note": "Decree of the President, No. 123",
    } in listed


async def test_calendar_days_lists_the_public_holidays_too(api: Api, clean: Database) -> None:
    listed = (await api.execute(DAYS, **{"from": "2031-01-01", "to": "2031-01-31"})).ok()["calendarDays"]
    new_year = [d for d in listed if d["day"] == "2031-01-01"]
    assert [(d["kind"], d["source"]) for d in new_year] == [("HOLIDAY", "PUBLIC")]


async def test_a_transferred_working_day_is_listed_as_a_working_day(api: Api, clean: Database) -> None:
    await operator(api).execute(SET, input={"day": SATURDAY, "kind": "WORKING_DAY"})
    listed = (await api.execute(DAYS, **{"from": SATURDAY, "to": SATURDAY})).ok()["calendarDays"]
    assert [(d["kind"], d["source"]) for d in listed] == [("WORKING_DAY", "OPERATOR")]


async def test_removing_a_day_restores_the_public_calendar(api: Api, clean: Database) -> None:
    await operator(api).execute(SET, input={"day": FRIDAY, "kind": "HOLIDAY"})
    removed = await operator(api).execute(REMOVE, input={"day": FRIDAY})
    assert removed.payload("removeCalendarDay") == {"removed": True, "errors": []}
    again = await operator(api).execute(REMOVE, input={"day": FRIDAY})
    assert again.payload("removeCalendarDay")["removed"] is False
    assert (await api.execute(DAYS, **{"from": FRIDAY, "to": FRIDAY})).ok()["calendarDays"] == []


@pytest.mark.parametrize("role", ["social_worker", "agency_admin", "auditor"])
async def test_only_system_admins_change_the_calendar(api: Api, clean: Database, role: str) -> None:
    result = await api.as_(role, agency="VXSIDA").execute(SET, input={"day": FRIDAY, "kind": "HOLIDAY"})
    assert result.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.execute(DAYS, **{"from": FRIDAY, "to": FRIDAY})).ok()["calendarDays"] == []


async def test_each_change_is_in_the_access_log(api: Api, clean: Database) -> None:
    await operator(api).execute(SET, input={"day": FRIDAY, "kind": "HOLIDAY", "note": "decree"})
    await operator(api).execute(REMOVE, input={"day": FRIDAY})
    async with clean.transaction() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT details FROM access_events WHERE action = 'calendar:manage' AND entity_id = :d"
                    " AND actor_user = 'ops-calendar' ORDER BY id"
                ),
                {"d": FRIDAY},
            )
        ).scalars()
        details = list(rows)
    assert details[-2:] == [{"kind": "HOLIDAY", "note": "decree"}, {"removed": True}]


async def test_a_period_longer_than_400_days_is_refused(api: Api, clean: Database) -> None:
    result = await api.execute(DAYS, **{"from": "2031-01-01", "to": "2032-12-31"})
    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_cli_and_the_api_write_the_same_table(api: Api, clean: Database) -> None:
    async with clean.transaction() as session:  # what `sxvis calendar holiday` runs
        await put_day(
            session, day=date(2031, 5, 16), kind=DayKind.HOLIDAY, note="from the CLI", by="operator"
        )
    listed = (await api.execute(DAYS, **{"from": FRIDAY, "to": FRIDAY})).ok()["calendarDays"]
    assert listed == [{"day": FRIDAY, "kind": "HOLIDAY", "source": "OPERATOR", "note": "from the CLI"}]


async def test_rule_12_a_declared_holiday_moves_the_deadline_of_an_urgent_referral(
    api: Api, clean: Database
) -> None:
    person = (await api.execute(REGISTER_PERSON, input=person_input())).payload("registerPerson")["person"]

    async def due_when_sent_on_thursday() -> str:
        values = {
            "personId": person["id"],
            "toAgencyCode": "DSMF",
            "reason": "Needs assistance",
            "urgency": "URGENT",
            "idempotencyKey": uuid.uuid4().hex,
        }
        with clock.frozen_at(datetime(2031, 5, 15, 10, 0, tzinfo=clock.BAKU)):
            payload = (await api.execute(CREATE_REFERRAL, input=values)).payload("createReferral")
        return str(payload["referral"]["dueAt"])

    assert (await due_when_sent_on_thursday()).startswith(FRIDAY)
    await operator(api).execute(SET, input={"day": FRIDAY, "kind": "HOLIDAY"})
    assert (await due_when_sent_on_thursday()).startswith("2031-05-19")  # the Monday after
