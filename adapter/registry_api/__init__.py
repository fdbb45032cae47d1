"""Registry API stage: fetch ClinicalTrials.gov API v2 records, and sync what changed into a FHIR server."""
