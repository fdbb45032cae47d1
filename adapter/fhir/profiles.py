"""meta.profile claims: the profile of ours (profiles/r4, profiles/r5) that each emitted resource type meets."""
from __future__ import annotations

from .urls import (PROFILE_ELIGIBILITY_GROUP, PROFILE_LOCATION, PROFILE_ORGANIZATION, PROFILE_PRACTITIONER,
                   PROFILE_PRACTITIONER_ROLE, PROFILE_PROTOCOL, PROFILE_RESEARCH_STUDY)

# one canonical URL per profile for both FHIR versions, as HL7's own version-specific packages do
PROFILE_OF = {
    "ResearchStudy": PROFILE_RESEARCH_STUDY,
    "Group": PROFILE_ELIGIBILITY_GROUP,
    "PlanDefinition": PROFILE_PROTOCOL,
    "Organization": PROFILE_ORGANIZATION,
    "Location": PROFILE_LOCATION,
    "Practitioner": PROFILE_PRACTITIONER,
    "PractitionerRole": PROFILE_PRACTITIONER_ROLE,
}


def claim_profile(resource: dict) -> dict:
    """The resource with ``meta.profile`` naming its profile, placed after ``id`` as FHIR's JSON orders it."""
    url = PROFILE_OF.get(resource["resourceType"])
    if url is None:
        return resource
    out: dict = {}
    for key, value in resource.items():
        if key != "meta":
            out[key] = value
        if key == "id":
            meta = dict(resource.get("meta", {}))
            meta["profile"] = [*meta.get("profile", []), *([url] if url not in meta.get("profile", []) else [])]
            out["meta"] = meta
    return out


def claim_profiles(resources: list[dict]) -> list[dict]:
    return [claim_profile(r) for r in resources]
