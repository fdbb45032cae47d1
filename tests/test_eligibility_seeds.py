"""The five seed registry pages: every criterion present with its side, and the key thresholds computable."""
import re

import pytest

from adapter.eligibility import EXCLUSION, INCLUSION, parse_criteria
from conftest import SHARED

SEEDS = SHARED / "seeds"


def seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def criteria_block(prefix: str) -> str:
    """The criteria text of a seed page: from "Inclusion Criteria" to the end of the exclusion list."""
    text = seed(prefix)
    if prefix in ("003", "004"):
        return next(line for line in text.splitlines() if line.startswith("Eligibility Inclusion"))
    start = text.index("Inclusion Criteria")
    end = re.search(r"\n(?:Study details|\d+ Years\n)", text[start:])
    return text[start:start + end.start()]


def bullets(block: str, header: str, stop: str | None) -> list[str]:
    part = block.split(header, 1)[1]
    if stop:
        part = part.split(stop, 1)[0]
    return [re.sub(r"^\s*(?:[•*]\s*)", "", line).strip() for line in part.splitlines()
            if re.match(r"^\s*[•*]\s", line)]


def facts(criteria, kind):
    return [(c, f) for c in criteria for f in c.facts if f.kind == kind]


@pytest.mark.parametrize("prefix", ["000", "001", "002"])
def test_every_bulleted_criterion_present_with_side(prefix):
    block = criteria_block(prefix)
    inc = bullets(block, "Inclusion Criteria", "Exclusion Criteria")
    exc = bullets(block, "Exclusion Criteria", None)
    parsed = parse_criteria(block)
    assert [c.text for c in parsed if c.side == INCLUSION] == inc
    assert [c.text for c in parsed if c.side == EXCLUSION] == exc
    assert len(inc) >= 4 and len(exc) >= 7


@pytest.mark.parametrize("prefix, n_inc, n_exc", [("003", 8, 9), ("004", 4, 9)])
def test_run_on_seeds_every_criterion_present(prefix, n_inc, n_exc):
    parsed = parse_criteria(criteria_block(prefix))
    top = [c for c in parsed if c.level == 0]
    assert sum(c.side == INCLUSION for c in top) == n_inc
    assert sum(c.side == EXCLUSION for c in top) == n_exc
    assert all(c.text for c in parsed)


def test_seed_000_thresholds():
    parsed = parse_criteria(criteria_block("000"))
    got = {(f.concept.split(" (")[0], c.side, f.comparator, f.value, f.unit)
           for c in parsed for f in c.facts if f.value is not None}
    assert ("Monocytic HLA-DR expression", INCLUSION, "<", 8000, None) in got
    assert ("Lymphocytes", INCLUSION, "<", 1000, "/mm3") in got
    assert ("SOFA score", INCLUSION, ">=", 6, None) in got
    assert ("APACHE II score", EXCLUSION, ">=", 30, None) in got
    assert ("Platelets", EXCLUSION, "<", 50000, "/mm3") in got
    assert ("Aspartate aminotransferase", EXCLUSION, ">", 5, "{ULN}") in got
    assert ("Alanine aminotransferase", EXCLUSION, ">", 5, "{ULN}") in got
    assert ("Estimated glomerular filtration rate", EXCLUSION, "<", 10, "mL/min/{1.73_m2}") in got
    platelets = next(f for c in parsed for f in c.facts if f.concept.startswith("Platelets"))
    assert platelets.codings[0].code == "777-3"


def test_seed_ages():
    ages = facts(parse_criteria(criteria_block("001")), "age")
    assert [(f.comparator, f.value, f.unit) for _, f in ages] == [(">=", 18, "a"), ("<", 75, "a")]
    ages = facts(parse_criteria(criteria_block("003")), "age")
    assert [(f.comparator, f.low, f.high) for _, f in ages] == [("range", 18, 70)]
    # seeds 002 and 004 give their limits in the registry's age fields
    for prefix, low, high in (("002", 19, 80), ("004", 18, 90)):
        page = seed(prefix)
        m = re.search(r"Age group (\d+) Years to (\d+) Years", page) or \
            re.search(r"\n(\d+) Years\n(\d+) Years\n", page)
        ages = facts(parse_criteria(f"Age {m.group(1)} years to {m.group(2)} years"), "age")
        assert [(f.comparator, f.low, f.high, f.unit) for _, f in ages] == [("range", low, high, "a")]


def test_seed_004_damage_stays_unknown():
    parsed = parse_criteria(criteria_block("004"))
    age = facts(parsed, "age")
    assert [(f.comparator, f.value) for _, f in age] == [("unknown", 18)]
    assert all(f.confidence <= 0.3 for _, f in age)
    unknown = [f for c in parsed for f in c.facts if f.comparator == "unknown"]
    assert len(unknown) >= 5          # RR =30, SpO2 =93%, creatinine =442, ALT=5xULN, INR=1.5 ...
    assert not [f for c in parsed for f in c.facts if f.concept.startswith("NYHA")]
    got = {(f.concept.split(" (")[0], f.comparator, f.value, f.unit) for c in parsed for f in c.facts}
    assert ("Hemoglobin", "<", 60, "g/L") in got
    assert ("Platelets", "<", 60, "10*9/L") in got
    assert ("Leukocytes", ">", 12, "10*9/L") in got
    assert ("C reactive protein", ">", 2, "{ULN}") in got
