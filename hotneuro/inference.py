"""Permutation tests and bootstrap confidence intervals for every comparison method.

:func:`hotneuro.compare` calls :func:`run_inference` when asked for
``permutations=N`` or ``bootstrap=B``; it refits the method on resampled data and stores
the null distributions, p-values, bootstrap samples and percentile intervals in the
result's dataset (see :mod:`hotneuro.results`). ``docs/statistics.md`` explains the
statistics.

Permutation test
    The target's rows are shuffled relative to the source's (the stimulus labels of the
    target are permuted), and the method is refitted with the same split plan, seed and
    options as the observed comparison. ``p = (1 + k) / (N + 1)``, ``k`` the number of
    null values at least as extreme as the observed one in the direction of similarity
    (``<=`` for a distance, ``>=`` for a similarity or score, by the method's
    ``higher_is_similar`` for ``matrix`` entries).

Bootstrap
    Stimuli are drawn with replacement (separately within the fitting and the held-out
    stimuli of an explicit split); every copy gets a fresh unique id ``"<id>#<copy>"``.
    Random held-out splits of a resample are drawn among its distinct original stimuli
    (:func:`hotneuro.splits.plan_grouped_splits`), so all copies of a stimulus are on
    the same side. Percentile intervals at ``ci_level``.

Seeds
    Permutation ``i`` uses the ``i``-th child of ``SeedSequence([seed, 1])``, bootstrap
    resample ``b`` the ``b``-th child of ``SeedSequence([seed, 2])``; the splits use
    children of ``SeedSequence(seed)``, so the streams never overlap. Resamples run on
    ``n_jobs`` threads with one BLAS thread each and one thread per fit, and are stored
    by index: results are bit-identical for a seed whatever ``n_jobs``.

A resample whose refit raises a :class:`~hotneuro.HotneuroError` (a group constant on a
resample, too few distinct stimuli for a split, ...) is counted as failed and left out
(stored as NaN); the counts are in the result's attrs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from .errors import HotneuroError, ParameterError
from .methods.spec import Method
from .representations import MIN_STIMULI
from .results import ComparisonResult, HOTResult
from .splits import Split, SplitPlan, plan_grouped_splits
from .transport.hot import resolve_n_jobs

__all__ = [
    "BOOTSTRAP_STREAM",
    "PERMUTATION_STREAM",
    "bootstrap_rows",
    "check_bootstrap_size",
    "check_inference",
    "permutation_orders",
    "percentile_interval",
    "permutation_pvalue",
    "run_inference",
]

#: Second word of the root ``SeedSequence([seed, stream])`` of the permutations.
PERMUTATION_STREAM = 1
#: Second word of the root ``SeedSequence([seed, stream])`` of the bootstrap resamples.
BOOTSTRAP_STREAM = 2
#: Relative tolerance (in machine epsilons) under which a null value ties the observed
#: one and counts as "at least as extreme" (as :func:`scipy.stats.permutation_test`).
TIE_EPS = 100 * np.finfo(np.float64).eps


# ------------------------------------------------------------------------- parameters


def _count(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(
            f"{name} must be a non-negative integer (the number of resamples; 0 or None "
            f"for none), got {value!r}."
        )
    return int(value)


def check_inference(permutations: Any, bootstrap: Any, ci_level: Any, seed: Any
                    ) -> tuple[int, int, float]:
    """Validate the resampling parameters of :func:`hotneuro.compare`.

    Parameters
    ----------
    permutations, bootstrap : int or None
        Numbers of resamples (``None`` or 0: none).
    ci_level : float
        Coverage of the bootstrap intervals, strictly between 0 and 1.
    seed : int or None
        Must be a non-negative integer when resamples are asked for.

    Returns
    -------
    (int, int, float)
        The permutation count, the bootstrap count and the level.

    Raises
    ------
    ParameterError
        A negative or non-integer count, a level outside (0, 1), a negative seed.
    """
    n_perm = _count(permutations, "permutations")
    n_boot = _count(bootstrap, "bootstrap")
    if isinstance(ci_level, bool) or not isinstance(ci_level, (float, int, np.floating)) \
            or not 0.0 < float(ci_level) < 1.0:
        raise ParameterError(
            f"ci_level must lie strictly between 0 and 1 (e.g. 0.95 for 95% intervals), "
            f"got {ci_level!r}."
        )
    if (n_perm or n_boot) and seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ParameterError(
            f"Resampling needs seed= to be a non-negative integer (or None for a fresh "
            f"one), got {seed!r}."
        )
    return n_perm, n_boot, float(ci_level)


def _expected_distinct(n: int) -> float:
    """Expected number of distinct items in a sample of ``n`` drawn with replacement."""
    return n * (1.0 - (1.0 - 1.0 / n) ** n)


def check_bootstrap_size(split_plan: SplitPlan, n_stimuli: int, eval_fraction: float) -> None:
    """Refuse a bootstrap whose resamples would typically hold fewer than 3 distinct
    stimuli (in all, or on a side of a split).

    A resample of ``n`` stimuli holds about ``n (1 - (1 - 1/n)^n)`` (about 63 %)
    distinct ones; correlations over copies of fewer than 3 stimuli are degenerate.

    Raises
    ------
    ParameterError
    """
    if split_plan.protocol == "explicit":
        split = split_plan.splits[0]
        sides = {"fitting": split.fit.size, "held-out": split.eval.size}
    else:
        sides = {"resampled": n_stimuli}
    for side, n in sides.items():
        distinct = _expected_distinct(n)
        parts = {side: distinct}
        if split_plan.protocol == "random":
            n_eval = int(round(eval_fraction * distinct))
            parts = {"held-out": n_eval, "fitting": distinct - n_eval}
        for part, m in parts.items():
            if m < MIN_STIMULI:
                raise ParameterError(
                    f"bootstrap= resamples the {n} {side} stimuli with replacement, so a "
                    f"resample holds only about {distinct:.1f} distinct stimuli and its "
                    f"{part} part about {m:.1f}; at least {MIN_STIMULI} distinct stimuli "
                    "are needed. Use more stimuli, a larger eval_fraction, or no bootstrap."
                )


# ------------------------------------------------------------------------- resampling


def _root(seed: int, stream: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([int(seed), stream])


def permutation_orders(n_stimuli: int, permutations: int, seed: int) -> np.ndarray:
    """The row orders of the target used by the permutation test.

    Row ``i`` is permutation ``i``: the permuted target's row ``r`` is the original
    target's row ``orders[i, r]``.

    Parameters
    ----------
    n_stimuli : int
    permutations : int
    seed : int

    Returns
    -------
    ndarray of int64, shape (permutations, n_stimuli)

    Examples
    --------
    >>> permutation_orders(5, 2, seed=0).shape
    (2, 5)
    """
    children = _root(seed, PERMUTATION_STREAM).spawn(int(permutations))
    if not children:
        return np.zeros((0, n_stimuli), np.int64)
    return np.stack([np.random.default_rng(c).permutation(n_stimuli) for c in children])


@dataclass(frozen=True)
class _Draw:
    """One bootstrap resample: original row positions (sorted within each pool) and
    the seed of its splits."""

    rows: tuple[np.ndarray, ...]
    seed: np.random.SeedSequence = field(repr=False)


def _draws(pools: Sequence[np.ndarray], bootstrap: int, seed: int) -> list[_Draw]:
    out = []
    for child in _root(seed, BOOTSTRAP_STREAM).spawn(int(bootstrap)):
        rng = np.random.default_rng(child)
        rows = tuple(np.sort(pool[rng.integers(0, pool.size, pool.size)]) for pool in pools)
        out.append(_Draw(rows, child))
    return out


def bootstrap_rows(n_stimuli: int, bootstrap: int, seed: int,
                   fit: np.ndarray | None = None, eval: np.ndarray | None = None
                   ) -> list[np.ndarray]:
    """The stimulus positions (rows) of each bootstrap resample, sorted.

    Parameters
    ----------
    n_stimuli : int
        Number of aligned stimuli.
    bootstrap : int
    seed : int
    fit, eval : ndarray of int, optional
        Positions of an explicit split's fitting and held-out stimuli: each is
        resampled on its own, and the rows are the fitting draw, then the held-out draw.

    Returns
    -------
    list of ndarray of int64
        One array of positions per resample (a position appears once per copy).

    Examples
    --------
    >>> rows = bootstrap_rows(6, 3, seed=0)
    >>> len(rows), rows[0].size
    (3, 6)
    """
    pools = [np.arange(n_stimuli)] if fit is None else [np.asarray(fit), np.asarray(eval)]
    return [np.concatenate(d.rows) for d in _draws(pools, bootstrap, seed)]


def _fresh_copy_ids(stimuli: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Unique ids ``"<id>#<copy>"`` for the rows of a resample (copies numbered from 0)."""
    seen: dict[int, int] = {}
    ids = []
    for r in rows.tolist():
        k = seen.get(r, 0)
        seen[r] = k + 1
        ids.append(f"{stimuli[r]}#{k}")
    return np.array(ids)


