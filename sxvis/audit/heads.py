"""The signed chain head: one line an auditor keeps outside the database.

The chain proves that nothing *before* the head changed; it cannot prove that the head itself is the
one that existed yesterday, because whoever can rewrite the database (a superuser) can rewrite the
whole chain after an alteration. The head line, taken regularly and kept elsewhere (a ticket, a
notebook, another system), closes that gap: `sxvis audit verify --head LINE` checks that today's chain
still passes through it.

The line is signed with HMAC-SHA256, so a line that was typed or edited by hand is refused. The key
comes from `SXVIS_AUDIT_KEY` when set, otherwise from `<data_dir>/keys/audit-head.key`, generated once
(32 random bytes, hex, mode 0600). The key is the text's UTF-8 bytes in both cases, so the file's
content can be moved into `SXVIS_AUDIT_KEY` unchanged.

    sxvis-audit-head v1 event=1234 hash=9f…e1 at=2026-11-24T21:30:00.000000Z hmac=5a…0c
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sxvis import keyfiles
from sxvis.audit._pg import in_transaction
from sxvis.audit.chain import KnownHead, chain_head
from sxvis.database.engine import Database
from sxvis.errors import SxvisError

KEY_FILE = Path("keys") / "audit-head.key"
_PREFIX = "sxvis-audit-head v1"
_LINE = re.compile(
    r"^sxvis-audit-head v1 event=(?P<event>\d+) hash=(?P<hash>[0-9a-f]{64})"
    r" at=(?P<at>\S+) hmac=(?P<hmac>[0-9a-f]{64})$"
)


class InvalidHead(SxvisError):
    """A head line that is malformed, or whose signature does not match under this key."""


@dataclass(frozen=True, slots=True)
class SignedHead:
    """A head line, parsed and its signature checked."""

    event_id: int
    hash: bytes
    taken_at: str

    @property
    def known(self) -> KnownHead:
        return KnownHead(event_id=self.event_id, hash=self.hash)


def load_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The signing key: `configured` (from SXVIS_AUDIT_KEY) if given, else the data folder's key file.

    The file is created on first use with O_EXCL and mode 0600 (in a 0700 folder), so two processes
    starting at once cannot end up with different keys, and no other local user can read it.
    """
    if configured:
        return configured.strip().encode("utf-8")
    try:
        return keyfiles.read_or_create(data_dir / KEY_FILE).encode("utf-8")
    except ValueError as err:
        raise InvalidHead(str(err)) from None


def sign(event_id: int, digest: bytes, taken_at: datetime, key: bytes) -> str:
    """The head line for this chain head."""
    stamp = taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = f"{_PREFIX} event={event_id} hash={digest.hex()} at={stamp}"
    return f"{body} hmac={_mac(body, key)}"


def check(line: str, key: bytes) -> SignedHead:
    """Parse a head line and check its signature; raises `InvalidHead` if either fails."""
    match = _LINE.match(line.strip())
    if match is None:
        raise InvalidHead("not a head line (expected `sxvis-audit-head v1 event=… hash=… at=… hmac=…`)")
    body = line.strip().rsplit(" hmac=", 1)[0]
    if not hmac.compare_digest(_mac(body, key), match["hmac"]):
        raise InvalidHead("the head line's signature does not match: edited, or signed with another key")
    return SignedHead(event_id=int(match["event"]), hash=bytes.fromhex(match["hash"]), taken_at=match["at"])


async def head(db: Database, key: bytes) -> str:
    """The current chain head (last sealed event id and its hash), signed: one line to keep."""
    async with in_transaction(db, "SELECT 1", readonly=True) as pg:
        event_id, digest = await chain_head(pg)
        now: datetime = await pg.fetchval("SELECT now()")
    return sign(event_id, digest, now, key)


def _mac(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()
