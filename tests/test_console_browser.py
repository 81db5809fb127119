"""The web console in a real headless Chromium (Debian's, never a downloaded browser), against a real
`sxvis serve` on a free port: a social worker of SXA finds a person by an ASCII spelling of their name
and refers them to DOST; DOST sees the referral arrive without reloading and accepts it. Once in
Azerbaijani, once in English. An NGO partner sees a protected person only under a pseudonym. Every
page passes axe-core with no serious or critical violation; screenshots of the main pages at 1280 and
768 px are saved under the test's output folder (printed at the end of the test).
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests.documents import REGISTER_PERSON
from tests.factories import person_input
from tests.servers import Server
from tests.test_graphiql_browser import CHROMIUM, CHROMIUM_FLAGS

WIDTHS = (1280, 768)
SEEN_WITHIN_MS = 15_000

RECORD_CONSENT = """
mutation K($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } errors { code } } }
"""
CREATE_REFERRAL = """
mutation C($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } errors { field code message } }
}
"""

DELIVERIES = """
query D {
  accessLog(filter: {actorId: "nigar.dost", action: "referral:read"}, first: 100) {
    edges { node { operationName outcome } }
  }
}
"""

WORDS = {
    "az": {
        "english": None,
        "refer": "Başqa quruma göndər",
        "send": "Göndərişi göndər",
        "sent": "Göndəriş göndərildi.",
        "accept": "Qəbul et",
        "accepted": "Qəbul edilib",
        "requested": "Gözləyir",
        "sign_in": "Daxil ol",
    },
    "en": {
        "english": "English",
        "refer": "Refer to another agency",
        "send": "Send the referral",
        "sent": "The referral has been sent.",
        "accept": "Accept",
        "accepted": "Accepted",
        "requested": "Requested",
        "sign_in": "Sign in",
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="sxvis-console-"))
    running = Server(folder / "data")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SXVIS_SCREENSHOTS") or tmp_path_factory.mktemp("console-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One person at the console in their own browser context: pages scanned and photographed."""

    def __init__(self, browser: Any, server: Server, language: str, shots: Path, who: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.server = server
        self.language = language
        self.shots = shots
        self.who = who
        self.violations: list[str] = []
        self.navigations = 0
        self.outside: list[str] = []
        self.requested: list[str] = []
        self.page.on("framenavigated", lambda frame: self._navigated(frame))
        self.page.on("request", lambda request: self._requested(request.url))

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    def _requested(self, url: str) -> None:
        self.requested.append(url)
        if not url.startswith(self.server.url) and not url.startswith("data:"):
            self.outside.append(url)

    def sign_in(self, demo_user: str) -> None:
        self.page.goto(f"{self.server.url}/sign-in")
        english = WORDS[self.language]["english"]
        if english:
            self.page.get_by_role("button", name=english).click()
            self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == self.language
        self.check("sign-in")
        self.page.locator(f"#demo-{demo_user}").check()
        self.page.locator("form.sign-in button[type=submit]").click()
        self.page.wait_for_load_state()

    def check(self, name: str) -> None:
        """Scan the page with axe-core, and photograph it at each width."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.violations.append(f"{name}: {violation['id']} ({violation['impact']}) {targets}")
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(
                path=str(self.shots / f"{self.language}-{width}-{self.who}-{name}.png"), full_page=True
            )
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def close(self) -> None:
        self.context.close()


def register(server: Server, agency: str, **values: Any) -> dict[str, Any]:
    token = server.token(user=f"setup-{agency.lower()}", agency=agency)
    result = server.graphql(REGISTER_PERSON, token=token, input=person_input(**values))
    payload = result["data"]["registerPerson"]
    assert payload["errors"] == [], payload
    return payload["person"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("language", "first_name"), [("az", "Vüqar"), ("en", "Elşən")])
def test_a_referral_from_sxa_arrives_live_at_dost_and_is_accepted(
    server: Server, browser: Any, screenshots: Path, language: str, first_name: str
) -> None:
    words = WORDS[language]
    person = register(server, "SXA", lastName="Məmmədov", firstName=first_name)
    dost = Visit(browser, server, language, screenshots, "dost")
    sxa = Visit(browser, server, language, screenshots, "sxa")
    try:
        dost.sign_in("dost-worker")
        dost.page.goto(f"{server.url}/referrals")
        dost.page.locator("#inbox[data-live-ready]").wait_for(state="attached", timeout=SEEN_WITHIN_MS)
        loaded = dost.navigations

        sxa.sign_in("sxa-worker")
        sxa.check("home")
        sxa.page.goto(f"{server.url}/persons")
        sxa.page.locator("#q").press_sequentially("Mammadov", delay=30)  # ASCII for Məmmədov
        found = sxa.page.locator("#results a", has_text=f"Məmmədov {first_name}")
        found.wait_for(timeout=SEEN_WITHIN_MS)
        sxa.check("search")
        found.click()
        sxa.page.wait_for_load_state()
        assert person["fin"] in sxa.page.content()
        sxa.check("person")
        sxa.page.get_by_role("link", name=words["refer"]).click()
        sxa.page.wait_for_load_state()
        sxa.check("refer")
        sxa.page.locator("#f-toAgencyCode").select_option("DOST")
        sxa.page.locator("#f-urgency").select_option("URGENT")
        sxa.page.locator("#f-reason").fill("Needs home care after a hospital stay")
        sxa.page.get_by_role("button", name=words["send"]).click()
        sxa.page.wait_for_load_state()
        assert words["sent"] in sxa.page.content()

        row = dost.page.locator("table[data-direction=INCOMING] tr", has_text=f"Məmmədov {first_name}")
        row.wait_for(timeout=SEEN_WITHIN_MS)
        assert dost.navigations == loaded, "the inbox reloaded instead of updating in place"
        # Only the referral that arrived was fetched, not both lists again.
        assert any("/referrals/rows?id=" in url for url in dost.requested), dost.requested
        assert not any("/referrals/table" in url for url in dost.requested), dost.requested
        assert words["requested"] in row.inner_text()
        dost.check("inbox")
        row.get_by_role("button", name=words["accept"]).click()
        dost.page.locator("table[data-direction=INCOMING] tr", has_text=f"Məmmədov {first_name}").filter(
            has_text=words["accepted"]
        ).wait_for(timeout=SEEN_WITHIN_MS)

        # The sender's inbox shows the move too, without reloading.
        sxa.page.goto(f"{server.url}/referrals")
        sxa.check("inbox")
    finally:
        dost.close()
        sxa.close()
    assert dost.violations + sxa.violations == []
    assert dost.outside + sxa.outside == [], "the console fetched from outside"
    # The live delivery was logged as a read of the referral by DOST's worker, as the subscription's are.
    auditor = server.token(user="auditor", agency="EESMN", roles=("auditor",))
    log = server.graphql(DELIVERIES, token=auditor)["data"]["accessLog"]["edges"]
    assert "ConsoleInboxEvents" in {edge["node"]["operationName"] for edge in log}
    print(f"console screenshots: {screenshots}")


def test_an_ngo_partner_sees_a_protected_person_only_by_pseudonym(
    server: Server, browser: Any, screenshots: Path
) -> None:
    victim = register(server, "DOST", lastName="Qurbanova", firstName="Lalə", sex="FEMALE", protected=True)
    dost_token = server.token(user="dost-setup", agency="DOST")
    consent = server.graphql(
        RECORD_CONSENT,
        token=dost_token,
        input={
            "personId": victim["id"],
            "agencyCode": "NGO-QADIN",
            "purpose": "Shelter",
            "validUntil": "2099-01-01",
        },
    )["data"]["recordConsent"]
    assert consent["errors"] == []
    referral = server.graphql(
        CREATE_REFERRAL,
        token=dost_token,
        input={
            "personId": victim["id"],
            "toAgencyCode": "NGO-QADIN",
            "reason": "Needs a safe place",
            "urgency": "URGENT",
            "idempotencyKey": "console-ngo-protected",
            "consentId": consent["consent"]["id"],
        },
    )["data"]["createReferral"]
    assert referral["errors"] == [], referral
    ngo = Visit(browser, server, "az", screenshots, "ngo")
    try:
        ngo.sign_in("ngo-partner")
        ngo.page.goto(f"{server.url}/referrals")
        ngo.check("inbox")
        ngo.page.locator("table[data-direction=INCOMING] td a").first.click()
        ngo.page.wait_for_load_state()
        ngo.check("protected-person")
        text = ngo.page.locator("main").inner_text()
    finally:
        ngo.close()
    assert ngo.violations == []
    assert "Qorunan şəxs" in text
    for identity in ("Qurbanova", "Lalə", victim["fin"], "Nizami"):
        assert identity not in text


READ_PERSON = "query P($id: ID!) { person(id: $id) { id lastName } }"
ACCEPT_REFERRAL = """
mutation A($input: MoveReferralInput!) { acceptReferral(input: $input) { errors { code } } }
"""
AUDIT_WORDS = {
    "az": {
        "show": "Göstərin",
        "export": "CSV kimi ixrac edin",
        "fields": "Sahələr",
        "pdf": "PDF kimi yükləyin",
        "sxa": "Sosial Xidmətlər Agentliyi",
        "dost": "DOST",
    },
    "en": {
        "show": "Show",
        "export": "Export as CSV",
        "fields": "Fields",
        "pdf": "Download as PDF",
        "sxa": "Social Services Agency",
        "dost": "DOST",
    },
}


BREAK_GLASS = """
mutation B($input: BreakGlassInput!) { breakGlass(input: $input) { errors { field code message } } }
"""
INCOMING = "query I { referrals(filter: {direction: INCOMING}) { edges { node { person { id } } } } }"


def today_in_pdf(language: str) -> str:
    """Today as the PDF writes a day (the report's rows and window): 04.12.2026, or 2026-12-04."""
    from sxvis import clock

    today = clock.today()
    return today.strftime("%d.%m.%Y") if language == "az" else today.isoformat()


def break_the_glass(server: Server, language: str) -> None:
    """A case manager of SXA opens a protected person DOST referred to them: one opening to review."""
    victim = register(server, "DOST", lastName="Qurbanova", sex="FEMALE", protected=True)
    sent = server.graphql(
        CREATE_REFERRAL,
        token=server.token(user="dost-setup", agency="DOST"),
        input={
            "personId": victim["id"],
            "toAgencyCode": "SXA",
            "reason": "Needs a shelter",
            "urgency": "URGENT",
            "idempotencyKey": f"console-glass-{language}",
        },
    )["data"]["createReferral"]
    assert sent["errors"] == [], sent
    manager = server.token(user="rashad.sxa", agency="SXA", roles=("case_manager",))
    seen = server.graphql(INCOMING, token=manager)["data"]["referrals"]["edges"][0]["node"]["person"]["id"]
    opened = server.graphql(
        BREAK_GLASS,
        token=manager,
        input={
            "personId": seen,
            "reasonCode": "IMMEDIATE_DANGER",
            "reason": "Hotline call: her husband is at the door",
        },
    )["data"]["breakGlass"]
    assert opened["errors"] == [], opened


@pytest.mark.parametrize(("language", "first_name"), [("az", "Kamal"), ("en", "Rauf")])
def test_an_auditor_finds_both_agencies_accesses_of_a_referral_in_the_explorer_and_its_csv(
    server: Server, browser: Any, screenshots: Path, language: str, first_name: str
) -> None:
    """The issue's end-to-end flow: SXA reads a person and refers them to DOST, DOST accepts and reads
    them; an auditor finds both accesses in the explorer and in its CSV export."""
    words = AUDIT_WORDS[language]
    person = register(server, "SXA", lastName="Əliyev", firstName=first_name)
    sxa = server.token(user="leyla.sxa", agency="SXA")
    dost = server.token(user="nigar.dost", agency="DOST")
    assert server.graphql(READ_PERSON, token=sxa, id=person["id"])["data"]["person"]
    sent = server.graphql(
        CREATE_REFERRAL,
        token=sxa,
        input={
            "personId": person["id"],
            "toAgencyCode": "DOST",
            "reason": "Needs home care",
            "urgency": "URGENT",
            "idempotencyKey": f"console-audit-{language}",
        },
    )["data"]["createReferral"]
    assert sent["errors"] == [], sent
    accepted = server.graphql(ACCEPT_REFERRAL, token=dost, input={"id": sent["referral"]["id"]})
    assert accepted["data"]["acceptReferral"]["errors"] == []
    assert server.graphql(READ_PERSON, token=dost, id=person["id"])["data"]["person"]
    break_the_glass(server, language)

    auditor = Visit(browser, server, language, screenshots, "auditor")
    try:
        auditor.sign_in("auditor")
        auditor.check("home")
        auditor.page.goto(f"{server.url}/audit/log")
        auditor.page.locator("#f-person").fill(person["id"])
        auditor.page.get_by_role("button", name=words["show"]).click()
        auditor.page.wait_for_load_state()
        rows = auditor.page.locator("table.events tbody tr")
        text = rows.all_inner_texts()
        assert any("leyla.sxa" in row and "person:read" in row for row in text), text
        assert any("nigar.dost" in row and "person:read" in row for row in text), text
        auditor.page.locator("table.events summary", has_text=words["fields"]).first.click()
        auditor.check("access-log")
        with auditor.page.expect_download() as download:
            auditor.page.get_by_role("link", name=words["export"]).click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert exported.startswith("occurredAt,userId,agencyCode")
        assert "leyla.sxa,SXA" in exported
        assert "nigar.dost,DOST" in exported
        # The same two accesses in the person's access report, and in its PDF, with no officer named.
        auditor.page.goto(f"{server.url}/audit/report")
        auditor.page.locator("#f-person").fill(person["id"])
        auditor.page.get_by_role("button", name=words["show"]).click()
        auditor.page.wait_for_load_state()
        table = auditor.page.locator("table.report").inner_text()
        assert "(SXA)" in table
        assert "(DOST)" in table
        auditor.check("access-report")
        with auditor.page.expect_download() as download:
            auditor.page.get_by_role("link", name=words["pdf"]).click()
        pdf = PdfReader(download.value.path())
        text = "\n".join(page.extract_text() for page in pdf.pages)
        assert words["sxa"] in text
        assert words["dost"] in text
        assert today_in_pdf(language) in text
        for officer in ("leyla.sxa", "nigar.dost", "Leyla", "Nigar", "kamran.audit", "Kamran"):
            assert officer not in text
        auditor.page.goto(f"{server.url}/audit/break-glass")
        assert "Hotline call: her husband is at the door" in auditor.page.content()
        auditor.check("break-glass")
        for path, name in (
            ("/audit/activity", "activity"),
            ("/operator/statistics", "referral-statistics"),
        ):
            auditor.page.goto(f"{server.url}{path}")
            auditor.check(name)
    finally:
        auditor.close()
    operator = Visit(browser, server, language, screenshots, "operator")
    try:
        operator.sign_in("operator")
        for path, name in (
            ("/operator/integrations", "integrations"),
            ("/operator/calendar", "calendar"),
            ("/operator/audit-chain", "audit-chain"),
        ):
            operator.page.goto(f"{server.url}{path}")
            operator.check(name)
    finally:
        operator.close()
    assert auditor.violations + operator.violations == []
    assert auditor.outside + operator.outside == [], "the console fetched from outside"


@pytest.mark.parametrize("language", ["az", "en"])
def test_a_social_worker_takes_an_application_and_sees_its_deadlines(
    server: Server, browser: Any, screenshots: Path, language: str
) -> None:
    person = register(server, "SXA", lastName="Hüseynova", firstName="Səbinə", sex="FEMALE")
    desk = Visit(browser, server, language, screenshots, "sxa")
    try:
        desk.sign_in("sxa-worker")
        desk.page.goto(f"{server.url}/applications/new?person={quote(person['id'])}")
        desk.check("application-new")
        desk.page.locator("#f-serviceCode").select_option("01-09-15-00")
        desk.page.locator("form button.primary").click()
        desk.page.wait_for_load_state()
        assert "/applications/" in desk.page.url
        assert "Hüseynova" in desk.page.content()
        desk.check("application")
        desk.page.goto(f"{server.url}/applications")
        desk.check("applications")
        desk.page.goto(f"{server.url}/applications/queue")
        desk.check("voucher-queue")
    finally:
        desk.close()
    assert desk.violations == []
    assert desk.outside == []


CASE_WORDS = {
    "az": {"open": "İş açın", "refer": "Bu işdən göndəriş edin", "visit": "Monitorinq səfəri"},
    "en": {"open": "Open a case", "refer": "Refer from this case", "visit": "Monitoring visit"},
}


@pytest.mark.parametrize(("language", "first_name"), [("az", "Gülnarə"), ("en", "Nərgiz")])
def test_a_social_worker_opens_a_case_works_it_and_refers_from_it(
    server: Server, browser: Any, screenshots: Path, language: str, first_name: str
) -> None:
    from sxvis import clock

    words = WORDS[language] | CASE_WORDS[language]
    person = register(server, "SXA", lastName="Cəfərova", firstName=first_name, sex="FEMALE")
    desk = Visit(browser, server, language, screenshots, "sxa")
    try:
        desk.sign_in("sxa-worker")
        desk.page.goto(f"{server.url}/persons/{person['id'].replace('+', '-').replace('/', '_')}")
        desk.page.get_by_role("button", name=words["open"]).click()
        desk.page.wait_for_load_state()
        assert "/cases/" in desk.page.url
        desk.check("case-opened")
        desk.page.locator("#f-needs-CARE").check()
        desk.page.locator("#f-need-CARE").fill("Cannot cook or wash alone")
        desk.page.locator("#f-riskLevel").select_option("MEDIUM")
        desk.page.locator("form[action$='/assessment'] button[type=submit]").click()
        desk.page.wait_for_load_state()
        assert desk.page.locator("#f-planNeeds-CARE").is_checked()  # the plan starts from the assessment
        desk.page.locator("#f-goals").fill("A hot meal every day")
        desk.page.locator("#f-responsibleAgencyCodes").select_option(["SXA"])
        desk.page.locator("form[action$='/plan'] button[type=submit]").click()
        desk.page.wait_for_load_state()
        desk.page.locator("#f-visitDate").fill(clock.today().isoformat())
        desk.page.locator("#f-note").fill("The fridge was empty")
        desk.page.locator("#f-outcome").fill("Meals on wheels ordered")
        desk.page.locator("form[action$='/entries'] button[type=submit]").click()
        desk.page.wait_for_load_state()
        timeline = desk.page.locator("section[aria-labelledby=h-timeline]").inner_text()
        assert words["visit"] in timeline
        assert "The fridge was empty" in timeline
        desk.page.get_by_role("link", name=words["refer"]).click()
        desk.page.wait_for_load_state()
        desk.check("case-refer")
        desk.page.locator("#f-toAgencyCode").select_option("DOST")
        desk.page.locator("#f-reason").fill("Needs a day-care place")
        desk.page.get_by_role("button", name=words["send"]).click()
        desk.page.wait_for_load_state()
        assert "/cases/" in desk.page.url
        assert words["sent"] in desk.page.content()
        referrals = desk.page.locator("#referrals").inner_text()
        assert "Needs a day-care place" in referrals
        desk.check("case")
    finally:
        desk.close()
    assert desk.violations == []
    assert desk.outside == []
    print(f"console screenshots: {screenshots}")
