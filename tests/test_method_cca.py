"""Mean CCA against explicit whitening, SVCCA and canonical ridge; invariances; real data."""

from __future__ import annotations

import numpy as np
import pytest
from groups import group_positions
from scipy.stats import ortho_group

import hotneuro as hn
from hotneuro.methods.cca import canonical_correlations
from hotneuro.testing import random_network


def _inverse_sqrt(s):
    w, v = np.linalg.eigh(s)
    return v @ np.diag(w ** -0.5) @ v.T


def _reference(x, y, regularization=0.0, dims=None):
    """Canonical correlations by whitening covariances (eigh), largest first."""
    n = x.shape[0]
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    ranks = [np.linalg.matrix_rank(x), np.linalg.matrix_rank(y)]
    if dims is not None:  # principal components from the covariance's eigenvectors
        x, y = ([z @ np.linalg.eigh(z.T @ z)[1][:, ::-1][:, :dims] for z in (x, y)])
        ranks = [min(r, dims) for r in ranks]
    covariances = []
    for z in (x, y):
        s = z.T @ z / (n - 1)
        s += regularization * np.trace(s) / min(z.shape[1], n - 1) * np.eye(z.shape[1])
        covariances.append(s)
    m = _inverse_sqrt(covariances[0]) @ (x.T @ y / (n - 1)) @ _inverse_sqrt(covariances[1])
    return np.linalg.svd(m, compute_uv=False)[: min(ranks)]





@pytest.mark.parametrize("options", [
    {}, {"svcca_dims": 3}, {"regularization": 0.5}, {"svcca_dims": 4, "regularization": 2.0},
    {"svcca_dims": 100}])
def test_matrix_matches_explicit_whitening(pair, options):
    a, b = pair
    result = hn.compare(a, b, method="cca", **options)
    for i, pa in enumerate(group_positions(a)):
        for j, pb in enumerate(group_positions(b)):
            rho = _reference(a.values[:, pa], b.values[:, pb],
                             options.get("regularization", 0.0), options.get("svcca_dims"))
            assert result.matrix.values[i, j] == pytest.approx(rho.mean(), rel=1e-9)
    assert result.parameters["svcca_dims"] == options.get("svcca_dims")
    assert result.parameters["regularization"] == options.get("regularization", 0.0)
    assert result.higher_is_similar


@pytest.mark.parametrize("options", [{"regularization": 0.3}, {"svcca_dims": 2},
                                     {"svcca_dims": 5, "regularization": 1.0}])
def test_wide_groups_match_the_reference(wide, options):
    a, b = wide
    result = hn.compare(a, b, method="cca", **options)
    for i, pa in enumerate(group_positions(a)):
        for j, pb in enumerate(group_positions(b)):
            rho = _reference(a.values[:, pa], b.values[:, pb],
                             options.get("regularization", 0.0), options.get("svcca_dims"))
            assert result.matrix.values[i, j] == pytest.approx(rho.mean(), rel=1e-8)


def test_a_representation_and_an_invertible_map_of_it_correlate_fully():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6))
    mixed = x @ (rng.normal(size=(6, 6)) + 3 * np.eye(6)) + 7.0
    np.testing.assert_allclose(canonical_correlations(x, mixed), 1.0, rtol=1e-12)
    a = hn.representation({"g": x})
    b = hn.representation({"h": mixed})
    assert hn.compare(a, b, method="cca").matrix.item() == pytest.approx(1.0, rel=1e-12)
    # independent noise does not
    noise = rng.normal(size=(50, 6))
    assert canonical_correlations(x, noise).mean() < 0.5


def test_identity_is_one_and_best_match_is_itself(pair):
    a, _ = pair
    result = hn.compare(a, a, method="cca")
    np.testing.assert_allclose(np.diag(result.matrix.values), 1.0, rtol=1e-12)
    assert list(result.best_target.values) == result.source_groups
    np.testing.assert_allclose(result.matrix.values, result.matrix.values.T, atol=1e-12)


def _mapped(rep, kind, seed=0):
    rng = np.random.default_rng(seed)
    values = rep.values.copy()
    for pos in group_positions(rep):
        n = pos.size
        m = (rng.normal(size=(n, n)) + 3 * np.eye(n) if kind == "linear"
             else 3.7 * ortho_group.rvs(n, random_state=rng))
        values[:, pos] = values[:, pos] @ m + 5 * rng.normal(size=n)
    moved = rep.copy(data=values)
    return moved.isel(unit=rng.permutation(moved.sizes["unit"]))


def _aligned(result, base):
    return result.matrix.sel(target_region=base.matrix["target_region"]).values


def test_default_is_invariant_to_invertible_linear_maps(pair):
    a, b = pair
    base = hn.compare(a, b, method="cca")
    moved = hn.compare(a, _mapped(b, "linear"), method="cca")
    np.testing.assert_allclose(_aligned(moved, base), base.matrix.values, rtol=1e-9)