def _take(rep: xr.DataArray, rows: np.ndarray, ids: np.ndarray) -> xr.DataArray:
    return rep.isel(stimulus=rows).assign_coords(stimulus=ids)


def _bootstrap_plan(draw: _Draw, protocol: str, splits: int, eval_fraction: float
                    ) -> tuple[np.ndarray, SplitPlan]:
    """The resample's rows and its split plan (grouped by original stimulus)."""
    if protocol == "explicit":
        fit_rows, eval_rows = draw.rows
        rows = np.concatenate([fit_rows, eval_rows])
        _check_distinct(fit_rows, "fitting")
        _check_distinct(eval_rows, "held-out")
        n_fit = fit_rows.size
        split = Split(np.arange(n_fit), np.arange(n_fit, rows.size), draw.seed.spawn(1)[0])
        return rows, SplitPlan(main_fit=np.arange(n_fit), splits=(split,),
                               protocol="explicit")
    rows = draw.rows[0]
    _check_distinct(rows, "resampled")
    if protocol == "random":
        return rows, plan_grouped_splits(rows, splits=splits, eval_fraction=eval_fraction,
                                         seed=draw.seed)
    return rows, SplitPlan(main_fit=np.arange(rows.size), splits=(), protocol="none")


def _check_distinct(rows: np.ndarray, side: str) -> None:
    n = np.unique(rows).size
    if n < MIN_STIMULI:
        raise ParameterError(
            f"this bootstrap resample holds only {n} distinct {side} stimuli "
            f"(at least {MIN_STIMULI} are needed)"
        )


