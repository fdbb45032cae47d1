"""The three scraped registry page readers, field by field against the five seed pages."""
from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import pytest

from adapter.errors import RecordError
from adapter.record import Age, TrialRecord
from adapter.sources import detect, read_path, registry_detail_page, trial_details_page, trial_finder_page
from adapter.sources.page_text import age_range, phase_line, split_known
from conftest import SHARED

SEEDS = SHARED / "seeds"
HAPI_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
READERS = {"000": trial_finder_page, "001": registry_detail_page, "002": registry_detail_page,
           "003": trial_details_page, "004": trial_details_page}


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def read_bytes(reader, data: bytes, name: str = "page.txt") -> list[TrialRecord | RecordError]:
    return list(reader.read(data, name))


def record_of(prefix: str) -> TrialRecord:
    items = read_bytes(READERS[prefix], seed(prefix).read_bytes(), seed(prefix).name)
    assert len(items) == 1 and isinstance(items[0], TrialRecord), items
    return items[0]


def criteria_items(criteria: str) -> dict[str, list[str]]:
    """Criteria text back to its items by side, from the headings and the "* ", "- ", "1. " markers."""
    sides: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    side = None
    for line in criteria.splitlines():
        heading = re.fullmatch(r"(Inclusion|Exclusion) Criteria:", line)
        if heading:
            side = heading.group(1).lower()
        elif line.strip():
            assert re.match(r"(\* |- |\d+\. )", line), line
            sides[side].append(line)
    return sides


def related_ncts(prefix: str, own: str | None) -> set[str]:
    return set(re.findall(r"NCT\d{8}", seed(prefix).read_text(encoding="utf-8"))) - {own}


# ---- format detection ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", sorted(READERS))
def test_detect_picks_the_reader_of_each_seed(prefix):
    data = seed(prefix).read_bytes()
    assert detect(data[:64 * 1024], seed(prefix).name) is READERS[prefix]
    others = {trial_finder_page, registry_detail_page, trial_details_page} - {READERS[prefix]}
    assert not any(reader.sniff(data, seed(prefix).name) for reader in others)


@pytest.mark.parametrize("reader", [trial_finder_page, registry_detail_page, trial_details_page])
def test_page_readers_never_claim_json_or_xml(reader):
    page_words = b"Basic Information\nStudy Groups\nClinical Trial Details\nAdministrative data\nEligibility\n"
    assert not reader.sniff(b'{"protocolSection": "' + page_words + b'"}', "x.json")
    assert not reader.sniff(b"<?xml version='1.0'?>\n<clinical_study>" + page_words, "x.xml")


def test_read_path_detects_and_stamps_the_format():
    [record] = list(read_path(seed("003")))
    assert record.source_format == "trial-details-page" and record.source == str(seed("003"))


# ---- seed 000: trial-finder page ----------------------------------------------------------------------------

def test_trial_finder_seed_000():
    r = record_of("000")
    assert r.id == "NCT06774235" and r.nct_id == "NCT06774235" and not r.id_derived
    assert r.brief_title == ("Prevention of Secondary Infections by Interferon Gamma in ICU-acquired "
                             "Sustained Immune-suppression")
    assert r.overall_status == "RECRUITING" and r.registry_status == "Recruiting"
    assert r.phases == ["PHASE3"]
    assert r.eligibility.minimum_age == Age(18, "a") and r.eligibility.maximum_age is None
    assert r.eligibility.sex == "ALL"
    assert r.eligibility.healthy_volunteers is None
    assert [c.text for c in r.conditions] == ["Sustained Immunosuppression"]
    assert r.sponsor.name == "University Hospital, Limoges"
    assert r.last_updated == "2025-10-15"
    assert any("15 October 2025" in w and "last update" in w for w in r.warnings)
    assert r.enrollment is None and r.start_date is None and r.sites == []


def test_trial_finder_overview_keeps_bullets_and_participants_part():
    summary = record_of("000").brief_summary
    assert summary.startswith("The goal of this clinical trial is to demonstrate")
    assert "The main questions it aims to answer are:\n\nDoes Interferon-gamma:\n\n* reduces the Incidence" in summary
    assert "* has cost-consequence and cost-effectiveness\n\nResearchers will compare" in summary
    assert "Participants will:\n\n* Take Interferon-Gamma or a placebo" in summary
    assert summary.endswith("* be monitored evety day until their ICU discharge and at day 30, 60 and 90")
    assert "•" not in summary


