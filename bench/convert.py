"""Benchmark `convert`: studies/s per core for v2 JSON and XML, and peak memory at 1x and 5x the input.

Prints, side by side in one run: reading alone (the baseline), conversion without validation, conversion
with validation (what `trialfhir convert` does by default), and that with `--report`'s dropped-field scan.
Memory is measured in a fresh process per size converting to NDJSON on disk, so a streaming pipeline shows the
same peak at 1x and 5x.

    .venv/bin/python bench/convert.py [--limit N] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "ctgov"
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(paths: list[Path], stage) -> tuple[float, float, int, int]:
    """(records per CPU second, wall seconds, records, failed) of one pass."""
    from adapter.errors import RecordError
    wall, cpu = time.perf_counter(), _cpu()
    n = failed = 0
    for item in stage(paths):
        n += 1
        failed += isinstance(item, RecordError)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return (n / cpu if cpu else float("inf")), wall, n, failed


def rates(paths: list[Path], stages: dict, repeat: int) -> dict[str, float]:
    """The median of ``repeat`` passes of each stage. The stages take turns, pass by pass, so a machine whose
    speed drifts (a shared VM does) slows them alike rather than whichever runs last."""
    runs: dict[str, list] = {label: [] for label in stages}
    for _ in range(repeat):
        for label, stage in stages.items():
            runs[label].append(_timed(paths, stage))
    out = {}
    for label, passes in runs.items():
        per_core, wall, n, failed = sorted(passes)[len(passes) // 2]
        spread = f", runs {min(p[0] for p in passes):.0f}-{max(p[0] for p in passes):.0f}" if repeat > 1 else ""
        print(f"  {label:<30} {n:6d} records  {wall:7.2f} s wall  {per_core:8.1f} studies/s per core"
              f"  ({failed} failed{spread})")
        out[label] = per_core
    return out


def peak_rss_mb(paths: list[Path], copies: int) -> float:
    """Peak RSS of a child process converting ``copies`` x the input to NDJSON."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "inputs.txt"
        listing.write_text("\n".join(str(p) for p in paths * copies))
        code = ("import resource; from pathlib import Path; from adapter.cli import main; "
                f"files = Path({str(listing)!r}).read_text().split(chr(10)); "
                f"main(['convert', *files, '--bundle', 'ndjson', '-o', {tmp + '/out/'!r}]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return int(out.split()[-1]) / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="records per format (default: all)")
    ap.add_argument("--repeat", type=int, default=5,
                    help="timed passes per figure, taken in turns, median shown (default 5: a shared VM's speed "
                         "can drift by tens of percent within a minute)")
    args = ap.parse_args()
    from adapter.pipeline import convert_paths
    from adapter.sources import read_path

    def read_only(paths):
        for p in paths:
            yield from read_path(p, scan_dropped=False)

    print(f"trialfhir convert benchmark on {os.cpu_count()} cores (figures are per core: records / CPU second)")
    # start-up is timed on its own: loading the official definitions, lexicons and compiled patterns once
    first = sorted((CORPUS / "api_v2_json").glob("*.json"))[:1] + sorted((CORPUS / "legacy_xml").glob("*.xml"))[:1]
    started = _cpu()
    for _ in convert_paths(first, validate=True):
        pass
    print(f"start-up (definitions, lexicons; once per process): {_cpu() - started:.2f} s CPU")
    for fmt, folder, pattern in (("ClinicalTrials.gov v2 JSON", "api_v2_json", "*.json"),
                                 ("ClinicalTrials.gov XML", "legacy_xml", "*.xml")):
        paths = sorted((CORPUS / folder).glob(pattern))
        if args.limit:
            paths = paths[:args.limit]
        print(f"\n{fmt} ({len(paths)} files)")
        base, plain, full, reported = rates(paths, {
            "read only (baseline)": read_only,
            "convert, no validation": lambda ps: convert_paths(ps, validate=False, report=False),
            "convert + validation": lambda ps: convert_paths(ps, validate=True, report=False),
            "convert + validation + report": lambda ps: convert_paths(ps, validate=True, report=True)},
            args.repeat).values()
        print(f"  validation costs {plain / full:.2f}x, --report {full / reported:.2f}x; reading is "
              f"{base / full:.1f}x faster than the whole pipeline; target >= 300 studies/s per core (convert + "
              f"validation, the default): {'met' if full >= 300 else 'NOT met'}")
    paths = sorted((CORPUS / "api_v2_json").glob("*.json"))[: args.limit or None]
    one, five = peak_rss_mb(paths, 1), peak_rss_mb(paths, 5)
    print(f"\npeak RSS converting v2 JSON to NDJSON: 1x ({len(paths)} records) {one:.0f} MB, "
          f"5x ({5 * len(paths)} records) {five:.0f} MB; target flat and < 300 MB: "
          f"{'met' if five < 300 and five < one * 1.2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
