"""Mean canonical correlation (CCA), with optional SVCCA reduction and ridge regularization.

For centred responses ``X`` (stimuli x p units) and ``Y`` (stimuli x q units), the canonical
correlations ``rho_1 >= rho_2 >= ...`` are the singular values of
``Sxx^{-1/2} Sxy Syy^{-1/2}``; equivalently the cosines of the principal angles between the
column spaces of ``X`` and ``Y``, i.e. the singular values of ``Ux^T Uy`` for orthonormal
bases ``Ux``, ``Uy`` of those spaces. The value is their mean over
``min(rank X, rank Y)`` components, in [0, 1], higher is more similar.

Options
-------
``svcca_dims=k`` (SVCCA, Raghu et al. 2017): keep only the top ``k`` principal components of
each group (all of them when a group has fewer) before CCA.

``regularization=lambda >= 0`` (canonical ridge): each covariance becomes
``S + lambda * v * I``, with ``v = tr(S) / min(p, n - 1)`` the group's mean variance per
dimension it can span (its mean unit variance when it has fewer units than stimuli; after
SVCCA, the mean variance of the kept components). Relative to ``v``, lambda means the same
on any scale. Ridge correlations are ``rho_i`` shrunk towards 0 and stay in [0, 1]; in the
singular-value basis ``X = U S V^T`` they are the singular values of
``(U D_x)^T (U_y D_y)`` with ``D = S / sqrt(S^2 + lambda v)``.

Too few stimuli. ``n`` centred stimuli span ``n - 1`` dimensions. Two groups of ranks
``r_x + r_y > n - 1`` must share at least ``r_x + r_y - (n - 1)`` directions, so that many
canonical correlations are exactly 1 whatever the data; with as many units as stimuli, all
of them are. Unregularized CCA refuses such pairs with a :class:`~hotneuro.ParameterError`
that says how to fix it (``svcca_dims``, ``regularization`` or more stimuli) rather than
silently reporting an inflated value; reducing each group to its rank would not help,
since the rank is the problem.

Invariances. Unregularized CCA of full-rank groups is invariant to any invertible linear
map of each group's units (so to permutations, rotations, isotropic scaling) and to
translations. SVCCA and ridge keep permutation, orthogonal, isotropic-scaling and
translation invariance but not invariance to general linear maps (principal components
and the ridge's identity depend on the units' metric).

Cost. ``prepare`` runs one thin SVD per group (``O(n p min(n, p))``) and keeps an
``n x r`` basis (``r <= min(n - 1, p)``); a pair costs ``O(n r_x r_y + r^3)``, whatever the
number of units.

References
----------
Hotelling (1936), Relations between two sets of variates, Biometrika 28:321-377. Raghu,
Gilmer, Yosinski & Sohl-Dickstein (2017), SVCCA: Singular vector canonical correlation
analysis for deep learning dynamics and interpretability, NeurIPS. Vinod (1976), Canonical
ridge and econometrics of joint production, J. Econometrics 4:147-166.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from ..errors import ParameterError
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method

__all__ = ["METADATA", "canonical_correlations", "compare_cca", "methods"]

METADATA: dict[str, Any] = {
    "description": "Mean canonical correlation between every group pair; SVCCA with "
                   "svcca_dims=k, canonical ridge with regularization=lambda.",
    "higher_is_similar": True,
    "symmetric": True,
    "metric": False,
    # With the defaults; svcca_dims or regularization > 0 lose "invertible linear".
    "invariances": ["permutation", "orthogonal", "isotropic scaling", "translation",
                    "invertible linear"],
    "needs_fit_split": False,
    "options": {
        "svcca_dims": "None (default) or int k >= 1: keep each group's top k principal "
                      "components first (SVCCA)",
        "regularization": "float >= 0, default 0.0: ridge lambda added to each covariance, "
                          "in units of the group's mean variance per dimension; needed "
                          "(or svcca_dims) when ranks add up to n_stimuli - 1 or more",
    },
    "reference": "Hotelling (1936) Biometrika; Raghu et al. (2017) NeurIPS (SVCCA); "
                 "Vinod (1976) J. Econometrics (canonical ridge)",
}


@dataclass(frozen=True)
class _Basis:
    """A group's (weighted) orthonormal basis of its centred column space."""

    basis: np.ndarray   # (n_stimuli, rank): U, or U * S / sqrt(S^2 + lambda v)
    rank: int
    n_stimuli: int


