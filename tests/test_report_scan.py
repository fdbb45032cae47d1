"""Convert without --report skips the walk for unread source fields; everything else comes out the same."""
from __future__ import annotations

import dataclasses

import pytest

from adapter.pipeline import convert_paths
from adapter.sources import read_path
from conftest import CTGOV

SAMPLES = {"api_v2_json": sorted((CTGOV / "api_v2_json").glob("*.json"))[:40],
           "legacy_xml": sorted((CTGOV / "legacy_xml").glob("*.xml"))[:40]}


@pytest.mark.parametrize("folder", sorted(SAMPLES))
def test_records_read_without_the_scan_differ_only_in_dropped(folder):
    left_something = scanned_more = 0
    for path in SAMPLES[folder]:
        [full] = read_path(path)
        [quick] = read_path(path, scan_dropped=False)
        # what the reader read and left comes first in both; the scan adds the fields never read
        assert quick.dropped == full.dropped[:len(quick.dropped)]
        assert dataclasses.replace(quick, dropped=full.dropped) == full
        left_something += bool(quick.dropped)
        scanned_more += len(full.dropped) > len(quick.dropped)
    # the sample exercises both halves: fields read and left, and fields found only by the scan
    assert left_something and scanned_more == len(SAMPLES[folder])


def test_pipeline_without_report_gives_the_same_resources_and_no_unmapped_list():
    paths = SAMPLES["api_v2_json"][:10] + SAMPLES["legacy_xml"][:10]
    reported = list(convert_paths(paths, report=True))
    quick = list(convert_paths(paths, report=False))
    assert [c.resources for c in quick] == [c.resources for c in reported]
    assert all(c.unmapped == [] for c in quick)
    assert any(c.unmapped for c in reported)
