"""The exceptions of SXVİS, one tree for every front (GraphQL today, others later).

SxvisError
├── DomainError (code, field, message)   expected failures a user can correct; a mutation returns them
│   ├── ValidationFailed                 bad input: an invalid FIN, a date in the future …
│   ├── NotFound                         an id or code that names nothing
│   ├── Duplicate                        a unique value already taken
│   ├── InvalidTransition                a state change the current state does not allow
│   └── Conflict                         a concurrent change of the same object won
├── AccessDenied                         a denial; always a top-level FORBIDDEN error, never a payload
├── ConfigurationError                   the operator's settings cannot work
├── DataDirInUse                         another SXVİS owns the embedded database folder
├── EmbeddedPostgresFailed               the embedded PostgreSQL did not start (sxvis.database.embedded)
└── IntegrationError
    └── MinistryUnavailable
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes shared by every domain. Domains add their own enums; the schema exposes the union."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"


class SxvisError(Exception):
    """Root of every error SXVİS raises on purpose."""


class DomainError(SxvisError):
    """An expected failure that names the input field at fault and a stable code."""

    code: StrEnum = ErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: StrEnum | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    """The input breaks a rule of the registry."""

    code = ErrorCode.INVALID


class NotFound(DomainError):
    """An id or code that names nothing the caller may see."""

    code = ErrorCode.NOT_FOUND


class Duplicate(DomainError):
    """A value that must be unique is already taken."""

    code = ErrorCode.DUPLICATE


class InvalidTransition(DomainError):
    """A change the current state of the object does not allow."""

    code = ErrorCode.INVALID_TRANSITION


class Conflict(DomainError):
    """Someone else is changing the same object right now; try again."""

    code = ErrorCode.CONFLICT


class AccessDenied(SxvisError):
    """The actor may not do this; shown as a top-level FORBIDDEN error, and logged as a denial."""

    def __init__(self, message: str, *, action: str | None = None, person_id: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.person_id = person_id


class ConfigurationError(SxvisError):
    """The settings given cannot work; the message says which and how to fix it."""


class DataDirInUse(SxvisError):
    """Another running SXVİS holds the embedded database folder."""


class IntegrationError(SxvisError):
    """A ministry system answered badly or not at all."""


class MinistryUnavailable(IntegrationError):
    """A ministry system cannot be reached now; the call may be retried later."""
