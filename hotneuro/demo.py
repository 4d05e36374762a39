"""``hotneuro demo``: the real-network study of the HOT paper on the bundled data.

:func:`run` compares, with HOT and its controls on seeded 80/20 splits:

- EfficientNet-Lite0 (16 blocks) with EfficientNet-Lite1 (21 blocks) on 300 real images;
- MiniLM-L3 (3 layers + embeddings) with MiniLM-L6 (6 layers + embeddings) on 300 real
  English sentences;
- a simulated V1/V4/IT recording (NWB, built from EfficientNet-Lite2 responses; clearly
  labelled simulated) with EfficientNet-Lite0, where HOT should order the regions along
  Lite0's depth;
- the real mouse head-direction session (ADn, CA1 units), first vs second half of the
  wake epoch, where ADn should map to ADn and CA1 to CA1;

and, without held-out scores (8 stimuli are too few), the real Haxby et al. (2001) fMRI
slice, odd vs even runs. It prints the paper's table (HOT, Random Perm-P, Single-Best,
Pairwise-Best: mean ± std over splits) and writes every result (netCDF) and coupling
heatmap (PNG) to a folder.

``hotneuro demo --synthetic`` compares two documented synthetic networks whose right
answer is known instead:

- **network A**: a 6-layer random ReLU network (48 units per layer, He-initialized,
  seeded) driven by 400 Gaussian stimuli;
- **network B**: a 12-layer network in which layers ``2k`` and ``2k + 1`` are both
  noisy, unit-shuffled read-outs of A's layer ``k`` (independent Gaussian noise at
  30 % of the signal's std, and a fresh random order of the units).

HOT should spread each layer of A evenly over its two copies in B (each row of
``L * P`` has 0.5 on two neighbouring target layers), give a hierarchy index near 1,
and reconstruct held-out responses better than the permuted-coupling control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .representations import representation

__all__ = ["DemoSystems", "real_study_pairs", "run", "synthetic_systems"]


@dataclass(frozen=True)
class DemoSystems:
    """The two representations of the demo and a sentence describing them."""

    source: xr.DataArray
    target: xr.DataArray
    description: str


def synthetic_systems(
    *, n_stimuli: int = 400, depth: int = 6, width: int = 48, noise: float = 0.3,
    seed: int = 0,
) -> DemoSystems:
    """Build the demo's two synthetic networks (see the module docstring).

    Parameters
    ----------
    n_stimuli : int
        Number of Gaussian input stimuli.
    depth : int
        Layers of network A (network B has twice as many).
    width : int
        Units per layer.
    noise : float
        Noise std of B's read-outs relative to each unit's std.
    seed : int
        Seed of the weights, stimuli, shuffles and noise.

    Returns
    -------
    DemoSystems
    """
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(n_stimuli, width))
    layers_a: dict[str, np.ndarray] = {}
    for k in range(depth):
        w = rng.normal(scale=np.sqrt(2.0 / width), size=(width, width))
        h = np.maximum(h @ w, 0.0) + 0.01 * h  # leaky ReLU keeps every unit informative
        layers_a[f"A{k + 1}"] = h
    layers_b: dict[str, np.ndarray] = {}
    for k, values in enumerate(layers_a.values()):
        for copy in range(2):
            order = rng.permutation(width)
            scale = values.std(axis=0)[order]
            noisy = values[:, order] + noise * scale * rng.normal(size=values.shape)
            layers_b[f"B{2 * k + copy + 1}"] = noisy
    stimuli = [f"stim{i:04d}" for i in range(n_stimuli)]
    description = (
        f"Synthetic demo data with a known answer: network A is a "
        f"{depth}-layer random ReLU network ({width} units per layer, {n_stimuli} Gaussian "
        f"stimuli, seed {seed}); network B has {2 * depth} layers, each A layer read out "
        f"twice with shuffled units and {noise:.0%} noise. Expected: each A layer splits "
        "its mass evenly over its two copies in B."
    )
    return DemoSystems(
        source=representation(layers_a, stimuli, system="synthetic net A"),
        target=representation(layers_b, stimuli, system="synthetic net B"),
        description=description,
    )


def real_study_pairs() -> dict[str, tuple[xr.DataArray, xr.DataArray, str]]:
    """The scored comparisons of the demo: name -> (source, target, what to expect)."""
    from . import datasets

    lite0 = datasets.load("efficientnet-lite0-images")
    return {
        "Lite0 vs Lite1": (
            lite0, datasets.load("efficientnet-lite1-images"),
            "ImageNet EfficientNet-Lite0 (16 blocks) vs Lite1 (21 blocks), 300 real images: "
            "a near-diagonal coupling (hierarchy index near 1)."),
        "MiniLM-L3 vs MiniLM-L6": (
            datasets.load("minilm-l3-sentences"), datasets.load("minilm-l6-sentences"),
            "paraphrase-MiniLM-L3 vs all-MiniLM-L6, 300 real sentences: each L3 layer "
            "spreads its mass over about two adjacent L6 layers."),
        "Simulated V1/V4/IT vs Lite0": (
            datasets.load("simulated-ventral-stream"), lite0,
            "A SIMULATED recording (Poisson units driven by early, middle and late "
            "EfficientNet-Lite2 blocks) vs Lite0: V1 should map earliest, IT latest."),
        "Mouse ADn/CA1, wake halves": (
            datasets.load("A2929-200711", "wake-first-half"),
            datasets.load("A2929-200711", "wake-second-half"),
            "Real head-direction units, first vs second half of the wake epoch: ADn should "
            "map to ADn and CA1 to CA1."),
    }


def run(out: str | Path | None = "hotneuro-demo", *, splits: int = 5, seed: int = 0,
        synthetic: bool = False, progress: bool = True,
        echo: Callable[[str], None] = print) -> dict[str, object]:
    """Run the demo study, print its tables and write its files.

    Parameters
    ----------
    out : str or Path, optional
        Folder for the result files and heatmaps (created); None writes nothing.
    splits : int
        Seeded 80/20 splits per comparison.
    seed : int
    synthetic : bool
        Compare the two documented synthetic networks instead of the bundled data.
    progress : bool
        Progress bars.
    echo : callable
        Where the text goes (``print`` by default).

    Returns
    -------
    dict
        Name -> result of every comparison.
    """
    from .comparison import compare
    from .study import Study
    from .text import format_result

    if synthetic:
        systems = synthetic_systems(seed=seed)
        echo(systems.description + "\n")
        result = compare(systems.source, systems.target, splits=splits, seed=seed,
                         progress=progress)
        echo(format_result(result))
        study = Study({"synthetic A vs B": result})
    else:
        from . import datasets

        pairs = real_study_pairs()
        results = {}
        for name, (source, target, _) in pairs.items():
            results[name] = compare(source, target, splits=splits, seed=seed,
                                    progress=progress)
        study = Study(results)
        echo("The HOT paper's table on the bundled data: held-out reconstruction of the "
             "source from the target\n")
        echo(study.format_table() + "\n")
        for name, (_, _, expectation) in pairs.items():
            echo(_summary(name, results[name], expectation))
        haxby = compare(datasets.load("haxby2001-slice", "odd-runs"),
                        datasets.load("haxby2001-slice", "even-runs"), seed=seed)
        echo(format_result(
            haxby, "Real fMRI: Haxby et al. (2001) subject 1, three voxel groups of one "
                   "slice, odd vs even runs (8 categories: too few for held-out scores). "
                   "Expected: each group maps to itself."))
        study.results["Haxby odd vs even runs"] = haxby
    if out is not None:
        written = study.save(out)
        echo(f"Wrote {len(written)} files to {Path(out).resolve()}/: the results "
             "(.nc, open with hotneuro.open_result), coupling heatmaps (.png) and the table "
             "(table.txt).")
    return dict(study.results)


def _summary(name: str, result, expectation: str) -> str:
    """Distance, hierarchy index and, per source group, its depth and where its mass goes."""
    head = f"   distance {result.distance:.3f}"
    if len(result.source_groups) >= 3:
        head += f"; hierarchy index {result.hierarchy_index():.3f}"
    lines = [f"== {name}: {expectation}", head,
             "   (barycentric depth: 0 = first target group, 1 = last)"]
    depth = result.barycentric_depth()
    row_mass = (result.coupling * len(result.source_groups)).values
    for group, d, row in zip(result.source_groups, depth.values, row_mass, strict=True):
        spread = ", ".join(f"{t} {w:.2f}" for t, w in zip(result.target_groups, row,
                                                           strict=True) if w > 1e-12)
        lines.append(f"   {group:>12}: depth {d:.2f} -> {spread}")
    return "\n".join(lines) + "\n"
