"""Reading facts out of single criteria: ages, thresholds, scores, negation, time windows, lost comparators."""
import pytest

from adapter.eligibility import parse_criteria


def facts(text, kind=None):
    out = [f for c in parse_criteria(text) for f in c.facts]
    return [f for f in out if kind is None or f.kind == kind]


def one(text, kind):
    got = facts(text, kind)
    assert len(got) == 1, got
    return got[0]


@pytest.mark.parametrize("text, op, value, low, high, unit", [
    ("Age ≥ 18 years", ">=", 18, None, None, "a"),
    ("18 years and older", ">=", 18, None, None, "a"),
    ("18-70 years old", "range", None, 18, 70, "a"),
    ("aged between 18 and 65 years", "range", None, 18, 65, "a"),
    ("Patients under 18 years of age", "<", 18, None, None, "a"),
    ("Children 6 to 24 months of age", "range", None, 6, 24, "mo"),
    ("Infants younger than 12 weeks old", "<", 12, None, None, "wk"),
    ("Age \u2a7e 21 years", ">=", 21, None, None, "a"),
    ("no older than 75 years of age", "<=", 75, None, None, "a"),
])
def test_age(text, op, value, low, high, unit):
    f = one(text, "age")
    assert (f.comparator, f.value, f.low, f.high, f.unit) == (op, value, low, high, unit)
    assert f.codings[0].code == "424144002"


@pytest.mark.parametrize("text, concept_code, op, value, unit", [
    ("Platelets < 50,000/mm3", "777-3", "<", 50000, "/mm3"),
    ("Hb<60g/L", "718-7", "<", 60, "g/L"),
    ("PLT<60×10^9/L", "777-3", "<", 60, "10*9/L"),
    ("PLT<60×109/L", "777-3", "<", 60, "10*9/L"),
    ("eGFR<10 ml/min/1.73m2", None, "<", 10, "mL/min/{1.73_m2}"),
    ("total bilirubin no more than 1.5 x ULN", "1975-2", "<=", 1.5, "{ULN}"),
    ("hemoglobin at least 9 g/dL", "718-7", ">=", 9, "g/dL"),
    ("ANC below 1500/μL", "751-8", "<", 1500, "/uL"),
    ("HbA1c exceeding 10%", "4548-4", ">", 10, "%"),
    ("creatinine 2 mg/dL or more", "2160-0", ">=", 2, "mg/dL"),
    ("serum creatinine > 150 µmol/L", "14682-9", ">", 150, "umol/L"),
    ("BMI up to 35 kg/m²", "39156-5", "<=", 35, "kg/m2"),
])
def test_lab_and_vital_thresholds(text, concept_code, op, value, unit):
    got = [f for f in facts(text) if f.kind in ("lab", "vital")]
    assert len(got) == 1, got
    f = got[0]
    assert (f.comparator, f.value, f.unit) == (op, value, unit)
    assert (f.codings[0].code if f.codings else None) == concept_code


def test_list_of_labs_gives_one_fact_each():
    got = facts("AST, ALT < 2.5 x ULN", "lab")
    assert sorted(c.code for f in got for c in f.codings) == ["1742-6", "1920-8"]
    assert all(f.comparator == "<" and f.value == 2.5 and f.unit == "{ULN}" for f in got)


def test_blood_pressure_pair_is_systolic_and_diastolic():
    got = facts("blood pressure > 140/90 mmHg", "vital")
    assert [(f.codings[0].code, f.value) for f in got] == [("8480-6", 140), ("8462-4", 90)]


@pytest.mark.parametrize("text, low, high, value, op", [
    ("ECOG 0-2", 0, 2, None, "range"),
    ("ECOG performance status of 0 or 1", 0, 1, None, "range"),
    ("NYHA class III or IV", 3, 4, None, "range"),
    ("ASA I-III", 1, 3, None, "range"),
    ("heart failure (NYHA class ≥ III)", None, None, 3, ">="),
    ("Karnofsky ≥ 70%", None, None, 70, ">="),
    ("SOFA ≥ 6", None, None, 6, ">="),
])
def test_scores(text, low, high, value, op):
    f = one(text, "score")
    assert (f.comparator, f.low, f.high, f.value) == (op, low, high, value)


