"""The console's application pages (issue 16), without a browser: intake with its field errors, the
application's page with its deadlines and evidence, assess and decide with their errors, the voucher
queue, and the refusal of roles without the permission."""

import re

from tests.conftest import Api
from tests.test_console import Browser, app_client, browser, registered

__all__ = ["app_client", "browser"]

HOME_CARE = "01-09-15-00"


async def test_an_application_is_taken_assessed_and_refused_with_each_mistake_beside_its_field(
    browser: Browser, api: Api
) -> None:
    person = await registered(api, "SXA", lastName="Hüseynova")
    await browser.sign_in(demo="sxa-worker")
    form = await browser.client.get("/applications/new", params={"person": person})
    assert form.status_code == 200
    assert "Hüseynova" in form.text
    missing = await browser.post(
        "/applications/new",
        {"personId": person, "serviceCode": "", "applicantKind": "SELF", "channel": "IN_PERSON"},
        page="/applications/new",
    )
    assert missing.status_code == 400
    assert 'id="f-serviceCode-error"' in missing.text
    sent = await browser.post(
        "/applications/new",
        {"personId": person, "serviceCode": HOME_CARE, "applicantKind": "SELF", "channel": "IN_PERSON"},
        page="/applications/new",
    )
    assert sent.status_code == 303, sent.text
    page_path = sent.headers["location"]
    page = await browser.client.get(page_path)
    assert page.status_code == 200
    assert "Ehtiyacların qiymətləndirilməsi" in page.text  # the assessment deadline, in Azerbaijani
    assert "Hüseynova" in page.text
    empty = await browser.post(f"{page_path}/assess", {"need": ""}, page=page_path)
    assert empty.status_code == 400
    assert 'id="f-need-error"' in empty.text
    assessed = await browser.post(f"{page_path}/assess", {"need": "Daily help at home"}, page=page_path)
    assert assessed.status_code == 303
    groundless = await browser.post(f"{page_path}/decide", {"decision": "REFUSE"}, page=page_path)
    assert groundless.status_code == 400
    assert 'id="f-ground-error"' in groundless.text
    refused = await browser.post(
        f"{page_path}/decide", {"decision": "REFUSE", "ground": "INCOMPLETE_DOCUMENTS"}, page=page_path
    )
    assert refused.status_code == 303
    final = await browser.client.get(page_path)
    assert "İmtina edildi" in final.text
    assert "Daily help at home" in final.text
    listed = await browser.client.get("/applications", params={"status": "REFUSED"})
    assert page_path in listed.text


async def test_intake_of_a_fin_nobody_has_says_so_beside_the_fin(browser: Browser) -> None:
    await browser.sign_in(demo="sxa-worker")
    answer = await browser.post(
        "/applications/new",
        {"fin": "ZZZ9999", "serviceCode": HOME_CARE, "applicantKind": "SELF", "channel": "IN_PERSON"},
        page="/applications/new",
    )
    assert answer.status_code == 400
    assert re.search(r'id="f-fin-error">[^<]*qeydiyyat', answer.text), answer.text


async def test_the_voucher_queue_asks_for_a_sensible_count(browser: Browser) -> None:
    await browser.sign_in(demo="sxa-worker")
    page = await browser.client.get("/applications/queue")
    assert page.status_code == 200
    zero = await browser.post(
        "/applications/queue",
        {"serviceCode": "01-09-07-00", "kind": "REST", "count": "0"},
        page="/applications/queue",
    )
    assert zero.status_code == 400
    assert 'id="f-count-error"' in zero.text


async def test_a_partner_may_not_take_an_application(browser: Browser) -> None:
    await browser.sign_in(demo="ngo-partner")
    refused = await browser.client.get("/applications/new")
    assert refused.status_code == 403
    assert 'href="/applications/new"' not in (await browser.client.get("/")).text


async def test_an_approval_without_the_programme_it_needs_is_shown_beside_that_field(
    browser: Browser, api: Api
) -> None:
    person = await registered(api, "SXA", lastName="Quliyeva")
    await browser.sign_in(demo="sxa-worker")
    sent = await browser.post(
        "/applications/new",
        {"personId": person, "serviceCode": "00-00-00-01", "applicantKind": "SELF", "channel": "IN_PERSON"},
        page="/applications/new",
    )
    assert sent.status_code == 303, sent.text
    page_path = sent.headers["location"]
    assert (
        await browser.post(f"{page_path}/assess", {"need": "Pedagogical support"}, page=page_path)
    ).status_code == 303
    without = await browser.post(f"{page_path}/decide", {"decision": "APPROVE"}, page=page_path)
    assert without.status_code == 400
    assert 'id="f-irpReference-error"' in without.text
    approved = await browser.post(
        f"{page_path}/decide", {"decision": "APPROVE", "irpReference": "FRP-2031-0042"}, page=page_path
    )
    assert approved.status_code == 303
    assert "Təsdiq edilib" in (await browser.client.get(page_path)).text
