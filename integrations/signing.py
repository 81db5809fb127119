"""X-Road-style identification and an HMAC-SHA256 signature on every message between SXVİS and a ministry.

Every request carries who sends it (`X-Road-Client`), a message id (`X-Road-Id`, which the receiver
deduplicates and both sides log), the official acting (`X-Road-UserId`), the case or application it serves
(`X-Road-Issue`), when it was signed (`X-SXVIS-Timestamp`, Unix seconds) and the signature
(`X-SXVIS-Signature: v1=<hex>`).

The signature is HMAC-SHA256, under the key shared with that ministry, over this canonical form: lines
joined by a single `\\n`, no trailing newline::

    v1
    <METHOD, upper case>
    <path with its query string, exactly as sent: /api/v1/persons?fin=5ABC123>
    <timestamp>
    <message id>
    <client id>
    <user id>
    <issue>
    <SHA-256 of the body, lower-case hex (of the empty string when there is no body)>

The attribution headers are signed too, so nobody on the way can move a request to another official or
case. No field can hold a newline (HTTP header values and paths cannot), so the form is unambiguous.

`verify` is the receiving side (the simulators, the Justice webhook). It checks the signature and that the
timestamp is within `max_skew` of now, either way. It cannot see replays inside that window: the receiver
refuses a message id it has already processed, which it must store anyway to deliver exactly once.
"""

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from integrations.errors import SignatureRejected
from sxvis import clock

HEADER_CLIENT = "X-Road-Client"
HEADER_MESSAGE_ID = "X-Road-Id"
HEADER_USER = "X-Road-UserId"
HEADER_ISSUE = "X-Road-Issue"
HEADER_TIMESTAMP = "X-SXVIS-Timestamp"
HEADER_SIGNATURE = "X-SXVIS-Signature"
SCHEME = "v1"
DEFAULT_MAX_SKEW_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class Attribution:
    """The official acting and the case or application served: both sides log them with the message."""

    user_id: str
    issue: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """The identifying headers of one signed message, as the receiver reads them after verifying."""

    client_id: str
    message_id: str
    user_id: str
    issue: str
    timestamp: int


def new_message_id() -> str:
    return str(uuid.uuid4())


def canonical_form(*, method: str, path: str, body: bytes, envelope: Envelope) -> bytes:
    fields = (
        SCHEME,
        method.upper(),
        path,
        str(envelope.timestamp),
        envelope.message_id,
        envelope.client_id,
        envelope.user_id,
        envelope.issue,
        hashlib.sha256(body).hexdigest(),
    )
    return "\n".join(fields).encode()


def signature(key: SecretStr, *, method: str, path: str, body: bytes, envelope: Envelope) -> str:
    digest = hmac.new(
        key.get_secret_value().encode(),
        canonical_form(method=method, path=path, body=body, envelope=envelope),
        hashlib.sha256,
    )
    return f"{SCHEME}={digest.hexdigest()}"


def sign(
    key: SecretStr,
    *,
    method: str,
    path: str,
    body: bytes,
    client_id: str,
    attribution: Attribution,
    message_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that identify and sign one request; a new message id unless the caller brings one.

    The outbox brings its own message id, so every redelivery of one message carries the same id.
    """
    envelope = Envelope(
        client_id=client_id,
        message_id=message_id or new_message_id(),
        user_id=attribution.user_id,
        issue=attribution.issue,
        timestamp=int((now or clock.now()).timestamp()),
    )
    for name, value in _header_values(envelope).items():
        _require_header_safe(name, value)
    return {
        **_header_values(envelope),
        HEADER_SIGNATURE: signature(key, method=method, path=path, body=body, envelope=envelope),
    }


def verify(
    key: SecretStr,
    *,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    max_skew_seconds: float = DEFAULT_MAX_SKEW_SECONDS,
    now: datetime | None = None,
) -> Envelope:
    """The envelope of a message whose signature and timestamp hold; `SignatureRejected` otherwise.

    `path` is the path and query string as received (in Starlette: `raw_path` and `query_string`).
    """
    lowered = {name.lower(): value for name, value in headers.items()}

    def header(name: str) -> str:
        value = lowered.get(name.lower())
        if not value:
            raise SignatureRejected(f"missing {name}")
        return value

    try:
        timestamp = int(header(HEADER_TIMESTAMP))
    except ValueError:
        raise SignatureRejected(f"{HEADER_TIMESTAMP} is not Unix seconds") from None
    envelope = Envelope(
        client_id=header(HEADER_CLIENT),
        message_id=header(HEADER_MESSAGE_ID),
        user_id=header(HEADER_USER),
        issue=header(HEADER_ISSUE),
        timestamp=timestamp,
    )
    expected = signature(key, method=method, path=path, body=body, envelope=envelope)
    # Constant time, so the answer's timing tells an attacker nothing about how close a guess was.
    if not hmac.compare_digest(expected.encode(), header(HEADER_SIGNATURE).encode()):
        raise SignatureRejected("signature does not match the message")
    # Checked after the signature, so an unsigned caller learns nothing about our clock.
    skew = timestamp - (now or clock.now()).timestamp()
    if skew < -max_skew_seconds:
        raise SignatureRejected(f"timestamp is stale ({-skew:.0f} s old)")
    if skew > max_skew_seconds:
        raise SignatureRejected(f"timestamp is in the future ({skew:.0f} s ahead)")
    return envelope


def _header_values(envelope: Envelope) -> dict[str, str]:
    return {
        HEADER_CLIENT: envelope.client_id,
        HEADER_MESSAGE_ID: envelope.message_id,
        HEADER_USER: envelope.user_id,
        HEADER_ISSUE: envelope.issue,
        HEADER_TIMESTAMP: str(envelope.timestamp),
    }


def _require_header_safe(name: str, value: str) -> None:
    # HTTP header values are ASCII without control characters; refusing here gives a clear message
    # instead of a transport error, and keeps the canonical form one field per line.
    if not value or not value.isascii() or not value.isprintable():
        raise ValueError(f"{name} must be non-empty printable ASCII, got {value!r}")
