#!/usr/bin/env python3
"""Convert PyMVPA's Haxby et al. (2001) example slice to NWB.

Input: three files from the pymvpa2 2.6.5 source distribution, folder ``mvpa2/data/``
(``fetch.py`` downloads and extracts them):

- ``bold.nii.gz``            40 x 20 x 1 voxels x 1452 volumes, int16, TR 2.5 s
- ``attributes.txt``         per volume: numeric label (0 = rest .. 8) and run (0..11)
- ``attributes_literal.txt`` per volume: literal label (rest, face, ...) and run (0..11)

Output: ``haxby2001-sub001-slice.nwb`` with

- ``/acquisition/bold``           TimeSeries, (1452 volumes x 530 voxels) float32,
                                  starting_time 0 s, rate 0.4 Hz (TR 2.5 s)
- ``/acquisition/voxels``         DynamicTable, one row per column of ``bold`` (same order):
                                  i, j, k (voxel indices in the NIfTI grid), x, y, z (mm,
                                  NIfTI affine) and ``region`` (posterior/middle/anterior)
- ``/intervals/presentations``    TimeIntervals, one row per category block:
                                  start_time, stop_time, category, run
- ``/intervals/runs``             TimeIntervals, one row per run: start_time, stop_time, run

The output is deterministic: the identifier, the session start time and the file creation
date are fixed, and NWB object ids are derived from a fixed seed, so two builds with the
same pynwb/hdmf/h5py versions are byte-identical (``sha256sum`` equal).

Usage::

    python convert.py --source _source/pymvpa2-2.6.5/mvpa2/data --output haxby2001-sub001-slice.nwb
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE / "_source" / "pymvpa2-2.6.5" / "mvpa2" / "data"
DEFAULT_OUTPUT = HERE / "haxby2001-sub001-slice.nwb"

# sha256 of the inputs as shipped in pymvpa2-2.6.5.tar.gz
INPUT_SHA256 = {
    "bold.nii.gz": "cbbd4d07803caaa9f77381af24e790cf77058664a128bd514a4c1668eefb92d7",
    "attributes.txt": "a252fa822cd1cec9e1192b139d7b5e35a5615dbe75598f73d4cf1b803aae62b0",
    "attributes_literal.txt": "7769f235e93d3157ef7bd1102abfaf3bc058ad9ca28e89dc60b8e47f473207c3",
}

TR = 2.5  # seconds, NIfTI header pixdim[4] and PyMVPA docs
# numeric codes of attributes.txt (PyMVPA mvpa2/data/README)
CODES = {
    0: "rest",
    1: "face",
    2: "house",
    3: "shoe",
    4: "cat",
    5: "scissors",
    6: "scrambledpix",
    7: "bottle",
    8: "chair",
}
REGIONS = ("posterior", "middle", "anterior")
IDENTIFIER = "hotneuro-haxby2001-sub001-slice-v1"
FIXED_DATE = datetime(2001, 1, 1, tzinfo=timezone.utc)  # placeholder: real date not distributed
OBJECT_ID_SEED = 20010928  # Science 293(5539), 28 Sep 2001


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def deterministic_object_ids(seed: int) -> None:
    """Make hdmf draw NWB object ids from a seeded generator (reproducible files)."""
    import hdmf.container

    rng = random.Random(seed)
    hdmf.container.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def load_source(src: Path, verify: bool = True):
    if verify:
        for name, digest in INPUT_SHA256.items():
            got = sha256(src / name)
            if got != digest:
                sys.exit(f"{src / name}: sha256 {got} != expected {digest}")
    import nibabel as nib

    img = nib.load(str(src / "bold.nii.gz"))
    vol = np.asarray(img.dataobj)  # int16, (40, 20, 1, 1452), no scaling (scl_slope nan)
    if vol.shape != (40, 20, 1, 1452):
        sys.exit(f"unexpected bold.nii.gz shape {vol.shape}")
    numeric = np.loadtxt(src / "attributes.txt", dtype=int)
    literal = [
        line.split()
        for line in (src / "attributes_literal.txt").read_text().splitlines()
        if line.strip()
    ]
    labels = np.array([w[0] for w in literal])
    runs = np.array([int(w[1]) for w in literal])
    # the two attribute files must agree
    if not (
        np.array_equal(runs, numeric[:, 1])
        and all(CODES[c] == lab for c, lab in zip(numeric[:, 0], labels, strict=True))
    ):
        sys.exit("attributes.txt and attributes_literal.txt disagree")
    return img, vol, labels, runs


def voxel_table(img, vol):
    """Non-zero-variance voxels ordered posterior to anterior (j), then by i."""
    series = vol[:, :, 0, :].astype(np.float64)
    keep = series.std(axis=-1) > 0
    j_idx, i_idx = np.nonzero(keep.T)  # row-major over (j, i): j slowest
    k_idx = np.zeros_like(i_idx)
    ijk1 = np.column_stack([i_idx, j_idx, k_idx, np.ones_like(i_idx)]).astype(np.float64)
    xyz = (img.affine @ ijk1.T).T[:, :3]
    # posterior / middle / anterior thirds of the brain's extent along j (voxel centres)
    j_lo, j_hi = j_idx.min(), j_idx.max()
    n_rows = j_hi - j_lo + 1
    band = np.floor((j_idx - j_lo + 0.5) * 3 / n_rows).astype(int)
    region = np.array(REGIONS)[band]
    data = series[i_idx, j_idx, :].T.astype(np.float32)  # (volumes, voxels)
    return data, i_idx, j_idx, k_idx, xyz, region


def blocks(labels, runs):
    """One (first, last_exclusive, category, run) per contiguous same-label block, rest excluded."""
    out = []
    start = 0
    for t in range(1, len(labels) + 1):
        if t == len(labels) or labels[t] != labels[start] or runs[t] != runs[start]:
            if labels[start] != "rest":
                out.append((start, t, str(labels[start]), int(runs[start])))
            start = t
    return out


def build(src: Path, out: Path, verify: bool = True) -> Path:
    deterministic_object_ids(OBJECT_ID_SEED)
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from hdmf.common import DynamicTable, VectorData
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.file import Subject

    img, vol, labels, runs = load_source(src, verify)
    data, i_idx, j_idx, k_idx, xyz, region = voxel_table(img, vol)
    n_vol, n_vox = data.shape
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
    affine = np.round(img.affine, 4).tolist()

    nwb = NWBFile(
        session_description=(
            "Haxby et al. (2001) object-category block-design fMRI, subject 1: the 530 "
            "non-zero-variance voxels of PyMVPA's example slice (posterior part of one axial "
            "slice, 40 x 20 voxels), all 12 runs (1452 volumes, TR 2.5 s) concatenated."
        ),
        identifier=IDENTIFIER,
        session_start_time=FIXED_DATE,
        timestamps_reference_time=FIXED_DATE,
        file_create_date=FIXED_DATE,
        experimenter=[
            "Haxby, James V.",
            "Gobbini, M. Ida",
            "Furey, Maura L.",
            "Ishai, Alumit",
            "Schouten, Jennifer L.",
            "Pietrini, Pietro",
        ],
        experiment_description=(
            "Passive viewing of greyscale photographs of eight categories (faces, cats, houses, "
            "chairs, scissors, shoes, bottles, scrambled pictures) in 24 s blocks separated by "
            "rest; 12 runs, one block per category per run. Patterns of response in ventral "
            "temporal cortex are category specific (Haxby et al. 2001, Science 293:2425)."
        ),
        related_publications=["doi:10.1126/science.1063736"],
        keywords=[
            "fMRI",
            "BOLD",
            "object recognition",
            "ventral temporal cortex",
            "category",
            "block design",
            "Haxby 2001",
            "PyMVPA",
        ],
        stimulus_notes=(
            "Each block: images of one category, 500 ms on, 1500 ms inter-stimulus interval, "
            "24 s per block (about 9 volumes). The original presentation order of the "
            "individual images is not available; /intervals/presentations holds the blocks."
        ),
        data_collection=(
            "Volume repetition time 2.5 s. Data as shipped in pymvpa2 2.6.5, "
            "mvpa2/data/bold.nii.gz (identical to its "
            "haxby2001/sub001/BOLD/task001_runNNN/bold_1slice.nii.gz, runs concatenated). "
            f"NIfTI voxel size {zooms} mm; affine {affine}. Signal not detrended."
        ),
        notes=(
            "Session clock: volume n (0-based, runs concatenated back to back) starts at "
            "n * 2.5 s; the real gaps between runs and the real date are not distributed with "
            "the data, so session_start_time is a fixed placeholder. Converted by convert.py "
            "from the pymvpa2 2.6.5 source distribution. Data licence: CC BY-SA 3.0 "
            "(original authors); PyMVPA package: MIT."
        ),
        source_script=(
            "datasets/haxby2001-slice/convert.py (hotneuro repository); "
            "inputs pymvpa2-2.6.5.tar.gz:mvpa2/data/{bold.nii.gz,attributes.txt,"
            "attributes_literal.txt}"
        ),
        source_script_file_name="convert.py",
    )
    nwb.subject = Subject(
        subject_id="sub001",
        species="Homo sapiens",
        sex="U",
        age="P18Y/",
        description=(
            "Adult participant, subject 1 of the 6 of Haxby et al. (2001) (PyMVPA's sub001 / "
            "subj1). Sex and exact age are not distributed with the data; age is given as "
            "'adult' (18 years or older)."
        ),
    )

    nwb.add_acquisition(
        TimeSeries(
            name="bold",
            description=(
                "BOLD signal (scanner units, int16 values stored as float32, not detrended) of the "
                "530 voxels with non-zero variance over the 1452 volumes. Columns follow the rows "
                "of /acquisition/voxels."
            ),
            data=H5DataIO(data, compression="gzip", compression_opts=4, shuffle=True),
            unit="a.u.",
            starting_time=0.0,
            rate=1.0 / TR,
            comments="rows: volumes (time), columns: voxels (rows of the 'voxels' table)",
        )
    )

    vox = DynamicTable(
        name="voxels",
        description=(
            "One row per column of /acquisition/bold. i, j, k index the NIfTI grid of "
            "bold.nii.gz (i: 0..39 left-right axis, j: 0..19 posterior (0) to anterior, "
            "k: the single slice); x, y, z are scanner coordinates in mm from the NIfTI "
            "affine. 'region' groups voxels into posterior, middle and anterior thirds of "
            "the brain's extent along j: geometric voxel groups, not atlas regions."
        ),
        columns=[
            VectorData(
                name="i",
                description="voxel index along NIfTI axis 0 (left-right)",
                data=i_idx.astype(np.int16),
            ),
            VectorData(
                name="j",
                description="voxel index along NIfTI axis 1 (posterior->anterior)",
                data=j_idx.astype(np.int16),
            ),
            VectorData(
                name="k",
                description="voxel index along NIfTI axis 2 (one slice: 0)",
                data=k_idx.astype(np.int16),
            ),
            VectorData(
                name="x",
                description="x in mm (NIfTI affine, scanner space)",
                data=xyz[:, 0].astype(np.float32),
            ),
            VectorData(
                name="y",
                description="y in mm (NIfTI affine, scanner space)",
                data=xyz[:, 1].astype(np.float32),
            ),
            VectorData(
                name="z",
                description="z in mm (NIfTI affine, scanner space)",
                data=xyz[:, 2].astype(np.float32),
            ),
            VectorData(
                name="region",
                description=(
                    "voxel group: 'posterior', 'middle' or 'anterior' third "
                    "of the slice's brain extent along j (voxel centres)"
                ),
                data=region.tolist(),
            ),
        ],
    )
    nwb.add_acquisition(vox)

    pres = TimeIntervals(
        name="presentations",
        description=(
            "Category blocks: one interval per contiguous run of volumes with the same "
            "label within a run, rest excluded. start_time = first volume * 2.5 s, "
            "stop_time = (last volume + 1) * 2.5 s (volumes with start_time <= t < "
            "stop_time belong to the block)."
        ),
    )
    pres.add_column(
        name="category",
        description=(
            "stimulus category: face, house, cat, shoe, scissors, bottle, chair, scrambledpix"
        ),
    )
    pres.add_column(name="run", description="run number, 1..12 (PyMVPA chunk + 1)")
    for first, stop, cat, run in blocks(labels, runs):
        pres.add_interval(start_time=first * TR, stop_time=stop * TR, category=cat, run=run + 1)
    nwb.add_time_intervals(pres)

    run_table = TimeIntervals(name="runs", description="the 12 fMRI runs, concatenated")
    run_table.add_column(name="run", description="run number, 1..12 (PyMVPA chunk + 1)")
    for r in np.unique(runs):
        idx = np.flatnonzero(runs == r)
        run_table.add_interval(start_time=idx[0] * TR, stop_time=(idx[-1] + 1) * TR, run=int(r) + 1)
    nwb.add_time_intervals(run_table)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".partial.nwb")
    with NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)
    tmp.replace(out)
    print(
        f"wrote {out} ({out.stat().st_size} bytes): {n_vol} volumes x {n_vox} voxels, "
        f"{len(pres)} blocks; sha256 {sha256(out)}"
    )
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder holding bold.nii.gz, attributes.txt, attributes_literal.txt "
        f"(default: {DEFAULT_SOURCE.relative_to(HERE)})",
    )
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--no-verify", action="store_true", help="skip the input sha256 check")
    a = p.parse_args(argv)
    build(a.source, a.output, verify=not a.no_verify)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
