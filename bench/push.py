"""Benchmark `push`: resources/s into a local FHIR engine, batched transactions beside one PUT per resource, and
the pusher's peak memory at 1,000 and 10,000 studies (flat when it streams).

The engine is the Medplum FHIR router in memory (tests/medplum; run `npm ci` there first). Studies are copies of
corpus records under new NCT ids, generated in a temporary directory.

    .venv/bin/python bench/push.py [--studies 200] [--repeat 3] [--memory 1000,10000]

Each side is timed --repeat times, alternating which goes first, after an untimed warm-up of both (the engine's
JIT would otherwise bill its warm-up to whichever runs first); the ratio is of the medians. Beside each run: the
CPU the pusher and the engine spent per resource, which stays readable on a busy machine.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "ctgov" / "api_v2_json"
HARNESS = ROOT / "tests" / "medplum"
sys.path.insert(0, str(ROOT))


def start_engine() -> tuple[str, subprocess.Popen]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["node", "--max-old-space-size=8192", "server.mjs", str(port)], cwd=HARNESS,
                            stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/fhir"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/metadata", timeout=1).close()
            return base, proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the Medplum engine did not start (npm ci in tests/medplum?)")


def reset(base: str):
    urllib.request.urlopen(urllib.request.Request(f"{base}/$reset", method="POST"), timeout=30).close()


def studies(n: int, folder: Path) -> list[Path]:
    """n registry files: corpus records round-robin, each under its own new NCT id."""
    sources = sorted(CORPUS.glob("*.json"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        data = json.loads(sources[i % len(sources)].read_text())
        nct = f"NCT8{i:07d}"
        data["protocolSection"]["identificationModule"]["nctId"] = nct
        path = folder / f"{nct}.json"
        path.write_text(json.dumps(data))
        out.append(path)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(base: str, engine: subprocess.Popen, ndjson: Path, resources: int, quiet: bool = False,
         **options) -> float:
    from adapter.push.command import push
    reset(base)
    started, ours, theirs = time.perf_counter(), time.process_time(), cpu_seconds(engine.pid)
    code = push([ndjson], base, progress=False, **options)
    elapsed = time.perf_counter() - started
    ours, theirs = time.process_time() - ours, cpu_seconds(engine.pid) - theirs
    if not quiet:
        print(f"  {str(options):<48} {resources / elapsed:9.1f} resources/s  ({elapsed:6.2f} s, exit {code}; "
              f"CPU per resource: pusher {1e3 * ours / resources:.3f} ms, engine {1e3 * theirs / resources:.3f} ms)",
              flush=True)
    return resources / elapsed


def side_by_side(base: str, engine: subprocess.Popen, ndjson: Path, resources: int, ids: str, repeat: int):
    rates: dict[str, list[float]] = {"transaction": [], "single": []}
    for i in range(repeat):
        for mode in ("transaction", "single")[::1 if i % 2 == 0 else -1]:
            rates[mode].append(rate(base, engine, ndjson, resources, ids=ids, mode=mode))
    batched, single = statistics.median(rates["transaction"]), statistics.median(rates["single"])
    spread = (f" (runs {min(rates['transaction']) / max(rates['single']):.1f}x to "
              f"{max(rates['transaction']) / min(rates['single']):.1f}x)" if repeat > 1 else "")
    print(f"  -> {ids} ids: transactions {batched / single:.1f}x one PUT per resource, medians "
          f"{batched:.0f} / {single:.0f} resources/s{spread}", flush=True)


def peak_rss_mb(base: str, paths: list[Path], tmp: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of a fresh process pushing ``paths`` (registry files: convert + push)."""
    reset(base)
    listing = tmp / "inputs.json"
    listing.write_text(json.dumps([str(p) for p in paths]))
    code = ("import json, resource, sys; from pathlib import Path; from adapter.push.command import push; "
            f"paths = [Path(p) for p in json.loads(Path({str(listing)!r}).read_text())]; "
            f"code = push(paths, {base!r}, ids='client', batch=4, progress=False); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, code)")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.split()
    return int(out[-2]) / 1024, time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=200, help="studies for the throughput runs (default 200)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each side (default 3)")
    ap.add_argument("--memory", default="1000,10000", help="study counts for the memory runs ('' to skip)")
    args = ap.parse_args()
    from adapter.errors import RecordError
    from adapter.pipeline import convert_paths
    from adapter.sinks.files import NdjsonStream

    # a SIGTERM ends the run through the finally below, so the engine does not outlive it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base, engine = start_engine()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            ndjson = tmp / "studies.ndjson"
            warm = tmp / "warm-up.ndjson"
            sink, first = NdjsonStream(ndjson, per_type=False), NdjsonStream(warm, per_type=False)
            for i, item in enumerate(convert_paths(studies(args.studies, tmp / "records"))):
                if not isinstance(item, RecordError):
                    sink.add(item.resources)
                    if i < 20:
                        first.add(item.resources)
            sink.close()
            first.close()
            resources = sum(1 for _ in ndjson.open())
            for ids in ("client", "conditional"):
                for mode in ("transaction", "single"):
                    rate(base, engine, warm, 1, quiet=True, ids=ids, mode=mode)
            print(f"throughput: {args.studies} studies, {resources} resources, Medplum engine in memory, "
                  f"median of {args.repeat}")
            for ids in ("client", "conditional"):
                side_by_side(base, engine, ndjson, resources, ids, args.repeat)
            sizes = [int(n) for n in args.memory.split(",") if n]
            if sizes:
                print("memory: peak RSS of the pushing process (registry files -> convert -> push)")
                for n in sizes:
                    mb, seconds = peak_rss_mb(base, studies(n, tmp / f"mem{n}"), tmp)
                    print(f"  {n:6d} studies  {mb:7.1f} MB peak  ({seconds:6.1f} s, {n / seconds:6.1f} studies/s)",
                          flush=True)
    finally:
        engine.terminate()
        engine.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
