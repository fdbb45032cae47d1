"""Map one TrialRecord to its FHIR R4 resources: ResearchStudy, Group, PlanDefinition and the parties."""
from __future__ import annotations

from ...record import Person, TrialRecord
from ..codes import coding
from .group import group
from .parties import location, organization, organization_named, practitioner, practitioner_role
from .plan_definition import plan_definition
from .research_study import research_study

# TrialRecord fields the R4 mapping carries somewhere (the rest is reported as dropped for R4)
MAPPED = {
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
}


def _reference(resource: dict, display: str | None = None) -> dict:
    ref = {"reference": f"{resource['resourceType']}/{resource['id']}"}
    if display:
        ref["display"] = display
    return ref


def _site_status(value):
    return coding("fhir_r4.json", "site_status", value)


def _lead_investigator(record: TrialRecord) -> Person | None:
    pis = [p for p in record.officials if p.role == "PRINCIPAL_INVESTIGATOR"]
    return (pis or record.officials or [None])[0]


def map_record(record: TrialRecord) -> list[dict]:
    """All R4 resources for a record, the ResearchStudy first; references are relative (Type/id)."""
    elig = group(record)
    protocol = plan_definition(record)
    refs: dict = {"enrollment": _reference(elig), "protocol": _reference(protocol)}
    parties: dict[str, dict] = {}

    def add(resource: dict | None) -> dict | None:
        if resource is not None:
            parties.setdefault(f"{resource['resourceType']}/{resource['id']}", resource)
        return resource

    if record.sponsor:
        refs["sponsor"] = _reference(add(organization(record.sponsor)), record.sponsor.name)
    for org in record.collaborators:
        add(organization(org))
    people = list(record.officials)
    if record.responsible_party and record.responsible_party.name not in {p.name for p in people}:
        people.append(record.responsible_party)
    lead = _lead_investigator(record)
    for person in people:
        pract = add(practitioner(person))
        if person.affiliation:
            add(organization_named(person.affiliation))
        add(practitioner_role(person, pract["id"]))
        if person is lead:
            refs["principalInvestigator"] = _reference(pract, person.name)
    refs["site"] = [_reference(add(location(site, _site_status)), site.facility) for site in record.sites]
    study = research_study(record, refs)
    if record.collaborators:
        study["note"] = study.get("note", []) + [
            {"text": "Collaborators: " + "; ".join(o.name for o in record.collaborators)}]
    return [study, elig, protocol, *parties.values()]

