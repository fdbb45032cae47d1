"""The validator rejects what is not valid R4 and accepts what is."""
import pytest

from adapter.validate import issues
from adapter.validate.elements import element_issues
from adapter.validate.structure import structure_issues
from adapter.validate.terminology import binding_issues

GOOD_STUDY = {"resourceType": "ResearchStudy", "id": "NCT00000001", "status": "active",
              "identifier": [{"system": "http://clinicaltrials.gov", "value": "NCT00000001", "use": "official"}],
              "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                                    "code": "phase-2"}]}}
GOOD_GROUP = {"resourceType": "Group", "id": "g", "type": "person", "actual": False,
              "characteristic": [{"code": {"text": "Age"}, "exclude": False,
                                  "valueQuantity": {"value": 18, "comparator": ">=", "system": "http://unitsofmeasure.org",
                                                    "code": "a"}}]}


def test_valid_resources_pass():
    assert issues(GOOD_STUDY, thorough=True) == []
    assert issues(GOOD_GROUP, thorough=True) == []


@pytest.mark.parametrize("broken, expected", [
    ({**GOOD_STUDY, "period": {"start": "2020-13"}}, "not a valid dateTime"),
    ({**GOOD_STUDY, "identifier": {"value": "x"}}, "must be an array"),
    ({"resourceType": "PlanDefinition", "status": "active",
      "action": [{"action": [{"timingDuration": {"value": "soon"}}]}]}, "action[0].action[0].timingDuration.value"),
    ({**GOOD_GROUP, "characteristic": []}, "empty array"),
])
def test_one_pass_checker_formats_shapes_and_nested_actions(broken, expected):
    found = element_issues(broken)
    assert any(expected in f for f in found), found


@pytest.mark.parametrize("broken, expected", [
    ({**GOOD_STUDY, "status": None}, "status"),                                  # required element missing
    ({**GOOD_STUDY, "status": "recruiting"}, "research-study-status"),           # code outside required set
    ({**GOOD_STUDY, "colour": "blue"}, "colour"),                                # unknown element
    ({**GOOD_STUDY, "title": 42}, "title"),                                      # wrong type
    ({**GOOD_STUDY, "identifier": [{"use": "offical", "value": "x"}]}, "identifier-use"),
    ({**GOOD_GROUP, "type": "people"}, "group-type"),
    ({**GOOD_GROUP, "characteristic": [{"code": {"text": "Age"}, "valueBoolean": True}]}, "exclude"),
    ({**GOOD_GROUP, "characteristic": [{"code": {"text": "Age"}, "exclude": False,
                                        "valueQuantity": {"value": 1, "comparator": "=>"}}]}, "quantity-comparator"),
])
def test_broken_resources_are_rejected(broken, expected):
    broken = {k: v for k, v in broken.items() if v is not None}
    # both the one-pass checker on the official definitions and fhirclient's strict models must catch it
    for found in (element_issues(broken), structure_issues(broken) + binding_issues(broken)):
        assert found, "a validator let a broken resource through"
        assert any(expected in f for f in found), found


def test_not_a_resource():
    assert issues({"id": "x"}) == ["resource: not a FHIR resource: no resourceType"]
    assert issues({"resourceType": "Spaceship"}) == ["Spaceship: unknown resource type 'Spaceship'"]
