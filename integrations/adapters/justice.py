"""The Ministry of Justice's release notices (inbound): verifying a signed webhook and reading it.

The ministry signs each notice as SXVİS signs its own requests (`integrations.signing`: HMAC-SHA256 over
method, path, body, timestamp, message id and attribution) with the key configured for `justice`
(`SXVIS_MINISTRY__JUSTICE__HMAC_KEY`). `read` refuses a wrong signature, a missing header and a timestamp
further than `max_skew_seconds` from now (`SignatureRejected`), and a body that is not a notice
(`MalformedNotice`). Replays within the window pass here; the receiving service refuses a message id it
has already processed.

The body::

    {"fin": "5ABC123", "releasedOn": "2026-03-01", "institution": "Penitentiary institution No. 2"}
"""

from collections.abc import Mapping
from datetime import date

import pydantic

from integrations.errors import MalformedAnswer
from integrations.settings import MinistryEndpoint
from integrations.signing import Envelope, verify
from sxvis.inbound.release_notices import ReleaseNotice, Sender


class MalformedNotice(MalformedAnswer):
    """A correctly signed notice whose body is not a release notice."""


class _Body(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore", frozen=True)

    fin: str = pydantic.Field(min_length=1, max_length=32)
    released_on: date = pydantic.Field(alias="releasedOn")
    institution: str | None = pydantic.Field(default=None, max_length=500)


class JusticeNotices:
    """Reads release notices signed with the Ministry of Justice's key."""

    name = "justice"

    def __init__(self, endpoint: MinistryEndpoint, *, max_skew_seconds: float) -> None:
        self._key = endpoint.hmac_key
        self._max_skew = max_skew_seconds

    def read(
        self, *, method: str, path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[Sender, ReleaseNotice]:
        envelope = verify(
            self._key, method=method, path=path, body=body, headers=headers, max_skew_seconds=self._max_skew
        )
        try:
            parsed = _Body.model_validate_json(body)
        except pydantic.ValidationError as exc:
            raise MalformedNotice(f"release notice {envelope.message_id} is malformed: {exc}") from exc
        return _sender(envelope), ReleaseNotice(
            fin=parsed.fin, released_on=parsed.released_on, institution=parsed.institution
        )


def _sender(envelope: Envelope) -> Sender:
    return Sender(
        message_id=envelope.message_id,
        client_id=envelope.client_id,
        user_id=envelope.user_id,
        issue=envelope.issue,
    )
