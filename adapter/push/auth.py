"""Credentials for the FHIR server: a bearer token, HTTP basic, or SMART Backend Services (client_credentials)."""
from __future__ import annotations

import time
import uuid

import jwt
import requests
from requests.auth import AuthBase, HTTPBasicAuth

from .errors import AuthFailed

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# the SMART specification caps an assertion's lifetime at five minutes
ASSERTION_LIFETIME = 300


class BearerToken(AuthBase):
    """A fixed access token sent as ``Authorization: Bearer``."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def basic(user: str, password: str) -> HTTPBasicAuth:
    return HTTPBasicAuth(user, password)


class SmartBackendServices(AuthBase):
    """SMART Backend Services: a signed JWT assertion (RS384 or ES384) exchanged for an access token.

    The token endpoint comes from ``{fhir_base}/.well-known/smart-configuration`` unless given; the token is
    reused until shortly before it expires, and ``invalidate()`` forces a new one (the client calls it on 401).
    """

    def __init__(self, fhir_base: str, client_id: str, private_key: bytes | str, *, key_id: str | None = None,
                 algorithm: str = "RS384", scope: str = "system/*.read system/*.write",
                 token_url: str | None = None, session: requests.Session | None = None,
                 timeout: float = 30.0, clock=time.time):
        if algorithm not in ("RS384", "ES384"):
            raise ValueError(f"SMART Backend Services signs with RS384 or ES384, not {algorithm}")
        self.fhir_base = fhir_base.rstrip("/")
        self.client_id, self.private_key, self.key_id = client_id, private_key, key_id
        self.algorithm, self.scope = algorithm, scope
        self.token_url = token_url
        self.session = session or requests.Session()
        self.timeout, self.clock = timeout, clock
        self._token: str | None = None
        self._expires = 0.0

    def discover(self) -> str:
        """The token endpoint the server's SMART configuration names."""
        url = f"{self.fhir_base}/.well-known/smart-configuration"
        try:
            response = self.session.get(url, headers={"Accept": "application/json"}, timeout=self.timeout)
            config = response.json() if response.status_code == 200 else {}
        except (requests.RequestException, ValueError) as e:
            raise AuthFailed(f"{url}: {e}") from None
        endpoint = config.get("token_endpoint")
        if not endpoint:
            raise AuthFailed(f"{url}: no token_endpoint (HTTP {response.status_code}); give the token URL instead")
        algs = config.get("token_endpoint_auth_signing_alg_values_supported")
        if algs and self.algorithm not in algs:
            raise AuthFailed(f"{url}: the server signs with {', '.join(algs)}, not {self.algorithm}")
        return endpoint

    def assertion(self, audience: str) -> str:
        now = int(self.clock())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": audience, "iat": now,
                  "exp": now + ASSERTION_LIFETIME, "jti": uuid.uuid4().hex}
        headers = {"typ": "JWT", **({"kid": self.key_id} if self.key_id else {})}
        return jwt.encode(claims, self.private_key, algorithm=self.algorithm, headers=headers)

    def access_token(self) -> str:
        if self._token and self.clock() < self._expires:
            return self._token
        if not self.token_url:
            self.token_url = self.discover()
        form = {"grant_type": "client_credentials", "scope": self.scope,
                "client_assertion_type": ASSERTION_TYPE, "client_assertion": self.assertion(self.token_url)}
        try:
            response = self.session.post(self.token_url, data=form, headers={"Accept": "application/json"},
                                         timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as e:
            raise AuthFailed(f"token endpoint {self.token_url}: {e}") from None
        if response.status_code != 200 or "access_token" not in answer:
            why = answer.get("error_description") or answer.get("error") or response.reason
            raise AuthFailed(f"token endpoint {self.token_url}: {response.status_code}: {why}")
        self._token = answer["access_token"]
        # renew a minute early so a token never expires in flight
        self._expires = self.clock() + max(0, int(answer.get("expires_in", 300)) - 60)
        return self._token

    def invalidate(self):
        self._token = None

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        return request


def from_options(fhir_base: str, *, token: str | None = None, basic_credentials: str | None = None,
                 smart_client_id: str | None = None, smart_key: str | None = None, smart_kid: str | None = None,
                 smart_alg: str = "RS384", smart_scope: str = "system/*.read system/*.write",
                 smart_token_url: str | None = None):
    """The auth the command line asked for (at most one kind), or None."""
    from pathlib import Path

    from ..errors import UsageError

    kinds = [k for k, v in (("token", token), ("basic", basic_credentials), ("smart", smart_client_id)) if v]
    if len(kinds) > 1:
        raise UsageError(f"choose one way to authenticate, not {' and '.join(kinds)}")
    if token:
        return BearerToken(token)
    if basic_credentials:
        user, sep, password = basic_credentials.partition(":")
        if not sep:
            raise UsageError("--basic takes USER:PASSWORD")
        return basic(user, password)
    if smart_client_id:
        if not smart_key:
            raise UsageError("SMART Backend Services needs --smart-key (a PEM private key)")
        try:
            key = Path(smart_key).read_bytes()
        except OSError as e:
            raise UsageError(f"--smart-key: {e}") from None
        try:
            return SmartBackendServices(fhir_base, smart_client_id, key, key_id=smart_kid, algorithm=smart_alg,
                                        scope=smart_scope, token_url=smart_token_url)
        except ValueError as e:
            raise UsageError(str(e)) from None
    return None
