"""Two-level HOT fit: exact inner plans for every group pair, exact outer plan over them.

The math is DESIGN section 2. Inputs are standardized blocks (stimuli x units), one per
group; only one dense cost matrix per worker thread exists at any time, so memory stays
bounded for wide systems.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .exact import SparsePlan, exact_plan
from .rotation import rotated_plan

__all__ = ["HOTFit", "correlation_cost", "fit_hot", "resolve_n_jobs"]


@dataclass(frozen=True)
class HOTFit:
    """The fitted HOT transport.

    Attributes
    ----------
    inner : ndarray of shape (L, M)
        Inner soft-matching values ``c_lm = <C_lm, Q_lm>``.
    coupling : ndarray of shape (L, M)
        Outer plan ``P`` (row sums ``1/L``, column sums ``1/M``).
    distance : float
        ``<c, P>``.
    plans : list of list of SparsePlan
        ``plans[l][m]`` is the inner plan ``Q_lm``.
    rotations : list of list of ndarray, or None
        HOT+R only: ``rotations[l][m]`` is the orthogonal map ``R_lm`` of target group
        ``m``'s unit space applied before matching it with source group ``l``.
    """

    inner: np.ndarray
    coupling: np.ndarray
    distance: float
    plans: list[list[SparsePlan]]
    rotations: list[list[np.ndarray]] | None = None


def correlation_cost(zx: np.ndarray, zy: np.ndarray) -> np.ndarray:
    """``1 - Zx^T Zy / T``: one minus the Pearson correlation of standardized units."""
    cost = zx.T @ zy
    cost *= -1.0 / zx.shape[0]
    cost += 1.0
    return cost


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Number of worker threads: ``None`` means every core this process may use."""
    if n_jobs is None or n_jobs <= 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return os.cpu_count() or 1
    return int(n_jobs)


def fit_hot(
    source: Sequence[np.ndarray],
    target: Sequence[np.ndarray],
    *,
    n_jobs: int | None = None,
    progress: bool = False,
    description: str = "HOT inner plans",
    rotation: bool = False,
) -> HOTFit:
    """Fit HOT between two systems given as standardized blocks.

    Parameters
    ----------
    source, target : sequence of ndarray of shape (T, n_l) / (T, n'_m)
        Each group's units standardized over the same T fitting stimuli (float64).
    n_jobs : int, optional
        Worker threads for the group pairs (the solvers and BLAS release the GIL).
        Default: all available cores.
    progress : bool
        Show a progress bar over the group pairs.
    rotation : bool
        HOT+R: solve every inner problem up to an orthogonal rotation of the target
        group's units (:func:`hotneuro.transport.rotation.rotated_plan`).

    Returns
    -------
    HOTFit
    """
    L, M = len(source), len(target)
    pairs = [(l, m) for l in range(L) for m in range(M)]

    def solve(pair: tuple[int, int]) -> tuple[SparsePlan, np.ndarray | None]:
        l, m = pair
        if rotation:
            solved = rotated_plan(source[l], target[m])
            return solved.plan, solved.rotation
        return exact_plan(correlation_cost(source[l], target[m])), None

    workers = min(resolve_n_jobs(n_jobs), len(pairs))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(pairs), desc=description, unit="pair")
    try:
        if workers == 1:
            results = []
            for pair in pairs:
                results.append(solve(pair))
                if bar is not None:
                    bar.update()
        else:
            # One BLAS thread per worker: the workers already occupy the cores, and
            # nested BLAS threads would only contend with them.
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=1, user_api="blas"), \
                    ThreadPoolExecutor(max_workers=workers) as pool:
                results = []
                for plan in pool.map(solve, pairs):
                    results.append(plan)
                    if bar is not None:
                        bar.update()
    finally:
        if bar is not None:
            bar.close()
    plans = [[plan for plan, _ in results[l * M:(l + 1) * M]] for l in range(L)]
    rotations = ([[r for _, r in results[l * M:(l + 1) * M]] for l in range(L)]
                 if rotation else None)
    inner = np.array([[p.value for p in row] for row in plans], dtype=np.float64)
    outer = exact_plan(inner)
    coupling = outer.to_dense()
    return HOTFit(inner=inner, coupling=coupling, distance=outer.value, plans=plans,
                  rotations=rotations)
