"""What the server can take, read from GET /metadata: its FHIR version and the write interactions it offers."""
from __future__ import annotations

from dataclasses import dataclass, field

from .client import FhirClient
from .errors import MalformedResponse, ServerMismatch

MODES = ("transaction", "batch", "single")


@dataclass(frozen=True)
class Capabilities:
    fhir_version: str
    software: str = ""
    # system-level interactions (transaction, batch, ...)
    interactions: frozenset[str] = frozenset()
    # per resource type, where the statement says so: conditionalUpdate / updateCreate
    conditional_update: dict[str, bool] = field(default_factory=dict)
    update_create: dict[str, bool] = field(default_factory=dict)

    def best_mode(self) -> str:
        """Transaction if offered, else batch, else one request per resource."""
        return next((m for m in MODES[:2] if m in self.interactions), "single")

    def check(self, fhir_version: str, ids: str, types: tuple[str, ...]) -> None:
        """Refuse early a server on another FHIR version, or one that says it cannot do our kind of write."""
        if not (self.fhir_version == fhir_version or self.fhir_version.startswith(fhir_version + ".")):
            raise ServerMismatch(f"the server speaks FHIR {self.fhir_version or '(unstated)'}"
                                 f"{f' ({self.software})' if self.software else ''}, we push FHIR {fhir_version}"
                                 f" resources: point --to at the server's {fhir_version} endpoint")
        flags, need, other = ((self.conditional_update, "conditional update", "--ids client") if ids == "conditional"
                              else (self.update_create, "update as create (client-assigned ids)",
                                    "--ids conditional"))
        refused = [t for t in types if flags.get(t) is False]
        if refused:
            raise ServerMismatch(f"the server does not allow {need} on {', '.join(refused)}; try {other}")


def read_capabilities(statement: dict) -> Capabilities:
    if not isinstance(statement, dict) or statement.get("resourceType") != "CapabilityStatement":
        raise MalformedResponse("GET /metadata did not answer a CapabilityStatement")
    rests = [r for r in statement.get("rest", []) if r.get("mode", "server") == "server"]
    interactions = {i.get("code") for r in rests for i in r.get("interaction", [])}
    resources = [res for r in rests for res in r.get("resource", [])]
    return Capabilities(
        fhir_version=str(statement.get("fhirVersion", "")),
        software=" ".join(filter(None, (statement.get("software", {}).get(k) for k in ("name", "version")))),
        interactions=frozenset(filter(None, interactions)),
        conditional_update={r["type"]: r["conditionalUpdate"] for r in resources if "conditionalUpdate" in r},
        update_create={r["type"]: r["updateCreate"] for r in resources if "updateCreate" in r},
    )


def fetch_capabilities(client: FhirClient) -> Capabilities:
    return read_capabilities(client.get_json("metadata"))
