"""The FHIR REST API over HTTP on 127.0.0.1: negotiation, caching, errors, search, history, writes, export."""
from __future__ import annotations

import gzip
import json
import time

import pytest
import requests

from adapter.server import create_app
from adapter.store.command import load, open_store

FHIR = "application/fhir+json"


def test_metadata_lists_resources_and_parameters(fhir_base):
    cap = requests.get(f"{fhir_base}/metadata").json()
    assert cap["resourceType"] == "CapabilityStatement" and cap["fhirVersion"] == "4.0.1"
    study = next(r for r in cap["rest"][0]["resource"] if r["type"] == "ResearchStudy")
    params = {p["name"]: p["definition"] for p in study["searchParam"]}
    assert params["status"] == "http://hl7.org/fhir/SearchParameter/ResearchStudy-status"
    assert params["eligible-age"].startswith("http://trialfhir.org/fhir/SearchParameter/")
    assert {"read", "vread", "search-type", "history-instance"} <= {i["code"] for i in study["interaction"]}
    assert "ResearchStudy:enrollment" in study["searchInclude"]


def test_content_negotiation(fhir_base):
    url = f"{fhir_base}/ResearchStudy/NCT10000000"
    assert requests.get(url).headers["Content-Type"].startswith(FHIR)
    assert requests.get(url, headers={"Accept": "application/json"}).headers["Content-Type"].startswith(
        "application/json")
    assert requests.get(url, params={"_format": "json"}).status_code == 200
    for bad in ({"params": {"_format": "xml"}}, {"headers": {"Accept": "application/fhir+xml"}}):
        r = requests.get(url, **bad)
        assert r.status_code == 406 and r.json()["resourceType"] == "OperationOutcome"
    assert "\n  " in requests.get(url, params={"_pretty": "true"}).text


