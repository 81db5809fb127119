"""The console's auditor and operator pages, without a browser: the access-log explorer and its CSV
export, accesses over time, the break-the-glass review, and the operator's status pages; each refused
to roles without its permission, each read logged as the API logs it."""

import csv
import io
import re

import pytest
from sqlalchemy import text

from sxvis.database import Database
from sxvis.web.console import audit
from sxvis.web.console.pages import url_id
from tests.conftest import Api
from tests.test_console import REFERRALS_AS_SEEN, Browser, app_client, browser, registered

__all__ = ["app_client", "browser"]  # the fixtures, shared with tests/test_console.py


async def _log_reads(database: Database, entity_type: str = "access_event") -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM access_events WHERE actor_user = 'kamran.audit'"
                " AND action = 'access_log:read' AND entity_type = :entity"
            ),
            {"entity": entity_type},
        )
    return int(found or 0)


async def _denials(database: Database) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM access_events WHERE actor_user = 'leyla.sxa' AND outcome = 'DENIED'"
                " AND action IN ('access_log:read', 'break_glass:review', 'integration:status',"
                " 'calendar:manage')"
            )
        )
    return int(found or 0)


async def _social_worker_searches(browser: Browser) -> None:
    await browser.sign_in(demo="sxa-worker")
    assert (await browser.client.get("/persons/results?q=Mammadov")).status_code == 200
    assert (await browser.client.get("/audit/log")).status_code == 403  # a denial to find
    await browser.post("/sign-out", {})


async def test_the_explorer_filters_by_user_outcome_and_purpose_and_lists_each_events_fields(
    browser: Browser,
) -> None:
    await _social_worker_searches(browser)
    await browser.sign_in(demo="auditor")
    page = await browser.client.get(
        "/audit/log", params={"user": "leyla.sxa", "purpose": "SERVICE_DELIVERY", "outcome": "DENIED"}
    )
    assert page.status_code == 200
    assert "access_log:read" in page.text  # the social worker's refused look at the log
    assert "person:search" not in page.text  # allowed, so filtered out
    assert "Xidmət göstərilməsi" in page.text  # the purpose, in Azerbaijani
    assert "<details>" in page.text
    assert "SXA" in page.text
    other = await browser.client.get("/audit/log", params={"user": "leyla.sxa", "purpose": "AUDIT"})
    assert "access_log:read</code>" not in other.text


async def test_the_explorer_shows_a_bad_filter_beside_its_field_keeping_what_was_typed(
    browser: Browser,
) -> None:
    await browser.sign_in(demo="auditor")
    page = await browser.client.get("/audit/log", params={"from": "yesterday", "person": "not-an-id"})
    assert page.status_code == 400
    assert 'id="f-from-error"' in page.text
    assert 'value="yesterday"' in page.text
    bad_person = await browser.client.get("/audit/log", params={"person": "not-an-id"})
    assert bad_person.status_code == 400
    assert 'id="f-person-error"' in bad_person.text


async def test_a_role_without_the_log_may_not_open_the_auditor_or_operator_pages_and_is_logged(
    browser: Browser, database: Database
) -> None:
    await browser.sign_in(demo="sxa-worker")
    before = await _denials(database)
    for path in (
        "/audit/log",
        "/audit/log.csv",
        "/audit/activity",
        "/audit/break-glass",
        "/operator/integrations",
        "/operator/calendar",
        "/operator/audit-chain",
    ):
        refused = await browser.client.get(path)
        assert refused.status_code == 403, path
        assert "Rolunuz bu səhifəni açmağa icazə vermir" in refused.text
    assert await _denials(database) == before + 7