def _prepare(svcca_dims: int | None, regularization: float):
    def prepare(x: np.ndarray) -> _Basis:
        centred = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
        n, p = centred.shape
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        tolerance = s[0] * max(n, p) * np.finfo(np.float64).eps if s.size else 0.0
        rank = int(np.sum(s > tolerance))
        width = p
        if svcca_dims is not None:
            rank = min(rank, svcca_dims)
            s = s[:rank]
            width = rank
        u = u[:, :rank]
        if regularization > 0.0 and rank > 0:
            mean_variance = float(np.sum(np.square(s))) / max(1, min(width, n - 1))
            sr = s[:rank]
            u = u * (sr / np.sqrt(np.square(sr) + regularization * mean_variance))
        return _Basis(u, rank, n)

    return prepare


def _measure(svcca_dims: int | None, regularization: float):
    def measure(a: _Basis, b: _Basis) -> float:
        if a.rank == 0 or b.rank == 0:
            return 0.0
        span = a.n_stimuli - 1
        if regularization == 0.0 and a.rank + b.rank > span:
            reduce = "svcca_dims" if svcca_dims is None else "a smaller svcca_dims"
            raise ParameterError(
                f"cca: two groups span {a.rank} and {b.rank} dimensions, but "
                f"{a.n_stimuli} centred stimuli span only {span}, so at least "
                f"{a.rank + b.rank - span} of their canonical correlations are 1 whatever "
                "the data (all of them when a group has as many units as stimuli). Use "
                f"{reduce}=k with 2k <= {span} (SVCCA), or regularization > 0 (e.g. "
                "regularization=1.0), or more stimuli."
            )
        values = np.linalg.svd(a.basis.T @ b.basis, compute_uv=False)
        return float(np.mean(np.clip(values, 0.0, 1.0)))

    return measure


def canonical_correlations(x: np.ndarray, y: np.ndarray, *, svcca_dims: int | None = None,
                           regularization: float = 0.0) -> np.ndarray:
    """The (ridge) canonical correlations of two response matrices, largest first.

    Parameters
    ----------
    x, y : ndarray, shapes (n_stimuli, p) and (n_stimuli, q)
    svcca_dims : int, optional
        Keep each side's top principal components first.
    regularization : float
        Ridge, in units of each side's mean variance per dimension.

    Returns
    -------
    ndarray, shape (min(rank x, rank y),)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(20, 3))
    >>> np.round(canonical_correlations(x, x @ [[1, 2, 0], [0, 1, 0], [3, 0, 1]]), 12)
    array([1., 1., 1.])
    """
    svcca_dims, regularization = _checked(svcca_dims, regularization)
    prepare = _prepare(svcca_dims, regularization)
    a, b = prepare(np.asarray(x, dtype=np.float64)), prepare(np.asarray(y, dtype=np.float64))
    return np.clip(np.linalg.svd(a.basis.T @ b.basis, compute_uv=False), 0.0, 1.0)


def _checked(svcca_dims: Any, regularization: Any) -> tuple[int | None, float]:
    if svcca_dims is not None and (isinstance(svcca_dims, bool)
                                   or not isinstance(svcca_dims, Integral)
                                   or svcca_dims < 1):
        raise ParameterError(
            f"cca: svcca_dims must be None or a positive int, got {svcca_dims!r}."
        )
    if isinstance(regularization, bool) or not isinstance(regularization, Real) \
            or not np.isfinite(regularization) or regularization < 0:
        raise ParameterError(
            f"cca: regularization must be a finite number >= 0, got {regularization!r}."
        )
    return (None if svcca_dims is None else int(svcca_dims)), float(regularization)


def compare_cca(source, target, *, options: dict[str, Any] | None = None, **kwargs: Any):
    """Mean canonical correlation over all group pairs (``method="cca"``).

    Options: ``svcca_dims`` (None or int, default None) and ``regularization`` (float >= 0,
    default 0.0).

    Returns
    -------
    PairwiseResult
        ``matrix`` holds mean canonical correlations; similarity is the value, distance
        ``1 - value``.

    Raises
    ------
    ParameterError
        Bad options, or (unregularized) a pair of groups whose ranks leave canonical
        correlations of 1 by construction.
    """
    options = dict(options or {})
    svcca_dims = options.pop("svcca_dims", None)
    regularization = options.pop("regularization", 0.0)
    if options:
        raise ParameterError(
            f"cca takes the options svcca_dims= and regularization=, not {sorted(options)}."
        )
    svcca_dims, regularization = _checked(svcca_dims, regularization)
    measure = PairwiseMeasure(
        prepare=_prepare(svcca_dims, regularization),
        measure=_measure(svcca_dims, regularization),
        higher_is_similar=True,
        similarity=lambda v: v,
        distance=lambda v: 1.0 - v,
    )
    return compare_pairwise(source, target, measure=measure, method="cca",
                            settings={"svcca_dims": svcca_dims,
                                      "regularization": regularization}, **kwargs)


def methods() -> list[Method]:
    """Mean canonical correlation as a registered method (SVCCA and ridge options)."""
    return [Method(name="cca", compare=compare_cca, description=METADATA["description"],
                   metadata=METADATA)]