def test_gzip_and_cors(fhir_base):
    r = requests.get(f"{fhir_base}/ResearchStudy", params={"_count": "10"},
                     headers={"Accept-Encoding": "gzip", "Origin": "https://app.example"})
    assert r.headers["Content-Encoding"] == "gzip" and r.json()["type"] == "searchset"
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    raw = requests.get(f"{fhir_base}/ResearchStudy", params={"_count": "10"}, stream=True,
                       headers={"Accept-Encoding": "gzip"}).raw.read()
    assert json.loads(gzip.decompress(raw))["resourceType"] == "Bundle"
    pre = requests.options(f"{fhir_base}/ResearchStudy", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "GET" in pre.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("method,path,status", [
    ("get", "/ResearchStudy/NCT99999999", 404),
    ("get", "/Patient/1", 404),
    ("get", "/ResearchStudy?date=soon", 400),
    ("get", "/ResearchStudy?_count=x", 400),
    ("get", "/ResearchStudy?status:contains=a", 400),
    ("get", "/ResearchStudy/NCT10000000/_history/9", 404),
    ("patch", "/ResearchStudy/NCT10000000", 405),
    ("delete", "/metadata", 405),
    ("get", "/ResearchStudy?_cursor=garbage", 400),
])
def test_errors_are_operation_outcomes(fhir_base, method, path, status):
    r = requests.request(method, fhir_base + path)
    assert r.status_code == status
    assert r.json()["resourceType"] == "OperationOutcome" and r.json()["issue"][0]["diagnostics"]


def test_unknown_parameters_strict_and_lenient(fhir_base):
    lenient = requests.get(f"{fhir_base}/ResearchStudy", params={"colour": "red", "status": "active"})
    assert lenient.status_code == 200 and "colour" not in lenient.json()["link"][0]["url"]
    strict = requests.get(f"{fhir_base}/ResearchStudy", params={"colour": "red"},
                          headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400


def test_search_get_post_summary_elements_total(fhir_base):
    by_get = requests.get(f"{fhir_base}/ResearchStudy", params={"status": "active", "_total": "accurate"}).json()
    by_post = requests.post(f"{fhir_base}/ResearchStudy/_search", data={"status": "active",
                                                                       "_total": "accurate"}).json()
    assert by_get["total"] == by_post["total"] == 5
    assert [e["resource"]["id"] for e in by_get["entry"]] == [e["resource"]["id"] for e in by_post["entry"]]
    summary = requests.get(f"{fhir_base}/ResearchStudy/NCT10000000", params={"_summary": "true"}).json()
    assert "description" not in summary and summary["meta"]["tag"][0]["code"] == "SUBSETTED"
    elements = requests.get(f"{fhir_base}/ResearchStudy", params={"_elements": "title", "_count": "1"}).json()
    assert set(elements["entry"][0]["resource"]) == {"resourceType", "id", "meta", "title", "status"}
    count = requests.get(f"{fhir_base}/ResearchStudy", params={"_summary": "count"}).json()
    assert count["total"] == 25 and "entry" not in count
    ages = requests.get(f"{fhir_base}/ResearchStudy", params={"eligible-age": "30", "_total": "accurate"}).json()
    assert ages["total"] == 13


def test_paging_links_stay_correct_while_data_changes(fhir_base, trial):
    seen, url = [], f"{fhir_base}/ResearchStudy?_count=10&_sort=-date"
    while url:
        page = requests.get(url).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
        if len(seen) == 10:
            # a write between pages must not shift the pages that follow
            requests.put(f"{fhir_base}/ResearchStudy/NCT10000024",
                         json=dict(trial("NCT10000024")[0], title="Changed"),
                         headers={"Content-Type": FHIR})
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert len(seen) == 25 and len(set(seen)) == 25
    prev = next(link["url"] for link in page["link"] if link["relation"] == "previous")
    assert len(requests.get(prev).json()["entry"]) == 10


def test_history_and_vread(fhir_base, trial):
    body = dict(trial("NCT10000001")[0], title="Version two")
    assert requests.put(f"{fhir_base}/ResearchStudy/NCT10000001", json=body,
                        headers={"Content-Type": FHIR}).status_code == 200
    hist = requests.get(f"{fhir_base}/ResearchStudy/NCT10000001/_history").json()
    assert [e["response"]["etag"] for e in hist["entry"]] == ['W/"2"', 'W/"1"']
    assert requests.get(f"{fhir_base}/ResearchStudy/NCT10000001/_history/1").json()["title"] != "Version two"
    type_history = requests.get(f"{fhir_base}/ResearchStudy/_history", params={"_count": "5"}).json()
    assert len(type_history["entry"]) == 5 and type_history["link"][1]["relation"] == "next"
    rest = requests.get(type_history["link"][1]["url"]).json()
    assert rest["entry"][0]["fullUrl"] != type_history["entry"][-1]["fullUrl"]


def test_writes_create_update_delete_conditional(fhir_base, trial):
    study = trial("NCT20000000")[0]
    headers = {"Content-Type": FHIR}
    created = requests.put(f"{fhir_base}/ResearchStudy/NCT20000000", json=study, headers=headers)
    assert created.status_code == 201 and created.headers["ETag"] == 'W/"1"'
    unchanged = requests.put(f"{fhir_base}/ResearchStudy/NCT20000000", json=study, headers=headers)
    assert unchanged.status_code == 200 and unchanged.headers["ETag"] == 'W/"1"'
    stale = requests.put(f"{fhir_base}/ResearchStudy/NCT20000000", json=dict(study, title="x"),
                         headers={**headers, "If-Match": 'W/"5"'})
    assert stale.status_code == 412
    invalid = requests.put(f"{fhir_base}/ResearchStudy/NCT20000000", json=dict(study, title=["not", "a string"]),
                           headers=headers)
    assert invalid.status_code == 422 and invalid.json()["resourceType"] == "OperationOutcome"
    wrong = requests.put(f"{fhir_base}/ResearchStudy/OTHER", json=study, headers=headers)
    assert wrong.status_code == 400
    cond = requests.put(f"{fhir_base}/ResearchStudy", params={"identifier": "http://clinicaltrials.gov|NCT20000000"},
                        json=dict(study, title="Conditional"), headers=headers)
    assert cond.status_code == 200 and cond.json()["meta"]["versionId"] == "2"
    posted = requests.post(f"{fhir_base}/Organization", json={"resourceType": "Organization", "name": "New"},
                           headers=headers)
    assert posted.status_code == 201 and "/Organization/" in posted.headers["Location"]
    assert requests.delete(f"{fhir_base}/ResearchStudy/NCT20000000").status_code == 204
    gone = requests.get(f"{fhir_base}/ResearchStudy/NCT20000000")
    assert gone.status_code == 410 and gone.json()["issue"][0]["code"] == "deleted"
    assert requests.put(f"{fhir_base}/ResearchStudy/NCT20000000", data="<xml/>",
                        headers={"Content-Type": "application/xml"}).status_code == 415


def test_transaction_bundle_is_all_or_nothing(fhir_base, trial):
    resources = trial("NCT30000000")
    entries = [{"fullUrl": f"{fhir_base}/{r['resourceType']}/{r['id']}", "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in resources]
    entries.append({"fullUrl": "urn:uuid:6a0c7a0e-0000-4000-8000-000000000001",
                    "resource": {"resourceType": "Organization", "name": "Collaborator"},
                    "request": {"method": "POST", "url": "Organization"}})
    entries[0]["resource"] = dict(entries[0]["resource"],
                                  partOf=[{"reference": "urn:uuid:6a0c7a0e-0000-4000-8000-000000000001"}])
    bad = {"resourceType": "Bundle", "type": "transaction",
           "entry": entries + [{"resource": {"resourceType": "Group", "id": "bad", "type": 3},
                                "request": {"method": "PUT", "url": "Group/bad"}}]}
    failed = requests.post(fhir_base, json=bad, headers={"Content-Type": FHIR})
    assert failed.status_code == 422
    assert requests.get(f"{fhir_base}/ResearchStudy/NCT30000000").status_code == 404
    ok = requests.post(fhir_base, json={"resourceType": "Bundle", "type": "transaction", "entry": entries},
                       headers={"Content-Type": FHIR})
    assert ok.status_code == 200
    statuses = [e["response"]["status"] for e in ok.json()["entry"]]
    assert statuses == ["201 Created"] * 7
    stored = requests.get(f"{fhir_base}/ResearchStudy/NCT30000000").json()
    assert stored["partOf"][0]["reference"].startswith("Organization/")
    batch = {"resourceType": "Bundle", "type": "batch", "entry": [
        entries[1], {"resource": {"resourceType": "Group"}, "request": {"method": "PATCH", "url": "Group/x"}}]}
    answer = requests.post(fhir_base, json=batch, headers={"Content-Type": FHIR}).json()
    assert [e["response"]["status"] for e in answer["entry"]] == ["200 OK", "400"]


@pytest.fixture
def guarded(tmp_path, serve_app, trial):
    store = open_store(str(tmp_path / "guarded.sqlite"))
    load(store, trial())
    app = create_app({"STORE": store, "AUTH_OPEN_LOCALHOST": False, "AUTH_TOKENS": ["s3cret"]})
    yield serve_app(app)
    store.engine.dispose()


def test_writes_need_a_bearer_token_off_localhost(guarded, trial):
    study = dict(trial()[0], title="Guarded")
    url = f"{guarded}/ResearchStudy/NCT02059759"
    assert requests.get(url).status_code == 200
    missing = requests.put(url, json=study, headers={"Content-Type": FHIR})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.put(url, json=study, headers={"Content-Type": FHIR, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = requests.put(url, json=study, headers={"Content-Type": FHIR, "Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert requests.delete(url).status_code == 401


def test_bulk_export(fhir_base):
    kick = requests.get(f"{fhir_base}/$export", params={"_type": "ResearchStudy,Group"},
                        headers={"Prefer": "respond-async", "Accept": FHIR})
    assert kick.status_code == 202
    status_url = kick.headers["Content-Location"]
    for _ in range(100):
        status = requests.get(status_url)
        if status.status_code == 200:
            break
        assert status.status_code == 202
        time.sleep(0.05)
    manifest = status.json()
    assert {o["type"]: o["count"] for o in manifest["output"]} == {"ResearchStudy": 25, "Group": 25}
    lines = requests.get(manifest["output"][0]["url"]).text.splitlines()
    assert len(lines) == 25 and json.loads(lines[0])["resourceType"] == "ResearchStudy"
    assert requests.get(f"{fhir_base}/$export").status_code == 400


def test_smart_configuration(fhir_base):
    config = requests.get(f"{fhir_base}/.well-known/smart-configuration").json()
    assert "client_credentials" in config["grant_types_supported"]


@pytest.fixture
def smart_guarded(tmp_path, serve_app, trial):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    store = open_store(str(tmp_path / "smart.sqlite"))
    load(store, trial())
    app = create_app({"STORE": store, "AUTH_OPEN_LOCALHOST": False, "SMART_ISSUER": "https://auth.example",
                      "SMART_AUDIENCE": "trialfhir", "SMART_JWKS": {"keys": [{**jwk, "kid": "k1", "alg": "RS384"}]}})

    def token(scope: str, **claims) -> str:
        body = {"iss": "https://auth.example", "aud": "trialfhir", "exp": int(time.time()) + 300, "scope": scope,
                **claims}
        return jwt.encode(body, key, algorithm="RS384", headers={"kid": "k1"})

    yield serve_app(app), token
    store.engine.dispose()


def test_smart_backend_access_tokens(smart_guarded, trial):
    base, token = smart_guarded
    url = f"{base}/ResearchStudy/NCT02059759"
    study = dict(trial()[0], title="Written with a SMART token")

    def put(bearer: str):
        return requests.put(url, json=study, headers={"Content-Type": FHIR, "Authorization": f"Bearer {bearer}"})

    assert put(token("system/ResearchStudy.read")).status_code == 403
    assert put(token("system/ResearchStudy.write", aud="someone-else")).status_code == 401
    assert put(token("system/*.write", exp=int(time.time()) - 10)).status_code == 401
    assert put(token("system/ResearchStudy.cud")).status_code == 200
    assert put(token("system/*.*")).status_code == 200
