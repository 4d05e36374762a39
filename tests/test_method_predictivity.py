"""Cross-validated ridge predictivity against explicit normal equations and explicit GCV."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.methods.predictivity import DEFAULT_ALPHAS, fold_assignment, ridge_cv
from hotneuro.testing import random_network


def _standardize(train, other):
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (other - mean) / std, mean, std


def _gcv_curve(zx, zy, alphas):
    """GCV of each alpha from the explicit hat matrix (intercept + ridge slopes)."""
    n, p = zx.shape
    out = []
    for alpha in alphas:
        hat = np.ones((n, n)) / n + zx @ np.linalg.solve(zx.T @ zx + alpha * n * np.eye(p),
                                                        zx.T)
        resid = zy - hat @ zy
        out.append(np.mean(resid ** 2) / (1.0 - np.trace(hat) / n) ** 2)
    return np.array(out)


def _explicit_ridge_cv(x, y, assignment, alphas):
    """Per fold and target unit: GCV by hat matrices, then (Z^T Z + lambda I)^-1 Z^T y."""
    alphas = np.sort(np.asarray(alphas, float))
    folds = assignment.max() + 1
    prediction = np.empty_like(y)
    chosen = np.empty((folds, y.shape[1]))
    for f in range(folds):
        tr, te = assignment != f, assignment == f
        zx, zx_test, _, _ = _standardize(x[tr], x[te])
        zy, _, my, sy = _standardize(y[tr], y[te])
        n, p = zx.shape
        for j in range(y.shape[1]):
            alpha = alphas[np.argmin(_gcv_curve(zx, zy[:, j], alphas))]
            w = np.linalg.solve(zx.T @ zx + alpha * n * np.eye(p), zx.T @ zy[:, j])
            prediction[te, j] = my[j] + sy[j] * (zx_test @ w)
            chosen[f, j] = alpha
    r = np.array([np.corrcoef(prediction[:, j], y[:, j])[0, 1] for j in range(y.shape[1])])
    return prediction, chosen, r


def _blocks(rep):
    return [rep.values[:, pos] for pos in hn.representations.groups(rep).values()]


@pytest.fixture(scope="module")
def pair():
    return (random_network(40, (5, 9, 6), seed=11, system="A"),
            random_network(40, (7, 4), seed=12, level="region", system="B"))


@pytest.fixture(scope="module")
def related():
    """Two systems driven by the same stimuli (layer2 of one is a noisy map of the other)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(45, 6))
    h = np.maximum(x @ rng.normal(size=(6, 8)), 0.0)
    a = hn.representation({"l1": x, "l2": h, "l3": np.tanh(h @ rng.normal(size=(8, 5)))},
                          system="A")
    b = hn.representation({"v1": x @ rng.normal(size=(6, 4)) + 0.5 * rng.normal(size=(45, 4)),
                           "v2": h[:, :5] + 0.2 * rng.normal(size=(45, 5))},
                          system="B", level="region")
    return a, b


@pytest.fixture(scope="module")
def recording():
    first = hn.datasets.load("A2929-200711", "wake-first-half")
    second = hn.datasets.load("A2929-200711", "wake-second-half")
    return first, second


@pytest.mark.parametrize("widths", [(6, 4), (40, 3)])  # the second has more units than
def test_kernel_matches_normal_equations(widths):      # training stimuli
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, widths[0]))
    y = x[:, :3] @ rng.normal(size=(3, widths[1])) + rng.normal(size=(30, widths[1]))
    assignment = fold_assignment(np.arange(30), 5, seed=0)
    fit = ridge_cv(x, y, assignment)
    prediction, chosen, r = _explicit_ridge_cv(x, y, assignment, DEFAULT_ALPHAS)
    np.testing.assert_array_equal(fit.alphas, chosen)
    np.testing.assert_allclose(fit.prediction, prediction, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.unit_scores, r, rtol=1e-9)
    assert fit.score == pytest.approx(r.mean(), rel=1e-9)


def test_gcv_picks_the_minimum_on_a_planted_problem():
    rng = np.random.default_rng(2)
    n, p = 80, 30
    x = rng.normal(size=(n, p))
    y = (x @ rng.normal(scale=0.3, size=p) + 2.0 * rng.normal(size=n))[:, None]
    assignment = fold_assignment(np.arange(n), 4, seed=3)
    grid = np.logspace(-3, 3, 25)
    fit = ridge_cv(x, y, assignment, alphas=grid)
    for f in range(4):
        tr = assignment != f
        zx, _, _, _ = _standardize(x[tr], x[tr])
        zy, _, _, _ = _standardize(y[tr], y[tr])
        curve = _gcv_curve(zx, zy[:, 0], grid)
        best = int(np.argmin(curve))
        assert 0 < best < grid.size - 1  # an interior minimum: the choice matters
        assert fit.alphas[f, 0] == grid[best]


