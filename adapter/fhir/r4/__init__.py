"""FHIR R4 (4.0.1) mappers."""
