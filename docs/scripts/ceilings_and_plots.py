"""Figures and numbers of docs/ceilings-and-plots.md, from the bundled data.

    python docs/scripts/ceilings_and_plots.py       # ~20 s on 2 cores

Writes docs/figures/simulated-v1-v4-it-vs-lite0-depth-profiles.png,
docs/figures/simulated-v1-v4-it-vs-lite0-methods.png and
docs/figures/simulated-v1-v4-it-vs-lite0-coupling.png, and prints the reliabilities,
ceilings and raw and ceiling-normalized scores quoted on that page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import hotneuro as hn
from hotneuro.ceilings import noise_ceiling, normalize
from hotneuro.plots import coupling_heatmap, depth_profiles, method_comparison, save_figure

OUT = Path(__file__).resolve().parents[1] / "figures"
METHODS = ["hot", "pairwise_best", "single_best", "linear_predictivity"]


def describe(name: str, ceiling) -> None:
    print(f"== {name}: {ceiling.attrs['n_repetitions']} repetitions, "
          f"{ceiling.attrs['n_splits']} half splits of {ceiling.attrs['half_size']}, "
          f"Spearman-Brown factor {ceiling.attrs['spearman_brown_factor']:g}")
    print(f"{'group':>10} {'units':>6} {'kept':>5} {'mean rel.':>10} {'median rel.':>12} "
          f"{'ceiling':>8}")
    level = ceiling.attrs["level"]
    for g in ceiling["group"].values:
        members = ceiling["reliability"].values[(ceiling[level].values == g)
                                                & ceiling["kept"].values]
        row = ceiling.sel(group=g)
        print(f"{g!s:>10} {int(row['n_units']):>6} {int(row['n_kept']):>5} "
              f"{float(row['group_reliability']):>10.3f} {np.median(members):>12.3f} "
              f"{float(row['group_ceiling']):>8.3f}")
    print(f"global ceiling {float(ceiling['global_ceiling']):.3f}; excluded "
          f"{ceiling.attrs['n_excluded']} (threshold {ceiling.attrs['threshold']})\n")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    ventral = hn.datasets.load("simulated-ventral-stream", "repetitions")
    ceiling = noise_ceiling(ventral)
    describe("simulated-ventral-stream", ceiling)
    describe("simulated-ventral-stream, odd-even split",
             noise_ceiling(ventral, splits="odd-even"))
    haxby = hn.datasets.load("haxby2001-slice", repetitions=True)
    describe("haxby2001-slice (12 runs)", noise_ceiling(haxby))
    describe("haxby2001-slice, threshold 0.3", noise_ceiling(haxby, threshold=0.3))

    sim = hn.datasets.load("simulated-ventral-stream")
    lite0 = hn.datasets.load("efficientnet-lite0-images")
    results = hn.compare(sim, lite0, method=METHODS, splits=5)
    hot = results["hot"]
    print("barycentric depth along Lite0:",
          ", ".join(f"{g} {d:.3f}" for g, d in
                    zip(hot.source_groups, hot.barycentric_depth().values, strict=True)),
          f"hierarchy index {hot.hierarchy_index():.3f}")
    split = hot.split_coupling.values * len(hot.source_groups)
    print("largest split range of L x P:", f"{np.ptp(split, axis=0).max():.3f}\n")

    print(f"{'method':>20} {'score':>7} {'std':>6} {'/ ceiling':>9}   per region (raw/normalized)")
    for name, result in results.items():
        norm = normalize(result, ceiling)
        row = norm.sel(strategy=result.attrs.get("score_strategy", name))
        groups = " ".join(
            f"{g} {float(row['group_score'].sel({result.source_dim: g})):.3f}/"
            f"{float(row['group_score_normalized'].sel({result.source_dim: g})):.3f}"
            for g in result.source_groups)
        print(f"{name:>20} {float(row['score']):>7.3f} {float(row['score_std']):>6.3f} "
              f"{float(row['score_normalized']):>9.3f}   {groups}")
    print("perm_p control of HOT:",
          f"{float(normalize(hot, ceiling)['score'].sel(strategy='perm_p')):.3f}")

    written = [
        save_figure(depth_profiles(hot, title="Simulated V1/V4/IT along EfficientNet-Lite0 "
                                              f"(hierarchy index {hot.hierarchy_index():.2f})"),
                    OUT / "simulated-v1-v4-it-vs-lite0-depth-profiles.png"),
        save_figure(method_comparison(
            results, ceiling,
            title="Simulated V1/V4/IT reconstructed from EfficientNet-Lite0\n"
                  "(held-out, 5 seeded 80/20 splits)"),
            OUT / "simulated-v1-v4-it-vs-lite0-methods.png"),
        save_figure(coupling_heatmap(hot, title="HOT coupling: simulated V1/V4/IT vs "
                                                "EfficientNet-Lite0"),
                    OUT / "simulated-v1-v4-it-vs-lite0-coupling.png"),
    ]
    print("\nwrote", *written, sep="\n  ")


if __name__ == "__main__":
    main()