def test_trial_finder_criteria_and_no_boilerplate():
    r = record_of("000")
    criteria = r.eligibility.criteria
    assert criteria.startswith("Inclusion Criteria:\n* Adult patient hospitalized in the ICU for at least 1 week\n")
    assert "\n\nExclusion Criteria:\n* Uncontrolled secondary infections" in criteria
    items = criteria_items(criteria)
    assert len(items["inclusion"]) == 8 and len(items["exclusion"]) == 24
    assert "* At least 1 episode of multiple organ failure, defined as a SOFA ≥ 6 (excluding" in criteria
    assert items["exclusion"][-1].startswith("* Patient being the investigator")
    text = repr(asdict(r))
    for boilerplate in ("FAQ", "Powered by AI", "Sign up", "private note", "SITE_NAME", "First name"):
        assert boilerplate not in text
    assert r.dropped == []


# ---- seeds 001, 002: registry detail page -------------------------------------------------------------------

def test_registry_detail_seed_001_basics():
    r = record_of("001")
    assert r.id == "NCT02059759" and not r.id_derived
    assert r.brief_title.startswith("Immuno-modulation in Amyotrophic Lateral Sclerosis- a Phase II Study")
    assert r.last_updated == "2025-11-17"
    assert r.overall_status == "COMPLETED" and r.phases == ["PHASE2"] and r.enrollment == 36
    assert r.design.study_type == "INTERVENTIONAL"
    assert r.start_date.value == "2015-09-30" and r.completion_date.value == "2016-05-25"
    assert (r.design.allocation, r.design.intervention_model, r.design.primary_purpose, r.design.masking) == \
        ("RANDOMIZED", "PARALLEL", "TREATMENT", "TRIPLE")
    assert r.brief_summary is None
    assert r.detailed_description.startswith("The secondary objectives of this study are:\nA. To evaluate")
    assert r.detailed_description.endswith("a blood biomarker for axonal damage.")


def test_registry_detail_seed_001_identifiers():
    r = record_of("001")
    by_value = {i.value: i for i in r.identifiers}
    assert set(by_value) == {"NCT02059759", "2014-001327-71", "LOCAL/2014/WC-01"}
    assert by_value["NCT02059759"].kind == "nct"
    assert (by_value["2014-001327-71"].kind, by_value["2014-001327-71"].type) == ("secondary", "EUDRACT_NUMBER")
    assert (by_value["LOCAL/2014/WC-01"].kind, by_value["LOCAL/2014/WC-01"].type) == ("org", None)


def test_registry_detail_seed_001_arms_and_interventions():
    r = record_of("001")
    assert [(a.label, a.intervention_names) for a in r.arms] == [
        ("Placebo", ["Placebo"]), ("1.0 IL-2", ["1.0 MIU IL-2 per day"]), ("2.0 IL-2", ["2.0 MIU IL-2 per day"])]
    assert r.arms[1].description.startswith("Patients in this arm will receive sub-cutaneous injections "
                                            "corresponding to 1.0 MIU")
    # the page repeats each intervention under its arm: read once, not as extra arms
    assert [i.name for i in r.interventions] == ["Placebo", "1.0 MIU IL-2 per day", "2.0 MIU IL-2 per day"]
    assert [i.arm_labels for i in r.interventions] == [["Placebo"], ["1.0 IL-2"], ["2.0 IL-2"]]
    assert r.interventions[2].description.startswith("Patients in this arm will receive sub-cutaneous injections "
                                                      "corresponding to 2.0 MIU")


def test_registry_detail_seed_001_eligibility():
    e = record_of("001").eligibility
    items = criteria_items(e.criteria)
    assert len(items["inclusion"]) == 10 and len(items["exclusion"]) == 19
    # markdown escapes undone; the ≤ / ≥ signs kept
    assert "* Stable on riluzole treatment for more than 3 months with liver function test results < 2ULN" \
        in items["inclusion"]
    assert "* Disease duration ≤ 5 years" in items["inclusion"]
    assert items["exclusion"][0] == "* Within the past three months, the patient has participated in another " \
                                    "interventional"
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == (Age(18, "a"), Age(75, "a"), "ALL", False)


