"""Our conformance resources (profiles/) are up to date and valid, and every resource we emit, R4 and R5,
claims its profile and meets the profile's differential."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from adapter.fhir.r4.mapper import map_record as map_r4
from adapter.fhir.r5.mapper import map_record as map_r5
from adapter.fhir.urls import CS_STUDY_DESIGN
from adapter.sources import read_path
from adapter.validate import R4, R5, issues
from adapter.validate.profiles import PROFILES, definitions, profile_issues
from conftest import CTGOV, SHARED
from test_fhir_r5_mapping import r5_definitions  # noqa: F401 - the R5 core package fixture

MAPPERS = {R4: map_r4, R5: map_r5}
SOURCES = sorted((SHARED / "seeds").glob("*.txt")) + sorted((CTGOV / "api_v2_json").glob("*.json"))[::10] \
    + sorted((CTGOV / "legacy_xml").glob("*.xml"))[::10]


def _built() -> dict:
    sys.path.insert(0, str(PROFILES))
    try:
        import build
    finally:
        sys.path.remove(str(PROFILES))
    return build.build()


def test_profiles_on_disk_are_what_build_writes():
    for path, resource in _built().items():
        assert path.exists(), f"run python profiles/build.py: {path.name} is missing"
        assert json.loads(path.read_text(encoding="utf-8")) == resource, f"run python profiles/build.py ({path})"


def test_build_script_runs(tmp_path):
    done = subprocess.run([sys.executable, str(PROFILES / "build.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _conformance_resources():
    for path in sorted(PROFILES.rglob("*.json")):
        if path.name.startswith("SearchParameter-"):
            continue
        folder = path.parent.name
        versions = {"r4": [R4], "r5": [R5]}.get(folder, [R4, R5])
        for version in versions:
            yield pytest.param(path, version, id=f"{version}-{path.relative_to(PROFILES)}")


@pytest.mark.parametrize("path, version", list(_conformance_resources()))
def test_conformance_resources_are_valid(path, version, r5_definitions):  # noqa: F811
    resource = json.loads(path.read_text(encoding="utf-8"))
    assert issues(resource, version) == []
    if resource["resourceType"] == "StructureDefinition":
        assert resource["fhirVersion"] == version
        assert resource["derivation"] == "constraint"
        # the differential names only elements of its base type (or of Extension)
        assert all(e["path"].split(".")[0] == resource["type"] for e in resource["differential"]["element"])


def test_every_extension_and_profile_we_emit_is_defined():
    for version in (R4, R5):
        ours = definitions(version)
        kinds = {sd["type"] for sd in ours.values()}
        assert {"ResearchStudy", "Group", "PlanDefinition", "Organization", "Location", "Practitioner",
                "PractitionerRole", "Extension"} <= kinds


@pytest.mark.parametrize("version", [R4, R5])
def test_every_emitted_resource_claims_and_meets_its_profile(version):
    checked, problems = 0, []
    for path in SOURCES:
        for record in read_path(path):
            resources = MAPPERS[version](record)
            index = {f"{r['resourceType']}/{r['id']}": r for r in resources}
            for resource in resources:
                assert resource["meta"]["profile"], resource["resourceType"]
                problems += profile_issues(resource, version, index.get)
                checked += 1
    assert checked > 500 and problems == []


def test_study_design_codes_we_emit_are_in_our_code_system():
    system = json.loads((PROFILES / "CodeSystem-ctgov-study-design.json").read_text(encoding="utf-8"))
    concepts = {c["code"]: c["display"] for c in system["concept"]}
    emitted = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("system") == CS_STUDY_DESIGN:
                emitted.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for path in SOURCES:
        for record in read_path(path):
            walk(map_r4(record)[0])
            walk(map_r5(record)[0])
    assert len(emitted) > 100
    assert all(concepts.get(c["code"]) == c["display"] for c in emitted)


def _sample(version):
    [record] = list(read_path(CTGOV / "api_v2_json" / "NCT00080808.json"))
    resources = MAPPERS[version](record)
    return resources, {f"{r['resourceType']}/{r['id']}": r for r in resources}


def _criterion(group):
    return next(c for c in group["characteristic"] if c.get("extension"))


@pytest.mark.parametrize("version", [R4, R5])
@pytest.mark.parametrize("break_it, expected", [
    (lambda rs: rs[0].pop("identifier"), "ResearchStudy.identifier needs at least 1"),
    (lambda rs: rs[0].pop("phase"), "ResearchStudy.phase needs at least 1"),
    (lambda rs: rs[1].update(type="animal"), "Group.type must be 'person'"),
    (lambda rs: _criterion(rs[1]).pop("id"), "Group.characteristic.id needs at least 1"),
    (lambda rs: _criterion(rs[1]).pop("exclude"), "Group.characteristic.exclude needs at least 1"),
    (lambda rs: _criterion(rs[1])["extension"].append(dict(_criterion(rs[1])["extension"][0])),
     "criterionText allows at most 1"),
    (lambda rs: _criterion(rs[1])["extension"][2].update(valueDecimal=1.5), "outside its maxValueDecimal"),
    (lambda rs: rs[2].update(type={"text": "order set"}), "PlanDefinition.type must match"),
    (lambda rs: rs[2]["meta"].update(profile=["http://example.org/other"]), "not one of our profiles"),
    (lambda rs: rs[1]["meta"].update(profile=[]), "does not claim"),
])
def test_profile_check_bites(version, break_it, expected):
    resources, index = _sample(version)
    assert [p for r in resources for p in profile_issues(r, version, index.get)] == []
    broken = copy.deepcopy(resources)
    break_it(broken)
    index = {f"{r['resourceType']}/{r['id']}": r for r in broken}
    found = [p for r in broken for p in profile_issues(r, version, index.get)]
    assert any(expected in f for f in found), found


def test_r4_and_r5_group_profiles_differ_where_the_versions_do():
    r4 = definitions(R4)["http://trialfhir.org/fhir/StructureDefinition/eligibility-group"]
    r5 = definitions(R5)["http://trialfhir.org/fhir/StructureDefinition/eligibility-group"]
    fixed = {e["path"]: e for d in (r4, r5) for e in d["differential"]["element"] if "fixedBoolean" in e
             or "fixedCode" in e}
    assert fixed["Group.actual"]["fixedBoolean"] is False
    assert fixed["Group.membership"]["fixedCode"] == "definitional"
    assert Path(PROFILES / "r4").is_dir() and Path(PROFILES / "r5").is_dir()
