"""Push auth: bearer, basic, SMART Backend Services (RS384/ES384 client assertion, discovery, renewal), and the
command line's exit codes for push."""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapter.cli import main
from adapter.errors import UsageError
from adapter.push.auth import ASSERTION_TYPE, BearerToken, SmartBackendServices, from_options
from adapter.push.client import FhirClient
from adapter.push.errors import AuthFailed

BASE = "http://127.0.0.1:8080/fhir"
TOKEN_URL = "http://127.0.0.1:8080/auth/token"


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _token_server(rsps, public_key, alg, tokens):
    rsps.add(responses.GET, f"{BASE}/.well-known/smart-configuration",
             json={"token_endpoint": TOKEN_URL, "grant_types_supported": ["client_credentials"],
                   "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"]})

    def token(request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        assert form["grant_type"] == "client_credentials" and form["client_assertion_type"] == ASSERTION_TYPE
        claims = jwt.decode(form["client_assertion"], public_key, algorithms=[alg], audience=TOKEN_URL)
        assert claims["iss"] == claims["sub"] == "trialfhir-client" and claims["exp"] - claims["iat"] <= 300
        assert jwt.get_unverified_header(form["client_assertion"])["kid"] == "key-1"
        tokens.append(form["scope"])
        return 200, {}, json.dumps({"access_token": f"token-{len(tokens)}", "token_type": "bearer",
                                    "expires_in": 300, "scope": form["scope"]})

    rsps.add_callback(responses.POST, TOKEN_URL, callback=token)


@pytest.mark.parametrize("alg, key", [("RS384", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                                      ("ES384", ec.generate_private_key(ec.SECP384R1()))])
def test_smart_backend_services_token_is_used_and_renewed_on_401(rsps, alg, key):
    tokens = []
    _token_server(rsps, key.public_key(), alg, tokens)
    seen = []

    def metadata(request):
        seen.append(request.headers["Authorization"])
        return (401, {}, "{}") if len(seen) == 2 else (200, {}, json.dumps({"resourceType": "CapabilityStatement"}))

    rsps.add_callback(responses.GET, f"{BASE}/metadata", callback=metadata)
    auth = SmartBackendServices(BASE, "trialfhir-client", _pem(key), key_id="key-1", algorithm=alg,
                                scope="system/ResearchStudy.write")
    client = FhirClient(BASE, auth=auth)
    client.get_json("metadata")
    client.get_json("metadata")  # the server says 401 once: a new token, the request again
    assert seen == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    assert tokens == ["system/ResearchStudy.write"] * 2


def test_token_endpoint_refusal_is_an_auth_failure(rsps):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsps.add(responses.POST, TOKEN_URL, status=400, json={"error": "invalid_client",
                                                           "error_description": "unknown key"})
    auth = SmartBackendServices(BASE, "c", _pem(key), token_url=TOKEN_URL)
    with pytest.raises(AuthFailed, match="400: unknown key"):
        auth.access_token()


def test_unsupported_algorithm_is_refused(rsps):
    rsps.add(responses.GET, f"{BASE}/.well-known/smart-configuration",
             json={"token_endpoint": TOKEN_URL, "token_endpoint_auth_signing_alg_values_supported": ["RS384"]})
    key = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(AuthFailed, match="signs with RS384, not ES384"):
        SmartBackendServices(BASE, "c", _pem(key), algorithm="ES384").access_token()
    with pytest.raises(ValueError):
        SmartBackendServices(BASE, "c", _pem(key), algorithm="HS256")


def test_bearer_and_basic_headers(rsps):
    rsps.add(responses.GET, f"{BASE}/metadata", json={"resourceType": "CapabilityStatement"})
    FhirClient(BASE, auth=BearerToken("abc")).get_json("metadata")
    assert rsps.calls[-1].request.headers["Authorization"] == "Bearer abc"
    FhirClient(BASE, auth=from_options(BASE, basic_credentials="me:s3cret:x")).get_json("metadata")
    assert rsps.calls[-1].request.headers["Authorization"] == "Basic " + base64.b64encode(b"me:s3cret:x").decode()
    with pytest.raises(UsageError):
        from_options(BASE, token="a", basic_credentials="b:c")


def test_cli_push_exit_codes(medplum, rsps, tmp_path, trial, capsys):
    base = medplum()
    rsps.add_passthru(base)
    path = tmp_path / "in.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in trial("NCT00000001")))
    assert main(["push", str(path), "--to", base, "--batch", "5"]) == 0
    assert "studies: 1 pushed" in capsys.readouterr().err
    assert main(["push", str(tmp_path / "missing.json"), "--to", base]) == 2
    assert main(["push", str(path), "--to", base, "--batch", "0"]) == 2
    # refused credentials: nothing lands, exit 1
    rsps.add(responses.GET, "http://127.0.0.1:1/fhir/metadata", status=401, json={"resourceType": "OperationOutcome"})
    assert main(["push", str(path), "--to", "http://127.0.0.1:1/fhir", "--token", "wrong"]) == 1
    assert "401" in capsys.readouterr().err
