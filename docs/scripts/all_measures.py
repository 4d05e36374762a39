"""Every built-in measure on EfficientNet-Lite0 vs Lite1 (bundled activations), as the
Markdown table of docs/methods.md: global values, time, and each measure's choice of
Lite1 block for every Lite0 block beside HOT's coupling.

    python docs/scripts/all_measures.py
"""

from __future__ import annotations

import time

import hotneuro as hn

SPECS = [("hot", {}), ("hot_r", {}), ("pairwise_best", {}), ("cka", {}),
         ("cka", {"debiased": True}), ("rsa", {}), ("procrustes", {}),
         ("cca", {"svcca_dims": 20}), ("soft_matching", {}), ("permutation", {}),
         ("linear_predictivity", {})]


def main() -> None:
    source = hn.datasets.load("efficientnet-lite0-images")
    target = hn.datasets.load("efficientnet-lite1-images")
    print("| measure | seconds | distance | similarity | best Lite1 block for Lite0 blocks 0-15 |")
    print("| --- | --- | --- | --- | --- |")
    for name, options in SPECS:
        start = time.perf_counter()
        result = hn.compare(source, target, method=name, **options)
        seconds = time.perf_counter() - start
        best = [result.target_groups.index(t) for t in result.best_target.values]
        label = name + (f" ({', '.join(f'{k}={v}' for k, v in options.items())})"
                        if options else "")
        print(f"| {label} | {seconds:.2f} | {result.distance:.3f} | {result.similarity:.3f} "
              f"| {' '.join(map(str, best))} |")


if __name__ == "__main__":
    main()
