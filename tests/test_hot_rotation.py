"""HOT+R: HOT with an orthogonal rotation per group pair (alternating Procrustes and OT)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

import hotneuro as hn
from hotneuro.testing import random_network
from hotneuro.transport import Standardizer
from hotneuro.transport.exact import exact_plan
from hotneuro.transport.hot import correlation_cost
from hotneuro.transport.reconstruct import reconstruction_scores
from hotneuro.transport.rotation import rotated_plan


def _z(x):
    return Standardizer.fit(x).transform(x)


def _rotated_copy(rep, seed=0):
    values = rep.values.copy()
    for k, pos in enumerate(hn.representations.groups(rep).values()):
        values[:, pos] = values[:, pos] @ ortho_group.rvs(pos.size, random_state=seed + k)
    return rep.copy(data=values)


@pytest.fixture(scope="module")
def net():
    return random_network(150, (8, 10, 6), seed=3)


def test_rotated_copy_is_near_zero_for_hot_r_and_far_for_hot(net):
    copy = _rotated_copy(net)
    hot = hn.compare(net, copy)
    hot_r = hn.compare(net, copy, method="hot_r")
    # not exactly 0: each unit is standardized after the rotation, which rescales units
    assert hot.distance > 0.3
    assert hot_r.distance < 0.15 * hot.distance
    np.testing.assert_allclose(hot_r.coupling.values, np.eye(3) / 3, atol=1e-12)
    assert hot_r.method == "hot_r" and hot_r.attrs["rotation"] == 1


def test_exactly_rotated_standardized_units_are_matched_to_zero():
    rng = np.random.default_rng(0)
    zx = _z(rng.normal(size=(200, 12)))
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    # rotating standardized data whose columns are orthonormal keeps columns standardized
    u, _, vt = np.linalg.svd(zx - zx.mean(0), full_matrices=False)
    white = u @ vt * np.sqrt(200)  # columns: mean 0, orthogonal, squared norm T
    solved = rotated_plan(white, white @ q)
    assert solved.plan.value < 1e-10
    np.testing.assert_allclose(solved.rotation.T @ solved.rotation, np.eye(12), atol=1e-10)


def test_never_worse_than_hot_pair_by_pair(net):
    other = random_network(150, (9, 7), seed=4, level="region")
    hot = hn.compare(net, other).matrix.values
    hot_r = hn.compare(net, other, method="hot_r").matrix.values
    assert (hot_r <= hot + 1e-12).all()
    rng = np.random.default_rng(1)
    for _ in range(5):
        zx, zy = _z(rng.normal(size=(60, 7))), _z(rng.normal(size=(60, 9)))
        assert rotated_plan(zx, zy).plan.value <= exact_plan(correlation_cost(zx, zy)).value


def test_identity_is_zero_and_marginals_hold(net):
    result = hn.compare(net, net, method="hot_r")
    assert abs(result.distance) < 1e-12
    for g in result.source_groups:
        plan = result.plan(g, g).toarray()
        n = plan.shape[0]
        np.testing.assert_allclose(plan.sum(axis=1), 1 / n, atol=1e-12)
        np.testing.assert_allclose(plan.sum(axis=0), 1 / n, atol=1e-12)


def test_reconstruction_with_identity_rotations_is_plain_hot():
    rng = np.random.default_rng(2)
    xs = [_z(rng.normal(size=(40, 5)))]
    ys = [_z(rng.normal(size=(40, 6))), _z(rng.normal(size=(40, 4)))]
    plans = [[exact_plan(correlation_cost(xs[0], y)) for y in ys]]
    weights = np.array([[0.3, 0.7]])
    plain = reconstruction_scores(xs, ys, plans, weights)
    rotated = reconstruction_scores(xs, ys, plans, weights, [[np.eye(6), np.eye(4)]])
    np.testing.assert_array_equal(plain, rotated)


def test_held_out_scores_use_the_rotations(net):
    copy = _rotated_copy(net, seed=7)
    hot = hn.compare(net, copy, splits=3, seed=0)
    hot_r = hn.compare(net, copy, method="hot_r", splits=3, seed=0)
    assert hot_r.score > hot.score + 0.1
    assert hot_r.score > 0.9
