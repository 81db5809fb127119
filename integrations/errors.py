"""What can go wrong talking to a ministry, below `sxvis.errors.IntegrationError`.

IntegrationError
├── MinistryUnavailable            no usable answer now; worth asking again later (a check goes PENDING)
│   ├── CircuitOpen                the breaker refused the call without sending it
│   ├── MinistryTimedOut           no answer within the read timeout or the caller's budget
│   ├── MinistryUnreachable        no connection (refused, reset, DNS)
│   └── MinistryFailed             the ministry answered 5xx or 429
├── MinistryRejected               the ministry answered 4xx: our request is wrong; asking again won't help
│   └── NotKnownToMinistry         404: the ministry has no such record
├── MalformedAnswer                a 2xx answer we cannot read
└── SignatureRejected              an inbound message whose signature or timestamp does not hold
"""

from sxvis.errors import IntegrationError, MinistryUnavailable


class CircuitOpen(MinistryUnavailable):
    """The ministry failed repeatedly; the call fails fast until the breaker lets a probe through."""

    def __init__(self, ministry: str, *, retry_in_seconds: float) -> None:
        super().__init__(f"{ministry} is failing; calls are suspended for another {retry_in_seconds:.1f} s")
        self.ministry = ministry
        self.retry_in_seconds = retry_in_seconds


class MinistryTimedOut(MinistryUnavailable):
    """The ministry did not answer in time."""


class MinistryUnreachable(MinistryUnavailable):
    """No connection to the ministry could be made or kept."""


class MinistryFailed(MinistryUnavailable):
    """The ministry answered with a server error or asked us to slow down (429)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MinistryRejected(IntegrationError):
    """The ministry refused the request as wrong (4xx); the message carries its own words."""

    def __init__(self, message: str, *, status_code: int, detail: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail


class NotKnownToMinistry(MinistryRejected):
    """The ministry has no record of what was asked (404): an answer, not an outage."""


class MalformedAnswer(IntegrationError):
    """The ministry answered 2xx with a body that does not have the expected shape."""


class SignatureRejected(IntegrationError):
    """An incoming signed message failed verification; `reason` says which check."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"signature rejected: {reason}")
        self.reason = reason
