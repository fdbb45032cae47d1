"""Push against HAPI FHIR's real response shapes (mocked with `responses`): transaction-response entries, HAPI-nnnn
OperationOutcomes, 412, 429 with Retry-After, 5xx, malformed bodies, timeouts; bisecting, fallbacks, resume."""
from __future__ import annotations

import copy
import json
import random
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses

from adapter.push.batches import HASH_SYSTEM
from adapter.push.client import FhirClient, RetryPolicy, retry_after
from adapter.push.command import push
from adapter.push.errors import ServerMismatch

BASE = "http://127.0.0.1:8080/fhir"
LAST_MODIFIED = "2024-05-02T10:11:12.345+00:00"
STORAGE_CODES = "http://hapifhir.io/fhir/CodeSystem/hapi-fhir-storage-response-code"


def hapi_outcome(diagnostics: str, code: str = "processing", severity: str = "error") -> dict:
    return {"resourceType": "OperationOutcome",
            "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">...</div>"},
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}]}


def storage_outcome(code: str, message: str) -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": "informational",
                       "details": {"coding": [{"system": STORAGE_CODES, "code": code, "display": message}]},
                       "diagnostics": message}]}


class HapiError(Exception):
    def __init__(self, status: int, diagnostics: str):
        self.status, self.diagnostics = status, diagnostics


