"""Exact optimal transport between uniform distributions, returned as sparse plans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SolverError

__all__ = ["SparsePlan", "exact_plan"]


@dataclass(frozen=True)
class SparsePlan:
    """An exact transport plan in coordinate form.

    Attributes
    ----------
    rows, cols : ndarray of int64
        Positions of the nonzero entries (at most ``n + m - 1`` of them).
    weights : ndarray of float64
        Mass at each entry; row sums are ``1/n``, column sums ``1/m``.
    shape : tuple of int
        ``(n, m)``.
    value : float
        The transport cost ``<C, Q>``.
    """

    rows: np.ndarray
    cols: np.ndarray
    weights: np.ndarray
    shape: tuple[int, int]
    value: float

    def to_dense(self) -> np.ndarray:
        """The plan as a dense (n, m) array."""
        out = np.zeros(self.shape)
        out[self.rows, self.cols] = self.weights
        return out


def exact_plan(cost: np.ndarray) -> SparsePlan:
    """Solve ``min <C, Q>`` over plans with uniform marginals, exactly.

    Uses linear assignment (an optimal plan is a scaled permutation, Birkhoff) when the
    cost is square, and the network simplex otherwise.

    Parameters
    ----------
    cost : ndarray of shape (n, m)
        Float64 cost matrix.

    Returns
    -------
    SparsePlan
        Row sums ``1/n``, column sums ``1/m``.

    Raises
    ------
    SolverError
        If the network simplex stops before reaching an optimum.
    """
    n, m = cost.shape
    if n == m:
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(cost)
        weights = np.full(n, 1.0 / n)
    else:
        import ot

        a = np.full(n, 1.0 / n)
        b = np.full(m, 1.0 / m)
        plan, log = ot.emd(a, b, cost, numItermax=max(100_000, 50 * n * m), log=True)
        if log.get("warning"):
            raise SolverError(
                f"The exact OT solver did not converge on a {n} x {m} problem: "
                f"{log['warning']}."
            )
        rows, cols = np.nonzero(plan)
        weights = plan[rows, cols]
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    value = float(np.dot(weights, cost[rows, cols]))
    return SparsePlan(rows=rows, cols=cols, weights=weights, shape=(n, m), value=value)
