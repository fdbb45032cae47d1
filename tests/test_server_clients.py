"""Third-party FHIR clients (SMART's fhirclient, fhirpy) against a live trialfhir server on 127.0.0.1."""
from __future__ import annotations

import pytest
import requests
from fhirclient import client as smart_client
from fhirclient.models.group import Group
from fhirclient.models.researchstudy import ResearchStudy
from fhirclient.server import FHIRNotFoundException
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound


@pytest.fixture
def smart(fhir_base):
    return smart_client.FHIRClient(settings={"app_id": "trialfhir-tests", "api_base": fhir_base})


def test_fhirclient_reads_metadata_and_resources(smart):
    smart.prepare()
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    study = ResearchStudy.read("NCT10000000", smart.server)
    assert study.status == "active" and study.identifier[0].system == "http://clinicaltrials.gov"
    group = Group.read(study.enrollment[0].reference.split("/")[1], smart.server)
    assert group.characteristic[0].valueRange.low.value == 18


def test_fhirclient_search_follows_paging(smart):
    search = ResearchStudy.where(struct={"status": "completed", "_count": "2"})
    found = list(search.perform_resources_iter(smart.server))
    assert sorted(s.id for s in found) == [f"NCT1000000{n}" for n in (1, 6)] + ["NCT10000011", "NCT10000016",
                                                                               "NCT10000021"]
    assert all(s.status == "completed" for s in found)


def test_fhirclient_include_and_not_found(smart):
    search = ResearchStudy.where(struct={"_id": "NCT10000003", "_include": "ResearchStudy:enrollment"})
    bundle = next(search.perform_iter(smart.server))
    assert sorted(e.resource.resource_type for e in bundle.entry) == ["Group", "ResearchStudy"]
    assert [e.search.mode for e in bundle.entry] == ["match", "include"]
    with pytest.raises(FHIRNotFoundException):
        ResearchStudy.read("NCT99999999", smart.server)


def test_fhirpy_search_paging_include_and_errors(fhir_base):
    fhir = SyncFHIRClient(fhir_base)
    studies = fhir.resources("ResearchStudy").search(status="active").limit(2).fetch_all()
    assert [s.id for s in studies] == [f"NCT100000{n:02d}" for n in (0, 5, 10, 15, 20)]
    page = (fhir.resources("ResearchStudy").search(_id="NCT10000004")
            .include("ResearchStudy", "enrollment").include("ResearchStudy", "protocol").fetch_raw())
    assert sorted(e["resource"]["resourceType"] for e in page["entry"]) == ["Group", "PlanDefinition",
                                                                             "ResearchStudy"]
    assert fhir.resources("ResearchStudy").search(**{"eligible-age": "70"}).count() > 0
    assert fhir.reference("ResearchStudy", "NCT10000002").to_resource()["status"] == "closed-to-accrual"
    with pytest.raises(ResourceNotFound):
        fhir.reference("ResearchStudy", "NCT99999999").to_resource()
    with pytest.raises(OperationOutcome):
        fhir.resources("ResearchStudy").search(date="not-a-date").fetch()


def test_conditional_read_with_etag(fhir_base):
    first = requests.get(f"{fhir_base}/ResearchStudy/NCT10000001")
    assert first.status_code == 200 and first.headers["ETag"] == 'W/"1"'
    again = requests.get(f"{fhir_base}/ResearchStudy/NCT10000001", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = requests.get(f"{fhir_base}/ResearchStudy/NCT10000001",
                         headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
