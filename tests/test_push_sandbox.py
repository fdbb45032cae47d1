"""Opt-in: push to a public FHIR R4 sandbox (e.g. a HAPI test server) named by $FHIR_SANDBOX_URL.

    FHIR_SANDBOX_URL=https://hapi.fhir.org/baseR4 .venv/bin/pytest -m sandbox
"""
from __future__ import annotations

import json
import os
import random

import pytest
import requests

from adapter.push.command import push
from conftest import CTGOV

SANDBOX = os.environ.get("FHIR_SANDBOX_URL")
pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(not SANDBOX, reason="FHIR_SANDBOX_URL is not set (opt-in test of a public server)")]


@pytest.mark.parametrize("ids", ["conditional", "client"])
def test_push_twice_to_the_sandbox_leaves_one_copy(tmp_path, ids):
    # fresh NCT-like ids, so other people's data on a shared sandbox cannot match ours
    run = random.randrange(10**6)
    paths = []
    for n, source in enumerate(sorted((CTGOV / "api_v2_json").glob("*.json"))[:3]):
        data = json.loads(source.read_text())
        nct = f"NCT9{run:06d}{n}"
        data["protocolSection"]["identificationModule"]["nctId"] = nct
        paths.append(tmp_path / f"{nct}.json")
        paths[-1].write_text(json.dumps(data))
    for _ in range(2):
        assert push(paths, SANDBOX, ids=ids, batch=2, progress=False) == 0
    for path in paths:
        found = requests.get(f"{SANDBOX}/ResearchStudy", params={
            "identifier": f"http://clinicaltrials.gov|{path.stem}", "_summary": "count"}, timeout=60).json()
        assert found["total"] == 1
