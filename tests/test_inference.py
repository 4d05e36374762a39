"""Permutation tests and bootstrap intervals (hotneuro.inference through compare)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import hotneuro as hn
from hotneuro import ParameterError
from hotneuro.inference import bootstrap_rows, permutation_orders, permutation_pvalue
from hotneuro.methods.spec import Method
from hotneuro.splits import plan_grouped_splits
from hotneuro.testing import random_network

N_STIMULI = 40


@pytest.fixture(scope="module")
def a() -> xr.DataArray:
    return random_network(N_STIMULI, (6, 8, 5), seed=0, system="A")


@pytest.fixture(scope="module")
def b() -> xr.DataArray:
    return random_network(N_STIMULI, (7, 4, 6, 5), seed=1, system="B")


@pytest.fixture(scope="module")
def hot_ab(a, b):
    return hn.compare(a, b, splits=2, permutations=15, bootstrap=15, seed=3, n_jobs=2)


def _without_provenance(ds: xr.Dataset) -> xr.Dataset:
    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k != "versions"}
    return out


# ---------------------------------------------------------------------- p-values


def test_identical_systems_give_the_smallest_pvalue(a):
    n = 19
    r = hn.compare(a, a, permutations=n, seed=0, n_jobs=1)
    assert float(r.pvalue["distance"]) == pytest.approx(1 / (n + 1))
    assert float(r.pvalue["similarity"]) == pytest.approx(1 / (n + 1))
    # Each group with itself: inner distance 0, never reached by a shuffled target.
    assert np.allclose(np.diag(r.pvalue["matrix"].values), 1 / (n + 1))
    assert r.null["distance"].dims == ("permutation",)
    assert r.null["distance"].sizes["permutation"] == n
    assert (r.null["distance"].values > r.distance).all()


@pytest.mark.parametrize("method", ["hot", "cka"])
def test_unrelated_systems_are_not_significant(a, b, method):
    r = hn.compare(a, b, method, permutations=19, seed=0, n_jobs=2)
    assert float(r.pvalue["distance"]) > 0.05
    assert float(r.pvalue["similarity"]) > 0.05


def test_pvalues_follow_the_formula_on_the_stored_null(hot_ab):
    r = hot_ab
    null, n = r.null, r.attrs["permutations"]
    assert n == 15 and r.attrs["permutations_failed"] == 0
    for name, higher in (("distance", False), ("similarity", True), ("score", True)):
        observed = r.score if name == "score" else getattr(r, name)
        values = null[name].values
        k = (values >= observed).sum() if higher else (values <= observed).sum()
        assert float(r.pvalue[name]) == (1 + k) / (n + 1)
    # HOT's matrix is a distance (higher_is_similar False): extreme means smaller.
    k = (null["matrix"].values <= r.matrix.values).sum(axis=0)
    np.testing.assert_array_equal(r.pvalue["matrix"].values, (1 + k) / (n + 1))
    smallest = null["matrix"].values.reshape(n, -1).min(axis=1)
    k_fwe = (smallest[:, None, None] <= r.matrix.values).sum(axis=0)
    np.testing.assert_array_equal(r.pvalue["matrix_fwe"].values, (1 + k_fwe) / (n + 1))
    assert (r.pvalue["matrix_fwe"].values >= r.pvalue["matrix"].values).all()


def test_similarity_methods_count_larger_matrix_values_as_extreme(a, b):
    r = hn.compare(a, b, "cka", permutations=9, seed=1, n_jobs=2)
    k = (r.null["matrix"].values >= r.matrix.values).sum(axis=0)
    np.testing.assert_array_equal(r.pvalue["matrix"].values, (1 + k) / 10)
    assert "score" not in r.pvalue and "score" not in r.null


def test_pvalue_helper_counts_ties_and_skips_failed():
    null = np.array([0.1, 0.2, np.nan, 0.3])
    assert float(permutation_pvalue(null, 0.2, higher_is_similar=True)) == 3 / 4
    assert float(permutation_pvalue(null, 0.2, higher_is_similar=False)) == 3 / 4


def test_null_refits_with_the_target_rows_shuffled(a, b):
    r = hn.compare(a, b, permutations=3, seed=5, n_jobs=1)
    orders = permutation_orders(N_STIMULI, 3, seed=5)
    assert len({tuple(o) for o in orders}) == 3
    for i, order in enumerate(orders):
        shuffled = b.copy(data=b.values[order])
        again = hn.compare(a, shuffled)
        assert r.null["distance"].values[i] == pytest.approx(again.distance, abs=1e-12)
        np.testing.assert_allclose(r.null["matrix"].values[i], again.matrix.values,
                                   atol=1e-12)


# ---------------------------------------------------------------------- bootstrap


def test_ci_bounds_are_percentiles_of_the_stored_samples(hot_ab):
    r, level = hot_ab, hot_ab.attrs["ci_level"]
    q = [50 * (1 - level), 50 * (1 + level)]
    boot = r.bootstrap
    assert list(r.ci["bound"].values) == ["lower", "upper"]
    for name in ("distance", "similarity", "score", "matrix", "coupling",
                 "barycentric_depth"):
        expected = np.percentile(boot[name].values, q, axis=0)
        np.testing.assert_array_equal(r.ci[name].values, expected)
    np.testing.assert_array_equal(r.ci["hierarchy_index"].values,
                                  np.nanpercentile(boot["hierarchy_index"].values, q))
    np.testing.assert_array_equal(r.ci["score_samples"].values, boot["score"].values)
    assert r.ci["coupling"].dims == ("bound", "source_layer", "target_layer")
    assert r.ci["barycentric_depth"].dims == ("bound", "source_layer")
    # Best-match frequencies: fractions over resamples of each coupling row's argmax.
    freq = r.ci["best_target"]
    np.testing.assert_allclose(freq.sum("target_layer").values, 1.0)
    labels = boot["best_target"].values
    for i, g in enumerate(r.target_groups):
        np.testing.assert_array_equal(freq.values[:, i], (labels == g).mean(axis=0))
    argmax = np.asarray(r.target_groups)[boot["coupling"].values.argmax(axis=2)]
    np.testing.assert_array_equal(labels, argmax)


def test_ci_level_sets_the_percentiles(a, b):
    r = hn.compare(a, b, "cka", bootstrap=12, ci_level=0.5, seed=2, n_jobs=2)
    samples = r.bootstrap["distance"].values
    np.testing.assert_array_equal(r.ci["distance"].values, np.percentile(samples, [25, 75]))
    assert r.attrs["ci_level"] == 0.5
    freq = r.ci["best_target"].values
    labels = r.bootstrap["best_target"].values
    assert freq[0, r.target_groups.index(labels[0, 0])] > 0


def test_bootstrap_refits_resampled_stimuli_with_fresh_ids(a, b):
    r = hn.compare(a, b, bootstrap=2, seed=4, n_jobs=1)
    for i, rows in enumerate(bootstrap_rows(N_STIMULI, 2, seed=4)):
        assert np.unique(rows).size < rows.size  # some stimuli repeat
        ids = [f"{a['stimulus'].values[r]}#{(rows[:k] == r).sum()}"
               for k, r in enumerate(rows)]
        again = hn.compare(a.isel(stimulus=rows).assign_coords(stimulus=ids),
                           b.isel(stimulus=rows).assign_coords(stimulus=ids))
        assert r.bootstrap["distance"].values[i] == pytest.approx(again.distance, abs=1e-12)
        np.testing.assert_allclose(r.bootstrap["coupling"].values[i], again.coupling.values,
                                   atol=1e-12)


def test_grouped_splits_keep_copies_together():
    rows = bootstrap_rows(30, 1, seed=0)[0]
    plan = plan_grouped_splits(rows, splits=4, eval_fraction=0.2,
                               seed=np.random.SeedSequence(0))
    n_distinct = np.unique(rows).size
    assert plan.protocol == "random" and plan.main_fit.size == rows.size
    for split in plan.splits:
        fit, held = set(rows[split.fit]), set(rows[split.eval])
        assert not fit & held
        assert len(held) == round(0.2 * n_distinct)
        assert split.fit.size + split.eval.size == rows.size
    assert len({tuple(s.eval) for s in plan.splits}) == 4


def test_explicit_split_resamples_each_side(a, b):
    stimuli = a["stimulus"].values
    fit, held = stimuli[:30], stimuli[30:]
    r = hn.compare(a, b, fit_stimuli=fit, eval_stimuli=held, bootstrap=8, seed=0,
                   n_jobs=2)
    rows = bootstrap_rows(N_STIMULI, 8, seed=0, fit=np.arange(30), eval=np.arange(30, 40))
    assert all((rw[:30] < 30).all() and (rw[30:] >= 30).all() for rw in rows)
    assert np.isfinite(r.ci["score"].values).all()


def test_failed_resamples_are_counted_and_left_out(a, b):
    # A region with one unit that responds to a single stimulus: constant (and dropped,
    # leaving the region empty) in every resample that misses that stimulus.
    values = np.zeros((N_STIMULI, 1))
    values[0] = 1.0
    blocks = {"r1": a.values[:, :6], "sparse": values}
    c = hn.representation(blocks, a["stimulus"].values, level="region", system="C")
    r = hn.compare(c, b, "hot", bootstrap=20, seed=0, n_jobs=2)
    failed = r.bootstrap["failed"].values
    assert r.attrs["bootstrap_failed"] == failed.sum() > 0
    assert "constant" in r.attrs["bootstrap_failure_example"]
    assert np.isnan(r.bootstrap["distance"].values[failed]).all()
    assert np.isfinite(r.bootstrap["distance"].values[~failed]).all()
    ok = r.bootstrap["distance"].values[~failed]
    np.testing.assert_array_equal(r.ci["distance"].values, np.percentile(ok, [2.5, 97.5]))
    np.testing.assert_allclose(r.ci["best_target"].sum("target_layer").values, 1.0)
    assert f"{failed.sum()} failed" in repr(r)


def test_every_resample_failing_is_an_error(a, b, monkeypatch):
    spec = hn.plugins.get_method("cka")

    def fragile(source, target, **kwargs):
        if any("#" in str(s) for s in source["stimulus"].values):
            raise hn.EmptyGroupError("every unit is constant on this resample")
        return spec.compare(source, target, **kwargs)

    fake = Method(name="cka", compare=fragile, description="x", metadata=spec.metadata)
    monkeypatch.setattr("hotneuro.comparison.get_method", lambda name: fake)
    with pytest.raises(ParameterError, match="All 4 bootstrap resamples failed"):
        hn.compare(a, b, "cka", bootstrap=4, n_jobs=1)


# ---------------------------------------------------------------------- determinism


def test_results_do_not_depend_on_n_jobs_or_repetition(a, b):
    kw = dict(splits=2, permutations=6, bootstrap=6, seed=11)
    one = hn.compare(a, b, n_jobs=1, **kw).dataset
    two = hn.compare(a, b, n_jobs=2, **kw).dataset
    again = hn.compare(a, b, n_jobs=2, **kw).dataset
    for ds in (two, again):
        for name in one.data_vars:
            np.testing.assert_array_equal(one[name].values, ds[name].values, err_msg=name)


def test_different_seeds_give_different_resamples(a, b):
    r0 = hn.compare(a, b, "cka", permutations=5, bootstrap=5, seed=0, n_jobs=2)
    r1 = hn.compare(a, b, "cka", permutations=5, bootstrap=5, seed=1, n_jobs=2)
    assert not np.array_equal(r0.null["distance"].values, r1.null["distance"].values)
    assert not np.array_equal(r0.bootstrap["distance"].values, r1.bootstrap["distance"].values)
    assert r0.distance == r1.distance  # the observed comparison has no randomness


def test_no_seed_draws_and_records_one(a, b):
    r = hn.compare(a, b, "cka", permutations=4, seed=None, n_jobs=2)
    seed = int(r.attrs["seed"])
    assert seed >= 0 and r.attrs["resampling_seed"] == seed
    again = hn.compare(a, b, "cka", permutations=4, seed=seed, n_jobs=2)
    np.testing.assert_array_equal(r.null["distance"].values, again.null["distance"].values)


def test_resample_streams_differ_from_the_split_stream():
    split_child = np.random.SeedSequence(0).spawn(1)[0]
    perm = permutation_orders(10, 1, seed=0)[0]
    assert not np.array_equal(perm, np.random.default_rng(split_child).permutation(10))


# ---------------------------------------------------------------------- io and reports


def test_round_trip_through_netcdf(hot_ab, tmp_path):
    path = tmp_path / "result.nc"
    hot_ab.to_netcdf(path)
    back = hn.open_result(path)
    xr.testing.assert_identical(_without_provenance(back.dataset).drop_attrs(),
                                _without_provenance(hot_ab.dataset).drop_attrs())
    for key in ("permutations", "bootstrap", "ci_level", "bootstrap_failed",
                "permutations_failed"):
        assert back.attrs[key] == hot_ab.attrs[key]
    xr.testing.assert_identical(back.ci, hot_ab.ci)
    xr.testing.assert_identical(back.pvalue, hot_ab.pvalue)
    assert repr(back) == repr(hot_ab)


def test_repr_reports_pvalues_and_intervals(hot_ab, a, b):
    text = repr(hot_ab)
    assert "permutation test (15 permutations, 0 failed): p(distance)=" in text
    assert "p(score)=" in text
    assert "bootstrap 95% CI (15 resamples" in text and "hierarchy index [" in text
    plain = hn.compare(a, b)
    assert "p(" not in repr(plain) and "CI" not in repr(plain)
    assert plain.pvalue is None and plain.ci is None and plain.null is None


def test_list_form_uses_the_same_resamples_for_every_method(a, b):
    kw = dict(splits=2, permutations=5, bootstrap=5, seed=7, n_jobs=2)
    results = hn.compare(a, b, ["hot", "pairwise_best", "cka"], **kw)
    hot, greedy = results["hot"], results["pairwise_best"]
    # pairwise_best reports HOT's inner distances as its matrix: same resamples, same values.
    np.testing.assert_array_equal(hot.null["matrix"].values, greedy.null["matrix"].values)
    np.testing.assert_array_equal(hot.bootstrap["matrix"].values,
                                  greedy.bootstrap["matrix"].values)
    alone = hn.compare(a, b, "cka", **kw)
    xr.testing.assert_identical(alone.null, results["cka"].null)
    xr.testing.assert_identical(alone.ci, results["cka"].ci)
    table = results.table()
    for name in ("pvalue_distance", "pvalue_similarity", "pvalue_score",
                 "distance_ci_lower", "distance_ci_upper", "score_ci_lower",
                 "score_ci_upper"):
        assert table[name].dims == ("measure",)
    assert float(table["pvalue_distance"].sel(measure="cka")) == \
        float(results["cka"].pvalue["distance"])
    assert np.isnan(float(table["pvalue_score"].sel(measure="cka")))
    assert float(table["score_ci_upper"].sel(measure="hot")) == \
        float(hot.ci["score"].sel(bound="upper"))
    assert "pvalue_distance" not in hn.compare(a, b, ["hot", "cka"]).table()


def test_held_out_score_of_linear_predictivity_is_tested(a, b):
    r = hn.compare(a, b, "linear_predictivity", splits=1, permutations=3, bootstrap=3,
                   folds=3, seed=0, n_jobs=2)
    assert r.null["score"].sizes["permutation"] == 3
    assert np.isfinite(r.ci["score"].values).all()


def test_progress_bar(a, b, capsys):
    hn.compare(a, b, "cka", permutations=3, bootstrap=2, n_jobs=1, progress=True)
    assert "cka resamples" in capsys.readouterr().err


# ---------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize("kwargs, match", [
    (dict(permutations=-1), "permutations must be a non-negative integer"),
    (dict(bootstrap=-3), "bootstrap must be a non-negative integer"),
    (dict(bootstrap=2.5), "bootstrap must be a non-negative integer"),
    (dict(permutations=True), "permutations must be a non-negative integer"),
    (dict(bootstrap=5, ci_level=0.0), "ci_level must lie strictly between 0 and 1"),
    (dict(bootstrap=5, ci_level=1.0), "ci_level must lie strictly between 0 and 1"),
    (dict(bootstrap=5, ci_level=95), "ci_level must lie strictly between 0 and 1"),
    (dict(permutations=5, seed=-1), "seed= to be a non-negative integer"),
])
def test_bad_parameters(a, b, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        hn.compare(a, b, **kwargs)
    with pytest.raises(ParameterError, match=match):
        hn.compare(a, b, ["hot", "cka"], **kwargs)


def test_bootstrap_needs_three_distinct_stimuli(a, b):
    few = a.isel(stimulus=slice(0, 4)), b.isel(stimulus=slice(0, 4))
    hn.compare(*few, permutations=3)  # the permutation test is fine
    with pytest.raises(ParameterError, match="distinct stimuli"):
        hn.compare(*few, bootstrap=5)
    # 15 stimuli split 12/3 are fine, but a resample holds about 9.6 distinct ones,
    # leaving 2 held out.
    mid = a.isel(stimulus=slice(0, 15)), b.isel(stimulus=slice(0, 15))
    hn.compare(*mid, splits=1)
    with pytest.raises(ParameterError, match="held-out part"):
        hn.compare(*mid, splits=1, bootstrap=5)
