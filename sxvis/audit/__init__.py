"""The access log: who accessed whose data, when, why, and how it ended (DESIGN, "Access log").

- `record` writes an event in the caller's transaction; `record_read` writes the one event of a read of
  rows about persons (cases, referrals, applications, enrollments); `read_logged` reads persons and logs
  them in one statement; `logged_read_sql` and `read_event_args` are that statement and its event's
  arguments, for a read run in one call (`sxvis.database.routines`).
- `seal_pending` chains the events with SHA-256, in id order, off the request path; `verify` recomputes
  the chain and names the first event where it breaks; `head` signs the chain head for auditors to keep.

The tables are insert-only, enforced by a trigger (migration 0002).
"""

from sxvis.audit.chain import (
    GENESIS,
    HASHED_COLUMNS,
    KnownHead,
    Problem,
    VerifyResult,
    canonical,
    link,
    seal_pending,
    settled_horizon,
    verify,
)
from sxvis.audit.heads import InvalidHead, SignedHead, check, head, load_key, sign
from sxvis.audit.models import AccessEvent, AccessEventSeal, Outcome
from sxvis.audit.service import (
    AboutPerson,
    logged_read_sql,
    read_about_logged,
    read_event_args,
    read_logged,
    record,
    record_read,
)

__all__ = [
    "GENESIS",
    "HASHED_COLUMNS",
    "AboutPerson",
    "AccessEvent",
    "AccessEventSeal",
    "InvalidHead",
    "KnownHead",
    "Outcome",
    "Problem",
    "SignedHead",
    "VerifyResult",
    "canonical",
    "check",
    "head",
    "link",
    "load_key",
    "logged_read_sql",
    "read_about_logged",
    "read_event_args",
    "read_logged",
    "record",
    "record_read",
    "seal_pending",
    "settled_horizon",
    "sign",
    "verify",
]