# ------------------------------------------------------------------------- summaries


@dataclass
class _Summary:
    """The quantities of one refit that inference keeps."""

    distance: float
    similarity: float
    score: float
    matrix: np.ndarray
    coupling: np.ndarray | None = None
    depth: np.ndarray | None = None
    hierarchy: float = math.nan
    best: np.ndarray | None = None  # index of each source group's best target group


def _summarize(result: ComparisonResult) -> _Summary:
    score = result.score
    out = _Summary(distance=result.distance, similarity=result.similarity,
                   score=math.nan if score is None else float(score),
                   matrix=np.asarray(result.matrix.values, dtype=np.float64))
    if isinstance(result, HOTResult):
        out.coupling = np.asarray(result.coupling.values, dtype=np.float64)
        out.depth = np.asarray(result.barycentric_depth().values, dtype=np.float64)
        out.hierarchy = result.hierarchy_index()
        out.best = out.coupling.argmax(axis=1)
    else:
        best = getattr(result, "best_target", None)
        if best is not None:
            index = {g: i for i, g in enumerate(result.target_groups)}
            out.best = np.array([index[str(g)] for g in np.asarray(best.values)])
    return out


@dataclass(frozen=True)
class _Failure:
    message: str


def _run_all(tasks: list[Callable[[], _Summary]], n_jobs: int | None, progress: bool,
             description: str) -> list[_Summary | _Failure]:
    """Run the resample tasks on threads (one BLAS thread each), in order of index."""
    from threadpoolctl import threadpool_limits

    out: list[_Summary | _Failure | None] = [None] * len(tasks)

    def guarded(task: Callable[[], _Summary]) -> _Summary | _Failure:
        try:
            return task()
        except HotneuroError as exc:  # a resample the method cannot fit
            return _Failure(f"{type(exc).__name__}: {exc}")

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc=description, unit="resample")
    workers = max(1, min(resolve_n_jobs(n_jobs), len(tasks)))
    try:
        # Always one BLAS thread: resamples then compute exactly the same whatever n_jobs.
        with threadpool_limits(limits=1, user_api="blas"):
            if workers == 1:
                for i, task in enumerate(tasks):
                    out[i] = guarded(task)
                    if bar is not None:
                        bar.update()
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    futures = {pool.submit(guarded, task): i for i, task in enumerate(tasks)}
                    for future in as_completed(futures):
                        out[futures[future]] = future.result()
                        if bar is not None:
                            bar.update()
    finally:
        if bar is not None:
            bar.close()
    return out  # type: ignore[return-value]


