"""Ministry endpoints come from `SXVIS_MINISTRY__<NAME>__<FIELD>` variables, keys kept secret."""

import pytest
from pydantic import SecretStr, ValidationError

from integrations.settings import IntegrationSettings, MinistryEndpoint


def test_endpoint_is_read_from_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SXVIS_MINISTRY__TSERAS__BASE_URL", "https://tseras.example/api/v1/")
    monkeypatch.setenv("SXVIS_MINISTRY__TSERAS__CLIENT_ID", "AZ/GOV/SXVIS")
    monkeypatch.setenv("SXVIS_MINISTRY__TSERAS__HMAC_KEY", "s3cret")
    monkeypatch.setenv("SXVIS_MINISTRY__TSERAS__READ_TIMEOUT", "3")
    tseras = IntegrationSettings().ministry["tseras"]
    assert tseras.base_url == "https://tseras.example/api/v1/"
    assert tseras.read_timeout == 3
    assert tseras.hmac_key.get_secret_value() == "s3cret"


def test_the_key_never_shows_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SXVIS_MINISTRY", '{"tseras": {"base_url": "http://t/", "client_id": "c", "hmac_key": "s3cret"}}'
    )
    assert "s3cret" not in repr(IntegrationSettings())


def test_a_budget_shorter_than_one_try_is_refused() -> None:
    with pytest.raises(ValidationError, match="budget_seconds"):
        MinistryEndpoint(
            base_url="http://t/",
            client_id="c",
            hmac_key=SecretStr("k"),
            connect_timeout=2,
            read_timeout=5,
            budget_seconds=4,
        )


def test_a_base_url_without_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="http"):
        MinistryEndpoint(base_url="tseras.example", client_id="c", hmac_key=SecretStr("k"))
