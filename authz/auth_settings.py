"""The `SXVIS_*` settings of authentication, read like `sxvis.config.Settings` but owned by `authz`.

`Settings` is shared by every part of SXVİS; the token settings matter to authentication alone, so they
live here and are built next to it (`AuthSettings.from_settings(settings)` takes the mode and the data
folder from the shared settings, the rest from the environment). The public key is a `SecretStr` only so
that a `repr` in a log stays short; it is not a secret.
"""

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sxvis.config import Mode, Settings

DEV_ISSUER = "sxvis-dev"
DEV_KEY_ID = "dev"


def _default_data_dir() -> Path:
    # The same default as the shared settings, from pydantic's public API rather than a private helper.
    default = Settings.model_fields["data_dir"].get_default(call_default_factory=True)
    return Path(default)


class AuthSettings(BaseSettings):
    """Issuer, audience and keys of bearer tokens; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="SXVIS_", frozen=True, extra="ignore")

    mode: Mode = Field(default=Mode.DEVELOPMENT, description="`production` trusts only configured keys.")
    data_dir: Path = Field(default_factory=_default_data_dir, description="Holds the development key.")
    jwt_issuer: str | None = Field(
        default=None,
        description=f"The `iss` tokens must carry. Development default: `{DEV_ISSUER}`; required in "
        "production.",
    )
    jwt_audience: str = Field(default="sxvis", min_length=1, description="The `aud` tokens must carry.")
    jwt_public_key: SecretStr | None = Field(
        default=None, description="Production: the identity provider's PEM public key (or certificate)."
    )
    jwks_url: str | None = Field(
        default=None, description="Production: the identity provider's JWKS URL (https, or loopback http)."
    )
    jwt_leeway_seconds: int = Field(
        default=60, ge=0, le=600, description="Clock skew tolerated on `exp`, `nbf` and `iat`."
    )

    @field_validator("jwt_issuer", "jwt_public_key", "jwks_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """Mode and data folder from the shared settings; issuer, audience and keys from the environment."""
        return cls(mode=settings.mode, data_dir=settings.data_dir)

    @property
    def is_production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def issuer(self) -> str | None:
        """The issuer to require: the configured one, else `sxvis-dev` in development, else none."""
        if self.jwt_issuer is not None:
            return self.jwt_issuer
        return None if self.is_production else DEV_ISSUER

    @property
    def dev_key_path(self) -> Path:
        return self.data_dir / "keys" / "dev-signing-key.pem"
