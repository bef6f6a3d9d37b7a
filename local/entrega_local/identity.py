"""The embedded user pool: its resources, its tokens, and the check API Gateway's authorizer makes.

On AWS a person signs in to the user pool and sends its ID token; API Gateway verifies it
against the pool's published keys and hands the claims to the function. Here, moto's user
pool signs with a key pair bundled in moto and publishes the public half at
`<emulator>/<pool id>/.well-known/jwks.json`. `mint` signs tokens with that same key, with
the sub a test or a person asks for (Cognito picks subs itself, so a local token may carry
any), and `Verifier` checks them as the authorizer would: signature by the pool's JWKS,
issuer, audience (the pool's app client), expiry and `token_use`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt

from entrega_local.lambdas import REGION
from entrega_local.templates import TemplateError

GROUPS = {"customer": "customers", "staff": "staff", "courier": "couriers"}
# The key id moto's bundled JWKS names.
KEY_ID = "dummy"


class TokenRefused(Exception):
    """The token is missing, malformed, expired, not signed by the pool, or not for this API."""


def issuer(pool_id: str) -> str:
    return f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"


@cache
def _signing_key() -> Any:
    from moto.utilities.utils import load_resource

    private = load_resource("cognitoidp/resources/jwks-private.json")
    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(private))


def mint(
    pool_id: str,
    client_id: str,
    role: str,
    sub: str,
    shop: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """An ID token of the embedded user pool for someone in `role`'s group."""
    if role not in GROUPS:
        raise ValueError(f"role must be one of {', '.join(GROUPS)}, not {role!r}")
    if role == "staff" and not shop:
        raise ValueError("a staff token needs the shop the person works for")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(pool_id),
        "aud": client_id,
        "sub": sub,
        "cognito:username": sub,
        "cognito:groups": [GROUPS[role]],
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if shop:
        claims["custom:shop_id"] = shop
    return jwt.encode(claims, _signing_key(), algorithm="RS256", headers={"kid": KEY_ID})


@dataclass
class Verifier:
    """Checks bearer tokens for one user pool, with its public keys fetched once."""

    emulator_url: str
    pool_id: str
    client_ids: frozenset[str]

    def __post_init__(self) -> None:
        self._keys = jwt.PyJWKClient(f"{self.emulator_url}/{self.pool_id}/.well-known/jwks.json")

    def claims(self, authorization: str | None) -> dict[str, str]:
        """The token's claims as API Gateway passes them on: every value a string."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        if not token:
            raise TokenRefused("no token")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=issuer(self.pool_id),
                audience=list(self.client_ids),
                options={"require": ["exp", "iss", "sub", "aud", "token_use"]},
            )
        except jwt.PyJWTError as refused:
            raise TokenRefused(str(refused)) from None
        if claims.get("token_use") != "id":
            raise TokenRefused("not an ID token")
        return {key: _as_text(value) for key, value in claims.items()}


def _as_text(value: Any) -> str:
    """How API Gateway's REST authorizer context shows a claim; lists join with commas."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def create_cognito_resource(cognito: Any, kind: str, name: str, props: dict[str, Any]) -> str:
    """A template's user pool, app client or group, created in moto's Cognito; its id."""
    if kind == "AWS::Cognito::UserPool":
        pool = cognito.create_user_pool(
            PoolName=props.get("UserPoolName", name), Schema=props.get("Schema", [])
        )
        return str(pool["UserPool"]["Id"])
    if kind == "AWS::Cognito::UserPoolClient":
        client = cognito.create_user_pool_client(
            UserPoolId=props["UserPoolId"], ClientName=props.get("ClientName", name)
        )
        return str(client["UserPoolClient"]["ClientId"])
    if kind == "AWS::Cognito::UserPoolGroup":
        cognito.create_group(GroupName=props["GroupName"], UserPoolId=props["UserPoolId"])
        return str(props["GroupName"])
    raise TemplateError(f"{name}: resource type {kind} is not supported by the embedded stack")
