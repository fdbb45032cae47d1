"""Write our conformance resources: profiles and extensions for R4 (profiles/r4) and R5 (profiles/r5), and the
ctgov-study-design CodeSystem, from the descriptions below, mappings/ctgov_display.json and adapter/fhir/urls.py.

Run ``python profiles/build.py`` after changing any of those; tests/test_profiles.py fails while the files on
disk differ from what this writes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from adapter.fhir.codes import table  # noqa: E402
from adapter.fhir.r4.research_study import STUDY_DESIGN_ELEMENTS, study_design_coding  # noqa: E402
from adapter.fhir.urls import (CS_STUDY_DESIGN, EXT_CRITERION_ID, EXT_CRITERION_TEXT,  # noqa: E402
                               EXT_PARSE_CONFIDENCE, EXT_REGISTRY_STATUS, EXT_TIME_WINDOW, PROFILE_ELIGIBILITY_GROUP,
                               PROFILE_LOCATION, PROFILE_ORGANIZATION, PROFILE_PRACTITIONER,
                               PROFILE_PRACTITIONER_ROLE, PROFILE_PROTOCOL, PROFILE_RESEARCH_STUDY)

VERSION = "0.1.0"
PUBLISHER = "trialfhir"
FHIR_VERSIONS = {"r4": "4.0.1", "r5": "5.0.0"}
CORE = "http://hl7.org/fhir/StructureDefinition/"

# extension url -> (name, title, context element, value type, what it holds, extra value[x] constraints)
EXTENSIONS = {
    EXT_CRITERION_TEXT: ("CriterionText", "Original criterion text", "Group.characteristic", "string",
                         "The eligibility criterion exactly as the registry wrote it.", {}),
    EXT_CRITERION_ID: ("CriterionId", "Criterion id", "Group.characteristic", "string",
                       "A stable id of the criterion within the study (inc-3, exc-1.2), shared by all the "
                       "characteristics read from it.", {}),
    EXT_PARSE_CONFIDENCE: ("ParseConfidence", "Parse confidence", "Group.characteristic", "decimal",
                           "How sure the eligibility parser is that the characteristic says what the criterion "
                           "says: 0 (text only, nothing computable) to 1.",
                           {"minValueDecimal": 0, "maxValueDecimal": 1}),
    EXT_TIME_WINDOW: ("RelativeTimeWindow", "Relative time window", "Group.characteristic", "Duration",
                      "How far back from enrolment the characteristic looks (\"within the last 6 weeks\"); "
                      "Group.characteristic.period holds only absolute dates.", {}),
    EXT_REGISTRY_STATUS: ("RegistryStatus", "Registry status", "ResearchStudy", "string",
                          "The study's overall status in the registry's own words, kept beside the coded "
                          "status.", {}),
}

ELIGIBILITY_EXTENSIONS = {"criterionText": EXT_CRITERION_TEXT, "criterionId": EXT_CRITERION_ID,
                          "parseConfidence": EXT_PARSE_CONFIDENCE, "timeWindow": EXT_TIME_WINDOW}
CRITERION_COMPLETE = {
    "key": "tf-elig-1", "severity": "error",
    "human": "A characteristic read from a criterion carries the criterion's id and the parse confidence",
    "expression": f"extension('{EXT_CRITERION_TEXT}').exists() implies (extension('{EXT_CRITERION_ID}')"
                  f".exists() and extension('{EXT_PARSE_CONFIDENCE}').exists())",
    "source": PROFILE_ELIGIBILITY_GROUP}
PLAN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                         "code": "clinical-protocol"}]}


def element(path: str, **props) -> dict:
    return {"id": path, "path": path.replace(":", "@").split("@")[0] + _after_slice(path), **props}


def _after_slice(path: str) -> str:
    # "A.extension:slice.value[x]" has path "A.extension.value[x]"
    if ":" not in path:
        return ""
    rest = path.split(":", 1)[1]
    return rest[rest.index("."):] if "." in rest else ""


def extension_slices(parent: str, slices: dict[str, str], min_: int = 0) -> list[dict]:
    out = [element(f"{parent}.extension", slicing={"discriminator": [{"type": "value", "path": "url"}],
                                                   "rules": "open"})]
    for name, url in slices.items():
        out.append(element(f"{parent}.extension:{name}", sliceName=name, min=min_, max="1",
                           type=[{"code": "Extension", "profile": [url]}]))
    return out


def reference(path: str, target: str, min_: int = 1, max_: str = "1") -> dict:
    return element(path, min=min_, max=max_, type=[{"code": "Reference", "targetProfile": [target]}])


def profiles(version: str) -> dict[str, tuple[str, str, str, list[dict]]]:
    """Profile url -> (name, type, description, differential elements) for one FHIR version (r4 | r5)."""
    r5 = version == "r5"
    study = [*extension_slices("ResearchStudy", {"registryStatus": EXT_REGISTRY_STATUS}),
             element("ResearchStudy.identifier", min=1),
             reference("ResearchStudy.protocol", PROFILE_PROTOCOL),
             element("ResearchStudy.phase", min=1)]
    if r5:
        study += [element("ResearchStudy.recruitment", min=1),
                  reference("ResearchStudy.recruitment.eligibility", PROFILE_ELIGIBILITY_GROUP)]
    else:
        study.append(reference("ResearchStudy.enrollment", PROFILE_ELIGIBILITY_GROUP))
    group = [element("Group.identifier", min=1),
             element("Group.type", fixedCode="person"),
             element("Group.membership", fixedCode="definitional") if r5 else
             element("Group.actual", fixedBoolean=False),
             element("Group.characteristic", constraint=[CRITERION_COMPLETE]),
             element("Group.characteristic.id", min=1),
             *extension_slices("Group.characteristic", ELIGIBILITY_EXTENSIONS),
             element("Group.characteristic.exclude", min=1)]
    plan = [element("PlanDefinition.identifier", min=1), element("PlanDefinition.title", min=1),
            element("PlanDefinition.type", min=1, patternCodeableConcept=PLAN_TYPE)]
    return {
        PROFILE_RESEARCH_STUDY: ("TrialResearchStudy", "ResearchStudy",
                                 "A registered clinical trial: identified, phased, with its protocol and its "
                                 "eligibility Group.", study),
        PROFILE_ELIGIBILITY_GROUP: ("EligibilityGroup", "Group",
                                    "Who may enrol in a trial: a definitional group of persons, one characteristic "
                                    "per fact read from each criterion, each criterion's text and id kept.", group),
        PROFILE_PROTOCOL: ("ProtocolPlanDefinition", "PlanDefinition",
                           "A trial's protocol: an action per arm with its interventions, and the outcome "
                           "assessments.", plan),
        PROFILE_ORGANIZATION: ("TrialOrganization", "Organization", "A sponsor, collaborator or affiliation named "
                               "by a trial registration.",
                               [element("Organization.identifier", min=1), element("Organization.name", min=1)]),
        PROFILE_LOCATION: ("TrialSiteLocation", "Location", "A site where a trial recruits.",
                           [element("Location.identifier", min=1), element("Location.name", min=1)]),
        PROFILE_PRACTITIONER: ("TrialPractitioner", "Practitioner", "An investigator or contact of a trial.",
                               [element("Practitioner.identifier", min=1), element("Practitioner.name", min=1)]),
        PROFILE_PRACTITIONER_ROLE: ("TrialPractitionerRole", "PractitionerRole",
                                    "An investigator's role in a trial and affiliation.",
                                    [element("PractitionerRole.identifier", min=1),
                                     reference("PractitionerRole.practitioner", PROFILE_PRACTITIONER)]),
    }


def _header(url: str, name: str, title: str, fhir_version: str, description: str) -> dict:
    return {"resourceType": "StructureDefinition", "id": url.rsplit("/", 1)[1], "url": url, "version": VERSION,
            "name": name, "title": title, "status": "active", "publisher": PUBLISHER, "description": description,
            "fhirVersion": fhir_version}


def profile_definition(url: str, spec: tuple, fhir_version: str) -> dict:
    name, rtype, description, elements = spec
    sd = _header(url, name, name, fhir_version, description)
    sd.update(kind="resource", abstract=False, type=rtype, baseDefinition=CORE + rtype, derivation="constraint",
              differential={"element": [element(rtype, short=name), *elements]})
    return sd


def extension_definition(url: str, fhir_version: str) -> dict:
    name, title, context, value_type, description, value_rules = EXTENSIONS[url]
    sd = _header(url, name, title, fhir_version, description)
    sd.update(kind="complex-type", abstract=False, context=[{"type": "element", "expression": context}],
              type="Extension", baseDefinition=CORE + "Extension", derivation="constraint",
              differential={"element": [
                  element("Extension", short=title, definition=description, max="1"),
                  element("Extension.extension", max="0"),
                  element("Extension.url", fixedUri=url),
                  element("Extension.value[x]", min=1, type=[{"code": value_type}], **value_rules)]})
    return sd


def study_design_code_system() -> dict:
    """Our codes for the registry's design enums, ``<element>-<VALUE>``, with the displays the mappers write."""
    concepts = [{"code": c["code"], "display": c["display"]}
                for el in STUDY_DESIGN_ELEMENTS for c in (study_design_coding(el, v)
                                                          for v in table("ctgov_display.json", el))]
    return {"resourceType": "CodeSystem", "id": CS_STUDY_DESIGN.rsplit("/", 1)[1], "url": CS_STUDY_DESIGN,
            "version": VERSION, "name": "CtgovStudyDesign", "title": "ClinicalTrials.gov study design",
            "status": "active", "publisher": PUBLISHER,
            "description": "ClinicalTrials.gov API v2 design enums (study type, allocation, models, masking, "
                           "primary purpose, arm type), coded <element>-<ENUM>, for what no published "
                           "terminology names.",
            "caseSensitive": True, "content": "complete", "count": len(concepts), "concept": concepts}


def build() -> dict[Path, dict]:
    """Every file this script owns, by path, with its content."""
    out = {HERE / "CodeSystem-ctgov-study-design.json": study_design_code_system()}
    for folder, fhir_version in FHIR_VERSIONS.items():
        for url, spec in profiles(folder).items():
            out[HERE / folder / f"StructureDefinition-{url.rsplit('/', 1)[1]}.json"] = \
                profile_definition(url, spec, fhir_version)
        for url in EXTENSIONS:
            out[HERE / folder / f"StructureDefinition-{url.rsplit('/', 1)[1]}.json"] = \
                extension_definition(url, fhir_version)
    return out


def text(resource: dict) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for path, resource in build().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text(resource), encoding="utf-8")
        print(path.relative_to(HERE.parent))
