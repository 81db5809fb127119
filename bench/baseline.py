"""The bare endpoint the GraphQL API is measured against: Starlette on an asyncpg pool, nothing else.

It answers the benchmark's three operations with the same SQL semantics as the SXVİS services and the
same JSON, byte for byte in meaning, that the GraphQL documents in `bench/registry.py` get back, so the
ratio of the two request rates is the price of GraphQL, SQLAlchemy and the service layer, not of doing
different work. What it leaves out is the point: no ORM, no sessions (one statement is one round trip),
no schema, no DataLoaders, hand-written joins.

Run by the benchmark as `uvicorn baseline:create_app --factory --app-dir bench`. It reads the same
`SXVIS_DATABASE_URL`, `SXVIS_DB_POOL_SIZE` and `SXVIS_DB_MAX_OVERFLOW` as the server (the benchmark
sets the last two to the server's effective settings), so both have a pool of the same size. It does
not import `sxvis`, on purpose, with one exception: the name search's SQL (`sxvis.registry.search`,
plain text builders, no ORM at run time), whose tiers (migration 0016) are too many to copy faithfully.

It answers as the benchmark's caller sees the registry through GraphQL: a social worker of SXA, whose
agency holds the registry-wide grant (so no remit condition), and who does not see a protected person
another agency protects (`DISCLOSED`: such a person is not found by FIN, nor listed in a search or a
page; no break-the-glass grants exist in the benchmark's data).
"""

import base64
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE_SIZE = 50
SEARCH_SIZE = 20
MAX_TOKENS = 5  # as sxvis.registry.search
MIN_TOKEN_LENGTH = 2

AGENCY = "SXA"  # the benchmark's caller; an agency code is letters only, safe as a literal
DISCLOSED = f"(NOT protected OR protected_by = '{AGENCY}')"

FIN_SQL = f"""
SELECT id, fin, last_name, first_name, patronymic, birth_date, sex::text, residence_status::text,
       region_code, district_code, phone
FROM persons WHERE fin = $1 AND {DISCLOSED}
"""

PAGE_FIRST_SQL = f"""
SELECT id, fin, last_name, first_name, sort_key FROM persons WHERE {DISCLOSED}
ORDER BY sort_key, id LIMIT $1
"""

# The keyset condition as the service writes it: a row comparison, which the index can bound.
PAGE_AFTER_SQL = f"""
SELECT id, fin, last_name, first_name, sort_key FROM persons
WHERE (sort_key, id) > ($2, $3) AND {DISCLOSED}
ORDER BY sort_key, id LIMIT $1
"""

ENROLLMENTS_SQL = """
SELECT e.person_id, e.status::text, e.started_on, e.service_code, e.provider_code, s.name_az
FROM enrollments e JOIN services s ON s.code = e.service_code
WHERE e.person_id = ANY($1::uuid[])
ORDER BY e.person_id, e.started_on DESC, e.id
"""


SEARCH_COLUMNS = "id, fin, last_name, first_name, patronymic, birth_date, sort_key"


def name_tokens(text: str) -> list[str]:
    words = ["".join(ch for ch in word if ch.isalpha()) for word in text.split()]
    return [w for w in words if len(w) >= MIN_TOKEN_LENGTH][:MAX_TOKENS]


def global_id(type_name: str, node_id: object) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def cursor(*parts: object) -> str:
    """sxvis.pagination.encode_cursor: base64 of a compact JSON list."""
    raw = orjson.dumps([str(p) if isinstance(p, uuid.UUID) else p for p in parts])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def json(data: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status_code, media_type="application/json")


def bad_request(message: str) -> Response:
    return json({"errors": [{"message": message}]}, status_code=400)


def pool_of(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def healthz(request: Request) -> Response:
    await pool_of(request).fetchval("SELECT 1")
    return json({"status": "ok"})


async def person(request: Request) -> Response:
    fin = request.query_params.get("fin", "").strip().upper()
    row = await pool_of(request).fetchrow(FIN_SQL, fin)
    if row is None:
        return json({"data": {"person": None}})
    return json(
        {
            "data": {
                "person": {
                    "id": global_id("Person", row[0]),
                    "fin": row[1],
                    "lastName": row[2],
                    "firstName": row[3],
                    "patronymic": row[4],
                    "birthDate": row[5],
                    "sex": row[6],
                    "residenceStatus": row[7],
                    "regionCode": row[8],
                    "districtCode": row[9],
                    "phone": row[10],
                }
            }
        }
    )


async def search(request: Request) -> Response:
    from sxvis.registry import search as name_search  # the one import of sxvis: see the docstring

    tokens = name_tokens(request.query_params.get("text", ""))
    if not tokens:
        return bad_request("Give a name to search for.")
    async with pool_of(request).acquire() as connection, connection.transaction():
        words = await name_search.fold_words(connection, tokens)  # and generic plans, as the service
        sql, args = name_search.search_sql(SEARCH_COLUMNS, DISCLOSED, [], words, offset=0, limit=SEARCH_SIZE)
        rows = await connection.fetch(f"SELECT * FROM ({sql}) AS s ORDER BY {name_search.ORDER_BY}", *args)
    edges = [
        {
            "node": {
                "id": global_id("Person", r[0]),
                "fin": r[1],
                "lastName": r[2],
                "firstName": r[3],
                "patronymic": r[4],
                "birthDate": r[5],
            }
        }
        for r in rows
    ]
    return json({"data": {"persons": {"edges": edges}}})


async def page(request: Request) -> Response:
    key = request.query_params.get("after_key")
    after_id = request.query_params.get("after_id")
    pool = pool_of(request)
    if key is None or after_id is None:
        rows = await pool.fetch(PAGE_FIRST_SQL, PAGE_SIZE + 1)
    else:
        try:
            last = uuid.UUID(after_id)
        except ValueError:
            return bad_request("after_id is not a UUID.")
        rows = await pool.fetch(PAGE_AFTER_SQL, PAGE_SIZE + 1, key, last)
    persons: Sequence[asyncpg.Record] = rows[:PAGE_SIZE]
    enrollments: dict[uuid.UUID, list[dict[str, Any]]] = {p[0]: [] for p in persons}
    if persons:
        for e in await pool.fetch(ENROLLMENTS_SQL, list(enrollments)):
            enrollments[e[0]].append(
                {
                    "status": e[1],
                    "startedOn": e[2],
                    "serviceCode": e[3],
                    "providerCode": e[4],
                    "service": {"code": e[3], "nameAz": e[5]},
                }
            )
    edges = [
        {
            "node": {
                "id": global_id("Person", p[0]),
                "fin": p[1],
                "lastName": p[2],
                "firstName": p[3],
                "enrollments": enrollments[p[0]],
            }
        }
        for p in persons
    ]
    page_info = {
        "hasNextPage": len(rows) > PAGE_SIZE,
        "endCursor": cursor(persons[-1][4], persons[-1][0]) if persons else None,
    }
    return json({"data": {"persons": {"edges": edges, "pageInfo": page_info}}})


def create_app() -> Starlette:
    url = os.environ["SXVIS_DATABASE_URL"]
    pool_size = int(os.environ["SXVIS_DB_POOL_SIZE"])
    overflow = int(os.environ["SXVIS_DB_MAX_OVERFLOW"])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # min_size/max_size mirror SQLAlchemy's pool_size/max_overflow: the same number of connections.
        app.state.pool = await asyncpg.create_pool(url, min_size=pool_size, max_size=pool_size + overflow)
        try:
            yield
        finally:
            await app.state.pool.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/person", person, methods=["GET"]),
        Route("/search", search, methods=["GET"]),
        Route("/page", page, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
