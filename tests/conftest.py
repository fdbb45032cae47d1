"""Shared test fixtures: where the project's shared data (corpus, seeds, eval sets) lives."""
from __future__ import annotations

from pathlib import Path

import pytest

# the shared folder sits beside the repository: <repo>/../shared
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CTGOV = SHARED / "corpus" / "ctgov"


@pytest.fixture
def shared() -> Path:
    return SHARED


def walk_corpus(reader, folder: Path, pattern: str, mapped: list[str]) -> None:
    """Read every file of a corpus folder with a reader module: no errors, one record per file, no mapped
    field dropped without a warning saying why (speed is bench/convert.py's business, not a test's)."""
    from adapter.record import TrialRecord

    files = sorted(folder.glob(pattern))
    assert len(files) > 100
    records, errors = [], []
    for path in files:
        data = path.read_bytes()
        assert reader.sniff(data[:65536], path.name), path
        for item in reader.read(data, str(path)):
            (records if isinstance(item, TrialRecord) else errors).append(item)
    assert errors == []
    assert len(records) == len(files)
    # files are named by NCT id (one has a suffix: NCT04452435_covid_19.xml)
    assert all(path.stem.startswith(r.id) for r, path in zip(records, files))
    claimed = set(mapped)
    leaks = {(r.id, p) for r in records for p in r.dropped
             if p in claimed and not any(w.startswith(f"{p}: ") for w in r.warnings)}
    assert not leaks


# ---- store and server fixtures (adapter/store, adapter/server) -----------------------------------

import glob  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402

NCT_SYSTEM = "http://clinicaltrials.gov"
SNOMED = "http://snomed.info/sct"


def sample_trial(nct: str = "NCT02059759", *, status: str = "active", title: str | None = None,
                 phase: str = "phase-2", min_age: float | None = 18, max_age: float | None = 75,
                 condition: str = "Breast Neoplasms", start: str = "2014-02", end: str | None = "2019-12-31",
                 keyword: str = "metastatic") -> list[dict]:
    """A realistic R4 trial: ResearchStudy, its eligibility Group, protocol PlanDefinition and parties."""
    title = title or f"Study of Drug X in Metastatic Breast Cancer ({nct})"
    age = {"system": "http://unitsofmeasure.org", "code": "a", "unit": "years"}
    value_range = {}
    if min_age is not None:
        value_range["low"] = {**age, "value": min_age}
    if max_age is not None:
        value_range["high"] = {**age, "value": max_age}
    study = {
        "resourceType": "ResearchStudy", "id": nct,
        "identifier": [{"use": "official", "system": NCT_SYSTEM, "value": nct},
                       {"system": "http://example.org/org-study-id", "value": f"ORG-{nct[-4:]}"}],
        "title": title, "status": status,
        "protocol": [{"reference": f"PlanDefinition/{nct}-protocol"}],
        "phase": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/research-study-phase",
                              "code": phase}]},
        "category": [{"coding": [{"system": "http://trialfhir.org/fhir/CodeSystem/ctgov-study-design",
                                  "code": "INTERVENTIONAL"}], "text": "Interventional"}],
        "focus": [{"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1156183"}],
                   "text": "Drug X"}],
        "condition": [{"coding": [{"system": "urn:oid:2.16.840.1.113883.6.177", "code": "D001943",
                                   "display": condition}], "text": condition}],
        "keyword": [{"text": keyword, "coding": [{"system": "http://trialfhir.org/fhir/CodeSystem/keyword",
                                                  "code": keyword}]}],
        "period": {"start": start, **({"end": end} if end else {})},
        "enrollment": [{"reference": f"Group/{nct}-eligibility"}],
        "sponsor": {"reference": f"Organization/{nct}-sponsor", "display": "Example Cancer Center"},
        "principalInvestigator": {"reference": f"Practitioner/{nct}-pi"},
        "site": [{"reference": f"Location/{nct}-site-1"}],
        "location": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "US"}]}],
    }
    group = {
        "resourceType": "Group", "id": f"{nct}-eligibility", "type": "person", "actual": False,
        "identifier": [{"system": NCT_SYSTEM, "value": nct}],
        "characteristic": [
            {"code": {"coding": [{"system": SNOMED, "code": "424144002",
                                  "display": "Current chronological age"}]},
             "valueRange": value_range, "exclude": False},
            {"code": {"coding": [{"system": SNOMED, "code": "263495000", "display": "Gender"}]},
             "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender",
                                                  "code": "female"}]}, "exclude": False},
            {"id": "exc-1", "code": {"text": "Pregnancy"}, "valueBoolean": True, "exclude": True},
        ],
    }
    protocol = {"resourceType": "PlanDefinition", "id": f"{nct}-protocol", "status": "active",
                "title": f"Protocol of {nct}", "identifier": [{"system": NCT_SYSTEM, "value": nct}],
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                                     "code": "clinical-protocol"}]},
                "action": [{"title": "Arm A: Drug X 100 mg daily"}]}
    sponsor = {"resourceType": "Organization", "id": f"{nct}-sponsor", "name": "Example Cancer Center",
               "address": [{"city": "Houston", "country": "US"}]}
    site = {"resourceType": "Location", "id": f"{nct}-site-1", "name": "Example Hospital, Zürich",
            "status": "active", "address": {"city": "Zürich", "country": "CH"}}
    pi = {"resourceType": "Practitioner", "id": f"{nct}-pi",
          "name": [{"family": "Müller", "given": ["Anna"], "prefix": ["Dr."]}]}
    return [study, group, protocol, sponsor, site, pi]