def test_registry_detail_seed_001_parties_sites_references():
    r = record_of("001")
    assert (r.sponsor.name, r.sponsor.agency_class) == ("Centre Hospitalier Universitaire de Nīmes", "OTHER")
    assert r.collaborators == [] and r.responsible_party is None
    [official] = r.officials
    assert (official.name, official.role, official.affiliation) == \
        ("Raul Juntas-Morales, MD", "STUDY_DIRECTOR", "CHRU de Montpellier")
    [site] = r.sites
    assert (site.facility, site.city, site.state, site.country) == \
        ("CHRU de Montpellier - Hôpital Gui de Chauliac", "Montpellier", None, "France")
    [ref] = r.references
    assert ref.citation.startswith("Camu W, Mickunas M") and ref.doi == "10.1016/j.ebiom.2020.102844"
    assert ref.pmid is None


def test_registry_detail_seed_002():
    r = record_of("002")
    assert r.id_derived and r.nct_id is None
    assert HAPI_ID.fullmatch(r.id) and not r.id.isdigit() and "1510112713" in r.id
    assert r.id == record_of("002").id                      # stable
    assert any("derived" in w and "1510112713" in w for w in r.warnings)
    assert r.title is None and any("title" in w for w in r.warnings)
    assert [(i.value, i.kind) for i in r.identifiers] == [("1510112713", "org")]
    assert r.overall_status == "COMPLETED" and r.phases == ["PHASE1", "PHASE2"] and r.enrollment == 10
    assert r.start_date.value == "2016-03-31" and r.completion_date.value == "2019-06-12"
    assert (r.design.allocation, r.design.intervention_model, r.design.primary_purpose, r.design.masking) == \
        ("NA", "SINGLE_GROUP", "TREATMENT", "NONE")
    assert [(a.label, a.intervention_names) for a in r.arms] == [("Proleukin", ["Proleukin"])]
    assert r.arms[0].description.startswith("Proleukin (subcutaneous injection) 1.5 MIU/day")
    assert [(i.name, i.description) for i in r.interventions] == [("Proleukin", None)]
    assert r.detailed_description.startswith("Protocol: This study is a single arm open-label study")
    e = r.eligibility
    items = criteria_items(e.criteria)
    assert len(items["inclusion"]) == 4 and len(items["exclusion"]) == 7
    assert items["exclusion"][0].startswith("* heart failure (≥ grade III NYHA), hepatic insufficiency "
                                            "(aspartate amino transferase >200 IU/L")
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == (Age(19, "a"), Age(80, "a"), "ALL", False)
    assert (r.sponsor.name, r.sponsor.agency_class) == ("Seoul National University Hospital", "OTHER")
    assert (r.responsible_party.name, r.responsible_party.title) == ("Kon Chu", "Clinical Professor")
    assert r.officials == [] and r.sites == []
    assert [ref.doi for ref in r.references] == [
        "10.1038/nri3823", "10.1056/NEJMoa1105143", "10.1016/S2213-8587(13)70113-X", "10.1016/j.jaut.2015.01.001",
        "10.1001/jamadermatol.2014.504", "10.1136/annrheumdis-2014-206506"]


@pytest.mark.parametrize("prefix", ["001", "002"])
def test_registry_detail_reports_the_study_results_note(prefix):
    dropped = record_of(prefix).dropped
    assert len(dropped) == 1 and dropped[0].startswith("Study Results: The study team has not published")


# ---- seeds 003, 004: clinical trial details page ------------------------------------------------------------

