"""Authentication: from `Authorization: Bearer <JWT>` to a verified `Principal`, or a clear refusal.

Agencies share the registry only if every request is tied to a person, an agency and roles they can
trust, so verification is strict and fails closed:

- Algorithms are pinned per key: EdDSA for the development key; RS256, ES256 or EdDSA for production keys,
  the one the key's type implies (never the one the token asks for), so "none", HS* and key-confusion
  tricks are refused before any key is looked up.
- `iss`, `aud`, `exp`, `sub`, `agency` and `roles` are required; `nbf` and `iat` are honoured; clock skew
  is tolerated up to `SXVIS_JWT_LEEWAY_SECONDS`. Roles must be known (`authz.roles.Role`); the agency
  must be one in the catalogue, which the gate checks (`sxvis.web.gate`, `unknown_agency`), since only
  the database knows the catalogue.
- Development mode signs and verifies with an Ed25519 key it creates in the data folder on first use
  (`sxvis token issue` prints tokens for it). Production verifies with `SXVIS_JWT_PUBLIC_KEY` or
  `SXVIS_JWKS_URL` only: it never reads the development key, refuses to run with the development issuer,
  and refuses any token whose header names the development key id.

Errors (the message is for the caller; it never contains the token):

SxvisError
├── AuthenticationFailed (reason)   no token, or one that does not verify: HTTP 401
└── SigningKeysUnavailable          the identity provider's JWKS cannot be fetched now: HTTP 503
"""

import contextlib
import ipaddress
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import anyio.to_thread
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms
from jwt.exceptions import InvalidJTIError, InvalidSubjectError

from authz.auth_settings import DEV_ISSUER, DEV_KEY_ID, AuthSettings
from authz.principal import Principal
from authz.roles import UnknownRole, parse_role, parse_roles
from sxvis.catalogue.agencies import AGENCIES
from sxvis.config import Settings
from sxvis.errors import ConfigurationError, SxvisError, ValidationFailed

DEV_ALGORITHM = "EdDSA"
PRODUCTION_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub", "agency", "roles"]
MAX_TOKEN_LENGTH = 8192  # far above any real token; refuses junk before it is parsed
MIN_RSA_BITS = 2048
JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5.0
# After a token names an unknown key id, the JWKS is fetched again at most this often, so a stream of
# made-up key ids cannot turn into a stream of requests to the identity provider.
JWKS_REFRESH_COOLDOWN_SECONDS = 30.0

# RFC 6750 b64token: what may follow "Bearer ".
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_LOOPBACK_NAMES = frozenset({"localhost"})

NO_BEARER_MESSAGE = "No bearer token: send Authorization: Bearer <token>"


class AuthFailure(StrEnum):
    """Why a request was not authenticated; stable for clients and the access log."""

    NO_CREDENTIALS = "no_credentials"
    MALFORMED = "malformed"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    BAD_SIGNATURE = "bad_signature"
    ALGORITHM_REFUSED = "algorithm_refused"
    UNKNOWN_KEY = "unknown_key"
    DEVELOPMENT_KEY = "development_key"
    BAD_CLAIMS = "bad_claims"
    UNKNOWN_ROLE = "unknown_role"
    UNKNOWN_AGENCY = "unknown_agency"


class AuthenticationFailed(SxvisError):
    """The request has no bearer token, or one that does not verify; answer HTTP 401."""

    def __init__(self, message: str, *, reason: AuthFailure) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    @property
    def www_authenticate(self) -> str:
        """The `WWW-Authenticate` header of the 401 answer (RFC 6750 §3)."""
        if self.reason is AuthFailure.NO_CREDENTIALS:
            return 'Bearer realm="sxvis"'  # no error attribute when no credentials were sent (§3.1)
        return (
            f'Bearer realm="sxvis", error="invalid_token", error_description="{_header_safe(self.message)}"'
        )


class SigningKeysUnavailable(SxvisError):
    """The identity provider's keys cannot be fetched now; answer HTTP 503, the client may retry."""


