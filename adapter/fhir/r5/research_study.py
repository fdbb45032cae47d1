"""The R5 ResearchStudy: publication status, lifecycle in progressStatus, recruitment, comparison groups,
outcome measures and associated parties, from the same rules as R4 where the shapes agree."""
from __future__ import annotations

import re

from ...record import DateValue, Organization, TrialRecord
from ..codes import coding, ctgov_display, table
from ..r4 import research_study as r4
from ..r4.named_parties import Parties, PersonParty
from ..r4.parties import ROLE_TEXT
from ..urls import EXT_REGISTRY_STATUS

FHIR = "fhir_r5.json"
_SPACES = re.compile(r"\s+")


def _concept(c: dict | None, text: str | None = None) -> dict | None:
    if c is None:
        return {"text": text} if text else None
    return {"coding": [c], "text": text or c.get("display", c["code"])}


def labels(record: TrialRecord, title: str | None) -> list[dict]:
    out = []
    for kind, value in (("official", record.official_title), ("acronym", record.acronym)):
        if value and value != title:
            out.append({"type": _concept(coding(FHIR, "title_type", kind)), "value": value})
    return out


def _actual(date: DateValue) -> bool | None:
    return {"ACTUAL": True, "ESTIMATED": False, "ANTICIPATED": False}.get(date.type or "")


def progress_status(record: TrialRecord) -> list[dict]:
    """The current lifecycle state, then the overall-study period: one entry when its dates are all actual
    (or all anticipated, or untyped), else one entry for the actual date and one for the anticipated."""
    out = []
    state = coding(FHIR, "research_study_status", r4.lifecycle(record))
    if state:
        out.append({"state": _concept(state)})
    dates = [(k, d) for k, d in (("start", record.start_date), ("end", record.completion_date)) if d]
    known = {_actual(d) for _, d in dates} - {None}
    parts = [(flag, [(k, d) for k, d in dates if _actual(d) is flag]) for flag in sorted(known, reverse=True)] \
        if len(known) > 1 else [(next(iter(known), None), dates)]
    t = table(FHIR, "research_study_status")
    overall = {"system": t["system"], "code": "overall-study", "display": t["display"]["overall-study"]}
    for flag, part in parts:
        if not part:
            continue
        entry: dict = {"state": _concept(overall)}
        if flag is not None:
            entry["actual"] = flag
        entry["period"] = {k: d.value for k, d in part}
        out.append(entry)
    return out


def study_design(record: TrialRecord) -> list[dict]:
    """R4's design categories, each with the SEVCO study-design code R5 prefers where one is equivalent."""
    out = []
    for concept in r4.categories(record):
        ours = concept.get("coding", [{}])[0].get("code")
        sevco = coding(FHIR, "study_design", ours)
        if sevco:
            concept = {**concept, "coding": [sevco, *concept["coding"]]}
        out.append(concept)
    return out


def recruitment(record: TrialRecord, eligibility: dict) -> dict:
    out: dict = {}
    if record.enrollment is not None:
        out["actualNumber" if record.enrollment_type == "ACTUAL" else "targetNumber"] = record.enrollment
    out["eligibility"] = eligibility
    return out


def comparison_groups(record: TrialRecord, protocol: dict) -> list[dict]:
    """One per arm, linked by id to the arm's PlanDefinition action; its interventions named as exposures
    (R5 wants EvidenceVariables there, which we do not emit: the references carry a display only)."""
    actions = {a.get("id"): a for a in protocol.get("action", [])}
    out = []
    for n, (arm, entry) in enumerate(zip(record.arms, r4.arms(record)), start=1):
        group: dict = {"linkId": f"arm-{n}", "name": entry["name"]}
        if "type" in entry:
            r5_type = coding(FHIR, "arm_type", arm.type)
            group["type"] = {"coding": [*([r5_type] if r5_type else []), *entry["type"]["coding"]],
                             "text": entry["type"]["text"]}
        if "description" in entry:
            group["description"] = entry["description"]
        exposures = [{"type": "EvidenceVariable", "display": child["title"]}
                     for child in actions.get(group["linkId"], {}).get("action", []) if child.get("title")]
        if exposures:
            group["intendedExposure"] = exposures
        out.append(group)
    return out


