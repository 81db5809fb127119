"""Where each ministry system lives and how patiently SXVİS talks to it, read from `SXVIS_MINISTRY__*`.

One `MinistryEndpoint` per ministry subsystem, keyed by a short lower-case name (`tseras`, `vemtas`,
`esosial` …). pydantic-settings reads them from nested environment variables, two underscores between
levels::

    SXVIS_MINISTRY__TSERAS__BASE_URL=https://tseras.example.gov.az/api/v1/
    SXVIS_MINISTRY__TSERAS__CLIENT_ID=AZ/GOV/SXVIS
    SXVIS_MINISTRY__TSERAS__HMAC_KEY=…
    SXVIS_MINISTRY__TSERAS__READ_TIMEOUT=3

or from one JSON value, `SXVIS_MINISTRY='{"tseras": {"base_url": …}}'`. `IntegrationSettings` is its own
`BaseSettings` because the core `Settings` reads no nested variables; the model `MinistryEndpoint` is plain
pydantic so `Settings` can hold a `dict[str, MinistryEndpoint]` later without changing it.
"""

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MinistryEndpoint(BaseModel):
    """One ministry system: its address, our identity and key there, and the limits we keep with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = Field(description="Root of the ministry's API; request paths are joined onto it.")
    client_id: str = Field(
        min_length=1, description="SXVİS's member id at the ministry, sent as `X-Road-Client`."
    )
    hmac_key: SecretStr = Field(description="Shared HMAC-SHA256 key that signs every request.")
    connect_timeout: float = Field(default=2.0, gt=0, le=60, description="Seconds to open a connection.")
    read_timeout: float = Field(default=5.0, gt=0, le=300, description="Seconds to wait for each answer.")
    budget_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="The longest a caller waits for one call, retries and queueing included.",
    )
    max_concurrency: int = Field(default=8, ge=1, le=1000, description="Requests in flight at once.")
    retry_attempts: int = Field(
        default=3, ge=1, le=20, description="Tries of an idempotent call, the first included."
    )
    retry_backoff_initial: float = Field(
        default=0.2, ge=0, le=60, description="Seconds before the first retry; doubles each time."
    )
    retry_backoff_max: float = Field(default=3.0, ge=0, le=600, description="Longest pause between tries.")
    retry_jitter: float = Field(
        default=0.5, ge=0, le=60, description="Up to this many random seconds added to each pause."
    )
    breaker_failure_threshold: int = Field(
        default=5, ge=1, le=1000, description="Consecutive failures that open the circuit."
    )
    breaker_reset_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How long an open circuit waits before one probe."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _budget_covers_one_try(self) -> "MinistryEndpoint":
        # A budget shorter than one connect plus one read would cut every slow-but-healthy answer.
        if self.budget_seconds < self.connect_timeout + self.read_timeout:
            raise ValueError("budget_seconds must be at least connect_timeout + read_timeout")
        return self


class IntegrationSettings(BaseSettings):
    """Every ministry endpoint the operator configured; a ministry not named here is not called."""

    model_config = SettingsConfigDict(
        env_prefix="SXVIS_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    ministry: dict[str, MinistryEndpoint] = Field(default_factory=dict)

    @field_validator("ministry")
    @classmethod
    def _lower_case_names(cls, value: dict[str, MinistryEndpoint]) -> dict[str, MinistryEndpoint]:
        return {name.lower(): endpoint for name, endpoint in value.items()}
