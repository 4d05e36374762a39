"""Shared test helpers: random deep ReLU networks as plain numpy activations.

The factories below return plain ``dict``s (group name -> array of shape
``(n_stimuli, n_units)``) so that both hotneuro and the reference implementation in
``tests/reference.py`` can consume them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest


def random_stimuli(seed: int, n_stimuli: int, dim: int = 12) -> np.ndarray:
    """Gaussian stimuli x0, shape (n_stimuli, dim)."""
    return np.random.default_rng(seed).normal(size=(n_stimuli, dim))


def relu_net(
    x0: np.ndarray, widths: Sequence[int], seed: int, prefix: str = "layer"
) -> dict[str, np.ndarray]:
    """Activations of a random deep ReLU net: layer k = relu(W_k x_{k-1}).

    Weights are seeded He-normal. A unit that would be dead or nearly so on these
    stimuli (fewer than max(3, S/5) positive responses) gets its weight row redrawn, so
    no unit is constant (the constant-unit rule is tested separately, on purpose).
    """
    rng = np.random.default_rng(seed)
    n_stimuli = x0.shape[0]
    min_active = max(3, n_stimuli // 5)
    layers: dict[str, np.ndarray] = {}
    h = np.asarray(x0, dtype=np.float64)
    for k, width in enumerate(widths):
        fan_in = h.shape[1]
        w = rng.normal(scale=np.sqrt(2.0 / fan_in), size=(width, fan_in))
        pre = h @ w.T
        for j in range(width):
            for _ in range(1000):
                if (pre[:, j] > 0).sum() >= min_active and np.ptp(pre[:, j]) > 0:
                    break
                w[j] = rng.normal(scale=np.sqrt(2.0 / fan_in), size=fan_in)
                pre[:, j] = h @ w[j]
            else:  # pragma: no cover - practically impossible
                raise RuntimeError("could not draw a live ReLU unit")
        h = np.maximum(pre, 0.0)
        layers[f"{prefix}{k}"] = h
    return layers


def net_pair(
    seed: int,
    source_widths: Sequence[int],
    target_widths: Sequence[int],
    n_stimuli: int,
    dim: int = 12,
) -> tuple[dict, dict]:
    """Two independent random ReLU nets ("s0".., "t0"..) driven by the same stimuli."""
    x0 = random_stimuli(seed, n_stimuli, dim)
    source = relu_net(x0, source_widths, seed=10_000 + seed, prefix="s")
    target = relu_net(x0, target_widths, seed=20_000 + seed, prefix="t")
    return source, target


@pytest.fixture(scope="session")
def make_relu_net():
    """Factory fixture: ``make_relu_net(x0, widths, seed, prefix)`` (see relu_net)."""
    return relu_net


@pytest.fixture(scope="session")
def make_net_pair():
    """Factory fixture: ``make_net_pair(seed, source_widths, target_widths, S)``."""
    return net_pair


@pytest.fixture(scope="session")
def make_stimuli():
    """Factory fixture: ``make_stimuli(seed, n_stimuli, dim)``."""
    return random_stimuli


# -- small systems shared by the measure tests -----------------------------------------


@pytest.fixture(scope="module")
def pair():
    """A 3-layer net and a 2-region system on the same 40 stimuli (unequal widths)."""
    from hotneuro.testing import random_network

    return (random_network(40, (5, 9, 6), seed=11),
            random_network(40, (7, 4), seed=12, level="region"))


@pytest.fixture(scope="module")
def wide():
    """Groups with more units than stimuli (12 stimuli)."""
    from hotneuro.testing import random_network

    return (random_network(12, (30, 5, 50), seed=13),
            random_network(12, (4, 40), seed=14, level="region"))
