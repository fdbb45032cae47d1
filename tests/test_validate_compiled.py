"""The generated yes/no check of the one-pass validator agrees with the walk that reports the problems: it accepts
every resource we emit, and on thousands of randomly broken ones it says "valid" exactly when the walk finds
nothing to report (so ``element_issues`` reports the same, in the same order, as the walk alone)."""
import copy
import random
from pathlib import Path

import pytest

from adapter.errors import RecordError
from adapter.pipeline import convert_paths
from adapter.validate import R4, R5
from adapter.validate import elements
from adapter.validate.elements import conforms, element_issues, reported_issues
from adapter.validate.shapes import shape
from conftest import CTGOV, SHARED
from test_fhir_r5_mapping import r5_definitions  # noqa: F401  (a fixture)

PATHS = (sorted((CTGOV / "api_v2_json").glob("*.json"))[:25] + sorted((CTGOV / "legacy_xml").glob("*.xml"))[:25]
         + sorted((SHARED / "seeds").glob("*.txt")))
MUTANTS = 1500
# values of every JSON type, and strings that break one format or another
VALUES = [None, 0, 1, -1, 0.5, 2**31, True, False, "", " ", "x", "x y", "2020-13", "2020-01-01", "bogus-code",
          "active", "http://example.org/x", "bad uri", "a" * 70, [], [{}], {}, {"url": "http://x", "valueCode": "c"}]


def _resources(version: str) -> list[dict]:
    converted = convert_paths([Path(p) for p in PATHS], validate=False, fhir_version=version)
    return [r for c in converted if not isinstance(c, RecordError) for r in c.resources]


def _verdicts(resource, version: str):
    """(the generated check's verdict, the reporting walk's problems, or the exception it raised)."""
    rtype = resource["resourceType"]
    root = shape(rtype, rtype, version)
    try:
        reported = reported_issues(resource, root, rtype)
    except Exception as e:          # a resource the walk cannot read: the generated check must not accept it
        reported = e
    return conforms(root)(resource), reported


def _mutate(resource: dict, rng: random.Random, pool: list[dict]):
    """Break one element of the resource at random (in place)."""
    paths, todo = [], [((), resource)]
    while todo:
        path, node = todo.pop()
        paths.append((path, node))
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        todo += [(path + (k,), v) for k, v in children]
    path, node = rng.choice([(p, n) for p, n in paths[1:] if p != ("resourceType",)])
    parent = resource
    for step in path[:-1]:
        parent = parent[step]
    key, how = path[-1], rng.randrange(8)
    if how == 0 and isinstance(parent, dict):
        del parent[key]                                          # a missing (maybe required) element
    elif how == 1:
        parent[key] = [node] if not isinstance(node, list) else node[0] if node else None  # array <-> single
    elif how == 2 and isinstance(node, dict):
        node[rng.choice(["colour", "_colour", "_" + next(iter(node), "x"), "resourceType", "valueFoo"])] = {}
    elif how == 3 and isinstance(node, dict):
        node["contained"] = [_mutate(copy.deepcopy(rng.choice(pool)), rng, pool)]   # a broken contained resource
    elif how == 4 and isinstance(node, dict) and "code" in node:
        node["code"] = rng.choice(["bogus", "active", "phase-2", "male"])           # a code outside its binding
    else:
        parent[key] = copy.deepcopy(rng.choice(VALUES))         # a wrong JSON type or a badly formed value
    return resource


@pytest.mark.parametrize("version", [R4, R5])
def test_generated_check_agrees_with_the_reporting_walk(version, request):
    if version == R5:
        request.getfixturevalue("r5_definitions")
    pool = _resources(version)
    assert len(pool) > 300
    for resource in pool:
        assert _verdicts(resource, version) == (True, []), resource["id"]
    rng = random.Random(20240611)
    broken = 0
    for _ in range(MUTANTS):
        resource = _mutate(copy.deepcopy(rng.choice(pool)), rng, pool)
        fine, reported = _verdicts(resource, version)
        assert fine == (reported == []), (resource, reported)
        if not fine and not isinstance(reported, Exception):
            assert element_issues(resource, version) == reported
            broken += 1
    assert broken > MUTANTS // 2


def test_remembered_values_are_bounded(monkeypatch):
    """The valid values remembered to skip a regex start over when there are too many; still all valid."""
    monkeypatch.setattr(elements, "_SEEN_MAX", 3)
    pool = _resources(R4)[:200]
    for resource in pool:
        assert element_issues(resource, R4) == []
    broken = {**pool[0], "meta": {"lastUpdated": "2020-13-01"}}
    assert element_issues(broken, R4) == [f"{pool[0]['resourceType']}.meta.lastUpdated: '2020-13-01' is not a "
                                          "valid instant"]
