"""Every record of the development corpus converts, and every resource it makes is valid R4."""
from collections import Counter

from adapter.errors import RecordError
from adapter.pipeline import convert_paths
from conftest import CTGOV


def test_whole_corpus_converts_without_errors():
    paths = sorted((CTGOV / "api_v2_json").glob("*.json")) + sorted((CTGOV / "legacy_xml").glob("*.xml"))
    assert len(paths) > 2000
    errors, kinds = [], Counter()
    for item in convert_paths(paths, validate=True):
        if isinstance(item, RecordError):
            errors.append(str(item))
        else:
            kinds.update(r["resourceType"] for r in item.resources)
    assert errors == []
    assert kinds["ResearchStudy"] == len(paths) == kinds["Group"] == kinds["PlanDefinition"]
    assert kinds["Location"] > 1000 and kinds["Organization"] > 1000
