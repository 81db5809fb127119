"""Ministry integration adapters, the outbox worker and the ministry simulators.

The adapter framework (this package so far)
-------------------------------------------
Every call to a ministry system goes through a `MinistryClient` (`integrations.client`), one per
ministry, configured by a `MinistryEndpoint` (`integrations.settings`, `SXVIS_MINISTRY__<NAME>__*`). Around
each call, outermost first: the caller's time budget; retries with exponential backoff and jitter for
idempotent calls only (GET, or a call marked idempotent because the receiver deduplicates its message
id), on connection failures, timeouts, 5xx and 429, never on 4xx; a circuit breaker per endpoint
(`integrations.breaker`: open after N consecutive failures, one probe after the reset time, closed on its
success); a concurrency limit; and X-Road-style headers (`X-Road-Client`, `X-Road-Id`, `X-Road-UserId`,
`X-Road-Issue`) with a timestamp and an HMAC-SHA256 signature (`integrations.signing`, which documents the
canonical form and holds `verify` for the receiving side). Failures are `IntegrationError`s
(`integrations.errors`): `MinistryUnavailable` when asking again later may help, `MinistryRejected` when it
won't. Each subsystem is a small Protocol (`integrations.protocol`) the registry codes against.

Dependencies and why:
- httpx: async HTTP with separate connect/read timeouts and a swappable transport, so tests play the
  ministry with `httpx.MockTransport` while the client stays real.
- stamina: retries with capped exponential backoff and jitter, on a predicate we choose, maintained and
  small (it drives tenacity underneath), with hooks for logging and Prometheus later.
- no breaker library: `purgatory` has no injectable clock and lets every half-open request through;
  `aiobreaker` is unmaintained. `integrations.breaker` explains.
- pydantic / pydantic-settings: endpoint settings from nested `SXVIS_` variables, secrets as `SecretStr`.
"""

from integrations.breaker import BreakerStatus, CircuitBreaker, CircuitState
from integrations.client import MinistryAnswer, MinistryClient
from integrations.errors import (
    CircuitOpen,
    MalformedAnswer,
    MinistryFailed,
    MinistryRejected,
    MinistryTimedOut,
    MinistryUnreachable,
    NotKnownToMinistry,
    SignatureRejected,
)
from integrations.protocol import Adapter, DisabilityRecord, DisabilityRegistry
from integrations.settings import IntegrationSettings, MinistryEndpoint
from integrations.signing import Attribution, Envelope, sign, verify

__all__ = [
    "Adapter",
    "Attribution",
    "BreakerStatus",
    "CircuitBreaker",
    "CircuitOpen",
    "CircuitState",
    "DisabilityRecord",
    "DisabilityRegistry",
    "Envelope",
    "IntegrationSettings",
    "MalformedAnswer",
    "MinistryAnswer",
    "MinistryClient",
    "MinistryEndpoint",
    "MinistryFailed",
    "MinistryRejected",
    "MinistryTimedOut",
    "MinistryUnreachable",
    "NotKnownToMinistry",
    "SignatureRejected",
    "sign",
    "verify",
]
