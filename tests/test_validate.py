"""The validator rejects what is not valid R4 and accepts what is."""
import pytest

from adapter.validate import issues

GOOD_STUDY = {"resourceType": "ResearchStudy", "id": "NCT00000001", "status": "active",
              "identifier": [{"system": "http://clinicaltrials.gov", "value": "NCT00000001", "use": "official"}],
              "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                                    "code": "phase-2"}]}}
GOOD_GROUP = {"resourceType": "Group", "id": "g", "type": "person", "actual": False,
              "characteristic": [{"code": {"text": "Age"}, "exclude": False,
                                  "valueQuantity": {"value": 18, "comparator": ">=", "system": "http://unitsofmeasure.org",
                                                    "code": "a"}}]}


def test_valid_resources_pass():
    assert issues(GOOD_STUDY) == []
    assert issues(GOOD_GROUP) == []


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
    found = issues(broken)
    assert found, "the validator let a broken resource through"
    assert any(expected in f for f in found), found


def test_not_a_resource():
    assert issues({"id": "x"}) == ["not a FHIR resource: no resourceType"]
    assert issues({"resourceType": "Spaceship"}) == ["unknown resource type 'Spaceship'"]