class FakeHapi:
    """A stateful stand-in for HAPI FHIR JPA: numeric server ids, versions, conditional update on identifier,
    referential integrity, all-or-nothing transactions, tags kept across versions, HAPI's messages."""

    def __init__(self, rsps, interactions=("transaction", "batch"), version="4.0.1"):
        self.store: dict[str, dict] = {}
        self.next_id = 1
        self.requests: list[tuple[str, str, dict | None]] = []
        self.fail: dict[str, tuple[int, str]] = {}
        self.max_entries: int | None = None
        # canned answers (status, headers, body or exception) served to POSTs after the first ``canned_after``
        self.canned: list[tuple] = []
        self.canned_after = 0
        self.metadata = {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance",
                         "fhirVersion": version, "software": {"name": "HAPI FHIR Server", "version": "7.2.0"},
                         "rest": [{"mode": "server", "interaction": [{"code": c} for c in interactions],
                                   "resource": [{"type": "ResearchStudy", "updateCreate": True,
                                                 "conditionalUpdate": True}]}]}
        rsps.add(responses.GET, f"{BASE}/metadata", json=self.metadata)
        rsps.add_callback(responses.POST, BASE, callback=self._post)
        rsps.add_callback(responses.PUT, re.compile(re.escape(BASE) + r"/\w+.*"), callback=self._put_http)
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/\w+\?.*"), callback=self._search)

    # ---- storage

    def _match(self, url: str) -> list[str]:
        path, _, query = url.partition("?")
        rtype = path.split("/")[0]
        if not query:
            return [path] if path in self.store else []
        wanted = unquote(parse_qs(query)["identifier"][0])
        return [k for k, r in self.store.items() if k.startswith(rtype + "/") and any(
            f"{i.get('system')}|{i.get('value')}" == wanted for i in r.get("identifier", []))]

    def _check_references(self, node, path, pending):
        if isinstance(node, dict):
            for k, v in node.items():
                if (k == "reference" and isinstance(v, str) and v.count("/") == 1 and v not in self.store
                        and v not in pending):
                    raise HapiError(400, f"HAPI-1094: Resource {v} not found, specified in path: {path}")
                self._check_references(v, f"{path}.{k}", pending)
        elif isinstance(node, list):
            for item in node:
                self._check_references(item, path, pending)

    def put(self, url: str, body: dict, assigned: str | None = None, pending=()) -> dict:
        path, _, query = url.partition("?")
        rtype = path.split("/")[0]
        for needle, (status, message) in self.fail.items():
            if needle in json.dumps(body):
                raise HapiError(status, message)
        if query:
            wanted = unquote(parse_qs(query)["identifier"][0])
            if not any(f"{i.get('system')}|{i.get('value')}" == wanted for i in body.get("identifier", [])):
                raise HapiError(400, "HAPI-2279: Failed to process conditional update. The search URL specified "
                                     "in the request does not match the resource being updated")
        matches = self._match(url)
        if len(matches) > 1:
            raise HapiError(412, f"HAPI-0988: Failed to UPDATE resource with match URL \"{url}\" because this "
                                 f"search matched {len(matches)} resources")
        self._check_references(body, rtype, pending)
        content = {k: v for k, v in body.items() if k not in ("id", "meta")}
        if matches:
            key = matches[0]
            old = self.store[key]
            if {k: v for k, v in old.items() if k not in ("id", "meta")} == content:
                return self._entry("200 OK", old, storage_outcome("SUCCESSFUL_UPDATE_NO_CHANGE", "No changes"))
            version = int(old["meta"]["versionId"]) + 1
            tags = old["meta"].get("tag", []) + [t for t in body.get("meta", {}).get("tag", [])
                                                 if t not in old["meta"].get("tag", [])]
            status = "200 OK"
        else:
            if query:
                key = f"{rtype}/{assigned or self._new_id()}"
            else:
                key = url
                if key.split("/")[1].isdigit():
                    raise HapiError(400, f"HAPI-0960: Can not create resource with ID[{key.split('/')[1]}], no "
                                         "resource with this ID exists and clients may only assign IDs which "
                                         "contain at least one non-numeric character")
            version, tags, status = 1, body.get("meta", {}).get("tag", []), "201 Created"
        stored = {**copy.deepcopy(content), "resourceType": rtype, "id": key.split("/")[1],
                  "meta": {"versionId": str(version), "lastUpdated": LAST_MODIFIED, "tag": tags}}
        self.store[key] = stored
        return self._entry(status, stored)

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    @staticmethod
    def _entry(status, stored, outcome=None):
        response = {"status": status,
                    "location": f"{stored['resourceType']}/{stored['id']}/_history/{stored['meta']['versionId']}",
                    "etag": f"W/\"{stored['meta']['versionId']}\"", "lastModified": LAST_MODIFIED}
        if outcome:
            response["outcome"] = outcome
        return {"response": response}

    # ---- HTTP

    def _post(self, request):
        if self.canned and self.canned_after <= 0:
            status, headers, body = self.canned.pop(0)
            if isinstance(body, Exception):
                raise body
            return status, headers, json.dumps(body)
        self.canned_after -= 1
        bundle = json.loads(request.body)
        self.requests.append(("POST", bundle["type"], bundle))
        if bundle["type"] not in [i["code"] for i in self.metadata["rest"][0]["interaction"]]:
            return 405, {}, json.dumps(hapi_outcome(f"HAPI-0389: Unsupported bundle type {bundle['type']}"))
        if self.max_entries and len(bundle["entry"]) > self.max_entries:
            return 400, {}, json.dumps(hapi_outcome("HAPI-1234: Transaction has too many entries"))
        if bundle["type"] == "batch":
            out = []
            for e in bundle["entry"]:
                try:
                    out.append(self.put(e["request"]["url"], e["resource"]))
                except HapiError as err:
                    out.append({"response": {"status": f"{err.status} Bad Request",
                                             "outcome": hapi_outcome(err.diagnostics)}})
            return 200, {}, json.dumps({"resourceType": "Bundle", "type": "batch-response", "entry": out})
        snapshot, next_id = copy.deepcopy(self.store), self.next_id
        try:
            return 200, {}, json.dumps({"resourceType": "Bundle", "type": "transaction-response",
                                        "entry": self._transaction(bundle["entry"])})
        except HapiError as err:
            self.store, self.next_id = snapshot, next_id
            return err.status, {}, json.dumps(hapi_outcome(err.diagnostics))

    def _transaction(self, entries):
        # HAPI resolves every conditional URL first, then rewrites urn:uuid references to the ids it found
        ids = {}
        for e in entries:
            found = self._match(e["request"]["url"])
            ids[e["fullUrl"]] = found[0] if len(found) == 1 else (
                e["request"]["url"] if "?" not in e["request"]["url"] else
                f"{e['resource']['resourceType']}/{self._new_id()}")
        text = json.dumps(entries)
        for urn, ref in ids.items():
            text = text.replace(f'"{urn}"', f'"{ref}"')
        resolved = json.loads(text)
        out = []
        for e, original in zip(resolved, entries):
            out.append(self.put(e["request"]["url"], e["resource"], assigned=ids[original["fullUrl"]].split("/")[1],
                                pending=set(ids.values())))
        return out

    def _put_http(self, request):
        url = request.url[len(BASE) + 1:]
        self.requests.append(("PUT", unquote(url), json.loads(request.body)))
        try:
            entry = self.put(unquote(url), json.loads(request.body))
        except HapiError as err:
            return err.status, {}, json.dumps(hapi_outcome(err.diagnostics))
        r = entry["response"]
        code = int(r["status"][:3])
        headers = {"Location": f"{BASE}/{r['location']}", "ETag": r["etag"]}
        return code, headers, json.dumps(r.get("outcome") or self.store[r["location"].split("/_history")[0]])

    def _search(self, request):
        parts = urlsplit(request.url)
        rtype = parts.path.rsplit("/", 1)[1]
        query = parse_qs(parts.query)
        self.requests.append(("GET", request.url, None))
        hits = []
        for value in query.get("identifier", [""])[0].split(",") if "identifier" in query else []:
            hits += [self.store[k] for k in self._match(f"{rtype}?identifier={value}")]
        for rid in query.get("_id", [""])[0].split(",") if "_id" in query else []:
            hits += [r for k, r in self.store.items() if k == f"{rtype}/{rid}"]
        return 200, {}, json.dumps({"resourceType": "Bundle", "type": "searchset", "total": len(hits),
                                    "entry": [{"resource": r} for r in hits]})

    def writes(self, kind=None):
        return [r for r in self.requests if r[0] != "GET" and (kind is None or r[1] == kind)]


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def hapi(rsps):
    return FakeHapi(rsps)


