"""Push stage: write our FHIR resources into a remote FHIR server (HAPI first), idempotently and fault-tolerantly."""
