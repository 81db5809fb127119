"""A query text already found valid is executed directly (`schema.prepared`), with the same answer.

Each behavioural test sends its document once to have it validated (and remembered), then asks the
same request through the direct path and through strawberry's (the schema's prepared documents taken
away for that request) and compares the two answers. The request id differs by request, so it is
compared by its presence.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
import strawberry
from graphql import parse
from sqlalchemy import text
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from structlog.testing import capture_logs

import schema.prepared as prepared_module
from resolvers.context import Context
from schema import build_schema
from schema.cost import TooLarge
from schema.prepared import PreparedDocuments, reproduces
from schema.schema import Schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.web.app import create_app
from tests.conftest import Api, Result
from tests.documents import REGISTER_PERSON
from tests.factories import WORKER, person_input

BY_FIN = "query ByFin($fin: String!) { person(fin: $fin) { fin lastName firstName sex birthDate } }"
QUERY = {OperationType.QUERY}


@dataclass
class Served:
    api: Api
    schema: Schema

    @property
    def prepared(self) -> PreparedDocuments:
        assert self.schema.prepared is not None
        return self.schema.prepared

    async def both_ways(
        self, document: str, api: Api | None = None, **variables: Any
    ) -> tuple[Result, Result]:
        """The answer through the direct path, then through strawberry's, after a first request that
        has the document validated."""
        caller = api or self.api
        await caller.execute(document, **variables)
        assert self.prepared.document(document, None, QUERY) is not None, "remembered once found valid"
        direct = await caller.execute(document, **variables)
        prepared, self.schema.prepared = self.schema.prepared, None
        try:
            long_way = await caller.execute(document, **variables)
        finally:
            self.schema.prepared = prepared
        return direct, long_way


@pytest.fixture
async def served(db: Database, app_database: Database, settings: Settings) -> AsyncIterator[Served]:
    app = create_app(settings, database=app_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sxvis.test") as client:
        yield Served(Api(client, settings), app.state.schema)
    await app.state.gate.close()


def comparable(result: Result) -> dict[str, Any]:
    """The answer with each error's request id (in its extensions and its message) left out."""
    body = dict(result.body)
    errors = []
    for error in body.get("errors") or ():
        extensions = dict(error.get("extensions") or {})
        message = error.get("message", "")
        if "requestId" in extensions:
            message = message.replace(str(extensions["requestId"]), "<request id>")
            extensions["requestId"] = bool(extensions["requestId"])
        errors.append({**error, "message": message, "extensions": extensions})
    if errors:
        body["errors"] = errors
    return {"status": result.status, **body}


async def registered(api: Api) -> dict[str, Any]:
    person = person_input(lastName="Hüseynova", firstName="Aygün")
    (await api.execute(REGISTER_PERSON, input=person)).payload("registerPerson")
    return person