@pytest.fixture
def ndjson(tmp_path, trial):
    """An NDJSON file of n sample trials (six resources each, as `convert --bundle ndjson` writes them)."""
    def make(n=3, name="in.ndjson"):
        path = tmp_path / name
        with path.open("w") as fh:
            for i in range(1, n + 1):
                for r in trial(f"NCT0000000{i}"):
                    fh.write(json.dumps(r) + "\n")
        return path
    return make


def client(sleeps=None, attempts=4):
    return FhirClient(BASE, sleep=(sleeps.append if sleeps is not None else lambda s: None), rng=random.Random(1),
                      retry=RetryPolicy(attempts=attempts, backoff=0.5))


def run(paths, sleeps=None, **kw):
    return push(paths if isinstance(paths, list) else [paths], BASE, client=client(sleeps), progress=False, **kw)


# ---- transactions: shape, counts, idempotence

def test_transaction_is_conditional_updates_with_urn_references(hapi, ndjson, capsys):
    assert run(ndjson(3), batch=2) == 0
    posts = hapi.writes("transaction")
    assert len(posts) == 2
    bundle = posts[0][2]
    fulls = {e["fullUrl"] for e in bundle["entry"]}
    for e in bundle["entry"]:
        assert e["request"]["method"] == "PUT"
        url = e["request"]["url"]
        if "?identifier=" in url:
            assert e["fullUrl"].startswith("urn:uuid:") and "id" not in e["resource"]
            system, _, value = url.split("?identifier=")[1].partition("|")
            assert {"system": system, "value": value}.items() <= e["resource"]["identifier"][0].items()
        else:
            # no identifier to match on (the sample's sponsor): a PUT on its deterministic id
            assert url == f"{e['resource']['resourceType']}/{e['resource']['id']}"
        assert {"system": HASH_SYSTEM, "code": e["resource"]["meta"]["tag"][-1]["code"]} in e["resource"]["meta"]["tag"]
    study = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ResearchStudy")
    assert study["enrollment"][0]["reference"] in fulls and study["protocol"][0]["reference"] in fulls
    err = capsys.readouterr().err
    assert "studies: 3 pushed" in err and "18 created, 0 updated, 0 unchanged, 0 failed" in err
    assert len([k for k in hapi.store if k.startswith("ResearchStudy/")]) == 3
    # server ids are HAPI's numbers; references were rewritten to them
    stored = next(r for k, r in hapi.store.items() if k.startswith("ResearchStudy/"))
    assert stored["id"].isdigit() and stored["enrollment"][0]["reference"] in hapi.store


def test_second_run_is_unchanged_and_creates_nothing(hapi, ndjson, capsys):
    path = ndjson(3)
    assert run(path) == 0
    before = copy.deepcopy(hapi.store)
    assert run(path) == 0
    assert "0 created, 0 updated, 18 unchanged, 0 failed" in capsys.readouterr().err
    assert hapi.store == before


