"""The ClinicalTrials.gov API v2 JSON reader, on real corpus records and on broken copies of them."""
from __future__ import annotations

import json

import pytest

from adapter.errors import FormatError, RecordError
from adapter.record import Age, Coded, DateValue, TrialRecord
from adapter.sources import ctgov_json
from adapter.sources.citations import doi_in
from adapter.sources.ids import derive_id
from adapter.sources.values import unescape_markdown
from conftest import CTGOV, walk_corpus

FOLDER = CTGOV / "api_v2_json"
MESH = "http://id.nlm.nih.gov/mesh"


def study(nct: str) -> dict:
    return json.loads((FOLDER / f"{nct}.json").read_text(encoding="utf-8"))


def read_one(nct: str) -> TrialRecord:
    path = FOLDER / f"{nct}.json"
    (record,) = ctgov_json.read(path.read_bytes(), str(path))
    assert isinstance(record, TrialRecord), record
    return record


def read_doc(tmp_path, content: str | bytes, name: str = "studies.json") -> tuple[str, list]:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path), list(ctgov_json.read(path.read_bytes(), str(path)))


def test_identifiers_status_and_dates():
    r = read_one("NCT00080808")
    assert r.id == r.nct_id == "NCT00080808" and not r.id_derived
    org = next(i for i in r.identifiers if i.kind == "org")
    assert (org.value, org.assigner) == ("ID01-304", "M.D. Anderson Cancer Center")
    registry = next(i for i in r.identifiers if i.value == "CDR0000355366")
    assert (registry.kind, registry.type, registry.assigner) == ("secondary", "REGISTRY", "NCI PDQ")
    nih = next(i for i in r.identifiers if i.value == "P50CA090270")
    assert nih.link == "https://reporter.nih.gov/quickSearch/P50CA090270"
    assert r.overall_status == "COMPLETED"
    # the source gives month precision, and no type for the start date
    assert r.start_date == DateValue("2001-08", None)
    assert r.primary_completion_date == DateValue("2006-07", "ACTUAL")
    assert r.completion_date == DateValue("2009-07", "ACTUAL")
    assert (r.first_submitted, r.last_updated, r.verified_date) == ("2004-04-07", "2012-07-30", "2012-07")
    assert (r.enrollment, r.enrollment_type) == (111, "ACTUAL")
    assert (r.design.allocation, r.design.primary_purpose, r.design.masking) == ("RANDOMIZED", "SUPPORTIVE_CARE", "NONE")


def test_conditions_paired_with_mesh_codes():
    r = read_one("NCT00080808")
    # "Prostate Cancer" is where the registry found Prostatic Neoplasms; Erectile Dysfunction was derived from
    # elsewhere in the record and is kept as an extra coded condition
    assert r.conditions == [Coded("Prostate Cancer", "D000011471", MESH, "Prostatic Neoplasms"),
                            Coded("Erectile Dysfunction", "D000007172", MESH, "Erectile Dysfunction")]
    assert "Nerve-sparing radical prostatectomy" in r.keywords


def test_interventions_arms_outcomes_and_markdown():
    r = read_one("NCT00080808")
    alprostadil = next(i for i in r.interventions if i.name == "Alprostadil (E1)")
    assert alprostadil.type == "DRUG"
    assert alprostadil.other_names == ["Prostaglandin E1", "PGE1"]
    assert alprostadil.arm_labels == ["Arm I", "Arm II (No sural nerve grafting)"]
    assert alprostadil.codes == [Coded("Alprostadil", "D000000527", MESH, "Alprostadil")]
    assert r.arms[0].label == "Arm I" and r.arms[0].type == "ACTIVE_COMPARATOR"
    assert "Drug: Papaverine" in r.arms[0].intervention_names
    assert [(o.kind, o.measure, o.time_frame) for o in r.outcomes] == [
        ("primary", "Potency rate at 2 years after surgery", "2 years")]
    # the source writes "\\</= 65 years": the registry's markdown escape is undone
    assert "Patient must be </= 65 years of age" in r.eligibility.criteria
    assert "\\" not in r.eligibility.criteria
    assert (r.eligibility.sex, r.eligibility.minimum_age, r.eligibility.maximum_age) == ("MALE", None, Age(65, "a"))


