"""The synthetic known-answer comparison behind ``hotneuro demo --synthetic``.

(Plain ``hotneuro demo`` runs on the bundled real recordings, see
:mod:`hotneuro.datasets`.) The synthetic demo compares two documented networks whose
right answer is known:

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

from dataclasses import dataclass

import numpy as np
import xarray as xr

from .representations import representation

__all__ = ["DemoSystems", "synthetic_systems"]


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