def test_changed_content_is_updated_and_new_version(hapi, ndjson, tmp_path, trial, capsys):
    assert run(ndjson(1)) == 0
    changed = tmp_path / "changed.ndjson"
    changed.write_text("\n".join(json.dumps(r) for r in trial("NCT00000001", status="completed")))
    assert run(changed) == 0
    assert "1 updated, 5 unchanged" in capsys.readouterr().err
    study = next(r for k, r in hapi.store.items() if k.startswith("ResearchStudy/"))
    assert study["status"] == "completed" and study["meta"]["versionId"] == "2"


# ---- failures: bisecting, per-resource diagnostics

def test_failed_transaction_is_bisected_and_the_rest_lands(hapi, ndjson, capsys):
    hapi.fail["Protocol of NCT00000003"] = (
        412, 'HAPI-0988: Failed to UPDATE resource with match URL "PlanDefinition?identifier=http://clinicaltrials'
             '.gov|NCT00000003" because this search matched 2 resources')
    assert run(ndjson(4), batch=4) == 1
    # 4 studies fail together, then [1,2] land and [3,4] fail, then [3] fails and [4] lands
    sizes = [sum(e["resource"]["resourceType"] == "ResearchStudy" for e in b["entry"])
             for _, _, b in hapi.writes("transaction")]
    assert sizes == [4, 2, 2, 1, 1]
    # the study that fails alone is resent resource by resource (batch waves) to name the bad one
    assert len(hapi.writes("batch")) == 1
    studies = {r["identifier"][0]["value"] for k, r in hapi.store.items() if k.startswith("ResearchStudy/")}
    assert studies == {"NCT00000001", "NCT00000002", "NCT00000004"}
    err = capsys.readouterr().err
    assert ("failed: ResearchStudy/NCT00000003 (" in err and "PlanDefinition/NCT00000003-protocol: 412 Precondition "
            "Failed: error processing: HAPI-0988: Failed to UPDATE resource with match URL" in err)
    assert "ResearchStudy/NCT00000003: not sent: it references PlanDefinition/NCT00000003-protocol" in err
    assert "studies: 3 pushed, 1 failed" in err and "22 created, 0 updated, 0 unchanged, 2 failed" in err


@pytest.mark.parametrize("status, message", [
    (400, "HAPI-1094: Resource Practitioner/x not found, specified in path: ResearchStudy.principalInvestigator"),
    (422, "HAPI-0450: Failed to parse request body as JSON resource. Error was: HAPI-1861: Failed to parse JSON"),
    (500, "HAPI-0389: Failed to call access method: java.lang.NullPointerException"),
])
def test_error_outcomes_are_reported_with_the_server_diagnostics(hapi, ndjson, status, message, capsys):
    hapi.fail["NCT00000002"] = (status, message)
    assert run(ndjson(2), batch=2) == 1
    err = capsys.readouterr().err
    assert "failed: ResearchStudy/NCT00000002" in err and message in err and f"{status} " in err
    assert "NCT00000001" in json.dumps(hapi.store)


def test_malformed_success_body_fails_the_batch_and_goes_on(rsps, ndjson, capsys):
    FakeHapi(rsps)
    rsps.replace(responses.POST, BASE, body="<html><body>Proxy error</body></html>", status=200,
                 content_type="text/html")
    assert run(ndjson(2), batch=1) == 1
    err = capsys.readouterr().err
    assert err.count("unreadable answer to the transaction") >= 2 and "studies: 2 failed" in err


def test_transaction_too_large_is_split_and_the_limit_remembered(hapi, ndjson, capsys):
    hapi.max_entries = 12
    assert run(ndjson(6), batch=3) == 0
    sizes = [len(b["entry"]) for _, _, b in hapi.writes("transaction")]
    # first batch: 18 rejected, then 6 + 12; the second batch is split before sending
    assert sizes[0] == 18 and all(s <= 12 for s in sizes[1:]) and sizes.count(18) == 1
    assert "36 created" in capsys.readouterr().err


def test_learnt_limit_packs_later_batches_without_more_refusals(hapi, ndjson, capsys):
    hapi.max_entries = 12
    assert run(ndjson(12), batch=6) == 0
    sizes = [len(b["entry"]) for _, _, b in hapi.writes("transaction")]
    # 36 and one half of 18 are refused; from then on studies go two by two (12 entries), none refused
    assert [s for s in sizes if s > 12] == [36, 18]
    assert sizes[sizes.index(18) + 1:].count(12) >= 4 and "72 created" in capsys.readouterr().err


