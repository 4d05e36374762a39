"""Split-half reliability, noise ceilings and ceiling-normalized scores."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import xarray as xr

import hotneuro as hn
from hotneuro.ceilings import (
    half_splits,
    noise_ceiling,
    normalize,
    spearman_brown,
    split_half_reliability,
)
from hotneuro.testing import random_network


def noisy_recording(signal: np.ndarray, noise_sd: np.ndarray, n_rep: int, seed: int,
                    regions: list[str]) -> xr.DataArray:
    """``signal`` (stimuli x units) plus independent Gaussian noise per repetition."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(*signal.shape, n_rep)) * noise_sd[None, :, None]
    n_stim, n_units = signal.shape
    return xr.DataArray(
        signal[:, :, None] + noise, dims=("stimulus", "unit", "repetition"),
        coords={"stimulus": [f"s{i}" for i in range(n_stim)],
                "unit": [f"u{j}" for j in range(n_units)], "region": ("unit", regions)},
        attrs={"system": "noisy"},
    )


@pytest.fixture(scope="module")
def known():
    """20000 stimuli, unit signal variance 1, noise variances 0.25 .. 4, known answers."""
    rng = np.random.default_rng(11)
    signal = rng.normal(size=(20000, 6))
    signal = (signal - signal.mean(0)) / signal.std(0)  # variance exactly 1
    noise_sd = np.sqrt(np.array([0.25, 0.5, 1.0, 2.0, 3.0, 4.0]))
    return signal, noise_sd


