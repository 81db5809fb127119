"""The GraphiQL explorer in a real headless Chromium (Debian's, never a downloaded browser).

It must work on a closed network: every script comes from SXVİS itself. CI installs chromium and sets
SXVIS_REQUIRE_BROWSER=1, so a missing browser fails there instead of skipping.
"""

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from tests.servers import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("SXVIS_REQUIRE_BROWSER"):
        raise RuntimeError(f"SXVIS_REQUIRE_BROWSER is set but there is no browser at {CHROMIUM}")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="sxvis-browser-"))
    running = Server(folder / "data")
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_graphiql_runs_a_query_with_nothing_fetched_from_outside(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            # GraphiQL takes the token in its Headers tab, or from the page's `headers` parameter.
            headers = quote(json.dumps({"Authorization": f"Bearer {server.token()}"}))
            page.goto(f"{server.url}/graphql?headers={headers}", wait_until="networkidle")
            page.wait_for_selector(".graphiql-container", timeout=20_000)
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type('{ service(code: "09-03-00-00") { code totalDuration { value unit } } }')
            page.locator(".graphiql-execute-button").click()
            answered = "() => document.querySelector('.result-window')?.innerText.includes('09-03-00-00')"
            page.wait_for_function(answered, timeout=20_000)
            result = page.locator(".result-window").inner_text()
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "sxvis-graphiql.png"))
        finally:
            browser.close()
    assert '"unit": "DAY"' in result
    outside = [url for url in requested if urlparse(url).hostname not in ("127.0.0.1", "localhost")]
    assert outside == [], f"the page fetched from outside: {outside}"


def test_graphiql_runs_its_first_query_with_the_offered_token_and_nothing_pasted(server: Server) -> None:
    """Development: the page asks the server for the demo user's token and puts it in the Headers tab;
    the welcome text's query answers at once (no UNAUTHENTICATED), and says how to get another token."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            sent: list[str] = []
            page.on(
                "request",
                lambda request: (
                    sent.append(request.headers.get("authorization", ""))
                    if request.method == "POST" and request.url.endswith("/graphql")
                    else None
                ),
            )
            page.goto(f"{server.url}/graphql", wait_until="networkidle")
            page.wait_for_selector(".graphiql-container", timeout=20_000)
            welcome = page.locator(".graphiql-query-editor").first.inner_text()
            page.locator(".graphiql-execute-button").click()
            answered = "() => document.querySelector('.result-window')?.innerText.includes('09-03-00-00')"
            page.wait_for_function(answered, timeout=20_000)
            result = page.locator(".result-window").inner_text()
        finally:
            browser.close()
    assert "sxvis token issue" in welcome
    assert sent
    assert all(header.startswith("Bearer ") for header in sent)  # the schema's introspection too
    assert "UNAUTHENTICATED" not in result
    assert '"unit": "DAY"' in result


def test_graphiql_keeps_a_token_the_developer_pasted_instead_of_the_offered_one(server: Server) -> None:
    from playwright.sync_api import sync_playwright

    own = json.dumps({"Authorization": f"Bearer {server.token(user='aysel', agency='DSMF')}"})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/graphql", wait_until="networkidle")
            page.evaluate(
                "(own) => localStorage.setItem('graphiql:headers', own)", own
            )  # as GraphiQL keeps it
            sent: list[str] = []
            page.on(
                "request",
                lambda request: (
                    sent.append(request.headers.get("authorization", ""))
                    if request.method == "POST" and request.url.endswith("/graphql")
                    else None
                ),
            )
            page.reload(wait_until="networkidle")
            page.wait_for_selector(".graphiql-container", timeout=20_000)
        finally:
            browser.close()
    assert sent
    assert set(sent) == {json.loads(own)["Authorization"]}


def test_graphiql_follows_the_live_inbox_over_its_websocket(server: Server) -> None:
    """A developer at DSMF subscribes in GraphiQL (its Headers tab reaches `connection_init`) and sees a
    referral from DOST arrive."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from tests.documents import REGISTER_PERSON
    from tests.factories import person_input

    dost = server.token(user="dost-worker", agency="DOST")
    registered = server.graphql(REGISTER_PERSON, token=dost, input=person_input())
    person_id = registered["data"]["registerPerson"]["person"]["id"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            sent: list[str] = []
            page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(str(frame))))
            headers = quote(json.dumps({"Authorization": f"Bearer {server.token(agency='DSMF')}"}))
            page.goto(f"{server.url}/graphql?headers={headers}", wait_until="networkidle")
            page.wait_for_selector(".graphiql-container", timeout=20_000)
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type("subscription Inbox { referralEvents { toStatus byAgencyCode } }")
            page.wait_for_timeout(1_000)  # GraphiQL parses the editor after a pause
            page.locator(".graphiql-execute-button").click()
            arrived = "() => document.querySelector('.result-window')?.innerText.includes('REQUESTED')"
            for _ in range(100):  # GraphiQL opens the socket, says connection_init, then subscribe
                if any('"subscribe"' in frame for frame in sent):
                    break
                page.wait_for_timeout(100)
            assert any('"subscribe"' in frame for frame in sent), sent
            for attempt in range(3):  # the server may still be registering the subscription: send again
                refer_from_dost(server, dost, person_id, key=f"graphiql-live-inbox-{attempt}")
                try:
                    page.wait_for_function(arrived, timeout=5_000)
                    break
                except PlaywrightTimeout:
                    continue
            result = page.locator(".result-window").inner_text()
        finally:
            browser.close()
    assert '"byAgencyCode": "DOST"' in result


def refer_from_dost(server: Server, token: str, person_id: str, *, key: str) -> None:
    from tests.test_referrals import CREATE

    values = {
        "personId": person_id,
        "toAgencyCode": "DSMF",
        "reason": "Needs targeted social assistance",
        "urgency": "ROUTINE",
        "idempotencyKey": key,
    }
    created = server.graphql(CREATE, token=token, input=values)
    assert created["data"]["createReferral"]["errors"] == []
