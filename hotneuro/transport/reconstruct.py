"""Held-out reconstruction of source groups from the target through a HOT fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .exact import SparsePlan

__all__ = ["reconstruction_scores", "unit_correlations"]


def unit_correlations(x: np.ndarray, xhat: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``x`` with the same column of ``xhat``.

    A column with zero variance on either side scores 0 (no information about the unit).
    """
    xc = x - x.mean(axis=0)
    hc = xhat - xhat.mean(axis=0)
    num = np.einsum("ij,ij->j", xc, hc)
    den = np.sqrt(np.einsum("ij,ij->j", xc, xc) * np.einsum("ij,ij->j", hc, hc))
    out = np.zeros(x.shape[1])
    ok = den > 0
    out[ok] = num[ok] / den[ok]
    return out


def reconstruction_scores(
    source_eval: Sequence[np.ndarray],
    target_eval: Sequence[np.ndarray],
    plans: Sequence[Sequence[SparsePlan]],
    weights: np.ndarray,
    rotations: Sequence[Sequence[np.ndarray]] | None = None,
) -> np.ndarray:
    """Score each source group by how well the target rebuilds it on held-out stimuli.

    ``Xhat_l = sum_m W[l, m] Zy_m(E) (n_l Q_lm)^T``; each unit's score is its Pearson
    correlation with its reconstruction over E; a group's score is the mean over its units.

    Parameters
    ----------
    source_eval, target_eval : sequence of ndarray of shape (|E|, n)
        Held-out stimuli standardized with the fitting stimuli's statistics.
    plans : nested sequence of SparsePlan
        ``plans[l][m]`` is ``Q_lm``.
    weights : ndarray of shape (L, M)
        Row-stochastic group weights: ``L * P`` for HOT, one-hot rows for the controls.
    rotations : nested sequence of ndarray, optional
        HOT+R: target group ``m`` enters source group ``l``'s reconstruction as
        ``Zy_m(E) R_lm``.

    Returns
    -------
    ndarray of shape (L,)
        Per-source-group scores.
    """
    scores = np.empty(len(source_eval))
    for l, x in enumerate(source_eval):
        n_l = x.shape[1]
        xhat = np.zeros_like(x)
        for m in np.flatnonzero(weights[l]):
            q = plans[l][m]
            mix = sparse.csr_array((q.weights * n_l, (q.rows, q.cols)), shape=q.shape)
            y = target_eval[m] if rotations is None else target_eval[m] @ rotations[l][m]
            xhat += weights[l, m] * (mix @ y.T).T
        scores[l] = unit_correlations(x, xhat).mean()
    return scores
