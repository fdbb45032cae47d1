"""R5 (5.0.0) mapping of real ClinicalTrials.gov records and the seeds, checked against the source and against
HL7's own example of a ClinicalTrials.gov record; every resource valid R5."""
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from adapter.errors import RecordError
from adapter.fhir.r4.mapper import map_record as map_r4
from adapter.fhir.r5.mapper import map_record
from adapter.pipeline import Converted, convert_record
from adapter.record import DateValue, TrialRecord
from adapter.sources import read_path
from adapter.validate import R5, issues
from adapter.validate.packages import npm_package
from conftest import CTGOV, SHARED

# npm packages fetched for the tests (gitignored)
CACHE = Path(__file__).resolve().parent / ".cache"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
RS_STATUS = "http://hl7.org/fhir/research-study-status"
PARTY_ROLE = "http://hl7.org/fhir/research-study-party-role"


def fetched(name: str, version: str) -> Path:
    """An npm package tarball in tests/.cache, fetched with npm pack when missing."""
    if shutil.which("npm") is None and not (CACHE / f"{name}-{version}.tgz").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must check R5 against {name}@{version}: install npm (apt-get install npm)")
        pytest.skip(f"npm is not installed to fetch {name}@{version} (apt-get install npm)")
    return npm_package(name, version, CACHE)


@pytest.fixture(scope="session")
def r5_definitions():
    """The R5 core package in tests/.cache, where the validator looks for it during the tests."""
    fetched("hl7.fhir.r5.core", R5)
    before = os.environ.get("TRIALFHIR_FHIR_PACKAGES")
    os.environ["TRIALFHIR_FHIR_PACKAGES"] = str(CACHE)
    yield CACHE
    if before is None:
        os.environ.pop("TRIALFHIR_FHIR_PACKAGES", None)
    else:
        os.environ["TRIALFHIR_FHIR_PACKAGES"] = before


@pytest.fixture(scope="session")
def hl7_ctgov_example() -> dict:
    tarball = fetched("hl7.fhir.r5.examples", R5)
    with tarfile.open(tarball, "r:gz") as tar:
        return json.load(tar.extractfile("package/ResearchStudy-example-ctgov-study-record.json"))


def _mapped(path: Path):
    [record] = list(read_path(path))
    return record, {f"{r['resourceType']}/{r['id']}": r for r in map_record(record)}


@pytest.fixture(scope="module")
def prostatectomy():
    return _mapped(CTGOV / "api_v2_json" / "NCT00080808.json")


def _coded(concept: dict, system: str) -> str:
    return next(c["code"] for c in concept["coding"] if c["system"] == system)