def test_people_sites_and_references():
    r = read_one("NCT00080808")
    (official,) = r.officials
    assert (official.name, official.role, official.affiliation) == (
        "Christopher G. Wood, MD", "STUDY_CHAIR", "M.D. Anderson Cancer Center")
    (site,) = r.sites
    assert (site.facility, site.city, site.state, site.postal_code, site.country) == (
        "M.D. Anderson Cancer Center at University of Texas", "Houston", "Texas", "77030-4009", "United States")
    assert (site.latitude, site.longitude) == (29.76328, -95.36327)
    paper, link = r.references
    assert (paper.pmid, paper.type, paper.doi) == ("18783876", "RESULT", "10.1016/j.eururo.2008.08.051")
    assert (link.type, link.url, link.label) == ("LINK", "http://www.mdanderson.org", "UT MD Anderson Cancer Center Website")


@pytest.mark.parametrize("text, plain", [
    ("\\>= 18 years, \\< 65", ">= 18 years, < 65"),
    # an escaped backslash, then an escaped star
    ("a \\\\\\* b", "a \\* b"),
    ("C:\\dir (no escape)", "C:\\dir (no escape)"),
])
def test_markdown_escapes_are_undone(text, plain):
    assert unescape_markdown(text) == plain


@pytest.mark.parametrize("citation, doi", [
    ("Doi T, Ohtsu A. A trial. 2010;12(3):45-9. doi: 10.1000/xyz123.", "10.1000/xyz123"),
    ("Kidoi Y. A trial. https://doi.org/10.1016/S0140-6736(20)30183-5).", "10.1016/S0140-6736(20)30183-5"),
    ("Doi T. A trial. 2010;12(3):45-9.", None),
])
def test_doi_found_past_words_that_merely_hold_doi(citation, doi):
    assert doi_in(citation) == doi


def test_combined_phase_and_old_style_responsible_party():
    r = read_one("NCT00901056")
    assert r.phases == ["PHASE1", "PHASE2"]
    # older records name the responsible party as oldNameTitle/oldOrganization, without a type
    party = r.responsible_party
    assert (party.name, party.role, party.affiliation) == ("Prof. Yoram Vardi", "RESPONSIBLE_PARTY", "Rambam Medical Center")
    assert r.responsible_party_type is None


def test_responsible_investigator():
    r = read_one("NCT00179517")
    party = r.responsible_party
    assert (party.name, party.title, party.affiliation) == (
        "Andrew Herzog", "Professor of Neurology", "Beth Israel Deaconess Medical Center")
    assert r.responsible_party_type == "PRINCIPAL_INVESTIGATOR"


def test_last_known_status_contacts_and_observational_eligibility():
    r = read_one("NCT00468637")
    assert (r.overall_status, r.last_known_status) == ("UNKNOWN", "RECRUITING")
    assert r.acronym == "AMORE-Eur"
    assert r.design.study_type == "OBSERVATIONAL" and r.design.time_perspective == "PROSPECTIVE"
    contact = r.central_contacts[0]
    assert (contact.name, contact.role, contact.email) == ("Michael Böhm, MD", "CONTACT",
                                                           "michael.boehm@uniklinikum-saarland.de")
    e = r.eligibility
    assert (e.minimum_age, e.healthy_volunteers, e.std_ages) == (Age(18, "a"), False, ["ADULT", "OLDER_ADULT"])
    assert e.sampling_method == "NON_PROBABILITY_SAMPLE"
    assert e.study_population == "primary care clinic, outpatient department, general practitioner"
    assert [c.name for c in r.collaborators] == ["Pfizer"]


def test_dropped_fields_are_listed():
    r = read_one("NCT00636506")
    # an untouched section is reported once, as a whole; unmapped protocol fields leaf by leaf
    assert "resultsSection" in r.dropped
    assert not any(p.startswith("resultsSection.") for p in r.dropped)
    assert "protocolSection.oversightModule.oversightHasDmc" in r.dropped
    assert "derivedSection.miscInfoModule.versionHolder" in r.dropped
    assert len(r.dropped) == len(set(r.dropped))


def test_unknown_key_is_dropped_not_lost(tmp_path):
    s = study("NCT00901056")
    s["protocolSection"]["identificationModule"]["madeUpField"] = "content"
    s["protocolSection"]["armsInterventionsModule"]["armGroups"][0]["colour"] = "blue"
    _, (r,) = read_doc(tmp_path, json.dumps(s))
    assert "protocolSection.identificationModule.madeUpField" in r.dropped
    assert "protocolSection.armsInterventionsModule.armGroups[].colour" in r.dropped


