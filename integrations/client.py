"""`MinistryClient`: the one way SXVİS sends a request to a ministry system.

Per ministry, one `httpx.AsyncClient` (connect and read timeouts, pooled connections) and around every
call, outermost first:

1. the caller's budget (`budget_seconds`): whatever happens inside, the caller has an answer or a
   `MinistryUnavailable` by then. httpx's timeouts bound each read; only this bounds the sum of queueing,
   retries and backoff, so a check can go `PENDING` at once instead of hanging on a dead ministry;
2. retries with exponential backoff and jitter (stamina), for idempotent calls only: GET and HEAD, and calls
   the caller marks idempotent, e.g. a POST whose message id the receiver deduplicates. Every try of one
   call carries the same message id. Retried: connection failures, timeouts, 5xx and 429. Never 4xx:
   the same wrong request gets the same refusal;
3. the circuit breaker, per try: an open circuit refuses at once with `CircuitOpen`, sending nothing, and
   that refusal is not retried;
4. the concurrency limit (a semaphore, so it holds for any transport, not only httpx's pool);
5. the X-Road headers and HMAC signature (`integrations.signing`), made afresh for each try.

The transport is injectable: tests hand in an `httpx.MockTransport` (or a fake of their own) to play the
ministry, and keep everything above it real.
"""

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import orjson
import pydantic
import stamina

from integrations.breaker import CircuitBreaker
from integrations.errors import (
    CircuitOpen,
    MalformedAnswer,
    MinistryFailed,
    MinistryRejected,
    MinistryTimedOut,
    MinistryUnreachable,
    NotKnownToMinistry,
)
from integrations.metrics import CallStats, Outcome
from integrations.settings import MinistryEndpoint
from integrations.signing import Attribution, new_message_id, sign
from sxvis.errors import MinistryUnavailable

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
_DETAIL_LIMIT = 500


@dataclass(frozen=True, slots=True)
class MinistryAnswer:
    """A 2xx answer, with what provenance needs: the message id it answered and how it was obtained."""

    status_code: int
    body: bytes
    headers: httpx.Headers
    message_id: str
    attempts: int
    elapsed_seconds: float

    def json(self) -> Any:
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise MalformedAnswer(f"answer to {self.message_id} is not JSON: {exc}") from exc

    def parse(self, shape: type[T]) -> T:
        """The body read as `shape` (a pydantic model, dataclass or typed dict), or `MalformedAnswer`."""
        try:
            return pydantic.TypeAdapter(shape).validate_json(self.body)
        except pydantic.ValidationError as exc:
            raise MalformedAnswer(f"answer to {self.message_id} has the wrong shape: {exc}") from exc


