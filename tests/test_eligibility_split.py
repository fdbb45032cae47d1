"""Splitting criteria text: headers in any wording, bullets, numbered lists, run-on paragraphs, nested ids."""
from adapter.eligibility import EXCLUSION, INCLUSION
from adapter.eligibility.split import split


def ids(text):
    return [(c.id, c.side, c.text) for c in split(text)]


def test_headers_and_bullets():
    text = ("Key Inclusion Criteria:\n  - Adults\n  * Signed consent\n  • Able to swallow\n"
            "EXCLUSION CRITERIA\n  1. Pregnancy\n  2. HIV\n")
    assert ids(text) == [("inc-1", INCLUSION, "Adults"), ("inc-2", INCLUSION, "Signed consent"),
                         ("inc-3", INCLUSION, "Able to swallow"), ("exc-1", EXCLUSION, "Pregnancy"),
                         ("exc-2", EXCLUSION, "HIV")]


def test_markdown_headers_and_verb_headers():
    text = "**Inclusion criteria**\n- A\nPatients will be excluded if:\n- B\n"
    assert [(c.id, c.side) for c in split(text)] == [("inc-1", INCLUSION), ("exc-1", EXCLUSION)]


def test_no_header_means_inclusion_flagged():
    crits = split("Adults aged 18 or more\nWritten consent\n")
    assert [c.side for c in crits] == [INCLUSION, INCLUSION]
    assert all(c.side_assumed for c in crits)
    assert not split("Inclusion Criteria:\n- A\n")[0].side_assumed


def test_nested_sub_bullets_get_dotted_ids():
    text = ("Exclusion Criteria:\n  1. One\n  2. Laboratory values:\n      a. Platelets < 50,000/mm3\n"
            "      b. Hb < 8 g/dL\n  3. Three\n")
    got = [(c.id, c.parent) for c in split(text)]
    assert got == [("exc-1", None), ("exc-2", None), ("exc-2.1", "exc-2"), ("exc-2.2", "exc-2"), ("exc-3", None)]


def test_continuation_line_joins_its_criterion():
    text = "Inclusion Criteria:\n  -  Normal blood pressure (systolic 90-140 mmHg)\n     resting heart rate 45-100\n  -  B\n"
    crits = split(text)
    assert [c.id for c in crits] == ["inc-1", "inc-2"]
    assert "resting heart rate" in crits[0].text


def test_run_on_dash_paragraph():
    text = ("Eligibility Inclusion Criteria: - 18-70 years old; - Clinically diagnosed with ALS; "
            "- Signed informed consent. Exclusion Criteria: - Allergic to IL2; - Pregnant and lactating women;")
    got = ids(text)
    assert [g[0] for g in got] == ["inc-1", "inc-2", "inc-3", "exc-1", "exc-2"]
    assert got[0][2] == "18-70 years old;"
    assert got[3][1] == EXCLUSION


def test_run_on_numbered_with_parenthesised_and_lost_bullets():
    text = ("Inclusion Criteria: 1. Age =18 years old; 2. Consent; 3. Pneumonia: (1)Etiology: ?Sars-cov-2 "
            "infection: positive; ?Adenovirus infection: positive; (2)Imaging: CT; 4. No ventilation. "
            "Exclusion Criteria: 1. HIV; 2. Tumors.")
    got = [c.id for c in split(text)]
    assert got == ["inc-1", "inc-2", "inc-3", "inc-3.1", "inc-3.1.1", "inc-3.1.2", "inc-3.2", "inc-4",
                   "exc-1", "exc-2"]


def test_circled_numbers_are_items():
    got = ids("Inclusion Criteria:\n\u2460 Adults \u2461 Consent\n")
    assert [g[2] for g in got] == ["Adults", "Consent"]


def test_ids_are_stable():
    text = "Inclusion Criteria:\n- A\n- B\nExclusion Criteria:\n- C\n"
    assert ids(text) == ids(text)
