"""A small OpenID Connect provider for the console's sign-in test: discovery, authorization (it signs in
the one user it was given, at once), the code exchange with PKCE, and its keys. It issues an ID token
for the console (audience: its client id) and an access token for SXVİS (audience `sxvis`, with the
`agency` and `roles` claims SXVİS requires), both RS256 under one published key."""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

KEY_ID = "test-provider-key"
CLIENT_ID = "sxvis-console"
CLIENT_SECRET = "console-secret"


@dataclass
class User:
    sub: str
    name: str
    agency: str
    roles: list[str]


@dataclass
class Provider:
    issuer: str
    user: User
    access_seconds: int = 600
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    exchanged: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
        }
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(target, status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier") or "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or grant["challenge"] != challenge
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        common = {"iss": self.issuer, "sub": self.user.sub, "iat": now, "exp": now + self.access_seconds}
        id_token = self._sign({**common, "aud": CLIENT_ID, "nonce": grant["nonce"], "name": self.user.name})
        access = self._sign(
            {
                **common,
                "aud": "sxvis",
                "agency": self.user.agency,
                "roles": self.user.roles,
                "name": self.user.name,
                "jti": secrets.token_hex(8),
            }
        )
        self.exchanged.append(access)
        return JSONResponse(
            {
                "access_token": access,
                "id_token": id_token,
                "token_type": "Bearer",
                "expires_in": self.access_seconds,
            }
        )

    async def jwks(self, request: Request) -> Response:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]})

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})
