"""Cross-check ``hn.compare(method="hot")`` against the plain reference in reference.py.

Random deep ReLU networks (several seeds; unequal widths and unequal depths, plus a case
of equal widths whose inner problems are linear assignments). Distances and the matrix of
inner values are compared always (to 1e-9): they are unique even when a plan is not.
Plans, couplings and held-out scores are compared where the reference certifies that the
optimum is unique (generic for random data; a test below checks that it holds here, so
the comparisons are not vacuous).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse

import hotneuro as hn

try:  # tests/ on sys.path (pytest's default "prepend" import mode, no tests/__init__.py)
    import reference as refimpl
except ImportError:  # pragma: no cover - tests/ made a package
    from tests import reference as refimpl

ATOL = 1e-9
STRATEGIES = ["hot", "pairwise_best", "single_best", "perm_p"]

# (seed, source widths, target widths, n_stimuli)
CASES = [
    pytest.param((0, [20, 35, 28, 40], [30, 22, 38, 25, 33, 27], 80), id="seed0-4x6-S80"),
    pytest.param((1, [24, 31, 20, 39], [40, 20, 26, 35, 29, 21], 60), id="seed1-4x6-S60"),
    pytest.param((2, [40, 20, 33, 27], [25, 36, 21, 30, 39, 28], 200), id="seed2-4x6-S200"),
    pytest.param((3, [25] * 4, [25] * 6, 100), id="seed3-equal-widths-4x6"),
    pytest.param((4, [30, 20, 25, 35, 22], [20, 30, 25], 120), id="seed4-5x3-some-equal"),
]


# --------------------------------------------------------------------------- helpers


def unit_ids(layers: dict) -> dict:
    return {g: [f"{g}/u{i}" for i in range(a.shape[1])] for g, a in layers.items()}


def to_rep(layers: dict, stimuli, system: str, level: str = "layer"):
    return hn.representation(
        layers, stimuli=stimuli, units=unit_ids(layers), system=system, level=level
    )


def column_of(unit_id) -> int:
    """Original column index of a unit id made by unit_ids()."""
    return int(str(unit_id).rsplit("/u", 1)[1])


def dims(result):
    return result.coupling.dims


def coupling_values(result, source_groups, target_groups) -> np.ndarray:
    src_dim, tgt_dim = dims(result)
    assert list(result.coupling[src_dim].values) == list(source_groups)
    assert list(result.coupling[tgt_dim].values) == list(target_groups)
    return result.coupling.transpose(src_dim, tgt_dim).values


def matrix_values(result, source_groups, target_groups) -> np.ndarray:
    src_dim, tgt_dim = dims(result)
    assert result.matrix.dims == (src_dim, tgt_dim)
    assert list(result.matrix[src_dim].values) == list(source_groups)
    assert list(result.matrix[tgt_dim].values) == list(target_groups)
    return result.matrix.values


def reference_plan_in_result_order(ref, result, l, m) -> np.ndarray:
    """The reference Q_lm with rows/cols reordered to result.source_units(l)/target_units(m)."""
    kept_s = list(ref.kept("source", l))
    kept_t = list(ref.kept("target", m))
    rows = [kept_s.index(column_of(u)) for u in result.source_units(l)]
    cols = [kept_t.index(column_of(u)) for u in result.target_units(m)]
    return ref.plans[(l, m)][np.ix_(rows, cols)]


def build_case(make_net_pair, seed, sw, tw, n_stimuli) -> SimpleNamespace:
    source, target = make_net_pair(seed, sw, tw, n_stimuli)
    stimuli = [f"img{k:03d}" for k in range(n_stimuli)]
    return SimpleNamespace(
        seed=seed,
        source=source,
        target=target,
        stimuli=stimuli,
        src_rep=to_rep(source, stimuli, "source-net"),
        tgt_rep=to_rep(target, stimuli, "target-net"),
        L=len(sw),
        M=len(tw),
    )


@pytest.fixture(scope="module", params=CASES)
def full_fit(request, make_net_pair):
    """compare() fitted on all stimuli, with the reference fit on all stimuli."""
    case = build_case(make_net_pair, *request.param)
    case.result = hn.compare(case.src_rep, case.tgt_rep, method="hot")
    case.ref = refimpl.hot(case.source, case.target)
    return case


@pytest.fixture(scope="module", params=CASES)
def heldout_fit(request, make_net_pair):
    """compare() with one explicit fit/eval split (stimuli given in shuffled order)."""
    case = build_case(make_net_pair, *request.param)
    n = len(case.stimuli)
    order = np.random.default_rng(100 + case.seed).permutation(n)
    n_eval = int(round(0.2 * n))
    case.eval_idx, case.fit_idx = order[:n_eval], order[n_eval:]
    case.fit_ids = [case.stimuli[i] for i in case.fit_idx]
    case.eval_ids = [case.stimuli[i] for i in case.eval_idx]
    case.result = hn.compare(
        case.src_rep,
        case.tgt_rep,
        method="hot",
        fit_stimuli=case.fit_ids,
        eval_stimuli=case.eval_ids,
    )
    case.out = refimpl.reconstruction_scores(case.source, case.target, case.fit_idx, case.eval_idx)
    case.ref = case.out["ref"]
    return case


# --------------------------------------------------------------------------- full fit


def assert_generic(case):
    ref = case.ref
    assert ref.coupling_unique
    assert all(ref.plan_unique.values())
    for l in ref.source_groups:
        assert ref.kept("source", l).size == case.source[l].shape[1]
    for m in ref.target_groups:
        assert ref.kept("target", m).size == case.target[m].shape[1]


def test_test_data_is_generic_full_fit(full_fit):
    """The reference certifies unique optima, so the value comparisons below bite."""
    assert_generic(full_fit)


def test_test_data_is_generic_heldout_fit(heldout_fit):
    assert_generic(heldout_fit)


def test_distance_matches_reference(full_fit):
    r, ref = full_fit.result, full_fit.ref
    assert isinstance(r.distance, float)
    np.testing.assert_allclose(r.distance, ref.distance, rtol=0, atol=ATOL)
    np.testing.assert_allclose(r.similarity, 1.0 - ref.distance, rtol=0, atol=ATOL)


def test_matrix_matches_reference(full_fit):
    r, ref = full_fit.result, full_fit.ref
    c = matrix_values(r, ref.source_groups, ref.target_groups)
    np.testing.assert_allclose(c, ref.matrix, rtol=0, atol=ATOL)
    assert np.all(c >= -ATOL) and np.all(c <= 2 + ATOL)


def test_coupling_matches_reference(full_fit):
    r, ref = full_fit.result, full_fit.ref
    P = coupling_values(r, ref.source_groups, ref.target_groups)
    assert P.shape == (full_fit.L, full_fit.M)
    if not ref.coupling_unique:
        pytest.skip("outer optimum not unique for this draw")
    np.testing.assert_allclose(P, ref.coupling, rtol=0, atol=ATOL)


def test_distance_is_coupling_dot_matrix(full_fit):
    r = full_fit.result
    np.testing.assert_allclose(r.distance, float((r.coupling * r.matrix).sum()), rtol=0, atol=1e-12)


def test_coupling_marginals(full_fit):
    r, L, M = full_fit.result, full_fit.L, full_fit.M
    P = r.coupling.values
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), np.full(L, 1.0 / L), rtol=0, atol=ATOL)
    np.testing.assert_allclose(P.sum(axis=0), np.full(M, 1.0 / M), rtol=0, atol=ATOL)
    np.testing.assert_allclose(P.sum(), 1.0, rtol=0, atol=ATOL)


def test_inner_plans_marginals_and_sparsity(full_fit):
    r, case = full_fit.result, full_fit
    for l in case.source:
        for m in case.target:
            Q = r.plan(l, m)
            assert scipy.sparse.issparse(Q) and Q.format == "csr"
            n_l, n_m = case.source[l].shape[1], case.target[m].shape[1]
            assert Q.shape == (n_l, n_m)
            q = Q.toarray()
            assert np.all(q >= 0)
            np.testing.assert_allclose(q.sum(axis=1), np.full(n_l, 1.0 / n_l), rtol=0, atol=ATOL)
            np.testing.assert_allclose(q.sum(axis=0), np.full(n_m, 1.0 / n_m), rtol=0, atol=ATOL)
            # an exact (vertex) plan has at most n + n' - 1 nonzeros
            assert np.count_nonzero(q) <= n_l + n_m - 1
            if n_l == n_m:  # linear assignment: a permutation matrix / n
                np.testing.assert_allclose(np.sort(q, axis=1)[:, -1], 1.0 / n_l, rtol=0, atol=ATOL)
                assert np.count_nonzero(q) == n_l


def test_inner_plans_match_reference(full_fit):
    r, ref = full_fit.result, full_fit.ref
    compared = 0
    for l in ref.source_groups:
        assert sorted(map(column_of, r.source_units(l))) == list(ref.kept("source", l))
        for m in ref.target_groups:
            if not ref.plan_unique[(l, m)]:
                continue
            np.testing.assert_allclose(
                r.plan(l, m).toarray(),
                reference_plan_in_result_order(ref, r, l, m),
                rtol=0,
                atol=ATOL,
                err_msg=f"plan({l!r}, {m!r})",
            )
            compared += 1
    assert compared > 0


def test_inner_values_are_plan_dot_cost(full_fit):
    """c_lm = <C_lm, Q_lm> with the package's own plan and the reference's cost."""
    r, ref = full_fit.result, full_fit.ref
    c = matrix_values(r, ref.source_groups, ref.target_groups)
    for a, l in enumerate(ref.source_groups):
        kept_s = list(ref.kept("source", l))
        rows = [kept_s.index(column_of(u)) for u in r.source_units(l)]
        for b, m in enumerate(ref.target_groups):
            kept_t = list(ref.kept("target", m))
            cols = [kept_t.index(column_of(u)) for u in r.target_units(m)]
            C = ref.cost[(l, m)][np.ix_(rows, cols)]
            np.testing.assert_allclose(
                (C * r.plan(l, m).toarray()).sum(), c[a, b], rtol=0, atol=ATOL
            )


def test_unit_coupling_blocks(full_fit):
    r, ref, L, M = full_fit.result, full_fit.ref, full_fit.L, full_fit.M
    U = r.unit_coupling()
    assert scipy.sparse.issparse(U)
    all_src = [str(u) for u in r.source_units()]
    all_tgt = [str(u) for u in r.target_units()]
    n_src = sum(a.shape[1] for a in full_fit.source.values())
    n_tgt = sum(a.shape[1] for a in full_fit.target.values())
    assert U.shape == (n_src, n_tgt) == (len(all_src), len(all_tgt))
    u = U.toarray()
    np.testing.assert_allclose(u.sum(), 1.0, rtol=0, atol=ATOL)
    P = coupling_values(r, ref.source_groups, ref.target_groups)
    src_rows = {l: [all_src.index(str(x)) for x in r.source_units(l)] for l in ref.source_groups}
    tgt_cols = {m: [all_tgt.index(str(x)) for x in r.target_units(m)] for m in ref.target_groups}
    # the groups tile the unit axes
    assert sorted(sum(src_rows.values(), [])) == list(range(n_src))
    assert sorted(sum(tgt_cols.values(), [])) == list(range(n_tgt))
    for a, l in enumerate(ref.source_groups):
        n_l = len(src_rows[l])
        np.testing.assert_allclose(
            u[src_rows[l]].sum(axis=1), np.full(n_l, 1.0 / (L * n_l)), rtol=0, atol=ATOL
        )
        for b, m in enumerate(ref.target_groups):
            block = u[np.ix_(src_rows[l], tgt_cols[m])]
            np.testing.assert_allclose(
                block,
                P[a, b] * r.plan(l, m).toarray(),
                rtol=0,
                atol=ATOL,
                err_msg=f"block ({l!r}, {m!r})",
            )
    for m in ref.target_groups:
        n_m = len(tgt_cols[m])
        np.testing.assert_allclose(
            u[:, tgt_cols[m]].sum(axis=0), np.full(n_m, 1.0 / (M * n_m)), rtol=0, atol=ATOL
        )
    if ref.all_unique:  # the whole unit coupling equals the reference's
        dense = ref.unit_coupling()
        ref_src = [f"{l}/u{i}" for l in ref.source_groups for i in ref.kept("source", l)]
        ref_tgt = [f"{m}/u{j}" for m in ref.target_groups for j in ref.kept("target", m)]
        perm_r = [ref_src.index(x) for x in all_src]
        perm_c = [ref_tgt.index(x) for x in all_tgt]
        np.testing.assert_allclose(u, dense[np.ix_(perm_r, perm_c)], rtol=0, atol=ATOL)


def test_no_score_without_heldout(full_fit):
    r = full_fit.result
    assert r.score is None
    assert r.scores is None
    assert r.group_scores is None


# --------------------------------------------------------------------------- held out


def test_heldout_main_fit_is_on_fit_stimuli(heldout_fit):
    r, ref = heldout_fit.result, heldout_fit.ref
    np.testing.assert_allclose(r.distance, ref.distance, rtol=0, atol=ATOL)
    c = matrix_values(r, ref.source_groups, ref.target_groups)
    np.testing.assert_allclose(c, ref.matrix, rtol=0, atol=ATOL)
    if ref.coupling_unique:
        P = coupling_values(r, ref.source_groups, ref.target_groups)
        np.testing.assert_allclose(P, ref.coupling, rtol=0, atol=ATOL)


def test_heldout_scores_shape(heldout_fit):
    r, L = heldout_fit.result, heldout_fit.L
    assert r.scores.dims == ("strategy", "split")
    assert list(r.scores["strategy"].values) == STRATEGIES
    assert r.scores.sizes["split"] == 1
    src_dim = dims(r)[0]
    assert r.group_scores.dims == ("strategy", "split", src_dim)
    assert r.group_scores.sizes[src_dim] == L
    assert list(r.group_scores[src_dim].values) == list(heldout_fit.source)
    assert list(r.group_scores["strategy"].values) == STRATEGIES


@pytest.mark.parametrize("strategy", ["hot", "pairwise_best", "single_best"])
def test_heldout_scores_match_reference(heldout_fit, strategy):
    r, out, ref = heldout_fit.result, heldout_fit.out, heldout_fit.ref
    if not ref.all_unique:
        pytest.skip("an optimum is not unique for this draw")
    got_groups = r.group_scores.sel(strategy=strategy).isel(split=0).values
    got = float(r.scores.sel(strategy=strategy).isel(split=0))
    # the global score is the mean over source groups of the group scores
    np.testing.assert_allclose(got, got_groups.mean(), rtol=0, atol=1e-12)
    if strategy in out["alternatives"] and out["ambiguous"][strategy]:
        # argmin/argmax tied: the spec fixes no tie-break, any tied choice is right
        for a, alts in enumerate(out["alternatives"][strategy]):
            assert np.min(np.abs(np.asarray(alts) - got_groups[a])) <= ATOL, (
                f"group {a}: got {got_groups[a]!r}, allowed {alts!r}"
            )
    else:
        np.testing.assert_allclose(got_groups, out["group_scores"][strategy], rtol=0, atol=ATOL)
        np.testing.assert_allclose(got, out["scores"][strategy], rtol=0, atol=ATOL)


def test_heldout_score_is_hot_score(heldout_fit):
    r, out = heldout_fit.result, heldout_fit.out
    if not out["ref"].all_unique:
        pytest.skip("an optimum is not unique for this draw")
    assert isinstance(r.score, float)
    np.testing.assert_allclose(r.score, out["scores"]["hot"], rtol=0, atol=ATOL)


def test_heldout_perm_p(heldout_fit):
    r, case = heldout_fit.result, heldout_fit
    got = float(r.scores.sel(strategy="perm_p").isel(split=0))
    assert np.isfinite(got)
    assert -1.0 <= got <= 1.0
    got_groups = r.group_scores.sel(strategy="perm_p").isel(split=0).values
    assert np.all(np.isfinite(got_groups))
    assert np.all((got_groups >= -1.0) & (got_groups <= 1.0))
    if not case.ref.all_unique:
        return
    # the permutation is the package's (seeded) choice, but it is *some* row permutation
    # of P: table[a, k] = score of source group a rebuilt with row k of P; some
    # permutation must reproduce all the group scores
    out, ref, L = case.out, case.ref, case.L
    P = ref.coupling
    table = np.array(
        [
            [
                refimpl.group_score(ref, out["zx_eval"], out["zy_eval"], l, L * P[k, :])
                for k in range(L)
            ]
            for l in ref.source_groups
        ]
    )
    matches = [
        perm
        for perm in itertools.permutations(range(L))
        if np.max(np.abs(table[np.arange(L), list(perm)] - got_groups)) <= ATOL
    ]
    assert matches, f"perm_p group scores {got_groups} match no row permutation of P"
