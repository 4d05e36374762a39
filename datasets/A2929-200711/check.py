#!/usr/bin/env python3
"""Print the layout of A2929-200711.nwb and its wake head-direction tuning curves.

Needs pynwb and numpy. Usage: ``python check.py [path/to/A2929-200711.nwb] [--bins 30]``

Recipe (pynwb only, no pynapple):

1. wake epoch = the row of ``/intervals/epochs`` whose tags contain "wake" (600-1200 s);
2. head direction = ``/acquisition/CompassDirection/ry`` (radians, 0..2pi), restricted to the
   wake epoch (tracking covers 670.64-1199.99 s, see ``/intervals/position_time_support``);
3. occupancy = histogram of the angle in N equal bins over [0, 2pi) times the median frame
   interval;
4. each unit's wake spikes (inside the tracked span) get the angle interpolated from the
   unwrapped series; their histogram divided by occupancy is the rate in spikes/s;
5. result: an (N bins x 15 units) matrix, units in table order (7 ADn, then 8 CA1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def tuning_curves(nwb, n_bins: int = 30):
    ep = nwb.epochs.to_dataframe()
    wake = ep[ep["tags"].apply(lambda tags: "wake" in list(tags))].iloc[0]
    ss = nwb.acquisition["CompassDirection"].spatial_series["ry"]
    t = np.asarray(ss.timestamps[:])
    a = np.asarray(ss.data[:])
    keep = (t >= wake.start_time) & (t <= wake.stop_time)
    t, a = t[keep], a[keep]
    dt = float(np.median(np.diff(t)))
    edges = np.linspace(0.0, 2 * np.pi, n_bins + 1)
    occupancy = np.histogram(a, edges)[0] * dt
    unwrapped = np.unwrap(a)
    curves = []
    for u in range(len(nwb.units)):
        st = np.asarray(nwb.units.get_unit_spike_times(u))
        st = st[(st >= t[0]) & (st <= t[-1])]
        ang = np.interp(st, t, unwrapped) % (2 * np.pi)
        curves.append(np.histogram(ang, edges)[0] / occupancy)
    centers = (edges[:-1] + edges[1:]) / 2
    return np.array(curves).T, centers, occupancy, (t[0], t[-1], dt)


def main(argv=None) -> int:
    from pynwb import NWBHDF5IO

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", nargs="?", type=Path, default=HERE / "A2929-200711.nwb")
    p.add_argument("--bins", type=int, default=30)
    a = p.parse_args(argv)
    with NWBHDF5IO(str(a.path), "r") as io:
        nwb = io.read()
        units = nwb.units.to_dataframe()
        print("units:", len(units), "| location:", units["location"].tolist())
        print("units.group:", units["group"].tolist())
        print("units.electrode_group:", [g.name for g in units["electrode_group"]])
        print(
            "spikes per unit:",
            [len(s) for s in units["spike_times"]],
            "total",
            int(sum(len(s) for s in units["spike_times"])),
        )
        print("epochs:")
        print(nwb.epochs.to_dataframe().to_string())
        print("intervals:", list(nwb.intervals))
        print("CompassDirection series:", list(nwb.acquisition["CompassDirection"].spatial_series))
        tc, centers, occ, (t0, t1, dt) = tuning_curves(nwb, a.bins)
        print(
            f"head direction 'ry' in wake: {t0:.3f}-{t1:.3f} s, frame {dt * 1e3:.2f} ms, "
            f"occupancy per bin {occ.min():.2f}-{occ.max():.2f} s"
        )
        print(
            "tuning matrix shape (bins x units):", tc.shape, "finite:", bool(np.isfinite(tc).all())
        )
        print("peak/mean rate per unit:", np.round(tc.max(0) / tc.mean(0), 1).tolist())
        print(
            "preferred direction (deg):",
            np.round(np.degrees(centers[tc.argmax(0)])).astype(int).tolist(),
        )
        print(
            "mean wake rate (spikes/s):",
            np.round((tc * occ[:, None]).sum(0) / occ.sum(), 2).tolist(),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
