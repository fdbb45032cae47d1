"""`trialfhir eligibility`: read plain criteria text files, write one R4 eligibility Group JSON per file."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..errors import EXIT_OK, EXIT_RECORD_FAILED, EXIT_USAGE, FormatError, RecordError
from . import parse_criteria


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RecordError(f"cannot read file: {e.strerror or e}", file=str(path)) from e
    if b"\x00" in data[:8192]:
        raise FormatError("binary file, not criteria text", file=str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def group_id(stem: str) -> str:
    """A HAPI-safe resource id from a file stem."""
    gid = re.sub(r"[^A-Za-z0-9\-.]", "-", stem)[:64].strip("-.") or "group"
    return gid if not gid.isdigit() else f"g-{gid}"


def group(text: str, gid: str) -> dict:
    """One R4 Group (person, not actual) holding every criterion of ``text``."""
    from ..fhir.r4.characteristic import characteristics
    return {"resourceType": "Group", "id": gid, "type": "person", "actual": False,
            "characteristic": characteristics(parse_criteria(text))}


def run(files: list[Path], out_dir: Path) -> int:
    """Write OUT_DIR/<stem>.json for each file; 1 when any file failed (each failure named on stderr)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"eligibility: cannot create output directory {out_dir}: {e.strerror or e}", file=sys.stderr)
        return EXIT_RECORD_FAILED
    status = EXIT_OK
    for path in files:
        try:
            resource = group(_read_text(path), group_id(path.stem))
            (out_dir / f"{path.stem}.json").write_text(json.dumps(resource, ensure_ascii=False, indent=1) + "\n",
                                                       encoding="utf-8")
        except RecordError as e:
            print(f"eligibility: {e}", file=sys.stderr)
            status = EXIT_RECORD_FAILED
        except Exception as e:      # one bad file never stops the others
            print(f"eligibility: {path}: {type(e).__name__}: {e}", file=sys.stderr)
            status = EXIT_RECORD_FAILED
    return status


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="trialfhir eligibility", description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", required=True, type=Path, help="directory for the <stem>.json Groups")
    ap.add_argument("files", nargs="+", type=Path, metavar="FILE", help="plain criteria text files")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    return run(args.files, args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
