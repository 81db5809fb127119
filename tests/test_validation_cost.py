"""Validating and executing a document costs no more than its size allows (issue 13, item 1).

Fragments that spread each other two, three or four times expand to millions of fields from a
kilobyte of text. Such a document is refused with `QUERY_TOO_COMPLEX` in milliseconds, and `/healthz`
answers meanwhile; a document within the limits executes.
"""

import asyncio
import time

import httpx
import pytest

from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.costly_documents import SHAPES, aliased_two_way, named_four_way, named_two_way, wide_duplicates

# Generous for a shared two-core CI machine: the checks themselves take a few milliseconds.
BOUND_SECONDS = 1.0


async def _timed(api: Api, document: str) -> tuple[float, float, dict]:
    """Send the document and, while it is served, ask `/healthz`; the seconds each took, and the body."""

    async def graphql() -> tuple[float, dict]:
        started = time.perf_counter()
        response = await api.client.post("/graphql", json={"query": document}, headers=api.headers)
        return time.perf_counter() - started, response.json()

    async def healthz() -> float:
        started = time.perf_counter()
        response = await api.client.get("/healthz")
        assert response.status_code == 200
        return time.perf_counter() - started

    (took, body), health = await asyncio.gather(graphql(), healthz())
    return took, health, body


def _codes(body: dict) -> set[str]:
    return {(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("n", [12, 24, 40])
async def test_each_expanding_shape_is_answered_quickly_and_healthz_meanwhile(
    api: Api, shape: str, n: int
) -> None:
    document = SHAPES[shape](n)
    took, health, body = await _timed(api, document)
    assert took < BOUND_SECONDS, f"{shape}({n}), {len(document)} bytes: {took:.2f} s"
    assert health < BOUND_SECONDS, f"/healthz waited {health:.2f} s behind {shape}({n})"
    assert "errors" in body or "data" in body


async def test_the_issues_document_is_refused_as_too_complex_in_milliseconds(api: Api) -> None:
    document = named_two_way(21)  # 21 fragments, each spreading the one before twice (issue 13)
    took, health, body = await _timed(api, document)
    assert took < BOUND_SECONDS
    assert health < BOUND_SECONDS
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "reason": "FIELDS"}
    assert error["message"] == (
        "The document selects 1,048,577 fields once fragments are expanded. Allowed: 1000."
    )


async def test_thirty_doubling_fragments_are_refused_like_twenty(api: Api) -> None:
    took, _, body = await _timed(api, named_two_way(30))
    assert took < BOUND_SECONDS
    assert _codes(body) == {"QUERY_TOO_COMPLEX"}


async def test_aliases_multiplied_by_fragments_are_counted_as_expanded(api: Api) -> None:
    result = await api.execute(aliased_two_way(6))  # 1 + 2 + 4 + … = 63 aliases written as 6
    assert result.errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "reason": "ALIASES"}
    assert result.errors[0]["message"] == "63 aliases found once fragments are expanded. Allowed: 30."


async def test_depth_is_counted_through_fragments(api: Api) -> None:
    chain = " ".join(f"fragment D{i} on Agency {{ parent {{ ...D{i + 1} }} }}" for i in range(11))
    result = await api.execute("{ agencies { ...D0 } } " + chain + " fragment D11 on Agency { code }")
    assert result.errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "reason": "DEPTH"}
    assert "exceeds maximum operation depth of 10" in result.errors[0]["message"]


async def test_a_fragment_cycle_is_refused_and_ends(api: Api) -> None:
    document = "{ me { ...A } } fragment A on Me { userId ...B } fragment B on Me { ...A ...A }"
    took, _, body = await _timed(api, document)
    assert took < BOUND_SECONDS
    assert any("Cannot spread fragment 'A' within itself" in e["message"] for e in body["errors"])


async def test_an_unknown_fragment_is_refused_without_counting_it(api: Api) -> None:
    result = await api.execute("{ me { ...Missing } }")
    assert result.errors[0]["message"] == "Unknown fragment 'Missing'."


async def test_a_document_within_the_limits_is_executed(api: Api) -> None:
    result = await api.execute(named_two_way(5))  # 16 fields once expanded
    assert result.ok()["me"]["userId"] == api.user


async def test_a_repeated_fragment_within_the_limits_executes_in_a_list(api: Api) -> None:
    result = await api.execute(named_four_way(4))  # 64 fields once expanded, on a page of persons
    assert result.ok()["persons"]["edges"] == []


async def test_the_field_limit_counts_fields_as_expanded(api: Api) -> None:
    within = await api.execute(named_two_way(10))  # `me` and 512 fields
    beyond = await api.execute(named_two_way(11))  # `me` and 1,024 fields
    assert within.ok()["me"]["userId"] == api.user
    assert beyond.errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "reason": "FIELDS"}


async def test_a_document_graphql_gives_up_validating_is_too_complex(api: Api) -> None:
    # graphql-core stops comparing a thousand same-named fields for merging ("Validation aborted.").
    took, _, body = await _timed(api, wide_duplicates(999))
    assert took < BOUND_SECONDS
    assert _codes(body) == {"QUERY_TOO_COMPLEX"}


async def test_an_answer_past_the_list_item_limit_is_refused(
    db: Database, app_database: Database, settings: Settings
) -> None:
    # Lists nested in lists multiply within any depth limit; the executor counts the items it answers.
    app = create_app(settings.model_copy(update={"max_list_items": 10}), database=app_database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sxvis.test"
    ) as client:
        api = Api(client, settings)
        few = await api.execute("{ me { roles } }")
        many = await api.execute("{ agencies { code } }")  # the catalogue's agencies: more than 10
    await app.state.gate.close()
    assert few.ok()["me"]["roles"] == list(api.roles)
    assert many.errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "reason": "RESULT"}
    assert many.errors[0]["message"].startswith("The answer would hold more than 10 list items")
