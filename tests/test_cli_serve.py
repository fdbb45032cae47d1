"""`trialfhir load` and `trialfhir serve`: the README's main job, run as a user would."""
import json
import socket
from contextlib import contextmanager
import subprocess
import sys
import time
import urllib.request

from adapter.cli import main
from conftest import CTGOV, SHARED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


@contextmanager
def _serving(*options: str, startup_seconds: float):
    """`trialfhir serve` in a child process on a free port: yields its base URL and /metadata once it answers."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "adapter.cli", "serve", "--port", str(port), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                meta = _get(f"{base}/metadata")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        yield base, meta
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_with_no_arguments_serves_the_bundled_samples():
    with _serving(startup_seconds=60) as (base, meta):
        assert meta["resourceType"] == "CapabilityStatement" and meta["fhirVersion"].startswith("4.0")
        found = _get(f"{base}/ResearchStudy?_total=accurate")
        assert sorted(e["resource"]["id"] for e in found["entry"]) == [
            "SAMPLE-ASTHMA-1", "SAMPLE-ONC-2", "SAMPLE-PEDS-3"]
        adults = _get(f"{base}/ResearchStudy?eligible-age=40")
        assert sorted(e["resource"]["id"] for e in adults["entry"]) == ["SAMPLE-ASTHMA-1", "SAMPLE-ONC-2"]
        group = _get(f"{base}/Group/SAMPLE-ONC-2-eligibility")
        assert any(c.get("valueQuantity", {}).get("value") == 100000 for c in group["characteristic"])


def test_load_is_idempotent(tmp_path, capsys):
    db = str(tmp_path / "store.sqlite")
    inputs = [str(CTGOV / "api_v2_json" / "NCT00080808.json"), str(SHARED / "seeds")]
    assert main(["load", *inputs, "--db", db]) == 0
    first = capsys.readouterr().err
    assert "0 updated, 0 unchanged; 0 records failed" in first
    assert main(["load", *inputs, "--db", db]) == 0
    second = capsys.readouterr().err
    assert "load: 0 created, 0 updated" in second and "0 records failed" in second


def test_serve_r5_says_so_and_serves_r5_studies():
    with _serving("--fhir-version", "5.0.0", startup_seconds=120) as (base, meta):
        assert meta["fhirVersion"] == "5.0.0"
        study = _get(f"{base}/ResearchStudy/SAMPLE-ONC-2")
        assert study["status"] == "active" and study["progressStatus"] and study["recruitment"]
        assert study["meta"]["profile"][0].endswith("/trial-researchstudy")
        found = _get(f"{base}/ResearchStudy?title:contains=asthma")
        assert [e["resource"]["id"] for e in found["entry"]] == ["SAMPLE-ASTHMA-1"]
        group = _get(f"{base}/Group/SAMPLE-ONC-2-eligibility")
        assert group["membership"] == "definitional"
        profiles = _get(f"{base}/StructureDefinition?url=http://trialfhir.org/fhir/StructureDefinition/"
                        "trial-researchstudy")
        assert profiles["entry"][0]["resource"]["fhirVersion"] == "5.0.0"
