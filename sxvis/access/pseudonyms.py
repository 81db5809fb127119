"""Pseudonyms of protected persons: stable for one agency, different between agencies.

An agency not entitled to a protected person's identity (DESIGN, "Identity and access"; passport
09-03-00-00 step 5) sees them under a pseudonymous id and label. Two agencies comparing notes cannot
link their records: each agency's pseudonyms come from its own key, derived from one server secret.

The pseudonymous id is the person's UUID encrypted with AES under the agency's key: one 16-byte block,
so it needs no table, and only the same agency can turn it back into the person (`resolve`); any other
agency's resolution yields a random UUID that names nobody.
"""

import base64
import hashlib
import hmac
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sxvis import keyfiles

KEY_FILE = Path("keys") / "pseudonym.key"
PREFIX = "~"
"""How a pseudonymous id starts, so that it is never mistaken for a real one."""


class PseudonymousId(uuid.UUID):
    """A record's real id, reached through the pseudonymous id the caller's agency was shown.

    The services tell it from a plain `uuid.UUID` (an id given as it is): a record about a protected
    person whose identity the caller may not see is reachable only this way, so that by its real id it
    answers exactly as an id that names nothing (`sxvis.access.remit.reachable`).
    """

    __slots__ = ()

    @classmethod
    def of(cls, value: uuid.UUID) -> "PseudonymousId":
        return cls(int=value.int)


def via_pseudonym(record_id: uuid.UUID) -> bool:
    """Whether the caller reached this id through the pseudonymous id its agency was shown."""
    return isinstance(record_id, PseudonymousId)


class Pseudonyms:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the pseudonym secret must be at least 16 bytes")
        self._secret = secret
        self._keys: dict[str, bytes] = {}

    @classmethod
    def from_data_dir(cls, data_dir: Path, configured: str | None = None) -> "Pseudonyms":
        """The key from SXVIS_PSEUDONYM_KEY if given, else the data folder's key file (made if missing)."""
        secret = configured.strip() if configured else keyfiles.read_or_create(data_dir / KEY_FILE)
        return cls(secret.encode("utf-8"))

    def public_id(self, person_id: uuid.UUID, agency_code: str) -> str:
        encryptor = self._cipher(agency_code).encryptor()
        block = encryptor.update(person_id.bytes) + encryptor.finalize()
        return PREFIX + base64.b32encode(block).decode("ascii").rstrip("=").lower()

    def resolve(self, public_id: str, agency_code: str) -> uuid.UUID | None:
        """The person behind `public_id` for this agency; None if it is not a pseudonymous id at all."""
        if not public_id.startswith(PREFIX):
            return None
        body = public_id[len(PREFIX) :].upper()
        try:
            block = base64.b32decode(body + "=" * (-len(body) % 8))
        except ValueError:
            return None
        if len(block) != 16:
            return None
        decryptor = self._cipher(agency_code).decryptor()
        return uuid.UUID(bytes=decryptor.update(block) + decryptor.finalize())

    def label(self, person_id: uuid.UUID, agency_code: str) -> str:
        """A name to show instead of the person's: "Qorunan şəxs" (protected person) and a short code."""
        digest = hmac.new(self._key(agency_code), b"label:" + person_id.bytes, hashlib.sha256).digest()
        code = base64.b32encode(digest[:5]).decode("ascii")
        return f"Qorunan şəxs {code[:4]}-{code[4:8]}"

    def _key(self, agency_code: str) -> bytes:
        key = self._keys.get(agency_code)
        if key is None:
            key = hmac.new(self._secret, b"sxvis-pseudonym:" + agency_code.encode(), hashlib.sha256).digest()
            self._keys[agency_code] = key
        return key

    def _cipher(self, agency_code: str) -> Cipher[modes.ECB]:
        # ECB on exactly one block is a keyed permutation of UUIDs: deterministic on purpose (stable).
        return Cipher(algorithms.AES(self._key(agency_code)), modes.ECB())  # noqa: S305
