"""Benchmark the FHIR server: req/s and p50/p99 latency of a read and three searches, and server memory.

    python bench/serve.py --studies 100000   # builds (or reuses) /tmp/trialfhir-bench-100000-<corpus>-s<N>.sqlite
    git archive HEAD | tar -x -C /tmp/base && python bench/serve.py --baseline /tmp/base   # before | after

The database holds a corpus of trials (``--resources FILE.ndjson``; by default the development corpus in
../shared, converted once; ``--resources sample`` copies the test suite's sample trial)
re-identified into ``--studies`` ResearchStudies with their eligibility Groups; it is cached under /tmp keyed
by the store's schema version, so a schema change rebuilds it and nothing else does. The server is gunicorn
(gthread) serving ``server:app``; the load comes from ``wrk`` (Debian package) when installed, else from
Python client processes, over keep-alive connections. ``--baseline SRC`` also serves the same database from
another source tree (an older commit) and prints both side by side.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.store.command import load, open_store  # noqa: E402
from adapter.store.schema import SCHEMA_VERSION  # noqa: E402

STATUSES = ["active", "completed", "closed-to-accrual", "withdrawn", "approved"]
WORDS = ["breast", "asthma", "cancer", "drug", "pediatric", "hip", "metastatic"]


CORPUS = ROOT.parent / "shared" / "corpus" / "ctgov"


def corpus_ndjson() -> str:
    """The development corpus converted to NDJSON once (cached beside the databases)."""
    out = Path(tempfile.gettempdir()) / "trialfhir-bench-corpus.ndjson"
    if not out.exists():
        from adapter.errors import RecordError
        from adapter.pipeline import convert_paths
        from adapter.sinks.files import NdjsonStream
        sink = NdjsonStream(out, per_type=False)
        for item in convert_paths(sorted(CORPUS.glob("*/*"))):
            if not isinstance(item, RecordError):
                sink.add(item.resources)
        sink.close()
    return str(out)


def templates(path: str | None) -> list[list[dict]]:
    """Trials to copy: groups of resources sharing one NCT id (from NDJSON), or the test sample trial."""
    if path == "corpus":
        path = corpus_ndjson()
    if path:
        by_trial: dict[str, list[dict]] = {}
        for line in Path(path).read_text().splitlines():
            if line.strip():
                resource = json.loads(line)
                by_trial.setdefault(resource["id"].split("-")[0], []).append(resource)
        # shared parties (org-…, loc-…) group under their own prefixes: copying one would make no study
        return [t for t in by_trial.values() if any(r["resourceType"] == "ResearchStudy" for r in t)]
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
        seconds = time.time() - started
        print(f"loaded {summary.total} resources ({summary.created} new) in {seconds:.0f} s "
              f"({summary.total / seconds:.0f} resources/s)")
    store.engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(source: Path, db: str, workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "TRIALFHIR_DB": db, "PYTHONPATH": str(source)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers),
                               "--threads", str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "server:app"], cwd=source, env=env)
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


def measure_python(port: int, paths: list[str], clients: int, seconds: float) -> dict:
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


# wrk picks a random path of the scenario for every request and reports the exact percentiles when done
_WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %f %f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def measure_wrk(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "paths").write_text("\n".join(paths) + "\n")
        (Path(folder) / "bench.lua").write_text(_WRK_SCRIPT)
        run = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds:.0f}s", "-s", f"{folder}/bench.lua",
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
                             env={**os.environ, "BENCH_PATHS": f"{folder}/paths"})
    line = next(x for x in run.stdout.splitlines() if x.startswith("BENCH "))
    requests, micros, p50, p99, errors = line.split()[1:]
    return {"req_s": int(requests) / (int(micros) / 1e6), "p50_ms": float(p50) / 1000, "p99_ms": float(p99) / 1000,
            "errors": int(errors)}


def server_memory_mb(server: subprocess.Popen) -> float:
    pids = [server.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                                          text=True).stdout.split()]
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def run_scenarios(source: Path, db: str, scenarios: dict, args, measure) -> tuple[dict, float]:
    """Serve the database from a source tree and measure every scenario; (results, server memory MB)."""
    server, port = start_server(source, db, args.workers, args.threads)
    try:
        results = {}
        for name, paths in scenarios.items():
            measure(port, paths, args.clients, 2)  # warm-up
            results[name] = measure(port, paths, args.clients, args.seconds)
        return results, server_memory_mb(server)
    finally:
        server.terminate()
        server.wait()


def _cell(r: dict) -> str:
    return f"{r['req_s']:7.0f} req/s  p50 {r['p50_ms']:6.1f}  p99 {r['p99_ms']:6.1f} ms  err {r['errors']}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100_000)
    parser.add_argument("--resources", default="corpus" if CORPUS.is_dir() else None,
                        help="NDJSON of converted trials to copy; 'corpus' (the default when ../shared is there) "
                             "converts the development corpus; 'sample' copies the test sample trial")
    parser.add_argument("--db", help="database (default: /tmp/trialfhir-bench-<studies>[-<corpus>]-s<schema>.sqlite)")
    parser.add_argument("--seconds", type=float, default=10)
    # a gthread worker accepts every pending connection at once: with few, one worker may get them all
    parser.add_argument("--clients", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--loader", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--baseline", type=Path, help="another source tree to serve the same database from")
    args = parser.parse_args()
    if args.resources == "sample":
        args.resources = None
    corpus = f"-{Path(args.resources).stem}" if args.resources else ""
    db = args.db or f"/tmp/trialfhir-bench-{args.studies}{corpus}-s{SCHEMA_VERSION}.sqlite"
    build(db, args.studies, templates(args.resources))
    ids = [f"NCT{n:08d}" for n in range(args.studies)]
    scenarios = {
        "read": [f"/ResearchStudy/{i}" for i in ids],
        "search status": [f"/ResearchStudy?status={s}" for s in STATUSES],
        "search identifier": [f"/ResearchStudy?identifier=http://clinicaltrials.gov|{i}" for i in ids],
        "search title:contains": [f"/ResearchStudy?title:contains={w}" for w in WORDS],
    }
    use_wrk = args.loader == "wrk" or (args.loader == "auto" and shutil.which("wrk"))
    measure = measure_wrk if use_wrk else measure_python
    sources = {"this tree": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    print(f"{args.studies} studies, {os.cpu_count()} cores, gunicorn {args.workers}x{args.threads} gthread, "
          f"{args.clients} keep-alive connections from {'wrk' if use_wrk else 'Python clients'}, "
          f"{args.seconds:.0f} s each")
    measured = {label: run_scenarios(source, db, scenarios, args, measure) for label, source in sources.items()}
    print(f"{'':24s}" + " | ".join(f"{label:52s}" for label in measured))
    for name in scenarios:
        print(f"{name:24s}" + " | ".join(f"{_cell(results[name]):52s}" for results, _ in measured.values()))
    print(f"{'server memory (RSS)':24s}" + " | ".join(f"{memory:.0f} MB".ljust(52) for _, memory in measured.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
