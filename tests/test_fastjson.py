"""fastjson writes and reads exactly what the json module does, whatever the value."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.fastjson import dumps, loads

_leaves = (st.none() | st.booleans() | st.integers(min_value=-2**80, max_value=2**80)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text())
_values = st.recursive(_leaves, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_values, st.booleans())
def test_dumps_writes_json_dumps_text(value, sort_keys):
    assert dumps(value, sort_keys) == json.dumps(value, ensure_ascii=False, sort_keys=sort_keys,
                                                 separators=(",", ":"))


def _within_64_bits(value) -> bool:
    if isinstance(value, dict):
        return all(map(_within_64_bits, value.values()))
    if isinstance(value, list):
        return all(map(_within_64_bits, value))
    return not isinstance(value, int) or -2**63 <= value < 2**64


@settings(max_examples=200, deadline=None)
@given(_values.filter(_within_64_bits))
def test_loads_reads_what_json_loads_reads(value):
    text = json.dumps(value, ensure_ascii=False)
    assert repr(loads(text)) == repr(json.loads(text))


def test_loads_reads_an_integer_beyond_64_bits_as_a_float():
    assert loads("[18446744073709551616, -9223372036854775809]") == [2.0**64, -2.0**63]
