"""Fetch and sync against ClinicalTrials.gov API v2 response shapes (mocked with `responses`): paging with
nextPageToken, 404, 429 with Retry-After, 5xx, the polite token bucket, and sync's LastUpdatePostDate window."""
from __future__ import annotations

import json
import random
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from adapter.errors import UsageError
from adapter.push.client import FhirClient, RetryPolicy
from adapter.registry_api.client import RegistryClient
from adapter.registry_api.command import fetch, sync
from adapter.registry_api.ratelimit import TokenBucket
from conftest import CTGOV

API = "http://127.0.0.1:9999/api/v2"
RECORDS = sorted((CTGOV / "api_v2_json").glob("*.json"))


def study(n: int, updated: str = "2024-01-0{}") -> dict:
    """A real corpus record under another NCT id and last-update date."""
    data = json.loads(RECORDS[n].read_text())
    data["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{n:07d}"
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": updated.format(n + 1), "type": "ACTUAL"}
    return data


def registry(sleeps=None, attempts=3) -> RegistryClient:
    http = FhirClient(API, accept="application/json", retry=RetryPolicy(attempts=attempts),
                      sleep=(sleeps.append if sleeps is not None else lambda s: None), rng=random.Random(2))
    return RegistryClient(http=http)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def _paged(rsps, studies, page_size=2):
    seen = []

    def answer(request):
        query = parse_qs(urlsplit(request.url).query)
        seen.append(query)
        start = int(query.get("pageToken", ["0"])[0])
        page = {"studies": studies[start:start + page_size]}
        if start + page_size < len(studies):
            page["nextPageToken"] = str(start + page_size)
        return 200, {}, json.dumps(page)

    rsps.add_callback(responses.GET, f"{API}/studies", callback=answer)
    return seen


def test_fetch_query_follows_next_page_tokens(rsps, tmp_path, capsys):
    seen = _paged(rsps, [study(n) for n in range(5)])
    assert fetch([], "breast cancer", tmp_path, client=registry()) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"NCT9{n:07d}.json" for n in range(5)]
    assert [q.get("pageToken") for q in seen] == [None, ["2"], ["4"]]
    assert all(q["query.term"] == ["breast cancer"] for q in seen)
    assert "wrote 5 studies" in capsys.readouterr().err
    # files are v2 JSON the convert pipeline reads
    from adapter.sources import read_path
    assert [r.id for r in read_path(tmp_path / "NCT90000000.json")] == ["NCT90000000"]


def test_fetch_ids_reports_unknown_ones(rsps, tmp_path, capsys):
    rsps.add(responses.GET, f"{API}/studies/NCT90000001", json=study(1))
    rsps.add(responses.GET, f"{API}/studies/NCT99999999", status=404, json={"message": "not found"})
    assert fetch(["NCT90000001", "NCT99999999"], None, tmp_path, client=registry()) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["NCT90000001.json"]
    assert "record NCT99999999: no such study in the registry" in capsys.readouterr().err


def test_fetch_usage_errors(tmp_path):
    with pytest.raises(UsageError):
        fetch([], None, tmp_path)
    with pytest.raises(UsageError, match="not an NCT id"):
        fetch(["12345"], None, tmp_path, client=registry())


def test_429_and_5xx_are_retried_honouring_retry_after(rsps, tmp_path):
    rsps.add(responses.GET, f"{API}/studies/NCT90000001", status=429, headers={"Retry-After": "2"})
    rsps.add(responses.GET, f"{API}/studies/NCT90000001", status=503)
    rsps.add(responses.GET, f"{API}/studies/NCT90000001", json=study(1))
    sleeps = []
    assert fetch(["NCT90000001"], None, tmp_path, client=registry(sleeps)) == 0
    assert sleeps[0] == 2.0 and len(sleeps) == 2


def test_registry_down_stops_with_exit_1(rsps, tmp_path, capsys):
    for _ in range(3):
        rsps.add(responses.GET, f"{API}/studies", status=502)
    assert fetch([], "x", tmp_path, client=registry()) == 1
    assert "gave up after 3 attempts" in capsys.readouterr().err


def test_token_bucket_keeps_the_rate():
    now = [0.0]
    waits = []

    def sleep(s):
        waits.append(s)
        now[0] += s

    bucket = TokenBucket(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        bucket.take()
    # 3 at once, then one every third of a second: 30 requests take (30 - 3) / 3 s
    assert now[0] == pytest.approx(9.0)
    assert len(waits) == 27


def test_default_client_is_throttled(rsps):
    rsps.add(responses.GET, f"{API}/studies/NCT90000001", json=study(1))
    client = RegistryClient(API, rate=3)
    assert client.http.throttle is not None and client.study("NCT90000001")["protocolSection"]


def test_sync_fetches_only_what_changed_since_the_last_run(rsps, medplum, tmp_path, capsys):
    base = medplum()
    rsps.add_passthru(base)
    state = tmp_path / "sync.json"
    seen = _paged(rsps, [study(n) for n in range(3)])
    assert sync("asthma", base, state, client=registry(), progress=False) == 0
    assert json.loads(state.read_text()) == {"query": "asthma", "last_update": "2024-01-03"}
    assert "filter.advanced" not in seen[0]
    assert "studies: 3 pushed" in capsys.readouterr().err
    # next run: only the window since the newest date seen; the studies it returns are already there unchanged
    rsps.remove(responses.GET, f"{API}/studies")
    seen = _paged(rsps, [study(2)])
    assert sync("asthma", base, state, client=registry(), progress=False) == 0
    assert seen[0]["filter.advanced"] == ["AREA[LastUpdatePostDate]RANGE[2024-01-03,MAX]"]
    err = capsys.readouterr().err
    assert "1 studies updated since 2024-01-03" in err and "0 created, 0 updated" in err
    with pytest.raises(UsageError, match="syncs the query 'asthma'"):
        sync("other", base, state, client=registry())