async def test_a_valid_text_is_answered_without_strawberrys_execute(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await registered(served.api)
    first = await served.api.execute(BY_FIN, fin=person["fin"])
    monkeypatch.setattr(strawberry.Schema, "execute", _refused)
    again = await served.api.execute(BY_FIN, fin=person["fin"])
    assert again.ok() == first.ok()
    assert again.ok()["person"]["lastName"] == "Hüseynova"


async def _refused(*args: object, **kwargs: object) -> None:
    raise AssertionError("strawberry's execute was called")


async def test_a_person_found_is_the_same_answer_both_ways(served: Served) -> None:
    person = await registered(served.api)
    direct, long_way = await served.both_ways(BY_FIN, fin=person["fin"])
    assert comparable(direct) == comparable(long_way)
    assert direct.ok()["person"]["fin"] == person["fin"]


async def test_a_read_is_logged_once_by_either_way(served: Served, db: Database) -> None:
    person = await registered(served.api)
    before = await _events(db, served.api.user, "ALLOWED")
    await served.both_ways(BY_FIN, fin=person["fin"])
    assert await _events(db, served.api.user, "ALLOWED") == before + 3  # the first request and the two ways


async def test_a_field_error_is_the_same_answer_both_ways(served: Served) -> None:
    direct, long_way = await served.both_ways(BY_FIN, fin="not a FIN")
    assert comparable(direct) == comparable(long_way)
    assert direct.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_variable_of_the_wrong_type_is_the_same_answer_both_ways(served: Served) -> None:
    direct, long_way = await served.both_ways(BY_FIN, fin=12345)
    assert comparable(direct) == comparable(long_way)
    assert direct.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert direct.data == {}


async def test_a_denial_is_forbidden_and_logged_both_ways(served: Served, db: Database) -> None:
    auditor = served.api.as_("auditor")
    before = await _events(db, auditor.user, "DENIED")
    direct, long_way = await served.both_ways(BY_FIN, auditor, fin="AAAAAAA")
    assert comparable(direct) == comparable(long_way)
    assert direct.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await _events(db, auditor.user, "DENIED") == before + 3


async def test_an_unexpected_failure_is_masked_and_logged_both_ways(served: Served, db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("ALTER TABLE persons ADD CONSTRAINT test_refuse CHECK (fin <> 'LEAK001') NOT VALID")
        )
    try:
        await served.api.execute(REGISTER_PERSON, input=person_input(fin="LEAK002"))  # found valid
        with capture_logs() as logs:
            direct = await served.api.execute(REGISTER_PERSON, input=person_input(fin="LEAK001"))
            prepared, served.schema.prepared = served.schema.prepared, None
            try:
                long_way = await served.api.execute(REGISTER_PERSON, input=person_input(fin="LEAK001"))
            finally:
                served.schema.prepared = prepared
    finally:
        async with db.transaction() as session:
            await session.execute(text("ALTER TABLE persons DROP CONSTRAINT test_refuse"))
    assert comparable(direct) == comparable(long_way)
    assert direct.errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert direct.errors[0]["extensions"]["errorType"] == "IntegrityError"
    assert "LEAK001" not in str(direct.body)
    failures = [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]
    assert [entry["path"] for entry in failures] == ["registerPerson", "registerPerson"]
    assert failures[0]["request_id"]
    assert failures[0]["constraint"] == "test_refuse"


async def test_a_text_with_a_syntax_error_is_never_remembered(served: Served) -> None:
    for _ in range(2):
        result = await served.api.execute("{ person(fin: ")
        assert result.errors[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert served.prepared.document("{ person(fin: ", None, QUERY) is None


async def test_an_invalid_text_is_never_remembered(served: Served) -> None:
    document = '{ person(fin: "AAAAAAA") { nickname } }'
    for _ in range(2):
        result = await served.api.execute(document)
        assert result.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert served.prepared.document(document, None, QUERY) is None


async def test_an_operation_the_document_does_not_have_is_refused_both_ways(served: Served) -> None:
    await served.api.execute(BY_FIN, fin="AAAAAAA")
    body = {"query": BY_FIN, "variables": {"fin": "AAAAAAA"}, "operationName": "Nobody"}
    response = await served.api.client.post("/graphql", json=body, headers=served.api.headers)
    assert response.status_code == 400
    assert "Nobody" in response.text


async def test_a_subscription_beside_a_remembered_query_is_still_refused_over_post(served: Served) -> None:
    document = BY_FIN + " subscription Live { referralEvents { toStatus } }"
    body = {"query": document, "variables": {"fin": "AAAAAAA"}, "operationName": "ByFin"}
    first = await served.api.client.post("/graphql", json=body, headers=served.api.headers)
    assert first.status_code == 200
    assert served.prepared.document(document, "ByFin", QUERY) is not None
    refused = await served.api.client.post(
        "/graphql", json={**body, "operationName": "Live"}, headers=served.api.headers
    )
    assert refused.status_code == 400


async def test_the_operation_named_is_the_one_run_directly(served: Served) -> None:
    person = await registered(served.api)
    document = BY_FIN + " query Count { persons(first: 1) { totalCount } }"
    for name in ("ByFin", "Count", "ByFin"):
        body = {"query": document, "variables": {"fin": person["fin"]}, "operationName": name}
        response = await served.api.client.post("/graphql", json=body, headers=served.api.headers)
        data = response.json()["data"]
        assert list(data) == (["person"] if name == "ByFin" else ["persons"])


# Production: GraphQL's own messages name nothing the caller did not write, by either way.

PRODUCTION = build_schema(Settings(mode="production"))


def _production_context(db: Database) -> Context:
    return Context(
        db=db,
        actor=WORKER,
        settings=Settings(mode="production"),
        pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
        policy=None,  # type: ignore[arg-type]  (variables that do not fit never reach a resolver)
    )


async def test_production_quiets_a_variables_error_both_ways(db: Database) -> None:
    document = "query($input: RegisterPersonInput!) { registerPerson(input: $input) { errors { code } } }"
    document = document.replace("query", "mutation", 1)
    variables = {"input": {"fin": "AAAAAAA"}}  # required fields missing: GraphQL would list them
    allowed = {OperationType.MUTATION}
    execute = partial(
        PRODUCTION.execute, document, variable_values=variables, allowed_operation_types=allowed
    )
    await execute(context_value=_production_context(db))
    assert PRODUCTION.prepared is not None
    assert PRODUCTION.prepared.document(document, None, allowed) is not None
    direct = await execute(context_value=_production_context(db))
    prepared, PRODUCTION.prepared = PRODUCTION.prepared, None
    try:
        long_way = await execute(context_value=_production_context(db))
    finally:
        PRODUCTION.prepared = prepared
    assert [e.formatted for e in direct.errors or ()] == [e.formatted for e in long_way.errors or ()]
    assert direct.errors
    assert all("lastName" not in e.message for e in direct.errors)
    assert all(e.extensions and e.extensions["code"] == "BAD_USER_INPUT" for e in direct.errors)


async def test_production_never_remembers_introspection(db: Database) -> None:
    document = "{ __schema { queryType { name } } }"
    for _ in range(2):
        result = await PRODUCTION.execute(document, context_value=_production_context(db))
        assert result.errors
        assert result.errors[0].extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert PRODUCTION.prepared is not None
    assert PRODUCTION.prepared.document(document, None, QUERY) is None


# The store itself.


def test_the_store_keeps_the_last_texts_found_valid() -> None:
    store = PreparedDocuments(maxsize=2, quiet=False, show_type=True)
    documents = {text: parse(text) for text in ("{ a }", "{ b }", "{ c }")}
    for text_, document in documents.items():
        store.remember(text_, document)
    assert len(store) == 2
    assert store.document("{ a }", None, QUERY) is None
    assert store.document("{ c }", None, QUERY) is documents["{ c }"]


def test_a_remembered_mutation_is_not_run_where_only_queries_are_allowed() -> None:
    store = PreparedDocuments(maxsize=2, quiet=False, show_type=True)
    store.remember("mutation { a }", parse("mutation { a }"))
    assert store.document("mutation { a }", None, QUERY) is None
    assert store.document("mutation { a }", None, {OperationType.MUTATION}) is not None


class Unknown(SchemaExtension):
    """An extension whose work the direct path knows nothing of."""


def test_a_schema_with_an_extension_the_direct_path_does_not_reproduce_has_no_prepared_documents() -> None:
    assert reproduces([partial(Unknown)]) is False
    assert build_schema(Settings()).prepared is not None  # the product's own extensions are all reproduced


async def _events(db: Database, user: str, outcome: str) -> int:
    async with db.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM access_events WHERE actor_user = :u AND outcome = :o"),
            {"u": user, "o": outcome},
        )
    return int(count or 0)


async def test_an_error_raised_out_of_execution_is_answered_masked(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await registered(served.api)
    await served.api.execute(BY_FIN, fin=person["fin"])  # found valid

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"a failure quoting {person['fin']}")

    monkeypatch.setattr(prepared_module, "execute", broken)
    result = await served.api.execute(BY_FIN, fin=person["fin"])
    assert result.errors[0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert person["fin"] not in str(result.body)


async def test_a_graphql_error_raised_out_of_execution_keeps_its_code(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    await served.api.execute(BY_FIN, fin="AAAAAAA")  # found valid

    def too_large(*args: object, **kwargs: object) -> None:
        raise TooLarge(10)

    monkeypatch.setattr(prepared_module, "execute", too_large)
    result = await served.api.execute(BY_FIN, fin="AAAAAAA")
    assert result.errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
