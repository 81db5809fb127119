"""The live inbox's refresh, without a browser: a server-sent event names the referral that moved, and the
page fetches that row alone (`/referrals/rows`), swapped out of band; what one event costs in the
access log is counted."""

import re
import uuid

from sqlalchemy import text
from strawberry import relay

from sxvis.database import Database
from sxvis.web.console.pages import url_id
from tests.conftest import Api
from tests.test_console import Browser, app_client, browser, registered
from tests.test_referrals import CREATE

__all__ = ["app_client", "browser"]


async def referred(api: Api, key: str, to: str = "DOST", by: str = "SXA") -> str:
    created = await api.as_("social_worker", agency=by).execute(
        CREATE,
        input={
            "personId": await registered(api, by),
            "toAgencyCode": to,
            "reason": "Needs care at home",
            "urgency": "ROUTINE",
            "idempotencyKey": key,
        },
    )
    return created.payload("createReferral")["referral"]["id"]  # type: ignore[no-any-return]


async def events_since(database: Database, user: str, after: int) -> list[tuple[str, str, str | None]]:
    async with database.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT action, entity_type, entity_id FROM access_events"
                " WHERE actor_user = :user AND id > :after ORDER BY id"
            ),
            {"user": user, "after": after},
        )
        return [(row[0], row[1], row[2]) for row in rows]


async def last_id(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(text("SELECT coalesce(max(id), 0) FROM access_events")) or 0)


async def test_a_moved_referral_shown_on_the_page_is_replaced_in_place(browser: Browser, api: Api) -> None:
    referral = await referred(api, "console-rows-shown")
    await browser.sign_in(demo="dost-worker")
    row = await browser.client.get("/referrals/rows", params={"id": referral, "shown": referral})
    assert row.status_code == 200
    tag = re.search(rf'<tr id="referral-{re.escape(url_id(referral))}"[^>]*>', row.text)
    assert tag is not None
    assert 'hx-swap-oob="true"' in tag.group(0)
    assert "Qəbul et" in row.text  # the receiver's moves, in the visitor's language
    assert "<tbody" not in row.text


async def test_a_referral_that_arrived_is_put_first_in_its_table(browser: Browser, api: Api) -> None:
    incoming = await referred(api, "console-rows-arrived")
    await browser.sign_in(demo="dost-worker")
    arrived = await browser.client.get("/referrals/rows", params={"id": incoming})
    assert '<tbody hx-swap-oob="afterbegin:#rows-incoming">' in arrived.text
    assert f'id="referral-{url_id(incoming)}"' in arrived.text
    await browser.sign_in(demo="sxa-worker")
    sent = await browser.client.get("/referrals/rows", params={"id": incoming})
    assert '<tbody hx-swap-oob="afterbegin:#rows-outgoing">' in sent.text


async def test_a_referral_the_agency_may_not_read_gives_no_row(browser: Browser, api: Api) -> None:
    referral = await referred(api, "console-rows-other", to="DSMF")
    await browser.sign_in(demo="dost-worker")
    nothing = await browser.client.get("/referrals/rows", params={"id": referral})
    assert nothing.status_code == 200
    assert "<tr" not in nothing.text


async def test_one_live_event_costs_one_read_of_the_referral_that_moved_not_the_two_lists(
    browser: Browser, api: Api, database: Database
) -> None:
    for n in range(3):
        await referred(api, f"console-rows-cost-{n}")
        await referred(api, f"console-rows-cost-sent-{n}", to="DSMF", by="DOST")
    moved = await referred(api, "console-rows-cost-moved")
    await browser.sign_in(demo="dost-worker")
    before = await last_id(database)
    await browser.client.get("/referrals/table")  # what an event cost before: both lists again
    whole = await events_since(database, "nigar.dost", before)
    before = await last_id(database)
    await browser.client.get("/referrals/rows", params={"id": moved, "shown": moved})
    one = await events_since(database, "nigar.dost", before)
    real = str(uuid.UUID(relay.GlobalID.from_id(moved).node_id))
    assert [event for event in one if event[0] == "referral:read"] == [("referral:read", "referral", real)]
    assert [event[0] for event in one] == ["referral:read", "person:read"]  # the row shows its person
    assert [event[0] for event in whole] == ["referral:read", "person:read"] * 2  # incoming, outgoing


async def test_a_burst_of_events_is_fetched_in_one_read(
    browser: Browser, api: Api, database: Database
) -> None:
    burst = [await referred(api, f"console-rows-burst-{n}") for n in range(4)]
    await browser.sign_in(demo="dost-worker")
    before = await last_id(database)
    rows = await browser.client.get("/referrals/rows", params=[("id", r) for r in burst])
    assert rows.text.count("<tr id=") == 4
    read = [
        event for event in await events_since(database, "nigar.dost", before) if event[0] == "referral:read"
    ]
    assert read == [("referral:read", "referral", None)]  # one event naming the four referrals' persons


async def test_too_many_rows_at_once_are_refused_and_the_page_refreshes_the_whole_list(
    browser: Browser,
) -> None:
    await browser.sign_in(demo="dost-worker")
    ids = [("id", f"UmVmZXJyYWw6{n}") for n in range(21)]
    assert (await browser.client.get("/referrals/rows", params=ids)).status_code == 400