def bearer_token(header_value: str | None) -> str:
    """The token of an `Authorization` header value; `AuthenticationFailed` if there is none."""
    if header_value is None or not header_value.strip():
        raise AuthenticationFailed(NO_BEARER_MESSAGE, reason=AuthFailure.NO_CREDENTIALS)
    scheme, _, rest = header_value.strip().partition(" ")
    if scheme.lower() != "bearer":  # auth schemes are case-insensitive (RFC 9110 §11.1)
        raise AuthenticationFailed(
            "The Authorization header must use the Bearer scheme: Authorization: Bearer <token>",
            reason=AuthFailure.NO_CREDENTIALS,
        )
    token = rest.strip()
    if not token:
        raise AuthenticationFailed(
            "The Authorization header has no token after Bearer: send Authorization: Bearer <token>",
            reason=AuthFailure.NO_CREDENTIALS,
        )
    if len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed("The bearer token is too long to be a JWT", reason=AuthFailure.MALFORMED)
    if not _B64TOKEN.fullmatch(token):
        raise AuthenticationFailed(
            "The bearer token contains characters a JWT cannot have (one token, no spaces)",
            reason=AuthFailure.MALFORMED,
        )
    return token


# --- keys ---------------------------------------------------------------------------------------


class KeySource(Protocol):
    """Where the verifier finds the key for a token (given its unverified header)."""

    @property
    def algorithms(self) -> frozenset[str]: ...

    def key_for(self, header: Mapping[str, Any]) -> jwt.PyJWK: ...

    async def key_for_async(self, header: Mapping[str, Any]) -> jwt.PyJWK: ...


@dataclass(frozen=True)
class FixedKey:
    """One public key: the development key, or `SXVIS_JWT_PUBLIC_KEY`; the key id is not consulted."""

    jwk: jwt.PyJWK

    @property
    def algorithms(self) -> frozenset[str]:
        return frozenset({self.jwk.algorithm_name})

    def key_for(self, header: Mapping[str, Any]) -> jwt.PyJWK:
        return self.jwk

    async def key_for_async(self, header: Mapping[str, Any]) -> jwt.PyJWK:
        return self.jwk


class JwksKeys:
    """The identity provider's JWKS, fetched over HTTP and cached (`jwt.PyJWKClient`).

    The key set is cached for five minutes, not each key forever, so a key the provider withdraws stops
    verifying within that time. `key_for_async` serves cached keys at once and fetches in a worker
    thread, so a fetch never blocks the event loop.
    """

    algorithms = PRODUCTION_ALGORITHMS

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = JWKS_CACHE_SECONDS,
        timeout: float = JWKS_TIMEOUT_SECONDS,
        refresh_cooldown: float = JWKS_REFRESH_COOLDOWN_SECONDS,
    ) -> None:
        _check_jwks_url(url)
        self.url = url
        self._client = jwt.PyJWKClient(
            url,
            cache_jwk_set=True,
            lifespan=cache_seconds,
            cache_keys=False,  # its per-key cache never expires: a withdrawn key would verify forever
            timeout=timeout,
            cooldown_duration=refresh_cooldown,
        )

    def key_for(self, header: Mapping[str, Any]) -> jwt.PyJWK:
        kid = _key_id(header)
        try:
            jwk = self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as err:
            raise SigningKeysUnavailable(
                "The identity provider's signing keys cannot be fetched now; try again shortly"
            ) from err
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as err:
            if self._serves_usable_keys():
                raise AuthenticationFailed(
                    "The token's signing key (kid) is not one the identity provider publishes",
                    reason=AuthFailure.UNKNOWN_KEY,
                ) from err
            raise SigningKeysUnavailable(
                "The identity provider's key set has no usable signing keys; try again shortly"
            ) from err
        return _allowed(jwk)

    async def key_for_async(self, header: Mapping[str, Any]) -> jwt.PyJWK:
        cached = self._cached(_key_id(header))
        if cached is not None:
            return _allowed(cached)
        return await anyio.to_thread.run_sync(self.key_for, header)

    def _cached(self, kid: str) -> jwt.PyJWK | None:
        cache = self._client.jwk_set_cache
        jwk_set = cache.get() if cache is not None else None
        if jwk_set is None:
            return None
        for jwk in jwk_set.keys:
            if jwk.key_id == kid and jwk.public_key_use in ("sig", None):
                return jwk
        return None

    def _serves_usable_keys(self) -> bool:
        try:
            return bool(self._client.get_signing_keys())
        except jwt.PyJWTError:
            return False


