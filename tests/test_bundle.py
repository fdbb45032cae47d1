"""Transaction and collection Bundles: conditional updates, urn:uuid references, shared parties sent once."""
from adapter.fhir.bundle import bundle, conditional_url
from adapter.fhir.r4.mapper import map_record
from adapter.record import Identifier, Organization, Site, TrialRecord
from adapter.validate import issues


def _records():
    nci = Organization("National Cancer Institute (NCI)", "NIH")
    return [map_record(TrialRecord(id=f"NCT0000000{n}", identifiers=[], sponsor=nci,
                                   sites=[Site(facility="Mayo Clinic", city="Rochester", country="United States")]))
            for n in (1, 2)]


def test_transaction_entries_are_conditional_updates_with_urn_references():
    b = bundle("transaction", _records())
    assert issues(b) == []
    by_url = {e["fullUrl"]: e for e in b["entry"]}
    for entry in b["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert "id" not in entry["resource"]
        req = entry["request"]
        assert req["method"] == "PUT"
        rtype, _, query = req["url"].partition("?identifier=")
        system, _, value = query.partition("|")
        # HAPI requires the body to carry the identifier the conditional URL names
        assert rtype == entry["resource"]["resourceType"]
        assert {"system": system, "value": value}.items() <= entry["resource"]["identifier"][0].items()
    study = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    for ref in (study["sponsor"], study["enrollment"][0], study["protocol"][0], study["site"][0]):
        assert ref["reference"] in by_url


def test_shared_parties_sent_once_and_ids_stable():
    b = bundle("transaction", _records())
    types = [e["resource"]["resourceType"] for e in b["entry"]]
    assert types.count("Organization") == 1 and types.count("Location") == 1
    assert types.count("ResearchStudy") == 2
    again = bundle("transaction", _records())
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in b["entry"]]


def test_collection_keeps_ids():
    b = bundle("collection", _records())
    assert issues(b) == []
    assert all("request" not in e and e["resource"]["id"] for e in b["entry"])


def test_conditional_url_prefers_the_nct_id():
    with_nct = map_record(TrialRecord(id="NCT00000001", identifiers=[Identifier("NCT00000001", "nct")]))[0]
    assert conditional_url(with_nct) == "ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000001"
    local = map_record(TrialRecord(id="LOCAL-7", identifiers=[Identifier("LOCAL-7", "org")]))[0]
    assert conditional_url(local) == "ResearchStudy?identifier=http://trialfhir.org/fhir/id|LOCAL-7"
