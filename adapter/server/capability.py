"""The CapabilityStatement served at /metadata, built from the store's search parameters."""
from __future__ import annotations

from adapter.store.searchparams import SearchParamRegistry
from adapter.store.values import now_instant

READ_INTERACTIONS = ["read", "vread", "history-instance", "history-type", "search-type"]
WRITE_INTERACTIONS = ["create", "update", "delete"]
FORMATS = ["application/fhir+json", "json"]
RESULT_PARAMETERS = ["_count", "_sort", "_include", "_revinclude", "_total", "_summary", "_elements", "_format",
                     "_cursor"]


def _resource(rtype: str, registry: SearchParamRegistry) -> dict:
    params = registry.params(rtype)
    reference_params = sorted(code for code, p in params.items() if p.type == "reference")
    revincludes = sorted(f"{other}:{code}" for other in registry.by_type
                         for code, p in registry.params(other).items()
                         if p.type == "reference" and (not p.target or rtype in p.target))
    return {
        "type": rtype,
        "profile": f"http://hl7.org/fhir/StructureDefinition/{rtype}",
        "interaction": [{"code": c} for c in READ_INTERACTIONS + WRITE_INTERACTIONS],
        "versioning": "versioned",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": True,
        "conditionalRead": "full-support",
        "conditionalDelete": "not-supported",
        "searchInclude": [f"{rtype}:{c}" for c in reference_params] + [f"{rtype}:*"],
        "searchRevInclude": revincludes,
        "searchParam": [{"name": code, "definition": p.url, "type": p.type,
                         **({"documentation": p.description} if p.description else {})}
                        for code, p in sorted(params.items())],
    }


def capability_statement(base: str, registry: SearchParamRegistry, token_endpoint: str | None) -> dict:
    rest = {
        "mode": "server",
        "resource": [_resource(t, registry) for t in registry.by_type],
        "interaction": [{"code": "transaction"}, {"code": "batch"}, {"code": "history-system"}],
        "operation": [{"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}],
    }
    if token_endpoint:
        rest["security"] = {"service": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}]}],
            "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                           "extension": [{"url": "token", "valueUri": token_endpoint}]}]}
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": now_instant(),
        "publisher": "trialfhir", "kind": "instance",
        "software": {"name": "trialfhir"},
        "implementation": {"description": "trialfhir clinical-trial FHIR server", "url": base},
        "fhirVersion": registry.version, "format": FORMATS,
        "rest": [rest],
    }
