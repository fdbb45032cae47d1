"""`trialfhir convert` and `validate` end to end: outputs, summaries, bad input, exit codes."""
import json
import shutil

import pytest

from adapter.cli import main
from conftest import CTGOV

V2 = CTGOV / "api_v2_json"
XML = CTGOV / "legacy_xml"


def _study_ids(bundle):
    return [e["resource"]["identifier"][0]["value"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "ResearchStudy"]


def test_convert_transaction_bundle_and_validate_it(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    rc = main(["convert", str(V2 / "NCT00080808.json"), str(XML / "NCT00000102.xml"), "-o", str(out)])
    assert rc == 0
    bundle = json.loads(out.read_text())
    assert bundle["type"] == "transaction"
    assert _study_ids(bundle) == ["NCT00080808", "NCT00000102"]
    assert "read 2 records, converted 2, failed 0" in capsys.readouterr().err
    assert main(["validate", str(out)]) == 0
    assert "0 invalid" in capsys.readouterr().err


def test_convert_directory_per_record_and_ndjson(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("NCT00080808.json", "NCT00124774.json"):
        shutil.copy(V2 / name, src / name)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert main(["convert", str(src), "-o", str(out_dir), "--bundle", "collection"]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["NCT00080808.json", "NCT00124774.json"]
    nd = tmp_path / "nd"
    nd.mkdir()
    assert main(["convert", str(src), "-o", str(nd), "--bundle", "ndjson"]) == 0
    studies = [json.loads(line) for line in (nd / "ResearchStudy.ndjson").read_text().splitlines()]
    assert [s["id"] for s in studies] == ["NCT00080808", "NCT00124774"]
    assert (nd / "Group.ndjson").exists() and (nd / "PlanDefinition.ndjson").exists()


BAD_INPUTS = {
    "malformed.json": b'{"protocolSection": {"identificationModule": {"nctId": "NCT1"',
    "truncated.xml": b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>Trunc",
    "garbage.bin": bytes(range(256)) * 4,
    "empty.json": b"",
    "unknown.txt": b"hello, this is not a trial registry record at all\n",
    "noid.json": json.dumps({"protocolSection": {"identificationModule": {"briefTitle": "No id"}}}).encode(),
}


def test_bad_inputs_fail_alone_with_clear_errors(tmp_path, capsys):
    for name, data in BAD_INPUTS.items():
        (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.json"
    shutil.copy(V2 / "NCT00080808.json", good)
    out = tmp_path / "out.json"
    rc = main(["convert", *(str(tmp_path / n) for n in BAD_INPUTS), str(good), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 1
    for name in BAD_INPUTS:
        assert f"{tmp_path / name}" in err, name
    assert "empty file" in err and "unknown format" in err
    assert "field" in err          # the record without an identifier names the field it lacks
    assert _study_ids(json.loads(out.read_text())) == ["NCT00080808"]
    assert "converted 1, failed 6" in err


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "missing.json")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["convert", str(V2 / "NCT00080808.json"), "--from", "cobol"]) == 2
    assert main(["convert", "--bogus"]) == 2
    assert main([]) == 2


def test_failed_run_leaves_existing_output_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out.json"
    out.write_text("previous content")
    import adapter.pipeline as pipeline

    def explode(*a, **k):
        yield from ()
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(pipeline, "convert_paths", explode)
    with pytest.raises(RuntimeError):
        main(["convert", str(V2 / "NCT00080808.json"), "-o", str(out)])
    assert out.read_text() == "previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_report_lists_dropped_fields(tmp_path, capsys):
    report = tmp_path / "report.jsonl"
    assert main(["convert", str(V2 / "NCT00080808.json"), "-o", str(tmp_path / "b.json"),
                 "--report", str(report)]) == 0
    [line] = report.read_text().splitlines()
    entry = json.loads(line)
    assert entry["record"] == "NCT00080808"
    assert "ResearchStudy/NCT00080808" in entry["resources"]
    assert any("oversightModule" in d for d in entry["dropped"])
    assert "source fields not carried into FHIR" in capsys.readouterr().err


def test_validate_reports_broken_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "ResearchStudy", "status": "recruiting"}))
    assert main(["validate", str(bad)]) == 1
    assert "research-study-status" in capsys.readouterr().err


def test_convert_and_validate_r5(tmp_path, capsys):
    out = tmp_path / "r5.json"
    assert main(["convert", str(V2 / "NCT00080808.json"), "--fhir-version", "5.0.0", "-o", str(out)]) == 0
    study = next(e["resource"] for e in json.loads(out.read_text())["entry"]
                 if e["resource"]["resourceType"] == "ResearchStudy")
    assert study["status"] == "active" and "progressStatus" in study and "recruitment" in study
    assert main(["validate", "--fhir-version", "5.0.0", str(out)]) == 0
    assert main(["validate", str(out)]) == 1          # R5 content is not valid R4
    assert "0 invalid" in capsys.readouterr().err