@pytest.mark.parametrize("options", [{"svcca_dims": 3}, {"regularization": 0.5}])
def test_svcca_and_ridge_keep_only_similarity_invariances(pair, options):
    a, b = pair
    base = hn.compare(a, b, method="cca", **options)
    rotated = hn.compare(a, _mapped(b, "similarity"), method="cca", **options)
    np.testing.assert_allclose(_aligned(rotated, base), base.matrix.values, rtol=1e-9)
    linear = hn.compare(a, _mapped(b, "linear"), method="cca", **options)
    assert np.abs(_aligned(linear, base) - base.matrix.values).max() > 1e-3


def test_ridge_shrinks_towards_zero():
    a = random_network(40, (5, 9, 6), seed=11)
    b = random_network(40, (7, 4), seed=12, level="region")
    values = [hn.compare(a, b, method="cca", regularization=lam).matrix.values
              for lam in (0.0, 0.1, 1.0, 10.0)]
    for weaker, stronger in zip(values[:-1], values[1:], strict=True):
        assert np.all(stronger < weaker)
    assert np.all((values[-1] > 0) & (values[0] <= 1))


def test_too_few_stimuli_is_refused_with_the_fix(wide):
    a, b = wide  # 12 stimuli, groups of up to 50 units
    with pytest.raises(hn.ParameterError, match="svcca_dims=k with 2k <= 11"):
        hn.compare(a, b, method="cca")
    # Ranks adding up to more than n - 1 force canonical correlations of 1 ...
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 12)), rng.normal(size=(20, 10))
    forced = _reference(x, y)
    np.testing.assert_allclose(forced[:3], 1.0, rtol=1e-9)  # 12 + 10 - 19 = 3
    c = hn.representation({"x": x})
    d = hn.representation({"y": y}, level="region")
    with pytest.raises(hn.ParameterError, match="at least 3 of their canonical"):
        hn.compare(c, d, method="cca")
    with pytest.raises(hn.ParameterError, match="a smaller svcca_dims"):
        hn.compare(c, d, method="cca", svcca_dims=10)
    # ... which SVCCA or the ridge avoid.
    assert hn.compare(c, d, method="cca", svcca_dims=9).matrix.item() < 0.9
    assert hn.compare(c, d, method="cca", regularization=1.0).matrix.item() < 0.9


def test_bad_options_are_refused(pair):
    a, b = pair
    with pytest.raises(hn.ParameterError, match="svcca_dims= and regularization="):
        hn.compare(a, b, method="cca", ridge=1.0)
    for bad in (0, -2, 1.5, True, "3"):
        with pytest.raises(hn.ParameterError, match="svcca_dims must be"):
            hn.compare(a, b, method="cca", svcca_dims=bad)
    for bad in (-0.1, float("nan"), float("inf"), "1", True):
        with pytest.raises(hn.ParameterError, match="regularization must be"):
            hn.compare(a, b, method="cca", regularization=bad)
    assert hn.compare(a, b, method="cca", svcca_dims=np.int64(3), regularization=1
                      ).parameters["svcca_dims"] == 3


def test_planted_noisy_mixed_copy_is_each_groups_best_match():
    """Groups driven by their own latent signals, against noisy mixed copies."""
    rng = np.random.default_rng(31)
    widths = (8, 10, 12, 9, 7)
    latents = [rng.normal(size=(60, w)) for w in widths]
    original = hn.representation({f"layer{k}": z @ rng.normal(size=(z.shape[1],) * 2)
                                  for k, z in enumerate(latents)})
    copy = hn.representation({f"layer{k}": z @ rng.normal(size=(z.shape[1],) * 2)
                              + 0.3 * rng.normal(size=z.shape) for k, z in enumerate(latents)})
    copy = copy.isel(unit=rng.permutation(copy.sizes["unit"]))
    result = hn.compare(original, copy, method="cca")
    assert list(result.best_target.values) == result.source_groups
    assert list(result.best_source.values) == result.target_groups


def test_planted_network_copy_is_found_by_svcca():
    """Nested layers of one network: the top principal components pick out each layer."""
    net = random_network(60, (8, 10, 12, 9, 7), seed=31)
    rng = np.random.default_rng(33)
    noisy = net.copy(data=net.values + 0.1 * net.values.std() * rng.normal(size=net.shape))
    copy = _mapped(noisy, "similarity", seed=32)
    result = hn.compare(net, copy, method="cca", svcca_dims=4)
    assert list(result.best_target.values) == result.source_groups
    assert list(result.best_source.values) == result.target_groups


def test_haxby_halves():
    """Odd vs even runs (8 categories x 530 voxels): CCA needs svcca_dims or a ridge."""
    odd = hn.datasets.load("haxby2001-slice", "odd-runs")
    even = hn.datasets.load("haxby2001-slice", "even-runs")
    with pytest.raises(hn.ParameterError, match="2k <= 7"):
        hn.compare(odd, even, method="cca")
    aligned = even.sel(stimulus=odd["stimulus"].values)
    for options in ({"svcca_dims": 3}, {"regularization": 1.0}):
        m = hn.compare(odd, even, method="cca", **options).matrix.values
        assert np.all((m > 0) & (m < 1))
        for i, pa in enumerate(group_positions(odd)):
            for j, pb in enumerate(group_positions(aligned)):
                rho = _reference(odd.values[:, pa], aligned.values[:, pb],
                                 options.get("regularization", 0.0), options.get("svcca_dims"))
                assert m[i, j] == pytest.approx(rho.mean(), rel=1e-7)
