"""Canonical TrialRecord JSON and CSV files from local registries, validated by the marshmallow schema."""
import json
from pathlib import Path

from adapter.errors import RecordError
from adapter.record import Age, TrialRecord
from adapter.sources import canonical, detect, read_path

SAMPLES = Path(__file__).resolve().parents[1] / "adapter" / "samples" / "sample_trials.json"

CSV = """nct_id,brief_title,overall_status,phases,start_date,criteria,minimum_age,sex,sponsor,interventions,conditions,colour
NCT01234567,A test trial,Recruiting,Phase 1/Phase 2,"December 31, 2022","Inclusion Criteria:
* Age >= 18",18 Years,All,Acme,Drug: Aspirin; Device: Pump,Asthma; COPD,blue
,No id trial,Recruiting,,,,,,,,,
NCT07654321,Bad date,Completed,Phase 3,Someday,,N/A,Female,,,,
"""


def _items(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path, list(read_path(path))


def test_csv_rows_become_records_and_bad_rows_fail_alone(tmp_path):
    path, (ok, no_id, bad_date) = _items(tmp_path, "trials.csv", CSV)
    assert isinstance(ok, TrialRecord)
    assert ok.id == "NCT01234567" and ok.nct_id == "NCT01234567"
    assert ok.overall_status == "RECRUITING" and ok.phases == ["PHASE1", "PHASE2"]
    assert ok.start_date.value == "2022-12-31"
    assert ok.eligibility.minimum_age == Age(18, "a") and ok.eligibility.sex == "ALL"
    assert [(i.type, i.name) for i in ok.interventions] == [("DRUG", "Aspirin"), ("DEVICE", "Pump")]
    assert [c.text for c in ok.conditions] == ["Asthma", "COPD"]
    assert ok.dropped == ["colour"]
    assert ok.source_format == "trialrecord-csv"
    assert isinstance(no_id, RecordError)
    assert (no_id.file, no_id.record, no_id.field) == (str(path), "row 3", "id")
    assert isinstance(bad_date, RecordError)
    assert bad_date.record == "NCT07654321" and bad_date.field == "start_date.value"
    assert "Someday" in bad_date.message


def test_json_unknown_terms_are_errors_naming_the_field(tmp_path):
    doc = {"trials": [{"id": "LOCAL-1", "overall_status": "Sort of recruiting"},
                      {"id": "LOCAL-2", "eligibility": {"minimum_age": "eighteen-ish"}},
                      {"id": "bad id!"},
                      {"identifiers": [{"value": "2019/77", "kind": "org"}], "brief_title": "derived"}]}
    _, (status, age, bad_id, derived) = _items(tmp_path, "t.json", json.dumps(doc))
    assert status.field == "overall_status" and "Sort of recruiting" in status.message
    assert age.field == "eligibility.minimum_age"
    assert bad_id.field == "id"
    assert derived.id_derived and derived.id.startswith("2019-77")
    assert any("derived" in w for w in derived.warnings)


def test_malformed_json_is_a_format_error(tmp_path):
    _, [error] = _items(tmp_path, "t.json", '{"trials": [{"id": "A"')
    assert isinstance(error, RecordError) and "malformed JSON" in error.message


def test_bundled_samples_load():
    data = SAMPLES.read_bytes()
    assert detect(data[:65536], SAMPLES.name) is canonical
    records = list(read_path(SAMPLES))
    assert [r.id for r in records] == ["SAMPLE-ASTHMA-1", "SAMPLE-ONC-2", "SAMPLE-PEDS-3"]
    assert all(isinstance(r, TrialRecord) and not r.dropped for r in records)
    assert records[1].phases == ["PHASE1", "PHASE2"] and records[0].phases == ["PHASE4"]
