"""The generated yes/no check of the one-pass validator agrees with the walk that reports the problems: it accepts
every resource we emit, and on thousands of randomly broken ones it says "valid" exactly when the walk finds
nothing to report (so ``element_issues`` reports the same, in the same order, as the walk alone); and on resources
broken by hand in each way the check can say no, what it reports is what the FHIR R4 spec says is wrong."""
import copy
import random
from pathlib import Path

import pytest

from adapter.errors import RecordError
from adapter.pipeline import convert_paths
from adapter.validate import R4, R5
from adapter.validate import elements
from adapter.validate.elements import conforms, element_issues, reported_issues
from adapter.validate.shapes import shape
from conftest import CTGOV, SHARED
from test_fhir_r5_mapping import r5_definitions  # noqa: F401  (a fixture)

PATHS = (sorted((CTGOV / "api_v2_json").glob("*.json"))[:25] + sorted((CTGOV / "legacy_xml").glob("*.xml"))[:25]
         + sorted((SHARED / "seeds").glob("*.txt")))
MUTANTS = 1500
# values of every JSON type, and strings that break one format or another
VALUES = [None, 0, 1, -1, 0.5, 2**31, True, False, "", " ", "x", "x y", "2020-13", "2020-01-01", "bogus-code",
          "active", "http://example.org/x", "bad uri", "a" * 70, [], [{}], {}, {"url": "http://x", "valueCode": "c"}]


def _resources(version: str) -> list[dict]:
    converted = convert_paths([Path(p) for p in PATHS], validate=False, fhir_version=version)
    return [r for c in converted if not isinstance(c, RecordError) for r in c.resources]


def _verdicts(resource, version: str):
    """(the generated check's verdict, the reporting walk's problems, or the exception it raised)."""
    rtype = resource["resourceType"]
    root = shape(rtype, rtype, version)
    try:
        reported = reported_issues(resource, root, rtype)
    except Exception as e:          # a resource the walk cannot read: the generated check must not accept it
        reported = e
    return conforms(root)(resource), reported


def _mutate(resource: dict, rng: random.Random, pool: list[dict]):
    """Break one element of the resource at random (in place)."""
    paths, todo = [], [((), resource)]
    while todo:
        path, node = todo.pop()
        paths.append((path, node))
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        todo += [(path + (k,), v) for k, v in children]
    path, node = rng.choice([(p, n) for p, n in paths[1:] if p != ("resourceType",)])
    parent = resource
    for step in path[:-1]:
        parent = parent[step]
    key, how = path[-1], rng.randrange(8)
    if how == 0 and isinstance(parent, dict):
        del parent[key]                                          # a missing (maybe required) element
    elif how == 1:
        parent[key] = [node] if not isinstance(node, list) else node[0] if node else None  # array <-> single
    elif how == 2 and isinstance(node, dict):
        node[rng.choice(["colour", "_colour", "_" + next(iter(node), "x"), "resourceType", "valueFoo"])] = {}
    elif how == 3 and isinstance(node, dict):
        node["contained"] = [_mutate(copy.deepcopy(rng.choice(pool)), rng, pool)]   # a broken contained resource
    elif how == 4 and isinstance(node, dict) and "code" in node:
        node["code"] = rng.choice(["bogus", "active", "phase-2", "male"])           # a code outside its binding
    else:
        parent[key] = copy.deepcopy(rng.choice(VALUES))         # a wrong JSON type or a badly formed value
    return resource


@pytest.mark.parametrize("version", [R4, R5])
def test_generated_check_agrees_with_the_reporting_walk(version, request):
    if version == R5:
        request.getfixturevalue("r5_definitions")
    pool = _resources(version)
    assert len(pool) > 300
    for resource in pool:
        assert _verdicts(resource, version) == (True, []), resource["id"]
    rng = random.Random(20240611)
    broken = 0
    for _ in range(MUTANTS):
        resource = _mutate(copy.deepcopy(rng.choice(pool)), rng, pool)
        fine, reported = _verdicts(resource, version)
        assert fine == (reported == []), (resource, reported)
        if not fine and not isinstance(reported, Exception):
            assert element_issues(resource, version) == reported
            broken += 1
    assert broken > MUTANTS // 2


