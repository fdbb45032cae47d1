"""Resume state of a push: which studies landed with which content, written atomically after each batch."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import UsageError

VERSION = 1


def write_json_atomic(path: Path, data: dict) -> None:
    """Write beside the target and move into place, so a kill leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path | None) -> dict | None:
    if path is None or not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: unreadable state file: {e}") from None


class PushState:
    """Studies pushed to one server (their content hash): a rerun skips those whose content is unchanged."""

    def __init__(self, path: Path | None, target: str):
        self.path, self.target = path, target
        data = read_json(path) or {"version": VERSION, "to": target, "done": {}}
        if data.get("version") != VERSION or not isinstance(data.get("done"), dict):
            raise UsageError(f"{path}: not a trialfhir push state file")
        if data.get("to") != target:
            raise UsageError(f"{path}: this state file records a push to {data.get('to')}, not {target}")
        self.done: dict[str, str] = data["done"]

    def landed(self, key: str, digest: str) -> bool:
        return self.done.get(key) == digest

    def mark(self, key: str, digest: str) -> None:
        self.done[key] = digest

    def save(self) -> None:
        if self.path is not None:
            write_json_atomic(self.path, {"version": VERSION, "to": self.target, "done": self.done})
