"""The ministry simulators for the tests: one real server on loopback for the whole run, reset per test.

`Ministries` drives it the way an operator or a demo would, over HTTP: faults, records for a FIN, what
each ministry received; and builds the `Integrations` (real clients, real HTTP) that talk to it.
"""

from typing import Any

import httpx
from pydantic import SecretStr

from integrations.hub import Integrations
from integrations.settings import IntegrationSettings
from integrations.simulators import endpoint_settings

FAST = {"connect_timeout": 1.0, "read_timeout": 3.0, "budget_seconds": 4.0, "retry_backoff_initial": 0.05}
"""Limits short enough that a dead ministry costs a test a few seconds at most, and long enough that a
healthy one answers in time on a loaded two-core machine (1.5 s was once too little in CI)."""


class Ministries:
    def __init__(self, url: str, keys: dict[str, SecretStr]) -> None:
        self.url = url
        self.keys = keys
        # A fresh connection per call: a kept-alive one can be closed by uvicorn's idle timeout (5 s)
        # in the instant a test that ran longer reuses it, and the call fails "reset by peer" (CI saw it).
        no_keepalive = httpx.Limits(max_keepalive_connections=0)
        self.admin = httpx.Client(base_url=f"{url}/_admin", timeout=5, limits=no_keepalive)

    def settings(self, **limits: Any) -> IntegrationSettings:
        return endpoint_settings(self.url, self.keys, **{**FAST, **limits})

    def integrations(self, **limits: Any) -> Integrations:
        return Integrations(self.settings(**limits))

    def faults(
        self, ministry: str, *, latency_ms: int = 0, error_rate: float = 0.0, down: bool = False
    ) -> None:
        body = {"latency_ms": latency_ms, "error_rate": error_rate, "down": down}
        self.admin.put(f"/faults/{ministry}", json=body).raise_for_status()

    def heal(self) -> None:
        self.admin.delete("/faults").raise_for_status()

    def put(self, ministry: str, fin: str, record: dict[str, Any] | None) -> None:
        """Make `ministry` answer `record` for `fin` (None: it has no record, a 404)."""
        self.admin.put(f"/records/{ministry}/{fin}", json=record).raise_for_status()

    def received(self, ministry: str) -> list[dict[str, Any]]:
        response = self.admin.get(f"/received/{ministry}")
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found

    def attempts(self, ministry: str) -> dict[str, Any]:
        """Every request that reached `ministry`, faulted ones included, and its peak concurrency."""
        found: dict[str, Any] = self.admin.get(f"/attempts/{ministry}").json()
        return found

    def rejected(self, ministry: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.admin.get(f"/rejected/{ministry}").json()
        return found

    def reset(self) -> None:
        self.heal()
        self.admin.delete("/received").raise_for_status()
        self.admin.delete("/records").raise_for_status()

    def close(self) -> None:
        self.admin.close()