def _key_id(header: Mapping[str, Any]) -> str:
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise AuthenticationFailed(
            "The token's header names no signing key (kid), which the identity provider's keys require",
            reason=AuthFailure.UNKNOWN_KEY,
        )
    return kid


def _allowed(jwk: jwt.PyJWK) -> jwt.PyJWK:
    if jwk.algorithm_name not in PRODUCTION_ALGORITHMS:
        raise AuthenticationFailed(
            f"The token's signing key uses an algorithm SXVİS does not accept "
            f"(accepted: {', '.join(sorted(PRODUCTION_ALGORITHMS))})",
            reason=AuthFailure.ALGORITHM_REFUSED,
        )
    return jwk


def _check_jwks_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise ConfigurationError(
        "SXVIS_JWKS_URL must be an https URL (plain http only on loopback): whoever can alter the key "
        "set in transit could sign tokens"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_key_jwk(pem: str) -> jwt.PyJWK:
    """`SXVIS_JWT_PUBLIC_KEY` as a key bound to the one algorithm its type allows."""
    # Environment variables often carry PEM with escaped newlines.
    data = pem.replace("\\n", "\n").strip().encode()
    if b"PRIVATE KEY" in data:
        raise ConfigurationError(
            "SXVIS_JWT_PUBLIC_KEY holds a private key: give SXVİS only the public half (BEGIN PUBLIC KEY)"
        )
    try:
        if b"BEGIN CERTIFICATE" in data:
            key: object = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as err:
        raise ConfigurationError(
            "SXVIS_JWT_PUBLIC_KEY is not a PEM public key or certificate (-----BEGIN PUBLIC KEY-----)"
        ) from err
    if isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = "EdDSA"
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ConfigurationError(
                f"SXVIS_JWT_PUBLIC_KEY is a {key.key_size}-bit RSA key; "
                f"at least {MIN_RSA_BITS} bits are needed"
            )
        algorithm = "RS256"
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = "ES256"
    else:
        raise ConfigurationError(
            "SXVIS_JWT_PUBLIC_KEY must be an RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA) public key"
        )
    return _jwk_of(key, algorithm)


def _jwk_of(public_key: object, algorithm: str) -> jwt.PyJWK:
    return jwt.PyJWK(get_default_algorithms()[algorithm].to_jwk(public_key, as_dict=True), algorithm)


# --- the development key ------------------------------------------------------------------------


def load_or_create_dev_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """The development signing key at `path`, created on first use (0600, in a 0700 folder).

    Creation is atomic and race-free: the key is written to a private temporary file and hard-linked
    into place, which fails if another process got there first; then everyone reads the one that won.
    """
    if not path.exists():
        _create_dev_key(path)
    return _read_dev_key(path)


def _create_dev_key(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_dev_key(path: Path) -> ed25519.Ed25519PrivateKey:
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise ConfigurationError(
            f"The development signing key {path} is readable by other users; run `chmod 600 {path}` "
            "(or delete it to have a new one made)"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as err:
        raise ConfigurationError(
            f"{path} is not an unencrypted PEM private key; delete it to have a new one made"
        ) from err
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 key; delete it to have a new one made")
    return key


def _dev_issuer(settings: AuthSettings) -> str:
    """The issuer of development tokens, refusing settings where they cannot be used."""
    if settings.is_production:
        raise ConfigurationError(
            "Development tokens do not exist in production mode: production trusts only the identity "
            "provider's keys (SXVIS_JWT_PUBLIC_KEY or SXVIS_JWKS_URL); get a token from it"
        )
    if settings.jwt_public_key is not None or settings.jwks_url is not None:
        raise ConfigurationError(
            "SXVIS_JWT_PUBLIC_KEY and SXVIS_JWKS_URL are production settings: set SXVIS_MODE=production "
            "to verify with them, or unset them to use the development key"
        )
    issuer = settings.issuer
    if issuer is None:  # unreachable: development always has an issuer
        raise ConfigurationError("Set SXVIS_JWT_ISSUER")
    return issuer


# --- the verifier -------------------------------------------------------------------------------


VERIFIED_CACHE_SIZE = 10_000
VERIFIED_CACHE_TIME = timedelta(minutes=5)


class TokenVerifier:
    """Turns a bearer token into a `Principal`; one per process, built from settings.

    `verify` is synchronous (a signature check takes microseconds); use `authenticate`, or
    `verify_async`, on the event loop, so that a JWKS fetch runs in a worker thread.
    """

    def __init__(
        self,
        *,
        keys: KeySource,
        issuer: str,
        audience: str,
        leeway: timedelta = timedelta(seconds=60),
        refuse_development_tokens: bool = True,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.refuse_development_tokens = refuse_development_tokens
        # token → (principal, trusted until): a client sends the same token on every request, and a
        # signature check costs more than the rest of a FIN lookup's authentication. A verified token is
        # trusted again until it expires, and for VERIFIED_CACHE_SECONDS at most, so that a key the
        # identity provider withdraws stops being trusted within minutes.
        self._verified: dict[str, tuple[Principal, datetime]] = {}

    @classmethod
    def from_settings(cls, settings: AuthSettings | Settings) -> "TokenVerifier":
        auth = settings if isinstance(settings, AuthSettings) else AuthSettings.from_settings(settings)
        leeway = timedelta(seconds=auth.jwt_leeway_seconds)
        if not auth.is_production:
            issuer = _dev_issuer(auth)  # refuses before any key is created
            dev_key = load_or_create_dev_key(auth.dev_key_path)
            return cls(
                keys=FixedKey(_jwk_of(dev_key.public_key(), DEV_ALGORITHM)),
                issuer=issuer,
                audience=auth.jwt_audience,
                leeway=leeway,
                refuse_development_tokens=False,
            )
        return cls(
            keys=_production_keys(auth),
            issuer=_production_issuer(auth),
            audience=auth.jwt_audience,
            leeway=leeway,
            refuse_development_tokens=True,
        )

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an `Authorization` header value."""
        return await self.verify_async(bearer_token(authorization))

    def verify(self, token: str) -> Principal:
        header = self._header(token)
        return self._decode(token, self.keys.key_for(header))

    async def verify_async(self, token: str) -> Principal:
        now = datetime.now(UTC)
        cached = self._verified.get(token)
        if cached is not None and now < cached[1]:
            return cached[0]
        header = self._header(token)
        principal = self._decode(token, await self.keys.key_for_async(header))
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, min(principal.expires_at, now + VERIFIED_CACHE_TIME))
        return principal

    def _header(self, token: str) -> Mapping[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed(
                "The bearer token is too long to be a JWT", reason=AuthFailure.MALFORMED
            )
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise AuthenticationFailed(
                "The bearer token is not a well-formed JWT", reason=AuthFailure.MALFORMED
            ) from err
        if header.get("alg") not in self.keys.algorithms:
            raise AuthenticationFailed(
                "The token is signed with an algorithm SXVİS does not accept "
                f"(accepted: {', '.join(sorted(self.keys.algorithms))})",
                reason=AuthFailure.ALGORITHM_REFUSED,
            )
        if self.refuse_development_tokens and header.get("kid") == DEV_KEY_ID:
            raise AuthenticationFailed(
                "The token was made with the development key (sxvis token issue), which production never "
                "accepts; get a token from the identity provider",
                reason=AuthFailure.DEVELOPMENT_KEY,
            )
        return header

    def _decode(self, token: str, key: jwt.PyJWK) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
            )
        except jwt.PyJWTError as err:
            raise _failure(err) from None  # PyJWT's messages are for developers, ours for callers
        return _principal(claims)


def _production_issuer(settings: AuthSettings) -> str:
    issuer = settings.issuer
    if issuer is None:
        raise ConfigurationError(
            "Production needs SXVIS_JWT_ISSUER: the `iss` your identity provider puts in its tokens"
        )
    if issuer == DEV_ISSUER:
        raise ConfigurationError(
            f"SXVIS_JWT_ISSUER={DEV_ISSUER} is the development issuer, which production never trusts; "
            "set your identity provider's issuer"
        )
    return issuer


def _production_keys(settings: AuthSettings) -> KeySource:
    public_key, jwks_url = settings.jwt_public_key, settings.jwks_url
    if public_key is not None and jwks_url is not None:
        raise ConfigurationError("Set SXVIS_JWT_PUBLIC_KEY or SXVIS_JWKS_URL, not both")
    if public_key is not None:
        return FixedKey(public_key_jwk(public_key.get_secret_value()))
    if jwks_url is not None:
        return JwksKeys(jwks_url)
    raise ConfigurationError(
        "Production needs SXVIS_JWT_PUBLIC_KEY (the identity provider's PEM public key) or SXVIS_JWKS_URL "
        "to verify tokens; the development key is never used in production"
    )


def _failure(err: jwt.PyJWTError) -> AuthenticationFailed:
    # Order matters: the specific errors subclass the general ones.
    if isinstance(err, jwt.ExpiredSignatureError):
        return AuthenticationFailed("The token has expired", reason=AuthFailure.EXPIRED)
    if isinstance(err, jwt.ImmatureSignatureError):
        return AuthenticationFailed("The token is not valid yet", reason=AuthFailure.NOT_YET_VALID)
    if isinstance(err, jwt.InvalidAudienceError):
        return AuthenticationFailed("The token is not for this audience", reason=AuthFailure.WRONG_AUDIENCE)
    if isinstance(err, jwt.InvalidIssuerError):
        return AuthenticationFailed(
            "The token's issuer is not the one SXVİS trusts", reason=AuthFailure.WRONG_ISSUER
        )
    if isinstance(err, jwt.MissingRequiredClaimError):
        return AuthenticationFailed(f"The token lacks the '{err.claim}' claim", reason=AuthFailure.BAD_CLAIMS)
    if isinstance(err, jwt.InvalidSignatureError):
        return AuthenticationFailed("The token's signature does not verify", reason=AuthFailure.BAD_SIGNATURE)
    if isinstance(err, jwt.InvalidAlgorithmError):
        return AuthenticationFailed(
            "The token's algorithm does not match its signing key", reason=AuthFailure.ALGORITHM_REFUSED
        )
    if isinstance(err, jwt.InvalidKeyError):
        return AuthenticationFailed("The token's signing key is too weak", reason=AuthFailure.UNKNOWN_KEY)
    if isinstance(err, jwt.InvalidIssuedAtError | InvalidSubjectError | InvalidJTIError):
        return AuthenticationFailed(
            "The token's iat, sub or jti claim has the wrong type", reason=AuthFailure.BAD_CLAIMS
        )
    return AuthenticationFailed("The bearer token is not a valid JWT", reason=AuthFailure.MALFORMED)


def _principal(claims: Mapping[str, Any]) -> Principal:
    user_id = _text_claim(claims, "sub", max_length=256, spaces=False)
    agency_code = _text_claim(claims, "agency", max_length=64, spaces=False)
    roles = claims["roles"]
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthenticationFailed(
            "The token's 'roles' claim must be a list of role names", reason=AuthFailure.BAD_CLAIMS
        )
    if not roles:
        raise AuthenticationFailed(
            "The token names no role: its 'roles' claim is empty", reason=AuthFailure.BAD_CLAIMS
        )
    try:
        known = parse_roles(roles)
    except UnknownRole as err:
        raise AuthenticationFailed(
            f"The token names an unknown role: {_shown(err.name)}", reason=AuthFailure.UNKNOWN_ROLE
        ) from None
    # Machine clients' tokens often carry no display name; the user id stands in for it.
    name = user_id if claims.get("name") is None else _text_claim(claims, "name", max_length=256, spaces=True)
    try:
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (OverflowError, ValueError, OSError):
        raise AuthenticationFailed(
            "The token's 'exp' claim is not a usable time", reason=AuthFailure.BAD_CLAIMS
        ) from None
    return Principal(
        user_id=user_id,
        agency_code=agency_code,
        roles=frozenset(str(role) for role in known),  # plain strings, as `Actor` holds them
        name=name,
        token_id=claims.get("jti"),
        expires_at=expires_at,
    )


def _text_claim(claims: Mapping[str, Any], claim: str, *, max_length: int, spaces: bool) -> str:
    value = claims.get(claim)
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > max_length
        or not value.isprintable()
        or (not spaces and any(ch.isspace() for ch in value))
    ):
        kind = "a name" if spaces else "an identifier without spaces"
        raise AuthenticationFailed(
            f"The token's '{claim}' claim must be {kind} of at most {max_length} characters",
            reason=AuthFailure.BAD_CLAIMS,
        )
    return value


def _shown(value: str) -> str:
    """A value from a token, safe to put in a message: printable and short."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in value)
    return cleaned if len(cleaned) <= 40 else f"{cleaned[:40]}…"


def _header_safe(message: str) -> str:
    # error_description allows printable ASCII but `"` and `\` (RFC 6750 §3).
    ascii_text = message.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace('"', "'").replace("\\", "/")


# --- issuing development tokens -----------------------------------------------------------------


SEED_AGENCY_CODES = frozenset(agency.code for agency in AGENCIES)


def issue_dev_token(
    settings: AuthSettings | Settings,
    *,
    user: str,
    agency: str,
    roles: Iterable[str],
    name: str | None = None,
    ttl: timedelta = timedelta(hours=8),
) -> str:
    """A token signed by the development key, valid for `ttl`; refused in production mode.

    The agency must be one of the catalogue's seed (`sxvis.catalogue.agencies`), which is every agency a
    development database has: a token for any other would be refused by every request (`unknown_agency`).
    """
    auth = settings if isinstance(settings, AuthSettings) else AuthSettings.from_settings(settings)
    issuer = _dev_issuer(auth)
    role_names = list(roles)
    if not role_names:
        raise ValidationFailed("Name at least one role", field="roles")
    try:
        known = sorted({parse_role(role) for role in role_names})
    except UnknownRole as err:
        raise ValidationFailed(f"Unknown role: {err.name}", field="roles") from None
    for value, field in ((user, "user"), (agency, "agency")):
        if not value.strip() or any(ch.isspace() for ch in value):
            raise ValidationFailed(f"The {field} must be a non-empty identifier without spaces", field=field)
    if agency not in SEED_AGENCY_CODES:
        raise ValidationFailed(
            f"Unknown agency: {_shown(agency)} (known: {', '.join(sorted(SEED_AGENCY_CODES))})",
            field="agency",
        )
    if ttl <= timedelta(0):
        raise ValidationFailed("The token's lifetime must be positive", field="ttl")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": auth.jwt_audience,
        "sub": user,
        "agency": agency,
        "roles": [str(role) for role in known],
        "name": name or user,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    key = load_or_create_dev_key(auth.dev_key_path)
    return jwt.encode(claims, key, algorithm=DEV_ALGORITHM, headers={"kid": DEV_KEY_ID})
