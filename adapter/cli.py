"""The trialfhir command line: parses arguments and hands each command to its stage."""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from . import __version__
from .errors import EXIT_OK, EXIT_RECORD_FAILED, EXIT_USAGE, RecordError, UsageError


def _existing(paths: list[str]) -> list[Path]:
    out = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(sorted(f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif path.exists():
            out.append(path)
        else:
            raise UsageError(f"{p}: no such file or directory")
    return out


def _progress(iterable, desc: str):
    from tqdm import tqdm
    # shown on a terminal only, so logs and pipes stay clean
    return tqdm(iterable, desc=desc, unit=" records", file=sys.stderr, disable=None, leave=False)


def cmd_convert(args) -> int:
    from .pipeline import Converted, convert_paths
    from .sinks.files import open_sink

    paths = _existing(args.inputs)
    if args.fmt:
        from .sources import reader_for
        reader_for(args.fmt)
    sink = open_sink(args.bundle, args.output)
    report = open(args.report, "w", encoding="utf-8") if args.report else None
    converted, failures, dropped = 0, [], Counter()
    ok = False
    try:
        for item in _progress(convert_paths(paths, args.fmt, validate=not args.no_validate), "convert"):
            if isinstance(item, RecordError):
                failures.append(item)
                print(f"error: {item}", file=sys.stderr)
                continue
            converted += 1
            sink.add(item.resources)
            record = item.record
            lost = record.dropped + [f"record.{f}" for f in item.unmapped]
            dropped.update(lost)
            for w in record.warnings:
                print(f"warning: {record.source}: record {record.id}: {w}", file=sys.stderr)
            if report:
                report.write(json.dumps({"file": record.source, "record": record.id, "format": record.source_format,
                                         "resources": [f"{r['resourceType']}/{r['id']}" for r in item.resources],
                                         "dropped": lost, "warnings": record.warnings},
                                        ensure_ascii=False) + "\n")
        ok = True
    finally:
        sink.close(ok)
        if report:
            report.close()
    print(f"convert: read {converted + len(failures)} records, converted {converted}, failed {len(failures)}",
          file=sys.stderr)
    if args.report and dropped:
        print("source fields not carried into FHIR (records affected):", file=sys.stderr)
        for field, n in dropped.most_common(args.report_top):
            print(f"  {n:6d}  {field}", file=sys.stderr)
    return EXIT_RECORD_FAILED if failures else EXIT_OK


def _resources_in(path: Path):
    """(label, resource) for each resource of a JSON resource, a Bundle, or an NDJSON file."""
    text = path.read_text(encoding="utf-8")
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for n, doc in enumerate(docs, start=1):
        label = f"{path}" + (f":{n}" if len(docs) > 1 else "")
        yield label, doc
        if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
            for i, entry in enumerate(doc.get("entry", [])):
                if "resource" in entry:
                    yield f"{label}: entry[{i}]", entry["resource"]


def cmd_validate(args) -> int:
    from .validate import issues

    checked = invalid = 0
    for path in _existing(args.files):
        try:
            items = list(_resources_in(path))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            print(f"error: {path}: not FHIR JSON or NDJSON: {e}", file=sys.stderr)
            invalid += 1
            continue
        for label, resource in items:
            checked += 1
            problems = issues(resource)
            if problems:
                invalid += 1
                rid = resource.get("id", "?") if isinstance(resource, dict) else "?"
                for p in problems:
                    print(f"invalid: {label} ({rid}): {p}", file=sys.stderr)
    print(f"validate: {checked} resources checked, {invalid} invalid", file=sys.stderr)
    return EXIT_RECORD_FAILED if invalid else EXIT_OK


def _converted_resources(paths, fmt, failures: list, desc: str):
    """Resources of every record that converts; errors are printed and collected in ``failures``."""
    from .pipeline import convert_paths

    for item in _progress(convert_paths(paths, fmt), desc):
        if isinstance(item, RecordError):
            failures.append(item)
            print(f"error: {item}", file=sys.stderr)
        else:
            yield from item.resources


def cmd_load(args) -> int:
    from .store.command import load, open_store

    paths = _existing(args.inputs)
    failures: list[RecordError] = []
    summary = load(open_store(args.db), _converted_resources(paths, args.fmt, failures, "load"))
    print(f"load: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged; "
          f"{len(failures)} records failed", file=sys.stderr)
    return EXIT_RECORD_FAILED if failures else EXIT_OK


def cmd_eligibility(args) -> int:
    from .eligibility.command import run
    return run(_existing(args.files), Path(args.out_dir))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialfhir", description="Publish clinical-trial registry records as FHIR.")
    parser.add_argument("--version", action="version", version=f"trialfhir {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert registry records to FHIR R4 resources")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="registry files or directories")
    p.add_argument("-o", "--output", metavar="FILE|DIR",
                   help="output file, or directory (exists or ends with /) for a file per record; default stdout")
    p.add_argument("--bundle", choices=("transaction", "collection", "ndjson"), default="transaction",
                   help="transaction Bundle (conditional updates, default), collection Bundle, or NDJSON")
    p.add_argument("--from", dest="fmt", metavar="FORMAT", help="force the input format instead of detecting it")
    p.add_argument("--report", metavar="FILE",
                   help="write a JSON line per record: resources made, source fields dropped, warnings")
    p.add_argument("--report-top", type=int, default=25, help="dropped fields listed in the summary (default 25)")
    p.add_argument("--no-validate", action="store_true", help="skip validating each resource (faster)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("load", help="convert records and upsert them into the server's store (idempotent, versioned)")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="registry files or directories")
    p.add_argument("--db", metavar="URL", help="SQLite path or sqlite:///…, postgresql://… URL "
                                              "(default $TRIALFHIR_DB or ./trialfhir.sqlite)")
    p.add_argument("--from", dest="fmt", metavar="FORMAT", help="force the input format instead of detecting it")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("validate", help="validate FHIR R4 JSON resources, Bundles or NDJSON files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("eligibility", help="parse plain criteria text files into R4 eligibility Groups")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="writes DIR/<stem>.json per input file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_eligibility)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        return args.func(args)
    except UsageError as e:
        print(f"trialfhir: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trialfhir: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
