"""The exported SDL in schema/sxvis.graphql is the public contract: it must match the code."""

from schema import build_schema
from sxvis.cli.graphql_schema import SCHEMA_FILE, sdl
from sxvis.config import Settings


def test_exported_sdl_matches_the_code() -> None:
    expected = sdl(build_schema(Settings()))
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected, (
        "run `sxvis schema export` and commit the result"
    )


def test_every_registry_error_code_is_in_the_schema() -> None:
    from sxvis.registry.errors import RegistryErrorCode

    text = SCHEMA_FILE.read_text(encoding="utf-8")
    block = text[text.index("enum RegistryErrorCode") :]
    block = block[: block.index("}")]
    assert all(code.value in block for code in RegistryErrorCode)


def test_every_shared_error_code_is_also_a_registry_code() -> None:
    # Services raise NotFound, Duplicate … with the shared codes; the payload must be able to show them.
    from sxvis.errors import ErrorCode
    from sxvis.registry.errors import RegistryErrorCode

    assert {code.value for code in ErrorCode} <= {code.value for code in RegistryErrorCode}
