"""JSON decoding by orjson where it gives json.loads' own result (about 3x faster), json.loads elsewhere."""
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
