"""JSON by orjson where it gives the json module's own result (3-4x faster), by json elsewhere."""
from __future__ import annotations

import json

import orjson


def loads(text: str | bytes):
    """json.loads' result; json decides what orjson refuses (NaN, huge integers, lone surrogates) and words
    the errors (json.JSONDecodeError with line and column)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps(value, sort_keys: bool = False) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))``. orjson writes the
    same text, except for a float under 1e-4 (0.00001 where json writes 1e-05) and NaN (null where json writes
    NaN): a text that may hold either is made by json."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except (TypeError, orjson.JSONEncodeError):
        text = None
    if text is None or b"0.0000" in text or b"null" in text:
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))
    return text.decode("utf-8")
