"""Map one TrialRecord to its FHIR R4 resources: ResearchStudy, Group, PlanDefinition and the parties."""
from __future__ import annotations

from ...record import TrialRecord
from ..profiles import claim_profiles
from .group import group
from .named_parties import named_parties, reference
from .plan_definition import plan_definition
from .research_study import research_study

# TrialRecord fields the R4 mapping carries somewhere (the rest is reported as dropped for R4)
MAPPED = frozenset({
    "id", "identifiers", "id_derived", "brief_title", "official_title", "acronym", "overall_status",
    "registry_status", "last_known_status", "why_stopped", "phases", "design.study_type", "design.allocation",
    "design.intervention_model", "design.intervention_model_description", "design.observational_model",
    "design.time_perspective", "design.masking", "design.masking_description", "design.who_masked",
    "design.primary_purpose", "conditions", "keywords", "brief_summary", "detailed_description", "start_date",
    "completion_date", "enrollment", "arms", "interventions", "outcomes", "eligibility.criteria",
    "eligibility.sex", "eligibility.gender_description", "eligibility.minimum_age", "eligibility.maximum_age",
    "eligibility.healthy_volunteers", "eligibility.std_ages", "sponsor", "collaborators", "responsible_party",
    "officials", "central_contacts", "sites", "references",
    # provenance, not trial content
    "source", "source_index", "source_format", "dropped", "warnings",
})


def map_record(record: TrialRecord) -> list[dict]:
    """All R4 resources for a record, the ResearchStudy first; references are relative (Type/id)."""
    elig = group(record)
    protocol = plan_definition(record)
    parties = named_parties(record)
    refs: dict = {"enrollment": reference(elig), "protocol": reference(protocol), "site": parties.sites}
    if parties.sponsor:
        refs["sponsor"] = parties.sponsor
    if parties.lead_investigator:
        refs["principalInvestigator"] = parties.lead_investigator
    study = research_study(record, refs)
    if record.collaborators:
        study["note"] = study.get("note", []) + [
            {"text": "Collaborators: " + "; ".join(o.name for o in record.collaborators)}]
    return claim_profiles([study, elig, protocol, *parties.resources.values()])