def test_remembered_values_are_bounded(monkeypatch):
    """The valid values remembered to skip a regex start over when there are too many; still all valid."""
    monkeypatch.setattr(elements, "_SEEN_MAX", 3)
    pool = _resources(R4)[:200]
    for resource in pool:
        assert element_issues(resource, R4) == []
    broken = {**pool[0], "meta": {"lastUpdated": "2020-13-01"}}
    assert element_issues(broken, R4) == [f"{pool[0]['resourceType']}.meta.lastUpdated: '2020-13-01' is not a "
                                          "valid instant"]


STUDY = {"resourceType": "ResearchStudy", "id": "s", "status": "active",
         "identifier": [{"system": "http://clinicaltrials.gov", "value": "NCT00000001", "use": "official"}],
         "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                               "code": "phase-2"}], "text": "Phase 2"},
         "extension": [{"url": "http://example.org/x", "valueString": "x"}]}
GROUP = {"resourceType": "Group", "id": "g", "type": "person", "actual": False, "quantity": 3,
         "characteristic": [{"code": {"text": "Age"}, "exclude": False,
                             "valueQuantity": {"value": 18, "comparator": ">=", "code": "a",
                                               "system": "http://unitsofmeasure.org"}}]}
LOCATION = {"resourceType": "Location", "id": "l", "position": {"latitude": 1.5, "longitude": 2}}
XHTML = "http://www.w3.org/1999/xhtml"
ABSENT = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}


def _without(resource: dict, key: str) -> dict:
    return {k: v for k, v in resource.items() if k != key}


def _narrative(div: str) -> dict:
    return {**STUDY, "text": {"status": "generated", "div": div}}


def _characteristic(**changed) -> dict:
    characteristic = {k: v for k, v in {**GROUP["characteristic"][0], **changed}.items() if v is not None}
    return {**GROUP, "characteristic": [characteristic]}