def test_status_is_publication_status_and_lifecycle_is_progress(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    assert study["status"] == "active"
    # overallStatus COMPLETED; start 2001-08 (untyped), completion 2009-07 ACTUAL
    current, overall = study["progressStatus"]
    assert _coded(current["state"], RS_STATUS) == "completed"
    assert _coded(overall["state"], RS_STATUS) == "overall-study"
    assert overall["actual"] is True and overall["period"] == {"start": "2001-08", "end": "2009-07"}
    assert study["extension"][0]["valueString"] == "COMPLETED"
    assert study["phase"]["coding"][0] == {"system": "http://hl7.org/fhir/research-study-phase",
                                           "code": "phase-2", "display": "Phase 2"}
    assert study["date"] == "2012-07-30"


def test_recruitment_comparison_groups_outcomes(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    # enrollmentInfo {"count": 111, "type": "ACTUAL"}
    assert study["recruitment"] == {"actualNumber": 111, "eligibility": {"reference": "Group/NCT00080808-eligibility"}}
    arm1, arm2 = study["comparisonGroup"]
    assert (arm1["name"], arm2["name"]) == ("Arm I", "Arm II (No sural nerve grafting)")
    assert _coded(arm1["type"], "http://hl7.org/fhir/research-study-arm-type") == "active-comparator"
    assert [e["display"] for e in arm1["intendedExposure"]] == [
        "Drug: Alprostadil (E1)", "Drug: Papaverine", "Drug: Phentolamine mesylate", "Drug: Sildenafil citrate",
        "Procedure: conventional surgery"]
    # linked to the arm's action in the protocol
    plan = res["PlanDefinition/NCT00080808-protocol"]
    assert plan["action"][0]["id"] == arm1["linkId"] and plan["action"][0]["title"] == "Arm I"
    [outcome] = study["outcomeMeasure"]
    assert outcome["name"] == "Potency rate at 2 years after surgery"
    assert _coded(outcome["type"][0], "http://hl7.org/fhir/research-study-objective-type") == "primary"
    assert outcome["description"] == "Time frame: 2 years"


def test_associated_parties_and_sites_resolve(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    by_role = {_coded(p["role"], PARTY_ROLE): p for p in study["associatedParty"] if p["role"].get("coding")}
    sponsor = by_role["lead-sponsor"]
    assert sponsor["name"] == "M.D. Anderson Cancer Center"
    assert res[sponsor["party"]["reference"]]["name"] == "M.D. Anderson Cancer Center"
    nci = by_role["collaborator"]
    assert nci["name"] == "National Cancer Institute (NCI)"
    assert _coded(nci["classifier"][0], "http://hl7.org/fhir/research-study-party-organization-type") == "nih"
    chair = by_role["study-chair"]
    role = res[chair["party"]["reference"]]
    assert role["resourceType"] == "PractitionerRole"
    assert res[role["practitioner"]["reference"]]["name"][0]["family"] == "Wood"
    site = res[study["site"][0]["reference"]]
    assert site["address"]["city"] == "Houston"


def test_texts_titles_and_design(prostatectomy):
    record, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    assert study["descriptionSummary"] == record.brief_summary
    assert study["description"] == record.detailed_description
    assert study["label"] == [{"type": {"coding": [{"system": "http://hl7.org/fhir/title-type", "code": "official",
                                                    "display": "Official title"}], "text": "Official title"},
                               "value": record.official_title}]
    randomized = study["studyDesign"][1]
    assert {c["code"] for c in randomized["coding"]} == {"SEVCO:01003", "allocation-RANDOMIZED"}
    assert "Age group: Older Adult (65+)" in [c["text"] for c in study["classifier"]]


def test_group_and_plan_keep_r4_content_in_r5_shape(prostatectomy):
    record, res = prostatectomy
    r4 = {f"{r['resourceType']}/{r['id']}": r for r in map_r4(record)}
    group, group4 = res["Group/NCT00080808-eligibility"], r4["Group/NCT00080808-eligibility"]
    assert group["membership"] == "definitional" and "actual" not in group
    assert group["characteristic"] == group4["characteristic"]
    plan = res["PlanDefinition/NCT00080808-protocol"]
    assert plan["action"][0]["code"] == {"text": "Active Comparator"}
    assert plan["action"][0]["action"][0]["code"] == {"text": "Drug"}


def test_mixed_actual_and_anticipated_dates_and_contacts(r5_definitions):
    # seed 003: RECRUITING, started 2020-01-01 (actual), completion 2022-12-31 (estimated), one central contact
    record, res = _mapped(SEEDS[3])
    study = res[f"ResearchStudy/{record.id}"]
    states = [(_coded(p["state"], RS_STATUS), p.get("actual"), p.get("period")) for p in study["progressStatus"]]
    assert states == [("recruiting", None, None), ("overall-study", True, {"start": "2020-01-01"}),
                      ("overall-study", False, {"end": "2022-12-31"})]
    assert study["recruitment"]["targetNumber"] == 13
    contact = next(p for p in study["associatedParty"] if p["name"] == "Dongsheng Fan")
    assert _coded(contact["role"], PARTY_ROLE) == "recruitment-contact"
    assert {t["value"] for t in res[contact["party"]["reference"]]["telecom"]} == {"+86 13701023871",
                                                                                  "dsfan@sina.com"}


def test_why_stopped_and_unknown_status():
    record = TrialRecord(id="NCT00000009", brief_title="Stopped", overall_status="UNKNOWN",
                         last_known_status="ACTIVE_NOT_RECRUITING", why_stopped="Slow accrual",
                         start_date=DateValue("2010-01", "ACTUAL"))
    study = map_record(record)[0]
    assert _coded(study["progressStatus"][0]["state"], RS_STATUS) == "active-but-not-recruiting"
    assert study["whyStopped"]["coding"][0] == {
        "system": "http://hl7.org/fhir/research-study-reason-stopped",
        "code": "closed-due-to-lack-of-study-progress", "display": "Closed due to lack of study progress"}
    assert study["extension"][0]["valueString"] == "UNKNOWN"


@pytest.mark.parametrize("seed", SEEDS, ids=[s.stem for s in SEEDS])
def test_seeds_are_valid_r5_with_resolving_references(seed, r5_definitions):
    [record] = list(read_path(seed))
    converted = convert_record(record, fhir_version=R5)
    assert isinstance(converted, Converted), converted
    ids = {f"{r['resourceType']}/{r['id']}" for r in converted.resources}
    study = converted.resources[0]
    refs = [study["recruitment"]["eligibility"], *study["protocol"], *study.get("site", []),
            *(p["party"] for p in study.get("associatedParty", []) if "party" in p)]
    assert all(r["reference"] in ids for r in refs)
    assert study.get("title") == (" ".join(record.title.split()) if record.title else None)
    assert study["identifier"][0]["value"] == record.id


def test_corpus_sample_is_valid_r5(r5_definitions):
    files = sorted((CTGOV / "api_v2_json").glob("*.json"))[::8] + sorted((CTGOV / "legacy_xml").glob("*.xml"))[::8]
    failed = []
    for path in files:
        for record in read_path(path):
            converted = convert_record(record, fhir_version=R5)
            if isinstance(converted, RecordError):
                failed.append(str(converted))
    assert len(files) > 100 and failed == []


def test_pipeline_chooses_the_mapper_and_reports_what_it_leaves():
    [record] = list(read_path(CTGOV / "api_v2_json" / "NCT00080808.json"))
    r4 = convert_record(record, validate=False)
    r5 = convert_record(record, validate=False, fhir_version=R5)
    assert "actual" in r4.resources[1] and "membership" in r5.resources[1]
    assert "enrollment_type" in r4.unmapped and "enrollment_type" not in r5.unmapped
    with pytest.raises(ValueError, match="unsupported FHIR version"):
        convert_record(record, fhir_version="3.0.2")


GOOD_STUDY = {"resourceType": "ResearchStudy", "id": "NCT00000001", "status": "active",
              "progressStatus": [{"state": {"coding": [{"system": RS_STATUS, "code": "recruiting"}]}}]}
GOOD_GROUP = {"resourceType": "Group", "id": "g", "type": "person", "membership": "definitional",
              "characteristic": [{"code": {"text": "Age"}, "valueBoolean": True, "exclude": False}]}


@pytest.mark.parametrize("broken, expected", [
    ({**GOOD_STUDY, "status": None}, "status"),                                # required element missing
    ({**GOOD_STUDY, "status": "completed"}, "publication-status"),             # code outside required set
    ({**GOOD_STUDY, "enrollment": [{"reference": "Group/g"}]}, "enrollment"),  # R4 element, unknown in R5
    ({**GOOD_STUDY, "title": 42}, "title"),                                    # wrong type
    ({**GOOD_STUDY, "progressStatus": [{"actual": True}]}, "state"),
    ({**GOOD_GROUP, "membership": "dynamic"}, "group-membership-basis"),
    ({**GOOD_GROUP, "actual": False}, "actual"),
    ({**GOOD_GROUP, "characteristic": [{"code": {"text": "Age"}, "valueBoolean": True}]}, "exclude"),
])
def test_r5_validation_rejects_broken_resources(broken, expected, r5_definitions):
    assert issues(GOOD_STUDY, R5) == [] and issues(GOOD_GROUP, R5) == []
    found = issues({k: v for k, v in broken.items() if v is not None}, R5)
    assert any(expected in f for f in found), found


def test_hl7_r5_examples_of_our_resource_types_pass(r5_definitions):
    """HL7's own R5 examples of the types we emit are valid to the one-pass validator (integer64 travels as a JSON
    string; ElementDefinition ids such as "Extension.value[x]" are strings, not ids)."""
    ours = {"ResearchStudy", "Group", "PlanDefinition", "Location", "Organization", "Practitioner",
            "PractitionerRole", "StructureDefinition"}
    checked = 0
    with tarfile.open(fetched("hl7.fhir.r5.examples", R5), "r:gz") as tar:
        for member in tar.getmembers():
            if member.name.endswith(".json"):
                resource = json.load(tar.extractfile(member))
                if resource.get("resourceType") in ours:
                    assert issues(resource, R5) == [], member.name
                    checked += 1
    assert checked > 60


# elements HL7's example fills that a registry record gives us nothing for: its own canonical url and
# machine name (FEvIR's), so they are not expected of ours
_NOT_FROM_THE_REGISTRY = {"url", "name"}


def test_same_kinds_of_elements_as_hl7_ctgov_example(hl7_ctgov_example, r5_definitions):
    ours = map_record(next(iter(read_path(CTGOV / "api_v2_json" / "NCT00080808.json"))))[0]
    theirs = hl7_ctgov_example
    wanted = set(theirs) - {"resourceType", "id", "text", "contained", "meta"} - _NOT_FROM_THE_REGISTRY
    assert wanted - set(ours) == set()
    # inside, the same parts: associatedParty, progressStatus, recruitment, comparisonGroup, outcomeMeasure
    for element in ("associatedParty", "progressStatus", "comparisonGroup", "outcomeMeasure"):
        their_keys = {k for item in theirs[element] for k in item} - {"reference"}
        our_keys = {k for item in ours[element] for k in item}
        assert their_keys <= our_keys, (element, their_keys - our_keys)
    assert set(theirs["recruitment"]) - {"targetNumber"} <= set(ours["recruitment"])
    # and the same code systems for progress states and party roles
    for element, key in (("progressStatus", "state"), ("associatedParty", "role")):
        theirs_systems = {c["system"] for item in theirs[element] for c in item[key].get("coding", [])}
        ours_systems = {c["system"] for item in ours[element] for c in item[key].get("coding", [])}
        assert theirs_systems <= ours_systems
    # the example's eligibility points to an EvidenceVariable; ours to a computable Group
    group = next(r for r in map_record(next(iter(read_path(CTGOV / "api_v2_json" / "NCT00080808.json"))))
                 if r["resourceType"] == "Group")
    assert ours["recruitment"]["eligibility"]["reference"] == f"Group/{group['id']}"
    assert issues(theirs, R5) == [] and issues(ours, R5) == []
