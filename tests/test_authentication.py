"""Authentication: a bearer token becomes a principal, or a clear refusal that never echoes the token.

Development tokens are signed with the key SXVİS keeps in the data folder; production verifies with a
configured public key or a JWKS served over real HTTP on loopback, and never accepts the development key.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms
from typer.testing import CliRunner

from authz.auth_settings import AuthSettings
from authz.authentication import (
    AuthenticationFailed,
    AuthFailure,
    JwksKeys,
    SigningKeysUnavailable,
    TokenVerifier,
    bearer_token,
    issue_dev_token,
    load_or_create_dev_key,
)
from authz.principal import Principal
from authz.roles import Role
from sxvis.actors import Actor
from sxvis.cli.tokens import token_app
from sxvis.config import Settings
from sxvis.errors import ConfigurationError, ValidationFailed

PRODUCTION_ISSUER = "https://idp.example.az/realms/sxvis"
AUDIENCE = "sxvis"


# --- helpers ------------------------------------------------------------------------------------


def dev_settings(data_dir: Path, **overrides: Any) -> AuthSettings:
    # Every field given, so an SXVIS_* variable in the environment cannot change what a test means.
    values: dict[str, Any] = {
        "mode": "development",
        "data_dir": data_dir,
        "jwt_issuer": None,
        "jwt_audience": AUDIENCE,
        "jwt_public_key": None,
        "jwks_url": None,
        "jwt_leeway_seconds": 60,
    }
    return AuthSettings(**(values | overrides))


def production_settings(data_dir: Path, **overrides: Any) -> AuthSettings:
    return dev_settings(data_dir, **({"mode": "production", "jwt_issuer": PRODUCTION_ISSUER} | overrides))


def claims(issuer: str = "sxvis-dev", /, **overrides: Any) -> dict[str, Any]:
    """A valid claim set; an override of None drops the claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "leyla.m",
        "agency": "DOST",
        "roles": ["social_worker"],
        "name": "Leyla Məmmədova",
        "iat": now,
        "exp": now + 3600,
        "jti": "t-1",
    }
    values |= overrides
    return {k: v for k, v in values.items() if v is not None}


