"""Every registered method, built-in or from a plugin, follows the method contract.

Parametrized over ``hotneuro.list_methods()``: labels, declared symmetry, identity, seeds,
inputs untouched and netCDF (``hotneuro.testing.check_method``); every declared invariance,
tested by transforming the target's units; stimulus order irrelevant after alignment;
bad options refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

import hotneuro as hn
from hotneuro.methods import INVARIANCES
from hotneuro.plugins import get_method
from hotneuro.testing import check_method, random_network

METHODS = [m["name"] for m in hn.list_methods()]


def _transform(rep, invariance: str, seed: int = 0):
    """Apply a transformation of one invariance class to every group of ``rep``."""
    rng = np.random.default_rng(seed)
    values = rep.values.copy()
    for pos in hn.representations.groups(rep).values():
        block = values[:, pos]
        n = pos.size
        if invariance == "permutation":
            block = block[:, rng.permutation(n)]
        elif invariance == "orthogonal":
            block = block @ ortho_group.rvs(n, random_state=rng)
        elif invariance == "isotropic scaling":
            block = 4.2 * block
        elif invariance == "invertible linear":
            block = block @ (rng.normal(size=(n, n)) + 3 * np.eye(n))
        elif invariance == "translation":
            block = block + rng.normal(size=n) * 5
        elif invariance == "per-unit affine scaling":
            block = block * rng.uniform(0.5, 3.0, size=n) + rng.normal(size=n)
        values[:, pos] = block
    return rep.copy(data=values)


@pytest.fixture(scope="module")
def pair():
    return (random_network(48, (5, 7, 6), seed=21, system="A"),
            random_network(48, (6, 5, 4), seed=22, level="region", system="B"))


@pytest.mark.parametrize("name", METHODS)
def test_contract(name):
    check_method(get_method(name))


@pytest.mark.parametrize("name", METHODS)
def test_metadata_names_known_invariances(name):
    meta = get_method(name).metadata
    unknown = set(meta["invariances"]) - set(INVARIANCES)
    assert not unknown, f"{name} declares unknown invariances {unknown}"
    assert isinstance(meta["higher_is_similar"], bool)
    assert isinstance(meta["needs_fit_split"], bool)


@pytest.mark.parametrize("name,invariance", [
    (m["name"], inv) for m in hn.list_methods() for inv in m["metadata"]["invariances"]])
def test_declared_invariances_hold(pair, name, invariance):
    a, b = pair
    base = hn.compare(a, b, method=name)
    moved = hn.compare(a, _transform(b, invariance), method=name)
    np.testing.assert_allclose(moved.matrix.values, base.matrix.values, rtol=1e-7,
                               atol=1e-9, err_msg=f"{name} is not {invariance}-invariant")


@pytest.mark.parametrize("name", METHODS)
def test_stimulus_order_does_not_matter(pair, name):
    a, b = pair
    rng = np.random.default_rng(5)
    shuffled = b.isel(stimulus=rng.permutation(b.sizes["stimulus"]))
    np.testing.assert_allclose(hn.compare(a, shuffled, method=name).matrix.values,
                               hn.compare(a, b, method=name).matrix.values,
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", METHODS)
def test_identity_gives_the_best_value(pair, name):
    a, _ = pair
    result = hn.compare(a, a, method=name)
    matrix = result.matrix.values
    best = matrix.max(axis=1) if get_method(name).metadata["higher_is_similar"] \
        else matrix.min(axis=1)
    np.testing.assert_allclose(np.diag(matrix), best, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", METHODS)
def test_unknown_option_is_refused(pair, name):
    a, b = pair
    with pytest.raises(hn.ParameterError):
        hn.compare(a, b, method=name, no_such_option=1)


def test_every_method_is_documented():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "methods.md").read_text()
    builtin = [m["name"] for m in hn.list_methods() if m["plugin"] == "hotneuro.methods.plugin"]
    for name in builtin:
        assert f"| `{name}` |" in page, f"{name} is missing from docs/methods.md"
