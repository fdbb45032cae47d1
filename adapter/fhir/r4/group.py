"""The R4 eligibility Group: who may enrol (age, sex, healthy volunteers) and one characteristic per criterion."""
from __future__ import annotations

from ...eligibility import parse_criteria
from ...record import Age, TrialRecord
from ..codes import coding
from ..ids import minted_identifier
from .characteristic import characteristics

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
AGE_CODE = {"coding": [{"system": SNOMED, "code": "424144002", "display": "Current chronological age"}],
            "text": "Age"}
SEX_CODE = {"coding": [{"system": "http://loinc.org", "code": "46098-0", "display": "Sex"}], "text": "Sex"}
_AGE_UNIT_NAMES = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours", "min": "minutes"}


def group_id(record: TrialRecord) -> str:
    return f"{record.id}-eligibility"


def age_quantity(age: Age) -> dict:
    return {"value": age.value, "unit": _AGE_UNIT_NAMES.get(age.unit, age.unit), "system": UCUM, "code": age.unit}


def age_characteristic(record: TrialRecord) -> dict | None:
    el = record.eligibility
    if not (el.minimum_age or el.maximum_age):
        return None
    value_range = {}
    if el.minimum_age:
        value_range["low"] = age_quantity(el.minimum_age)
    if el.maximum_age:
        value_range["high"] = age_quantity(el.maximum_age)
    return {"id": "age", "code": AGE_CODE, "valueRange": value_range, "exclude": False}


def sex_characteristic(record: TrialRecord) -> dict | None:
    c = coding("fhir_r4.json", "administrative_gender", record.eligibility.sex)
    if c is None:
        return None
    value: dict = {"coding": [c], "text": c["code"]}
    if record.eligibility.gender_description:
        value["text"] = record.eligibility.gender_description
    return {"id": "sex", "code": SEX_CODE, "valueCodeableConcept": value, "exclude": False}


def healthy_volunteers_characteristic(record: TrialRecord) -> dict | None:
    accepts = record.eligibility.healthy_volunteers
    if accepts is None:
        return None
    return {"id": "healthy-volunteers", "code": {"text": "Accepts healthy volunteers"}, "valueBoolean": accepts,
            "exclude": False}


def group(record: TrialRecord) -> dict:
    el = record.eligibility
    rid = group_id(record)
    res: dict = {"resourceType": "Group", "id": rid, "identifier": [minted_identifier(rid)], "active": True,
                 "type": "person", "actual": False}
    name = f"Eligibility: {record.title}" if record.title else f"Eligibility for {record.id}"
    res["name"] = name
    if record.enrollment is not None:
        res["quantity"] = record.enrollment
    chars = [c for c in (age_characteristic(record), sex_characteristic(record),
                         healthy_volunteers_characteristic(record)) if c]
    if el.criteria:
        chars.extend(characteristics(parse_criteria(el.criteria)))
    if chars:
        res["characteristic"] = chars
    return res
