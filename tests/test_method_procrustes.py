"""Procrustes shape metric against scipy's orthogonal Procrustes; metric axioms; real data."""

from __future__ import annotations

import numpy as np
import pytest
from groups import group_positions
from scipy.linalg import orthogonal_procrustes
from scipy.stats import ortho_group

import hotneuro as hn
from hotneuro.methods.procrustes import procrustes_residual, shape_coordinates
from hotneuro.testing import random_network


def _normalized_padded(x, width):
    x = x - x.mean(axis=0)
    x = x / np.linalg.norm(x)
    return np.pad(x, ((0, 0), (0, width - x.shape[1])))


def _reference(x, y):
    """(angle from the nuclear norm, residual after scipy's optimal rotation)."""
    width = max(x.shape[1], y.shape[1])
    xn, yn = _normalized_padded(x, width), _normalized_padded(y, width)
    nuclear = np.linalg.svd(xn.T @ yn, compute_uv=False).sum()
    rotation, _ = orthogonal_procrustes(yn, xn)  # argmin_R ||yn R - xn||_F
    return np.arccos(min(nuclear, 1.0)), np.linalg.norm(xn - yn @ rotation), nuclear





@pytest.mark.parametrize("which", ["pair", "wide"])
def test_matrix_matches_nuclear_norm_and_scipy_procrustes(request, which):
    a, b = request.getfixturevalue(which)
    angular = hn.compare(a, b, method="procrustes")
    euclidean = hn.compare(a, b, method="procrustes", form="euclidean")
    for i, pa in enumerate(group_positions(a)):
        for j, pb in enumerate(group_positions(b)):
            theta, residual, nuclear = _reference(a.values[:, pa], b.values[:, pb])
            assert angular.matrix.values[i, j] == pytest.approx(theta, rel=1e-9)
            assert euclidean.matrix.values[i, j] == pytest.approx(residual, rel=1e-9)
            assert residual == pytest.approx(np.sqrt(2 - 2 * nuclear), rel=1e-9)
            assert angular.dataset["similarity_matrix"].values[i, j] == pytest.approx(
                nuclear, rel=1e-9)
            assert euclidean.dataset["similarity_matrix"].values[i, j] == pytest.approx(
                nuclear, rel=1e-9)
    assert not angular.higher_is_similar
    assert angular.parameters["form"] == "angular"
    assert euclidean.parameters["form"] == "euclidean"
    m = angular.matrix.values
    assert np.all((m >= 0) & (m <= np.pi / 2))
    np.testing.assert_allclose(2 * np.sin(m / 2), euclidean.matrix.values, rtol=1e-12)


def test_wide_groups_are_reduced_to_stimuli_columns(wide):
    a, _ = wide
    x = a.values[:, group_positions(a)[2]]  # 12 stimuli x 50 units
    reduced = shape_coordinates(x)
    assert reduced.shape == (12, 12)
    xn = _normalized_padded(x, 50)
    np.testing.assert_allclose(reduced @ reduced.T, xn @ xn.T, atol=1e-14)


def test_residual_is_accurate_near_zero():
    rng = np.random.default_rng(0)
    x = shape_coordinates(rng.normal(size=(30, 6)))
    q = ortho_group.rvs(6, random_state=rng)
    assert procrustes_residual(x, x @ q) < 1e-14
    nudged = x + 1e-9 * rng.normal(size=x.shape)
    _, expected, _ = _reference(x, nudged)
    assert procrustes_residual(x, shape_coordinates(nudged)) == pytest.approx(expected,
                                                                             rel=1e-5)


@pytest.mark.parametrize("form", ["angular", "euclidean"])
def test_identity_is_zero_and_best_match_is_itself(pair, form):
    a, _ = pair
    result = hn.compare(a, a, method="procrustes", form=form)
    np.testing.assert_allclose(np.diag(result.matrix.values), 0.0, atol=1e-14)
    assert list(result.best_target.values) == result.source_groups
    assert result.distance == pytest.approx(0.0, abs=1e-14)
    assert result.similarity == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("form", ["angular", "euclidean"])
