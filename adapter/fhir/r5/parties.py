"""R5 shapes of the party resources: R5 moved Location's and Organization's ``telecom`` into ``contact``."""
from __future__ import annotations


def r5_party(resource: dict) -> dict:
    """An R4 Organization, Location, Practitioner or PractitionerRole dict reshaped for R5."""
    if resource["resourceType"] not in ("Location", "Organization") or "telecom" not in resource:
        return resource
    out = {k: v for k, v in resource.items() if k != "telecom"}
    out["contact"] = [{"telecom": resource["telecom"]}]
    return out
