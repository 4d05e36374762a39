"""Soft matching and permutation matching against explicit OT, brute force and HOT."""

from __future__ import annotations

import itertools
import json

import numpy as np
import ot
import pytest

import hotneuro as hn
from hotneuro.testing import random_network


def _blocks(rep):
    return [rep.values[:, pos] for pos in hn.representations.groups(rep).values()]


def _corr_cost(x, y):
    """1 - Pearson r between the columns of x and of y, from np.corrcoef."""
    n = x.shape[1]
    return 1.0 - np.corrcoef(x.T, y.T)[:n, n:]


def _soft_matching(x, y):
    cost = _corr_cost(x, y)
    a = np.full(cost.shape[0], 1.0 / cost.shape[0])
    b = np.full(cost.shape[1], 1.0 / cost.shape[1])
    return float(np.sum(ot.emd(a, b, cost) * cost))


def _brute_force_matching(x, y):
    """Mean cost of the best injective matching of the narrower group, by enumeration."""
    cost = _corr_cost(x, y)
    if cost.shape[0] > cost.shape[1]:
        cost = cost.T
    n, m = cost.shape
    return min(np.mean(cost[np.arange(n), list(p)]) for p in itertools.permutations(range(m), n))


def _explicit(rep_a, rep_b, function):
    return np.array([[function(x, y) for y in _blocks(rep_b)] for x in _blocks(rep_a)])


@pytest.fixture(scope="module")
def pair():
    return (random_network(40, (5, 9, 6), seed=11, system="A"),
            random_network(40, (7, 4, 5), seed=12, level="region", system="B"))


@pytest.fixture(scope="module")
def tiny():
    return (random_network(25, (3, 5, 4), seed=3, system="A"),
            random_network(25, (4, 2, 6), seed=4, level="region", system="B"))


@pytest.fixture(scope="module")
def recording():
    first = hn.datasets.load("A2929-200711", "wake-first-half")
    second = hn.datasets.load("A2929-200711", "wake-second-half")
    return first, second


def test_soft_matching_matches_explicit_emd(pair):
    a, b = pair
    result = hn.compare(a, b, method="soft_matching")
    np.testing.assert_allclose(result.matrix.values, _explicit(a, b, _soft_matching),
                               rtol=1e-10, atol=1e-12)
    assert result.matrix.dims == ("source_layer", "target_region")
    assert not result.higher_is_similar
    assert result.parameters["cost"] == "correlation"
    np.testing.assert_allclose(result.dataset["similarity_matrix"].values,
                               1.0 - result.matrix.values)


@pytest.mark.parametrize("seeds", [(11, 12), (5, 6)])
def test_soft_matching_is_hot_inner_value(seeds):
    a = random_network(36, (5, 9, 6, 4), seed=seeds[0])
    b = random_network(36, (7, 4, 6), seed=seeds[1], level="region")
    soft = hn.compare(a, b, method="soft_matching").matrix.values
    inner = hn.compare(a, b, method="hot").matrix.values
    np.testing.assert_allclose(soft, inner, rtol=0, atol=1e-12)


def test_permutation_matches_brute_force(tiny):
    a, b = tiny
    result = hn.compare(a, b, method="permutation")
    np.testing.assert_allclose(result.matrix.values, _explicit(a, b, _brute_force_matching),
                               rtol=1e-10, atol=1e-12)
    swapped = hn.compare(b, a, method="permutation")
    np.testing.assert_allclose(swapped.matrix.values, result.matrix.values.T, atol=1e-12)


def test_equal_width_pairs_agree_and_values_lie_in_range(tiny):
    # With equal widths the two coincide (Birkhoff); with unequal widths permutation
    # drops the wider group's surplus units, so neither bounds the other in general,
    # but both are mean costs of plans on the same cost, so both lie in [0, 2].
    a, b = tiny
    soft = hn.compare(a, b, method="soft_matching").matrix.values
    hard = hn.compare(a, b, method="permutation").matrix.values
    wa = [p.size for p in hn.representations.groups(a).values()]
    wb = [p.size for p in hn.representations.groups(b).values()]
    for i, j in itertools.product(range(len(wa)), range(len(wb))):
        if wa[i] == wb[j]:
            assert hard[i, j] == pytest.approx(soft[i, j], abs=1e-12)
    assert np.all((hard >= 0) & (hard <= 2)) and np.all((soft >= 0) & (soft <= 2))


def test_equal_widths_permutation_equals_soft_matching():
    a = random_network(30, (6, 6), seed=1)
    b = random_network(30, (6, 6), seed=2, level="region")
    np.testing.assert_allclose(hn.compare(a, b, method="permutation").matrix.values,
                               hn.compare(a, b, method="soft_matching").matrix.values,
                               atol=1e-12)


@pytest.mark.parametrize("method", ["soft_matching", "permutation"])
def test_euclidean_cost_is_the_wasserstein_metric_form(pair, method):
    a, b = pair
    corr = hn.compare(a, b, method=method).matrix.values
    euc = hn.compare(a, b, method=method, cost="euclidean")
    np.testing.assert_allclose(euc.matrix.values, np.sqrt(2.0 * corr), rtol=1e-12)
    # the similarity is the mean matched correlation for either cost
    np.testing.assert_allclose(euc.dataset["similarity_matrix"].values, 1.0 - corr, atol=1e-12)
    assert euc.parameters["cost"] == "euclidean"


