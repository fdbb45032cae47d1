"""The R4 ResearchStudy for a TrialRecord: identity, status, design, conditions, arms, objectives, parties."""
from __future__ import annotations

import re

from ...record import Reference, TrialRecord
from ..codes import coding, ctgov_display, system_uri, table
from ..ids import ID_SYSTEM
from ..urls import CS_STUDY_DESIGN, EXT_REGISTRY_STATUS
from . import parties

FHIR = "fhir_r4.json"
NCT_SYSTEM = "http://clinicaltrials.gov"
# design elements that become categories, in the order a reader expects them
DESIGN_CATEGORIES = ("study_type", "allocation", "intervention_model", "observational_model", "time_perspective",
                     "masking", "primary_purpose")
# every element coded in our ctgov-study-design CodeSystem (profiles/build.py lists its concepts from these)
STUDY_DESIGN_ELEMENTS = DESIGN_CATEGORIES + ("arm_type",)


def study_identifier(record: TrialRecord) -> dict:
    """The identifier a conditional update matches on: the NCT id, or our minted one."""
    if record.nct_id:
        return {"system": NCT_SYSTEM, "value": record.nct_id}
    return {"system": ID_SYSTEM, "value": record.id}


def identifiers(record: TrialRecord) -> list[dict]:
    out = [dict(study_identifier(record), use="official")]
    for ident in record.identifiers:
        if ident.kind == "nct":
            continue
        entry: dict = {"use": "secondary", "value": ident.value}
        if ident.kind == "org":
            entry["type"] = {"text": "Organization study identifier"}
            assigner = ident.assigner or (record.sponsor.name if record.sponsor else None)
        else:
            entry["type"] = {"text": ctgov_display("secondary_id_type", ident.type) if ident.type
                             else "Secondary identifier"}
            assigner = ident.assigner
        if assigner:
            entry["assigner"] = {"display": assigner}
        out.append(entry)
    return out


def study_design_coding(element: str, value: str) -> dict:
    """Our ctgov-study-design Coding for a v2 enum: code ``<element>-<VALUE>``; a design category's display
    names its element ("Allocation: Randomized"), an arm type's is the type alone."""
    display = ctgov_display(element, value)
    if element in DESIGN_CATEGORIES:
        display = f"{element.replace('_', ' ').capitalize()}: {display}"
    return {"system": CS_STUDY_DESIGN, "code": f"{element}-{value}", "display": display}


def design_concept(element: str, value: str) -> dict:
    c = study_design_coding(element, value)
    return {"coding": [c], "text": c["display"]}


def categories(record: TrialRecord) -> list[dict]:
    design = record.design
    out = [design_concept(el, getattr(design, el)) for el in DESIGN_CATEGORIES if getattr(design, el)]
    if design.who_masked:
        who = ", ".join(ctgov_display("who_masked", w) for w in design.who_masked)
        out.append({"text": f"Masked: {who}"})
    for note, text in (("Intervention model", design.intervention_model_description),
                       ("Masking", design.masking_description)):
        if text:
            out.append({"text": f"{note}: {text}"})
    return out


def phase(record: TrialRecord, fhir: str = FHIR) -> dict:
    """Phase coded through the ``research_study_phase`` table of mappings file ``fhir``."""
    key = "+".join(record.phases) if record.phases else None
    c = coding(fhir, "research_study_phase", key)
    if c is None:
        # FHIR requires nothing here, but a study with no phase given is "not applicable" to phases
        c = coding(fhir, "research_study_phase", "NA")
        return {"coding": [c], "text": "Not stated" if not record.phases else "/".join(record.phases)}
    return {"coding": [c], "text": c["display"]}


def lifecycle(record: TrialRecord) -> str | None:
    """The v2 overall status to code: a study whose status is unknown is reported by its last known status,
    when the registry kept one."""
    value = record.overall_status
    if value == "UNKNOWN" and record.last_known_status:
        value = record.last_known_status
    return value


def status(record: TrialRecord) -> str:
    c = coding(FHIR, "research_study_status", lifecycle(record))
    return c["code"] if c else "active"


def concept(coded) -> dict:
    out: dict = {"text": coded.text}
    if coded.code:
        out["coding"] = [{"system": coded.system or system_uri("mesh"), "code": coded.code,
                          "display": coded.display or coded.text}]
    return out


def focus(record: TrialRecord) -> list[dict]:
    out = []
    for iv in record.interventions:
        c: dict = {"text": iv.name}
        codings = [{"system": k.system or system_uri("mesh"), "code": k.code, "display": k.display or k.text}
                   for k in iv.codes if k.code]
        if codings:
            c["coding"] = codings
        out.append(c)
    return out


