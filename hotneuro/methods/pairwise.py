"""The shared driver of every group-pair measure (CKA, RSA, Procrustes, ...).

A measure is given as a :class:`PairwiseMeasure`: ``prepare`` turns one group's responses
into whatever the measure reuses (Gram matrix, RDM, centred values), once per group;
``measure`` compares two prepared groups. The driver drops constant units (as HOT does,
and reports them), prepares every group once, spreads the group pairs over threads and
labels the result as a :class:`~hotneuro.results.PairwiseResult`: the matrix over all
group pairs, the greedy best match of every group, and a global summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..provenance import package_versions
from ..results import PairwiseResult
from ..splits import SplitPlan
from ..transport import Standardizer
from ..transport.hot import resolve_n_jobs
from .systems import System, kept_positions

__all__ = ["PairwiseMeasure", "compare_pairwise"]


@dataclass(frozen=True)
class PairwiseMeasure:
    """How one measure compares two groups.

    Attributes
    ----------
    prepare : callable
        ``prepare(x) -> state`` for ``x`` of shape (stimuli, units), float64, raw values
        of one group's non-constant units on the fitting stimuli. Called once per group.
    measure : callable
        ``measure(state_x, state_y) -> float`` for a source and a target group.
    higher_is_similar : bool
        Whether larger values mean more similar (CKA) or less (a distance).
    similarity, distance : callable
        Elementwise maps from the measure's values to a similarity (1 = identical) and a
        distance (0 = identical), used for the global summary; e.g. ``1 - CKA``.
    """

    prepare: Callable[[np.ndarray], Any]
    measure: Callable[[Any, Any], float]
    higher_is_similar: bool
    similarity: Callable[[np.ndarray], np.ndarray]
    distance: Callable[[np.ndarray], np.ndarray]


def _map(function: Callable[[Any], Any], items: list[Any], workers: int) -> list[Any]:
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), \
            ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


def compare_pairwise(
    source: xr.DataArray,
    target: xr.DataArray,
    *,
    measure: PairwiseMeasure,
    method: str,
    split_plan: SplitPlan,
    seed: int | None,
    n_jobs: int | None = None,
    progress: bool = False,
    parameters: dict[str, Any] | None = None,
    held_out: np.ndarray | None = None,
    settings: dict[str, Any] | None = None,
) -> PairwiseResult:
    """Evaluate a measure on every group pair of two aligned, validated representations.

    The measure is computed on the stimuli of ``split_plan.main_fit`` (all stimuli unless
    explicit ``fit_stimuli`` were given); constant units there are dropped and reported.

    Parameters
    ----------
    settings : dict, optional
        The measure's resolved options (defaults filled in), recorded with the caller's
        ``parameters`` on the result.
    held_out : ndarray of shape (splits, source groups), optional
        Held-out scores of each source group on each split of ``split_plan``, for
        measures that have one (linear predictivity); stored as ``scores`` and
        ``group_scores`` (strategy = the method) like HOT's. Without it, splits do not
        apply to the measure and ``score`` is None.

    Returns
    -------
    PairwiseResult
    """
    x = System.from_representation(source, "source")
    y = System.from_representation(target, "target")
    rows = split_plan.main_fit
    xf, yf = x.values[rows], y.values[rows]
    sx, sy = Standardizer.fit(xf), Standardizer.fit(yf)
    kept_x = kept_positions(x, sx, "source")
    kept_y = kept_positions(y, sy, "target")
    workers = resolve_n_jobs(n_jobs)
    blocks = [xf[:, k] for k in kept_x] + [yf[:, k] for k in kept_y]
    prepared = _map(measure.prepare, blocks, workers)
    px, py = prepared[: len(kept_x)], prepared[len(kept_x):]
    pairs = [(i, j) for i in range(len(px)) for j in range(len(py))]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pairs), desc=method, unit="pair")

    def one(pair: tuple[int, int]) -> float:
        value = float(measure.measure(px[pair[0]], py[pair[1]]))
        if bar is not None:
            bar.update()
        return value

    try:
        values = np.array(_map(one, pairs, workers)).reshape(len(px), len(py))
    finally:
        if bar is not None:
            bar.close()
    similarity = np.asarray(measure.similarity(values), dtype=float)
    distance_matrix = np.asarray(measure.distance(values), dtype=float)
    sdim, tdim = f"source_{x.level}", f"target_{y.level}"
    best_t = np.argmax(similarity, axis=1)
    best_s = np.argmax(similarity, axis=0)
    L = len(px)
    ds = xr.Dataset(
        {
            "matrix": ((sdim, tdim), values),
            "similarity_matrix": ((sdim, tdim), similarity),
            "best_target": (sdim, np.asarray(y.labels)[best_t]),
            "best_source": (tdim, np.asarray(x.labels)[best_s]),
            "best_value": (sdim, values[np.arange(L), best_t]),
            "distance": ((), float(distance_matrix[np.arange(L), best_t].mean())),
            "similarity": ((), float(similarity[np.arange(L), best_t].mean())),
        },
        coords={sdim: x.labels, tdim: y.labels},
    )
    if held_out is not None:
        k = len(split_plan.splits)
        mask = np.zeros((k, source.sizes["stimulus"]), bool)
        for i, split in enumerate(split_plan.splits):
            mask[i, split.eval] = True
        ds = ds.assign_coords(strategy=[method], split=np.arange(k),
                              stimulus=source["stimulus"].values)
        ds["group_scores"] = (("strategy", "split", sdim), np.asarray(held_out)[None])
        ds["scores"] = ds["group_scores"].mean(sdim)
        ds["eval_mask"] = (("split", "stimulus"), mask)
    ds["matrix"].attrs["long_name"] = method
    ds["matrix"].attrs["higher_is_similar"] = int(measure.higher_is_similar)
    ds["best_target"].attrs["long_name"] = "closest target group of each source group"
    ds["best_source"].attrs["long_name"] = "closest source group of each target group"
    ds.attrs.update(
        result_type=PairwiseResult.result_type,
        method=method,
        source_system=x.name,
        target_system=y.name,
        source_level=x.level,
        target_level=y.level,
        seed=-1 if seed is None else int(seed),
        summary="mean over source groups of the value at each group's best match",
        parameters=json.dumps({**(parameters or {}), **(settings or {})}, default=str),
        versions=json.dumps(package_versions()),
        dropped_source_units=json.dumps(x.unit_ids[sx.constant].tolist()),
        dropped_target_units=json.dumps(y.unit_ids[sy.constant].tolist()),
    )
    return PairwiseResult(ds)
