"""Push real corpus records into a real FHIR engine (Medplum's router, in memory, on 127.0.0.1): idempotent,
references resolved, converging after a kill. Only behaviour every server shares is asserted (Medplum gives no
etags in transaction entries, resolves no conditional references and does not roll back)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from adapter.push.batches import HASH_SYSTEM, references
from adapter.push.command import push
from conftest import CTGOV

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((CTGOV / "api_v2_json").glob("*.json"))


def _everything(base: str, rtype: str) -> list[dict]:
    out, url, params = [], f"{base}/{rtype}", {"_count": "1000"}
    while url:
        page = requests.get(url, params=params, timeout=30).json()
        out += [e["resource"] for e in page.get("entry", [])]
        url, params = next((l["url"] for l in page.get("link", []) if l["relation"] == "next"), None), None
    return out


def _check_server(base: str, n_studies: int) -> dict[str, list[dict]]:
    """One resource per identifier, ``n_studies`` studies, every reference resolving to a stored resource."""
    stored = {t: _everything(base, t) for t in ("ResearchStudy", "Group", "PlanDefinition", "Organization",
                                                  "Location", "Practitioner", "PractitionerRole")}
    assert len(stored["ResearchStudy"]) == n_studies
    for rtype, resources in stored.items():
        idents = Counter(f"{i['system']}|{i['value']}" for r in resources for i in r.get("identifier", [])[:1])
        assert [k for k, n in idents.items() if n > 1] == [], rtype
    keys = {f"{t}/{r['id']}" for t, rs in stored.items() for r in rs}
    for resources in stored.values():
        for r in resources:
            assert references(r) <= keys, r["id"]
    return stored


@pytest.fixture(scope="module")
def records():
    if len(RECORDS) < 12:
        pytest.skip(f"corpus not found at {CTGOV}")
    return RECORDS[:12]


@pytest.mark.parametrize("flags, ids", [((), "conditional"), ((), "client"), (("--no-transaction",), "conditional"),
                                        (("--no-transaction", "--no-batch"), "client")])
def test_push_twice_leaves_one_copy_with_references_resolved(medplum, records, flags, ids, capsys):
    base = medplum(*flags)
    assert push(records, base, ids=ids, batch=5, progress=False) == 0
    first = _check_server(base, len(records))
    assert push(records, base, ids=ids, batch=5, progress=False) == 0
    again = _check_server(base, len(records))
    assert {r["id"] for r in again["ResearchStudy"]} == {r["id"] for r in first["ResearchStudy"]}
    if ids == "client":
        assert {r["id"] for r in again["ResearchStudy"]} == {p.stem for p in records}
    study = again["ResearchStudy"][0]
    assert any(t["system"] == HASH_SYSTEM for t in study["meta"]["tag"])
    err = capsys.readouterr().err
    assert err.count(f"studies: {len(records)} pushed") == 2


def test_changed_only_second_run_writes_nothing(medplum, records, capsys):
    base = medplum()
    assert push(records[:4], base, progress=False) == 0
    versions = {r["id"]: r["meta"]["versionId"] for r in _everything(base, "ResearchStudy")}
    assert push(records[:4], base, changed_only=True, progress=False) == 0
    assert {r["id"]: r["meta"]["versionId"] for r in _everything(base, "ResearchStudy")} == versions
    assert "0 created, 0 updated" in capsys.readouterr().err.splitlines()[-1]


def test_killed_push_converges_on_rerun(medplum, tmp_path):
    base = medplum()
    records = RECORDS[:60]
    state = tmp_path / "state.json"
    listing = tmp_path / "inputs.json"
    listing.write_text(json.dumps([str(p) for p in records]))
    code = ("import json, sys; from pathlib import Path; from adapter.push.command import push; "
            f"sys.exit(push([Path(p) for p in json.loads(Path({str(listing)!r}).read_text())], {base!r}, "
            f"batch=2, state_file=Path({str(state)!r}), progress=False))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if state.exists() and len(json.loads(state.read_text())["done"]) >= 6:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    done = len(json.loads(state.read_text())["done"])
    assert 6 <= done < len(records), "the push should have been killed midway"
    rerun = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    # what landed before the kill is skipped (a batch in flight may have landed too: it is simply rewritten)
    assert f"{done} already pushed (state file)" in rerun.stderr
    _check_server(base, len(records))
    assert len(json.loads(state.read_text())["done"]) == len(records)


def test_harness_honours_prefer_return_minimal(medplum):
    base = medplum()
    study = {"resourceType": "ResearchStudy", "id": "s1", "status": "active"}
    headers = {"Content-Type": "application/fhir+json"}
    full = requests.put(f"{base}/ResearchStudy/s1", json=study, headers=headers, timeout=10)
    assert full.status_code in (200, 201) and full.json()["id"] == "s1"
    minimal = requests.put(f"{base}/ResearchStudy/s1", json=study, timeout=10,
                           headers={**headers, "Prefer": "return=minimal"})
    assert minimal.status_code == 200 and minimal.content == b""
    assert "/fhir/ResearchStudy/s1/_history/" in minimal.headers["Location"]
    bundle = {"resourceType": "Bundle", "type": "transaction",
              "entry": [{"resource": study, "request": {"method": "PUT", "url": "ResearchStudy/s1"}}]}
    answer = requests.post(base, json=bundle, timeout=10, headers={**headers, "Prefer": "return=minimal"}).json()
    assert answer["type"] == "transaction-response"
    assert [set(e) for e in answer["entry"]] == [{"response"}]
    assert answer["entry"][0]["response"]["location"].startswith("ResearchStudy/s1")