def test_metric_axioms(form):
    systems = [random_network(30, (4, 8, 20, 40), seed=s) for s in (1, 2, 3)]
    d = {(i, j): hn.compare(systems[i], systems[j], method="procrustes",
                            form=form).matrix.values
         for i in range(3) for j in range(3)}
    np.testing.assert_allclose(d[0, 1], d[1, 0].T, atol=1e-12)
    assert np.all(d[0, 1] > 1e-3)
    # d(x, z) <= d(x, y) + d(y, z) for every triple of groups from three systems
    bound = d[0, 1][:, :, None] + d[1, 2][None, :, :]
    assert np.all(d[0, 2][:, None, :] <= bound + 1e-12)


@pytest.mark.parametrize("which", ["pair", "wide"])
def test_invariant_to_rotation_scaling_translation_and_permutation(request, which):
    a, b = request.getfixturevalue(which)
    rng = np.random.default_rng(0)
    values = b.values.copy()
    for pos in group_positions(b):
        q = ortho_group.rvs(pos.size, random_state=rng)
        values[:, pos] = 3.7 * values[:, pos] @ q + 5 * rng.normal(size=pos.size)
    moved = b.copy(data=values)
    moved = moved.isel(unit=rng.permutation(moved.sizes["unit"]),
                       stimulus=rng.permutation(moved.sizes["stimulus"]))
    base = hn.compare(a, b, method="procrustes").matrix
    again = hn.compare(a, moved, method="procrustes").matrix  # groups may come reordered
    np.testing.assert_allclose(again.sel(target_region=base["target_region"]).values,
                               base.values, rtol=1e-9, atol=1e-12)


def test_not_invariant_to_general_linear_maps(pair):
    a, b = pair
    rng = np.random.default_rng(1)
    values = b.values.copy()
    for pos in group_positions(b):
        values[:, pos] = values[:, pos] @ (rng.normal(size=(pos.size, pos.size))
                                           + 3 * np.eye(pos.size))
    base = hn.compare(a, b, method="procrustes").matrix.values
    changed = hn.compare(a, b.copy(data=values), method="procrustes").matrix.values
    assert np.abs(changed - base).max() > 1e-3


def test_bad_options_are_refused(pair):
    a, b = pair
    with pytest.raises(hn.ParameterError, match="form="):
        hn.compare(a, b, method="procrustes", alpha=1.0)
    with pytest.raises(hn.ParameterError, match="form must be one of"):
        hn.compare(a, b, method="procrustes", form="chordal")


def test_planted_noisy_permuted_copy_is_each_layers_best_match():
    net = random_network(60, (8, 10, 12, 9, 7), seed=31)
    rng = np.random.default_rng(32)
    values = net.values.copy()
    for pos in group_positions(net):  # rotate, rescale, shift, add noise
        values[:, pos] = (2.5 * values[:, pos] @ ortho_group.rvs(pos.size, random_state=rng)
                          + rng.normal(size=pos.size))
    values += 0.3 * net.values.std() * rng.normal(size=net.shape)
    copy = net.copy(data=values).isel(unit=rng.permutation(net.sizes["unit"]))
    result = hn.compare(net, copy, method="procrustes")
    assert list(result.best_target.values) == result.source_groups
    assert list(result.best_source.values) == result.target_groups


def test_haxby_halves():
    """Odd vs even runs (8 categories x 530 voxels in 3 regions): reduced 8 x 8 path."""
    odd = hn.datasets.load("haxby2001-slice", "odd-runs")
    even = hn.datasets.load("haxby2001-slice", "even-runs")
    result = hn.compare(odd, even, method="procrustes")
    m = result.matrix.values
    aligned = even.sel(stimulus=odd["stimulus"].values)
    for i, pa in enumerate(group_positions(odd)):
        for j, pb in enumerate(group_positions(aligned)):
            theta, _, _ = _reference(odd.values[:, pa], aligned.values[:, pb])
            assert m[i, j] == pytest.approx(theta, rel=1e-9)
    # The anterior region's shape is the most reproducible across halves.
    assert np.unravel_index(np.argmin(m), m.shape) == (2, 2)
    assert m[2, 2] == pytest.approx(0.4591, abs=1e-4)
