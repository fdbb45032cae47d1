"""FHIR mappers: TrialRecord to FHIR resources, one subpackage per FHIR version."""