def test_study_too_big_for_any_transaction_goes_straight_to_batches(hapi, ndjson, capsys):
    # like Medplum with conditional updates: fewer entries allowed in a transaction than one study has
    hapi.max_entries = 5
    assert run(ndjson(3), batch=1) == 0
    assert len(hapi.writes("transaction")) == 1
    # each study in two dependency waves: its parties, Group and PlanDefinition, then the ResearchStudy
    assert [len(b["entry"]) for _, _, b in hapi.writes("batch")] == [5, 1] * 3
    assert "18 created" in capsys.readouterr().err


# ---- retries

def test_429_honours_retry_after_seconds(hapi, ndjson):
    hapi.canned.append((429, {"Retry-After": "7"}, hapi_outcome("HAPI-1234: too many requests")))
    sleeps = []
    assert run(ndjson(1), sleeps=sleeps) == 0
    assert sleeps == [7.0]


def test_retry_after_http_date():
    from datetime import datetime, timezone
    now = datetime(2015, 10, 21, 7, 27, 0, tzinfo=timezone.utc)
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 60.0
    assert retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0.0
    assert retry_after("soon") is None and retry_after("120") == 120.0


def test_gateway_errors_and_timeouts_back_off_with_jitter_then_succeed(hapi, ndjson):
    hapi.canned += [(503, {}, hapi_outcome("unavailable")), (0, {}, requests.exceptions.ReadTimeout("timed out")),
                    (504, {}, hapi_outcome("gateway timeout"))]
    sleeps = []
    assert run(ndjson(1), sleeps=sleeps) == 0
    assert len(sleeps) == 3 and len(hapi.store) == 6
    for n, s in enumerate(sleeps):
        ceiling = 0.5 * 2 ** n
        assert ceiling / 2 <= s <= ceiling


def test_retries_are_bounded_and_the_run_resumes_from_the_state_file(hapi, ndjson, tmp_path, capsys):
    path, state = ndjson(4), tmp_path / "state.json"
    hapi.canned_after = 1
    hapi.canned += [(503, {}, hapi_outcome("HAPI-0000: down for maintenance"))] * 4
    sleeps = []
    assert run(path, sleeps=sleeps, batch=2, state_file=state) == 1
    err = capsys.readouterr().err
    assert "gave up after 4 attempts" in err and "--state to resume" in err and len(sleeps) == 3
    done = json.loads(state.read_text())["done"]
    assert sorted(done) == ["ResearchStudy/NCT00000001", "ResearchStudy/NCT00000002"]
    # the server is back: the rerun sends only what had not landed
    hapi.requests.clear()
    assert run(path, batch=2, state_file=state) == 0
    err = capsys.readouterr().err
    assert "2 already pushed (state file)" in err and "2 pushed" in err
    assert len(hapi.writes()) == 1
    assert len(json.loads(state.read_text())["done"]) == 4
    assert len([k for k in hapi.store if k.startswith("ResearchStudy/")]) == 4


def test_state_file_of_another_server_is_refused(hapi, ndjson, tmp_path):
    from adapter.errors import UsageError
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 1, "to": "http://127.0.0.1:9/other", "done": {}}))
    with pytest.raises(UsageError, match="records a push to http://127.0.0.1:9/other"):
        run(ndjson(1), state_file=state)


# ---- capabilities and fallbacks

def test_other_fhir_version_is_refused_clearly(rsps, ndjson):
    FakeHapi(rsps, version="5.0.0")
    with pytest.raises(ServerMismatch, match=r"speaks FHIR 5\.0\.0 \(HAPI FHIR Server 7\.2\.0\), we push FHIR 4\.0"):
        run(ndjson(1))