# ------------------------------------------------------------------------- statistics


def permutation_pvalue(null: np.ndarray, observed: np.ndarray | float,
                       higher_is_similar: bool) -> np.ndarray:
    """``(1 + k) / (N + 1)``: ``k`` null values at least as extreme as the observed one.

    Parameters
    ----------
    null : ndarray of shape (N, ...)
        Null samples; NaN rows (failed resamples) are left out of ``N`` and ``k``.
    observed : float or ndarray of shape (...)
    higher_is_similar : bool
        ``True``: extreme means ``null >= observed`` (similarities, scores); ``False``:
        ``null <= observed`` (distances). Values within ``100 eps |observed|`` count as
        ties, hence as extreme.

    Returns
    -------
    ndarray of shape (...)
        NaN where the observed value or every null value is NaN.

    Examples
    --------
    >>> float(permutation_pvalue(np.array([0.3, 0.5, 0.2]), 0.1, higher_is_similar=False))
    0.25
    """
    null = np.asarray(null, dtype=np.float64)
    observed = np.asarray(observed, dtype=np.float64)
    valid = ~np.isnan(null)
    tol = TIE_EPS * np.abs(observed)
    with np.errstate(invalid="ignore"):
        extreme = (null >= observed - tol) if higher_is_similar else (null <= observed + tol)
    k = (extreme & valid).sum(axis=0)
    n = valid.sum(axis=0)
    p = (1.0 + k) / (n + 1.0)
    return np.where(np.isnan(observed) | (n == 0), np.nan, p)


