"""The figure of docs/concepts.md: HOT's two levels on the synthetic known-answer pair.

    python docs/scripts/concept_figure.py      # writes docs/figures/hot-two-levels.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import hotneuro as hn
from hotneuro.demo import synthetic_systems
from hotneuro.plots import coupling_heatmap


def main() -> None:
    systems = synthetic_systems(depth=4, width=12, n_stimuli=200, seed=0)
    result = hn.compare(systems.source, systems.target)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.4, 1])
    coupling_heatmap(result, ax=left, title="outer plan: L x P over layer pairs")
    plan = result.plan("A2", "B3").toarray() * 12
    image = right.imshow(plan, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    right.set_title("inner plan n x Q for the pair (A2, B3)", fontsize=9)
    right.set_xlabel("units of B3 (target)")
    right.set_ylabel("units of A2 (source)")
    right.set_xticks(range(12), [u.split("/")[-1] for u in result.target_units("B3")])
    right.set_yticks(range(12), [u.split("/")[-1] for u in result.source_units("A2")])
    fig.colorbar(image, ax=right, label="mass x n (row sums to 1)", shrink=0.9)
    out = Path(__file__).resolve().parents[1] / "figures" / "hot-two-levels.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=150)
    print(out, "nonzeros of the inner plan:", int(np.count_nonzero(plan)))


if __name__ == "__main__":
    main()