def test_no_transaction_falls_back_to_batches_in_dependency_order(rsps, ndjson, capsys):
    hapi = FakeHapi(rsps, interactions=("batch",))
    assert run(ndjson(2), batch=2) == 0
    batches = hapi.writes("batch")
    assert len(batches) == 2 and not hapi.writes("transaction")
    first = {e["resource"]["resourceType"] for e in batches[0][2]["entry"]}
    assert "ResearchStudy" not in first and [e["resource"]["resourceType"] for e in batches[1][2]["entry"]] == [
        "ResearchStudy"] * 2
    # a batch entry cannot reference another entry: references point at the server's ids from the first wave
    study = batches[1][2]["entry"][0]["resource"]
    assert study["enrollment"][0]["reference"] in hapi.store and "urn:uuid" not in json.dumps(batches[1][2])
    assert "12 created" in capsys.readouterr().err


def test_no_batch_either_falls_back_to_single_puts(rsps, ndjson):
    hapi = FakeHapi(rsps, interactions=())
    assert run(ndjson(1)) == 0
    puts = hapi.writes()
    assert len(puts) == 6 and all(method == "PUT" for method, _, _ in puts)
    assert puts[-1][1] == "ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000001"
    assert len(hapi.store) == 6


def test_transaction_refused_with_405_falls_back_although_advertised(rsps, hapi, ndjson, capsys):
    hapi.metadata["rest"][0]["interaction"] = [{"code": "batch"}]  # what it really does
    rsps.replace(responses.GET, f"{BASE}/metadata", json={**hapi.metadata, "rest": [
        {**hapi.metadata["rest"][0], "interaction": [{"code": "transaction"}, {"code": "batch"}]}]})
    assert run(ndjson(1)) == 0
    assert "sending batch requests instead" in capsys.readouterr().err
    assert len(hapi.store) == 6


def test_batch_entry_failures_block_what_references_them(rsps, ndjson, capsys):
    hapi = FakeHapi(rsps, interactions=("batch",))
    hapi.fail["Protocol of NCT00000001"] = (400, "HAPI-0450: invalid PlanDefinition")
    assert run(ndjson(1)) == 1
    err = capsys.readouterr().err
    assert "PlanDefinition/NCT00000001-protocol: 400 Bad Request: error processing: HAPI-0450" in err
    assert "ResearchStudy/NCT00000001: not sent: it references PlanDefinition/NCT00000001-protocol" in err


# ---- modes of the command

def test_client_ids_put_on_deterministic_ids(hapi, ndjson):
    assert run(ndjson(1), ids="client") == 0
    entry = hapi.writes("transaction")[0][2]["entry"][0]
    assert entry["request"]["url"] == "ResearchStudy/NCT00000001"
    assert entry["fullUrl"] == f"{BASE}/ResearchStudy/NCT00000001"
    assert entry["resource"]["id"] == "NCT00000001"
    assert entry["resource"]["enrollment"][0]["reference"] == "Group/NCT00000001-eligibility"
    assert "ResearchStudy/NCT00000001" in hapi.store


def test_client_ids_refuse_all_digit_ids(hapi, tmp_path, trial, capsys):
    resources = trial("NCT00000001")
    resources[3]["id"] = "12345"
    resources[0]["sponsor"]["reference"] = "Organization/12345"
    path = tmp_path / "digits.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in resources))
    assert run(path, ids="client") == 1
    assert "Organization/12345: id not usable as a client-assigned id" in capsys.readouterr().err
    assert not hapi.writes()


def test_dry_run_writes_nothing(hapi, ndjson, capsys):
    path = ndjson(2)
    assert run(path, dry_run=True, state_file=path.parent / "state.json") == 0
    assert not hapi.writes() and not (path.parent / "state.json").exists()
    assert "push (dry run): studies: 2 planned; resources: 12 planned, 0 unchanged" in capsys.readouterr().err


def test_changed_only_sends_only_what_changed(hapi, ndjson, tmp_path, trial, capsys):
    assert run(ndjson(2)) == 0
    hapi.requests.clear()
    changed = tmp_path / "changed.ndjson"
    changed.write_text("\n".join(json.dumps(r) for n in (1, 2)
                                 for r in trial(f"NCT0000000{n}", title="New title" if n == 2 else None)))
    assert run(changed, changed_only=True) == 0
    sent = hapi.writes("transaction")[0][2]["entry"]
    assert [e["request"]["url"] for e in sent] == ["ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000002"]
    # its unchanged Group, PlanDefinition and parties are referenced by their server ids
    assert sent[0]["resource"]["enrollment"][0]["reference"] in hapi.store
    assert "0 created, 1 updated, 11 unchanged, 0 failed" in capsys.readouterr().err