@pytest.mark.parametrize("shape", ["single", "page", "array", "ndjson"])
def test_container_shapes(tmp_path, shape):
    a, b = study("NCT00080808"), study("NCT00901056")
    content = {"single": json.dumps(a, indent=1), "page": json.dumps({"studies": [a, b], "nextPageToken": "x"}),
               "array": json.dumps([a, b]), "ndjson": f"{json.dumps(a)}\n{json.dumps(b)}\n"}[shape]
    _, items = read_doc(tmp_path, content)
    expected = ["NCT00080808"] if shape == "single" else ["NCT00080808", "NCT00901056"]
    assert [r.id for r in items] == expected
    assert [r.source_index for r in items] == list(range(len(expected)))
    assert ctgov_json.sniff(content.encode()[:65536], "studies.json")


def test_ndjson_bad_line_does_not_stop_the_others(tmp_path):
    a, b = study("NCT00080808"), study("NCT00901056")
    file, items = read_doc(tmp_path, f"{json.dumps(a)}\n{json.dumps(b)[:500]}\n{json.dumps(b)}\n", "s.ndjson")
    ok, bad, again = items
    assert [ok.id, again.id] == ["NCT00080808", "NCT00901056"]
    assert isinstance(bad, RecordError) and not isinstance(bad, FormatError)
    assert (bad.file, bad.record) == (file, "line 2")
    assert "line 2" in str(bad)


