"""Reader for canonical TrialRecord files kept by local registries: JSON (one, a list, or {"trials": [...]}) or CSV.

A CSV file has one trial per row. Its columns are TrialRecord field names, with these flat forms:
``nct_id``, ``org_study_id``, ``secondary_ids`` (``;``-separated), ``phases`` ("Phase 1/Phase 2"),
design fields by name (``study_type``, ``allocation``, ``intervention_model``, ``masking``, ``primary_purpose``),
``conditions``/``keywords``/``collaborators`` (``;``-separated), ``interventions`` ("Drug: Name; Device: Name"),
eligibility fields by name (``criteria``, ``sex``, ``minimum_age``, ``maximum_age``, ``healthy_volunteers``),
``sponsor``, ``contact_name``/``contact_phone``/``contact_email``, and dates (``start_date``, ``completion_date``,
``primary_completion_date``). Unknown columns are reported as dropped, never silently lost.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from marshmallow import ValidationError

from ..errors import FormatError, RecordError
from ..record import TrialRecord
from .canonical_schema import TrialRecordSchema

FORMATS = ("trialrecord-json", "trialrecord-csv")
_SCHEMA = TrialRecordSchema()
_KNOWN = set(_SCHEMA.fields)
_DESIGN = {"study_type", "allocation", "intervention_model", "observational_model", "time_perspective", "masking",
           "primary_purpose"}
_ELIGIBILITY = {"criteria", "sex", "minimum_age", "maximum_age", "healthy_volunteers", "gender_description",
                "study_population", "sampling_method"}
_LISTS = {"keywords"}
_CSV_HEADER_HINTS = {"id", "nct_id", "brief_title", "org_study_id"}


def sniff(head: bytes, name: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return b'"protocolSection"' not in head and any(
            k in head for k in (b'"brief_title"', b'"nct_id"', b'"identifiers"', b'"trials"'))
    first_line = text.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    columns = {c.strip().strip('"') for c in first_line.split(",")}
    return len(columns & _CSV_HEADER_HINTS) >= 1 and len(columns) >= 2


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _row_to_json(row: dict[str, str]) -> tuple[dict, list[str]]:
    """A CSV row in the JSON shape of TrialRecordSchema, and the columns with content nobody reads."""
    out: dict = {"identifiers": [], "design": {}, "eligibility": {}}
    dropped = []
    for column, raw in row.items():
        value = (raw or "").strip()
        if column is None or not value:
            if column is None and raw:
                dropped.append("(values beyond the header)")
            continue
        key = column.strip().lower()
        if key == "nct_id":
            out["nct_id"] = value
        elif key == "org_study_id":
            out["identifiers"].append({"value": value, "kind": "org"})
        elif key == "secondary_ids":
            out["identifiers"] += [{"value": v} for v in _split(value)]
        elif key in _DESIGN:
            out["design"][key] = value
        elif key in _ELIGIBILITY:
            out["eligibility"][key] = value
        elif key == "conditions":
            out["conditions"] = [{"text": v} for v in _split(value)]
        elif key in _LISTS:
            out[key] = _split(value)
        elif key == "sponsor":
            out["sponsor"] = {"name": value}
        elif key == "collaborators":
            out["collaborators"] = [{"name": v} for v in _split(value)]
        elif key == "interventions":
            out["interventions"] = [_intervention(v) for v in _split(value)]
        elif key in ("contact_name", "contact_phone", "contact_email"):
            out.setdefault("central_contacts", [{}])[0][key.split("_", 1)[1]] = value
        elif key in _KNOWN:
            out[key] = value
        else:
            dropped.append(column)
    if "healthy_volunteers" in out["eligibility"]:
        out["eligibility"]["healthy_volunteers"] = out["eligibility"]["healthy_volunteers"].lower() in ("yes", "true", "1")
    return out, dropped


def _intervention(text: str) -> dict:
    kind, sep, name = text.partition(":")
    return {"type": kind.strip(), "name": name.strip()} if sep and name.strip() else {"name": text}


def _load(doc, file: str, label: str, dropped: list[str]) -> TrialRecord | RecordError:
    if not isinstance(doc, dict):
        return RecordError("a trial must be a JSON object", file=file, record=label)
    try:
        record = _SCHEMA.load(doc)
    except ValidationError as e:
        field, message = _first_error(e.messages)
        record_id = doc.get("id") or doc.get("nct_id") or label
        return RecordError(message, file=file, record=str(record_id), field=field)
    record.dropped = dropped + [k for k in doc if k not in _KNOWN]
    return record


def _first_error(messages, path: str = "") -> tuple[str, str]:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path) if not isinstance(messages[0], str) else (path, messages[0])
    return path, str(messages)


def read(data: bytes, file: str, scan_dropped: bool = True) -> Iterator[TrialRecord | RecordError]:
    text = data.decode("utf-8-sig", errors="replace")
    if text.lstrip()[:1] in ("{", "["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            yield FormatError(f"malformed JSON at line {e.lineno} column {e.colno}: {e.msg}", file=file)
            return
        trials = doc.get("trials") if isinstance(doc, dict) and "trials" in doc else doc
        for n, trial in enumerate(trials if isinstance(trials, list) else [trials]):
            yield _load(trial, file, f"#{n + 1}", [])
        return
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as e:
        yield FormatError(f"malformed CSV: {e}", file=file)
        return
    for n, row in enumerate(rows, start=2):
        doc, dropped = _row_to_json(row)
        item = _load(doc, file, f"row {n}", dropped)
        if isinstance(item, TrialRecord):
            item.source_format = "trialrecord-csv"
        yield item