class MinistryClient:
    def __init__(
        self,
        name: str,
        endpoint: MinistryEndpoint,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        self.breaker = CircuitBreaker(
            name,
            failure_threshold=endpoint.breaker_failure_threshold,
            reset_seconds=endpoint.breaker_reset_seconds,
            monotonic=monotonic,
        )
        self.stats = CallStats(name, monotonic=monotonic)
        self._slots = asyncio.Semaphore(endpoint.max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url,
            transport=transport,
            timeout=httpx.Timeout(
                connect=endpoint.connect_timeout,
                read=endpoint.read_timeout,
                write=endpoint.read_timeout,
                pool=endpoint.budget_seconds,
            ),
            limits=httpx.Limits(
                max_connections=endpoint.max_concurrency,
                max_keepalive_connections=endpoint.max_concurrency,
            ),
            follow_redirects=False,
        )

    async def __aenter__(self) -> "MinistryClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self,
        path: str,
        *,
        on_behalf: Attribution,
        params: Mapping[str, str] | None = None,
        message_id: str | None = None,
    ) -> MinistryAnswer:
        return await self.request("GET", path, on_behalf=on_behalf, params=params, message_id=message_id)

    async def post(
        self,
        path: str,
        *,
        on_behalf: Attribution,
        payload: object,
        message_id: str | None = None,
        idempotent: bool = False,
    ) -> MinistryAnswer:
        """Send `payload` as JSON; retried only if `idempotent` (the receiver deduplicates the message id)."""
        return await self.request(
            "POST",
            path,
            on_behalf=on_behalf,
            payload=payload,
            message_id=message_id,
            idempotent=idempotent,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        on_behalf: Attribution,
        params: Mapping[str, str] | None = None,
        payload: object = None,
        message_id: str | None = None,
        idempotent: bool | None = None,
    ) -> MinistryAnswer:
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        message_id = message_id or new_message_id()
        body = b"" if payload is None else orjson.dumps(payload)
        started = time.monotonic()
        budget = asyncio.timeout(self.endpoint.budget_seconds)
        try:
            async with budget:
                async for attempt in stamina.retry_context(
                    on=_worth_retrying,
                    attempts=self.endpoint.retry_attempts if idempotent else 1,
                    timeout=self.endpoint.budget_seconds,
                    wait_initial=self.endpoint.retry_backoff_initial,
                    wait_max=self.endpoint.retry_backoff_max,
                    wait_jitter=self.endpoint.retry_jitter,
                ):
                    with attempt:
                        response = await self._try_once(
                            method, path, params=params, body=body, message_id=message_id, on_behalf=on_behalf
                        )
                        return MinistryAnswer(
                            status_code=response.status_code,
                            body=response.content,
                            headers=response.headers,
                            message_id=message_id,
                            attempts=attempt.num,
                            elapsed_seconds=time.monotonic() - started,
                        )
        except TimeoutError:
            if not budget.expired():
                raise
            raise MinistryTimedOut(
                f"{self.name} gave no answer to {method} {path} within the "
                f"{self.endpoint.budget_seconds:g} s budget"
            ) from None
        raise AssertionError("stamina yields attempts until one returns or raises")

    async def _try_once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None,
        body: bytes,
        message_id: str,
        on_behalf: Attribution,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            path,
            params=params,
            content=body or None,
            headers={"Content-Type": "application/json"} if body else None,
        )
        request.headers.update(
            sign(
                self.endpoint.hmac_key,
                method=method,
                path=request.url.raw_path.decode("ascii"),
                body=body,
                client_id=self.endpoint.client_id,
                attribution=on_behalf,
                message_id=message_id,
            )
        )
        try:
            permit = self.breaker.admit()
        except CircuitOpen:
            self.stats.record(Outcome.CIRCUIT_OPEN, None)
            raise
        sent: float | None = None
        try:
            async with self._slots:
                sent = time.monotonic()
                response = await self._send(request)
        except BaseException as exc:
            # Cancellation by the budget counts too: the ministry did not answer in time.
            self.breaker.failed(permit)
            failure = Outcome.UNREACHABLE if isinstance(exc, MinistryUnreachable) else Outcome.TIMEOUT
            self.stats.record(failure, None if sent is None else time.monotonic() - sent)
            raise
        self.stats.record(_outcome_of(response.status_code), time.monotonic() - sent)
        if response.status_code >= 500 or response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            self.breaker.failed(permit)
            raise MinistryFailed(
                f"{self.name} answered {method} {path} with {response.status_code}",
                status_code=response.status_code,
            )
        # A 4xx is the ministry working correctly and refusing us; it says nothing against its health.
        self.breaker.succeeded(permit)
        if response.is_client_error:
            detail = response.text[:_DETAIL_LIMIT]
            refusal = (
                NotKnownToMinistry if response.status_code == httpx.codes.NOT_FOUND else MinistryRejected
            )
            raise refusal(
                f"{self.name} refused {method} {path} with {response.status_code}: {detail}",
                status_code=response.status_code,
                detail=detail,
            )
        if not response.is_success:
            raise MalformedAnswer(f"{self.name} answered {method} {path} with {response.status_code}")
        return response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.TimeoutException as exc:
            raise MinistryTimedOut(
                f"{self.name}: {type(exc).__name__} on {request.method} {request.url.path}"
            ) from exc
        except httpx.TransportError as exc:
            raise MinistryUnreachable(
                f"{self.name}: {type(exc).__name__} on {request.method} {request.url.path}: {exc}"
            ) from exc


def _outcome_of(status_code: int) -> Outcome:
    if status_code >= 500 or status_code == httpx.codes.TOO_MANY_REQUESTS:
        return Outcome.FAILED
    if status_code == httpx.codes.NOT_FOUND:
        return Outcome.NOT_FOUND
    if status_code >= 400:
        return Outcome.REJECTED
    return Outcome.OK


def _worth_retrying(exc: BaseException) -> bool:
    return isinstance(exc, MinistryUnavailable) and not isinstance(exc, CircuitOpen)
