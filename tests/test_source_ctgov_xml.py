"""The legacy ClinicalTrials.gov ``<clinical_study>`` XML reader, on real corpus records and broken copies."""
from __future__ import annotations

from adapter.errors import FormatError, RecordError
from adapter.record import Age, Coded, DateValue, Person, TrialRecord
from adapter.sources import ctgov_xml
from conftest import CTGOV, walk_corpus

FOLDER = CTGOV / "legacy_xml"


def source(nct: str) -> bytes:
    return (FOLDER / f"{nct}.xml").read_bytes()


def read_one(nct: str) -> TrialRecord:
    (record,) = ctgov_xml.read(source(nct), f"{nct}.xml")
    assert isinstance(record, TrialRecord), record
    return record


def read_doc(tmp_path, content: bytes, name: str = "studies.xml") -> tuple[str, list]:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path), list(ctgov_xml.read(content, str(path)))


def body(nct: str) -> bytes:
    """The <clinical_study> element of a corpus file, without its XML declaration."""
    data = source(nct)
    return data[data.index(b"<clinical_study"):]


def test_identifiers_titles_sponsors_and_dates():
    r = read_one("NCT00739713")
    assert r.id == "NCT00739713" and not r.id_derived
    org = next(i for i in r.identifiers if i.kind == "org")
    assert (org.value, org.assigner) == ("DESB", "University of Turku")
    assert (r.brief_title, r.acronym) == ("Effects of Sea Buckthorn Oil on Dry Eye", "DESB")
    assert (r.sponsor.name, r.sponsor.agency_class) == ("University of Turku", "OTHER")
    assert ("Finnsusp Ltd.", "INDUSTRY") in [(c.name, c.agency_class) for c in r.collaborators]
    assert (r.overall_status, r.registry_status) == ("COMPLETED", "Completed")
    assert r.start_date == DateValue("2008-09", "ACTUAL")
    assert r.primary_completion_date == DateValue("2009-03", "ACTUAL")
    assert (r.verified_date, r.first_submitted, r.last_updated) == ("2017-03", "2008-08-21", "2018-03-20")
    assert (r.enrollment, r.enrollment_type) == (100, "ACTUAL")
    assert r.phases == ["NA"]


def test_design_masking_and_textblocks():
    r = read_one("NCT00739713")
    d = r.design
    assert (d.study_type, d.allocation, d.intervention_model, d.primary_purpose) == (
        "INTERVENTIONAL", "RANDOMIZED", "PARALLEL", "TREATMENT")
    assert d.masking == "QUADRUPLE"
    assert d.who_masked == ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"]
    # the textblock's indentation and &#xD; line ends are gone; list items stay one per line
    assert r.eligibility.criteria == ("Inclusion Criteria:\n\n- Dry eye symptoms\n\nExclusion Criteria:\n\n"
                                      "- Severe illness\n\n- Anticholinergic drugs\n\n- Smoking")
    assert r.detailed_description.startswith("The objective is to study whether regular consumption of sea "
                                             "buckthorn berry oil can relieve the symptoms of dry eye syndrome.")
    assert "\n" not in r.detailed_description and "\r" not in r.detailed_description


def test_eligibility_arms_interventions_outcomes():
    r = read_one("NCT00739713")
    e = r.eligibility
    assert (e.sex, e.minimum_age, e.maximum_age, e.healthy_volunteers) == ("ALL", Age(20, "a"), Age(75, "a"), True)
    assert [(a.label, a.type) for a in r.arms] == [("SB", "EXPERIMENTAL"), ("PL", "PLACEBO_COMPARATOR")]
    sea_buckthorn = r.interventions[0]
    assert (sea_buckthorn.name, sea_buckthorn.type, sea_buckthorn.arm_labels) == (
        "Sea buckthorn (Hippophaë rhamnoides) oil", "DIETARY_SUPPLEMENT", ["SB"])
    assert r.arms[0].intervention_names == ["Dietary Supplement: Sea buckthorn (Hippophaë rhamnoides) oil"]
    assert [(o.kind, o.time_frame) for o in r.outcomes] == [
        ("primary", "3 months intervention + 1 month after the intervention"),
        ("secondary", "3 months intervention + 1 month after the intervention")]
    # condition_browse carries MeSH terms but no ids: they stay text
    assert r.conditions == [Coded("Dry Eye Syndromes"), Coded("Keratoconjunctivitis Sicca")]
    assert "Hippophaë" in r.keywords