def test_lost_comparator_is_unknown_and_low_confidence():
    for text in ("Age =18 years old", "creatinine clearance =30ml/min", "ALT=5×ULN"):
        got = [f for f in facts(text) if f.value is not None]
        assert got and all(f.comparator == "unknown" and f.confidence <= 0.3 for f in got), (text, got)
    assert not [f for f in facts("acute heart failure NYHA?") if f.kind == "score"]


@pytest.mark.parametrize("text, negated", [
    ("History of hepatitis C", False),
    ("No history of hepatitis C", True),
    ("Absence of active tuberculosis", True),
    ("Not pregnant", True),
    ("Women who are not without contraception or pregnant", False),
    ("neither pregnant nor lactating", True),
])
def test_negation(text, negated):
    got = [f for f in facts(text) if f.kind in ("condition", "finding")]
    assert got and got[0].negated is negated


def negations(text):
    return {f.concept.split(" (")[0]: f.negated for f in facts(text) if f.kind not in ("age", "sex")}


@pytest.mark.parametrize("text, expected", [
    # a cue over a noun phrase does not reach a predicate joined after it
    ("Women of child bearing age without contraception or pregnant or breast feeding",
     {"Pregnancy": False, "Breastfeeding": False}),
    ("Patients without insurance, pregnant or lactating", {"Pregnancy": False, "Breastfeeding": False}),
    # like conjuncts stay in scope
    ("not pregnant or breastfeeding", {"Pregnancy": True, "Breastfeeding": True}),
    ("No history of diabetes or hypertension", {"Diabetes mellitus": True, "Hypertension": True}),
    ("no pregnant or lactating women", {"Pregnancy": True, "Breastfeeding": True}),
    # a finite verb after "and"/"or" starts a new clause
    ("Not pregnant and has diabetes", {"Pregnancy": True, "Diabetes mellitus": False}),
    ("Patients have not received radiotherapy before, and can accept chemotherapy",
     {"Radiotherapy": True, "Chemotherapy": False}),
    # "non-X" negates X only
    ("Receive non-standard treatment or use of excessive dose of glucocorticoids or gamma globulin intravenously "
     "within 2 months before enrollment", {"Corticosteroids": False}),
    ("Non-cardiac surgery patients", {"Surgical procedure": False}),
    ("Histologically confirmed non-small cell lung cancer", {"Malignant neoplastic disease": False}),
    ("non pregnant, non lactating women", {"Pregnancy": True, "Breastfeeding": True}),
    ("with or without valve surgery", {"Surgical procedure": False}),
    # "negative": a test result, not a subtype
    ("negative serum pregnancy test", {"Pregnancy": True}),
    ("HIV negative", {"HIV infection": True}),
    ("HER2-negative breast cancer", {"Malignant neoplastic disease": False}),
    ("History of MDR gram-negative infection", {"Infectious disease": False}),
    # negation written after the mention
    ("Invasive mechanical ventilation and vasopressor medications were not required", {"Mechanical ventilation": True}),
    ("Infection cannot be excluded", {"Infectious disease": False}),
])
def test_negation_scope(text, expected):
    got = negations(text)
    assert {k: got.get(k) for k in expected} == expected, got


@pytest.mark.parametrize("text", [
    "Oxygen and index (partial pressure of arterial oxygen/fraction of inspired oxygen) =300mmHg and > 200mmHg",
    "PaO2/FiO2 < 300 mmHg",
    "PaO2:FiO2 ratio <= 200 mmHg",
])
def test_a_ratio_of_two_measures_is_one_concept(text):
    got = [f for f in facts(text) if f.value is not None]
    assert got and all(f.concept.startswith("PaO2/FiO2 ratio") for f in got), got
    assert not [f for f in facts(text) if f.concept.startswith(("Oxygen partial", "Inspired oxygen"))]


def test_unknown_ratio_named_ratio_and_lists_stay_lists():
    [f] = facts("BUN/creatinine ratio > 20")
    assert f.concept.startswith("Urea nitrogen/Creatinine ratio") and f.codings == () and f.value == 20
    [f] = facts("urine albumin/creatinine > 30 mg/g")
    assert (f.codings[0].code, f.unit) == ("9318-7", "mg/g")
    assert len(facts("AST/ALT > 5 x ULN", "lab")) == 2


