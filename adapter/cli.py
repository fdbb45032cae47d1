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
    from .pipeline import convert_paths
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
        for item in _progress(convert_paths(paths, args.fmt, validate=not args.no_validate,
                                            fhir_version=args.fhir_version, report=report is not None), "convert"):
            if isinstance(item, RecordError):
                failures.append(item)
                print(f"error: {item}", file=sys.stderr)
                continue
            converted += 1
            sink.add(item.resources)
            record = item.record
            for w in record.warnings:
                print(f"warning: {record.source}: record {record.id}: {w}", file=sys.stderr)
            if report:
                lost = record.dropped + [f"record.{f}" for f in item.unmapped]
                dropped.update(lost)
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
            problems = issues(resource, args.fhir_version, thorough=True)
            if problems:
                invalid += 1
                rid = resource.get("id", "?") if isinstance(resource, dict) else "?"
                for p in problems:
                    print(f"invalid: {label} ({rid}): {p}", file=sys.stderr)
    print(f"validate: {checked} resources checked, {invalid} invalid", file=sys.stderr)
    return EXIT_RECORD_FAILED if invalid else EXIT_OK


def _converted_resources(paths, fmt, failures: list, desc: str, fhir_version: str):
    """Resources of every record that converts; errors are printed and collected in ``failures``."""
    from .pipeline import convert_paths

    for item in _progress(convert_paths(paths, fmt, fhir_version=fhir_version, report=False), desc):
        if isinstance(item, RecordError):
            failures.append(item)
            print(f"error: {item}", file=sys.stderr)
        else:
            yield from item.resources


def cmd_load(args) -> int:
    from .store.command import load, open_store

    paths = _existing(args.inputs)
    failures: list[RecordError] = []
    summary = load(open_store(args.db, args.fhir_version),
                   _converted_resources(paths, args.fmt, failures, "load", args.fhir_version))
    print(f"load: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged; "
          f"{len(failures)} records failed", file=sys.stderr)
    return EXIT_RECORD_FAILED if failures else EXIT_OK


SAMPLES = Path(__file__).resolve().parent / "samples"


def cmd_serve(args) -> int:
    import tempfile

    from .server.command import serve
    from .store.command import load, open_store

    inputs = _existing(args.load or [])
    with tempfile.TemporaryDirectory(prefix="trialfhir-") as tmp:
        db = args.db
        if db is None:
            # no database named: an embedded one for this run, holding the bundled sample trials
            db = str(Path(tmp) / "samples.sqlite")
            inputs = sorted(SAMPLES.glob("*.json")) + inputs
        if inputs:
            failures: list[RecordError] = []
            summary = load(open_store(db, args.fhir_version),
                           _converted_resources(inputs, None, failures, "load", args.fhir_version))
            print(f"serve: loaded {summary.total} resources ({len(failures)} records failed)", file=sys.stderr)
        print(f"serve: FHIR {args.fhir_version} server at http://{args.host}:{args.port}/ (Ctrl-C stops)",
              file=sys.stderr)
        return serve(db, args.host, args.port, args.fhir_version)


def cmd_eligibility(args) -> int:
    from .eligibility.command import run
    return run(_existing(args.files), Path(args.out_dir))


def _push_connection(args) -> dict:
    import os

    from .push.auth import from_options
    auth = from_options(args.to, token=args.token or os.environ.get("TRIALFHIR_FHIR_TOKEN"),
                        basic_credentials=args.basic or os.environ.get("TRIALFHIR_FHIR_BASIC"),
                        smart_client_id=args.smart_client_id, smart_key=args.smart_key, smart_kid=args.smart_kid,
                        smart_alg=args.smart_alg, smart_scope=args.smart_scope, smart_token_url=args.smart_token_url)
    return {"auth": auth, "batch": args.batch, "ids": args.ids, "mode": args.mode, "timeout": args.timeout,
            "attempts": args.attempts}


def cmd_push(args) -> int:
    from .push.command import push
    return push(_existing(args.inputs), args.to, dry_run=args.dry_run, changed_only=args.changed_only,
                state_file=Path(args.state) if args.state else None, fmt=args.fmt, validate=not args.no_validate,
                fhir_version=args.fhir_version, **_push_connection(args))


def cmd_fetch(args) -> int:
    from .registry_api.command import fetch
    return fetch(args.nct_ids, args.query, Path(args.output), api_base=args.api_base, rate=args.rate)


def cmd_sync(args) -> int:
    from .registry_api.command import sync
    return sync(args.query, args.to, Path(args.state), out_dir=Path(args.output) if args.output else None,
                api_base=args.api_base, rate=args.rate, **_push_connection(args))


R4, R5 = "4.0.1", "5.0.0"