def test_people_sites_and_references():
    r = read_one("NCT00739713")
    assert r.officials == [Person("Heikki P Kallio, Professor", "STUDY_DIRECTOR", "University of Turku")]
    assert [(s.facility, s.city, s.postal_code, s.country) for s in r.sites] == [
        ("University of Turku", "Turku", "20014", "Finland")]
    background, result = r.references
    assert (background.type, background.pmid, background.doi) == ("BACKGROUND", "15539258", "10.1016/s0955-2863(99)00049-2")
    assert (result.type, result.pmid, result.doi) == ("RESULT", "20554904", "10.3945/jn.109.118901")
    assert (r.responsible_party.name, r.responsible_party.affiliation) == (
        "Matti Viitanen/ Professor", "University of Turku")


def test_combined_phase_and_anticipated_dates():
    r = read_one("NCT00000320")
    assert r.phases == ["PHASE1", "PHASE2"]
    assert r.start_date == DateValue("1997-10", None)
    r = read_one("NCT03459976")
    assert r.start_date == DateValue("2017-12-01", "ACTUAL")
    assert r.completion_date == DateValue("2019-04-01", "ESTIMATED")
    assert r.responsible_party_type == "PRINCIPAL_INVESTIGATOR"
    contact, backup = r.central_contacts
    assert (contact.role, contact.email, backup.role) == ("CONTACT", "fda2017@yahoo.com", "BACKUP")
    site = r.sites[0]
    assert (site.status, site.state) == ("RECRUITING", "Abbasyia")
    assert [(p.role, p.phone) for p in site.contacts] == [("CONTACT", "01149733132"), ("PRINCIPAL_INVESTIGATOR", None)]


def test_last_known_status_why_stopped_alias_and_results():
    r = read_one("NCT00000112")
    assert (r.overall_status, r.registry_status, r.last_known_status) == ("UNKNOWN", "Unknown status", "RECRUITING")
    r = read_one("NCT00001880")
    assert (r.overall_status, r.why_stopped) == ("TERMINATED", "Study was closed early due to lack of accrual")
    alias = next(i for i in r.identifiers if i.type == "NCT_ALIAS")
    assert (alias.value, alias.kind) == ("NCT00003839", "secondary")
    assert r.nct_id == "NCT00001880"
    assert "clinical_results" in r.dropped and "required_header" in r.dropped
    assert not any(p.startswith("clinical_results/") for p in r.dropped)
    # the registry's intervention MeSH term "Cyclosporine" matches no intervention text: it is reported
    assert "intervention_browse/mesh_term" in r.dropped
    assert any(w.startswith("intervention_browse/mesh_term: ") and "Cyclosporine" in w for w in r.warnings)


def test_wrapper_with_several_studies(tmp_path):
    content = b"<studies>" + body("NCT00739713") + body("NCT00000320") + b"</studies>"
    _, items = read_doc(tmp_path, content)
    assert [r.id for r in items] == ["NCT00739713", "NCT00000320"]
    assert ctgov_xml.sniff(content[:65536], "studies.xml")


