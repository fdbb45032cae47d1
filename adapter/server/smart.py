"""SMART discovery: /.well-known/smart-configuration for Backend Services clients."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from adapter.store.searchparams import RESOURCE_TYPES

smart = Blueprint("smart", __name__)


@smart.get("/.well-known/smart-configuration")
def smart_configuration():
    config = current_app.config
    body = {
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "scopes_supported": ["system/*.read", "system/*.write", "system/*.rs", "system/*.cud"]
                            + [f"system/{t}.read" for t in RESOURCE_TYPES],
        "capabilities": ["client-confidential-asymmetric"],
    }
    if config.get("SMART_TOKEN_ENDPOINT"):
        body["token_endpoint"] = config["SMART_TOKEN_ENDPOINT"]
    if config.get("SMART_ISSUER"):
        body["issuer"] = config["SMART_ISSUER"]
    return jsonify(body)