def test_trial_details_seed_003():
    r = record_of("003")
    assert r.id == "NCT04952155"
    assert [(i.value, i.kind) for i in r.identifiers] == [("NCT04952155", "nct"), ("M2020420", "org")]
    assert r.overall_status == "RECRUITING" and r.phases == ["PHASE2"]
    assert r.first_submitted is None and r.last_updated is None
    assert (r.start_date.value, r.start_date.type) == ("2020-01-01", "ACTUAL")
    assert (r.completion_date.value, r.completion_date.type) == ("2022-12-31", "ESTIMATED")
    assert (r.primary_completion_date.value, r.primary_completion_date.type) == ("2021-12-31", "ESTIMATED")
    assert r.verified_date == "2021-06"
    assert r.sponsor.name == "Peking University Third Hospital" and r.collaborators == []
    [contact] = r.central_contacts
    assert (contact.name, contact.phone, contact.email) == ("Dongsheng Fan", "+86 13701023871", "dsfan@sina.com")
    assert r.design.study_type == "INTERVENTIONAL" and r.enrollment == 13
    assert r.brief_summary.startswith("The purpose of this study was to evaluate the efficacy and safety")
    assert r.detailed_description.startswith("This is a single-center, open-label, self-controlled")
    e = r.eligibility
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == (Age(18, "a"), Age(70, "a"), "ALL", False)
    [drug] = r.interventions
    assert (drug.type, drug.name) == ("DRUG", "IL-2") and drug.description.startswith("The administration period")
    [site] = r.sites
    assert (site.country, site.facility, site.city, site.state) == \
        ("China", "Peking University Third Hospital", "Beijing", "Beijing")
    assert r.dropped == ["Is FDA regulated: No"]


def test_trial_details_seed_003_criteria_rebroken_at_dash_markers():
    criteria = record_of("003").eligibility.criteria
    items = criteria_items(criteria)
    assert len(items["inclusion"]) == 8 and len(items["exclusion"]) == 9
    assert items["inclusion"][0] == "- 18-70 years old;"
    # encoding damage stays as the page has it
    assert "(=1.0mg/kg/d); Oral routine dose" in items["inclusion"][4]
    assert items["exclusion"][6].startswith("- Severe liver, kidney, lung or heart dysfunction: heart failure "
                                            "(=NYHA grade III), renal insufficiency (creatinine clearance =30ml/min)")
    source = seed("003").read_text(encoding="utf-8")
    for item in items["inclusion"] + items["exclusion"]:
        assert item[2:] in source


def test_trial_details_seed_003_outcomes():
    outcomes = record_of("003").outcomes
    assert [o.kind for o in outcomes] == ["primary"] + ["secondary"] * 6
    assert all(o.time_frame for o in outcomes)
    first = outcomes[0]
    assert (first.measure, first.time_frame) == ("ALSFRS-R score", "week 0,week 24 and week 48")
    assert first.description == ("Changes in the rate of ALSFRS-R score during administration period compared "
                                 "with follow-up period")
    assert [o.measure for o in outcomes[1:5]] == ["ALSFRS-R score", "ROADS score", "ALSAQ-40 score", "MRC score"]
    assert outcomes[5].time_frame == "week 0 and week 24"
    assert outcomes[5].measure.startswith("Immunological Responses")
    assert (outcomes[6].measure, outcomes[6].time_frame) == ("NFL in the serum and cerebrospinal fluid",
                                                             "week 0,week 24 and week 48")


def test_trial_details_seed_004():
    r = record_of("004")
    assert r.id == "NCT06416709"
    assert [(i.value, i.kind) for i in r.identifiers] == [("NCT06416709", "nct"), ("KY-2023-2-6-2", "org")]
    assert r.phases == ["PHASE1", "PHASE2"] and r.overall_status == "RECRUITING" and r.enrollment == 80
    assert r.start_date.value == "2023-05-10" and r.completion_date.value == "2026-05-10"
    assert r.verified_date == "2024-05"
    [contact] = r.central_contacts
    assert (contact.name, contact.phone, contact.email) == ("Zhe Xu, Dr", "86 150 0111 1836", "xuzhe302@139.com")
    # "Cell Energy Life Sciences Group Co. LTD Beijing 302 Hospital": lead sponsor + collaborator on one line
    assert r.sponsor.name == "Cell Energy Life Sciences Group Co. LTD"
    assert [c.name for c in r.collaborators] == ["Beijing 302 Hospital"]
    [site] = r.sites
    assert (site.country, site.facility, site.city, site.state) == ("China", "Beijing 302 Hospital", "Beijing", None)
    assert [(i.type, i.name) for i in r.interventions] == [("DRUG", "mesenchymal stem cells"), ("OTHER", "saline")]
    assert r.interventions[1].description == "10 ml saline is used as placebo once every three days and for three times"
    e = r.eligibility
    assert (e.minimum_age, e.maximum_age, e.sex, e.healthy_volunteers) == (Age(18, "a"), Age(90, "a"), "ALL", False)
    items = criteria_items(e.criteria)
    assert len(items["inclusion"]) == 4 and len(items["exclusion"]) == 9
    assert items["inclusion"][0] == "1. Age =18 years old;"
    assert "?Sars-cov-2 infection" in items["inclusion"][2]           # damaged bullet kept as-is
    assert items["exclusion"][8] == "9. Other serious conditions that may preclude the clinical trial."
    assert r.outcomes[0].measure == "Number of participants with side effects in MSCs treatment groups"
    assert r.outcomes[0].description.startswith("Investiagte the number of participants")
    assert [(o.kind, o.time_frame) for o in r.outcomes] == [("primary", "48 weeks"), ("primary", "2 weeks")]
    # a row whose columns cannot be told apart is kept whole, with a warning
    assert r.outcomes[1].measure.startswith("High-resolution CT imaging at week 2")
    assert any("Outcome row" in w for w in r.warnings)
    assert r.dropped == ["Is FDA regulated: No"]


