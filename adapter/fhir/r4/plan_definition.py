"""The R4 protocol PlanDefinition: an action per arm with its interventions and schedules, and the assessments."""
from __future__ import annotations

from ...protocol.dosing import parse_dose, parse_route
from ...protocol.timing import Repeat, Schedule, parse_schedule, parse_time_frame
from ...record import Intervention, TrialRecord
from ..codes import ctgov_display
from ..ids import minted_identifier

PLAN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                         "code": "clinical-protocol", "display": "Clinical Protocol"}]}
UCUM = "http://unitsofmeasure.org"
_UNIT_NAMES = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours", "min": "minutes"}


def plan_id(record: TrialRecord) -> str:
    return f"{record.id}-protocol"


def duration(value: float, unit: str) -> dict:
    return {"value": int(value) if float(value).is_integer() else value, "unit": _UNIT_NAMES[unit],
            "system": UCUM, "code": unit}


def timing(repeat: Repeat) -> dict:
    r: dict = {"frequency": repeat.frequency, "period": repeat.period, "periodUnit": repeat.period_unit}
    if repeat.count is not None:
        r["count"] = repeat.count
    if repeat.bounds_value is not None:
        r["boundsDuration"] = duration(repeat.bounds_value, repeat.bounds_unit)
    return {"repeat": r}


def scheduled(action: dict, schedule: Schedule | None) -> dict:
    """Attach a schedule to an action: a cycle repeat on it and the dosing repeat on a child, or dosing alone."""
    if schedule is None:
        return action
    dosing = {"title": "Dosing days", "timingTiming": timing(schedule.doses)}
    if schedule.cycles is None:
        action["timingTiming"] = dosing["timingTiming"]
    else:
        action["timingTiming"] = timing(schedule.cycles)
        action.setdefault("action", []).append(dosing)
    return action


# intervention types given as medication, for which an ActivityDefinition of kind MedicationRequest fits
_MEDICATIONS = {"DRUG", "BIOLOGICAL", "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT"}


def dosage(text: str | None) -> dict | None:
    """A Dosage with the route and dose the text states; None when it states neither."""
    route, dose = parse_route(text), parse_dose(text)
    if not (route or dose):
        return None
    out: dict = {}
    if route:
        out["route"] = {"coding": [{"system": route.system, "code": route.code, "display": route.display}],
                        "text": route.display}
    if dose:
        out["doseAndRate"] = [{"doseQuantity": {"value": dose.value, "unit": dose.text, "system": UCUM,
                                                "code": dose.unit}}]
    return out


def activity_definition(iv: Intervention, dose: dict, contained: list[dict]) -> str:
    """Add a contained ActivityDefinition carrying the intervention's dosage; returns its local canonical."""
    rid = f"ad-{len(contained) + 1}"
    ad: dict = {"resourceType": "ActivityDefinition", "id": rid, "status": "active"}
    if iv.type in _MEDICATIONS:
        ad["kind"] = "MedicationRequest"
    ad["productCodeableConcept"] = {"text": iv.name}
    ad["dosage"] = [dose]
    contained.append(ad)
    return f"#{rid}"


def intervention_action(iv: Intervention, arm_text: str | None, contained: list[dict]) -> dict:
    kind = ctgov_display("intervention_type", iv.type) if iv.type else None
    action: dict = {"title": f"{kind}: {iv.name}" if kind else iv.name}
    if iv.description:
        action["description"] = iv.description
    if kind:
        action["code"] = [{"text": kind}]
    if iv.other_names:
        action["textEquivalent"] = "Also known as: " + "; ".join(iv.other_names)
    # the intervention's own wording first; a page often states the schedule (or dose) only on the arm
    dose = dosage(iv.description) or dosage(arm_text)
    if dose:
        action["definitionCanonical"] = activity_definition(iv, dose, contained)
    return scheduled(action, parse_schedule(iv.description) or parse_schedule(arm_text))


def _matches(arm_label: str, iv: Intervention, arm_iv_names: list[str]) -> bool:
    if arm_label in iv.arm_labels:
        return True
    # v2 arm groups list "Drug: Name"; pages list the bare name
    return any(n == iv.name or n.split(":", 1)[-1].strip() == iv.name for n in arm_iv_names)


def arm_actions(record: TrialRecord, contained: list[dict]) -> list[dict]:
    out = []
    for arm in record.arms:
        action: dict = {"id": f"arm-{len(out) + 1}", "title": arm.label}
        if arm.description:
            action["description"] = arm.description
        if arm.type:
            action["code"] = [{"text": ctgov_display("arm_type", arm.type)}]
        ivs = [iv for iv in record.interventions if _matches(arm.label, iv, arm.intervention_names)]
        known = {iv.name for iv in ivs}
        children = [intervention_action(iv, arm.description, contained) for iv in ivs]
        # an arm may name an intervention the record does not describe: keep it by name
        children += [{"title": n} for n in arm.intervention_names
                     if n not in known and n.split(":", 1)[-1].strip() not in known]
        if children:
            action["action"] = children
        elif arm.description:
            scheduled(action, parse_schedule(arm.description))
        out.append(action)
    armed = {iv.name for arm in record.arms for iv in record.interventions
             if _matches(arm.label, iv, arm.intervention_names)}
    for iv in record.interventions:
        if iv.name not in armed:
            out.append(intervention_action(iv, None, contained))
    return out


def assessment_actions(record: TrialRecord) -> list[dict]:
    out = []
    for n, outcome in enumerate(record.outcomes, start=1):
        action: dict = {"id": f"outcome-{n}", "title": f"Assess: {outcome.measure}",
                        "code": [{"text": f"{outcome.kind} outcome"}]}
        if outcome.description:
            action["description"] = outcome.description
        if outcome.time_frame:
            action["textEquivalent"] = f"Time frame: {outcome.time_frame}"
            points = parse_time_frame(outcome.time_frame)
            if len(points) == 1:
                action["timingDuration"] = duration(points[0].value, points[0].unit)
            elif points:
                action["action"] = [{"title": f"At {_UNIT_NAMES[p.unit].rstrip('s')} {p.value:g}",
                                     "timingDuration": duration(p.value, p.unit)} for p in points]
        out.append(action)
    return out


def plan_definition(record: TrialRecord) -> dict:
    rid = plan_id(record)
    res: dict = {"resourceType": "PlanDefinition", "id": rid, "identifier": [minted_identifier(rid)],
                 "title": f"Protocol: {record.title}" if record.title else f"Protocol of {record.id}",
                 "type": PLAN_TYPE, "status": "active"}
    contained: list[dict] = []
    actions = arm_actions(record, contained)
    assessments = assessment_actions(record)
    if assessments:
        actions.append({"id": "assessments", "title": "Outcome assessments", "action": assessments})
    if contained:
        res["contained"] = contained
    if actions:
        res["action"] = actions
    return res