def test_truncated_xml_is_a_format_error(tmp_path):
    data = source("NCT00739713")
    file, (error,) = read_doc(tmp_path, data[: len(data) // 2])
    assert isinstance(error, FormatError) and error.file == file
    assert "line" in error.message and "column" in error.message


def test_binary_garbage_is_a_format_error(tmp_path):
    file, (error,) = read_doc(tmp_path, bytes(range(256)) * 4, "blob.xml")
    assert isinstance(error, FormatError) and error.file == file


def test_external_entities_are_not_resolved(tmp_path):
    content = (b'<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               + body("NCT00739713").replace(b"Effects of Sea Buckthorn Oil on Dry Eye</brief_title>",
                                             b"&x;</brief_title>", 1))
    _, items = read_doc(tmp_path, content)
    assert all("root:" not in (getattr(i, "brief_title", None) or "") for i in items)


def test_record_without_any_identifier(tmp_path):
    bad = body("NCT00739713")
    start, end = bad.index(b"<id_info>"), bad.index(b"</id_info>") + len(b"</id_info>")
    content = b"<studies>" + body("NCT00000320") + bad[:start] + bad[end:] + b"</studies>"
    file, (good, error) = read_doc(tmp_path, content)
    assert good.id == "NCT00000320"
    assert isinstance(error, RecordError)
    assert (error.file, error.record, error.field) == (file, "#2", "id_info/nct_id")


def test_id_derived_from_org_study_id(tmp_path):
    content = body("NCT00739713").replace(b"<nct_id>NCT00739713</nct_id>", b"")
    _, (r,) = read_doc(tmp_path, content)
    assert (r.id, r.id_derived, r.nct_id) == ("DESB", True, None)
    assert r.warnings[0] == "no NCT id: id derived from org study id 'DESB'"


def test_bad_date_names_record_field_and_value(tmp_path):
    bad = body("NCT00739713").replace(b">September 2008</start_date>", b">Septembre-ish 2008</start_date>")
    file, (error, good) = read_doc(tmp_path, b"<studies>" + bad + body("NCT00000320") + b"</studies>")
    assert good.id == "NCT00000320"
    assert (error.file, error.record, error.field) == (file, "NCT00739713", "start_date")
    assert "Septembre-ish 2008" in error.message


def test_ages_na_is_no_limit_garbage_is_an_error(tmp_path):
    na = body("NCT00739713").replace(b"<minimum_age>20 Years</minimum_age>", b"<minimum_age>N/A</minimum_age>")
    _, (r,) = read_doc(tmp_path, na)
    assert r.eligibility.minimum_age is None
    garbage = na.replace(b"<minimum_age>N/A</minimum_age>", b"<minimum_age>eighteen-ish</minimum_age>")
    _, (error,) = read_doc(tmp_path, garbage)
    assert (error.record, error.field) == ("NCT00739713", "eligibility/minimum_age")
    assert "eighteen-ish" in error.message


def test_unknown_element_is_dropped_not_lost(tmp_path):
    content = body("NCT00739713").replace(b"<acronym>DESB</acronym>",
                                          b'<acronym lang="fi">DESB</acronym><colour>blue</colour>')
    _, (r,) = read_doc(tmp_path, content)
    assert "colour" in r.dropped and "acronym/@lang" in r.dropped


def test_sniff_claims_clinical_study_xml_only():
    assert ctgov_xml.sniff(source("NCT00739713")[:65536], "NCT00739713.xml")
    assert not ctgov_xml.sniff(b'{"protocolSection": {}}', "x.json")
    assert not ctgov_xml.sniff(b"<html><body>clinical_study</body></html>", "page.html")


# elements the reader maps: none of them may show up as dropped anywhere in the corpus
MAPPED = [
    "id_info/org_study_id", "id_info/secondary_id", "id_info/nct_id", "id_info/nct_alias", "brief_title",
    "official_title", "acronym", "sponsors/lead_sponsor/agency", "sponsors/lead_sponsor/agency_class",
    "sponsors/collaborator/agency", "sponsors/collaborator/agency_class", "brief_summary/textblock",
    "detailed_description/textblock", "overall_status", "last_known_status", "why_stopped", "start_date",
    "start_date/@type", "completion_date", "completion_date/@type", "primary_completion_date",
    "primary_completion_date/@type", "phase", "study_type", "study_design_info/allocation",
    "study_design_info/intervention_model", "study_design_info/primary_purpose", "study_design_info/masking",
    "study_design_info/observational_model", "study_design_info/time_perspective", "primary_outcome/measure",
    "primary_outcome/time_frame", "secondary_outcome/description", "other_outcome/measure", "enrollment",
    "enrollment/@type", "condition", "arm_group/arm_group_label", "arm_group/arm_group_type",
    "arm_group/description", "intervention/intervention_type", "intervention/intervention_name",
    "intervention/description", "intervention/arm_group_label", "intervention/other_name",
    "eligibility/criteria/textblock", "eligibility/gender", "eligibility/minimum_age", "eligibility/maximum_age",
    "eligibility/healthy_volunteers", "eligibility/study_pop/textblock", "eligibility/sampling_method",
    "overall_official/last_name", "overall_official/role", "overall_official/affiliation",
    "overall_contact/last_name", "overall_contact/email", "overall_contact_backup/phone",
    "location/facility/name", "location/facility/address/city", "location/facility/address/country",
    "location/status", "location/contact/last_name", "location/investigator/role", "location_countries/country",
    "reference/citation", "reference/PMID", "results_reference/citation", "results_reference/PMID", "link/url",
    "link/description", "keyword", "condition_browse/mesh_term", "verification_date", "last_update_posted",
    "study_first_submitted", "responsible_party/responsible_party_type", "responsible_party/investigator_full_name",
    "responsible_party/name_title",
]


def test_whole_corpus_reads_without_errors():
    walk_corpus(ctgov_xml, FOLDER, "*.xml", MAPPED)
