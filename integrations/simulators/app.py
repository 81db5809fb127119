"""The ministry simulators: one Starlette app serving every ministry SXVİS talks to, over real HTTP.

Each ministry lives under a path prefix named as its settings key (`/tseras/…`, `/esosial/…`), so one
server on one port plays them all and `SXVIS_MINISTRY__<NAME>__BASE_URL=http://host:port/<name>/` points
an adapter at it. Like a real X-Road member, every ministry:

- verifies the signature of every request with its own HMAC key (`integrations.signing.verify`): a
  wrong or missing one is a 401 with the reason, and nothing else happens;
- deduplicates by message id (`X-Road-Id`): a query asked again gets the same answer, a message posted
  again is `{"status": "duplicate"}` and not kept twice;
- keeps everything it received (method, path, headers, body, time), for tests and the demo to show.

Queries (answers from `integrations.simulators.data.DemoWorld`; 404 when the ministry has no record):

    GET  /tseras/persons/{fin}/disability      GET  /employment/persons/{fin}/contracts
    GET  /vemtas/persons/{fin}/assistance      GET  /address/persons/{fin}/residents
    GET  /pension/persons/{fin}/pension

Messages received (outbound from SXVİS): `POST /esosial/decisions`, `POST /police/reports`, each
answering `{"status": "received" | "duplicate", "messageId": …}`.

Admin, from loopback only (faults apply at once, to requests already waiting too):

    GET    /_admin/received/{ministry}      what it received, oldest first
    GET    /_admin/rejected/{ministry}      requests refused for their signature, with the reason
    GET    /_admin/attempts/{ministry}      every request that reached it, faulted or not (message ids,
                                            so retries show), and the most it had in flight at once
    POST   /_admin/send/justice/release-notice  play the Ministry of Justice: sign a release notice
                                            and post it to SXVİS ({"to", "fin", "releasedOn"})
    DELETE /_admin/received                 forget everything received (and the message ids seen)
    GET    /_admin/faults                   every ministry's faults
    PUT    /_admin/faults/{ministry}        {"latency_ms": int, "error_rate": float, "down": bool}
    DELETE /_admin/faults                   every ministry healthy again
    PUT    /_admin/records/{ministry}/{fin} the answer to give for this FIN (JSON; null: "no record")
    DELETE /_admin/records                  back to the demo registry's answers

A ministry that is `down` answers 503 at once; `error_rate` is the share of requests answered 500;
`latency_ms` delays every answer. A request refused by a fault was not received (it is not kept).
"""

import asyncio
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from integrations.errors import SignatureRejected
from integrations.signing import (
    DEFAULT_MAX_SKEW_SECONDS,
    HEADER_MESSAGE_ID,
    Attribution,
    Envelope,
    sign,
    verify,
)
from integrations.simulators.data import DemoWorld
from sxvis import clock