def test_changed_only_resends_content_changed_back(hapi, tmp_path, trial, capsys):
    """HAPI keeps every tag a resource ever had: after A -> B, the copy holds both hash tags while its content is
    B, so content A coming back must not pass for unchanged."""
    def version(title, name):
        path = tmp_path / name
        path.write_text("\n".join(json.dumps(r) for r in trial("NCT00000001", title=title)))
        return path
    first, second = version(None, "a.ndjson"), version("New title", "b.ndjson")
    assert run(first) == 0 and run(second, changed_only=True) == 0
    study = hapi.store["ResearchStudy/" + next(k.split("/")[1] for k in hapi.store if k.startswith("ResearchStudy"))]
    assert len([t for t in study["meta"]["tag"] if t["system"] == HASH_SYSTEM]) == 2
    hapi.requests.clear()
    assert run(first, changed_only=True) == 0
    sent = [e["request"]["url"] for e in hapi.writes("transaction")[0][2]["entry"]]
    assert sent == ["ResearchStudy?identifier=http://clinicaltrials.gov|NCT00000001"]
    assert hapi.store[f"ResearchStudy/{study['id']}"]["title"] == trial("NCT00000001")[0]["title"]
    assert "0 created, 1 updated, 5 unchanged, 0 failed" in capsys.readouterr().err.splitlines()[-1]


def test_changed_only_dry_run_reports_what_would_be_sent(hapi, ndjson, capsys):
    assert run(ndjson(1)) == 0
    assert run(ndjson(2), changed_only=True, dry_run=True) == 0
    assert "6 planned, 6 unchanged" in capsys.readouterr().err


# ---- inputs: our Bundles as they are

def test_streamed_transaction_bundle_is_regrouped_per_study(hapi, tmp_path, trial, capsys):
    from adapter.fhir.ids import minted_identifier
    from adapter.sinks.files import BundleStream
    out = tmp_path / "all.json"
    sink = BundleStream("transaction", out)
    for n in (1, 2, 3):
        resources = trial(f"NCT0000000{n}")
        for r in resources[3:]:
            # one sponsor, site and investigator shared by all three: the stream writes them once
            r["id"] = r["id"].replace(f"NCT0000000{n}", "SHARED")
            r["identifier"] = [minted_identifier(r["id"])]
        resources[0].update(sponsor={"reference": "Organization/SHARED-sponsor"},
                            principalInvestigator={"reference": "Practitioner/SHARED-pi"},
                            site=[{"reference": "Location/SHARED-site-1"}])
        sink.add(resources)
    sink.close()
    assert sum(1 for _ in out.open()) == 3 * 3 + 3 + 2
    assert run(out, batch=1) == 0
    posts = hapi.writes("transaction")
    assert len(posts) == 3
    # every batch carries the shared parties it references, so each transaction resolves on its own
    for _, _, bundle in posts:
        types = sorted(e["resource"]["resourceType"] for e in bundle["entry"])
        assert types == ["Group", "Location", "Organization", "PlanDefinition", "Practitioner", "ResearchStudy"]
    assert len([k for k in hapi.store if k.startswith("Organization/")]) == 1
    assert "studies: 3 pushed" in capsys.readouterr().err


def test_unreadable_fhir_file_is_reported_and_the_rest_pushed(hapi, ndjson, tmp_path, capsys):
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"resourceType": "Group", "id": "g"}\n{not json\n')
    assert run([bad, ndjson(1)]) == 1
    err = capsys.readouterr().err
    assert "bad.ndjson: not a FHIR Bundle or NDJSON we can push" in err and "1 pushed" in err


def test_r5_records_go_to_an_r5_server(rsps, capsys):
    from conftest import CTGOV
    hapi = FakeHapi(rsps, version="5.0.0")
    assert run(CTGOV / "api_v2_json" / "NCT00080808.json", fhir_version="5.0.0") == 0
    study = next(r for k, r in hapi.store.items() if k.startswith("ResearchStudy/"))
    assert study["progressStatus"] and study["recruitment"]["eligibility"]["reference"] in hapi.store
    assert "0 failed" in capsys.readouterr().err
    # and an R4 server refuses R5 content
    FakeHapi(rsps)
    with pytest.raises(ServerMismatch, match=r"we push FHIR 5\.0"):
        run(CTGOV / "api_v2_json" / "NCT00080808.json", fhir_version="5.0.0")