def _fhir_version_option(p: argparse.ArgumentParser):
    p.add_argument("--fhir-version", choices=(R4, R5), default=R4, help="FHIR version to write (default 4.0.1)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trialfhir", description="Publish clinical-trial registry records as FHIR.")
    parser.add_argument("--version", action="version", version=f"trialfhir {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert registry records to FHIR R4 (or R5) resources")
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
    _fhir_version_option(p)
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("load", help="convert records and upsert them into the server's store (idempotent, versioned)")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="registry files or directories")
    p.add_argument("--db", metavar="URL", help="SQLite path or sqlite:///…, postgresql://… URL "
                                              "(default $TRIALFHIR_DB or ./trialfhir.sqlite)")
    p.add_argument("--from", dest="fmt", metavar="FORMAT", help="force the input format instead of detecting it")
    _fhir_version_option(p)
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("serve", help="serve a store over the FHIR R4 REST API "
                                     "(no --db: the bundled sample trials, in a throwaway embedded database)")
    p.add_argument("--db", metavar="URL", help="SQLite path or postgresql://… URL of the store to serve")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--load", nargs="+", metavar="INPUT", help="convert and load these records before serving")
    _fhir_version_option(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("validate", help="validate FHIR R4 (or R5) JSON resources, Bundles or NDJSON files")
    p.add_argument("files", nargs="+", metavar="FILE")
    _fhir_version_option(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("eligibility", help="parse plain criteria text files into R4 eligibility Groups")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="writes DIR/<stem>.json per input file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_eligibility)
    # ---- push, fetch, sync (adapter/push, adapter/registry_api)
    def server_options(p):
        p.add_argument("--to", required=True, metavar="BASE_URL", help="the FHIR server's base URL")
        p.add_argument("--batch", type=int, default=20, metavar="N", help="studies per transaction (default 20)")
        p.add_argument("--ids", choices=("conditional", "client"), default="conditional",
                       help="conditional update on the identifier (default) or PUT on our deterministic ids")
        p.add_argument("--mode", choices=("transaction", "batch", "single"),
                       help="force the kind of request (default: the best the server's CapabilityStatement offers)")
        p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS", help="per request (default 120)")
        p.add_argument("--attempts", type=int, default=5, help="tries per request on 429/5xx/network errors")
        p.add_argument("--token", help="bearer token (or $TRIALFHIR_FHIR_TOKEN)")
        p.add_argument("--basic", metavar="USER:PASSWORD", help="HTTP basic auth (or $TRIALFHIR_FHIR_BASIC)")
        p.add_argument("--smart-client-id", help="SMART Backend Services client id")
        p.add_argument("--smart-key", metavar="PEM", help="private key signing the client assertion")
        p.add_argument("--smart-kid", help="key id (kid) of that key in the registered JWKS")
        p.add_argument("--smart-alg", choices=("RS384", "ES384"), default="RS384")
        p.add_argument("--smart-scope", default="system/*.read system/*.write")
        p.add_argument("--smart-token-url", help="token endpoint (default: from .well-known/smart-configuration)")

    def registry_options(p):
        p.add_argument("--api-base", default="https://clinicaltrials.gov/api/v2", metavar="URL",
                       help="ClinicalTrials.gov API v2 base URL")
        p.add_argument("--rate", type=float, default=3.0, help="requests per second at most (default 3)")

    p = sub.add_parser("push", help="push records (or our Bundles/NDJSON) into a FHIR server, idempotently")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="registry files, Bundles or NDJSON, or directories")
    server_options(p)
    p.add_argument("--dry-run", action="store_true", help="send nothing; report what would be sent")
    p.add_argument("--changed-only", action="store_true", help="skip resources the server has with the same content")
    p.add_argument("--state", metavar="FILE", help="resume file: studies already pushed are skipped on a rerun")
    p.add_argument("--from", dest="fmt", metavar="FORMAT", help="force the registry input format")
    p.add_argument("--no-validate", action="store_true", help="skip validating converted resources")
    _fhir_version_option(p)
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("fetch", help="download ClinicalTrials.gov studies as API v2 JSON files")
    p.add_argument("nct_ids", nargs="*", metavar="NCT", help="NCT ids (or use --query)")
    p.add_argument("--query", metavar="TERMS", help="every study a search for TERMS finds")
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="writes DIR/<NCT id>.json (default .)")
    registry_options(p)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("sync", help="fetch the studies of a search updated since the last sync and push them")
    p.add_argument("--query", required=True, metavar="TERMS")
    p.add_argument("--state", required=True, metavar="FILE", help="remembers the newest update date seen")
    p.add_argument("-o", "--output", metavar="DIR", help="keep the fetched files in DIR")
    server_options(p)
    registry_options(p)
    p.set_defaults(func=cmd_sync)
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