# ---- the study's own id only --------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", sorted(READERS))
def test_no_related_trial_id_anywhere_in_the_record(prefix):
    r = record_of(prefix)
    related = related_ncts(prefix, r.nct_id)
    assert related or prefix == "000"
    assert not related & {i.value for i in r.identifiers}
    text = repr(asdict(r))
    assert not [nct for nct in related if nct in text]


# ---- errors -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, cut, field", [
    ("000", "Study details", "NCT ID"),
    ("002", "Other Identifiers", "NCT ID"),
    ("003", "NCT number", "NCT number"),
])
def test_page_truncated_before_any_id_is_a_record_error(prefix, cut, field):
    text = seed(prefix).read_text(encoding="utf-8")
    truncated = text[:text.index(cut)].encode("utf-8")
    [error] = read_bytes(READERS[prefix], truncated, "cut.txt")
    assert isinstance(error, RecordError)
    assert (error.file, error.field) == ("cut.txt", field)


@pytest.mark.parametrize("prefix, good, bad, field, value", [
    ("000", "15 October 2025", "35 October 2025", "Study details date", "35 October 2025"),
    ("001", "2015-09-30", "2015-13-30", "Start date", "2015-13-30"),
    ("003", "Start date January 1, 2020", "Start date January 41, 2020", "Start date", "January 41, 2020"),
    ("004", "Verified date May 2024", "Verified date Mai 2024", "Verified date", "Mai 2024"),
])
def test_unreadable_date_is_a_record_error_naming_the_field(prefix, good, bad, field, value):
    text = seed(prefix).read_text(encoding="utf-8").replace(good, bad)
    [error] = read_bytes(READERS[prefix], text.encode("utf-8"), "bad.txt")
    assert isinstance(error, RecordError)
    assert (error.file, error.field, error.record) == ("bad.txt", field, record_of(prefix).id)
    assert value in error.message


# ---- layout rules beyond the seeds --------------------------------------------------------------------------

def test_registry_detail_unknown_section_and_countries_are_reported_not_dropped_silently():
    text = seed("001").read_text(encoding="utf-8")
    text = text.replace("Countries\nReview the countries where the study has at least one active or historical site.\n",
                        "Countries\nReview the countries where the study has at least one active or historical site.\n"
                        "France\nBelgium\n")
    text = text.replace("References\n", "Keyword Cloud\nExplore the words most associated with this study.\n"
                                        "neurology\nReferences\n")
    r = read_bytes(registry_detail_page, text.encode("utf-8"))[0]
    assert "Countries: France (+1 more lines)" in r.dropped
    assert "Keyword Cloud: neurology" in r.dropped
    assert r.references[0].doi == "10.1016/j.ebiom.2020.102844"


def test_registry_detail_design_assigned_by_table_not_position():
    text = seed("001").read_text(encoding="utf-8").replace("RANDOMIZED\nPARALLEL\nTREATMENT\nTRIPLE",
                                                            "TRIPLE\nTREATMENT\nPARALLEL\nRANDOMIZED")
    design = read_bytes(registry_detail_page, text.encode("utf-8"))[0].design
    assert (design.allocation, design.intervention_model, design.primary_purpose, design.masking) == \
        ("RANDOMIZED", "PARALLEL", "TREATMENT", "TRIPLE")


