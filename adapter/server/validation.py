"""Check that a resource is valid FHIR before it is stored (422 with the reasons when it is not)."""
from __future__ import annotations

from fhir.resources import R4B
from pydantic import ValidationError

from adapter.server.outcome import FhirError

# fhir.resources ships R4B (4.3) models, whose resources we store are unchanged from R4 (4.0.1)


def validate(resource: dict) -> None:
    try:
        model = R4B.get_fhir_model_class(resource["resourceType"])
    except (KeyError, ValueError):
        raise FhirError(422, f"unknown resourceType {resource.get('resourceType')!r}") from None
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])
        raise FhirError(422, f"invalid {resource['resourceType']}: {problems}") from None
