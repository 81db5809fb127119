"""The console's case pages, without a browser: opening a case from the person's page, working it through
the Strategy's phases with each mistake beside its field, referring from within it, the person's page
listing all their referrals, and the refusals (a role without the permission, another agency's case)."""

import re
from datetime import timedelta

from sqlalchemy import text

from sxvis import clock
from sxvis.database import Database
from sxvis.web.console.pages import url_id
from tests.conftest import Api
from tests.test_console import Browser, app_client, browser, registered
from tests.test_referrals import CREATE

__all__ = ["app_client", "browser"]

OPEN_CASE = """
mutation O($p: ID!) { openCase(input: {personId: $p, managerId: "rauf.sxa"}) { case { id } errors { code } } }
"""
_CASE_PATH = re.compile(r"^/cases/[^/?#]+")


async def opened(api: Api, person_id: str) -> str:
    payload = (await api.execute(OPEN_CASE, p=person_id)).payload("openCase")
    assert payload["errors"] == []
    return payload["case"]["id"]  # type: ignore[no-any-return]


async def last_event(database: Database, user: str) -> tuple[str, str]:
    async with database.transaction() as session:
        row = (
            await session.execute(
                text(
                    "SELECT action, outcome FROM access_events WHERE actor_user = :user"
                    " ORDER BY id DESC LIMIT 1"
                ),
                {"user": user},
            )
        ).one()
    return row[0], row[1]


async def test_a_case_is_opened_from_the_person_page_and_worked_through_its_phases(
    browser: Browser, api: Api
) -> None:
    person = f"/persons/{url_id(await registered(api, lastName='Süleymanova'))}"
    await browser.sign_in(demo="sxa-worker")
    page = await browser.client.get(person)
    assert f'action="{person}/cases"' in page.text
    assert 'value="leyla.sxa"' in page.text  # the case manager is the signed-in user unless changed
    missing = await browser.post(f"{person}/cases", {"managerId": ""}, page=person)
    assert missing.status_code == 400
    assert 'id="f-managerId-error"' in missing.text
    created = await browser.post(f"{person}/cases", {"managerId": "leyla.sxa"}, page=person)
    assert created.status_code == 303
    case = _CASE_PATH.match(created.headers["location"])
    assert case is not None
    path = case.group(0)
    shown = await browser.client.get(path)
    assert "Süleymanova" in shown.text
    assert "İş açıldı" in shown.text  # the timeline's first entry, in Azerbaijani
    assert f'action="{path}/assessment"' in shown.text
    assert f'action="{path}/entries"' not in shown.text  # a visit needs a plan first
    assert (await browser.client.get(person)).text.count(f'href="{path}"') == 1
    assert f'action="{person}/cases"' not in (await browser.client.get(person)).text  # one open case
    twice = await browser.post(f"{person}/cases", {"managerId": "leyla.sxa"}, page=person)
    assert twice.status_code == 400
    assert "Qurumunuzun bu şəxs haqqında artıq açıq işi var." in twice.text

    no_risk = await browser.post(
        f"{path}/assessment", {"needs": "CARE", "need-CARE": "Cannot cook alone", "riskLevel": ""}, page=path
    )
    assert no_risk.status_code == 400
    assert 'id="f-riskLevel-error"' in no_risk.text
    assert 'value="Cannot cook alone"' in no_risk.text
    assessed = await browser.post(
        f"{path}/assessment",
        {"needs": "CARE", "need-CARE": "Cannot cook alone", "riskLevel": "MEDIUM"},
        page=path,
    )
    assert assessed.status_code == 303
    planned = await browser.post(
        f"{path}/plan",
        {
            "planNeeds": "CARE",
            "goals": "Meals every day\nA clean home",
            "serviceCodes": "01-09-15-00",
            "responsibleAgencyCodes": "SXA",
        },
        page=path,
    )
    assert planned.status_code == 303, planned.text
    tomorrow = (clock.now() + timedelta(days=2)).date().isoformat()
    future = await browser.post(
        f"{path}/entries",
        {"visitDate": tomorrow, "note": "Fridge empty", "outcome": "Meals ordered"},
        page=path,
    )
    assert future.status_code == 400
    assert 'id="f-visitDate-error"' in future.text
    assert "Səfər gələcəkdə" in future.text
    assert "Fridge empty" in future.text  # what was typed is kept
    today = clock.today().isoformat()  # a Baku date, as the service checks it
    visited = await browser.post(
        f"{path}/entries", {"visitDate": today, "note": "Fridge empty", "outcome": "Meals ordered"}, page=path
    )
    assert visited.status_code == 303
    closed = await browser.post(
        f"{path}/close", {"closeReason": "Moved to live with her daughter"}, page=path
    )
    assert closed.status_code == 303
    final = await browser.client.get(path)
    for seen in (
        "Monitorinq səfəri",
        "Fridge empty",
        "Meals ordered",
        "Meals every day",
        "Moved to live with her daughter",
    ):
        assert seen in final.text
    assert f'action="{path}/reopen"' in final.text
    assert f'action="{path}/entries"' not in final.text