def test_registry_detail_arms_without_intervention_lines():
    text = seed("002").read_text(encoding="utf-8")
    text = text.replace("Proleukin\nInterventions\n", "Proleukin\nPlacebo\nSaline injection on the same schedule.\n"
                                                      "Placebo\nInterventions\n")
    text = text.replace("Proleukin\nEligibility Criteria", "Proleukin\nPlacebo\nEligibility Criteria")
    r = read_bytes(registry_detail_page, text.encode("utf-8"))[0]
    assert [(a.label, a.intervention_names) for a in r.arms] == [("Proleukin", ["Proleukin"]),
                                                                ("Placebo", ["Placebo"])]
    assert r.arms[1].description == "Saline injection on the same schedule."
    assert [(i.name, i.arm_labels) for i in r.interventions] == [("Proleukin", ["Proleukin"]),
                                                                 ("Placebo", ["Placebo"])]


def test_trial_details_sponsor_row_that_cannot_be_split_keeps_the_lead_and_warns():
    text = seed("004").read_text(encoding="utf-8").replace("Source Cell Energy Life Sciences Group Co. LTD",
                                                          "Source Someone Else")
    text = text.replace("China Beijing 302 Hospital Beijing", "China Capital Medical Center Beijing")
    r = read_bytes(trial_details_page, text.encode("utf-8"))[0]
    assert r.collaborators == []
    assert any("Sponsors row" in w for w in r.warnings)
    assert any(d.startswith("Sponsors: Cell Energy") for d in r.dropped)


@pytest.mark.parametrize("text, low, high", [
    ("18 Years to 70 Years", Age(18, "a"), Age(70, "a")),
    ("18 to 65 years", Age(18, "a"), Age(65, "a")),
    ("18 years and older", Age(18, "a"), None),
    ("Up to 17 years", None, Age(17, "a")),
    ("6 Months to 17 Years", Age(6, "mo"), Age(17, "a")),
    ("N/A", None, None),
])
def test_age_range(text, low, high):
    assert age_range(text) == (low, high)


def test_age_range_rejects_other_text():
    with pytest.raises(ValueError):
        age_range("Adults")


def test_split_known_uses_names_seen_elsewhere_and_the_page_count():
    assert split_known("Acme Pharma Ltd City Hospital", ["Acme Pharma Ltd"], 2) == ["Acme Pharma Ltd",
                                                                                   "City Hospital"]
    assert split_known("Acme Pharma Ltd City Hospital", ["City Hospital"], 2) == ["Acme Pharma Ltd",
                                                                                 "City Hospital"]
    assert split_known("Acme Pharma Ltd City Hospital", [], 2) is None
    assert split_known("Acme Pharma Ltd City Hospital", [], 1) == ["Acme Pharma Ltd City Hospital"]


def test_trial_details_design_line_is_read_and_unknown_lines_reported():
    text = seed("003").read_text(encoding="utf-8").replace(
        "Study Design\n\n", "Study Design\n\nAllocation: Randomized, Intervention Model: Parallel Assignment, "
        "Masking: Double (Participant, Investigator), Primary Purpose: Treatment\nSomething: else\n")
    r = read_bytes(trial_details_page, text.encode("utf-8"))[0]
    d = r.design
    assert (d.allocation, d.intervention_model, d.masking, d.primary_purpose) == \
        ("RANDOMIZED", "PARALLEL", "DOUBLE", "TREATMENT")
    assert d.who_masked == ["PARTICIPANT", "INVESTIGATOR"]
    assert "Study Design: Something: else" in r.dropped


@pytest.mark.parametrize("text, phases", [
    ("Phase 3", ["PHASE3"]), ("Phase 1/Phase 2", ["PHASE1", "PHASE2"]), ("PHASE1/PHASE2", ["PHASE1", "PHASE2"]),
    ("Phase 1/2", ["PHASE1", "PHASE2"]), ("N/A", ["NA"]), ("Early Phase 1", ["EARLY_PHASE1"]),
    ("Phase 2 Phase 3", ["PHASE2", "PHASE3"]), ("Recruiting", []),
])
def test_phase_line(text, phases):
    assert phase_line(text) == phases
