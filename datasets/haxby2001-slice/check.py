#!/usr/bin/env python3
"""Sanity check of haxby2001-sub001-slice.nwb: split-half category pattern correlations.

Needs pynwb and numpy. Usage: ``python check.py [path/to/file.nwb]``

Method (Haxby et al. 2001, without their GLM): z-score every voxel within each run; a
block's pattern is the mean over its volumes (as labelled, no extra hemodynamic shift);
average the patterns of each category over the odd runs (1, 3, ..., 11) and over the even
runs (2, 4, ..., 12); in each half subtract the mean pattern over the 8 categories; correlate
the 8 odd-half patterns with the 8 even-half patterns (Pearson, over voxels). The mean of
the diagonal (same category) should exceed the mean off the diagonal (different categories).

If ``fetch.py`` has put the sdist's onset files under ``_source/``, the block times are also
cross-checked against PyMVPA's own ``sub001/model/model001/onsets`` (onset, duration).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TR = 2.5
CATEGORIES = ("face", "house", "cat", "shoe", "scissors", "bottle", "chair", "scrambledpix")


def block_patterns(X, pres, runs):
    """(12 runs, 8 categories, voxels) block means of run-wise z-scored data."""
    t = np.arange(X.shape[0]) * TR
    Z = np.empty(X.shape, dtype=np.float64)
    for _, r in runs.iterrows():
        m = (t >= r.start_time) & (t < r.stop_time)
        s = X[m].astype(np.float64)
        Z[m] = (s - s.mean(0)) / s.std(0)
    pat = np.full((len(runs), len(CATEGORIES), X.shape[1]), np.nan)
    for _, p in pres.iterrows():
        i0, i1 = int(round(p.start_time / TR)), int(round(p.stop_time / TR))
        pat[int(p.run) - 1, CATEGORIES.index(p.category)] = Z[i0:i1].mean(0)
    return pat


def split_half(pat, center=True):
    odd, even = pat[0::2].mean(0), pat[1::2].mean(0)  # runs 1,3,..,11 vs 2,4,..,12
    if center:
        odd, even = odd - odd.mean(0), even - even.mean(0)
    n = len(CATEGORIES)
    C = np.corrcoef(odd, even)[:n, n:]
    off = C[~np.eye(n, dtype=bool)]
    return float(np.diag(C).mean()), float(off.mean()), C


def onset_crosscheck(pres, runs) -> str:
    src = HERE / "_source" / "pymvpa2-2.6.5" / "mvpa2" / "data" / "haxby2001"
    key_file = src / "models" / "model001" / "condition_key.txt"
    if not key_file.exists():
        return "onset cross-check skipped (run fetch.py first)"
    key = {w[1]: w[2] for w in (line.split() for line in key_file.read_text().splitlines()) if w}
    bad = n = 0
    for run in range(1, 13):
        run_start = runs[runs.run == run].start_time.iloc[0]
        for cond, cat in key.items():
            onset, dur, _ = np.loadtxt(
                src
                / "sub001"
                / "model"
                / "model001"
                / "onsets"
                / f"task001_run{run:03d}"
                / f"{cond}.txt"
            )
            row = pres[(pres.run == run) & (pres.category == cat)].iloc[0]
            n += 1
            bad += (
                abs(row.start_time - run_start - onset) > 1e-6
                or abs(row.stop_time - row.start_time - dur) > 1e-6
            )
    return f"onset cross-check against PyMVPA's onset files: {n} blocks, {bad} mismatches"


def main(argv=None) -> int:
    from pynwb import NWBHDF5IO

    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HERE / "haxby2001-sub001-slice.nwb"
    with NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        bold = nwb.acquisition["bold"]
        X = np.asarray(bold.data[:])
        vox = nwb.acquisition["voxels"].to_dataframe()
        pres = nwb.intervals["presentations"].to_dataframe()
        runs = nwb.intervals["runs"].to_dataframe()
        print(
            f"bold {X.shape} {X.dtype}, rate {bold.rate} Hz; voxels {len(vox)}; "
            f"blocks {len(pres)}; runs {len(runs)}"
        )
        print(
            "voxels per region:",
            {r: int((vox.region == r).sum()) for r in dict.fromkeys(vox.region)},
        )
        print(onset_crosscheck(pres, runs))
        pat = block_patterns(X, pres, runs)
        for center in (True, False):
            same, diff, C = split_half(pat, center)
            print(
                f"all voxels, {'centred' if center else 'raw'} patterns: same-category r = "
                f"{same:.3f}, different-category r = {diff:.3f}"
            )
            if center:
                print(
                    "  same-category r per category:",
                    dict(zip(CATEGORIES, np.round(np.diag(C), 2).tolist(), strict=True)),
                )
        for region in dict.fromkeys(vox.region):
            m = (vox.region == region).to_numpy()
            same, diff, _ = split_half(pat[:, :, m])
            print(
                f"{region:>9} ({m.sum()} voxels), centred: "
                f"same r = {same:.3f}, different r = {diff:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
