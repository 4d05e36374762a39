"""Orthogonal Procrustes shape metric between representations (Williams et al. 2021).

Each group's responses ``X`` (stimuli x units) are centred over stimuli (removing
translations) and scaled to unit Frobenius norm (removing isotropic scaling); the narrower
of two groups is implicitly zero-padded to the width of the wider. Their distance is the
angle between the two shapes after the best rotation or reflection,

    theta(X, Y) = arccos ||X^T Y||_*  in [0, pi/2],

with ``||.||_*`` the nuclear norm (sum of singular values) of the cross-covariance:
``||X^T Y||_* = max_Q tr(X^T Y Q)`` over orthogonal ``Q``. ``form="euclidean"`` gives the
chordal form, the residual after the optimal rotation,

    d(X, Y) = min_Q ||X - Y Q||_F = sqrt(2 - 2 ||X^T Y||_*)  in [0, sqrt(2)],

and ``theta = 2 arcsin(d / 2)``. Both are metrics on shapes (symmetric, zero only for
shapes that match after a rotation, triangle inequality); lower is more similar. The
similarity reported for the summary is ``cos(theta) = 1 - d^2 / 2 = ||X^T Y||_*``.

Numerics. ``arccos`` of a nuclear norm near 1 loses half the digits (``arccos(1 - e)`` is
about ``sqrt(2 e)``, so 1e-16 of rounding would read as 1e-8 of distance); the value is
therefore computed from the residual ``||X U - Y W||_F`` of the optimal rotation
(``X^T Y = U S W^T``), which is accurate to rounding near 0, and theta from the chord.

Cost. The orthogonal-invariant content of a group is its Gram matrix ``X X^T``. A group
with more units than stimuli is replaced, once in ``prepare``, by its principal
coordinates ``U S`` (``n x n``, from a thin SVD ``X = U S V^T`` in ``O(n^2 p)``), which has
the same Gram matrix and so the same distance to every other group; a pair then costs
``O(n k^2)`` for ``k = min(n, p)`` whatever the number of units.

References
----------
Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics on neural
representations, NeurIPS 34. Schoenemann (1966), A generalized solution of the orthogonal
Procrustes problem, Psychometrika 31:1-10.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method

__all__ = ["METADATA", "compare_procrustes", "methods", "procrustes_residual",
           "shape_coordinates"]

FORMS: tuple[str, ...] = ("angular", "euclidean")

METADATA: dict[str, Any] = {
    "description": "Orthogonal Procrustes shape metric between every group pair: angle "
                   "(or residual norm) after centring, unit-norm scaling and the best "
                   "rotation.",
    "higher_is_similar": False,
    "symmetric": True,
    "metric": True,
    "invariances": ["permutation", "orthogonal", "isotropic scaling", "translation"],
    "needs_fit_split": False,
    "options": {
        "form": "'angular' (arccos of the nuclear norm, in [0, pi/2], default) or "
                "'euclidean' (min_Q ||X - Y Q||_F, in [0, sqrt(2)])",
    },
    "reference": "Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics "
                 "on neural representations, NeurIPS",
}


def shape_coordinates(x: np.ndarray) -> np.ndarray:
    """A group's responses centred, at unit Frobenius norm, with at most ``n`` columns.

    Parameters
    ----------
    x : ndarray, shape (n_stimuli, n_units)

    Returns
    -------
    ndarray, shape (n_stimuli, min(n_stimuli, n_units))
        The centred, normalized responses, or (more units than stimuli) their principal
        coordinates ``U S``, which have the same Gram matrix. All zeros for a constant
        group.
    """
    centred = np.asarray(x, dtype=np.float64) - np.mean(x, axis=0)
    norm = float(np.linalg.norm(centred))
    if norm == 0.0:
        return centred[:, : min(centred.shape)]
    centred /= norm
    n, p = centred.shape
    if p > n:
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        return u * s
    return centred


def procrustes_residual(a: np.ndarray, b: np.ndarray) -> float:
    """``min_Q ||A - B Q||_F`` over orthogonal ``Q``, the narrower matrix zero-padded.

    Parameters
    ----------
    a, b : ndarray, shape (n_stimuli, k_a) and (n_stimuli, k_b)

    Returns
    -------
    float
        The residual norm, from the optimal rotation's singular vectors (accurate near 0).
    """
    k = max(a.shape[1], b.shape[1])
    a = np.pad(a, ((0, 0), (0, k - a.shape[1])))
    b = np.pad(b, ((0, 0), (0, k - b.shape[1])))
    u, _, wt = np.linalg.svd(a.T @ b)
    # Q = W U^T maximizes tr(A^T B Q); ||A - B Q|| = ||A U - B W||.
    return float(np.linalg.norm(a @ u - b @ wt.T))


def _measure(form: str):
    def measure(a: np.ndarray, b: np.ndarray) -> float:
        chord = min(procrustes_residual(a, b), np.sqrt(2.0))
        if form == "euclidean":
            return chord
        return float(2.0 * np.arcsin(chord / 2.0))

    return measure


def compare_procrustes(source, target, *, options: dict[str, Any] | None = None,
                       **kwargs: Any):
    """Procrustes shape distance over all group pairs (``method="procrustes"``).

    Options: ``form`` ("angular" or "euclidean", default "angular").

    Returns
    -------
    PairwiseResult
        ``matrix`` holds distances (0 for shapes equal up to rotation, translation and
        scale); similarity is ``cos(theta)``, i.e. ``1 - d^2 / 2``.
    """
    options = dict(options or {})
    form = options.pop("form", "angular")
    if options:
        raise ParameterError(f"procrustes takes the option form=, not {sorted(options)}.")
    if form not in FORMS:
        raise ParameterError(f"procrustes: form must be one of {list(FORMS)}, got {form!r}.")
    if form == "angular":
        similarity = np.cos
    else:
        def similarity(v: np.ndarray) -> np.ndarray:
            return 1.0 - np.square(v) / 2.0
    measure = PairwiseMeasure(
        prepare=shape_coordinates,
        measure=_measure(form),
        higher_is_similar=False,
        similarity=similarity,
        distance=lambda v: v,
    )
    return compare_pairwise(source, target, measure=measure, method="procrustes",
                            settings={"form": form}, **kwargs)


def methods() -> list[Method]:
    """The Procrustes shape metric as a registered method (``form=`` option)."""
    return [Method(name="procrustes", compare=compare_procrustes,
                   description=METADATA["description"], metadata=METADATA)]