def outcome_measures(record: TrialRecord) -> list[dict]:
    out = []
    for outcome in record.outcomes:
        entry: dict = {"name": outcome.measure}
        kind = coding(FHIR, "objective_type", outcome.kind)
        if kind:
            entry["type"] = [_concept(kind)]
        text = [p for p in (outcome.description, outcome.time_frame and f"Time frame: {outcome.time_frame}") if p]
        if text:
            entry["description"] = "\n\n".join(text)
        out.append(entry)
    return out


def _organization_party(org: Organization, role: str, ref: dict | None) -> dict:
    entry: dict = {"name": org.name,
                   "role": _concept(coding(FHIR, "party_role", role), table(FHIR, "party_role")["text"][role])}
    if org.agency_class:
        entry["classifier"] = [_concept(coding(FHIR, "party_organization_type", org.agency_class),
                                        ctgov_display("agency_class", org.agency_class))]
    if ref:
        entry["party"] = ref
    return entry


def _person_party(party: PersonParty, role_key: str | None) -> dict:
    person = party.person
    role = _concept(coding(FHIR, "party_role", role_key),
                    ROLE_TEXT.get(person.role or "", person.role) or "Study party")
    return {"name": person.name, "role": role, "party": party.role or party.practitioner}


def associated_parties(record: TrialRecord, parties: Parties, contacts: list[PersonParty]) -> list[dict]:
    """Lead sponsor, collaborators, officials, the responsible party (role by its type) and central contacts."""
    out = []
    if record.sponsor:
        out.append(_organization_party(record.sponsor, "SPONSOR", parties.sponsor))
    for org, ref in zip(record.collaborators, parties.collaborators):
        out.append(_organization_party(org, "COLLABORATOR", ref))
    for party in parties.people:
        responsible = party.person.role == "RESPONSIBLE_PARTY"
        out.append(_person_party(party, record.responsible_party_type if responsible else party.person.role))
    out += [_person_party(c, c.person.role) for c in contacts]
    return out


def related_artifact(ref) -> dict:
    """R4's RelatedArtifact, its ``url`` moved to ``document.url`` (R5 dropped RelatedArtifact.url)."""
    out = r4.related_artifact(ref)
    if "url" in out:
        out["document"] = {"url": out.pop("url")}
    return out


def research_study(record: TrialRecord, refs: dict, parties: Parties, contacts: list[PersonParty],
                   protocol: dict) -> dict:
    """``refs`` holds the references to the eligibility Group and the protocol PlanDefinition."""
    res: dict = {"resourceType": "ResearchStudy", "id": record.id}
    registry_status = record.registry_status or record.overall_status
    if registry_status:
        res["extension"] = [{"url": EXT_REGISTRY_STATUS, "valueString": registry_status}]
    res["identifier"] = r4.identifiers(record)
    title = _SPACES.sub(" ", record.title).strip() if record.title else None
    if title:
        res["title"] = title
    res["label"] = labels(record, title)
    res["protocol"] = [refs["protocol"]]
    res["relatedArtifact"] = [related_artifact(r) for r in record.references]
    if record.last_updated:
        res["date"] = record.last_updated
    # the resource describes the study as registered: it is in use, whatever the trial's own progress
    res["status"] = "active"
    res["primaryPurposeType"] = _concept(coding(FHIR, "primary_purpose_type", record.design.primary_purpose))
    res["phase"] = r4.phase(record, FHIR)
    res["studyDesign"] = study_design(record)
    res["focus"] = [{"concept": c} for c in r4.focus(record)]
    res["condition"] = [r4.concept(c) for c in record.conditions]
    res["keyword"] = [{"text": k} for k in record.keywords]
    res["region"] = r4.countries(record)
    res["descriptionSummary"] = record.brief_summary
    res["description"] = record.detailed_description
    period = {k: d.value for k, d in (("start", record.start_date), ("end", record.completion_date)) if d}
    if period:
        res["period"] = period
    res["site"] = parties.sites
    ages = table(FHIR, "age_group")["map"]
    res["classifier"] = [{"text": f"Age group: {ages.get(a, a)}"} for a in record.eligibility.std_ages]
    res["associatedParty"] = associated_parties(record, parties, contacts)
    res["progressStatus"] = progress_status(record)
    if record.why_stopped:
        res["whyStopped"] = r4.reason_stopped(record.why_stopped, FHIR)
    res["recruitment"] = recruitment(record, refs["eligibility"])
    res["comparisonGroup"] = comparison_groups(record, protocol)
    res["outcomeMeasure"] = outcome_measures(record)
    return {k: v for k, v in res.items() if v not in ([], None, "")}
