"""The numbers of docs/statistics.md: permutation tests and bootstrap intervals on the
bundled real activations and on the simulated recording.

    python docs/scripts/inference_numbers.py            # both studies
    python docs/scripts/inference_numbers.py lite       # EfficientNet-Lite0 vs Lite1 only
    python docs/scripts/inference_numbers.py simulated  # simulated V1/V4/IT vs Lite0 only
"""

from __future__ import annotations

import sys
import time

import numpy as np

import hotneuro as hn


def _interval(ci, name: str) -> str:
    lo, hi = ci[name].values
    return f"[{lo:.3f}, {hi:.3f}]"


def lite(permutations: int = 100, bootstrap: int = 100) -> None:
    source = hn.datasets.load("efficientnet-lite0-images")
    target = hn.datasets.load("efficientnet-lite1-images")
    start = time.perf_counter()
    hn.compare(source, target, splits=5, seed=0)
    print(f"observed fit with 5 splits: {time.perf_counter() - start:.1f} s")
    for kind, kw in (("permutations", dict(permutations=permutations)),
                     ("bootstrap", dict(bootstrap=bootstrap))):
        start = time.perf_counter()
        r = hn.compare(source, target, splits=5, seed=0, **kw)
        print(f"{kind}={kw[kind]}: {time.perf_counter() - start:.1f} s")
        print(r)
        if kind == "permutations":
            null = r.null
            print(f"  null distance: min {null['distance'].min().item():.4f}, "
                  f"median {null['distance'].median().item():.4f}; "
                  f"null score: max {null['score'].max().item():.4f}, "
                  f"median {null['score'].median().item():.4f}")
            print(f"  p(distance) {float(r.pvalue['distance']):.4f}, "
                  f"p(score) {float(r.pvalue['score']):.4f}, "
                  f"family-wise p of every block pair <= 0.05: "
                  f"{int((r.pvalue['matrix_fwe'] <= 0.05).sum())} of "
                  f"{r.pvalue['matrix_fwe'].size}")
        else:
            ci = r.ci
            print(f"  distance {r.distance:.4f} CI {_interval(ci, 'distance')}; "
                  f"score {r.score:.4f} CI {_interval(ci, 'score')}; "
                  f"hierarchy index {r.hierarchy_index():.4f} "
                  f"CI {_interval(ci, 'hierarchy_index')}; "
                  f"bootstrap mean distance {float(r.bootstrap['distance'].mean()):.4f}")
            freq = ci["best_target"]
            modal = [int(freq.values[i].argmax()) for i in range(freq.shape[0])]
            share = [float(freq.values[i].max()) for i in range(freq.shape[0])]
            print("  modal best Lite1 block per Lite0 block:", modal)
            print("  its share of resamples:", " ".join(f"{s:.2f}" for s in share))


def simulated(permutations: int = 1000, bootstrap: int = 1000) -> None:
    source = hn.datasets.load("simulated-ventral-stream")
    target = hn.datasets.load("efficientnet-lite0-images")
    start = time.perf_counter()
    r = hn.compare(source, target, splits=5, seed=0, permutations=permutations,
                   bootstrap=bootstrap)
    print(f"simulated vs Lite0, splits=5, permutations={permutations}, "
          f"bootstrap={bootstrap}: {time.perf_counter() - start:.1f} s")
    print(r)
    ci = r.ci
    depth = r.barycentric_depth()
    for i, region in enumerate(r.source_groups):
        freq = ci["best_target"].values[i]
        top = np.argsort(freq)[::-1][:3]
        dist = ", ".join(f"block {r.target_groups[j]} {freq[j]:.2f}" for j in top if freq[j] > 0)
        lo, hi = ci["barycentric_depth"].values[:, i]
        print(f"  {region}: depth {depth.values[i]:.3f} CI [{lo:.3f}, {hi:.3f}]; "
              f"best block {r.best_target.values[i]}; over resamples: {dist}")
    print(f"  score {r.score:.4f} CI {_interval(ci, 'score')}, p(score) "
          f"{float(r.pvalue['score']):.4f}, p(distance) {float(r.pvalue['distance']):.4f}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["lite", "simulated"]
    if "simulated" in which:
        simulated()
    if "lite" in which:
        lite()