def test_compare_matches_an_explicit_implementation(pair):
    a, b = pair
    result = hn.compare(a, b, method="linear_predictivity", seed=4)
    assignment = fold_assignment(a["stimulus"].values, 5, seed=4)
    expected = np.array([[_explicit_ridge_cv(x, y, assignment, DEFAULT_ALPHAS)[2].mean()
                          for y in _blocks(b)] for x in _blocks(a)])
    np.testing.assert_allclose(result.matrix.values, expected, rtol=1e-8, atol=1e-10)
    assert result.matrix.dims == ("source_layer", "target_region")
    assert result.higher_is_similar
    assert result.parameters["direction"] == "forward"
    assert result.parameters["folds"] == 5


def test_planted_linear_map_is_predicted_and_noise_lowers_it():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 8))
    mixed = x @ rng.normal(size=(8, 5))
    source = hn.representation({"x": x}, system="S")
    values = []
    for noise in (0.0, 0.5, 2.0, 8.0):
        y = mixed + noise * rng.normal(size=mixed.shape)
        target = hn.representation({"y": y}, system="T", level="region")
        values.append(hn.compare(source, target, method="linear_predictivity").matrix.item())
    assert values[0] > 0.999
    assert values[0] > values[1] > values[2] > values[3]
    assert values[3] < 0.5


def test_fold_assignment_is_balanced_seeded_and_order_free():
    ids = np.array([f"s{i:02d}" for i in range(23)])
    folds = fold_assignment(ids, 5, seed=0)
    assert sorted(np.bincount(folds).tolist()) == [4, 4, 5, 5, 5]
    np.testing.assert_array_equal(folds, fold_assignment(ids, 5, seed=0))
    assert not np.array_equal(folds, fold_assignment(ids, 5, seed=1))
    order = np.random.default_rng(0).permutation(23)
    np.testing.assert_array_equal(fold_assignment(ids[order], 5, seed=0), folds[order])


def test_stimulus_order_of_either_side_does_not_matter(pair):
    a, b = pair
    base = hn.compare(a, b, method="linear_predictivity").matrix.values
    order = np.random.default_rng(9).permutation(a.sizes["stimulus"])
    moved = hn.compare(a.isel(stimulus=order), b, method="linear_predictivity").matrix.values
    np.testing.assert_allclose(moved, base, rtol=1e-9, atol=1e-12)


def test_seed_changes_the_folds_only(pair):
    a, b = pair
    one = hn.compare(a, b, method="linear_predictivity", seed=1).matrix.values
    two = hn.compare(a, b, method="linear_predictivity", seed=2).matrix.values
    assert not np.allclose(one, two)
    np.testing.assert_array_equal(
        one, hn.compare(a, b, method="linear_predictivity", seed=1).matrix.values)


def test_directions(related):
    a, b = related
    forward = hn.compare(a, b, method="linear_predictivity").matrix.values
    backward = hn.compare(a, b, method="linear_predictivity", direction="backward")
    reverse = hn.compare(b, a, method="linear_predictivity").matrix.values
    np.testing.assert_allclose(backward.matrix.values, reverse.T, rtol=1e-12)
    both = hn.compare(a, b, method="linear_predictivity", direction="both").matrix.values
    np.testing.assert_allclose(both, (forward + backward.matrix.values) / 2, rtol=1e-12)
    swapped = hn.compare(b, a, method="linear_predictivity", direction="both").matrix.values
    np.testing.assert_array_equal(swapped, both.T)
    # each target region is best predicted by the layer it was built from; four noisy
    # projections of the six inputs predict those inputs worse than the reverse
    assert list(np.argmax(forward, axis=0)) == [0, 1]
    assert forward[0, 0] > 0.9 and forward[1, 1] > 0.8
    assert backward.matrix.values[0, 0] < forward[0, 0]


@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
def test_invariances_in_every_direction(related, direction):
    """Signs included: standardization and per-unit Pearson absorb any nonzero scale."""
    a, b = related
    rng = np.random.default_rng(3)
    n = b.sizes["unit"]
    scales = rng.uniform(0.3, 4.0, n) * rng.choice([-1.0, 1.0], n)
    moved = b.copy(data=b.values * scales + rng.normal(size=n) * 10)
    moved = moved.isel(unit=rng.permutation(n))
    base = hn.compare(a, b, method="linear_predictivity", direction=direction)
    again = hn.compare(a, moved, method="linear_predictivity", direction=direction)
    np.testing.assert_allclose(again.matrix.values, base.matrix.values, rtol=1e-8,
                               atol=1e-10)


