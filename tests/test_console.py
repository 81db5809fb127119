"""The web console without a browser: its session, CSRF, languages, refusals and field errors, against
the real app (httpx's ASGI transport) and a real PostgreSQL."""

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from starlette.routing import Route

from authz.authentication import issue_dev_token
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from sxvis.web.console import SESSION_COOKIE, i18n, people
from sxvis.web.console.pages import url_id
from tests.conftest import Api
from tests.documents import REGISTER_PERSON
from tests.factories import person_input

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A cookie-keeping client of the console, like one browser."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def csrf(self, path: str = "/sign-in") -> str:
        page = await self.client.get(path)
        found = _CSRF.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    async def sign_in(self, *, demo: str | None = None, token: str | None = None) -> httpx.Response:
        form = {"csrf_token": await self.csrf(), "next": "/"}
        if demo is not None:
            form["demo"] = demo
        if token is not None:
            form["token"] = token
        return await self.client.post("/sign-in", data=form)

    async def post(self, path: str, form: dict[str, str], *, page: str = "/") -> httpx.Response:
        return await self.client.post(path, data={"csrf_token": await self.csrf(page), **form})


@pytest.fixture
async def app_client(
    db: Database, app_database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("SXVIS_JWT_LEEWAY_SECONDS", "0")  # an expired token is expired at once
    app = create_app(settings, database=app_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client
    await app.state.gate.close()


@pytest.fixture
def browser(app_client: httpx.AsyncClient) -> Browser:
    return Browser(app_client)


async def test_the_console_speaks_azerbaijani_until_switched_and_remembers_english(browser: Browser) -> None:
    first = await browser.client.get("/sign-in")
    assert '<html lang="az">' in first.text
    assert "Daxil ol" in first.text
    switched = await browser.post("/language", {"language": "en", "next": "/sign-in"}, page="/sign-in")
    assert switched.status_code == 303
    assert browser.client.cookies.get(i18n.COOKIE) == "en"
    again = await browser.client.get("/sign-in")
    assert '<html lang="en">' in again.text
    assert "Sign in" in again.text
    assert "Daxil ol" not in again.text


async def test_the_session_cookie_is_signed_http_only_and_same_site(browser: Browser) -> None:
    response = await browser.client.get("/sign-in")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    browser.client.cookies.set(SESSION_COOKIE, "eyJ0b2tlbiI6ICJmb3JnZWQifQ==.forged.signature")
    assert (await browser.client.get("/", follow_redirects=False)).headers["location"].startswith("/sign-in")


async def test_signing_in_as_a_demo_user_opens_the_pages_of_the_role(browser: Browser) -> None:
    signed_in = await browser.sign_in(demo="sxa-worker")
    assert signed_in.status_code == 303
    home = await browser.client.get("/")
    assert "Leyla Həsənova" in home.text
    for path in ('href="/persons"', 'href="/persons/new"', 'href="/referrals"'):
        assert path in home.text


async def test_every_form_without_the_csrf_token_is_refused(
    browser: Browser, app_client: httpx.AsyncClient
) -> None:
    await browser.sign_in(demo="sxa-worker")
    console = next(route for route in app_client.app.routes if getattr(route, "name", "") == "console")  # type: ignore[attr-defined]
    posts = [r for r in console.app.routes if isinstance(r, Route) and r.methods and "POST" in r.methods]
    assert len(posts) >= 8
    for route in posts:
        path = route.path.replace("{id}", "UGVyc29uOng=").replace("{move}", "accept")
        refused = await browser.client.post(path, data={"language": "en", "demo": "auditor"})
        assert refused.status_code == 403, route.path
        assert "Bu formanın vaxtı keçib" in refused.text
        forged = await browser.client.post(path, data={"csrf_token": "forged"})
        assert forged.status_code == 403, route.path


async def test_a_refused_form_changes_nothing(browser: Browser, database: Database) -> None:
    await browser.sign_in(demo="sxa-worker")
    values = person_input()
    refused = await browser.client.post("/persons/new", data={k: str(v) for k, v in values.items()})
    assert refused.status_code == 403
    async with database.transaction() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM persons WHERE fin = :fin"), {"fin": values["fin"]}
        )
    assert count == 0


async def test_the_session_ends_when_its_token_does(browser: Browser, settings: Settings) -> None:
    token = issue_dev_token(
        settings, user="short", agency="SXA", roles=["social_worker"], ttl=timedelta(seconds=2)
    )
    assert (await browser.sign_in(token=token)).status_code == 303
    assert (await browser.client.get("/")).status_code == 200
    await asyncio.sleep(2.5)
    ended = await browser.client.get("/persons", follow_redirects=False)
    assert ended.status_code == 303
    assert ended.headers["location"] == "/sign-in?next=/persons"
    told = await browser.client.get(ended.headers["location"])
    assert "Tokenin vaxtı keçdiyi üçün sessiyanız bitdi" in told.text
    assert (await browser.client.get("/", follow_redirects=False)).status_code == 303


async def test_signing_out_ends_the_session(browser: Browser) -> None:
    await browser.sign_in(demo="sxa-worker")
    out = await browser.post("/sign-out", {})
    assert out.status_code == 303
    assert (await browser.client.get("/persons", follow_redirects=False)).status_code == 303


async def test_a_page_the_role_may_not_open_says_so_and_is_logged_as_a_denial(
    browser: Browser, database: Database
) -> None:
    await browser.sign_in(demo="auditor")
    refused = await browser.client.get("/persons/new")
    assert refused.status_code == 403
    assert "Rolunuz bu səhifəni açmağa icazə vermir" in refused.text
    home = await browser.client.get("/")
    assert 'href="/persons/new"' not in home.text  # the menu offers only what the role may open
    async with database.transaction() as session:
        logged = (
            await session.execute(
                text(
                    "SELECT action, outcome, actor_agency FROM access_events"
                    " WHERE actor_user = 'kamran.audit' ORDER BY id DESC LIMIT 1"
                )
            )
        ).one()
    assert tuple(logged) == ("person:register", "DENIED", "EESMN")


async def test_an_error_is_shown_next_to_its_field_in_the_language_keeping_what_was_typed(
    browser: Browser,
) -> None:
    await browser.sign_in(demo="sxa-worker")
    typed = person_input(fin="bad", lastName="Əliyeva", firstName="Günel", sex="FEMALE")
    answer = await browser.post("/persons/new", {k: str(v) for k, v in typed.items()}, page="/persons/new")
    assert answer.status_code == 400
    assert 'id="f-fin-error"' in answer.text
    assert "FİN 7 simvoldur" in answer.text
    assert 'aria-invalid="true"' in answer.text
    for kept in ('value="bad"', 'value="Əliyeva"', 'value="Günel"'):
        assert kept in answer.text
    missing = await browser.post("/persons/new", {"lastName": "Əliyeva"}, page="/persons/new")
    assert 'id="f-firstName-error"' in missing.text
    assert "Bu sahə mütləqdir." in missing.text


async def test_error_pages_speak_the_language_of_the_visitor(browser: Browser) -> None:
    assert "Belə səhifə yoxdur." in (await browser.client.get("/no-such-page")).text
    browser.client.cookies.set(i18n.COOKIE, "en")
    missing = await browser.client.get("/no-such-page")
    assert missing.status_code == 404
    assert "There is no such page." in missing.text


async def test_the_api_doors_are_not_taken_by_the_console(browser: Browser) -> None:
    assert (await browser.client.get("/healthz")).json() == {"status": "ok"}
    assert (await browser.client.post("/graphql", json={"query": "{ me { userId } }"})).status_code == 401


def test_every_message_has_an_azerbaijani_translation() -> None:
    from babel.messages.pofile import read_po

    with (i18n.TRANSLATIONS_DIR / "az" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale="az")
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            message.fuzzy or not (message.string if isinstance(message.string, str) else all(message.string))
        )
    ]
    assert untranslated == []


