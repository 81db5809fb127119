"""X-Road headers and the HMAC signature: what the sender adds, and what the receiver refuses."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from integrations.errors import SignatureRejected
from integrations.signing import (
    HEADER_CLIENT,
    HEADER_ISSUE,
    HEADER_MESSAGE_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_USER,
    Attribution,
    sign,
    verify,
)

KEY = SecretStr("shared-with-tseras")
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
PATH = "/api/v1/disability?fin=5ABC123"
BODY = b'{"fin": "5ABC123"}'
OFFICIAL = Attribution(user_id="AZ/SXA/worker-17", issue="APP-2025-000042")


def signed_headers(
    *,
    attribution: Attribution = OFFICIAL,
    message_id: str | None = "7f1c0c1e-0000-4000-8000-000000000001",
    now: datetime = NOW,
) -> dict[str, str]:
    return sign(
        KEY,
        method="POST",
        path=PATH,
        body=BODY,
        client_id="AZ/GOV/SXVIS",
        attribution=attribution,
        message_id=message_id,
        now=now,
    )


def test_every_request_names_client_message_official_and_case() -> None:
    headers = signed_headers()
    assert headers[HEADER_CLIENT] == "AZ/GOV/SXVIS"
    assert headers[HEADER_MESSAGE_ID] == "7f1c0c1e-0000-4000-8000-000000000001"
    assert headers[HEADER_USER] == "AZ/SXA/worker-17"
    assert headers[HEADER_ISSUE] == "APP-2025-000042"
    assert headers[HEADER_TIMESTAMP] == str(int(NOW.timestamp()))
    assert headers[HEADER_SIGNATURE].startswith("v1=")


def test_a_new_message_id_unless_one_is_given() -> None:
    first = signed_headers(message_id=None)[HEADER_MESSAGE_ID]
    second = signed_headers(message_id=None)[HEADER_MESSAGE_ID]
    assert first != second


def test_receiver_accepts_an_intact_message_and_reads_its_envelope() -> None:
    envelope = verify(KEY, method="POST", path=PATH, body=BODY, headers=signed_headers(), now=NOW)
    assert envelope.message_id == "7f1c0c1e-0000-4000-8000-000000000001"
    assert envelope.user_id == OFFICIAL.user_id
    assert envelope.issue == OFFICIAL.issue


def test_header_names_are_matched_without_regard_to_case() -> None:
    lowered = {name.lower(): value for name, value in signed_headers().items()}
    verify(KEY, method="POST", path=PATH, body=BODY, headers=lowered, now=NOW)


def test_tampered_body_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(KEY, method="POST", path=PATH, body=b'{"fin": "6XYZ999"}', headers=signed_headers(), now=NOW)


def test_tampered_path_or_query_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(
            KEY,
            method="POST",
            path="/api/v1/disability?fin=6XYZ999",
            body=BODY,
            headers=signed_headers(),
            now=NOW,
        )


def test_changed_method_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(KEY, method="PUT", path=PATH, body=BODY, headers=signed_headers(), now=NOW)


@pytest.mark.parametrize(
    ("header", "forged"),
    [
        (HEADER_MESSAGE_ID, "7f1c0c1e-0000-4000-8000-000000000002"),
        (HEADER_TIMESTAMP, str(int(NOW.timestamp()) + 1)),
        (HEADER_USER, "AZ/SXA/someone-else"),
        (HEADER_ISSUE, "APP-2025-000043"),
        (HEADER_CLIENT, "AZ/GOV/OTHER"),
    ],
)
def test_tampered_identifying_header_is_refused(header: str, forged: str) -> None:
    headers = signed_headers() | {header: forged}
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW)


def test_signature_under_another_key_is_refused() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(
            SecretStr("not-the-key"), method="POST", path=PATH, body=BODY, headers=signed_headers(), now=NOW
        )


def test_stale_timestamp_is_refused() -> None:
    headers = signed_headers(now=NOW - timedelta(minutes=6))
    with pytest.raises(SignatureRejected, match="stale"):
        verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW, max_skew_seconds=300)


def test_timestamp_from_the_future_is_refused() -> None:
    headers = signed_headers(now=NOW + timedelta(minutes=6))
    with pytest.raises(SignatureRejected, match="future"):
        verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW, max_skew_seconds=300)


def test_clock_skew_within_the_allowance_is_accepted() -> None:
    headers = signed_headers(now=NOW - timedelta(minutes=4))
    verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW, max_skew_seconds=300)


def test_missing_signature_is_refused() -> None:
    headers = signed_headers()
    del headers[HEADER_SIGNATURE]
    with pytest.raises(SignatureRejected, match=f"missing {HEADER_SIGNATURE}"):
        verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW)


def test_unreadable_timestamp_is_refused() -> None:
    headers = signed_headers() | {HEADER_TIMESTAMP: "yesterday"}
    with pytest.raises(SignatureRejected, match="Unix seconds"):
        verify(KEY, method="POST", path=PATH, body=BODY, headers=headers, now=NOW)


def test_attribution_that_cannot_travel_in_a_header_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="X-Road-UserId"):
        signed_headers(attribution=Attribution(user_id="Məmmədov\n", issue="APP-1"))
