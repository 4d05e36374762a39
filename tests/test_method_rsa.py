"""RSA against scipy's RDMs and correlations and a brute-force tau-a; invariances; real data."""

from __future__ import annotations

import numpy as np
import pytest
from groups import group_positions
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist
from scipy.stats import kendalltau, ortho_group, pearsonr, spearmanr

import hotneuro as hn
from hotneuro.methods.rsa import kendall_tau_a, rdm_vector
from hotneuro.testing import random_network


def _tau_a_brute(x, y):
    """Kendall's tau-a over all pairs of entries, straight from the definition."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = x.size
    if n < 2:
        return 0.0
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    return float(np.triu(sx * sy, k=1).sum() / (n * (n - 1) / 2))


def _reference(x, y, rdm, compare):
    metric = "correlation" if rdm == "correlation" else "euclidean"
    dx, dy = pdist(x, metric), pdist(y, metric)
    if compare == "spearman":
        return spearmanr(dx, dy).statistic
    if compare == "pearson":
        return pearsonr(dx, dy).statistic
    return _tau_a_brute(dx, dy)




@pytest.mark.parametrize("rdm", ["correlation", "euclidean"])
@pytest.mark.parametrize("compare", ["spearman", "pearson", "kendall"])
def test_matrix_matches_scipy_and_brute_force(pair, rdm, compare):
    a, b = pair
    result = hn.compare(a, b, method="rsa", rdm=rdm, compare=compare)
    for i, pa in enumerate(group_positions(a)):
        for j, pb in enumerate(group_positions(b)):
            expected = _reference(a.values[:, pa], b.values[:, pb], rdm, compare)
            np.testing.assert_allclose(result.matrix.values[i, j], expected, rtol=1e-10,
                                       atol=1e-12)
    assert result.parameters["rdm"] == rdm
    assert result.parameters["compare"] == compare
    assert result.higher_is_similar
    np.testing.assert_allclose(result.dataset["similarity_matrix"].values,
                               result.matrix.values)


def test_rdm_vector_matches_pdist():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 12)) + 100.0  # far from the origin: cancellation-prone
    np.testing.assert_allclose(rdm_vector(x), pdist(x, "correlation"), rtol=1e-9,
                               atol=1e-13)
    np.testing.assert_allclose(rdm_vector(x, "euclidean"), pdist(x), rtol=1e-10)
    twins = np.vstack([x, x[:3] + 1e-9])  # near-duplicate stimuli stay accurate
    np.testing.assert_allclose(rdm_vector(twins, "euclidean"), pdist(twins), rtol=1e-6,
                               atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=0, max_size=40))
def test_tau_a_equals_brute_force_with_ties(values):
    x = [v[0] for v in values]
    y = [v[1] for v in values]
    assert kendall_tau_a(x, y) == pytest.approx(_tau_a_brute(x, y), abs=1e-12)
    assert kendall_tau_a(y, x) == kendall_tau_a(x, y)


def test_tau_a_on_a_300_stimulus_rdm_is_fast_and_equals_tau_b_without_ties():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 20))
    dx, dy = rdm_vector(x), rdm_vector(x + 2.0 * rng.normal(size=x.shape))
    assert dx.size == 44850 and np.unique(dx).size == dx.size  # no ties: tau-a == tau-b
    assert kendall_tau_a(dx, dy) == pytest.approx(kendalltau(dx, dy).statistic, abs=1e-12)
    # Ties: tau-a keeps the full number of pairs in its denominator.
    tx, ty = np.round(dx, 1), np.round(dy, 1)
    n0 = tx.size * (tx.size - 1) / 2
    _, cx = np.unique(tx, return_counts=True)
    _, cy = np.unique(ty, return_counts=True)
    nx, ny = (cx * (cx - 1) / 2).sum(), (cy * (cy - 1) / 2).sum()
    tau_b = kendalltau(tx, ty, variant="b").statistic
    expected = tau_b * np.sqrt((n0 - nx) * (n0 - ny)) / n0
    assert kendall_tau_a(tx, ty) == pytest.approx(expected, rel=1e-10)
    assert abs(kendall_tau_a(tx, ty)) < abs(tau_b)


@pytest.mark.parametrize("compare", ["spearman", "pearson", "kendall"])
def test_identity_is_one_and_best_match_is_itself(pair, compare):
    a, _ = pair
    result = hn.compare(a, a, method="rsa", compare=compare)
    np.testing.assert_allclose(np.diag(result.matrix.values), 1.0, rtol=1e-12)
    assert list(result.best_target.values) == result.source_groups
    assert result.distance == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(result.matrix.values, result.matrix.values.T, atol=1e-12)


def _transformed(rep, *, rotate=False, scale=1.0, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    values = rep.values.copy()
    for pos in group_positions(rep):
        block = values[:, pos]
        if rotate:
            block = block @ ortho_group.rvs(pos.size, random_state=rng)
        values[:, pos] = scale * block + shift * rng.normal(size=pos.size)
    return rep.copy(data=values)


@pytest.mark.parametrize("compare", ["spearman", "pearson", "kendall"])
def test_euclidean_rdm_is_invariant_to_rotation_translation_scaling(pair, compare):
    a, b = pair
    base = hn.compare(a, b, method="rsa", rdm="euclidean", compare=compare).matrix
    moved = _transformed(b, rotate=True, scale=3.7, shift=5.0)
    shuffled = moved.isel(unit=np.random.default_rng(2).permutation(moved.sizes["unit"]))
    again = hn.compare(a, shuffled, method="rsa", rdm="euclidean", compare=compare).matrix
    # Shuffling units can change the groups' order of first appearance: align on labels.
    np.testing.assert_allclose(again.sel(target_region=base["target_region"]).values,
                               base.values, rtol=1e-9, atol=1e-12)


def test_correlation_rdm_is_not_rotation_or_translation_invariant(pair):
    """Why the metadata declares only permutation and isotropic scaling."""
    a, b = pair
    base = hn.compare(a, b, method="rsa").matrix.values
    scaled = hn.compare(a, _transformed(b, scale=3.7), method="rsa").matrix.values
    np.testing.assert_allclose(scaled, base, rtol=1e-9, atol=1e-12)
    for moved in (_transformed(b, rotate=True), _transformed(b, shift=5.0)):
        changed = hn.compare(a, moved, method="rsa").matrix.values
        assert np.abs(changed - base).max() > 1e-3
    meta = hn.plugins.get_method("rsa").metadata
    assert set(meta["invariances"]) == {"permutation", "isotropic scaling"}


def test_one_unit_group_needs_the_euclidean_rdm():
    rng = np.random.default_rng(4)
    a = hn.representation({"wide": rng.normal(size=(20, 5)), "one": rng.normal(size=(20, 1))})
    with pytest.raises(hn.ParameterError, match="rdm='euclidean'"):
        hn.compare(a, a, method="rsa")
    result = hn.compare(a, a, method="rsa", rdm="euclidean")
    np.testing.assert_allclose(np.diag(result.matrix.values), 1.0)


def test_bad_options_are_refused(pair):
    a, b = pair
    with pytest.raises(hn.ParameterError, match="rdm= and compare="):
        hn.compare(a, b, method="rsa", metric="cosine")
    with pytest.raises(hn.ParameterError, match="rdm must be one of"):
        hn.compare(a, b, method="rsa", rdm="cosine")
    with pytest.raises(hn.ParameterError, match="compare must be one of"):
        hn.compare(a, b, method="rsa", compare="tau-b")


@pytest.mark.parametrize("options", [{}, {"rdm": "euclidean", "compare": "kendall"}])
def test_planted_noisy_permuted_copy_is_each_layers_best_match(options):
    net = random_network(60, (8, 10, 12, 9, 7), seed=31)
    rng = np.random.default_rng(32)
    values = net.values * 2.5 + 0.3 * net.values.std() * rng.normal(size=net.shape)
    copy = net.copy(data=values).isel(unit=rng.permutation(net.sizes["unit"]))
    result = hn.compare(net, copy, method="rsa", **options)
    assert list(result.best_target.values) == result.source_groups
    assert list(result.best_source.values) == result.target_groups


@pytest.fixture(scope="module")
def haxby():
    return (hn.datasets.load("haxby2001-slice", "odd-runs"),
            hn.datasets.load("haxby2001-slice", "even-runs"))


def test_haxby_halves(haxby):
    """Odd vs even runs (8 categories x 530 voxels in 3 regions): split-half RSA."""
    odd, even = haxby
    result = hn.compare(odd, even, method="rsa")
    m = result.matrix.values
    aligned = even.sel(stimulus=odd["stimulus"].values)  # the halves list them differently
    for i, pa in enumerate(group_positions(odd)):
        for j, pb in enumerate(group_positions(aligned)):
            expected = spearmanr(pdist(odd.values[:, pa], "correlation"),
                                 pdist(aligned.values[:, pb], "correlation")).statistic
            assert m[i, j] == pytest.approx(expected, abs=1e-12)
    # The anterior region's category geometry is the most reproducible across halves.
    assert result.target_groups[2] == "anterior"
    assert np.unravel_index(np.argmax(m), m.shape) == (2, 2)
    assert m[2, 2] == pytest.approx(0.3673, abs=1e-4)