@pytest.mark.parametrize("n_rep", [2, 4, 5, 8])
def test_reliability_matches_theory(known, n_rep):
    signal, noise_sd = known
    rep = noisy_recording(signal, noise_sd, n_rep, seed=n_rep,
                          regions=["A", "A", "A", "B", "B", "B"])
    rel = split_half_reliability(rep)
    # reliability of the mean over all n_rep repetitions: var(f) / (var(f) + var(e) / R)
    theory = 1.0 / (1.0 + noise_sd**2 / n_rep)
    np.testing.assert_allclose(rel.values, theory, atol=0.025)
    assert rel.attrs["spearman_brown_factor"] == n_rep / (n_rep // 2)
    # the ceiling is the correlation of the noise-free signal with the trial mean
    ceiling = noise_ceiling(rep)
    direct = [np.corrcoef(signal[:, j], rep.values[:, j].mean(axis=1))[0, 1]
              for j in range(signal.shape[1])]
    np.testing.assert_allclose(ceiling["ceiling"].values, direct, atol=0.02)
    np.testing.assert_allclose(ceiling["ceiling"].values, np.sqrt(theory), atol=0.02)


def test_spearman_brown_formula():
    r = np.array([-0.5, 0.0, 0.3, 0.6, 1.0])
    np.testing.assert_allclose(spearman_brown(r, 2.0), [-1.0, 0.0, 0.6 / 1.3, 0.75, 1.0],
                               rtol=1e-15)  # -2 clipped to -1
    np.testing.assert_allclose(spearman_brown(np.array([0.4]), 2.5), [1.0 / 1.6])
    assert np.isnan(spearman_brown(np.array([np.nan]), 2.0)[0])
    # the diverging denominator of strongly negative r is clipped, never infinite
    assert spearman_brown(np.array([-0.9]), 3.0)[0] == -1.0


def test_half_splits_are_disjoint_equal_and_exhaustive_when_few():
    a, b = half_splits(4, 20, seed=0)
    assert a.shape == b.shape == (3, 2)  # all 3 distinct splits of 4 repetitions
    a5, b5 = half_splits(5, 20, seed=0)
    assert a5.shape == (15, 2)  # 5 * C(4, 2) / 2
    pairs = {tuple(sorted([tuple(x), tuple(y)])) for x, y in zip(a5, b5, strict=True)}
    assert len(pairs) == 15
    for x, y in zip(a5, b5, strict=True):
        assert not set(x) & set(y)
    ar, br = half_splits(12, 7, seed=3)  # 462 distinct: 7 random ones
    assert ar.shape == br.shape == (7, 6)
    np.testing.assert_array_equal(half_splits(12, 7, seed=3)[0], ar)
    for x, y in zip(ar, br, strict=True):
        assert sorted(np.r_[x, y]) == list(range(12))
    oa, ob = half_splits(5, "odd-even", seed=None)
    np.testing.assert_array_equal(oa, [[0, 2]])
    np.testing.assert_array_equal(ob, [[1, 3]])


def test_exhaustive_splits_do_not_depend_on_the_seed(known):
    signal, noise_sd = known
    rep = noisy_recording(signal[:300], noise_sd, 4, seed=1, regions=list("AAABBB"))
    np.testing.assert_array_equal(split_half_reliability(rep, seed=0).values,
                                  split_half_reliability(rep, seed=99).values)
    r1 = split_half_reliability(noisy_recording(signal[:300], noise_sd, 10, 1,
                                                list("AAABBB")), splits=5, seed=1)
    r2 = split_half_reliability(noisy_recording(signal[:300], noise_sd, 10, 1,
                                                list("AAABBB")), splits=5, seed=1)
    np.testing.assert_array_equal(r1.values, r2.values)


def test_unit_coords_and_attrs_ride_along(known):
    signal, noise_sd = known
    rep = noisy_recording(signal[:200], noise_sd, 4, seed=2, regions=list("AAABBB"))
    rep = rep.assign_coords(depth=("unit", np.arange(6.0)))
    rel = split_half_reliability(rep, splits="odd-even")
    assert rel.dims == ("unit",)
    assert list(rel["region"].values) == list("AAABBB")
    np.testing.assert_array_equal(rel["depth"].values, np.arange(6.0))
    assert rel.attrs["n_splits"] == 1 and rel.attrs["half_size"] == 2
    ma = rep.values[:, :, [0, 2]].mean(axis=2)
    mb = rep.values[:, :, [1, 3]].mean(axis=2)
    direct = [np.corrcoef(ma[:, j], mb[:, j])[0, 1] for j in range(6)]
    np.testing.assert_allclose(rel["half_correlation"].values, direct, rtol=1e-12)
    r = np.asarray(direct)
    np.testing.assert_allclose(rel.values, 2 * r / (1 + r), rtol=1e-12)


def test_threshold_excludes_and_lists_units(known):
    signal, noise_sd = known
    sig = signal[:500].copy()
    sig[:, [1, 4]] = 0.0  # two units with no signal: pure noise
    rep = noisy_recording(sig, noise_sd, 6, seed=3, regions=list("AAABBB"))
    full = noise_ceiling(rep)
    assert full.attrs["n_excluded"] == 0 and bool(full["kept"].all())
    cut = noise_ceiling(rep, threshold=0.3)
    assert json.loads(cut.attrs["excluded_units"]) == ["u1", "u4"]
    assert cut.attrs["n_excluded"] == 2 and cut.attrs["threshold"] == 0.3
    assert list(cut["kept"].values) == [True, False, True, True, False, True]
    assert list(cut["excluded_reason"].values) == ["", "below threshold", "", "", "below "
                                                   "threshold", ""]
    np.testing.assert_array_equal(cut["n_kept"].values, [2, 2])
    np.testing.assert_array_equal(cut["n_units"].values, [3, 3])
    ceil = cut["ceiling"].values
    np.testing.assert_allclose(cut["group_ceiling"].values,
                               [ceil[[0, 2]].mean(), ceil[[3, 5]].mean()], rtol=1e-12)
    np.testing.assert_allclose(float(cut["global_ceiling"]),
                               cut["group_ceiling"].values.mean(), rtol=1e-12)
    assert float(cut["global_ceiling"]) > float(full["global_ceiling"])
    # the per-unit values are the same with and without the threshold
    np.testing.assert_array_equal(cut["reliability"].values, full["reliability"].values)


def test_negative_reliability_gives_a_zero_ceiling():
    rep = noisy_recording(np.zeros((40, 4)), np.ones(4), 2, seed=5, regions=list("AABB"))
    ceiling = noise_ceiling(rep)
    neg = ceiling["reliability"].values < 0
    assert neg.any()
    np.testing.assert_array_equal(ceiling["ceiling"].values[neg], 0.0)


def test_constant_units_are_excluded_with_a_warning(known):
    signal, noise_sd = known
    rep = noisy_recording(signal[:100], noise_sd, 4, seed=4, regions=list("AAABBB"))
    values = rep.values.copy()
    values[:, 2, :] = 7.0
    rep = rep.copy(data=values)
    with pytest.warns(UserWarning, match="undefined reliability.*'u2'"):
        ceiling = noise_ceiling(rep)
    assert np.isnan(ceiling["reliability"].values[2])
    assert ceiling["excluded_reason"].values[2] == "undefined"
    assert json.loads(ceiling.attrs["excluded_units"]) == ["u2"]
    assert int(ceiling["n_kept"].sel(group="A")) == 2


def test_group_without_kept_units_warns_and_is_nan(known):
    signal, noise_sd = known
    sig = signal[:300].copy()
    sig[:, 3:] = 0.0
    rep = noisy_recording(sig, noise_sd, 4, seed=6, regions=list("AAABBB"))
    with pytest.warns(UserWarning, match="1 region\\(s\\) keep no unit \\(B\\)"):
        ceiling = noise_ceiling(rep, threshold=0.5)
    assert np.isnan(float(ceiling["group_ceiling"].sel(group="B")))
    assert float(ceiling["global_ceiling"]) == float(ceiling["group_ceiling"].sel(group="A"))


def test_errors(known):
    signal, noise_sd = known
    rep = noisy_recording(signal[:50], noise_sd, 4, seed=7, regions=list("AAABBB"))
    with pytest.raises(hn.ParameterError, match="no 'repetition' dim.*repetitions=True"):
        split_half_reliability(rep.mean("repetition"))
    with pytest.raises(hn.ParameterError, match="at least 2 repetitions.*has 1"):
        noise_ceiling(rep.isel(repetition=[0]))
    for bad in (0, -3, 2.5, "halves", True):
        with pytest.raises(hn.ParameterError, match="splits must be"):
            split_half_reliability(rep, splits=bad)
    for bad in ("0.3", 1.5, -2, True, float("nan")):
        with pytest.raises(hn.ParameterError, match="threshold must be"):
            noise_ceiling(rep, threshold=bad)
    with pytest.raises(hn.ParameterError, match="No unit is left"):
        noise_ceiling(rep, threshold=1.0)
    with pytest.raises(hn.RepresentationError):
        noise_ceiling(rep.rename(region="area"))


# -- real data ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ventral():
    return hn.datasets.load("simulated-ventral-stream", "repetitions")


def test_simulated_ventral_stream_reliability_per_region(ventral):
    ceiling = noise_ceiling(ventral)
    assert list(ceiling["group"].values) == ["V1", "V4", "IT"]
    assert ceiling.attrs["n_repetitions"] == 5 and ceiling.attrs["n_splits"] == 15
    np.testing.assert_allclose(ceiling["group_reliability"].values,
                               [0.74702, 0.70167, 0.75182], atol=5e-5)
    np.testing.assert_allclose(ceiling["group_ceiling"].values,
                               [0.86183, 0.83575, 0.86616], atol=5e-5)
    np.testing.assert_allclose(float(ceiling["global_ceiling"]), 0.85458, atol=5e-5)
    # independent estimate: one-way ANOVA reliability of the 5-repetition mean,
    # 1 - (within-stimulus variance / R) / variance of the means
    v = ventral.values
    anova = 1 - v.var(axis=2, ddof=1).mean(axis=0) / 5 / v.mean(axis=2).var(axis=0, ddof=1)
    for region in ("V1", "V4", "IT"):
        mask = ventral["region"].values == region
        assert abs(anova[mask].mean()
                   - float(ceiling["group_reliability"].sel(group=region))) < 0.005


def test_odd_even_matches_loading_the_halves_separately(ventral):
    rel = split_half_reliability(ventral, splits="odd-even")
    a = hn.datasets.load("simulated-ventral-stream", where={"repeat": (0, 2)})
    b = hn.datasets.load("simulated-ventral-stream", where={"repeat": (1, 3)})
    order = ventral["stimulus"].values
    a, b = a.sel(stimulus=order).values, b.sel(stimulus=order).values
    direct = [np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(a.shape[1])]
    np.testing.assert_allclose(rel["half_correlation"].values, direct, atol=1e-12)
    assert rel.attrs["spearman_brown_factor"] == 2.5  # 5 repetitions from halves of 2


def test_haxby_runs_as_repetitions():
    haxby = hn.datasets.load("haxby2001-slice", repetitions=True)
    rel = split_half_reliability(haxby, splits="odd-even")
    odd = hn.datasets.load("haxby2001-slice", "odd-runs")  # runs 1, 3, ... = repetitions 0, 2
    even = hn.datasets.load("haxby2001-slice", "even-runs")
    order = haxby["stimulus"].values
    a, b = odd.sel(stimulus=order).values, even.sel(stimulus=order).values
    direct = [np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(a.shape[1])]
    np.testing.assert_allclose(rel["half_correlation"].values, direct, atol=1e-12)
    ceiling = noise_ceiling(haxby)
    assert list(ceiling["group"].values) == ["posterior", "middle", "anterior"]
    assert ceiling.attrs["n_repetitions"] == 12 and ceiling.attrs["n_splits"] == 20
    np.testing.assert_allclose(ceiling["group_reliability"].values,
                               [0.36036, 0.36184, 0.19665], atol=5e-5)
    np.testing.assert_allclose(float(ceiling["global_ceiling"]), 0.54187, atol=5e-5)
    reliable = noise_ceiling(haxby, threshold=0.3)
    np.testing.assert_array_equal(reliable["n_kept"].values, [71, 146, 106])
    assert reliable.attrs["n_excluded"] == 530 - 323


# -- normalization -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def brain_and_model():
    model = random_network(120, (8, 10, 8), seed=1)
    rng = np.random.default_rng(2)
    signal = random_network(120, (6, 6), seed=3, level="region", system="brain")
    scale = signal.values.std(axis=0) * np.tile(np.linspace(0.5, 3.0, 6), 2)
    noisy = signal.values[:, :, None] + rng.normal(size=(*signal.shape, 4)) \
        * scale[None, :, None]
    brain = xr.DataArray(noisy, dims=("stimulus", "unit", "repetition"),
                         coords=signal.coords, attrs=signal.attrs)
    return brain, model


def test_normalize_divides_by_the_source_ceiling(brain_and_model):
    brain, model = brain_and_model
    result = hn.compare(brain, model, splits=3, seed=0)
    ceiling = noise_ceiling(brain)
    norm = normalize(result, ceiling)
    table = result.score_table()
    np.testing.assert_array_equal(norm["score"].values, table.sel(statistic="mean").values)
    np.testing.assert_array_equal(norm["score_std"].values, table.sel(statistic="std").values)
    np.testing.assert_allclose(float(norm["ceiling"]), float(ceiling["global_ceiling"]))
    np.testing.assert_allclose(norm["score_normalized"].values,
                               norm["score"].values / float(ceiling["global_ceiling"]))
    src = result.source_dim
    assert norm["group_score_normalized"].dims == ("strategy", src)
    np.testing.assert_allclose(
        norm["group_score_normalized"].values,
        result.group_scores.mean("split").values / ceiling["group_ceiling"].values[None, :])
    assert list(norm["strategy"].values) == ["hot", "pairwise_best", "single_best", "perm_p"]
    assert norm.attrs["ceiling_side"] == "source"


def test_normalize_errors(brain_and_model):
    brain, model = brain_and_model
    ceiling = noise_ceiling(brain)
    with pytest.raises(hn.ParameterError, match="no held-out scores"):
        normalize(hn.compare(brain, model), ceiling)
    reversed_ = hn.compare(model, brain, splits=2)
    with pytest.raises(hn.ParameterError, match="matches the target side.*as the source"):
        normalize(reversed_, ceiling)
    with pytest.raises(hn.ParameterError, match="noise_ceiling"):
        normalize(hn.compare(brain, model, splits=2), {"global_ceiling": 0.8})


def test_normalize_needs_the_same_units_as_the_ceiling(brain_and_model):
    brain, model = brain_and_model
    ceiling = noise_ceiling(brain, threshold=0.6)
    assert 0 < ceiling.attrs["n_excluded"] < brain.sizes["unit"]
    with pytest.raises(hn.ParameterError, match="average different units"):
        normalize(hn.compare(brain, model, splits=2), ceiling)
    kept = brain.sel(unit=ceiling["unit"][ceiling["kept"]])
    norm = normalize(hn.compare(kept, model, splits=2), ceiling)
    assert norm.attrs["n_excluded"] == ceiling.attrs["n_excluded"]
    pairwise = hn.compare(kept, model, splits=2, method="linear_predictivity")
    with pytest.warns(UserWarning, match="does not list the units"):
        normalize(pairwise, ceiling)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norm = normalize(pairwise, noise_ceiling(brain))
    assert list(norm["strategy"].values) == ["linear_predictivity"]


def test_simulated_recording_against_lite0_normalized(ventral):
    sim = hn.datasets.load("simulated-ventral-stream")
    lite0 = hn.datasets.load("efficientnet-lite0-images")
    result = hn.compare(sim, lite0, splits=5)
    norm = normalize(result, noise_ceiling(ventral))
    hot = norm.sel(strategy="hot")
    np.testing.assert_allclose(float(hot["score"]), 0.53521, atol=5e-5)
    np.testing.assert_allclose(float(hot["score_normalized"]), 0.53521 / 0.85458, atol=5e-4)
    np.testing.assert_allclose(hot["group_score_normalized"].values,
                               hot["group_score"].values / [0.86183, 0.83575, 0.86616],
                               rtol=1e-4)
    # far from the ceiling: the network is not the one that drove the simulation
    assert float(hot["score_normalized"]) < 0.7
