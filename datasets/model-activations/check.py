#!/usr/bin/env python3
"""Check the bundled model activations and print the comparisons they support.

1. Every file matches its sha256 in ``../checksums.sha256``, loads through hotneuro's
   ``netcdf`` source as float32 with the expected shape and layers, and shares its
   stimulus ids with its partner.
2. HOT, EfficientNet-Lite0 (16 blocks) vs Lite1 (21 blocks) on the 300 images, and
   MiniLM-L3 (embeddings + 3 layers) vs MiniLM-L6 (embeddings + 6 layers) on the 300
   sentences, each with 5 held-out splits (80/20): the outer coupling, the hierarchy
   index and the reconstruction score table.

Usage::

    python check.py            # the files in this folder
    python check.py --dir /tmp/acts --no-verify
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EXPECTED = {  # file -> (stimuli, units, layers)
    "lite0-images.nc": (300, 1808, 16),
    "lite1-images.nc": (300, 2256, 21),
    "lite2-images.nc": (300, 2456, 21),
    "minilm-l6-sentences.nc": (300, 7 * 384, 7),
    "minilm-l3-sentences.nc": (300, 4 * 384, 4),
}


def checksums() -> dict[str, str]:
    out = {}
    for line in (HERE.parent / "checksums.sha256").read_text().splitlines():
        digest, name = line.split()
        out[name] = digest
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=HERE)
    parser.add_argument("--no-verify", action="store_true", help="skip the sha256 check")
    args = parser.parse_args(argv)
    import hotneuro as hn

    sums = {} if args.no_verify else checksums()
    reps = {}
    for name, (n_stim, n_units, n_layers) in EXPECTED.items():
        path = args.dir / name
        if sums:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != sums[f"model-activations/{name}"]:
                sys.exit(f"{path}: sha256 {digest} differs from checksums.sha256")
        rep = hn.load(path)
        layers = list(dict.fromkeys(rep["layer"].values.tolist()))
        if rep.shape != (n_stim, n_units) or len(layers) != n_layers or rep.dtype != np.float32:
            sys.exit(f"{path}: {rep.shape} {rep.dtype} {len(layers)} layers, expected "
                     f"{(n_stim, n_units)} float32 {n_layers} layers")
        reps[name] = rep
        print(f"{name}: {rep.shape}, {n_layers} layers, {rep.attrs['system']}: ok")

    np.set_printoptions(precision=3, suppress=True, linewidth=160)
    for a, b in (("lite0-images.nc", "lite1-images.nc"),
                 ("minilm-l3-sentences.nc", "minilm-l6-sentences.nc")):
        result = hn.compare(reps[a], reps[b], splits=5, seed=0)
        coupling = result.coupling.values * result.coupling.shape[0]
        print(f"\nHOT {reps[a].attrs['system']} -> {reps[b].attrs['system']} (splits=5)")
        print(f"distance {result.distance:.4f}, hierarchy index "
              f"{result.hierarchy_index():.3f}")
        print("coupling rows (L * P, each sums to 1):")
        print(coupling)
        print("barycentric depth:", result.barycentric_depth().values)
        print("score table:")
        print(result.score_table().to_pandas().round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
