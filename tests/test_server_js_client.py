"""A JavaScript FHIR client from npm (fhir-kit-client, tests/js) against a live trialfhir server on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="session")
def node_client() -> Path:
    """tests/js with its npm packages installed (``npm ci`` from the lock file when node_modules is missing)."""
    if not shutil.which("node") or not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the JavaScript client test: install nodejs and npm (.ci/setup)")
        pytest.skip("node and npm are needed for the JavaScript client test (apt-get install nodejs npm)")
    if not (JS_DIR / "node_modules" / "fhir-kit-client").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR, check=True,
                       capture_output=True)
    return JS_DIR


def test_fhir_kit_client_reads_searches_includes_and_handles_errors(fhir_base, node_client):
    run = subprocess.run(["node", "client.mjs", fhir_base], cwd=node_client, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["ok", "metadata", "ok", "read", "ok", "searchPaging", "ok", "include",
                                  "ok", "conditionalRead", "ok", "errors"]
