"""HOT+R's inner problem: a soft matching of units after an orthogonal rotation.

For standardized blocks ``Zx`` (T x n) and ``Zy`` (T x n'), find an orthogonal ``R``
(n' x n') and a plan ``Q`` (uniform marginals) minimizing

    sum_ij Q_ij ||x_i - (Zy R)_j||^2 / (2T),

where ``x_i`` are the columns of ``Zx``. At ``R = I`` this is HOT's cost ``1 - rho``
(standardized columns have squared norm ``T``), so HOT+R never exceeds HOT. The problem is
solved by block-coordinate descent: the exact OT plan for a fixed ``R``, then the
orthogonal Procrustes rotation for a fixed ``Q`` (``R = U V^T`` from the SVD of
``Zy^T Zx Q``), until the objective stops decreasing. Both steps are exact, so the
objective never increases. The descent starts at ``R = I``, i.e. from HOT's own plan, so
the result does not depend on the order of the units; like any alternating scheme it
finds a local optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .exact import SparsePlan, exact_plan

__all__ = ["RotatedPlan", "rotated_plan"]


@dataclass(frozen=True)
class RotatedPlan:
    """The inner plan, the rotation of the target's unit space and the iterations used."""

    plan: SparsePlan
    rotation: np.ndarray
    iterations: int


def _procrustes(m: np.ndarray) -> np.ndarray:
    u, _, vt = np.linalg.svd(m)
    return u @ vt


def _descend(cross: np.ndarray, gram_y: np.ndarray, n_stimuli: int, rotation: np.ndarray,
             max_iter: int, tol: float) -> RotatedPlan:
    previous = np.inf
    best: RotatedPlan | None = None
    for iteration in range(1, max_iter + 1):
        norms_y = np.einsum("ij,ik,kj->j", rotation, gram_y, rotation)
        cost = (n_stimuli + norms_y[None, :] - 2.0 * (cross @ rotation)) / (2.0 * n_stimuli)
        plan = exact_plan(cost)
        if best is None or plan.value < best.plan.value:
            best = RotatedPlan(plan, rotation, iteration)
        if np.isfinite(previous) and previous - plan.value <= tol * max(1.0, abs(previous)):
            break
        previous = plan.value
        q = sparse.csr_array((plan.weights, (plan.rows, plan.cols)), shape=plan.shape)
        rotation = _procrustes(np.asarray(q.T @ cross).T)  # Zy^T Zx Q
    assert best is not None
    return best


def rotated_plan(zx: np.ndarray, zy: np.ndarray, *, max_iter: int = 100,
                 tol: float = 1e-10) -> RotatedPlan:
    """Solve HOT+R's inner problem for one group pair.

    Parameters
    ----------
    zx, zy : ndarray of shape (T, n) and (T, n')
        Standardized responses (population std 1 per column).
    max_iter : int
        Most alternations per start.
    tol : float
        Stop when the objective decreases by less than ``tol`` (relative).

    Returns
    -------
    RotatedPlan
        The plan's ``value`` is the pair's HOT+R distance ``c^R_lm``.
    """
    cross = zx.T @ zy  # (n, n'): x_i . y_j
    gram_y = zy.T @ zy  # (n', n')
    return _descend(cross, gram_y, zx.shape[0], np.eye(zy.shape[1]), max_iter, tol)