@pytest.mark.parametrize("text, concept, op, value, unit", [
    ("Life expectancy shorter than 6 months", "Life expectancy", "<", 6, "mo"),
    ("Life expectancy lower than 3 months from the initiation of treatment", "Life expectancy", "<", 3, "mo"),
    ("< 27 weeks gestation at birth", "Gestational age", "<", 27, "wk"),
    ("delivering at or after 20 weeks of gestation", "Gestational age", ">=", 20, "wk"),
    ("diagnosed from 13 to 32.6 gestational weeks", "Gestational age", "range", None, "wk"),
    ("Hypertension (>=140 mmHg systolic and/or >=90 mmHg diastolic)", "Diastolic blood pressure", ">=", 90, "mm[Hg]"),
    ("TBI >= 1200 cGy (fractionated)", "tbi", ">=", 1200, "cGy"),
    ("mitral valve orifice area <3.5 cm2", "valve orifice area", "<", 3.5, "cm2"),
])
def test_measures_units_and_names_after_the_value(text, concept, op, value, unit):
    got = [f for f in facts(text) if f.concept.startswith(concept)]
    assert got, facts(text)
    assert (got[-1].comparator, got[-1].value, got[-1].unit) == (op, value, unit)


@pytest.mark.parametrize("text", [
    "history of major surgery no older than 30 days",
    "Women who are less than 6 weeks postpartum",
    "Subjects with less than one year duration of Parkinson's",
    "At least 12 months must have elapsed since completion of chemotherapy.",
    "Pain intensity of > 4/10 on a 0-10 VAS scale",
])
def test_not_ages_and_not_thresholds(text):
    assert not facts(text, "age")
    assert not [f for f in facts(text) if f.comparator == "range"]


def test_generic_measure_needs_a_noun_before_its_value():
    assert not [f for f in facts("Ischemic symptoms in the presence of >50% de novo stenosis") if f.comparator]
    assert [f.concept for f in facts("Age equal or superior to 18 years")] == ["Age"]
    assert facts("Age equal or superior to 18 years")[0].comparator == ">="


def test_time_windows_are_durations():
    got = facts("Chemotherapy / radiation therapy within the last 6 weeks", "procedure")
    assert len(got) == 2
    assert {(f.time_window.value, f.time_window.unit) for f in got} == {(6, "wk")}
    trial = facts("Participation in another research clinical trial within 30 days", "finding")
    assert (trial[0].time_window.value, trial[0].time_window.unit) == (30, "d")
    vaccine = facts("Vaccination within 8 weeks prior to first experimental dosing", "procedure")
    assert (vaccine[0].time_window.value, vaccine[0].time_window.unit) == (8, "wk")
    # a window is not a threshold
    assert not [f for f in facts("Blood transfusion within 14 days") if f.comparator]


def test_sex_pregnancy_and_healthy_volunteers():
    assert one("Female patients aged 18 to 45", "sex").value_code.code == "female"
    assert not facts("Male or female, 18 years or older", "sex")
    preg = [f for f in facts("Pregnancy or breast feeding") if f.kind == "finding"]
    assert {f.concept for f in preg} == {"Pregnancy", "Breastfeeding (breast feeding)"}
    assert facts("Healthy volunteers", "finding")[0].concept.startswith("Healthy volunteer")


def test_nothing_computable_means_no_fact():
    assert facts("Patient affiliated to the social security system") == []


def test_sex_in_an_exclusion_is_a_qualifier_unless_it_stands_alone():
    from adapter.eligibility import parse_criteria
    crits = parse_criteria("Inclusion Criteria:\n* Female patients aged 18 or older\n"
                           "Exclusion Criteria:\n* Women of child bearing age without contraception\n* Male")
    sex = {c.id: [f for f in c.facts if f.kind == "sex"] for c in crits}
    assert [f.value_code.code for f in sex["inc-1"]] == ["female"]
    assert sex["exc-1"] == []
    assert [f.value_code.code for f in sex["exc-2"]] == ["male"]
