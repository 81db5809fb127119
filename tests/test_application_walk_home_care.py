"""Walk (a) of issue 16, through the public API as a new user would: an elderly person's relative applies
for home care (01-09-15-00) with the person's consent; the checks run against the simulated ministries;
the need is assessed the same day; the application is approved; the person is enrolled; E-sosial
receives the decision a working day before the deadline. The clock is set (a Monday in 2031)."""

from datetime import date, datetime

from integrations.hub import Integrations
from integrations.outbound import outbound_adapters
from sxvis import clock
from sxvis.database import Database
from sxvis.outbox import RetryPolicy, deliver_due
from sxvis.referrals.calendar import WorkingCalendar
from tests.applications_support import (
    APPLICATION,
    ASSESS,
    DECIDE,
    HOME_CARE,
    MONDAY,
    TSERAS_RECORD,
    api,  # noqa: F401  (fixture)
    consent,
    dost,
    hub,  # noqa: F401  (fixture)
    register,
    submitted,
)
from tests.conftest import Api
from tests.simulators import Ministries

RESIDENTS = {
    "address": "Bakı, Nizami küç. 12",
    "residents": [
        {
            "fin": "ZZZ0001",
            "name": "Məmmədov Rəşid",
            "birth_date": "1948-01-01",
            "age": 83,
            "relation": "SPOUSE",
        }
    ],
}


async def test_a_relative_applies_for_home_care_and_esosial_has_the_decision_a_working_day_early(
    api: Api,  # noqa: F811  (the fixture imported above)
    hub: Integrations,  # noqa: F811
    ministries: Ministries,
    db: Database,
) -> None:
    with clock.frozen_at(MONDAY):
        # An SXA social worker registered the elderly woman; she consents that DOST handles her application.
        person = await register(api, birthDate="1941-05-09", sex="FEMALE", firstName="Səkinə")
        consent_id = await consent(api, person["id"], "DOST")
        ministries.put("tseras", person["fin"], TSERAS_RECORD)
        ministries.put("address", person["fin"], RESIDENTS)
        desk = dost(api)

        # rule 2, 000 §16: a relative applies, with the person's recorded consent.
        application = await submitted(
            desk,
            personId=person["id"],
            applicantKind="RELATIVE",
            channel="REPRESENTATIVE",
            representative={"name": "Məmmədov Rauf", "relation": "son"},
            consentId=consent_id,
            documents=[{"position": 1, "form": "COPY"}, {"position": 2, "form": "ORIGINAL"}],
        )
        assert application["status"] == "SUBMITTED"
        assert application["representative"] == {"name": "Məmmədov Rauf", "relation": "son", "document": None}
        # rule 8, 001 steps 1, 4 and 5: disability and who lives at the address, from the simulators.
        evidence = {e["kind"]: e for e in application["evidence"]}
        assert evidence["DISABILITY"]["status"] == "OK"
        assert evidence["DISABILITY"]["sourceSystem"] == "TSERAS"
        assert evidence["DISABILITY"]["messageId"] == ministries.received("tseras")[0]["message_id"]
        assert evidence["ADDRESS_RESIDENTS"]["status"] == "OK"
        assert application["waitingFor"] == []
        # rule 7, 001 §21 note: what TSERAS and the address register hold is not asked for on paper.
        assert application["missingDocuments"] == []

        # rule 3, 000 §16: assessed the day it arrives.
        due = datetime.fromisoformat(application["assessmentDueAt"]).astimezone(clock.BAKU)
        assert due == datetime(2031, 6, 2, 23, 59, 59, tzinfo=clock.BAKU)
        assessed = (
            await desk.execute(ASSESS, input={"id": application["id"], "need": "daily help at home"})
        ).payload("assessApplication")
        assert assessed["errors"] == []
        assert assessed["application"]["status"] == "ASSESSED"
        [assessment] = [d for d in assessed["application"]["deadlines"] if d["kind"] == "ASSESSMENT"]
        assert assessment["met"] is True

        decided = (
            await desk.execute(DECIDE, input={"id": application["id"], "decision": "APPROVE"})
        ).payload("decideApplication")
        assert decided["errors"] == []
        approved = decided["application"]
        assert approved["status"] == "APPROVED"
        assert approved["provider"]["code"] == "DOST"
        assert approved["enrollment"]["status"] == "ACTIVE"
        assert approved["enrollment"]["service"]["code"] == HOME_CARE

        # rule 5, 001 step 10: the decision reaches the E-sosial cabinet at least a working day early.
        report = await deliver_due(
            db,
            outbound_adapters(hub.clients),
            policy=RetryPolicy(max_attempts=3, backoff_initial=0.0, backoff_max=0.0),
            batch_size=10,
        )
        assert report.delivered == 1
        [received] = ministries.received("esosial")
        body = received["body"]
        assert (body["fin"], body["serviceCode"], body["decision"]) == (person["fin"], HOME_CARE, "GRANTED")
        deadline = datetime.fromisoformat(approved["deadlineAt"]).astimezone(clock.BAKU).date()
        post_by = datetime.fromisoformat(approved["decisionPostBy"]).astimezone(clock.BAKU).date()
        decided_on = date.fromisoformat(body["decidedOn"])
        working = WorkingCalendar()
        assert decided_on <= post_by < deadline
        assert [d for d in _days(post_by, deadline) if working.is_working(d)] == [deadline]
        # rule 4, 001 §12-17: 15 working days in all, the front office's 2 and the back office's 13.
        assert sum(1 for d in _days(date(2031, 6, 2), deadline) if working.is_working(d)) == 15
        assert [d["met"] for d in approved["deadlines"] if d["kind"] == "DECISION_POSTING"] == [True]

        again = (await desk.execute(APPLICATION, id=application["id"])).ok()["application"]
        assert [(h["action"], h["toStatus"]) for h in again["history"]] == [
            ("application:submit", "SUBMITTED"),
            ("application:assess", "ASSESSED"),
            ("application:decide", "APPROVED"),
        ]


def _days(after: date, until: date) -> list[date]:
    """The days after `after`, up to and including `until`."""
    from datetime import timedelta

    return [after + timedelta(days=n) for n in range(1, (until - after).days + 1)]
