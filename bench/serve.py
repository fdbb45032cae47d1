"""Benchmark the FHIR server: req/s and p50/p99 latency of a read and three searches, and server memory.

    python bench/serve.py --studies 100000          # builds (or reuses) /tmp/trialfhir-bench-100000.sqlite

The database holds a corpus of trials (``--resources FILE.ndjson``, else the test suite's sample trial)
re-identified into ``--studies`` ResearchStudies with their eligibility Groups; the server is gunicorn
(gthread) serving ``server:app``; clients are separate processes with keep-alive connections.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.store.command import load, open_store  # noqa: E402

STATUSES = ["active", "completed", "closed-to-accrual", "withdrawn", "approved"]
WORDS = ["breast", "asthma", "cancer", "drug", "pediatric", "hip", "metastatic"]


def templates(path: str | None) -> list[list[dict]]:
    """Trials to copy: groups of resources sharing one NCT id (from NDJSON), or the test sample trial."""
    if path:
        by_trial: dict[str, list[dict]] = {}
        for line in Path(path).read_text().splitlines():
            if line.strip():
                resource = json.loads(line)
                by_trial.setdefault(resource["id"].split("-")[0], []).append(resource)
        return list(by_trial.values())
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import sample_trial

    return [sample_trial("NCT02059759", status=s, title=f"Study of a {w} treatment", phase="phase-2")
            for s in STATUSES for w in WORDS]


def reidentified(trials: list[list[dict]], count: int):
    """``count`` studies with their Groups, each trial copied under a new NCT id (Group before study)."""
    for n in range(count):
        trial = trials[n % len(trials)]
        old = trial[0]["id"].split("-")[0]
        new = f"NCT{n:08d}"
        for resource in sorted(trial, key=lambda r: r["resourceType"] != "Group"):
            if resource["resourceType"] in ("ResearchStudy", "Group"):
                yield json.loads(json.dumps(resource).replace(old, new))


def build(db: str, studies: int, trials: list[list[dict]]) -> None:
    store = open_store(db)
    have = store.count("ResearchStudy")
    if have < studies:
        started = time.time()
        summary = load(store, reidentified(trials, studies))
        print(f"loaded {summary.total} resources ({summary.created} new) in {time.time() - started:.0f} s")
    store.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "TRIALFHIR_DB": db}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers),
                               "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "server:app"], cwd=ROOT, env=env)
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/metadata")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def _client(port: int, paths: list[str], seconds: float, seed: int, out) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies, errors = [], 0
    end = time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        conn.request("GET", rng.choice(paths))
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - now)
        errors += response.status != 200
    out.put((latencies, errors))


def measure(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, paths, seconds, i, queue)) for i in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    return {"req_s": len(latencies) / seconds, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1], "errors": sum(e for _, e in results)}


def server_memory_mb(server: subprocess.Popen) -> float:
    pids = [server.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                                          text=True).stdout.split()]
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--resources", help="NDJSON of converted trials to copy (default: the sample trial)")
    parser.add_argument("--db", help="database (default /tmp/trialfhir-bench-<studies>.sqlite)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    db = args.db or f"/tmp/trialfhir-bench-{args.studies}.sqlite"
    build(db, args.studies, templates(args.resources))
    ids = [f"NCT{n:08d}" for n in range(args.studies)]
    scenarios = {
        "read": [f"/ResearchStudy/{i}" for i in ids],
        "search status": [f"/ResearchStudy?status={s}" for s in STATUSES],
        "search identifier": [f"/ResearchStudy?identifier=http://clinicaltrials.gov|{i}" for i in ids],
        "search title:contains": [f"/ResearchStudy?title:contains={w}" for w in WORDS],
    }
    server, port = start_server(db, args.workers, args.threads)
    try:
        print(f"{args.studies} studies, {os.cpu_count()} cores, gunicorn {args.workers}x{args.threads} gthread, "
              f"{args.clients} keep-alive clients, {args.seconds:.0f} s each")
        for name, paths in scenarios.items():
            measure(port, paths, args.clients, 1)  # warm-up
            r = measure(port, paths, args.clients, args.seconds)
            print(f"{name:24s} {r['req_s']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
                  f"   errors {r['errors']}")
        print(f"server memory (RSS, all processes): {server_memory_mb(server):.0f} MB")
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
