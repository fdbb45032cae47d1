"""R4 mapping of real ClinicalTrials.gov records, checked against the source JSON."""
import pytest

from adapter.fhir.r4.mapper import map_record
from adapter.record import Age, Arm, Eligibility, Intervention, TrialRecord
from adapter.sources import read_path
from adapter.validate import issues
from conftest import CTGOV


def _resources(path):
    [record] = list(read_path(path))
    return record, {f"{r['resourceType']}/{r['id']}": r for r in map_record(record)}


@pytest.fixture(scope="module")
def prostatectomy():
    return _resources(CTGOV / "api_v2_json" / "NCT00080808.json")


def test_research_study_identity_status_phase(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    assert study["identifier"][0] == {"system": "http://clinicaltrials.gov", "value": "NCT00080808", "use": "official"}
    org_id = next(i for i in study["identifier"] if i["value"] == "ID01-304")
    assert org_id["assigner"]["display"] == "M.D. Anderson Cancer Center"
    assert study["status"] == "completed"
    assert study["phase"]["coding"][0]["code"] == "phase-2"
    assert study["primaryPurposeType"]["coding"][0]["code"] == "supportive-care"
    assert study["period"] == {"start": "2001-08", "end": "2009-07"}
    assert {"text": "Allocation: Randomized"}.items() <= study["category"][1].items()


def test_research_study_conditions_focus_references(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    prostate = study["condition"][0]
    assert prostate["coding"][0]["code"] == "D000011471"
    assert prostate["coding"][0]["system"] == "http://id.nlm.nih.gov/mesh"
    assert [f["text"] for f in study["focus"]][:2] == ["Alprostadil (E1)", "Papaverine"]
    cite = study["relatedArtifact"][0]
    assert cite["url"] == "https://doi.org/10.1016/j.eururo.2008.08.051"
    assert cite["label"] == "PMID 18783876"
    assert study["objective"][0] == {"name": "Potency rate at 2 years after surgery",
                                     "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                          "research-study-objective-type", "code": "primary"}],
                                              "text": "primary"}}


def test_references_resolve_within_the_record(prostatectomy):
    _, res = prostatectomy
    study = res["ResearchStudy/NCT00080808"]
    refs = [study["enrollment"][0], study["protocol"][0], study["sponsor"], study["principalInvestigator"],
            *study["site"]]
    for ref in refs:
        assert ref["reference"] in res, ref
    assert res[study["sponsor"]["reference"]]["name"] == "M.D. Anderson Cancer Center"
    site = res[study["site"][0]["reference"]]
    assert site["address"]["city"] == "Houston" and site["address"]["postalCode"] == "77030-4009"
    assert site["position"] == {"latitude": 29.76328, "longitude": -95.36327}
    pi = res[study["principalInvestigator"]["reference"]]
    assert pi["name"][0]["family"] == "Wood" and pi["name"][0]["suffix"] == ["MD"]


def test_group_and_plan(prostatectomy):
    record, res = prostatectomy
    group = res["Group/NCT00080808-eligibility"]
    assert (group["type"], group["actual"], group["quantity"]) == ("person", False, 111)
    plan = res["PlanDefinition/NCT00080808-protocol"]
    assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
    arm1 = plan["action"][0]
    assert arm1["title"] == "Arm I"
    assert [a["title"] for a in arm1["action"]][:2] == ["Drug: Alprostadil (E1)", "Drug: Papaverine"]
    # "injected twice weekly" in the intervention description
    assert arm1["action"][0]["timingTiming"]["repeat"]["frequency"] == 2
    assert arm1["action"][0]["timingTiming"]["repeat"]["periodUnit"] == "wk"
    assessments = plan["action"][-1]["action"]
    assert assessments[0]["timingDuration"] == {"value": 2, "unit": "years", "system": "http://unitsofmeasure.org",
                                                "code": "a"}


def test_every_resource_valid(prostatectomy):
    _, res = prostatectomy
    for r in res.values():
        assert issues(r) == []


def test_minimal_record_maps_and_validates():
    record = TrialRecord(id="LOCAL-1", brief_title="Local study", overall_status="RECRUITING",
                         phases=["PHASE1", "PHASE2"],
                         eligibility=Eligibility(sex="FEMALE", minimum_age=Age(6, "mo"), healthy_volunteers=True),
                         arms=[Arm("A", "EXPERIMENTAL", "drug X for 5 consecutive days at the start of three "
                                                      "consecutive months", ["Drug: X"])],
                         interventions=[Intervention("X", "DRUG")])
    resources = map_record(record)
    study, group, plan = resources[:3]
    assert study["identifier"][0]["system"] == "http://trialfhir.org/fhir/id"
    assert study["phase"]["coding"][0]["code"] == "phase-1-phase-2"
    assert study["status"] == "active"
    age = next(c for c in group["characteristic"] if c["id"] == "age")
    assert age["valueRange"] == {"low": {"value": 6, "unit": "months", "system": "http://unitsofmeasure.org",
                                         "code": "mo"}}
    assert age["code"]["coding"][0]["code"] == "424144002"
    sex = next(c for c in group["characteristic"] if c["id"] == "sex")
    assert sex["valueCodeableConcept"]["coding"][0]["code"] == "female"
    drug = plan["action"][0]["action"][0]
    assert drug["timingTiming"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "mo", "count": 3}
    assert drug["action"][0]["timingTiming"]["repeat"]["count"] == 5
    for r in resources:
        assert issues(r) == [], r["resourceType"]


def test_unknown_status_uses_last_known_status():
    record = TrialRecord(id="X-1", overall_status="UNKNOWN", last_known_status="ACTIVE_NOT_RECRUITING")
    study = map_record(record)[0]
    assert study["status"] == "closed-to-accrual"
    assert study["extension"][0]["valueString"] == "UNKNOWN"
