"""Routes and doses read from intervention text, and how the protocol PlanDefinition carries them."""
from adapter.fhir.r4.plan_definition import plan_definition
from adapter.protocol.dosing import parse_dose, parse_route
from adapter.record import Arm, Intervention, TrialRecord
from adapter.validate import issues


def test_routes():
    assert parse_route("sub-cutaneous injections of placebo").code == "34206005"
    assert parse_route("transplanted by intravenous infusion").code == "47625008"
    assert parse_route("oral sildenafil (as occasion requires)").code == "26643006"
    assert parse_route("Placebo") is None


def test_doses():
    dose = parse_dose("corresponding to 1.0 MIU of IL-2 per injection")
    assert (dose.value, dose.unit, dose.text) == (1, "10*6.[iU]", "MIU")
    assert (parse_dose("3 mg/kg every 2 weeks").value, parse_dose("3 mg/kg every 2 weeks").unit) == (3, "mg/kg")
    # a ratio or power of ten is not a dose, and "mIU" is ambiguous (milli to UCUM, million to many authors)
    assert parse_dose("dose is 5×10*7/10ml") is None
    assert parse_dose("IL-2 1mIU was injected") is None


def test_dosage_goes_in_a_contained_activity_definition():
    record = TrialRecord(id="X-1", arms=[Arm("A", "EXPERIMENTAL", None, ["Drug: IL-2"])],
                         interventions=[Intervention("IL-2", "DRUG", "1.5 MIU/day subcutaneously for 5 consecutive "
                                                                    "days")])
    plan = plan_definition(record)
    assert issues(plan) == []
    [ad] = plan["contained"]
    assert ad["kind"] == "MedicationRequest" and ad["productCodeableConcept"] == {"text": "IL-2"}
    assert ad["dosage"][0]["route"]["coding"][0]["code"] == "34206005"
    assert ad["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1.5
    action = plan["action"][0]["action"][0]
    assert action["definitionCanonical"] == "#" + ad["id"]
    assert action["timingTiming"]["repeat"]["count"] == 5