def sign(payload: dict[str, Any], key: Any, *, algorithm: str = "EdDSA", kid: str | None = "dev") -> str:
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], sign_with: bytes | None) -> str:
    """A token put together by hand, as an attacker would: HMAC-signed with `sign_with`, or unsigned."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if sign_with is None:
        return f"{signing_input}."
    mac = hmac.new(sign_with, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def public_pem(private_key: Any) -> str:
    return str(
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def refusal(verifier: TokenVerifier, token: str) -> AuthenticationFailed:
    with pytest.raises(AuthenticationFailed) as caught:
        verifier.verify(token)
    assert token not in str(caught.value)
    return caught.value


@pytest.fixture
def settings(tmp_path: Path) -> AuthSettings:
    return dev_settings(tmp_path)


@pytest.fixture
def verifier(settings: AuthSettings) -> TokenVerifier:
    return TokenVerifier.from_settings(settings)


@pytest.fixture
def dev_key(settings: AuthSettings, verifier: TokenVerifier) -> ed25519.Ed25519PrivateKey:
    return load_or_create_dev_key(settings.dev_key_path)


# --- development tokens -------------------------------------------------------------------------


def test_dev_token_round_trips_to_the_principal(settings: AuthSettings, verifier: TokenVerifier) -> None:
    before = datetime.now(UTC)
    token = issue_dev_token(
        settings,
        user="leyla.m",
        agency="DOST",
        roles=["social_worker", "case_manager"],
        name="Leyla Məmmədova",
        ttl=timedelta(hours=2),
    )

    principal = verifier.verify(token)

    assert principal.user_id == "leyla.m"
    assert principal.agency_code == "DOST"
    assert principal.roles == {Role.SOCIAL_WORKER, Role.CASE_MANAGER}
    assert principal.name == "Leyla Məmmədova"
    assert principal.token_id
    assert before + timedelta(hours=2) - timedelta(seconds=2) <= principal.expires_at
    assert principal.expires_at <= datetime.now(UTC) + timedelta(hours=2)


def test_principal_becomes_the_actor_services_receive() -> None:
    principal = Principal(
        user_id="u1",
        agency_code="SXA",
        roles=frozenset({Role.AUDITOR}),
        name="Auditor",
        token_id=None,
        expires_at=datetime.now(UTC),
    )

    assert principal.to_actor() == Actor(
        user_id="u1", agency_code="SXA", roles=frozenset({"auditor"}), name="Auditor"
    )


def test_token_without_a_name_takes_the_user_id_as_name(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    principal = verifier.verify(sign(claims(name=None, roles=["integration"]), dev_key))

    assert principal.name == "leyla.m"


async def test_authenticate_reads_the_authorization_header(
    settings: AuthSettings, verifier: TokenVerifier
) -> None:
    token = issue_dev_token(settings, user="u1", agency="DOST", roles=["auditor"])

    principal = await verifier.authenticate(f"Bearer {token}")

    assert principal.user_id == "u1"


def test_expired_token_is_refused(verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey) -> None:
    now = int(time.time())
    token = sign(claims(iat=now - 7200, exp=now - 3600), dev_key)

    failure = refusal(verifier, token)

    assert failure.message == "The token has expired"
    assert failure.reason is AuthFailure.EXPIRED


def test_token_expired_within_the_leeway_is_accepted(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    now = int(time.time())
    token = sign(claims(iat=now - 3600, exp=now - 20), dev_key)  # a clock 20 s ahead of ours

    assert verifier.verify(token).user_id == "leyla.m"


def test_token_expired_moments_ago_is_refused_without_leeway(
    tmp_path: Path, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    strict = TokenVerifier.from_settings(dev_settings(tmp_path, jwt_leeway_seconds=0))
    now = int(time.time())
    token = sign(claims(iat=now - 3600, exp=now - 20), dev_key)

    assert refusal(strict, token).reason is AuthFailure.EXPIRED


def test_token_not_yet_valid_is_refused(verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey) -> None:
    now = int(time.time())
    token = sign(claims(nbf=now + 600, exp=now + 3600), dev_key)

    failure = refusal(verifier, token)

    assert failure.message == "The token is not valid yet"
    assert failure.reason is AuthFailure.NOT_YET_VALID


def test_token_issued_in_the_future_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    now = int(time.time())
    token = sign(claims(iat=now + 600, exp=now + 3600), dev_key)

    assert refusal(verifier, token).reason is AuthFailure.NOT_YET_VALID


def test_token_valid_within_the_leeway_is_accepted(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    now = int(time.time())
    token = sign(claims(iat=now + 20, nbf=now + 20), dev_key)  # the issuer's clock runs 20 s ahead

    assert verifier.verify(token).user_id == "leyla.m"


def test_token_for_another_audience_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    failure = refusal(verifier, sign(claims(aud="another-app"), dev_key))

    assert failure.message == "The token is not for this audience"


def test_token_from_another_issuer_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    failure = refusal(verifier, sign(claims(iss="https://elsewhere.example"), dev_key))

    assert failure.message == "The token's issuer is not the one SXVİS trusts"


def test_tampered_claims_break_the_signature(settings: AuthSettings, verifier: TokenVerifier) -> None:
    token = issue_dev_token(settings, user="u1", agency="DOST", roles=["partner_agency"])
    header, payload, signature = token.split(".")
    elevated = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    elevated["roles"] = ["system_admin"]

    failure = refusal(verifier, f"{header}.{b64url(json.dumps(elevated).encode())}.{signature}")

    assert failure.message == "The token's signature does not verify"


def test_tampered_signature_is_refused(settings: AuthSettings, verifier: TokenVerifier) -> None:
    token = issue_dev_token(settings, user="u1", agency="DOST", roles=["auditor"])
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    tampered = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    assert refusal(verifier, tampered).reason is AuthFailure.BAD_SIGNATURE


def test_token_signed_by_another_dev_key_is_refused(tmp_path: Path, verifier: TokenVerifier) -> None:
    other_folder = tmp_path / "another-installation"
    token = issue_dev_token(dev_settings(other_folder), user="u1", agency="DOST", roles=["auditor"])

    assert refusal(verifier, token).reason is AuthFailure.BAD_SIGNATURE


@pytest.mark.parametrize("claim", ["sub", "agency", "roles", "exp", "iss", "aud"])
def test_token_missing_a_claim_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey, claim: str
) -> None:
    failure = refusal(verifier, sign(claims(**{claim: None}), dev_key))

    assert failure.message == f"The token lacks the '{claim}' claim"
    assert failure.reason is AuthFailure.BAD_CLAIMS


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("agency", ""),
        ("agency", "DOST SXA"),
        ("agency", 42),
        ("sub", "   "),
        ("roles", "social_worker"),
        ("roles", [1, 2]),
        ("name", "x" * 300),
        ("name", "evil\nlog line"),
    ],
)
def test_token_with_a_malformed_claim_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey, claim: str, value: object
) -> None:
    failure = refusal(verifier, sign(claims(**{claim: value}), dev_key))

    assert failure.reason is AuthFailure.BAD_CLAIMS
    assert f"'{claim}'" in failure.message


def test_token_expiring_beyond_the_calendar_is_refused(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    failure = refusal(verifier, sign(claims(exp=10**20), dev_key))

    assert failure.message == "The token's 'exp' claim is not a usable time"


def test_unknown_role_is_refused_by_name(verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey) -> None:
    failure = refusal(verifier, sign(claims(roles=["social_worker", "superuser"]), dev_key))

    assert failure.message == "The token names an unknown role: superuser"
    assert failure.reason is AuthFailure.UNKNOWN_ROLE


def test_empty_roles_are_refused(verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey) -> None:
    failure = refusal(verifier, sign(claims(roles=[]), dev_key))

    assert failure.message == "The token names no role: its 'roles' claim is empty"


def test_hs256_token_signed_with_a_guessable_secret_is_refused(verifier: TokenVerifier) -> None:
    token = forge({"alg": "HS256", "typ": "JWT", "kid": "dev"}, claims(), sign_with=b"secret")

    failure = refusal(verifier, token)

    assert failure.reason is AuthFailure.ALGORITHM_REFUSED
    assert "does not accept" in failure.message


def test_hs256_token_signed_with_the_public_key_is_refused(
    tmp_path: Path, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    # The classic key confusion: the verifier's own public key used as an HMAC secret.
    pem = public_pem(dev_key)
    production = TokenVerifier.from_settings(production_settings(tmp_path / "prod", jwt_public_key=pem))
    token = forge({"alg": "HS256", "typ": "JWT"}, claims(PRODUCTION_ISSUER), sign_with=pem.encode())

    assert refusal(production, token).reason is AuthFailure.ALGORITHM_REFUSED


def test_unsigned_token_with_alg_none_is_refused(verifier: TokenVerifier) -> None:
    for alg in ("none", "None", "NONE"):
        token = forge({"alg": alg, "typ": "JWT"}, claims(), sign_with=None)

        assert refusal(verifier, token).reason is AuthFailure.ALGORITHM_REFUSED


def test_garbage_is_not_a_well_formed_token(verifier: TokenVerifier) -> None:
    failure = refusal(verifier, "not.a.jwt")

    assert failure.message == "The bearer token is not a well-formed JWT"


# --- the development key ------------------------------------------------------------------------


def test_dev_key_file_is_created_private_and_reused_across_restarts(settings: AuthSettings) -> None:
    token = issue_dev_token(settings, user="u1", agency="DOST", roles=["auditor"])
    key_file = settings.dev_key_path
    first = key_file.read_bytes()

    restarted = TokenVerifier.from_settings(settings)

    assert key_file == settings.data_dir / "keys" / "dev-signing-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert restarted.verify(token).user_id == "u1"
    assert key_file.read_bytes() == first
    assert [p.name for p in key_file.parent.iterdir()] == ["dev-signing-key.pem"]  # no temporary left


def test_concurrent_first_use_creates_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "dev-signing-key.pem"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: load_or_create_dev_key(path), range(16)))

    raw = {
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        for key in keys
    }
    assert len(raw) == 1


def test_dev_key_readable_by_others_is_refused(settings: AuthSettings) -> None:
    TokenVerifier.from_settings(settings)
    settings.dev_key_path.chmod(0o644)

    with pytest.raises(ConfigurationError, match="chmod 600"):
        TokenVerifier.from_settings(settings)


def test_development_mode_refuses_production_key_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SXVIS_MODE=production"):
        TokenVerifier.from_settings(dev_settings(tmp_path, jwks_url="https://idp.example/jwks"))
    assert not (tmp_path / "keys").exists()


# --- production with a public key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("private_key", "algorithm"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
    ],
    ids=["RS256", "ES256", "EdDSA"],
)
def test_production_verifier_accepts_tokens_of_its_public_key(
    tmp_path: Path, private_key: Any, algorithm: str
) -> None:
    production = TokenVerifier.from_settings(
        production_settings(tmp_path, jwt_public_key=public_pem(private_key))
    )
    token = sign(claims(PRODUCTION_ISSUER, roles=["integration"]), private_key, algorithm=algorithm, kid="k1")

    assert production.verify(token).roles == {Role.INTEGRATION}


def test_production_verifier_refuses_development_tokens(tmp_path: Path) -> None:
    dev = dev_settings(tmp_path)
    dev_token = issue_dev_token(dev, user="u1", agency="DOST", roles=["system_admin"])
    dev_public = public_pem(load_or_create_dev_key(dev.dev_key_path))
    # Even an operator who configured the development key's public half gets no development token in.
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwt_public_key=dev_public))

    failure = refusal(production, dev_token)

    assert failure.reason is AuthFailure.DEVELOPMENT_KEY
    assert "development key" in failure.message


def test_production_refuses_a_dev_signed_token_without_the_dev_kid(tmp_path: Path) -> None:
    dev = dev_settings(tmp_path)
    dev_key = load_or_create_dev_key(dev.dev_key_path)
    production_key = ed25519.Ed25519PrivateKey.generate()
    production = TokenVerifier.from_settings(
        production_settings(tmp_path, jwt_public_key=public_pem(production_key))
    )

    token = sign(claims(PRODUCTION_ISSUER), dev_key, kid=None)

    assert refusal(production, token).reason is AuthFailure.BAD_SIGNATURE


def test_production_never_reads_or_creates_the_dev_key(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwt_public_key=public_pem(key)))

    production.verify(sign(claims(PRODUCTION_ISSUER), key, kid="k1"))

    assert not (tmp_path / "keys").exists()


def test_production_refuses_the_development_issuer(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    settings = production_settings(tmp_path, jwt_issuer="sxvis-dev", jwt_public_key=public_pem(key))

    with pytest.raises(ConfigurationError, match="development issuer"):
        TokenVerifier.from_settings(settings)


def test_production_without_an_issuer_refuses_to_start(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    settings = production_settings(tmp_path, jwt_issuer=None, jwt_public_key=public_pem(key))

    with pytest.raises(ConfigurationError, match="SXVIS_JWT_ISSUER"):
        TokenVerifier.from_settings(settings)


def test_production_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"SXVIS_JWT_PUBLIC_KEY .* or SXVIS_JWKS_URL"):
        TokenVerifier.from_settings(production_settings(tmp_path))


def test_public_key_setting_refuses_a_private_key(tmp_path: Path) -> None:
    private_pem = (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )

    with pytest.raises(ConfigurationError, match="only the public half"):
        TokenVerifier.from_settings(production_settings(tmp_path, jwt_public_key=private_pem))


def test_public_key_setting_accepts_escaped_newlines(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    one_line = public_pem(key).replace("\n", "\\n")  # as many deployment tools write PEM into variables
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwt_public_key=one_line))

    assert production.verify(sign(claims(PRODUCTION_ISSUER), key, algorithm="ES256", kid="k1"))


def test_issuing_a_dev_token_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="production"):
        issue_dev_token(production_settings(tmp_path), user="u1", agency="DOST", roles=["auditor"])
    assert not (tmp_path / "keys").exists()


def test_issuing_a_dev_token_with_an_unknown_role_is_refused(settings: AuthSettings) -> None:
    with pytest.raises(ValidationFailed, match="Unknown role: root"):
        issue_dev_token(settings, user="u1", agency="DOST", roles=["root"])


@pytest.mark.parametrize("agency", ["NOPE", "dost", "DOST-BAKI-99"])
def test_issuing_a_dev_token_for_an_agency_not_in_the_catalogue_is_refused(
    settings: AuthSettings, agency: str
) -> None:
    with pytest.raises(ValidationFailed, match=f"Unknown agency: {agency}") as caught:
        issue_dev_token(settings, user="u1", agency=agency, roles=["social_worker"])
    assert caught.value.field == "agency"
    assert "DOST" in caught.value.message  # the message lists the codes that exist


# --- production with a JWKS over HTTP -----------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on 127.0.0.1, served over real HTTP from a thread; counts its fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/.well-known/jwks.json":
                    self.send_error(404)
                    return
                server.fetches += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def publish(self, private_key: Any, *, kid: str, algorithm: str) -> None:
        jwk = get_default_algorithms()[algorithm].to_jwk(private_key.public_key(), as_dict=True)
        self.keys.append(jwk | {"kid": kid, "alg": algorithm, "use": "sig"})


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_jwks_verifier_verifies_tokens_of_every_published_key(
    tmp_path: Path, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    jwks.publish(rsa_key, kid="rsa-2026", algorithm="RS256")
    jwks.publish(ec_key, kid="ec-2026", algorithm="ES256")
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=jwks.url))

    by_rsa = production.verify(
        sign(claims(PRODUCTION_ISSUER, sub="a"), rsa_key, algorithm="RS256", kid="rsa-2026")
    )
    by_ec = production.verify(
        sign(claims(PRODUCTION_ISSUER, sub="b"), ec_key, algorithm="ES256", kid="ec-2026")
    )

    assert (by_rsa.user_id, by_ec.user_id) == ("a", "b")
    assert jwks.fetches == 1  # the key set is cached, not fetched per token


async def test_jwks_verifier_verifies_on_the_event_loop(
    tmp_path: Path, jwks: JwksServer, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    jwks.publish(ec_key, kid="ec-1", algorithm="ES256")
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=jwks.url))
    token = sign(claims(PRODUCTION_ISSUER), ec_key, algorithm="ES256", kid="ec-1")

    first = await production.authenticate(f"Bearer {token}")  # fetches in a worker thread
    second = await production.authenticate(f"Bearer {token}")  # served from the cache

    assert first == second
    assert jwks.fetches == 1


def test_jwks_verifier_refuses_an_unknown_kid(
    tmp_path: Path, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish(rsa_key, kid="rsa-2026", algorithm="RS256")
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=jwks.url))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    failure = refusal(
        production, sign(claims(PRODUCTION_ISSUER), stranger, algorithm="RS256", kid="rsa-evil")
    )

    assert failure.reason is AuthFailure.UNKNOWN_KEY


def test_jwks_verifier_refuses_a_published_kid_signed_by_another_key(
    tmp_path: Path, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish(rsa_key, kid="rsa-2026", algorithm="RS256")
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=jwks.url))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    token = sign(claims(PRODUCTION_ISSUER), stranger, algorithm="RS256", kid="rsa-2026")

    assert refusal(production, token).reason is AuthFailure.BAD_SIGNATURE


def test_made_up_kids_do_not_flood_the_identity_provider(
    tmp_path: Path, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks.publish(rsa_key, kid="rsa-2026", algorithm="RS256")
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=jwks.url))

    for n in range(20):
        refusal(production, sign(claims(PRODUCTION_ISSUER), rsa_key, algorithm="RS256", kid=f"made-up-{n}"))

    assert jwks.fetches == 1


def test_key_published_later_is_fetched_when_a_token_names_it(
    jwks: JwksServer, rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    jwks.publish(rsa_key, kid="rsa-2026", algorithm="RS256")
    production = TokenVerifier(
        keys=JwksKeys(jwks.url, refresh_cooldown=0), issuer=PRODUCTION_ISSUER, audience=AUDIENCE
    )
    production.verify(sign(claims(PRODUCTION_ISSUER), rsa_key, algorithm="RS256", kid="rsa-2026"))

    jwks.publish(ec_key, kid="ec-2027", algorithm="ES256")  # the provider rotates keys

    assert production.verify(sign(claims(PRODUCTION_ISSUER), ec_key, algorithm="ES256", kid="ec-2027"))
    assert jwks.fetches == 2


def test_jwks_key_of_a_refused_algorithm_is_refused(jwks: JwksServer) -> None:
    jwks.keys.append({"kty": "oct", "kid": "shared", "k": b64url(b"0123456789abcdef0123456789abcdef")})
    production = TokenVerifier(keys=JwksKeys(jwks.url), issuer=PRODUCTION_ISSUER, audience=AUDIENCE)
    token = forge(
        {"alg": "HS256", "kid": "shared"},
        claims(PRODUCTION_ISSUER),
        sign_with=b"0123456789abcdef0123456789abcdef",
    )

    assert refusal(production, token).reason is AuthFailure.ALGORITHM_REFUSED


def test_unreachable_jwks_is_unavailable_not_unauthenticated(
    tmp_path: Path, jwks: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    url = jwks.url
    jwks.httpd.shutdown()
    jwks.httpd.server_close()  # nothing listens on the port any more
    production = TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=url))

    with pytest.raises(SigningKeysUnavailable):
        production.verify(sign(claims(PRODUCTION_ISSUER), rsa_key, algorithm="RS256", kid="rsa-2026"))


@pytest.mark.parametrize("url", ["http://idp.example.az/jwks", "file:///etc/passwd", "jwks.json"])
def test_jwks_url_must_be_https_off_loopback(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        TokenVerifier.from_settings(production_settings(tmp_path, jwks_url=url))


# --- the Authorization header -------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_authorization_header_asks_for_a_bearer_token(header: str | None) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        bearer_token(header)

    assert caught.value.message == "No bearer token: send Authorization: Bearer <token>"
    assert caught.value.www_authenticate == 'Bearer realm="sxvis"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc.def.ghi", "abc.def.ghi"])
def test_authorization_with_another_scheme_is_refused(header: str) -> None:
    with pytest.raises(AuthenticationFailed, match="must use the Bearer scheme") as caught:
        bearer_token(header)

    assert "abc.def.ghi" not in caught.value.message


@pytest.mark.parametrize("header", ["Bearer abc.def.ghi", "bearer abc.def.ghi", "  Bearer    abc.def.ghi  "])
def test_bearer_scheme_is_case_insensitive_and_spaces_around_the_token_are_ignored(header: str) -> None:
    assert bearer_token(header) == "abc.def.ghi"


def test_bearer_without_a_token_is_refused() -> None:
    with pytest.raises(AuthenticationFailed, match="no token after Bearer"):
        bearer_token("Bearer   ")


@pytest.mark.parametrize("header", ["Bearer abc.def ghi", "Bearer abc.def.ghi,extra", "Bearer " + "a" * 9000])
def test_bearer_value_that_cannot_be_one_token_is_refused(header: str) -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        bearer_token(header)

    assert caught.value.reason is AuthFailure.MALFORMED


def test_refusal_names_the_error_in_www_authenticate(
    verifier: TokenVerifier, dev_key: ed25519.Ed25519PrivateKey
) -> None:
    failure = refusal(verifier, sign(claims(roles=['x"\\y']), dev_key))

    assert failure.www_authenticate.startswith(
        'Bearer realm="sxvis", error="invalid_token", error_description="'
    )
    assert failure.www_authenticate.count('"') == 6  # the role's quote and backslash cannot break out


# --- sxvis token issue --------------------------------------------------------------------------


def cli(data_dir: Path, *args: str, mode: str = "development") -> Any:
    app = typer.Typer()
    app.add_typer(token_app, name="token")
    env: dict[str, str | None] = {
        "SXVIS_DATA_DIR": str(data_dir),
        "SXVIS_MODE": mode,
        "SXVIS_JWT_ISSUER": None,
        "SXVIS_JWT_AUDIENCE": None,
        "SXVIS_JWT_PUBLIC_KEY": None,
        "SXVIS_JWKS_URL": None,
    }
    return CliRunner().invoke(app, ["token", "issue", *args], env=env)


def test_cli_prints_only_a_token_that_verifies(tmp_path: Path) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "SXA", "--role", "auditor", "--role", "case_manager")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token
    principal = TokenVerifier.from_settings(dev_settings(tmp_path)).verify(token)
    assert (principal.user_id, principal.agency_code) == ("u7", "SXA")
    assert principal.roles == {Role.AUDITOR, Role.CASE_MANAGER}
    assert "Created the development signing key" in result.stderr


def test_cli_token_lives_as_long_as_its_ttl(tmp_path: Path) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "SXA", "--role", "auditor", "--ttl", "30m")

    principal = TokenVerifier.from_settings(dev_settings(tmp_path)).verify(result.stdout.strip())
    remaining = principal.expires_at - datetime.now(UTC)
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)


def test_cli_rejects_an_unknown_role(tmp_path: Path) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "SXA", "--role", "root")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'root' is not one of" in result.stderr


def test_cli_rejects_an_agency_not_in_the_catalogue(tmp_path: Path) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "NOPE", "--role", "auditor")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Unknown agency: NOPE" in result.stderr


@pytest.mark.parametrize("ttl", ["8", "h", "8x", "0h", "-1h", "31d", "1h30m"])
def test_cli_rejects_a_bad_ttl(tmp_path: Path, ttl: str) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "SXA", "--role", "auditor", "--ttl", ttl)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--ttl" in result.stderr


def test_cli_refuses_in_production_mode(tmp_path: Path) -> None:
    result = cli(tmp_path, "--user", "u7", "--agency", "SXA", "--role", "auditor", mode="production")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "production refuses" in result.stderr
    assert not (tmp_path / "keys").exists()


def test_environment_configures_the_verifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    for name, value in {
        "SXVIS_MODE": "production",
        "SXVIS_DATA_DIR": str(tmp_path),
        "SXVIS_JWT_ISSUER": PRODUCTION_ISSUER,
        "SXVIS_JWT_AUDIENCE": "registry",
        "SXVIS_JWT_PUBLIC_KEY": public_pem(key),
        "SXVIS_JWKS_URL": "",
        "SXVIS_JWT_LEEWAY_SECONDS": "5",
    }.items():
        monkeypatch.setenv(name, value)

    production = TokenVerifier.from_settings(Settings())

    token = sign(claims(PRODUCTION_ISSUER, aud="registry"), key, kid="k1")
    assert production.verify(token).user_id == "leyla.m"
    assert production.leeway == timedelta(seconds=5)
    assert os.environ["SXVIS_JWT_PUBLIC_KEY"] not in repr(AuthSettings())


async def test_a_verified_token_is_trusted_again_only_until_it_expires(tmp_path: Path) -> None:
    settings = AuthSettings(data_dir=tmp_path, jwt_leeway_seconds=0)
    verifier = TokenVerifier.from_settings(settings)
    token = issue_dev_token(
        settings, user="aysel", agency="DOST", roles=["social_worker"], ttl=timedelta(seconds=1)
    )
    first = await verifier.verify_async(token)
    assert await verifier.verify_async(token) is first  # the second use skips the signature check
    await asyncio.sleep(1.1)
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier.verify_async(token)
    assert refused.value.reason is AuthFailure.EXPIRED


async def test_a_token_altered_after_a_successful_use_is_refused(
    verifier: TokenVerifier, settings: AuthSettings
) -> None:
    token = issue_dev_token(settings, user="aysel", agency="DOST", roles=["social_worker"])
    await verifier.verify_async(token)
    header, claims, signature = token.split(".")
    forged_claims = (
        base64.urlsafe_b64encode(
            json.dumps({**json.loads(base64.urlsafe_b64decode(claims + "==")), "agency": "SXA"}).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    with pytest.raises(AuthenticationFailed):
        await verifier.verify_async(f"{header}.{forged_claims}.{signature}")