def test_euclidean_soft_matching_against_explicit_w2(pair):
    a, b = pair
    T = a.sizes["stimulus"]

    def w2(x, y):
        zx = (x - x.mean(0)) / x.std(0) / np.sqrt(T)
        zy = (y - y.mean(0)) / y.std(0) / np.sqrt(T)
        return np.sqrt(ot.emd2(np.full(zx.shape[1], 1 / zx.shape[1]),
                               np.full(zy.shape[1], 1 / zy.shape[1]),
                               ot.dist(zx.T, zy.T)))

    result = hn.compare(a, b, method="soft_matching", cost="euclidean")
    np.testing.assert_allclose(result.matrix.values, _explicit(a, b, w2), rtol=1e-9)


@pytest.mark.parametrize("method", ["soft_matching", "permutation"])
@pytest.mark.parametrize("cost", ["correlation", "euclidean"])
def test_identity_is_zero_and_best_match_is_itself(pair, method, cost):
    a, _ = pair
    result = hn.compare(a, a, method=method, cost=cost)
    # rounding leaves ~1e-16 (of either sign for the correlation cost, as in HOT)
    np.testing.assert_allclose(np.diag(result.matrix.values), 0.0,
                               atol=1e-7 if cost == "euclidean" else 1e-12)
    assert list(result.best_target.values) == result.source_groups
    assert result.similarity == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("method", ["soft_matching", "permutation"])
def test_positive_rescaling_is_invisible_but_a_sign_flip_is_not(pair, method):
    a, b = pair
    rng = np.random.default_rng(0)
    base = hn.compare(a, b, method=method).matrix.values
    scaled = b.copy(data=b.values * rng.uniform(0.2, 5.0, b.sizes["unit"]) + 3.0)
    np.testing.assert_allclose(hn.compare(a, scaled, method=method).matrix.values, base,
                               rtol=1e-9)
    shuffled = b.isel(unit=rng.permutation(b.sizes["unit"]))
    np.testing.assert_allclose(hn.compare(a, shuffled, method=method).matrix.values, base,
                               rtol=1e-9)
    flipped = b.copy(data=-b.values)
    assert not np.allclose(hn.compare(a, flipped, method=method).matrix.values, base)


def test_constant_units_are_dropped_and_reported(pair):
    a, b = pair
    values = b.values.copy()
    values[:, 0] = 2.5
    b2 = b.copy(data=values)
    result = hn.compare(a, b2, method="soft_matching")
    dropped = json.loads(result.dataset.attrs["dropped_target_units"])
    assert dropped == [b["unit"].values[0]]
    kept = b.isel(unit=slice(1, None))
    np.testing.assert_allclose(result.matrix.values,
                               hn.compare(a, kept, method="soft_matching").matrix.values,
                               atol=1e-12)


@pytest.mark.parametrize("method", ["soft_matching", "permutation"])
def test_bad_options_are_refused(pair, method):
    a, b = pair
    with pytest.raises(hn.ParameterError, match="cost must be"):
        hn.compare(a, b, method=method, cost="cosine")
    with pytest.raises(hn.ParameterError, match="cost must be"):
        hn.compare(a, b, method=method, cost=1)
    with pytest.raises(hn.ParameterError, match="takes the option cost="):
        hn.compare(a, b, method=method, metric=True)


def test_metadata():
    meta = {m["name"]: m["metadata"] for m in hn.list_methods()}
    for name in ("soft_matching", "permutation"):
        assert meta[name]["higher_is_similar"] is False
        assert meta[name]["symmetric"] is True
        assert "cost" in meta[name]["options"]
        assert "per-unit affine scaling" in meta[name]["invariances"]
        assert "orthogonal" not in meta[name]["invariances"]


def test_real_recording_halves(recording):
    """Head-direction tuning (ADN) is stable across the two halves of the wake epoch;
    CA1 tuning to head direction is weak and is not."""
    first, second = recording
    soft = hn.compare(first, second, method="soft_matching")
    hot = hn.compare(first, second, method="hot")
    hard = hn.compare(first, second, method="permutation")
    assert soft.matrix.dims == ("source_region", "target_region")
    assert soft.source_groups == ["adn", "ca1"]
    np.testing.assert_allclose(soft.matrix.values, hot.matrix.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(soft.matrix.values,
                               [[0.042952, 0.687201], [0.621231, 0.694443]], atol=5e-7)
    np.testing.assert_allclose(hard.matrix.values,
                               [[0.042952, 0.658721], [0.578465, 0.694443]], atol=5e-7)
    np.testing.assert_allclose(soft.matrix.values, _explicit(first, second, _soft_matching),
                               rtol=1e-10)
    # adn (7 units) vs adn: equal widths, so hard and soft matching agree
    assert hard.matrix.values[0, 0] == pytest.approx(soft.matrix.values[0, 0], abs=1e-12)
    assert list(soft.best_target.values) == ["adn", "adn"]
    assert soft.matrix.values[0, 0] < 0.1 < soft.matrix.values[1, 1]
