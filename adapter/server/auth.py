"""Authorise requests: open on localhost by default, static bearer tokens, SMART Backend Services JWTs.

Configuration (create_app config keys):
    AUTH_OPEN_LOCALHOST  requests from the loopback interface need no token (default True)
    AUTH_READS           reads need a token too (default False: the trial catalogue is public)
    AUTH_TOKENS          static bearer tokens granting everything
    SMART_JWKS           JWKS (dict) of the authorisation server whose access tokens are accepted
    SMART_ISSUER, SMART_AUDIENCE   expected ``iss`` and ``aud`` of those tokens
"""
from __future__ import annotations

import hmac
import ipaddress

from flask import current_app, request

from adapter.server.outcome import FhirError

_READ_LETTERS = set("rs")
_WRITE_LETTERS = set("cud")


def _loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def scope_allows(scopes: list[str], resource_type: str | None, access: str) -> bool:
    """Whether SMART scopes (v1 ``system/T.read`` or v2 ``system/T.rs``) grant access to the type."""
    for scope in scopes:
        context, _, rest = scope.partition("/")
        target, _, action = rest.partition(".")
        if context != "system" or target not in ("*", resource_type or "*"):
            continue
        if action in ("*", access):
            return True
        letters = set(action.split("?")[0])
        if letters and letters <= set("cruds") and letters & (_READ_LETTERS if access == "read" else
                                                             _WRITE_LETTERS):
            return True
    return False


def _jwt_scopes(token: str) -> list[str]:
    import jwt

    config = current_app.config
    try:
        header = jwt.get_unverified_header(token)
        keys = {k.get("kid"): k for k in config["SMART_JWKS"].get("keys", [])}
        jwk = keys.get(header.get("kid")) or (next(iter(keys.values())) if len(keys) == 1 else None)
        if jwk is None:
            raise jwt.InvalidTokenError("no key in the JWKS matches the token's kid")
        key = jwt.PyJWK(jwk)
        claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name],
                            audience=config.get("SMART_AUDIENCE"), issuer=config.get("SMART_ISSUER"),
                            options={"require": ["exp"], "verify_aud": bool(config.get("SMART_AUDIENCE"))})
    except jwt.PyJWTError as exc:
        raise FhirError(401, f"access token rejected: {exc}", code="login",
                        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    return str(claims.get("scope", "")).split()


def authorize(access: str, resource_type: str | None) -> None:
    """Raise 401/403 unless the request may ``access`` ("read" or "write") the resource type."""
    config = current_app.config
    if access == "read" and not config.get("AUTH_READS", False):
        return
    if config.get("AUTH_OPEN_LOCALHOST", True) and _loopback():
        return
    token = _bearer()
    if token is None:
        raise FhirError(401, "this interaction needs a bearer token", code="login",
                        headers={"WWW-Authenticate": "Bearer"})
    if any(hmac.compare_digest(token, t) for t in config.get("AUTH_TOKENS", ())):
        return
    if token.count(".") == 2 and config.get("SMART_JWKS"):
        if scope_allows(_jwt_scopes(token), resource_type, access):
            return
        raise FhirError(403, f"the token's scopes do not allow {access} on {resource_type or 'this server'}")
    raise FhirError(401, "unknown bearer token", code="login",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
