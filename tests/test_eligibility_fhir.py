"""R4 Group.characteristic JSON from parsed criteria: shape, codes, extensions, strict fhirclient validation."""
from fhirclient.models.group import Group

from adapter.eligibility import parse_criteria
from adapter.eligibility.command import group
from adapter.fhir.r4.characteristic import characteristics
from adapter.fhir.urls import EXT_CRITERION_ID, EXT_CRITERION_TEXT, EXT_PARSE_CONFIDENCE, EXT_TIME_WINDOW

TEXT = """Inclusion Criteria:
- Age 18-75 years
- Platelets >= 100,000/mm3
- ECOG 0-1
- Female patients
- Written informed consent
Exclusion Criteria:
- AST/ALT > 5 times ULN
- Age =18 years old
- No history of hepatitis C
- Chemotherapy within the last 6 weeks
- Age > 80 years
"""


def ext(ch, url):
    return next(e for e in ch["extension"] if e["url"] == url)


def test_validates_strictly_with_fhirclient():
    resource = group(TEXT, "NCT00000001-eligibility")
    Group(resource, strict=True)
    ids = [ch["id"] for ch in resource["characteristic"]]
    assert len(ids) == len(set(ids))


def test_every_criterion_present_with_text_id_and_confidence():
    crits = parse_criteria(TEXT)
    chars = characteristics(crits)
    assert {ext(ch, EXT_CRITERION_ID)["valueString"] for ch in chars} == {c.id for c in crits}
    for ch in chars:
        assert ext(ch, EXT_CRITERION_TEXT)["valueString"] in [c.text for c in crits]
        assert 0 <= ext(ch, EXT_PARSE_CONFIDENCE)["valueDecimal"] <= 1
        assert "code" in ch and "exclude" in ch
        assert any(k.startswith("value") for k in ch)


def by_text(chars, prefix):
    return [ch for ch in chars if ch["code"]["text"].startswith(prefix)]


def test_age_range_and_strict_bound():
    chars = characteristics(parse_criteria(TEXT))
    ages = by_text(chars, "Age")
    assert ages[0]["code"]["coding"][0] == {"system": "http://snomed.info/sct", "code": "424144002",
                                           "display": "Current chronological age"}
    assert ages[0]["valueRange"] == {"low": {"value": 18, "unit": "years", "system": "http://unitsofmeasure.org",
                                             "code": "a"},
                                     "high": {"value": 75, "unit": "years", "system": "http://unitsofmeasure.org",
                                              "code": "a"}}
    assert ages[0]["exclude"] is False
    strict = [ch for ch in ages if "valueQuantity" in ch]
    assert strict[0]["valueQuantity"]["comparator"] == ">" and strict[0]["exclude"] is True


def test_lost_comparator_is_not_a_quantity():
    chars = characteristics(parse_criteria("Exclusion Criteria:\n- Age =18 years old\n"))
    assert len(chars) == 1
    ch = chars[0]
    assert "valueQuantity" not in ch and "valueRange" not in ch
    assert "18 years" in ch["valueCodeableConcept"]["text"]
    assert ext(ch, EXT_PARSE_CONFIDENCE)["valueDecimal"] <= 0.3


def test_thresholds_coded_with_ucum_units():
    chars = characteristics(parse_criteria(TEXT))
    plt = by_text(chars, "Platelets")[0]
    assert plt["code"]["coding"][0]["code"] == "777-3"
    assert plt["valueQuantity"] == {"value": 100000, "unit": "/mm3", "system": "http://unitsofmeasure.org",
                                    "code": "/mm3", "comparator": ">="}
    uln = [ch for ch in chars if ch.get("valueQuantity", {}).get("code") == "{ULN}"]
    assert uln and uln[0]["valueQuantity"]["unit"] == "x ULN" and uln[0]["exclude"] is True


def test_negation_flips_exclude_and_windows_are_durations():
    chars = characteristics(parse_criteria(TEXT))
    hcv = by_text(chars, "Hepatitis C")[0]
    assert hcv["exclude"] is False and hcv["valueBoolean"] is True
    chemo = by_text(chars, "Chemotherapy")[0]
    assert ext(chemo, EXT_TIME_WINDOW)["valueDuration"] == {"value": 6, "unit": "weeks",
                                                            "system": "http://unitsofmeasure.org", "code": "wk"}


def test_text_only_and_sex():
    chars = characteristics(parse_criteria(TEXT))
    consent = by_text(chars, "Written informed consent")[0]
    assert consent["valueBoolean"] is True and consent["exclude"] is False
    assert ext(consent, EXT_PARSE_CONFIDENCE)["valueDecimal"] == 0
    sex = by_text(chars, "Sex")[0]
    assert sex["valueCodeableConcept"]["coding"][0]["code"] == "female"