def test_truncated_json_is_a_format_error(tmp_path):
    text = json.dumps(study("NCT00080808"), indent=1)
    file, items = read_doc(tmp_path, text[: len(text) // 2])
    (error,) = items
    assert isinstance(error, FormatError) and error.file == file
    assert "line" in error.message and "column" in error.message


def test_binary_garbage_is_a_format_error(tmp_path):
    file, items = read_doc(tmp_path, bytes(range(256)) * 4, "blob.json")
    (error,) = items
    assert isinstance(error, FormatError) and error.file == file


def test_record_without_any_identifier(tmp_path):
    s = study("NCT00901056")
    ident = s["protocolSection"]["identificationModule"]
    for key in ("nctId", "orgStudyIdInfo", "secondaryIdInfos"):
        ident.pop(key, None)
    file, items = read_doc(tmp_path, json.dumps([study("NCT00080808"), s]))
    good, error = items
    assert good.id == "NCT00080808"
    assert isinstance(error, RecordError)
    assert (error.file, error.record, error.field) == (file, "#2", "protocolSection.identificationModule.nctId")


def test_id_derived_from_org_study_id(tmp_path):
    s = study("NCT00000410")
    del s["protocolSection"]["identificationModule"]["nctId"]
    _, (r,) = read_doc(tmp_path, json.dumps(s))
    # "U01 AR45444 NIAMS-004C" has spaces: slugged, with a hash of the original to keep ids distinct
    assert r.id_derived and r.nct_id is None
    assert r.id.startswith("U01-AR45444-NIAMS-004C-")
    assert r.warnings[0] == "no NCT id: id derived from org study id 'U01 AR45444 NIAMS-004C'"


def test_derive_id_is_hapi_safe_and_stable():
    assert derive_id(["ED-ESWT"]) == "ED-ESWT"
    assert derive_id(["12345"]) == "id-12345"
    assert derive_id(["a/b"]) != derive_id(["a b"])
    long = derive_id(["x" * 100])
    assert len(long) <= 64 and long == derive_id(["x" * 100])
    assert all(c.isalnum() or c in "-." for c in derive_id(["研究 #7"]))


def test_bad_date_names_record_field_and_value(tmp_path):
    s = study("NCT00901056")
    s["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "sometime soon"
    file, items = read_doc(tmp_path, json.dumps([s, study("NCT00080808")]))
    error, good = items
    assert good.id == "NCT00080808"
    assert (error.file, error.record, error.field) == (
        file, "NCT00901056", "protocolSection.statusModule.startDateStruct.date")
    assert "'sometime soon'" in error.message


def test_ages_na_is_no_limit_garbage_is_an_error(tmp_path):
    s = study("NCT00901056")
    s["protocolSection"]["eligibilityModule"]["minimumAge"] = "N/A"
    _, (r,) = read_doc(tmp_path, json.dumps(s))
    assert r.eligibility.minimum_age is None
    s["protocolSection"]["eligibilityModule"]["minimumAge"] = "eighteen-ish"
    _, (error,) = read_doc(tmp_path, json.dumps(s))
    assert (error.record, error.field) == ("NCT00901056", "protocolSection.eligibilityModule.minimumAge")
    assert "eighteen-ish" in error.message


def test_wrong_value_type_is_a_record_error(tmp_path):
    s = study("NCT00901056")
    s["protocolSection"]["conditionsModule"]["conditions"] = "Erectile Dysfunction"
    _, (error,) = read_doc(tmp_path, json.dumps(s))
    assert error.field == "protocolSection.conditionsModule.conditions"


def test_sniff_claims_v2_json_only():
    head = (FOLDER / "NCT00080808.json").read_bytes()[:65536]
    assert ctgov_json.sniff(head, "NCT00080808.json")
    assert not ctgov_json.sniff(b'{"id": "NCT1", "brief_title": "A trial", "phases": ["PHASE2"]}', "trial.json")
    assert not ctgov_json.sniff(b"<clinical_study><protocolSection/></clinical_study>", "x.xml")


# fields the reader maps: none of them may show up as dropped anywhere in the corpus
MAPPED = [
    "protocolSection.identificationModule." + p for p in (
        "nctId", "nctIdAliases[]", "orgStudyIdInfo.id", "orgStudyIdInfo.type", "orgStudyIdInfo.link",
        "organization.fullName", "secondaryIdInfos[].id", "secondaryIdInfos[].type", "secondaryIdInfos[].domain",
        "secondaryIdInfos[].link", "briefTitle", "officialTitle", "acronym")] + [
    "protocolSection.statusModule." + p for p in (
        "statusVerifiedDate", "overallStatus", "lastKnownStatus", "whyStopped", "startDateStruct.date",
        "startDateStruct.type", "primaryCompletionDateStruct.date", "primaryCompletionDateStruct.type",
        "completionDateStruct.date", "completionDateStruct.type", "studyFirstSubmitDate",
        "lastUpdatePostDateStruct.date")] + [
    "protocolSection.sponsorCollaboratorsModule." + p for p in (
        "leadSponsor.name", "leadSponsor.class", "collaborators[].name", "collaborators[].class",
        "responsibleParty.type", "responsibleParty.investigatorFullName", "responsibleParty.investigatorTitle",
        "responsibleParty.investigatorAffiliation")] + [
    "protocolSection.descriptionModule.briefSummary", "protocolSection.descriptionModule.detailedDescription",
    "protocolSection.conditionsModule.conditions[]", "protocolSection.conditionsModule.keywords[]",
    "derivedSection.conditionBrowseModule.meshes[].id", "derivedSection.conditionBrowseModule.meshes[].term"] + [
    "protocolSection.designModule." + p for p in (
        "studyType", "phases[]", "designInfo.allocation", "designInfo.interventionModel",
        "designInfo.primaryPurpose", "designInfo.maskingInfo.masking", "designInfo.maskingInfo.whoMasked[]",
        "designInfo.observationalModel", "designInfo.timePerspective", "enrollmentInfo.count",
        "enrollmentInfo.type")] + [
    "protocolSection.armsInterventionsModule." + p for p in (
        "armGroups[].label", "armGroups[].type", "armGroups[].description", "armGroups[].interventionNames[]",
        "interventions[].name", "interventions[].type", "interventions[].description",
        "interventions[].armGroupLabels[]", "interventions[].otherNames[]")] + [
    "protocolSection.outcomesModule." + p for p in (
        "primaryOutcomes[].measure", "primaryOutcomes[].timeFrame", "secondaryOutcomes[].description",
        "otherOutcomes[].measure")] + [
    "protocolSection.eligibilityModule." + p for p in (
        "eligibilityCriteria", "sex", "genderBased", "minimumAge", "maximumAge", "healthyVolunteers", "stdAges[]",
        "studyPopulation", "samplingMethod")] + [
    "protocolSection.contactsLocationsModule." + p for p in (
        "centralContacts[].name", "centralContacts[].phone", "centralContacts[].phoneExt",
        "centralContacts[].email", "overallOfficials[].name", "overallOfficials[].role",
        "overallOfficials[].affiliation", "locations[].facility", "locations[].city", "locations[].state",
        "locations[].zip", "locations[].country", "locations[].status", "locations[].geoPoint.lat",
        "locations[].contacts[].name", "locations[].contacts[].email")] + [
    "protocolSection.referencesModule." + p for p in (
        "references[].pmid", "references[].citation", "references[].type", "seeAlsoLinks[].url",
        "seeAlsoLinks[].label")]


def test_whole_corpus_reads_without_errors():
    walk_corpus(ctgov_json, FOLDER, "*.json", MAPPED)
