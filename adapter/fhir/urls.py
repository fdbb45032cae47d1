"""Canonical URLs of our profiles, extensions and code systems (defined in profiles/)."""

BASE = "http://trialfhir.org/fhir"
STRUCTURE = f"{BASE}/StructureDefinition"

EXT_CRITERION_TEXT = f"{STRUCTURE}/criterion-text"
EXT_CRITERION_ID = f"{STRUCTURE}/criterion-id"
EXT_PARSE_CONFIDENCE = f"{STRUCTURE}/parse-confidence"
EXT_TIME_WINDOW = f"{STRUCTURE}/relative-time-window"
EXT_REGISTRY_STATUS = f"{STRUCTURE}/registry-status"

PROFILE_RESEARCH_STUDY = f"{STRUCTURE}/trial-researchstudy"
PROFILE_ELIGIBILITY_GROUP = f"{STRUCTURE}/eligibility-group"
PROFILE_PROTOCOL = f"{STRUCTURE}/protocol-plandefinition"
PROFILE_ORGANIZATION = f"{STRUCTURE}/trial-organization"
PROFILE_LOCATION = f"{STRUCTURE}/trial-site-location"
PROFILE_PRACTITIONER = f"{STRUCTURE}/trial-practitioner"
PROFILE_PRACTITIONER_ROLE = f"{STRUCTURE}/trial-practitionerrole"

# our own small code systems, for what no published terminology names
CS_CRITERION_KIND = f"{BASE}/CodeSystem/criterion-kind"
CS_STUDY_DESIGN = f"{BASE}/CodeSystem/ctgov-study-design"