@pytest.mark.parametrize("resource", [
    STUDY, GROUP, LOCATION,
    {**_without(STUDY, "status"), "_status": ABSENT},     # a required primitive present only as its extensions
    {**STUDY, "_status": ABSENT, "_title": {"id": "t"}},  # a primitive's extensions, with or without its value
    {**STUDY, "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                                    "code": "phase-9"}]}},  # an example binding, not a required one
    {**STUDY, "contained": [LOCATION]},
    # a narrative: an XHTML div with content (an image is content), basic formatting, style attributes
    {**STUDY, "text": {"status": "generated", "div": f'<div xmlns="{XHTML}"><p style="color:red">A <b>trial</b></p>'
                                                       '<table><tr><td>1</td></tr></table></div>'}},
    {**STUDY, "text": {"status": "generated", "div": f'<div xmlns="{XHTML}"><img src="#a" alt=""/></div>'}},
    # one type of a choice, with its own extensions
    {**STUDY, "extension": [{"url": "http://example.org/x", "valueString": "x", "_valueString": {"id": "v"}}]},
])
def test_generated_check_accepts_valid_resources(resource):
    rtype = resource["resourceType"]
    assert conforms(shape(rtype, rtype, R4))(resource) is True
    assert element_issues(resource) == []


@pytest.mark.parametrize("resource, expected", [
    # strings: empty, of the wrong JSON type, badly formed, outside a required binding, for a key not a string
    ({**STUDY, "title": ""}, "ResearchStudy.title: empty string"),
    ({**STUDY, "title": 42}, "ResearchStudy.title: not a string (a JSON string)"),
    ({**STUDY, "title": ["x"]}, "ResearchStudy.title: must not be an array"),
    ({**STUDY, "status": ""}, "ResearchStudy.status: '' is not a valid code"),
    ({**STUDY, "status": "recruiting"},
     "ResearchStudy.status: code 'recruiting' is not in required value set "
     "http://hl7.org/fhir/ValueSet/research-study-status"),
    ({**STUDY, "meta": {"lastUpdated": "2020-13-01"}},
     "ResearchStudy.meta.lastUpdated: '2020-13-01' is not a valid instant"),
    ({**STUDY, "phase": "phase-2"}, "ResearchStudy.phase: expected an object"),
    ({**STUDY, "identifier": "x"}, "ResearchStudy.identifier: must be an array"),
    ({**GROUP, "actual": "false"}, "Group.actual: not a boolean"),
    ({**GROUP, "quantity": "3"}, "Group.quantity: not an unsignedInt"),
    # unknown elements, whatever their value
    ({**STUDY, "colour": "blue"}, "ResearchStudy: unknown element 'colour'"),
    ({**STUDY, "colour": {"a": 1}}, "ResearchStudy: unknown element 'colour'"),
    ({**STUDY, "_phase": {"id": "t"}}, "ResearchStudy: unknown element '_phase'"),   # not a primitive
    ({**STUDY, "phase": {"text": "x", "resourceType": "CodeableConcept"}},
     "ResearchStudy.phase: unknown element 'resourceType'"),
    ({**STUDY, "extension": [{"url": "http://example.org/x", "valueFoo": "x"}]},
     "ResearchStudy.extension[0]: unknown element 'valueFoo'"),
    # required children: one key, a choice of keys, in a nested object
    (_without(STUDY, "status"), "ResearchStudy: missing required element status"),
    (_without(GROUP, "actual"), "Group: missing required element actual"),
    (_characteristic(exclude=None), "Group.characteristic[0]: missing required element exclude"),
    (_characteristic(valueQuantity=None), "Group.characteristic[0]: missing required element "
     "valueCodeableConcept or valueBoolean or valueQuantity or valueRange or valueReference"),
    ({**STUDY, "extension": [{"valueString": "x"}]}, "ResearchStudy.extension[0]: missing required element url"),
    ({**LOCATION, "position": {"latitude": 1.5}}, "Location.position: missing required element longitude"),
    # narratives (FHIR's txt-1 and txt-2): not XML, not an XHTML div, empty, forbidden elements and attributes
    (_narrative(""), "ResearchStudy.text.div: not well-formed XHTML: Document is empty, line 1, column 1"),
    (_narrative("A trial"), "ResearchStudy.text.div: not well-formed XHTML: Start tag expected, '<' not found, "
                            "line 1, column 1"),
    (_narrative("<div>A trial</div>"), f"ResearchStudy.text.div: the narrative must be one XHTML div "
                                       f"(xmlns='{XHTML}'), not 'div'"),
    (_narrative(f'<p xmlns="{XHTML}">A trial</p>'), f"ResearchStudy.text.div: the narrative must be one XHTML "
                                                    f"div (xmlns='{XHTML}'), not '{{{XHTML}}}p'"),
    (_narrative(f'<div xmlns="{XHTML}"> <br/> </div>'), "ResearchStudy.text.div: the narrative has no content "
                                                        "(txt-2)"),
    (_narrative(f'<div xmlns="{XHTML}">A <script>alert(1)</script></div>'),
     "ResearchStudy.text.div: a narrative must not hold <script>"),
    (_narrative(f'<div xmlns="{XHTML}"><p onclick="go()">A</p></div>'),
     "ResearchStudy.text.div: a narrative must not hold the attribute 'onclick' (on <p>)"),
    (_narrative(f'<div xmlns="{XHTML}"><svg xmlns="http://www.w3.org/2000/svg"/>A</div>'),
     "ResearchStudy.text.div: element '{http://www.w3.org/2000/svg}svg' is not XHTML"),
    (_narrative(f'<!DOCTYPE d [<!ENTITY e "x">]><div xmlns="{XHTML}">&e;</div>'),
     "ResearchStudy.text.div: a narrative must not have a DOCTYPE"),
    # a choice (value[x], max 1) of two types at once, or one type beside the extensions of another
    (_characteristic(valueBoolean=True), "Group.characteristic[0]: only one of valueBoolean, valueQuantity may be "
     "present"),
    ({**STUDY, "extension": [{"url": "http://example.org/x", "valueString": "x", "_valueCode": {"id": "c"}}]},
     "ResearchStudy.extension[0]: only one of valueCode, valueString may be present"),
    # arrays: not one, empty, an item of the wrong type, an invalid item, an array for a single value
    ({**STUDY, "identifier": {"value": "x"}}, "ResearchStudy.identifier: must be an array"),
    ({**STUDY, "identifier": []}, "ResearchStudy.identifier: empty array"),
    ({**STUDY, "identifier": ["x"]}, "ResearchStudy.identifier[0]: expected an object"),
    ({**STUDY, "identifier": [{"value": ""}]}, "ResearchStudy.identifier[0].value: empty string"),
    ({**STUDY, "identifier": [{"use": "offical"}]}, "ResearchStudy.identifier[0].use: code 'offical' is not in "
     "required value set http://hl7.org/fhir/ValueSet/identifier-use"),
    ({**STUDY, "meta": {"profile": ["http://x", 3]}}, "ResearchStudy.meta.profile[1]: not a canonical (a JSON string)"),
    ({**STUDY, "phase": {"coding": {"code": "x"}}}, "ResearchStudy.phase.coding: must be an array"),
    ({**STUDY, "phase": [STUDY["phase"]]}, "ResearchStudy.phase: must not be an array"),
    (_characteristic(valueQuantity=[{"value": 18}]), "Group.characteristic[0].valueQuantity: must not be an array"),
    # numbers and booleans
    ({**GROUP, "actual": 0}, "Group.actual: not a boolean"),
    (_characteristic(exclude="false"), "Group.characteristic[0].exclude: not a boolean"),
    ({**GROUP, "quantity": -1}, "Group.quantity: not an unsignedInt"),
    ({**GROUP, "quantity": 1.0}, "Group.quantity: not an unsignedInt"),
    ({**GROUP, "quantity": True}, "Group.quantity: not an unsignedInt"),
    (_characteristic(valueQuantity={"value": "18"}), "Group.characteristic[0].valueQuantity.value: not a decimal"),
    ({**LOCATION, "position": {"latitude": True, "longitude": 2}}, "Location.position.latitude: not a decimal"),
    ({**STUDY, "extension": [{"url": "http://example.org/x", "valueInteger": 2**31}]},
     "ResearchStudy.extension[0].valueInteger: not an integer"),
    # a code in a required binding of a nested data type
    (_characteristic(valueQuantity={"value": 18, "comparator": "=>"}),
     "Group.characteristic[0].valueQuantity.comparator: code '=>' is not in required value set "
     "http://hl7.org/fhir/ValueSet/quantity-comparator"),
    # contained resources
    ({**STUDY, "contained": [{"resourceType": "Spaceship"}]},
     "ResearchStudy.contained[0]: unknown resource type 'Spaceship'"),
    ({**STUDY, "contained": [{**LOCATION, "position": {"latitude": 1.5}}]},
     "ResearchStudy.contained[0].position: missing required element longitude"),
])
def test_generated_check_rejects_each_kind_of_breakage(resource, expected):
    """Each way the generated check can say no, on resources broken in one place; the messages are the walk's."""
    rtype = resource["resourceType"]
    assert conforms(shape(rtype, rtype, R4))(resource) is False
    assert element_issues(resource) == [expected]


def test_issues_are_reported_in_document_order():
    broken = {**STUDY, "extension": [{"url": "bad uri", "valueBoolean": "true"}], "title": ""}
    assert element_issues(broken) == ["ResearchStudy.extension[0].url: 'bad uri' is not a valid uri",
                                      "ResearchStudy.extension[0].valueBoolean: not a boolean",
                                      "ResearchStudy.title: empty string"]