def test_every_message_in_the_code_and_templates_is_in_the_catalogues() -> None:
    """A string added to a page without `pybabel extract` and `update` would show in English only."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    folder = i18n.TRANSLATIONS_DIR.parent
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(folder, method_map, options, keywords=keywords)
    }
    with (i18n.TRANSLATIONS_DIR / "az" / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogued = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(file, locale="az") if m.id}
    assert len(found) > 100
    assert found - catalogued == set()


HOME_CARE = "01-09-15-00"
STATUSES = "query S { referrals(filter: {direction: INCOMING}) { edges { node { status } } } }"
REFERRALS_AS_SEEN = (
    "query L { referrals(filter: {direction: INCOMING}) { edges { node { id person { id } } } } }"
)


async def registered(api: Api, agency: str = "SXA", **values: object) -> str:
    result = await api.as_("social_worker", agency=agency).execute(
        REGISTER_PERSON, input=person_input(**values)
    )
    payload = result.payload("registerPerson")
    assert payload["errors"] == []
    return payload["person"]["id"]  # type: ignore[no-any-return]


async def test_a_full_provider_offers_its_alternatives_as_choices_and_one_can_be_chosen(
    browser: Browser, api: Api, db: Database
) -> None:
    from tests.test_capacity import FULL, SAME_REGION, declare, fill

    async with db.transaction() as session:
        await session.execute(text("DELETE FROM service_capacities"))
    try:
        await declare(api, FULL, 1)
        await declare(api, SAME_REGION, 3)
        await fill(api, FULL)
        person_id = await registered(api)
        await browser.sign_in(demo="sxa-worker")
        form = f"/referrals/new?person={person_id}"
        values = {"personId": person_id, "toAgencyCode": FULL, "serviceCode": HOME_CARE, "urgency": "ROUTINE"}
        refused = await browser.post(
            "/referrals/new", {**values, "reason": "Cannot cook or wash alone"}, page=form
        )
        assert refused.status_code == 400
        assert 'id="f-toAgencyCode-error"' in refused.text
        assert "Bu qurumda boş yer yoxdur" in refused.text
        assert f'id="alt-{SAME_REGION}"' in refused.text
        assert "Cannot cook or wash alone" in refused.text  # what was typed is kept
        chosen = await browser.post(
            "/referrals/new",
            {**values, "reason": "Cannot cook or wash alone", "alternative": SAME_REGION},
            page=form,
        )
        assert chosen.status_code == 303
        assert chosen.headers["location"].startswith("/referrals?sent=")
    finally:
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM service_capacities"))


async def test_a_move_without_its_reason_is_refused_beside_its_field(browser: Browser, api: Api) -> None:
    from tests.test_referrals import CREATE

    person_id = await registered(api)
    created = await api.execute(
        CREATE,
        input={
            "personId": person_id,
            "toAgencyCode": "DOST",
            "reason": "Needs care",
            "urgency": "ROUTINE",
            "idempotencyKey": "console-move-without-reason",
        },
    )
    referral_id = created.payload("createReferral")["referral"]["id"]
    await browser.sign_in(demo="dost-worker")
    path = f"/referrals/{url_id(referral_id)}/reject"
    refused = await browser.post(path, {"reason": ""}, page="/referrals")
    assert refused.status_code == 400
    assert f'id="t-reject-{url_id(referral_id)}-error"' in refused.text
    rejected = await browser.post(path, {"reason": "No place for men in this shelter"}, page="/referrals")
    assert rejected.status_code == 303
    listed = (await api.as_("social_worker", agency="DOST").execute(STATUSES)).ok()["referrals"]["edges"]
    assert [edge["node"]["status"] for edge in listed] == ["REJECTED"]


async def test_a_consent_recorded_on_the_person_page_is_listed_there(browser: Browser, api: Api) -> None:
    person_id = await registered(api)
    await browser.sign_in(demo="sxa-worker")
    page = f"/persons/{url_id(person_id)}"
    missing = await browser.post(
        f"{page}/consents", {"agencyCode": "NGO-QADIN", "purpose": "Shelter"}, page=page
    )
    assert 'id="f-validUntil-error"' in missing.text
    assert 'value="Shelter"' in missing.text
    recorded = await browser.post(
        f"{page}/consents",
        {"agencyCode": "NGO-QADIN", "purpose": "Shelter", "validUntil": "2099-01-01"},
        page=page,
    )
    assert recorded.status_code == 303
    shown = await browser.client.get(page)
    assert "Shelter" in shown.text
    assert "2099" in shown.text


async def test_a_case_manager_breaks_the_glass_from_the_pseudonymous_page(browser: Browser, api: Api) -> None:
    from tests.test_referrals import CREATE

    victim = await registered(api, "DOST", lastName="Qurbanova", protected=True)
    dost = api.as_("social_worker", agency="DOST")
    sent = await dost.execute(
        CREATE,
        input={
            "personId": victim,
            "toAgencyCode": "SXA",
            "reason": "Needs a shelter",
            "urgency": "URGENT",
            "idempotencyKey": "console-break-glass",
        },
    )
    assert sent.payload("createReferral")["errors"] == []
    seen = (await api.execute(REFERRALS_AS_SEEN)).ok()["referrals"]["edges"][0]["node"]["person"]["id"]
    await browser.sign_in(demo="sxa-manager")
    page = f"/persons/{url_id(seen)}"
    hidden = await browser.client.get(page)
    assert "Qurbanova" not in hidden.text
    assert 'action="/persons/' in hidden.text
    assert "break-glass" in hidden.text
    short = await browser.post(
        f"{page}/break-glass", {"reasonCode": "IMMEDIATE_DANGER", "reason": "short"}, page=page
    )
    assert short.status_code == 400
    assert 'id="f-reason-error"' in short.text
    opened = await browser.post(
        f"{page}/break-glass",
        {"reasonCode": "IMMEDIATE_DANGER", "reason": "She called the hotline: her husband is at the door"},
        page=page,
    )
    assert opened.status_code == 303
    assert "Qurbanova" in (await browser.client.get(opened.headers["location"])).text


async def test_an_overdue_referral_is_highlighted_in_the_inbox(
    browser: Browser, api: Api, db: Database
) -> None:
    from tests.test_referrals import CREATE

    created = await api.execute(
        CREATE,
        input={
            "personId": await registered(api),
            "toAgencyCode": "DOST",
            "reason": "Needs care",
            "urgency": "URGENT",
            "idempotencyKey": "console-overdue",
        },
    )
    referral_id = created.payload("createReferral")["referral"]["id"]
    async with db.transaction() as session:
        await session.execute(text("UPDATE referrals SET due_at = now() - interval '1 hour'"))
    await browser.sign_in(demo="dost-worker")
    inbox = await browser.client.get("/referrals")
    row = re.search(rf'<tr id="referral-{re.escape(url_id(referral_id))}"[^>]*>', inbox.text)
    assert row is not None
    assert 'class="overdue"' in row.group(0)
    assert "Gecikib" in inbox.text


async def test_a_record_is_corrected_field_by_field_and_a_bad_value_is_shown_beside_its_field(
    browser: Browser, api: Api
) -> None:
    from tests.documents import PERSON_BY_ID

    person_id = await registered(api, phone="+994 50 123 45 67")
    await browser.sign_in(demo="sxa-worker")
    edit = f"/persons/{url_id(person_id)}/edit"
    form = await browser.client.get(edit)
    assert 'value="Məmmədov"' in form.text
    values = person_input(lastName="Məmmədli", phone="+994 50 123 45 67")
    values.pop("fin")
    fin = (await api.execute(PERSON_BY_ID, id=person_id)).ok()["person"]["fin"]
    saved = await browser.post(edit, {**{k: str(v) for k, v in values.items()}, "fin": fin}, page=edit)
    assert saved.status_code == 303
    assert (await api.execute(PERSON_BY_ID, id=person_id)).ok()["person"]["lastName"] == "Məmmədli"
    refused = await browser.post(edit, {**{k: str(v) for k, v in values.items()}, "fin": "bad"}, page=edit)
    assert refused.status_code == 400
    assert 'id="f-fin-error"' in refused.text
    assert 'value="bad"' in refused.text


async def test_a_search_with_few_matches_says_how_many(browser: Browser, api: Api) -> None:
    for first_name in ("Aynur", "Leyla"):
        await registered(api, lastName="Zeynalova", firstName=first_name, sex="FEMALE")
    await browser.sign_in(demo="sxa-worker")
    page = await browser.client.get("/persons/results?q=Zeynalova")
    assert "2 nəfər tapıldı." in page.text
    assert page.text.count('<a href="/persons/') == 2


async def test_a_search_with_more_matches_than_shown_asks_to_narrow_it_instead_of_counting(
    browser: Browser, api: Api
) -> None:
    for i in range(people.SEARCH_PAGE + 1):
        await registered(api, lastName="Zeynalov", firstName=f"Tural{chr(ord('a') + i)}")
    await browser.sign_in(demo="sxa-worker")
    page = await browser.client.get("/persons/results?q=Zeynalov")
    assert f"ən uyğun {people.SEARCH_PAGE} nəfər göstərilir" in page.text
    assert "tapıldı" not in page.text
    assert page.text.count('<a href="/persons/') == people.SEARCH_PAGE