async def test_the_csv_export_holds_the_filtered_events_and_each_page_it_reads_is_logged(
    browser: Browser, database: Database
) -> None:
    await _social_worker_searches(browser)
    await browser.sign_in(demo="auditor")
    before = await _log_reads(database)
    export = await browser.client.get("/audit/log.csv", params={"user": "leyla.sxa"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows
    assert {row["userId"] for row in rows} == {"leyla.sxa"}
    assert {"person:search", "access_log:read"} <= {row["action"] for row in rows}
    assert {row["agencyCode"] for row in rows} == {"SXA"}
    # One event per page of the log the export read (earlier tests' events by the same demo user stay
    # in the append-only log, so there may be more than one page).
    pages = -(-len(rows) // audit.EXPORT_PAGE)
    assert await _log_reads(database) == before + pages


async def test_the_csv_export_stops_after_its_page_limit_and_says_so(
    browser: Browser, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "EXPORT_PAGE", 2)
    monkeypatch.setattr(audit, "EXPORT_PAGES", 2)
    await _social_worker_searches(browser)
    await _social_worker_searches(browser)
    await browser.sign_in(demo="auditor")
    before = await _log_reads(database)
    export = await browser.client.get("/audit/log.csv", params={"user": "leyla.sxa"})
    lines = export.text.strip().splitlines()
    assert len(lines) == 1 + 4 + 1  # the header, two pages of two, the message
    assert lines[-1].startswith("# ")
    assert "filtri daraldın" in lines[-1]
    assert await _log_reads(database) == before + 2


async def test_accesses_over_time_are_charted_by_outcome_and_the_question_is_logged(
    browser: Browser, database: Database
) -> None:
    await _social_worker_searches(browser)
    await browser.sign_in(demo="auditor")
    before = await _log_reads(database, "access_log_statistics")
    page = await browser.client.get("/audit/activity")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'class="denied"' in page.text
    assert await _log_reads(database, "access_log_statistics") == before + 1
    bad = await browser.client.get("/audit/activity", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert bad.status_code == 400
    assert 'id="f-to-error"' in bad.text


async def test_an_auditor_reviews_a_break_the_glass_opening_and_a_review_needs_its_note(
    browser: Browser, api: Api
) -> None:
    from tests.test_referrals import CREATE

    victim = await registered(api, "DOST", lastName="Qurbanova", protected=True)
    sent = await api.as_("social_worker", agency="DOST").execute(
        CREATE,
        input={
            "personId": victim,
            "toAgencyCode": "SXA",
            "reason": "Needs a shelter",
            "urgency": "URGENT",
            "idempotencyKey": "console-review",
        },
    )
    assert sent.payload("createReferral")["errors"] == []
    seen = (await api.execute(REFERRALS_AS_SEEN)).ok()["referrals"]["edges"][0]["node"]["person"]["id"]
    await browser.sign_in(demo="sxa-manager")
    page = f"/persons/{url_id(seen)}"
    opened = await browser.post(
        f"{page}/break-glass",
        {"reasonCode": "IMMEDIATE_DANGER", "reason": "She called the hotline: her husband is at the door"},
        page=page,
    )
    assert opened.status_code == 303
    await browser.post("/sign-out", {})
    await browser.sign_in(demo="auditor")
    assert 'href="/audit/break-glass"' in (await browser.client.get("/")).text
    queue = await browser.client.get("/audit/break-glass")
    assert "She called the hotline" in queue.text
    assert "Qurbanova" not in queue.text
    grant = queue.text.split('name="id" value="')[1].split('"')[0]
    empty = await browser.post("/audit/break-glass", {"id": grant, "note": ""}, page="/audit/break-glass")
    assert empty.status_code == 400
    assert "note-1-error" in empty.text
    done = await browser.post(
        "/audit/break-glass",
        {"id": grant, "note": "Confirmed with the hotline's record"},
        page="/audit/break-glass",
    )
    assert done.status_code == 303
    assert "She called the hotline" not in (await browser.client.get("/audit/break-glass")).text
    reviewed = await browser.client.get("/audit/break-glass?show=reviewed")
    assert "Confirmed with the hotline&#39;s record" in reviewed.text


async def test_the_operator_sees_the_integrations_statistics_and_the_chain(browser: Browser) -> None:
    await browser.sign_in(demo="operator")
    home = await browser.client.get("/")
    for path in ("/operator/integrations", "/operator/calendar", "/operator/audit-chain", "/audit/log"):
        assert f'href="{path}"' in home.text
    integrations = await browser.client.get("/operator/integrations")
    assert integrations.status_code == 200
    assert "Göndərilə bilməyən mesaj yoxdur." in integrations.text
    unknown = await browser.post(
        "/operator/integrations", {"id": "RGVhZExldHRlcjox"}, page="/operator/integrations"
    )
    assert unknown.status_code == 400
    assert 'class="alert error"' in unknown.text
    chain = await browser.client.get("/operator/audit-chain")
    assert chain.status_code == 200
    assert "Zəncir bütövdür" in chain.text


async def test_referral_statistics_are_charted_and_a_count_below_five_is_not_shown(
    browser: Browser, api: Api
) -> None:
    from tests.test_referrals import CREATE

    sxa = api.as_("social_worker", agency="SXA")
    for n in range(5):
        person = await registered(api, "SXA")
        sent = await sxa.execute(
            CREATE,
            input={
                "personId": person,
                "toAgencyCode": "DOST",
                "reason": "Needs home care",
                "urgency": "ROUTINE",
                "idempotencyKey": f"console-statistics-{n}",
            },
        )
        assert sent.payload("createReferral")["errors"] == []
    await browser.sign_in(demo="auditor")
    statistics = await browser.client.get("/operator/statistics", params={"agency": "DOST"})
    assert statistics.status_code == 200
    assert "<svg" in statistics.text
    assert "<rect" in statistics.text  # the five requested referrals
    assert "5-dən az" in statistics.text  # the other statuses, fewer than five


async def test_service_statistics_are_charted_with_their_table_beside_the_chart(
    browser: Browser, api: Api
) -> None:
    from tests.applications_support import SUBMIT

    for n in range(5):
        submitted = await api.execute(
            SUBMIT,
            input={
                "personId": await registered(api, "SXA"),
                "serviceCode": "01-09-15-00",
                "applicantKind": "SELF",
                "channel": "IN_PERSON",
                "idempotencyKey": f"console-service-statistics-{n}",
            },
        )
        assert submitted.payload("submitApplication")["errors"] == []
    await browser.sign_in(demo="auditor")
    page = (await browser.client.get("/operator/statistics")).text
    services = page[page.index('id="h-services"') :]
    assert "Xidmət statistikası" in services
    by_service = services[services.index('id="h-services-byService"') :]
    by_service = by_service[: by_service.index("</div>")]
    chart, table = by_service.split("<table", 1)
    assert "<svg" in chart
    assert "<rect" in chart  # the five applications for home care
    assert "Müraciətlər xidmət üzrə" in chart  # the chart's accessible name
    assert re.search(r"<td>01-09-15-00</td><td>5</td>", table)
    assert "5-dən az" in services  # the other channels and outcomes, fewer than five


async def test_the_operator_declares_a_holiday_and_removes_it_and_a_missing_day_is_shown_beside_its_field(
    browser: Browser,
) -> None:
    await browser.sign_in(demo="operator")
    missing = await browser.post(
        "/operator/calendar", {"day": "", "kind": "HOLIDAY", "note": "Decree 12"}, page="/operator/calendar"
    )
    assert missing.status_code == 400
    assert 'id="f-day-error"' in missing.text
    assert 'value="Decree 12"' in missing.text
    saved = await browser.post(
        "/operator/calendar",
        {"day": "2026-12-29", "kind": "HOLIDAY", "note": "Decree 12"},
        page="/operator/calendar",
    )
    assert saved.status_code == 303
    listed = await browser.client.get("/operator/calendar")
    assert "Decree 12" in listed.text
    removed = await browser.post("/operator/calendar", {"remove": "2026-12-29"}, page="/operator/calendar")
    assert removed.status_code == 303
    assert "Decree 12" not in (await browser.client.get("/operator/calendar")).text


READ_PERSON = "query P($id: ID!) { person(id: $id) { id lastName } }"


async def test_the_persons_access_report_lists_the_agencies_and_its_pdf_names_no_officer(
    browser: Browser, api: Api
) -> None:
    import io as _io

    from pypdf import PdfReader

    person = await registered(api, "SXA", lastName="Nəsibova")
    reader = api.as_("social_worker", agency="SXA", user="leyla.sxa")
    assert (await reader.execute(READ_PERSON, id=person)).ok()["person"]
    await browser.sign_in(demo="auditor")
    page = await browser.client.get("/audit/report", params={"person": person})
    assert page.status_code == 200
    assert "Sosial Xidmətlər Agentliyi" in page.text
    assert "leyla.sxa" not in page.text
    pdf = await browser.client.get("/audit/report.pdf", params={"person": person})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(_io.BytesIO(pdf.content)).pages)
    assert "Sosial Xidmətlər Agentliyi" in text
    for officer in ("leyla.sxa", "Leyla", "kamran.audit", "Kamran"):
        assert officer not in text
    bad = await browser.client.get("/audit/report", params={"person": "nobody"})
    assert bad.status_code == 400
    assert 'id="f-person-error"' in bad.text
    await browser.post("/sign-out", {})
    await browser.sign_in(demo="sxa-worker")
    assert (await browser.client.get("/audit/report.pdf", params={"person": person})).status_code == 403
