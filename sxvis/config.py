"""Configuration: every `SXVIS_*` environment variable, read once into a frozen `Settings`.

Only the composition root (`sxvis.web.app`, `sxvis.cli`) reads the environment; everything else is handed
the `Settings` it needs. Secrets are `SecretStr`, so a `repr` in a log never shows them.
"""

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("sxvis", appauthor=False))


class Settings(BaseSettings):
    """What an operator can set. The README's configuration table mirrors these fields."""

    model_config = SettingsConfigDict(env_prefix="SXVIS_", frozen=True, extra="ignore")

    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL 15+ URL. Unset: SXVİS starts its own embedded PostgreSQL in the data folder.",
    )
    app_database_url: SecretStr | None = Field(
        default=None,
        description="The URL the served app connects with, as the `sxvis_app` role (no superuser, no "
        "BYPASSRLS). Unset: the database URL with its user replaced by `sxvis_app`.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret from which each agency's pseudonyms of protected persons are derived. "
        "Unset: a key file in the data folder.",
    )
    audit_seal_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="How often the server seals new access events."
    )
    break_glass_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="How long a break-the-glass opening lasts."
    )
    fact_freshness_hours: dict[str, float] = Field(
        default_factory=dict,
        description='How long a ministry fact is reused, in hours, per check (JSON, e.g. {"EMPLOYMENT": 4}); '
        "unset kinds keep their defaults (docs/operations.md).",
    )
    referral_routine_working_days: int = Field(
        default=5, ge=1, le=20, description="Working days a receiver has to answer a ROUTINE referral."
    )
    referral_urgent_working_days: int = Field(
        default=1, ge=1, le=10, description="Working days a receiver has to answer an URGENT referral."
    )
    referral_emergency_minutes: int = Field(
        default=120, ge=5, le=24 * 60, description="Minutes a receiver has to answer an EMERGENCY referral."
    )
    application_day_count: Literal["WORKING", "CALENDAR"] = Field(
        default="WORKING",
        description='How the passports\' days ("gün") are counted for application deadlines: WORKING days '
        'on the calendar (default; 001 step 10 counts in "iş günü") or CALENDAR days (docs/api.md).',
    )
    check_retry_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="How often the server asks again checks left PENDING."
    )
    duplicates_refresh_seconds: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="How often the server recomputes the duplicate pairs of persons changed since.",
    )
    data_dir: Path = Field(default_factory=_default_data_dir, description="Embedded database and dev keys.")
    mode: Mode = Field(
        default=Mode.DEVELOPMENT, description="`production` disables GraphiQL and introspection."
    )
    host: str = Field(default="127.0.0.1", description="Address `sxvis serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `sxvis serve` listens on.")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")
    log_level: LogLevel = Field(default=LogLevel.INFO, description="debug, info, warning or error.")
    log_json: bool = Field(
        default=False, description="JSON log lines (for collectors) instead of console lines."
    )
    # Overflow connections are closed whenever they are returned while the pool is full, and a new
    # PostgreSQL backend is started at the next burst: measured, that churn cost ten times the FIN
    # lookup itself (docs/performance.md). Keep the connections a worker needs, open.
    db_pool_size: int = Field(default=20, ge=1, le=200, description="Connections kept open per worker.")
    db_max_overflow: int = Field(default=0, ge=0, le=200, description="Extra, short-lived connections.")
    max_query_depth: int = Field(default=10, ge=2, le=50)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    max_expanded_fields: int = Field(
        default=1000,
        ge=50,
        le=100_000,
        description="Most fields a document may select once its fragments are expanded (each spread "
        "counted as often as it is spread).",
    )
    max_tokens: int = Field(default=2000, ge=100, le=100_000)
    max_list_items: int = Field(
        default=50_000,
        ge=100,
        le=10_000_000,
        description="Most list items one answer may hold (lists nested in lists multiply).",
    )
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Longest a GraphQL request may run; past it, it is cancelled and answered `TIMEOUT`.",
    )
    # The outbox worker (`sxvis worker`, and in-process with `serve --demo`).
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Delivery attempts before a message goes to the dead letters."
    )
    outbox_backoff_initial: float = Field(
        default=2.0, ge=0, le=3600, description="Seconds before the second attempt; doubles each time."
    )
    outbox_backoff_max: float = Field(
        default=600.0, ge=0, le=86_400, description="Longest wait between two attempts of one message."
    )
    outbox_batch_size: int = Field(
        default=50, ge=1, le=1000, description="Messages one worker claims and delivers at once."
    )
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, le=600, description="How often an idle worker looks for due messages."
    )
    outbox_in_process: bool = Field(
        default=False,
        description="Each server process also delivers the outbox (as `sxvis worker` does); "
        "`sxvis serve --demo` sets it.",
    )
    justice_max_skew_seconds: float = Field(
        default=300.0, gt=0, le=3600, description="Oldest (or furthest ahead) a signed release notice may be."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper may present at /metrics. Unset: only users "
        "holding `integration:status`.",
    )

    console_session_key: SecretStr | None = Field(
        default=None,
        description="Secret that signs the web console's session cookies; the same for every worker. "
        "Unset: a key file in the data folder.",
    )
    oidc_discovery_url: str | None = Field(
        default=None,
        description="The console's OpenID Connect provider: its discovery document "
        "(`…/.well-known/openid-configuration`). Unset: no single sign-on button.",
    )
    oidc_client_id: str | None = Field(default=None, description="The console's client id at the provider.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="The console's client secret at the provider (unset for a public client)."
    )
    oidc_scope: str = Field(
        default="openid profile", description="Scopes the console asks the provider for at sign-in."
    )
    oidc_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="How long the console waits on the provider at sign-in (discovery, the code "
        "exchange, its keys) before it answers that sign-in failed.",
    )

    @field_validator(
        "database_url",
        "app_database_url",
        "pseudonym_key",
        "metrics_token",
        "console_session_key",
        "oidc_discovery_url",
        "oidc_client_id",
        "oidc_client_secret",
        mode="before",
    )
    @classmethod
    def _empty_url_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def is_production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @cached_property
    def embedded_pgdata(self) -> Path:
        return self.data_dir / "postgres"
