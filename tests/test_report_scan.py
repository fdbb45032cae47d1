"""Convert without --report skips the walk for unread source fields; everything else comes out the same."""
from __future__ import annotations

import dataclasses

import pytest

from adapter.pipeline import convert_paths
from adapter.sources import read_path
from conftest import CTGOV

CORPUS = {"api_v2_json": sorted((CTGOV / "api_v2_json").glob("*.json")),
          "legacy_xml": sorted((CTGOV / "legacy_xml").glob("*.xml"))}


@pytest.mark.parametrize("folder", sorted(CORPUS))
def test_records_read_without_the_scan_differ_only_in_dropped(folder):
    """Over the whole corpus: the readers skip noting what they read when not scanning, and must not skip
    anything else (a field read and left, a warning, a value)."""
    left_something = scanned_more = 0
    for path in CORPUS[folder]:
        [full] = read_path(path)
        [quick] = read_path(path, scan_dropped=False)
        # what the reader read and left comes first in both; the scan adds the fields never read
        assert quick.dropped == full.dropped[:len(quick.dropped)], path
        assert dataclasses.replace(quick, dropped=full.dropped) == full, path
        left_something += bool(quick.dropped)
        scanned_more += len(full.dropped) > len(quick.dropped)
    # the corpus exercises both halves: fields read and left, and fields found only by the scan
    assert left_something and scanned_more == len(CORPUS[folder])


def test_pipeline_without_report_gives_the_same_resources_and_no_unmapped_list():
    paths = CORPUS["api_v2_json"][:10] + CORPUS["legacy_xml"][:10]
    reported = list(convert_paths(paths, report=True))
    quick = list(convert_paths(paths, report=False))
    assert [c.resources for c in quick] == [c.resources for c in reported]
    assert all(c.unmapped == [] for c in quick)
    assert any(c.unmapped for c in reported)
