"""Bulk Data $export: kick-off (202 + Content-Location), status polling, NDJSON files.

A job is a folder under EXPORT_DIR: ``request.json`` when started, one ``<Type>.ndjson`` per type, and
``manifest.json`` once complete; the state lives on disk so any worker process can answer the polling.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_file

from adapter.server.auth import authorize
from adapter.server.context import base_url, get_store
from adapter.server.http import fhir_response
from adapter.server.outcome import FhirError
from adapter.store.values import BadValue, date_range, now_instant

exports = Blueprint("exports", __name__)
_JOB = re.compile(r"^[0-9a-f]{32}$")


def _export_dir() -> Path:
    folder = current_app.config.get("EXPORT_DIR") or Path(tempfile.gettempdir()) / "trialfhir-export"
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def _job_dir(job: str) -> Path:
    if not _JOB.match(job) or not (_export_dir() / job).is_dir():
        raise FhirError(404, f"no export job {job!r}")
    return _export_dir() / job


def _run(store, folder: Path, types: list[str], since: str | None, request_url: str, base: str) -> None:
    output = []
    for rtype in types:
        path = folder / f"{rtype}.ndjson"
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for content in store.iter_current(rtype, since):
                out.write(content + "\n")
                count += 1
        if count:
            output.append({"type": rtype, "url": f"{base}/$export-file/{folder.name}/{rtype}.ndjson",
                           "count": count})
        else:
            path.unlink()
    manifest = {"transactionTime": json.loads((folder / "request.json").read_text())["time"],
                "request": request_url, "requiresAccessToken": False, "output": output, "error": []}
    (folder / "manifest.tmp").write_text(json.dumps(manifest))
    (folder / "manifest.tmp").rename(folder / "manifest.json")


@exports.get("/$export")
def kick_off() -> Response:
    authorize("read", None)
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError(400, "$export needs the header Prefer: respond-async")
    fmt = request.args.get("_outputFormat", "application/fhir+ndjson")
    if fmt not in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        raise FhirError(400, f"_outputFormat {fmt!r} is not supported")
    store = get_store()
    types = [t for t in request.args.get("_type", ",".join(store.resource_types)).split(",") if t]
    unknown = [t for t in types if t not in store.resource_types]
    if unknown:
        raise FhirError(400, f"_type names types not served here: {unknown}")
    since = request.args.get("_since")
    if since:
        try:
            date_range(since)
        except BadValue as exc:
            raise FhirError(400, f"_since: {exc}") from None
    job = uuid.uuid4().hex
    folder = _export_dir() / job
    folder.mkdir()
    (folder / "request.json").write_text(json.dumps({"time": now_instant(), "url": request.url}))
    threading.Thread(target=_run, args=(store, folder, types, since, request.url, base_url()),
                     daemon=True).start()
    return Response(status=202, headers={"Content-Location": f"{base_url()}/$export-status/{job}"})


@exports.get("/$export-status/<job>")
def status(job: str) -> Response:
    folder = _job_dir(job)
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return Response(status=202, headers={"X-Progress": "in progress", "Retry-After": "1"})
    return Response(manifest.read_text(), status=200, content_type="application/json")


@exports.delete("/$export-status/<job>")
def cancel(job: str) -> Response:
    shutil.rmtree(_job_dir(job), ignore_errors=True)
    return fhir_response(None, 202)


@exports.get("/$export-file/<job>/<name>")
def output_file(job: str, name: str) -> Response:
    path = _job_dir(job) / name
    if not re.match(r"^[A-Za-z]+\.ndjson$", name) or not path.is_file():
        raise FhirError(404, f"no file {name!r} in export {job}")
    return send_file(path, mimetype="application/fhir+ndjson")