QUERIES: Mapping[str, str] = {
    "tseras": "/tseras/persons/{fin}/disability",
    "employment": "/employment/persons/{fin}/contracts",
    "vemtas": "/vemtas/persons/{fin}/assistance",
    "address": "/address/persons/{fin}/residents",
    "pension": "/pension/persons/{fin}/pension",
}
RECEIVERS: Mapping[str, str] = {"esosial": "/esosial/decisions", "police": "/police/reports"}
MINISTRIES = (*QUERIES, *RECEIVERS)
SENDERS: Mapping[str, str] = {"justice": "/integrations/justice/release-notices"}
"""Ministries that call SXVİS rather than answer it, and the SXVİS path each posts to."""
JUSTICE_CLIENT_ID = "AZ/GOV/MOJ"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class Faults(BaseModel):
    """What is wrong with one ministry right now."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=600_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    down: bool = False


@dataclass(frozen=True, slots=True)
class Received:
    message_id: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    received_at: str
    client_id: str
    user_id: str
    issue: str


class SimulatorState:
    """Everything the simulators hold; `app.state.simulator` in the app `create_simulator_app` makes."""

    def __init__(self, keys: Mapping[str, SecretStr], world: DemoWorld, *, max_skew_seconds: float) -> None:
        self.keys = dict(keys)
        self.world = world
        self.max_skew_seconds = max_skew_seconds
        self.faults: dict[str, Faults] = {name: Faults() for name in MINISTRIES}
        self.received: dict[str, list[Received]] = {name: [] for name in MINISTRIES}
        self.rejected: dict[str, list[dict[str, Any]]] = {name: [] for name in MINISTRIES}
        self._answers: dict[str, dict[str, tuple[int, Any]]] = {name: {} for name in MINISTRIES}
        self._random = random.Random(world.seed)
        self.attempts: dict[str, list[str | None]] = {name: [] for name in MINISTRIES}
        """Every request that reached a ministry, faulted or not, by its X-Road-Id: retries show here."""
        self.generation = 0
        """Bumped by `forget_received`: requests still held from before it are not counted after it."""
        self.in_flight: dict[tuple[str, int], int] = defaultdict(int)
        self.peak_in_flight: dict[str, int] = dict.fromkeys(MINISTRIES, 0)

    def forget_received(self) -> None:
        for name in MINISTRIES:
            self.received[name].clear()
            self.rejected[name].clear()
            self._answers[name].clear()
            self.attempts[name].clear()
            self.peak_in_flight[name] = 0
        self.generation += 1


Handler = Callable[[Request, Envelope, bytes], Awaitable[tuple[int, Any]]]


def create_simulator_app(
    keys: Mapping[str, SecretStr | str],
    *,
    world: DemoWorld | None = None,
    max_skew_seconds: float = DEFAULT_MAX_SKEW_SECONDS,
) -> Starlette:
    """The simulators of every ministry. `keys` holds each ministry's HMAC key by settings key; a
    ministry without one refuses every request (401). `world` is what they know (the demo registry of
    seed 2026 and 2,000 persons unless given)."""
    secrets = {name: key if isinstance(key, SecretStr) else SecretStr(key) for name, key in keys.items()}
    state = SimulatorState(secrets, world or DemoWorld(), max_skew_seconds=max_skew_seconds)
    routes = [
        *(
            Route(path, _ministry(state, name, _query(state, name)), methods=["GET"])
            for name, path in QUERIES.items()
        ),
        *(
            Route(path, _ministry(state, name, _receive), methods=["POST"])
            for name, path in RECEIVERS.items()
        ),
        Route("/_admin/received/{ministry}", _admin(state, _received), methods=["GET"]),
        Route("/_admin/rejected/{ministry}", _admin(state, _rejected), methods=["GET"]),
        Route("/_admin/attempts/{ministry}", _admin(state, _attempts), methods=["GET"]),
        Route("/_admin/received", _admin(state, _forget_received), methods=["DELETE"]),
        Route("/_admin/faults", _admin(state, _all_faults), methods=["GET", "DELETE"]),
        Route("/_admin/faults/{ministry}", _admin(state, _set_faults), methods=["PUT"]),
        Route("/_admin/records/{ministry}/{fin}", _admin(state, _set_record), methods=["PUT"]),
        Route("/_admin/send/justice/release-notice", _admin(state, _send_release_notice), methods=["POST"]),
        Route("/_admin/records", _admin(state, _forget_records), methods=["DELETE"]),
        Route("/_admin/health", _admin(state, _health), methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.simulator = state
    return app


def _json(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def _signed_path(request: Request) -> str:
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string") or b""
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


def _ministry(state: SimulatorState, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        generation = state.generation
        state.attempts[name].append(request.headers.get(HEADER_MESSAGE_ID))
        state.in_flight[name, generation] += 1
        state.peak_in_flight[name] = max(state.peak_in_flight[name], state.in_flight[name, generation])
        try:
            return await answer(request)
        finally:
            state.in_flight[name, generation] -= 1

    async def answer(request: Request) -> Response:
        faults = state.faults[name]
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        faults = state.faults[name]  # changed while this request waited: the ministry is as it is now
        if faults.down:
            return _json({"error": f"{name} is down (simulated)"}, 503)
        if faults.error_rate and state._random.random() < faults.error_rate:
            return _json({"error": f"{name} failed (simulated)"}, 500)
        try:
            body = await request.body()
        except ClientDisconnect:  # the caller gave up while the latency held it: nothing was received
            return Response(status_code=499)
        path = _signed_path(request)
        key = state.keys.get(name)
        try:
            if key is None:
                raise SignatureRejected(f"no key is configured for {name}")
            envelope = verify(
                key,
                method=request.method,
                path=path,
                body=body,
                headers=request.headers,
                max_skew_seconds=state.max_skew_seconds,
            )
        except SignatureRejected as err:
            state.rejected[name].append(
                {"method": request.method, "path": path, "reason": err.reason, "at": clock.now().isoformat()}
            )
            return _json({"error": "signature rejected", "reason": err.reason}, 401)
        seen = state._answers[name].get(envelope.message_id)
        if seen is not None:
            status, answer = seen
            if request.method == "POST":
                return _json({"status": "duplicate", "messageId": envelope.message_id}, 200)
            return _json(answer, status)
        state.received[name].append(
            Received(
                message_id=envelope.message_id,
                method=request.method,
                path=path,
                headers=dict(request.headers),
                body=_body(body),
                received_at=clock.now().isoformat(),
                client_id=envelope.client_id,
                user_id=envelope.user_id,
                issue=envelope.issue,
            )
        )
        status, answer = await handler(request, envelope, body)
        state._answers[name][envelope.message_id] = (status, answer)
        return _json(answer, status)

    return endpoint


def _body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", errors="replace")


def _query(state: SimulatorState, name: str) -> Handler:
    async def answer(request: Request, envelope: Envelope, body: bytes) -> tuple[int, Any]:
        fin = request.path_params["fin"]
        record = state.world.answer(name, fin)
        if record is None:
            return 404, {"error": f"{name} has no record for this person"}
        return 200, record

    return answer


async def _receive(request: Request, envelope: Envelope, body: bytes) -> tuple[int, Any]:
    return 200, {"status": "received", "messageId": envelope.message_id}


AdminHandler = Callable[[SimulatorState, Request], Awaitable[Response]]


def _admin(state: SimulatorState, handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if request.client is None or request.client.host not in LOOPBACK:
            return _json({"error": "the simulators' admin answers loopback only"}, 403)
        ministry = request.path_params.get("ministry")
        if ministry is not None and ministry not in MINISTRIES:
            return _json({"error": f"no ministry {ministry!r}; one of {', '.join(MINISTRIES)}"}, 404)
        return await handler(state, request)

    return endpoint


async def _received(state: SimulatorState, request: Request) -> Response:
    return _json([asdict(item) for item in state.received[request.path_params["ministry"]]])


async def _attempts(state: SimulatorState, request: Request) -> Response:
    ministry = request.path_params["ministry"]
    return _json({"messageIds": state.attempts[ministry], "peakInFlight": state.peak_in_flight[ministry]})


async def _rejected(state: SimulatorState, request: Request) -> Response:
    return _json(state.rejected[request.path_params["ministry"]])


async def _forget_received(state: SimulatorState, request: Request) -> Response:
    state.forget_received()
    return _json({"status": "forgotten"})


async def _all_faults(state: SimulatorState, request: Request) -> Response:
    if request.method == "DELETE":
        state.faults = {name: Faults() for name in MINISTRIES}
    return _json({name: faults.model_dump() for name, faults in state.faults.items()})


async def _set_faults(state: SimulatorState, request: Request) -> Response:
    try:
        faults = Faults.model_validate_json(await request.body())
    except ValidationError as err:
        return _json({"error": "bad faults", "detail": err.errors(include_url=False)}, 422)
    state.faults[request.path_params["ministry"]] = faults
    return _json(faults.model_dump())


async def _set_record(state: SimulatorState, request: Request) -> Response:
    ministry = request.path_params["ministry"]
    if ministry not in QUERIES:
        return _json({"error": f"{ministry} answers no queries"}, 404)
    try:
        answer = orjson.loads(await request.body() or b"null")
    except orjson.JSONDecodeError:
        return _json({"error": "the record must be JSON (or null)"}, 422)
    state.world.put(ministry, request.path_params["fin"], answer)
    return _json({"ministry": ministry, "fin": request.path_params["fin"], "record": answer})


async def _forget_records(state: SimulatorState, request: Request) -> Response:
    state.world.forget_overrides()
    return _json({"status": "forgotten"})


async def _health(state: SimulatorState, request: Request) -> Response:
    return _json({"status": "ok", "ministries": list(MINISTRIES), "persons": len(state.world.fins)})


class _ReleaseNoticeOrder(BaseModel):
    """What the operator asks the Ministry of Justice simulator to send: to which SXVİS, about whom."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str = Field(description="SXVİS's base URL, e.g. http://127.0.0.1:8000")
    fin: str
    released_on: str = Field(alias="releasedOn")
    institution: str | None = None


