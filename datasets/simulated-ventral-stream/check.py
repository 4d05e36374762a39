#!/usr/bin/env python3
"""Check the simulated session and print how HOT places its regions along Lite0's depth.

1. The file matches its sha256, passes ``pynwb.validate``, and loads through hotneuro's
   NWB source as 300 images x 72 units in regions V1, V4, IT (rates in spikes/s over
   50-250 ms after onset, averaged over the 5 repeats).
2. Split-half reliability of each region (repeats 0, 2, 4 vs 1, 3: median over units of
   the correlation across images).
3. ``hn.compare(lite0, simulated)``: EfficientNet-Lite0's 16 blocks (a network the
   simulation never used) against the three regions. Prints the outer coupling, each
   block's barycentric depth along V1 -> V4 -> IT, each region's barycentric depth along
   Lite0's blocks (``hn.compare(simulated, lite0)``), and each region's cheapest block.

Usage::

    python check.py
    python check.py --nwb other.nwb --lite0 ../model-activations/lite0-images.nc --no-verify
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NWB = HERE / "simulated-ventral-stream.nwb"
LITE0 = HERE.parent / "model-activations" / "lite0-images.nc"
OPTIONS = {"intervals": "stimulus_presentations", "stimulus_column": "image_id",
           "window": (0.05, 0.25)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nwb", type=Path, default=NWB)
    parser.add_argument("--lite0", type=Path, default=LITE0)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    import pynwb

    import hotneuro as hn

    if not args.no_verify:
        sums = dict(reversed(line.split()) for line in
                    (HERE.parent / "checksums.sha256").read_text().splitlines())
        digest = hashlib.sha256(args.nwb.read_bytes()).hexdigest()
        if digest != sums["simulated-ventral-stream/simulated-ventral-stream.nwb"]:
            sys.exit(f"{args.nwb}: sha256 {digest} differs from checksums.sha256")
    errors = pynwb.validate(path=str(args.nwb))
    errors = errors[0] if isinstance(errors, tuple) else errors
    if errors:
        sys.exit(f"pynwb.validate: {errors}")

    sim = hn.load(args.nwb, **OPTIONS)
    regions = [str(g) for g in hn.representations.groups(sim)]
    if sim.shape != (300, 72) or regions != ["V1", "V4", "IT"]:
        sys.exit(f"unexpected representation {sim.shape}, regions {regions}")
    print(f"{args.nwb.name}: {sim.shape}, regions {regions}, rates "
          f"{float(sim.min()):.1f}..{float(sim.max()):.1f} spikes/s (mean "
          f"{float(sim.mean()):.2f}); validate: no errors")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        halves = [hn.load(args.nwb, **OPTIONS, where={"repeat": r})
                  for r in ((0, 2, 4), (1, 3))]
    halves[1] = halves[1].sel(stimulus=halves[0]["stimulus"])  # same image order
    for region in regions:
        a, b = (h.sel(unit=h["region"] == region).values for h in halves)
        r = [np.corrcoef(a[:, i], b[:, i])[0, 1] for i in range(a.shape[1])]
        print(f"split-half reliability {region}: median r = {np.nanmedian(r):.3f}")

    lite0 = hn.load(args.lite0)
    result = hn.compare(lite0, sim)
    np.set_printoptions(precision=3, suppress=True, linewidth=160)
    print("\nhn.compare(lite0, simulated): coupling L * P (rows: Lite0 blocks 0..15; "
          "columns V1, V4, IT)")
    print((result.coupling.values * result.coupling.shape[0]).T)
    print("block barycentric depth (0 = V1, 1 = IT):", result.barycentric_depth().values)
    print(f"hierarchy index {result.hierarchy_index():.3f}, distance {result.distance:.4f}")
    cost = result.matrix.values
    print("cheapest Lite0 block per region:",
          {reg: int(np.argmin(cost[:, m])) for m, reg in enumerate(regions)})
    back = hn.compare(sim, lite0)
    depth = back.barycentric_depth().values
    print("region barycentric depth along Lite0 (hn.compare(simulated, lite0)):",
          dict(zip(regions, np.round(depth, 3).tolist(), strict=True)))
    if not depth[0] < depth[1] < depth[2]:
        sys.exit("regions are not ordered V1 < V4 < IT along Lite0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
