"""Benchmark the eligibility engine: criteria per second per core over the LCT and Chia criteria texts.

Prints, in the same run, the split-only rate (baseline: what reading the text structure alone costs) beside the
full parse (split + every fact reader) and the full parse with FHIR shaping.  Figures only; nothing is asserted.
Usage: python bench/eligibility.py [--repeat N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from adapter.eligibility import parse_criteria  # noqa: E402
from adapter.eligibility.split import split  # noqa: E402
from adapter.fhir.r4.characteristic import characteristics  # noqa: E402

SHARED = REPO.parent / "shared"


def documents() -> list[str]:
    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "eval" / "lct").glob("*.txt"))]
    chia = SHARED / "eval" / "chia"
    for inc in sorted(chia.glob("*_inc.txt")):
        exc = inc.with_name(inc.name.replace("_inc", "_exc"))
        docs.append("Inclusion Criteria:\n" + inc.read_text(encoding="utf-8", errors="replace") +
                    "\nExclusion Criteria:\n" + (exc.read_text(encoding="utf-8", errors="replace") if exc.exists() else ""))
    return docs


def rate(label: str, fn, docs: list[str], n_criteria: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for d in docs:
            fn(d)
        best = min(best, time.perf_counter() - start)
    per_s = n_criteria / best
    print(f"{label:<28} {best:7.2f} s  {per_s:10,.0f} criteria/s per core")
    return per_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measure; the best is reported")
    args = ap.parse_args()
    docs = documents()
    parse_criteria(docs[0])         # load the lexicon and compile patterns outside the timing
    n = sum(len(split(d)) for d in docs)
    print(f"{len(docs)} documents, {n} criteria (LCT + Chia), one process = one core, best of {args.repeat}")
    base = rate("split only (baseline)", split, docs, n, args.repeat)
    full = rate("full parse", parse_criteria, docs, n, args.repeat)
    rate("full parse + R4 JSON", lambda d: characteristics(parse_criteria(d)), docs, n, args.repeat)
    print(f"fact reading costs {base / full:.1f}x the split alone; target >= 5,000 criteria/s per core")


if __name__ == "__main__":
    main()
