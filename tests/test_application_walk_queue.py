"""Walk (b) of issue 16: a sanatorium-voucher queue (01-09-07-00) of 50 applicants, treatment and rest
mixed, taken at two desks (SXA, and a DOST centre by FIN); served in submission order across two
allocations, the second racing a third; no application is served twice (rule 9, 003 steps 8-9)."""

import asyncio
from typing import Any

from sqlalchemy import text

from sxvis.database import Database
from tests.applications_support import (
    ALLOCATE,
    APPLICATION,
    APPLICATIONS,
    ASSESS,
    DECIDE,
    VOUCHERS,
    api,  # noqa: F401  (fixture)
    dost,
    hub,  # noqa: F401  (fixture)
    register,
    submitted,
)
from tests.conftest import Api

APPLICANTS = 50


async def approve(desk: Api, application_id: str) -> None:
    assessed = await desk.execute(ASSESS, input={"id": application_id, "need": "sanatorium treatment"})
    assert assessed.payload("assessApplication")["errors"] == []
    decided = await desk.execute(DECIDE, input={"id": application_id, "decision": "APPROVE"})
    assert decided.payload("decideApplication")["errors"] == []
    assert decided.payload("decideApplication")["application"]["status"] == "WAITING"


async def allocate(desk: Api, kind: str, count: int) -> list[dict[str, Any]]:
    payload = (
        await desk.execute(ALLOCATE, input={"serviceCode": VOUCHERS, "kind": kind, "count": count})
    ).payload("allocateFromQueue")
    assert payload["errors"] == [], payload
    served: list[dict[str, Any]] = payload["served"]
    return served


async def test_a_queue_of_fifty_is_served_in_submission_order_across_racing_allocations(
    api: Api,  # noqa: F811
    db: Database,
) -> None:
    # The access log is append-only and outlives each test's registry: count this test's events only.
    async with db.transaction() as session:
        before = (await session.execute(text("SELECT coalesce(max(id), 0) FROM access_events"))).scalar_one()
    desk_dost = dost(api)
    queue: dict[str, list[str]] = {"TREATMENT": [], "REST": []}
    taken_by: dict[str, Api] = {}
    for n in range(APPLICANTS):
        kind = "TREATMENT" if n % 3 else "REST"
        person = await register(api)
        desk = desk_dost if n % 2 else api
        values: dict[str, Any] = {"fin": person["fin"]} if desk is desk_dost else {"personId": person["id"]}
        application = await submitted(desk, serviceCode=VOUCHERS, kind=kind, channel="IN_PERSON", **values)
        queue[kind].append(application["id"])
        taken_by[application["id"]] = desk
    await asyncio.gather(*(approve(taken_by[i], i) for i in (*queue["TREATMENT"], *queue["REST"])))
    treatment = queue["TREATMENT"]

    # A DOST centre sees its applicant's true place in the national queue, but does not serve it.
    mine = next(i for i in treatment if taken_by[i] is desk_dost)
    place = (await desk_dost.execute(APPLICATION, id=mine)).ok()["application"]["queuePosition"]
    assert place == treatment.index(mine) + 1
    refused = await desk_dost.execute(
        ALLOCATE, input={"serviceCode": VOUCHERS, "kind": "TREATMENT", "count": 1}
    )
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"

    # rule 9, 003 steps 8-9: the first allocation serves the head of the queue, in order.
    first = await allocate(api, "TREATMENT", 10)
    assert [a["id"] for a in first] == treatment[:10]
    assert [a["allocatedPosition"] for a in first] == list(range(1, 11))

    # Two allocations at once: one waits for the other, and together they serve the next 15, each in
    # order, none twice.
    second, third = await asyncio.gather(allocate(api, "TREATMENT", 8), allocate(api, "TREATMENT", 7))
    together = [a["id"] for a in second] + [a["id"] for a in third]
    assert len(set(together)) == 15
    assert sorted(together, key=treatment.index) == treatment[10:25]
    for served in (second, third):
        ids = [a["id"] for a in served]
        assert ids == sorted(ids, key=treatment.index)
        start = treatment.index(ids[0])
        assert ids == treatment[start : start + len(ids)]  # a run of the queue, not scattered places

    # Who was not served keeps their order; the rest vouchers' queue was not touched.
    waiting = (await api.execute(APPLICATIONS, filter={"queue": True}, first=100)).ok()["applications"]
    left = {e["node"]["id"]: e["node"] for e in waiting["edges"]}
    assert {i for i in treatment[25:]} | set(queue["REST"]) == set(left)
    assert [left[i]["queuePosition"] for i in treatment[25:]] == list(range(1, len(treatment) - 25 + 1))
    assert [left[i]["queuePosition"] for i in queue["REST"]] == list(range(1, len(queue["REST"]) + 1))

    # Each allocation is logged with the position it served, and the person is told through E-sosial.
    async with db.transaction() as session:
        logged = (
            await session.execute(
                text(
                    "SELECT count(*) FROM access_events WHERE action = 'queue:allocate'"
                    " AND details ? 'position' AND id > :before"
                ),
                {"before": before},
            )
        ).scalar_one()
        told = (
            await session.execute(
                text(
                    "SELECT count(*) FROM outbox_messages WHERE ministry = 'esosial'"
                    " AND payload->>'text' LIKE '%növbəniz%'"
                )
            )
        ).scalar_one()
    assert (logged, told) == (25, 25)