def percentile_interval(samples: np.ndarray, ci_level: float) -> np.ndarray:
    """Percentile interval of bootstrap samples along axis 0, NaN samples left out.

    Returns
    -------
    ndarray of shape (2, ...)
        ``np.nanpercentile(samples, [50 (1 - ci_level), 50 (1 + ci_level)], axis=0)``
        (linear interpolation); NaN where every sample is NaN.

    Examples
    --------
    >>> percentile_interval(np.arange(101.0), 0.5).tolist()
    [25.0, 75.0]
    """
    q = [50.0 * (1.0 - ci_level), 50.0 * (1.0 + ci_level)]
    samples = np.asarray(samples, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN
        return np.nanpercentile(samples, q, axis=0)


def _stack(values: list[Any], failed: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.full((len(values), *shape), np.nan)
    for i, v in enumerate(values):
        if not failed[i] and v is not None:
            out[i] = v
    return out


# ------------------------------------------------------------------------- the driver


def run_inference(
    result: ComparisonResult,
    spec: Method,
    source: xr.DataArray,
    target: xr.DataArray,
    *,
    make_plan: Callable[[], SplitPlan],
    split_plan: SplitPlan,
    splits: int | None,
    eval_fraction: float,
    seed: int,
    permutations: int,
    bootstrap: int,
    ci_level: float,
    n_jobs: int | None,
    progress: bool,
    parameters: dict[str, Any],
    options: dict[str, Any],
) -> ComparisonResult:
    """Add a permutation test and bootstrap intervals to an observed result.

    Parameters
    ----------
    result : ComparisonResult
        The observed comparison of ``source`` and ``target`` by ``spec``; its dataset
        receives the ``null_*``, ``pvalue_*``, ``boot_*`` and ``ci_*`` variables.
    spec : Method
        The method to refit.
    source, target : xarray.DataArray
        Validated, aligned (same stimuli in the same order) 2-D representations.
    make_plan : callable
        Returns a fresh copy of the observed split plan (split seeds are stateful).
    split_plan : SplitPlan
        The observed split plan (its protocol and explicit split).
    splits : int or None
        Number of random splits per bootstrap resample (the observed ``splits``).
    eval_fraction : float
    seed : int
        Root of the resampling streams.
    permutations, bootstrap : int
        Numbers of resamples (0: none).
    ci_level : float
    n_jobs : int or None
        Threads over resamples (each refit uses one).
    progress : bool
        A progress bar over resamples.
    parameters, options : dict
        Recorded parameters and the method's options, as for the observed fit.

    Returns
    -------
    ComparisonResult
        ``result`` itself, its dataset extended.

    Raises
    ------
    ParameterError
        When every resample of a kind failed.
    """
    stimuli = np.asarray(source["stimulus"].values)
    n = stimuli.size

    def refit(src: xr.DataArray, tgt: xr.DataArray, plan: SplitPlan) -> _Summary:
        return _summarize(spec.compare(src, tgt, split_plan=plan, seed=seed, n_jobs=1,
                                       progress=False, parameters=dict(parameters),
                                       options=dict(options)))

    tasks: list[Callable[[], _Summary]] = []
    for order in permutation_orders(n, permutations, seed):
        def permuted(order: np.ndarray = order) -> _Summary:
            shuffled = target.copy(data=np.asarray(target.values)[order])
            return refit(source, shuffled, make_plan())
        tasks.append(permuted)
    if split_plan.protocol == "explicit":
        pools = [split_plan.splits[0].fit, split_plan.splits[0].eval]
    else:
        pools = [np.arange(n)]
    for draw in _draws(pools, bootstrap, seed):
        def resampled(draw: _Draw = draw) -> _Summary:
            rows, plan = _bootstrap_plan(draw, split_plan.protocol, splits or 0,
                                         eval_fraction)
            ids = _fresh_copy_ids(stimuli, rows)
            return refit(_take(source, rows, ids), _take(target, rows, ids), plan)
        tasks.append(resampled)

    done = _run_all(tasks, n_jobs, progress, f"{result.method} resamples")
    observed = _summarize(result)
    ds = result.dataset
    higher = bool(spec.metadata.get("higher_is_similar", False))
    if permutations:
        ds = _add_null(ds, result, observed, done[:permutations], higher)
    if bootstrap:
        ds = _add_bootstrap(ds, result, observed, done[permutations:], ci_level)
    ds.attrs.update(permutations=int(permutations), bootstrap=int(bootstrap),
                    ci_level=float(ci_level), resampling_seed=int(seed))
    result.dataset = ds
    return result


def _failures(done: Sequence[_Summary | _Failure], kind: str) -> np.ndarray:
    failed = np.array([isinstance(d, _Failure) for d in done], dtype=bool)
    if failed.all():
        raise ParameterError(
            f"All {failed.size} {kind} resamples failed (first: {_example(done)}); use "
            "more stimuli, fewer or larger groups, or fewer splits."
        )
    return failed


def _example(done: Sequence[_Summary | _Failure]) -> str:
    return next((d.message for d in done if isinstance(d, _Failure)), "")


def _add_null(ds: xr.Dataset, result: ComparisonResult, observed: _Summary,
              done: Sequence[_Summary | _Failure], higher: bool) -> xr.Dataset:
    failed = _failures(done, "permutation")
    ok: list[Any] = [d if isinstance(d, _Summary) else None for d in done]
    sdim, tdim = result.source_dim, result.target_dim
    L, M = observed.matrix.shape

    def column(name: str) -> np.ndarray:
        return _stack([None if d is None else getattr(d, name) for d in ok], failed, ())

    null_matrix = _stack([None if d is None else d.matrix for d in ok], failed, (L, M))
    new: dict[str, Any] = {
        "null_distance": ("permutation", column("distance")),
        "null_similarity": ("permutation", column("similarity")),
        "null_matrix": (("permutation", sdim, tdim), null_matrix),
        "null_failed": ("permutation", failed),
        "pvalue_distance": ((), permutation_pvalue(column("distance"), observed.distance,
                                                   False)),
        "pvalue_similarity": ((), permutation_pvalue(column("similarity"),
                                                     observed.similarity, True)),
        "pvalue_matrix": ((sdim, tdim), permutation_pvalue(null_matrix, observed.matrix,
                                                           higher)),
    }
    # Family-wise over all group pairs: the null of the most extreme entry (max statistic).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        extreme = (np.nanmax if higher else np.nanmin)(null_matrix.reshape(len(ok), -1),
                                                       axis=1)
    new["pvalue_matrix_fwe"] = ((sdim, tdim), permutation_pvalue(
        np.broadcast_to(extreme[:, None, None], null_matrix.shape), observed.matrix, higher))
    if result.score is not None:
        new["null_score"] = ("permutation", column("score"))
        new["pvalue_score"] = ((), permutation_pvalue(column("score"), observed.score, True))
    out = ds.assign_coords(permutation=np.arange(len(ok))).assign(new)
    out["pvalue_matrix"].attrs["higher_is_similar"] = int(higher)
    out["pvalue_matrix"].attrs["long_name"] = "permutation p-value of each group pair"
    out["pvalue_matrix_fwe"].attrs["long_name"] = (
        "family-wise permutation p-value over all group pairs (max statistic)")
    out.attrs.update(permutations_failed=int(failed.sum()),
                     permutations_failure_example=_example(done))
    return out


def _add_bootstrap(ds: xr.Dataset, result: ComparisonResult, observed: _Summary,
                   done: Sequence[_Summary | _Failure], ci_level: float) -> xr.Dataset:
    failed = _failures(done, "bootstrap")
    ok: list[Any] = [d if isinstance(d, _Summary) else None for d in done]
    sdim, tdim = result.source_dim, result.target_dim
    L, M = observed.matrix.shape
    B = len(ok)

    def samples(name: str, shape: tuple[int, ...] = ()) -> np.ndarray:
        return _stack([None if d is None else getattr(d, name) for d in ok], failed, shape)

    boot: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        "distance": (("bootstrap",), samples("distance")),
        "similarity": (("bootstrap",), samples("similarity")),
        "matrix": (("bootstrap", sdim, tdim), samples("matrix", (L, M))),
    }
    if result.score is not None:
        boot["score"] = (("bootstrap",), samples("score"))
    if observed.coupling is not None:
        boot["coupling"] = (("bootstrap", sdim, tdim), samples("coupling", (L, M)))
        boot["barycentric_depth"] = (("bootstrap", sdim), samples("depth", (L,)))
        boot["hierarchy_index"] = (("bootstrap",), samples("hierarchy"))
    new: dict[str, Any] = {}
    for name, (dims, values) in boot.items():
        new[f"boot_{name}"] = (dims, values)
        new[f"ci_{name}"] = (("bound", *dims[1:]), percentile_interval(values, ci_level))
    new["boot_failed"] = ("bootstrap", failed)
    if observed.best is not None:
        best = np.full((B, L), -1, np.int64)
        for i, d in enumerate(ok):
            if d is not None:
                best[i] = d.best
        targets = np.asarray(result.target_groups)
        labels = np.where(best >= 0, targets[np.maximum(best, 0)], "")
        new["boot_best_target"] = (("bootstrap", sdim), labels.astype(str))
        counts = np.stack([(best == m).sum(axis=0) for m in range(M)], axis=1)
        new["ci_best_target"] = ((sdim, tdim), counts / float((~failed).sum()))
    out = ds.assign_coords(bootstrap=np.arange(B), bound=["lower", "upper"]).assign(new)
    if "ci_best_target" in out:
        out["ci_best_target"].attrs["long_name"] = (
            "fraction of successful bootstrap resamples in which each target group is "
            "the source group's best match")
    out.attrs.update(bootstrap_failed=int(failed.sum()),
                     bootstrap_failure_example=_example(done))
    return out
