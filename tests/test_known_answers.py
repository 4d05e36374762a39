"""Known answers of HOT (DESIGN sections 2 and 4) through the public API.

Identical systems, permuted units and stimuli, swapped systems, duplicated layers,
constant units, determinism, the netCDF round trip, region-level dims, the hierarchy
summaries, and the shape of held-out scores.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
import scipy.stats

import hotneuro as hn

ATOL = 1e-9
STRATEGIES = ["hot", "pairwise_best", "single_best", "perm_p"]
SOURCE_WIDTHS = [20, 30, 25, 35]
TARGET_WIDTHS = [28, 22, 36, 26, 30]
N_STIMULI = 60


# --------------------------------------------------------------------------- helpers


def unit_ids(layers: dict) -> dict:
    return {g: [f"{g}/u{i}" for i in range(a.shape[1])] for g, a in layers.items()}


def to_rep(
    layers: dict, stimuli=None, ids: dict | None = None, system: str = "net", level: str = "layer"
):
    n = next(iter(layers.values())).shape[0]
    stimuli = list(range(n)) if stimuli is None else list(stimuli)
    return hn.representation(
        layers, stimuli=stimuli, units=ids or unit_ids(layers), system=system, level=level
    )


def pair(make_net_pair, seed: int = 0):
    return make_net_pair(seed, SOURCE_WIDTHS, TARGET_WIDTHS, N_STIMULI)


def permute_units(layers: dict, seed: int):
    """Shuffle the columns of every group, carrying the unit ids along."""
    rng = np.random.default_rng(seed)
    ids = unit_ids(layers)
    out, out_ids = {}, {}
    for g, a in layers.items():
        p = rng.permutation(a.shape[1])
        out[g] = a[:, p]
        out_ids[g] = [ids[g][i] for i in p]
    return out, out_ids


def canonical_unit_coupling(result):
    """(source ids, target ids, dense unit coupling) with ids sorted: order-free view."""
    src = np.array([str(u) for u in result.source_units()])
    tgt = np.array([str(u) for u in result.target_units()])
    u = result.unit_coupling().toarray()
    rs, cs = np.argsort(src), np.argsort(tgt)
    return list(src[rs]), list(tgt[cs]), u[np.ix_(rs, cs)]


def assert_same_fit(r1, r2, atol: float = ATOL):
    """Same distance, coupling, matrix (values and coords) and unit coupling."""
    np.testing.assert_allclose(r1.distance, r2.distance, rtol=0, atol=atol)
    assert r1.coupling.dims == r2.coupling.dims
    for d in r1.coupling.dims:
        assert list(r1.coupling[d].values) == list(r2.coupling[d].values)
    np.testing.assert_allclose(r1.coupling.values, r2.coupling.values, rtol=0, atol=atol)
    np.testing.assert_allclose(r1.matrix.values, r2.matrix.values, rtol=0, atol=atol)
    s1, t1, u1 = canonical_unit_coupling(r1)
    s2, t2, u2 = canonical_unit_coupling(r2)
    assert s1 == s2 and t1 == t2
    np.testing.assert_allclose(u1, u2, rtol=0, atol=atol)


def assert_marginals(result):
    P = result.coupling.values
    L, M = P.shape
    np.testing.assert_allclose(P.sum(axis=1), np.full(L, 1 / L), rtol=0, atol=ATOL)
    np.testing.assert_allclose(P.sum(axis=0), np.full(M, 1 / M), rtol=0, atol=ATOL)
    src_dim, tgt_dim = result.coupling.dims
    for l in result.coupling[src_dim].values:
        for m in result.coupling[tgt_dim].values:
            q = result.plan(l, m).toarray()
            n, k = q.shape
            np.testing.assert_allclose(q.sum(axis=1), np.full(n, 1 / n), rtol=0, atol=ATOL)
            np.testing.assert_allclose(q.sum(axis=0), np.full(k, 1 / k), rtol=0, atol=ATOL)


# --------------------------------------------------------------------------- identical


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identical_systems(make_net_pair, seed):
    source, _ = pair(make_net_pair, seed)
    a = to_rep(source, system="A")
    r = hn.compare(a, a, method="hot")
    L = len(source)
    np.testing.assert_allclose(r.distance, 0.0, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r.similarity, 1.0, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r.coupling.values, np.eye(L) / L, rtol=0, atol=ATOL)
    c = r.matrix.values
    np.testing.assert_allclose(np.diag(c), 0.0, rtol=0, atol=ATOL)
    assert np.all(c[~np.eye(L, dtype=bool)] > 1e-3)
    # every unit is matched to itself
    src, tgt, u = canonical_unit_coupling(r)
    assert src == tgt
    expected = np.diag([1.0 / (L * source[s.rsplit("/", 1)[0]].shape[1]) for s in src])
    np.testing.assert_allclose(u, expected, rtol=0, atol=ATOL)
    assert_marginals(r)


def test_identical_up_to_unit_and_stimulus_order(make_net_pair):
    source, _ = pair(make_net_pair, 3)
    a = to_rep(source)
    perm_layers, perm_ids = permute_units(source, seed=5)
    order = np.random.default_rng(6).permutation(N_STIMULI)
    b = to_rep({g: x[order] for g, x in perm_layers.items()}, stimuli=order, ids=perm_ids)
    r = hn.compare(a, b, method="hot")
    L = len(source)
    np.testing.assert_allclose(r.distance, 0.0, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r.coupling.values, np.eye(L) / L, rtol=0, atol=ATOL)
    src, tgt, u = canonical_unit_coupling(r)
    assert src == tgt
    assert np.count_nonzero(u > 1e-12) == u.shape[0]
    np.testing.assert_allclose(u, np.diag(np.diag(u)), rtol=0, atol=ATOL)


# --------------------------------------------------------------------------- invariances


@pytest.mark.parametrize("seed", [0, 1])
def test_permuting_units_and_stimuli_changes_nothing(make_net_pair, seed):
    source, target = pair(make_net_pair, seed)
    base = hn.compare(to_rep(source), to_rep(target), method="hot")
    assert_marginals(base)

    # units permuted within every layer of the source
    s_layers, s_ids = permute_units(source, seed=100 + seed)
    r = hn.compare(to_rep(s_layers, ids=s_ids), to_rep(target), method="hot")
    assert_same_fit(base, r)

    # units permuted in the target and its stimulus order shuffled (alignment undoes it)
    t_layers, t_ids = permute_units(target, seed=200 + seed)
    order = np.random.default_rng(300 + seed).permutation(N_STIMULI)
    t_shuffled = to_rep({g: x[order] for g, x in t_layers.items()}, stimuli=order, ids=t_ids)
    r = hn.compare(to_rep(source), t_shuffled, method="hot")
    assert_same_fit(base, r)

    # both at once
    r = hn.compare(to_rep(s_layers, ids=s_ids), t_shuffled, method="hot")
    assert_same_fit(base, r)


@pytest.mark.parametrize("seed", [0, 1])
def test_swapping_systems_transposes_coupling(make_net_pair, seed):
    source, target = pair(make_net_pair, seed)
    a, b = to_rep(source, system="A"), to_rep(target, system="B")
    r_ab = hn.compare(a, b, method="hot")
    r_ba = hn.compare(b, a, method="hot")
    np.testing.assert_allclose(r_ba.distance, r_ab.distance, rtol=0, atol=ATOL)
    assert list(r_ba.coupling["source_layer"].values) == list(target)
    assert list(r_ba.coupling["target_layer"].values) == list(source)
    np.testing.assert_allclose(r_ba.coupling.values, r_ab.coupling.values.T, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r_ba.matrix.values, r_ab.matrix.values.T, rtol=0, atol=ATOL)
    s_ab, t_ab, u_ab = canonical_unit_coupling(r_ab)
    s_ba, t_ba, u_ba = canonical_unit_coupling(r_ba)
    assert s_ab == t_ba and t_ab == s_ba
    np.testing.assert_allclose(u_ba, u_ab.T, rtol=0, atol=ATOL)
    for l in source:
        for m in target:
            # plans indexed by ids: compare through the unit orders of each result
            q_ab = r_ab.plan(l, m).toarray()
            q_ba = r_ba.plan(m, l).toarray()
            rows = [
                list(map(str, r_ba.target_units(l))).index(str(x)) for x in r_ab.source_units(l)
            ]
            cols = [
                list(map(str, r_ba.source_units(m))).index(str(x)) for x in r_ab.target_units(m)
            ]
            np.testing.assert_allclose(q_ba.T[np.ix_(rows, cols)], q_ab, rtol=0, atol=ATOL)
    assert_marginals(r_ba)


# --------------------------------------------------------------------------- duplicated


def test_duplicated_layers_split_mass_equally(make_relu_net, make_stimuli):
    x0 = make_stimuli(7, N_STIMULI, 12)
    source = make_relu_net(x0, [20, 30, 25], seed=77, prefix="L")
    target = {}
    for g, x in source.items():
        target[f"{g}a"] = x
        target[f"{g}b"] = x
    r = hn.compare(to_rep(source), to_rep(target), method="hot")
    L = len(source)
    P = r.coupling.values
    assert P.shape == (L, 2 * L)
    np.testing.assert_allclose(r.distance, 0.0, rtol=0, atol=ATOL)
    for l in range(L):
        np.testing.assert_allclose(L * P[l, 2 * l], 0.5, rtol=0, atol=ATOL)
        np.testing.assert_allclose(L * P[l, 2 * l + 1], 0.5, rtol=0, atol=ATOL)
    np.testing.assert_allclose(
        r.matrix.values[np.arange(L), 2 * np.arange(L)], 0.0, rtol=0, atol=ATOL
    )
    np.testing.assert_allclose(
        r.matrix.values[np.arange(L), 2 * np.arange(L) + 1], 0.0, rtol=0, atol=ATOL
    )
    assert_marginals(r)

    # and the other way round: each target layer draws equally on its two copies
    r_rev = hn.compare(to_rep(target), to_rep(source), method="hot")
    P_rev = r_rev.coupling.values
    for m in range(L):
        np.testing.assert_allclose(P_rev[2 * m, m], 1 / (2 * L), rtol=0, atol=ATOL)
        np.testing.assert_allclose(P_rev[2 * m + 1, m], 1 / (2 * L), rtol=0, atol=ATOL)
    np.testing.assert_allclose(r_rev.distance, 0.0, rtol=0, atol=ATOL)


# --------------------------------------------------------------------------- constant units


def with_constant_units(make_net_pair):
    """(source, target) clean, and with constant units inserted, plus the inserted ids."""
    source, target = pair(make_net_pair, 4)
    rng = np.random.default_rng(44)
    n = N_STIMULI
    s_ids, t_ids = unit_ids(source), unit_ids(target)
    src_c, src_c_ids = dict(source), {g: list(v) for g, v in s_ids.items()}
    # layer "s1": a constant 3, an all-zero unit, and 5 + 1e-13 noise (std <= 1e-10 max|x|)
    x = source["s1"]
    src_c["s1"] = np.column_stack(
        [np.full(n, 3.0), x[:, :10], np.zeros(n), x[:, 10:], 5.0 + 1e-13 * rng.standard_normal(n)]
    )
    src_c_ids["s1"] = (
        ["s1/const3"] + s_ids["s1"][:10] + ["s1/zero"] + s_ids["s1"][10:] + ["s1/almost5"]
    )
    tgt_c, tgt_c_ids = dict(target), {g: list(v) for g, v in t_ids.items()}
    y = target["t2"]
    tgt_c["t2"] = np.column_stack([y[:, :3], np.full(n, -7.5), y[:, 3:]])
    tgt_c_ids["t2"] = t_ids["t2"][:3] + ["t2/const"] + t_ids["t2"][3:]
    dropped = {"source": ["s1/const3", "s1/zero", "s1/almost5"], "target": ["t2/const"]}
    return source, target, (src_c, src_c_ids), (tgt_c, tgt_c_ids), dropped


def test_constant_units_are_dropped_and_reported(make_net_pair):
    source, target, (src_c, src_c_ids), (tgt_c, tgt_c_ids), dropped = with_constant_units(
        make_net_pair
    )
    clean = hn.compare(to_rep(source), to_rep(target), method="hot")
    r = hn.compare(to_rep(src_c, ids=src_c_ids), to_rep(tgt_c, ids=tgt_c_ids), method="hot")
    assert_same_fit(clean, r)
    assert sorted(map(str, r.dropped_units["source"])) == sorted(dropped["source"])
    assert sorted(map(str, r.dropped_units["target"])) == sorted(dropped["target"])
    assert set(map(str, r.source_units())).isdisjoint(dropped["source"])
    assert set(map(str, r.target_units())).isdisjoint(dropped["target"])
    assert r.plan("s1", "t2").shape == (source["s1"].shape[1], target["t2"].shape[1])
    assert_marginals(r)
    assert {k: list(v) for k, v in clean.dropped_units.items()} == {"source": [], "target": []}


def test_group_of_only_constant_units_is_an_error(make_net_pair):
    source, target = pair(make_net_pair, 0)
    bad = dict(source)
    bad["s2"] = np.ones((N_STIMULI, 4))
    with pytest.raises(hn.EmptyGroupError):
        hn.compare(to_rep(bad), to_rep(target), method="hot")


# --------------------------------------------------------------------------- determinism


def test_same_seed_is_bit_identical_and_other_seed_differs(make_net_pair):
    source, target = pair(make_net_pair, 5)
    a, b = to_rep(source), to_rep(target)
    r1 = hn.compare(a, b, method="hot", splits=3, seed=7)
    r2 = hn.compare(a, b, method="hot", splits=3, seed=7)
    assert r1.distance == r2.distance
    assert r1.score == r2.score
    for name in ("coupling", "matrix", "scores", "group_scores", "split_coupling"):
        np.testing.assert_array_equal(
            getattr(r1, name).values, getattr(r2, name).values, err_msg=name
        )
    np.testing.assert_array_equal(r1.unit_coupling().toarray(), r2.unit_coupling().toarray())
    r3 = hn.compare(a, b, method="hot", splits=3, seed=8)
    # a different seed draws different splits, hence different held-out scores
    assert np.any(r3.scores.sel(strategy="hot").values != r1.scores.sel(strategy="hot").values)
    # ... but the main fit (all stimuli) does not depend on the seed
    np.testing.assert_array_equal(r3.coupling.values, r1.coupling.values)


# --------------------------------------------------------------------------- netCDF


def test_netcdf_round_trip(make_net_pair, tmp_path):
    _, _, (src_c, src_c_ids), (tgt_c, tgt_c_ids), dropped = with_constant_units(make_net_pair)
    regions = ["VISp", "VISl", "VISal", "CA1", "LGd"]
    tgt_region = {reg: tgt_c[g] for reg, g in zip(regions, tgt_c, strict=True)}
    tgt_region_ids = {reg: tgt_c_ids[g] for reg, g in zip(regions, tgt_c, strict=True)}
    a = to_rep(src_c, ids=src_c_ids, system="model")
    b = to_rep(tgt_region, ids=tgt_region_ids, system="mouse", level="region")
    r = hn.compare(a, b, method="hot", splits=2, seed=3)
    path = tmp_path / "result.nc"
    r.to_netcdf(path)
    r2 = hn.open_result(path)

    assert r2.distance == r.distance
    assert r2.similarity == r.similarity
    assert r2.score == r.score
    for name in ("coupling", "matrix", "scores", "group_scores", "split_coupling"):
        x1, x2 = getattr(r, name), getattr(r2, name)
        assert x2.dims == x1.dims, name
        for d in x1.dims:
            assert list(x2[d].values) == list(x1[d].values), (name, d)
        np.testing.assert_array_equal(x2.values, x1.values, err_msg=name)
    np.testing.assert_array_equal(r2.score_table().values, r.score_table().values)
    assert list(map(str, r2.source_units())) == list(map(str, r.source_units()))
    assert list(map(str, r2.target_units())) == list(map(str, r.target_units()))
    for l in src_c:
        assert list(map(str, r2.source_units(l))) == list(map(str, r.source_units(l)))
        for m in regions:
            assert list(map(str, r2.target_units(m))) == list(map(str, r.target_units(m)))
            p1, p2 = r.plan(l, m), r2.plan(l, m)
            assert scipy.sparse.issparse(p2)
            np.testing.assert_array_equal(p2.toarray(), p1.toarray(), err_msg=f"{l}, {m}")
    np.testing.assert_array_equal(r2.unit_coupling().toarray(), r.unit_coupling().toarray())
    for side in ("source", "target"):
        assert sorted(map(str, r2.dropped_units[side])) == sorted(dropped[side])
        assert list(map(str, r2.dropped_units[side])) == list(map(str, r.dropped_units[side]))
    assert set(r2.attrs) >= {"method", "seed", "parameters", "versions"}
    assert set(r2.attrs) == set(r.attrs)
    for key in ("method", "parameters", "versions"):
        assert r2.attrs[key] == r.attrs[key], key
    assert int(r2.attrs["seed"]) == int(r.attrs["seed"]) == 3
    assert r2.attrs["method"] == "hot"
    assert r2.hierarchy_index() == r.hierarchy_index()
    np.testing.assert_array_equal(r2.barycentric_depth().values, r.barycentric_depth().values)
    np.testing.assert_array_equal(r2.row_entropy().values, r.row_entropy().values)


# --------------------------------------------------------------------------- dims


def test_region_level_dims(make_net_pair):
    source, target = pair(make_net_pair, 6)
    regions = ["VISp", "VISl", "VISal", "CA1", "LGd"]  # deliberately not alphabetical
    tgt_region = {reg: x for reg, x in zip(regions, target.values(), strict=True)}
    a = to_rep(source, system="model")
    b = to_rep(tgt_region, system="mouse", level="region")
    r = hn.compare(a, b, method="hot", splits=2, seed=0)
    assert r.coupling.dims == ("source_layer", "target_region")
    assert r.matrix.dims == ("source_layer", "target_region")
    assert list(r.coupling["source_layer"].values) == list(source)
    assert list(r.coupling["target_region"].values) == regions
    assert r.group_scores.dims == ("strategy", "split", "source_layer")
    assert r.split_coupling.dims == ("split", "source_layer", "target_region")
    assert r.barycentric_depth().dims == ("source_layer",)
    assert r.row_entropy().dims == ("source_layer",)
    assert r.plan("s0", "VISl").shape == (source["s0"].shape[1], target["t1"].shape[1])
    assert_marginals(r)

    r_rev = hn.compare(b, a, method="hot")
    assert r_rev.coupling.dims == ("source_region", "target_layer")
    assert list(r_rev.coupling["source_region"].values) == regions


# --------------------------------------------------------------------------- summaries


def entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hierarchy_summaries_by_hand(make_net_pair, seed):
    source, target = pair(make_net_pair, seed)
    r = hn.compare(to_rep(source), to_rep(target), method="hot")
    P = r.coupling.values
    L, M = P.shape
    rows = L * P
    depth = rows @ np.arange(M)
    bary = r.barycentric_depth()
    assert bary.dims == ("source_layer",)
    assert list(bary["source_layer"].values) == list(source)
    np.testing.assert_allclose(bary.values, depth / (M - 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        r.barycentric_depth(normalize=False).values, depth, rtol=0, atol=1e-12
    )
    h = np.array([entropy(row) for row in rows])
    np.testing.assert_allclose(r.row_entropy().values, h, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        r.row_entropy(normalize=True).values, h / np.log(M), rtol=0, atol=1e-12
    )
    rho = scipy.stats.spearmanr(np.arange(L), depth)[0]
    hi = r.hierarchy_index()
    assert isinstance(hi, float)
    np.testing.assert_allclose(hi, rho, rtol=0, atol=1e-12)


def test_hierarchy_summaries_identical_system(make_net_pair):
    source, _ = pair(make_net_pair, 0)
    a = to_rep(source)
    r = hn.compare(a, a, method="hot")
    L = len(source)
    np.testing.assert_allclose(
        r.barycentric_depth().values, np.arange(L) / (L - 1), rtol=0, atol=ATOL
    )
    np.testing.assert_allclose(r.row_entropy().values, 0.0, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r.hierarchy_index(), 1.0, rtol=0, atol=ATOL)


# --------------------------------------------------------------------------- scores


def test_scores_with_k_splits(make_net_pair):
    source, target = pair(make_net_pair, 1)
    a, b = to_rep(source), to_rep(target)
    k = 4
    r = hn.compare(a, b, method="hot", splits=k, seed=11)
    assert r.scores.dims == ("strategy", "split")
    assert r.scores.sizes == {"strategy": 4, "split": k}
    assert list(r.scores["strategy"].values) == STRATEGIES
    assert np.all(np.isfinite(r.scores.values))
    assert np.all(np.abs(r.scores.values) <= 1.0)
    assert isinstance(r.score, float)
    np.testing.assert_allclose(
        r.score, float(r.scores.sel(strategy="hot").mean()), rtol=1e-14, atol=0
    )
    # the global score of each split is the mean of its group scores
    assert r.group_scores.dims == ("strategy", "split", "source_layer")
    assert r.group_scores.sizes == {"strategy": 4, "split": k, "source_layer": len(source)}
    np.testing.assert_allclose(
        r.group_scores.mean("source_layer").values, r.scores.values, rtol=0, atol=1e-12
    )
    # summary table
    table = r.score_table()
    assert table.dims == ("strategy", "statistic")
    # api.md: statistic in ["mean", "std"] (the package may add more, e.g. n_splits)
    assert list(table["statistic"].values)[:2] == ["mean", "std"]
    assert list(table["strategy"].values) == STRATEGIES
    np.testing.assert_allclose(
        table.sel(statistic="mean").values, r.scores.mean("split").values, rtol=0, atol=1e-12
    )
    std = table.sel(statistic="std").values
    assert np.all(np.isfinite(std)) and np.all(std >= 0)
    # per-split couplings: one outer plan per split, each with exact marginals
    assert r.split_coupling.dims == ("split", "source_layer", "target_layer")
    assert r.split_coupling.sizes["split"] == k
    for s in range(k):
        P = r.split_coupling.isel(split=s).values
        np.testing.assert_allclose(P.sum(axis=1), 1 / len(source), rtol=0, atol=ATOL)
        np.testing.assert_allclose(P.sum(axis=0), 1 / len(target), rtol=0, atol=ATOL)
    # the main fit is on all stimuli: same as without splits
    plain = hn.compare(a, b, method="hot")
    assert plain.score is None and plain.scores is None and plain.split_coupling is None
    np.testing.assert_allclose(r.distance, plain.distance, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.coupling.values, plain.coupling.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.matrix.values, plain.matrix.values, rtol=0, atol=1e-12)
