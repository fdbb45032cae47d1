"""The eligibility command: one Group JSON per file, a named error per bad file, the others still written."""
import json
import subprocess
import sys
from pathlib import Path

from adapter.eligibility.command import main, run

REPO = Path(__file__).resolve().parents[1]


def test_writes_one_group_per_file(tmp_path):
    a = tmp_path / "NCT1.txt"
    a.write_text("Inclusion Criteria:\n- Age >= 18 years\n", encoding="utf-8")
    b = tmp_path / "12345.txt"
    b.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert run([a, b], out) == 0
    group = json.loads((out / "NCT1.json").read_text(encoding="utf-8"))
    assert group["resourceType"] == "Group" and group["type"] == "person" and group["actual"] is False
    assert json.loads((out / "12345.json").read_text())["id"] == "g-12345"


def test_bad_files_are_named_and_do_not_stop_others(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("Platelets < 50,000/mm3", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02")
    missing = tmp_path / "missing.txt"
    assert run([binary, missing, good], tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "bin.txt" in err and "missing.txt" in err
    assert (tmp_path / "out" / "good.json").exists()


def test_module_entry_point(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("Exclusion Criteria:\n- Pregnancy\n", encoding="latin-1")
    proc = subprocess.run([sys.executable, "-m", "adapter.eligibility.command", "--out-dir", str(tmp_path / "o"),
                           str(f)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "x.json").exists()
    assert main([]) == 2