async def _send_release_notice(state: SimulatorState, request: Request) -> Response:
    """Play the Ministry of Justice: sign a release notice with the justice key and post it to SXVİS's
    webhook, answering with what SXVİS answered (so a demo or a test can watch both sides)."""
    key = state.keys.get("justice")
    if key is None:
        return _json({"error": "no key is configured for justice"}, 409)
    try:
        order = _ReleaseNoticeOrder.model_validate_json(await request.body())
    except ValidationError as err:
        return _json({"error": "bad order", "detail": err.errors(include_url=False)}, 422)
    path = SENDERS["justice"]
    notice: dict[str, Any] = {"fin": order.fin, "releasedOn": order.released_on}
    if order.institution is not None:
        notice["institution"] = order.institution
    body = orjson.dumps(notice)
    headers = sign(
        key,
        method="POST",
        path=path,
        body=body,
        client_id=JUSTICE_CLIENT_ID,
        attribution=Attribution(user_id="penitentiary-service@MOJ", issue=f"release/{order.fin}"),
    )
    async with httpx.AsyncClient(timeout=10.0) as client:
        try:
            answer = await client.post(
                order.to.rstrip("/") + path,
                content=body,
                headers={**headers, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as err:
            return _json({"error": f"SXVİS did not answer: {type(err).__name__}"}, 502)
    sent = {"messageId": headers[HEADER_MESSAGE_ID], "sxvisStatus": answer.status_code}
    return _json({**sent, "sxvisAnswer": answer.json()})