async def test_a_referral_made_from_the_case_is_listed_on_the_case_and_on_the_person_page(
    browser: Browser, api: Api
) -> None:
    person_id = await registered(api)
    case_id = await opened(api, person_id)
    outside = await api.execute(
        CREATE,
        input={
            "personId": person_id,
            "toAgencyCode": "DSMF",
            "reason": "Targeted assistance",
            "urgency": "ROUTINE",
            "idempotencyKey": "console-case-outside",
        },
    )
    assert outside.payload("createReferral")["errors"] == []
    await browser.sign_in(demo="sxa-worker")
    path = f"/cases/{url_id(case_id)}"
    assert "/referrals/new?person=" in (await browser.client.get(path)).text
    form = f"/referrals/new?person={person_id}&case={case_id}"
    shown = await browser.client.get("/referrals/new", params={"person": person_id, "case": case_id})
    assert f'name="caseId" value="{case_id}"' in shown.text
    sent = await browser.post(
        "/referrals/new",
        {
            "personId": person_id,
            "caseId": case_id,
            "toAgencyCode": "DOST",
            "urgency": "URGENT",
            "reason": "Needs a place in a centre",
        },
        page=form,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(path)
    case_page = await browser.client.get(path)
    assert "Needs a place in a centre" in case_page.text
    assert "Göndəriş" in case_page.text  # the referral's entry in the timeline
    person_page = (await browser.client.get(f"/persons/{url_id(person_id)}")).text
    referrals = person_page[person_page.index('id="h-referrals"') :]
    assert "(2)" in referrals  # within the case and outside it
    assert referrals.count(f'href="{path}"') == 1


async def test_a_role_without_the_case_permission_gets_the_refusal_page_and_it_is_logged(
    browser: Browser, api: Api, database: Database
) -> None:
    case_id = await opened(api, await registered(api))
    await browser.sign_in(demo="ngo-partner")
    refused = await browser.client.get(f"/cases/{url_id(case_id)}")
    assert refused.status_code == 403
    assert "Rolunuz bu səhifəni açmağa icazə vermir" in refused.text
    assert await last_event(database, "sevda.qadin") == ("case:read", "DENIED")
    closing = await browser.post(
        f"/cases/{url_id(case_id)}/close", {"closeReason": "Not ours"}, page="/referrals"
    )
    assert closing.status_code == 403
    assert await last_event(database, "sevda.qadin") == ("case:close", "DENIED")


async def test_another_agencys_case_is_read_only_and_a_change_to_it_is_refused_and_logged(
    browser: Browser, api: Api, database: Database
) -> None:
    person_id = await registered(api)
    case_id = await opened(api, person_id)
    referred = await api.execute(
        CREATE,
        input={
            "personId": person_id,
            "caseId": case_id,
            "toAgencyCode": "DOST",
            "reason": "Needs a centre",
            "urgency": "ROUTINE",
            "idempotencyKey": "console-case-other-agency",
        },
    )
    assert referred.payload("createReferral")["errors"] == []
    await browser.sign_in(demo="dost-worker")
    path = f"/cases/{url_id(case_id)}"
    page = await browser.client.get(path)
    assert page.status_code == 200
    assert "Bu işi başqa qurum idarə edir" in page.text
    assert f'action="{path}/close"' not in page.text
    closing = await browser.post(f"{path}/close", {"closeReason": "Not ours to close"}, page=path)
    assert closing.status_code == 403
    assert await last_event(database, "nigar.dost") == ("case:close", "DENIED")
