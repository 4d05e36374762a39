"""Linear CKA against explicit HSIC formulas, its invariances, and the pairwise result."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

import hotneuro as hn


def _hsic_biased(k, l):
    n = k.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return np.trace(k @ h @ l @ h) / (n - 1) ** 2


def _hsic_unbiased(k, l):
    """Song et al. (2012), written out term by term."""
    n = k.shape[0]
    kt, lt = k - np.diag(np.diag(k)), l - np.diag(np.diag(l))
    one = np.ones(n)
    return (np.trace(kt @ lt) + (one @ kt @ one) * (one @ lt @ one) / ((n - 1) * (n - 2))
            - 2 / (n - 2) * one @ kt @ lt @ one) / (n * (n - 3))


def _cka(x, y, hsic):
    k, l = x @ x.T, y @ y.T
    return hsic(k, l) / np.sqrt(hsic(k, k) * hsic(l, l))


def b_groups(rep):
    return [str(g) for g in hn.representations.groups(rep)]



@pytest.mark.parametrize("debiased", [False, True])
def test_matrix_matches_explicit_hsic(pair, debiased):
    a, b = pair
    result = hn.compare(a, b, method="cka", debiased=debiased)
    hsic = _hsic_unbiased if debiased else _hsic_biased
    ga, gb = hn.representations.groups(a), hn.representations.groups(b)
    for i, pa in enumerate(ga.values()):
        for j, pb in enumerate(gb.values()):
            expected = _cka(a.values[:, pa], b.values[:, pb], hsic)
            np.testing.assert_allclose(result.matrix.values[i, j], expected, rtol=1e-10)
    assert result.parameters["debiased"] is debiased


def test_identity_is_one_and_best_match_is_itself(pair):
    a, _ = pair
    result = hn.compare(a, a, method="cka")
    np.testing.assert_allclose(np.diag(result.matrix.values), 1.0, rtol=1e-12)
    assert list(result.best_target.values) == result.source_groups
    assert list(result.best_source.values) == result.target_groups
    assert result.similarity == pytest.approx(1.0)
    assert result.distance == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("debiased", [False, True])
def test_invariant_to_rotation_scaling_translation_and_permutation(pair, debiased):
    a, b = pair
    rng = np.random.default_rng(0)
    values = b.values.copy()
    for pos in hn.representations.groups(b).values():
        block = values[:, pos]
        q = ortho_group.rvs(pos.size, random_state=rng)
        values[:, pos] = 3.7 * block @ q + rng.normal(size=pos.size)
    transformed = b.copy(data=values)
    base = hn.compare(a, b, method="cka", debiased=debiased).matrix.values
    moved = hn.compare(a, transformed, method="cka", debiased=debiased).matrix.values
    np.testing.assert_allclose(moved, base, rtol=1e-9, atol=1e-12)
    shuffled = b.isel(unit=rng.permutation(b.sizes["unit"]),
                      stimulus=rng.permutation(b.sizes["stimulus"]))
    again = hn.compare(a, shuffled, method="cka", debiased=debiased).matrix
    # shuffling units can change the order of first appearance of the groups: by label
    np.testing.assert_allclose(again.sel(target_region=b_groups(b)).values, base,
                               rtol=1e-9, atol=1e-12)


def test_debiasing_removes_the_small_sample_inflation():
    rng = np.random.default_rng(3)
    x = hn.representation({"a": rng.normal(size=(30, 200))})
    y = hn.representation({"b": rng.normal(size=(30, 200))})
    biased = hn.compare(x, y, method="cka").matrix.item()
    debiased = hn.compare(x, y, method="cka", debiased=True).matrix.item()
    assert biased > 0.5          # independent noise looks similar with few stimuli
    assert abs(debiased) < 0.15  # the unbiased estimator does not (its spread is ~1/n)


def test_bad_options_are_refused(pair):
    a, b = pair
    with pytest.raises(hn.ParameterError, match="debiased"):
        hn.compare(a, b, method="cka", unbiased=True)
    with pytest.raises(hn.ParameterError, match="True or False"):
        hn.compare(a, b, method="cka", debiased="yes")
    with pytest.raises(hn.ParameterError, match="takes no options"):
        hn.compare(a, b, method="hot", debiased=True)


def test_result_round_trips(pair, tmp_path):
    a, b = pair
    result = hn.compare(a, b, method="cka")
    result.to_netcdf(tmp_path / "cka.nc")
    back = hn.open_result(tmp_path / "cka.nc")
    assert type(back).__name__ == "PairwiseResult"
    np.testing.assert_array_equal(back.matrix.values, result.matrix.values)
    np.testing.assert_array_equal(back.best_target.values, result.best_target.values)
    assert back.higher_is_similar


def test_several_methods_in_one_call(pair):
    a, b = pair
    results = hn.compare(a, b, method=["hot", "cka"], cka={"debiased": True}, splits=2)
    assert list(results) == ["hot", "cka"]
    table = results.table()
    assert list(table["measure"].values) == ["hot", "cka"]
    assert float(table["score"].sel(measure="hot")) == pytest.approx(results["hot"].score)
    assert np.isnan(float(table["score"].sel(measure="cka")))
    assert bool(table["higher_is_similar"].sel(measure="cka"))
    assert list(table["best_target"].sel(measure="cka").values) == list(
        results["cka"].best_target.values)
    np.testing.assert_array_equal(
        results["cka"].matrix.values,
        hn.compare(a, b, method="cka", debiased=True).matrix.values)
    with pytest.raises(hn.ParameterError, match="under its name"):
        hn.compare(a, b, method=["hot", "cka"], debiased=True)
    with pytest.raises(hn.UnknownMethodError):
        hn.compare(a, b, method=["hot", "nope"])
