"""The person's access report: what was done with a person's data, by day, agency, purpose and kind,
never by whom; a protected person's placement withheld; its own generation logged; and its PDF.

The log is shared by every test, so each test reports on persons it registers itself.
"""

import io
import uuid
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from pypdf import PdfReader
from sqlalchemy import text
from strawberry import relay

from schema.relay import global_id
from sxvis import clock
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.audit import report_pdf
from sxvis.audit.reports import (
    WITHHELD_AZ,
    WITHHELD_EN,
    ConsultationKind,
    PersonAccessReport,
    ReportEntry,
)
from sxvis.config import Settings
from sxvis.database import Database
from tests.conftest import Api, Result
from tests.documents import ENROLL, PERSON_BY_ID, PERSONS, REGISTER_PERSON
from tests.factories import person_input

REPORT = """
query Report($personId: ID!, $from: Date!, $to: Date!) {
  personAccessReport(personId: $personId, from: $from, to: $to) {
    personId from to generatedAt generatedByAgencyCode totalConsultations
    entries { day agencyCode nameAz nameEn withheld purpose kind count }
  }
}
"""

LOG_BY_ACTOR = """
query Log($actor: String!) {
  accessLog(filter: {actorId: $actor}, first: 10) {
    edges { node { action outcome entityType personId reason actor { agency } } }
  }
}
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def auditor(api: Api) -> Api:
    return api.as_("auditor", agency="VXSIDA", user=unique("auditor"))


def today_window() -> dict[str, str]:
    today = clock.today()
    return {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}


async def register(api: Api, **overrides: Any) -> str:
    payload = (await api.execute(REGISTER_PERSON, input=person_input(**overrides))).payload("registerPerson")
    assert payload["errors"] == []
    person_id: str = payload["person"]["id"]
    return person_id


async def report_of(reader: Api, person: str, **window: str) -> dict[str, Any]:
    result: dict[str, Any] = (
        await reader.execute(REPORT, personId=person, **(window or today_window()))
    ).ok()["personAccessReport"]
    return result


def rows(report: dict[str, Any]) -> set[tuple[str | None, str | None, str, int]]:
    return {(e["agencyCode"], e["purpose"], e["kind"], e["count"]) for e in report["entries"]}


def forbidden(result: Result) -> bool:
    return any(e.get("extensions", {}).get("code") == "FORBIDDEN" for e in result.errors)


async def test_reads_by_two_agencies_and_a_search_by_a_third_are_each_reported(api: Api) -> None:
    person = await register(api, lastName="Qasımova", firstName="Gülşən", sex="FEMALE")  # SXA registers
    eesmn = api.as_("partner_agency", agency="EESMN", user=unique("eesmn"))
    for _ in range(2):
        assert (await eesmn.execute(PERSON_BY_ID, id=person)).ok()["person"]["id"] == person
    sxa = api.as_("social_worker", agency="SXA", user=unique("sxa"))
    assert (await sxa.execute(PERSON_BY_ID, id=person)).ok()["person"]["id"] == person
    vxsida = api.as_("social_worker", agency="VXSIDA", user=unique("vxsida"))
    found = (await vxsida.execute(PERSONS, filter={"text": "Qasımova"})).ok()["persons"]["edges"]
    assert [edge["node"]["id"] for edge in found] == [person]

    report = await report_of(auditor(api), person)

    assert rows(report) >= {
        ("SXA", "SERVICE_DELIVERY", "CHANGE", 1),  # the registration
        ("EESMN", "SERVICE_DELIVERY", "READ", 2),
        ("SXA", "SERVICE_DELIVERY", "READ", 1),
        ("VXSIDA", "SERVICE_DELIVERY", "SEARCH", 1),
    }
    assert {e["day"] for e in report["entries"]} == {clock.today().isoformat()}
    eesmn_entry = next(e for e in report["entries"] if e["agencyCode"] == "EESMN")
    assert eesmn_entry["nameAz"] == "Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi"
    assert eesmn_entry["nameEn"] == "Ministry of Labour and Social Protection of the Population"
    assert eesmn_entry["withheld"] is False
    assert report["totalConsultations"] == sum(e["count"] for e in report["entries"])
    assert report["personId"] == person
    assert report["generatedByAgencyCode"] == "VXSIDA"


async def test_the_report_names_no_officer(api: Api) -> None:
    person = await register(api)
    reader = api.as_("partner_agency", agency="EESMN", user=unique("officer"))
    (await reader.execute(PERSON_BY_ID, id=person)).ok()
    watcher = auditor(api)

    body = orjson.dumps(await report_of(watcher, person)).decode()

    for user in (reader.user, api.user, watcher.user):
        assert user not in body
    assert "ById" not in body  # nor the operation


async def test_the_auditors_reads_of_the_trail_are_reported_as_audit(api: Api) -> None:
    person = await register(api)
    first = auditor(api)
    await report_of(first, person)  # a report never counts itself...

    report = await report_of(auditor(api), person)  # ...the next one does

    assert ("VXSIDA", "AUDIT", "AUDIT", 1) in rows(report)


@pytest.fixture
def pseudonyms(settings: Settings) -> Pseudonyms:
    key = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    return Pseudonyms.from_data_dir(settings.data_dir, key)


async def test_a_protected_persons_placement_agencies_are_withheld(api: Api, pseudonyms: Pseudonyms) -> None:
    dost = api.as_("social_worker", agency="DOST", user=unique("dost"))
    person = await register(dost, protected=True)  # DOST protects the person
    person_id = uuid.UUID(relay.GlobalID.from_id(person).node_id)
    enrolled = (
        await dost.execute(
            ENROLL,
            input={
                "personId": person,
                "serviceCode": "01-09-15-00",
                "providerCode": "DOST-BAKI-1",
                "startedOn": clock.today().isoformat(),
            },
        )
    ).payload("enrollInService")
    assert enrolled["errors"] == []
    centre = api.as_("social_worker", agency="DOST-BAKI-1", user=unique("centre"))
    seen_by_centre = global_id("Person", pseudonyms.public_id(person_id, "DOST-BAKI-1"))
    assert (await centre.execute(PERSON_BY_ID, id=seen_by_centre)).ok()["person"] is not None
    eesmn = api.as_("partner_agency", agency="EESMN", user=unique("eesmn"))  # a ministry: named
    seen_by_eesmn = global_id("Person", pseudonyms.public_id(person_id, "EESMN"))
    assert (await eesmn.execute(PERSON_BY_ID, id=seen_by_eesmn)).ok()["person"] is not None

    report = await report_of(auditor(api), person)

    named = {e["agencyCode"] for e in report["entries"]}
    assert "EESMN" in named
    assert not named & {"DOST", "DOST-BAKI-1"}
    withheld = [e for e in report["entries"] if e["withheld"]]
    assert withheld
    assert {(e["agencyCode"], e["nameAz"], e["nameEn"]) for e in withheld} == {
        (None, WITHHELD_AZ, WITHHELD_EN)
    }
    # the registration and enrollment (DOST) and the centre's read merge into the neutral label
    assert sum(e["count"] for e in withheld) >= 3
    body = orjson.dumps(report).decode()
    for clue in ("DOST", "Bakı", "Baku", "AZ-01"):
        assert clue not in body

    # The centre's own administrator answers the person by the centre's pseudonym, never by the real id.
    admin = api.as_("agency_admin", agency="DOST-BAKI-1", user=unique("centre-admin"))
    assert forbidden(await admin.execute(REPORT, personId=person, **today_window()))
    by_pseudonym = await report_of(admin, seen_by_centre)
    assert by_pseudonym["personId"] == seen_by_centre
    assert rows(by_pseudonym) == rows(report) | {("VXSIDA", "AUDIT", "AUDIT", 1)}


async def test_a_window_must_run_forward_and_be_at_most_five_years(api: Api) -> None:
    person = await register(api)
    watcher = auditor(api)
    today = clock.today()
    cases = {
        "WINDOW_REVERSED": (today, today - timedelta(days=1)),
        "WINDOW_TOO_LONG": (today - timedelta(days=5 * 366), today),
        "WINDOW_OUT_OF_RANGE": (date(1999, 12, 30), date(1999, 12, 31)),  # before the registry's days
        "INVALID_DATE": (date(9999, 12, 30), date(9999, 12, 31)),  # no date the API takes (1800-2999)
    }
    for reason, (start, end) in cases.items():
        result = await watcher.execute(
            REPORT, personId=person, **{"from": start.isoformat(), "to": end.isoformat()}
        )
        assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in result.errors] == [
            ("BAD_USER_INPUT", reason)
        ]
    unknown = await watcher.execute(REPORT, personId=global_id("Person", uuid.uuid4()), **today_window())
    assert [(e["extensions"]["code"], e["extensions"]["reason"]) for e in unknown.errors] == [
        ("BAD_USER_INPUT", "NOT_FOUND")
    ]
    one_day = await report_of(watcher, person, **{"from": today.isoformat(), "to": today.isoformat()})
    assert one_day["entries"]


async def test_a_social_worker_is_forbidden_and_the_denial_is_logged(api: Api) -> None:
    person = await register(api)
    worker = api.as_("social_worker", agency="SXA", user=unique("worker"))

    result = await worker.execute(REPORT, personId=person, **today_window())

    assert forbidden(result)
    assert result.data is None or result.data.get("personAccessReport") is None
    events = [
        e["node"]
        for e in (await auditor(api).execute(LOG_BY_ACTOR, actor=worker.user)).ok()["accessLog"]["edges"]
    ]
    assert [(e["action"], e["outcome"]) for e in events] == [("access_report:read", "DENIED")]
    assert "do not permit access_report:read" in events[0]["reason"]


async def test_an_agency_admin_reports_within_the_remit_only(api: Api) -> None:
    ours = await register(api)  # SXA registered: in SXA's remit
    dost = api.as_("social_worker", agency="DOST", user=unique("dost"))
    theirs = await register(dost)  # DOST's only
    admin = api.as_("agency_admin", agency="DOST", user=unique("admin"))

    assert (await report_of(admin, theirs))["entries"]
    result = await admin.execute(REPORT, personId=ours, **today_window())
    assert forbidden(result)
    nobody = global_id("Person", uuid.uuid4())
    refused = await admin.execute(REPORT, personId=nobody, **today_window())
    assert forbidden(refused)  # as for a person outside the remit: no oracle of who is registered
    assert refused.errors[0]["message"] == result.errors[0]["message"]
    log = (await auditor(api).execute(LOG_BY_ACTOR, actor=admin.user)).ok()["accessLog"]["edges"]
    assert [(e["node"]["action"], e["node"]["outcome"], e["node"]["personId"]) for e in log] == [
        ("access_report:read", "DENIED", nobody),
        ("access_report:read", "DENIED", ours),
        ("access_report:read", "ALLOWED", theirs),
    ]


async def test_producing_the_report_is_logged_against_the_person(api: Api, db: Database) -> None:
    person = await register(api)
    watcher = auditor(api)
    await report_of(watcher, person)

    async with db.connect() as conn:
        found = (
            await conn.execute(
                text(
                    "SELECT action, entity_type, person_id, outcome, purpose, details, fields"
                    " FROM access_events WHERE actor_user = :user"
                ),
                {"user": watcher.user},
            )
        ).all()
    assert len(found) == 1
    action, entity_type, person_id, outcome, purpose, details, fields = found[0]
    assert (action, entity_type, outcome, purpose) == ("access_report:read", "person", "ALLOWED", "AUDIT")
    assert str(person_id) == relay.GlobalID.from_id(person).node_id
    assert details["from"] < details["to"]
    assert set(fields) == {
        "personId",
        "from",
        "to",
        "generatedAt",
        "generatedByAgencyCode",
        "totalConsultations",
        "entries",
    }


REPORT_FOR_PDF = PersonAccessReport(
    person_id=uuid.uuid4(),
    occurred_from=date(2026, 1, 1),
    occurred_to=date(2026, 6, 30),
    generated_at=clock.now(),
    generated_by_agency_code="VXSIDA",
    entries=(
        ReportEntry(
            date(2026, 3, 4),
            "EESMN",
            "Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi",
            "Ministry of Labour and Social Protection of the Population",
            "SERVICE_DELIVERY",
            ConsultationKind.READ,
            2,
        ),
        ReportEntry(
            date(2026, 3, 5), None, WITHHELD_AZ, WITHHELD_EN, "SERVICE_DELIVERY", ConsultationKind.SEARCH, 1
        ),
    ),
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_prints_the_azerbaijani_letters_agencies_and_dates() -> None:
    name = "Ağayeva Gülşən Çələbi qızı Öztürk"
    data = report_pdf.render(REPORT_FOR_PDF, person_name=name, language="az")

    assert data.startswith(b"%PDF-")
    shown = pdf_text(data)
    for letter in ["ə", "ğ", "ı", "ş", "ç", "ö", "ü", "Ə", "Ş", "Ç", "Ö"]:
        assert letter in shown, letter
    assert name in shown
    assert "Əmək və Əhalinin Sosial Müdafiəsi Nazirliyi (EESMN)" in shown
    assert WITHHELD_AZ in shown
    assert "04.03.2026" in shown
    assert "01.01.2026 – 30.06.2026" in shown
    assert "VXSIDA" in shown  # the producing agency


def test_the_pdf_in_english_names_no_officer() -> None:
    data = report_pdf.render(REPORT_FOR_PDF, person_name="Gülnarə Şükürova", language="en")

    shown = pdf_text(data)
    assert "Ministry of Labour and Social Protection" in shown  # the cell wraps the rest
    assert "(EESMN)" in shown
    assert "2026-03-04" in shown
    assert "Gülnarə Şükürova" in shown
    assert "Total consultations: 3" in shown
    assert "test-worker" not in shown


async def test_the_pdf_of_a_real_report_names_no_officer(api: Api) -> None:
    person = await register(api)
    reader = api.as_("partner_agency", agency="EESMN", user=unique("officer"))
    (await reader.execute(PERSON_BY_ID, id=person)).ok()
    watcher = auditor(api)
    report = report_pdf.ReportAsShown.of(await report_of(watcher, person))
    shown = pdf_text(report_pdf.render(report, person_name="Əli Məmmədov", language="az"))
    assert "EESMN" in shown
    assert clock.today().strftime("%d.%m.%Y") in shown
    for user in (reader.user, api.user, watcher.user):
        assert user not in shown
