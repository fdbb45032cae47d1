"""Protocol text understanding (schedules, time frames), free of any FHIR version."""
