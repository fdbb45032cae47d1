"""Every record of the development corpus converts, and every resource it makes is valid R4."""
from collections import Counter

from adapter.errors import RecordError
from adapter.pipeline import convert_paths
from adapter.validate.structure import structure_issues
from conftest import CTGOV


def test_whole_corpus_converts_without_errors():
    paths = sorted((CTGOV / "api_v2_json").glob("*.json")) + sorted((CTGOV / "legacy_xml").glob("*.xml"))
    assert len(paths) > 2000
    errors, kinds, second_opinion = [], Counter(), []
    for item in convert_paths(paths, validate=True):
        if isinstance(item, RecordError):
            errors.append(str(item))
        else:
            kinds.update(r["resourceType"] for r in item.resources)
            # convert validated with the one-pass checker; fhirclient's strict models must agree
            second_opinion += [p for r in item.resources for p in structure_issues(r)]
    assert errors == []
    assert second_opinion == []
    assert kinds["ResearchStudy"] == len(paths) == kinds["Group"] == kinds["PlanDefinition"]
    assert kinds["Location"] > 1000 and kinds["Organization"] > 1000