@pytest.fixture
def trial():
    """The sample trial builder: ``trial("NCT01234567", status=...)`` returns its six resources."""
    return sample_trial


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


@pytest.fixture(scope="session")
def pg_server():
    """URL of a PostgreSQL server: $TRIALFHIR_TEST_PG_URL, else a throwaway cluster on 127.0.0.1."""
    url = os.environ.get("TRIALFHIR_TEST_PG_URL")
    if url:
        yield url
        return
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL for real: .ci/setup installs it (apt-get install postgresql)")
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql)")
    import tempfile
    from pathlib import Path

    # not under pytest's tmp folder: that is private to root, and the cluster may run as postgres
    data = Path(tempfile.mkdtemp(prefix="trialfhir-pg-")) / "data"
    port = _free_port()
    # initdb refuses to run as root: run the cluster as the postgres user then
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(data.parent, "postgres")
    subprocess.run(as_user + [f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust",
                              "--locale=C", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", str(data), "-w", "-l", str(data.parent / "log"),
                              "-o", f"-h 127.0.0.1 -p {port} -k {data.parent} -F", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data.parent, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty PostgreSQL database for one test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A database URL for each backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    from adapter.store.command import open_store

    opened = open_store(db_url)
    yield opened
    opened.engine.dispose()


@pytest.fixture
def serve_app():
    """Start a WSGI app on 127.0.0.1 in a real werkzeug server thread; returns its base URL."""
    import threading

    from werkzeug.serving import make_server

    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def fhir_base(tmp_path, serve_app):
    """Base URL of a live trialfhir server over a temporary SQLite store holding 25 sample trials."""
    from adapter.server import create_app
    from adapter.store.command import load, open_store

    store = open_store(str(tmp_path / "server.sqlite"))
    statuses = ["active", "completed", "closed-to-accrual", "withdrawn", "approved"]
    for n in range(25):
        load(store, sample_trial(f"NCT{10000000 + n:08d}", status=statuses[n % 5],
                                 min_age=18 + n, max_age=None if n % 3 == 0 else 60 + n,
                                 start=f"{2010 + n % 10}-0{1 + n % 9}"))
    yield serve_app(create_app({"STORE": store, "EXPORT_DIR": str(tmp_path / "export")}))
    store.engine.dispose()


# ---- Medplum FHIR engine for push integration tests (tests/medplum) ------------------------------

MEDPLUM_DIR = Path(__file__).resolve().parent / "medplum"


def _wait_for(url: str, proc, seconds: float = 60.0) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"FHIR test server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"FHIR test server did not answer {url} within {seconds}s")


@pytest.fixture(scope="session")
def medplum_servers():
    """Start-on-demand Medplum FHIR engines on 127.0.0.1, one per set of harness flags, for the session.

    Runs ``npm ci`` once when tests/medplum/node_modules is missing; skips when node/npm are not installed.
    """
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed for the Medplum FHIR engine (apt-get install nodejs npm)")
    if not (MEDPLUM_DIR / "node_modules" / "@medplum" / "fhir-router").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MEDPLUM_DIR, check=True, capture_output=True)
    started: dict[tuple[str, ...], tuple[str, subprocess.Popen]] = {}

    def start(*flags: str) -> str:
        if flags not in started:
            port = _free_port()
            proc = subprocess.Popen(["node", "server.mjs", str(port), *flags], cwd=MEDPLUM_DIR, text=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            base = f"http://127.0.0.1:{port}/fhir"
            try:
                _wait_for(f"{base}/metadata", proc)
            except RuntimeError:
                proc.kill()
                raise
            started[flags] = (base, proc)
        return started[flags][0]

    yield start
    for _, proc in started.values():
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def medplum(medplum_servers):
    """``medplum(*flags)``: the base URL of an empty Medplum FHIR R4 engine (flags: --no-transaction, --no-batch)."""
    import urllib.request

    def fresh(*flags: str) -> str:
        base = medplum_servers(*flags)
        urllib.request.urlopen(urllib.request.Request(f"{base}/$reset", method="POST"), timeout=10).close()
        return base
    return fresh


def pytest_configure(config):
    # opt-in tests against a public FHIR sandbox (FHIR_SANDBOX_URL); `pytest -m sandbox` runs only those
    config.addinivalue_line("markers", "sandbox: pushes to the public FHIR server at $FHIR_SANDBOX_URL")


# ---- independent validation counts (tests/test_independent_validation.py) ------------------------

def pytest_terminal_summary(terminalreporter):
    """Show FHIR.js's counts for our output whatever the capture mode, so every CI log carries them."""
    counts = [value for reports in terminalreporter.stats.values() for report in reports
              if getattr(report, "when", None) == "call"
              for name, value in getattr(report, "user_properties", ()) if name == "fhirjs"]
    if counts:
        terminalreporter.write_sep("-", "independent validation (FHIR.js)")
        for line in counts:
            terminalreporter.write_line(line)
