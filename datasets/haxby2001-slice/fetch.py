#!/usr/bin/env python3
"""Re-download the Haxby et al. (2001) slice from the pymvpa2 2.6.5 sdist and rebuild the NWB.

Standard library only for the download (``convert.py`` needs numpy, nibabel and pynwb).

pip can only download pymvpa2's sdist after preparing its metadata, which runs its old
``setup.py``; that needs Debian's ``swig`` (``apt-get install -y swig``) and a Python with
``setuptools<58`` and numpy, so this script makes a throwaway virtualenv for the download:

1. ``python -m venv TMP/venv`` and ``pip install 'setuptools<58' numpy wheel`` into it;
2. ``TMP/venv/bin/pip download --no-deps --no-binary pymvpa2 --no-build-isolation
   pymvpa2==2.6.5``; check the sdist's sha256;
3. extract only these members into ``_source/`` (beside this script) and check each sha256:
   ``mvpa2/data/{bold.nii.gz,attributes.txt,attributes_literal.txt,README}``, ``COPYING``,
   ``doc/source/datadb/{haxby2001,tutorial_data}.rst`` (the data's terms of use), and
   the block onsets ``mvpa2/data/haxby2001/models/model001/condition_key.txt`` and
   ``mvpa2/data/haxby2001/sub001/model/model001/onsets/task001_run*/cond*.txt``
   (used by ``check.py`` to cross-check the block times);
4. with ``--convert``: run ``convert.py`` on them, writing ``_source/rebuilt.nwb``, and compare
   it with the shipped ``haxby2001-sub001-slice.nwb`` (byte-identical with the library versions
   in README.md; otherwise every dataset and attribute is compared, object ids excepted).

Usage: ``python fetch.py [--sdist PATH] [--convert]``
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
SOURCE = HERE / "_source"
REQUIREMENT = "pymvpa2==2.6.5"
SDIST_NAME = "pymvpa2-2.6.5.tar.gz"
SDIST_SHA256 = "f98b18e15d012aaa68c0ef6ccf420662df05657673843ab368e7f0adfdda0758"
ROOT = "pymvpa2-2.6.5/"
MEMBERS_SHA256 = {  # path in the sdist below ROOT: sha256
    f"mvpa2/data/{name}": digest
    for name, digest in {
        "bold.nii.gz": "cbbd4d07803caaa9f77381af24e790cf77058664a128bd514a4c1668eefb92d7",
        "attributes.txt": "a252fa822cd1cec9e1192b139d7b5e35a5615dbe75598f73d4cf1b803aae62b0",
        "attributes_literal.txt": (
            "7769f235e93d3157ef7bd1102abfaf3bc058ad9ca28e89dc60b8e47f473207c3"
        ),
        "README": "514692b2bba6d1b184c5b91bc95f80d3239126a3b802814135277f86f44461b7",
    }.items()
}
MEMBERS_SHA256["COPYING"] = "8cfc1a2ecf4ce1ad570e300bcf80d4a9d60ab2271e01e51b09ca00808de81054"
# PyMVPA's description and terms of use of the Haxby et al. (2001) data
DATADB = "doc/source/datadb/"
MEMBERS_SHA256[DATADB + "haxby2001.rst"] = (
    "e29cddd7602fcee4b75462cd0331bd728fe998429a644114d54f26af722a8f7e"
)
MEMBERS_SHA256[DATADB + "tutorial_data.rst"] = (
    "dea9ccbecd89b69f5819db09fd8c616ef16316c4abcba6f73be724577f5396a7"
)
ONSETS_PREFIX = "mvpa2/data/haxby2001/"
ONSETS_KEEP = ("models/model001/condition_key.txt", "sub001/model/model001/onsets/")
SHIPPED = HERE / "haxby2001-sub001-slice.nwb"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


def download_sdist(workdir: Path) -> Path:
    if shutil.which("swig") is None:
        sys.exit(
            "swig not found: pymvpa2's metadata step needs it (Debian: apt-get install -y swig)"
        )
    venv = workdir / "venv"
    run([sys.executable, "-m", "venv", venv])
    pip = venv / ("Scripts" if sys.platform == "win32" else "bin") / "pip"
    run([pip, "install", "--quiet", "setuptools<58", "numpy", "wheel"])
    run(
        [
            pip,
            "download",
            "--no-deps",
            "--no-binary",
            "pymvpa2",
            "--no-build-isolation",
            "--dest",
            workdir,
            REQUIREMENT,
        ]
    )
    return workdir / SDIST_NAME


def wanted(rel: str) -> bool:
    if rel in MEMBERS_SHA256:
        return True
    if rel.startswith(ONSETS_PREFIX):
        sub = rel[len(ONSETS_PREFIX) :]
        return sub.startswith(ONSETS_KEEP) and sub.endswith(".txt")
    return False


def extract(sdist: Path, dest: Path) -> list[Path]:
    written = []
    with tarfile.open(sdist, "r:gz") as tar:
        for info in tar:
            rel = info.name[len(ROOT) :] if info.name.startswith(ROOT) else None
            if rel is None or not info.isfile() or not wanted(rel) or ".." in Path(rel).parts:
                continue
            target = dest / ROOT / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            written.append(target)
    for rel, digest in MEMBERS_SHA256.items():
        got = sha256(dest / ROOT / rel)
        if got != digest:
            sys.exit(f"{rel}: sha256 {got} != expected {digest}")
    return written


def compare_nwb(a: Path, b: Path) -> list[str]:
    """Differences between two HDF5 files, ignoring object ids (needs h5py and numpy)."""
    import h5py
    import numpy as np

    diffs: list[str] = []

    def same(x, y) -> bool:
        try:
            return bool(np.array_equal(np.asarray(x), np.asarray(y)))
        except (TypeError, ValueError):
            return x == y

    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        names_a, names_b = [], []
        fa.visit(names_a.append)
        fb.visit(names_b.append)
        if sorted(names_a) != sorted(names_b):
            diffs.append("different object names")
        for name in [""] + sorted(set(names_a) & set(names_b)):
            oa, ob = (fa[name], fb[name]) if name else (fa, fb)
            keys = (set(oa.attrs) | set(ob.attrs)) - {"object_id"}
            for k in sorted(keys):
                if k not in oa.attrs or k not in ob.attrs or not same(oa.attrs[k], ob.attrs[k]):
                    if isinstance(oa.attrs.get(k), h5py.Reference):
                        continue
                    diffs.append(f"{name or '/'} attribute {k}")
            # datasets of object references are skipped (they point at object ids)
            if isinstance(oa, h5py.Dataset) and not h5py.check_dtype(ref=oa.dtype):
                if oa.shape != ob.shape or not same(oa[()], ob[()]):
                    diffs.append(f"{name} data")
    return diffs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sdist", type=Path, help=f"use this {SDIST_NAME} instead of downloading")
    p.add_argument(
        "--convert",
        action="store_true",
        help="run convert.py and compare with the shipped NWB file",
    )
    a = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hotneuro-fetch-") as tmp:
        sdist = a.sdist if a.sdist else download_sdist(Path(tmp))
        got = sha256(sdist)
        if got != SDIST_SHA256:
            sys.exit(f"{sdist}: sha256 {got} != expected {SDIST_SHA256}")
        print(f"{sdist.name}: sha256 OK")
        files = extract(sdist, SOURCE)
    print(f"extracted {len(files)} files under {SOURCE}; sha256 of the inputs OK")

    if a.convert:
        rebuilt = SOURCE / "rebuilt.nwb"
        run(
            [
                sys.executable,
                HERE / "convert.py",
                "--source",
                SOURCE / ROOT / "mvpa2" / "data",
                "--output",
                rebuilt,
            ]
        )
        if not SHIPPED.exists():
            print(f"{SHIPPED.name} not present; nothing to compare")
        elif sha256(rebuilt) == sha256(SHIPPED):
            print(f"rebuilt file is byte-identical to {SHIPPED.name}")
        else:
            diffs = compare_nwb(rebuilt, SHIPPED)
            if diffs:
                print("rebuilt file differs:", *diffs, sep="\n  ")
                return 1
            print(
                f"rebuilt file has the same content as {SHIPPED.name} "
                "(bytes differ: other h5py/HDF5/pynwb versions)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