def reason_stopped(text: str, fhir: str = FHIR) -> dict:
    t = table(fhir, "reason_stopped")
    lowered = text.casefold()
    for code, words in t["keywords"].items():
        if any(w in lowered for w in words):
            return {"coding": [{"system": t["system"], "code": code, "display": t["display"][code]}], "text": text}
    return {"text": text}


_DOI_URL = "https://doi.org/"
_PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/"


def related_artifact(ref: Reference) -> dict:
    kind = table(FHIR, "related_artifact_type")["map"].get(ref.type or "", "citation")
    out: dict = {"type": kind}
    if ref.citation:
        out["citation"] = ref.citation
    url = ref.url or (_DOI_URL + ref.doi if ref.doi else None) or (_PUBMED_URL + ref.pmid + "/" if ref.pmid else None)
    if url:
        out["url"] = url
    if ref.pmid:
        out["label"] = f"PMID {ref.pmid}"
    if ref.label:
        out["display"] = ref.label
    return out


def contacts(record: TrialRecord) -> list[dict]:
    out = []
    for person in record.central_contacts:
        detail: dict = {"name": person.name}
        telecom = parties.telecom(person)
        if telecom:
            detail["telecom"] = telecom
        out.append(detail)
    return out


def arms(record: TrialRecord) -> list[dict]:
    out = []
    for arm in record.arms:
        entry: dict = {"name": arm.label}
        if arm.type:
            c = study_design_coding("arm_type", arm.type)
            entry["type"] = {"coding": [c], "text": c["display"]}
        if arm.description:
            entry["description"] = arm.description
        out.append(entry)
    return out


def objectives(record: TrialRecord) -> list[dict]:
    out = []
    for outcome in record.outcomes:
        entry: dict = {"name": outcome.measure}
        c = coding(FHIR, "objective_type", outcome.kind)
        if c:
            entry["type"] = {"coding": [c], "text": c["code"]}
        out.append(entry)
    return out


def description(record: TrialRecord) -> str | None:
    parts = []
    if record.brief_summary:
        parts.append(record.brief_summary)
    if record.detailed_description:
        parts.append("## Detailed description\n\n" + record.detailed_description)
    return "\n\n".join(parts) or None


def countries(record: TrialRecord) -> list[dict]:
    seen = dict.fromkeys(s.country for s in record.sites if s.country)
    return [{"text": c} for c in seen]


_TITLE_SPACES = re.compile(r"\s+")


def research_study(record: TrialRecord, refs: dict) -> dict:
    """The ResearchStudy; ``refs`` holds the references to its Group, PlanDefinition and parties."""
    res: dict = {"resourceType": "ResearchStudy", "id": record.id}
    res["extension"] = [{"url": EXT_REGISTRY_STATUS,
                         "valueString": record.registry_status or record.overall_status}] \
        if (record.registry_status or record.overall_status) else []
    res["identifier"] = identifiers(record)
    if record.title:
        res["title"] = _TITLE_SPACES.sub(" ", record.title).strip()
    if refs.get("protocol"):
        res["protocol"] = [refs["protocol"]]
    res["status"] = status(record)
    c = coding(FHIR, "primary_purpose_type", record.design.primary_purpose)
    if c:
        res["primaryPurposeType"] = {"coding": [c], "text": c["display"]}
    res["phase"] = phase(record)
    res["category"] = categories(record)
    res["focus"] = focus(record)
    res["condition"] = [concept(c) for c in record.conditions]
    res["contact"] = contacts(record)
    res["relatedArtifact"] = [related_artifact(r) for r in record.references]
    res["keyword"] = [{"text": k} for k in record.keywords]
    res["location"] = countries(record)
    desc = description(record)
    if desc:
        res["description"] = desc
    if refs.get("enrollment"):
        res["enrollment"] = [refs["enrollment"]]
    period = {k: d.value for k, d in (("start", record.start_date), ("end", record.completion_date)) if d}
    if period:
        res["period"] = period
    for key in ("sponsor", "principalInvestigator"):
        if refs.get(key):
            res[key] = refs[key]
    res["site"] = refs.get("site", [])
    if record.why_stopped:
        res["reasonStopped"] = reason_stopped(record.why_stopped)
    res["arm"] = arms(record)
    res["objective"] = objectives(record)
    acronym_note = [{"text": f"Acronym: {record.acronym}"}] if record.acronym else []
    official = ([{"text": f"Official title: {record.official_title}"}]
                if record.official_title and record.official_title != res.get("title") else [])
    res["note"] = acronym_note + official
    return {k: v for k, v in res.items() if v not in ([], None, "")}

