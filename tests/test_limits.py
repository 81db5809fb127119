"""The API's protections: no GET, no batching, depth/alias/token limits, production hardening."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from resolvers.context import Context
from schema import build_schema
from sxvis.access.pseudonyms import Pseudonyms
from sxvis.config import Settings
from sxvis.database import Database
from sxvis.errors import ConfigurationError
from sxvis.web.app import create_app
from tests.conftest import Api
from tests.factories import WORKER


async def test_queries_over_get_are_refused(api: Api) -> None:
    # Reads will write access-log entries: a cross-site GET must not be able to plant them.
    response = await api.client.get("/graphql", params={"query": "{ agencies { code } }"})
    assert response.status_code in (400, 405)
    assert "agencies" not in response.text


async def test_graphiql_is_served_to_a_browser_in_development(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_batched_requests_are_refused(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json=[{"query": "{ agencies { code } }"}] * 2, headers=api.headers
    )
    assert response.status_code == 400


async def test_malformed_graphql_is_a_syntax_error_without_a_stack_trace(api: Api) -> None:
    result = await api.execute("{ persons(first: 10 { totalCount } }")
    assert result.errors[0]["message"].startswith("Syntax Error")
    assert "Traceback" not in str(result.body)
    assert "File " not in str(result.body)


async def test_a_query_deeper_than_the_limit_is_refused(api: Api) -> None:
    deep = "{ agencies { " + "parent { " * 10 + "code" + " }" * 10 + " } }"
    result = await api.execute(deep)
    assert "exceeds maximum operation depth" in result.errors[0]["message"]


async def test_too_many_aliases_are_refused(api: Api) -> None:
    many = "{ " + " ".join(f"a{i}: agencies {{ code }}" for i in range(40)) + " }"
    result = await api.execute(many)
    assert "aliases" in result.errors[0]["message"].lower()


async def test_aliases_hidden_in_repeated_fragments_still_count(api: Api) -> None:
    fragment = "fragment F on Query { " + " ".join(f"a{i}: agencies {{ code }}" for i in range(10)) + " }"
    document = "{ ...F ...F ...F ...F } " + fragment
    result = await api.execute(document)
    assert result.errors, "fragment spreads must not multiply aliases past the limit"


async def test_a_document_with_too_many_tokens_is_refused(api: Api) -> None:
    huge = "{ agencies { " + " ".join(["code"] * 3000) + " } }"
    result = await api.execute(huge)
    assert "token" in result.errors[0]["message"].lower()


async def test_development_suggests_field_names(api: Api) -> None:
    result = await api.execute("{ persns { totalCount } }")
    assert "Did you mean" in result.errors[0]["message"]


def test_production_refuses_to_start_without_a_way_to_verify_tokens(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("SXVIS_JWT_ISSUER", "https://id.example.az")
    monkeypatch.delenv("SXVIS_JWT_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("SXVIS_JWKS_URL", raising=False)
    with pytest.raises(ConfigurationError, match="SXVIS_JWT_PUBLIC_KEY"):
        create_app(Settings(mode="production", database_url="postgresql://x@localhost/x", data_dir=tmp_path))


def test_production_starts_with_an_identity_providers_key(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    key = Ed25519PrivateKey.generate().public_key()
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    monkeypatch.setenv("SXVIS_JWT_ISSUER", "https://id.example.az")
    monkeypatch.setenv("SXVIS_JWT_PUBLIC_KEY", pem)
    app = create_app(
        Settings(mode="production", database_url="postgresql://x@localhost/x", data_dir=tmp_path)
    )
    assert app is not None
    assert not (tmp_path / "keys" / "dev-signing-key.pem").exists()


class TestProductionSchema:
    """The production schema on its own."""

    @pytest.fixture
    def schema(self):
        return build_schema(Settings(mode="production"))

    async def test_introspection_is_disabled(self, schema, db) -> None:
        result = await schema.execute("{ __schema { types { name } } }", context_value=self._context(db))
        assert result.errors
        assert "introspection" in result.errors[0].message.lower()

    async def test_field_suggestions_are_not_given(self, schema, db) -> None:
        result = await schema.execute("{ persns { totalCount } }", context_value=self._context(db))
        assert result.errors
        assert "Did you mean" not in result.errors[0].message

    async def test_an_internal_error_is_masked(self, schema, database_url) -> None:
        # A database error can carry a FIN in its detail: production shows only a generic message.
        broken = Database("postgresql://nobody@127.0.0.1:1/none")
        result = await schema.execute(
            '{ person(fin: "AAAAAAA") { fin } }', context_value=self._context(broken)
        )
        assert [e.message for e in result.errors] == ["Unexpected error."]
        await broken.dispose()

    async def test_a_bad_input_error_passes_the_mask(self, schema, db) -> None:
        result = await schema.execute('{ person(fin: "bad") { fin } }', context_value=self._context(db))
        assert result.errors[0].message.startswith("A FIN is exactly 7 characters")
        assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"

    @staticmethod
    def _context(db: Database) -> Context:
        return Context(
            db=db,
            actor=WORKER,
            settings=Settings(mode="production"),
            pseudonyms=Pseudonyms(b"a test secret of enough bytes"),
            policy=None,  # type: ignore[arg-type]  (these queries grant nothing)
        )