def test_not_rotation_invariant(related):
    a, b = related
    from scipy.stats import ortho_group

    values = b.values.copy()
    for pos in hn.representations.groups(b).values():
        values[:, pos] = values[:, pos] @ ortho_group.rvs(pos.size, random_state=0)
    base = hn.compare(a, b, method="linear_predictivity").matrix.values
    rotated = hn.compare(a, b.copy(data=values), method="linear_predictivity").matrix.values
    assert not np.allclose(base, rotated, atol=1e-6)


def test_identity_predicts_itself(pair):
    a, _ = pair
    result = hn.compare(a, a, method="linear_predictivity")
    assert np.all(np.diag(result.matrix.values) > 0.99)
    assert list(result.best_target.values) == result.source_groups


def test_fit_stimuli_restrict_the_cross_validation(pair):
    a, b = pair
    ids = a["stimulus"].values
    fit, held = ids[:30], ids[30:]
    result = hn.compare(a, b, method="linear_predictivity", fit_stimuli=fit,
                        eval_stimuli=held)
    subset = hn.compare(a.sel(stimulus=fit), b.sel(stimulus=fit),
                        method="linear_predictivity")
    np.testing.assert_array_equal(result.matrix.values, subset.matrix.values)


def test_a_unit_constant_on_one_training_fold_is_handled():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 4))
    y = np.column_stack([x @ rng.normal(size=4), np.zeros(20)])
    assignment = fold_assignment(np.arange(20), 4, seed=0)
    y[assignment == 2, 1] = 1.0  # varies overall, constant without fold 2
    x2 = x.copy()
    x2[assignment == 1, 0] = 0.0
    x2[assignment != 1, 0] = 3.0  # a feature constant on fold 1's training stimuli
    fit = ridge_cv(x2, y, assignment)
    assert np.all(np.isfinite(fit.prediction)) and np.all(np.isfinite(fit.unit_scores))
    # the constant target is predicted by its training mean on the held-out fold
    np.testing.assert_allclose(fit.prediction[assignment == 2, 1], 0.0, atol=1e-12)


def test_bad_options_are_refused(pair):
    a, b = pair
    cases = [
        ({"direction": "sideways"}, "direction must be"),
        ({"folds": 1}, "folds must be"),
        ({"folds": True}, "folds must be"),
        ({"folds": 2.5}, "folds must be"),
        ({"folds": 41}, "fewer than 3 training"),
        ({"alphas": []}, "alphas must be"),
        ({"alphas": [1.0, -1.0]}, "alphas must be"),
        ({"alphas": [1.0, np.inf]}, "alphas must be"),
        ({"alphas": "big"}, "alphas must be"),
        ({"alphas": [[1.0], [2.0]]}, "alphas must be"),
        ({"ridge": 1.0}, "takes the options"),
    ]
    for options, message in cases:
        with pytest.raises(hn.ParameterError, match=message):
            hn.compare(a, b, method="linear_predictivity", **options)
    small = random_network(5, (3,), seed=0)
    with pytest.raises(hn.ParameterError, match="fewer than 3 training"):
        hn.compare(small, small, method="linear_predictivity", folds=2)
    # leave-one-out is allowed
    loo = hn.compare(a, b, method="linear_predictivity", folds=40, alphas=[0.1, 10.0])
    assert loo.parameters["alphas"] == [0.1, 10.0]


def test_scikit_learn_is_not_imported():
    code = ("import sys, hotneuro as hn; from hotneuro.testing import random_network; "
            "a = random_network(20); hn.compare(a, a, method='linear_predictivity'); "
            "assert 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)


def test_real_recording_halves(recording):
    """ADN's head-direction tuning in one half predicts the other half; CA1's does not."""
    first, second = recording
    result = hn.compare(first, second, method="linear_predictivity")
    assert result.source_groups == ["adn", "ca1"]
    np.testing.assert_allclose(result.matrix.values,
                               [[0.938123, 0.096027], [0.29416, -0.051803]], atol=5e-7)
    both = hn.compare(first, second, method="linear_predictivity", direction="both")
    np.testing.assert_allclose(both.matrix.values,
                               [[0.941322, 0.110167], [0.309394, -0.024937]], atol=5e-7)
    assert list(result.best_target.values) == ["adn", "adn"]
