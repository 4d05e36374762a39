"""Cross-validated linear predictivity: ridge regression from one group to another.

For a source group ``X`` (stimuli x n units) and a target group ``Y`` (stimuli x n'),
``linear_predictivity`` asks how well a linear map of ``X`` predicts each unit of ``Y`` on
stimuli it was not fitted on (the "neural predictivity" of Yamins et al. 2014 and
Schrimpf et al. 2018, with ridge instead of PLS):

1. Outer cross-validation: the fitting stimuli are cut into ``folds`` parts (default 5)
   by a seeded shuffle (``seed`` of :func:`hotneuro.compare`). The assignment depends
   on the stimulus ids, not on their order, and is the same for every group pair and
   for both directions.
2. On each training part, every source and target unit is z-scored with that part's
   mean and population std (a unit constant there gets weight 0 as a feature, and is
   predicted by its training mean as a target). The model has an unpenalized intercept.
3. Ridge penalty, per target unit, by generalized cross-validation (GCV; Golub, Heath &
   Wahba 1979) on the training part: for ``alpha`` in ``alphas`` (default
   ``logspace(-3, 5, 17)``) the penalty is ``lambda = alpha * n_train``, i.e. ``alpha``
   is in units of the (unit) variance of a standardized feature, so the grid means the
   same whatever the number of stimuli: the ridge solution minimizes
   ``||z_y - Z_x w||^2 / n_train + alpha ||w||^2``. With the thin SVD
   ``Z_x = U S V^T`` and shrinkage ``f = s^2 / (s^2 + lambda)``,
   ``GCV(alpha) = (RSS / n_train) / (1 - (1 + sum f) / n_train)^2`` (the ``1`` counts the
   intercept); the smallest GCV wins (the smaller alpha on a tie).
4. The held-out predictions of all folds (back in the target's units) are concatenated,
   so every fitting stimulus is predicted exactly once, and each target unit is scored by
   the Pearson correlation between its responses and its predictions over all fitting
   stimuli (0 if its predictions are constant). Concatenating is steadier than averaging
   per-fold correlations when folds hold few stimuli.
5. The value of a group pair is the mean of those correlations over target units.

``direction="forward"`` (default) predicts the target group from the source group,
``"backward"`` the source from the target, and ``"both"`` averages the two (symmetric).
The default is not symmetric: a wide group predicts a narrow one more easily than the
reverse.

Shared work: each group is standardized and decomposed (one SVD, or for a group wider than
the training set an eigendecomposition of its Gram matrix, per fold) once, whichever
pairs it takes part in; a pair only projects the target on the source's singular vectors.

Invariances: permuting units, translating them, and rescaling each unit by its own
nonzero factor (all standardized away on each training part; the per-unit Pearson score
and the per-unit GCV choice do not see them). Not invariant to rotations or other
invertible linear maps: ridge penalizes standardized features and scores single units.

The method does its own cross-validation inside the fitting stimuli, so it needs no
held-out split (``needs_fit_split`` is False); with ``fit_stimuli=`` only those stimuli
are used, and ``splits=k`` has no effect on it.

References
----------
Yamins, Hong, Cadieu, Solomon, Seibert & DiCarlo (2014), PNAS; Schrimpf et al. (2018),
Brain-Score, bioRxiv 407007; Golub, Heath & Wahba (1979), Technometrics 21(2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..representations import MIN_STIMULI
from ..transport import Standardizer
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method
from .systems import System, kept_positions

__all__ = [
    "DEFAULT_ALPHAS",
    "DIRECTIONS",
    "METADATA",
    "RidgeCV",
    "compare_linear_predictivity",
    "fold_assignment",
    "methods",
    "ridge_cv",
]

#: Default ridge grid, in units of a standardized feature's variance (lambda = alpha * n).
DEFAULT_ALPHAS: np.ndarray = np.logspace(-3, 5, 17)
#: Values of the ``direction`` option.
DIRECTIONS: tuple[str, ...] = ("forward", "backward", "both")

METADATA: dict[str, Any] = {
    "description": "Cross-validated ridge regression from each source group to each "
                   "target group: mean held-out Pearson r over target units.",
    "higher_is_similar": True,
    # Only direction='both' is symmetric; the default 'forward' is not.
    "symmetric": False,
    "metric": False,
    "invariances": ["permutation", "isotropic scaling", "translation",
                    "per-unit affine scaling"],
    "needs_fit_split": False,
    "options": {
        "direction": "'forward' (default: predict target units from source units), "
                     "'backward' (the reverse) or 'both' (mean of the two; symmetric)",
        "folds": "int >= 2, default 5: outer cross-validation folds over the fitting "
                 "stimuli (seeded by seed=)",
        "alphas": "positive floats, default logspace(-3, 5, 17): ridge grid, penalty "
                  "alpha * n_train on standardized features; chosen per target unit by GCV",
    },
    "reference": "Yamins et al. (2014) PNAS; Schrimpf et al. (2018) Brain-Score; "
                 "Golub, Heath & Wahba (1979) (GCV)",
}


# ----------------------------------------------------------------------------- kernels


def fold_assignment(stimuli: np.ndarray, folds: int, seed: int | None) -> np.ndarray:
    """The outer fold (0 .. folds-1) of each stimulus.

    Stimuli are put in the order of their ids, shuffled with ``seed`` and dealt round
    robin, so fold sizes differ by at most one and the assignment of a stimulus does not
    depend on where it sits in the input.

    Parameters
    ----------
    stimuli : ndarray
        Stimulus ids (unique).
    folds : int
    seed : int or None

    Returns
    -------
    ndarray of int64, shape (len(stimuli),)
    """
    stimuli = np.asarray(stimuli)
    n = stimuli.size
    try:
        order = np.argsort(stimuli, kind="stable")
    except TypeError:  # ids that do not sort: fall back to their positions
        order = np.arange(n)
    shuffled = order[np.random.default_rng(seed).permutation(n)]
    out = np.empty(n, dtype=np.int64)
    out[shuffled] = np.arange(n) % folds
    return out


@dataclass(frozen=True)
class _Fold:
    """One group on one outer fold: training statistics, design spectrum, held-out rows.

    With the standardized training design ``Z = U S V^T`` (nonzero singular values only),
    the ridge prediction of held-out rows ``Z_e`` is
    ``Z_e V S (S^2 + lambda)^-1 U^T y``, so a fold keeps ``U``, ``S^2`` and
    ``Z_e V S = Z_e Z^T U``.
    """

    mean: np.ndarray        # training mean of each unit
    scale: np.ndarray       # training std (1 where the unit is constant there)
    constant: np.ndarray    # units constant on the training stimuli
    sq_norm: np.ndarray     # squared norm of each standardized training column
    u: np.ndarray           # (n_train, k) left singular vectors of the standardized design
    s2: np.ndarray          # (k,) nonzero squared singular values
    test: np.ndarray        # (n_test, k): Z_e V S, the held-out rows in those coordinates

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Rows of the group standardized with this fold's training statistics."""
        return _standardize(x, self.mean, self.scale, self.constant)


@dataclass(frozen=True)
class _Group:
    """A group prepared once: its values on the fitting stimuli and its folds.

    Only the spectral factors are kept per fold, not the standardized training values, so
    a group costs about ``folds * n_train * min(n_train, n_units)`` numbers beyond its
    values; a pair re-standardizes its target's training rows on the fly (cheap next to
    the projection on the source's singular vectors).
    """

    values: np.ndarray
    folds: tuple[_Fold, ...]


def _standardize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, constant: np.ndarray
                 ) -> np.ndarray:
    z = (x - mean) / scale
    z[:, constant] = 0.0
    return z


def _spectrum(z: np.ndarray, z_test: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``U``, ``S^2`` (nonzero part) of ``z`` and ``z_test V S``.

    A design with more units than rows (wide model layers) goes through the
    eigendecomposition of its ``n x n`` Gram matrix, many times faster than an SVD of
    the wide matrix and as accurate for ridge: ``S^2`` is only ever used shifted by
    ``lambda >= alphas.min() * n``, and held-out rows enter through ``z_test z^T U``.
    """
    n, p = z.shape
    tol = max(n, p) * np.finfo(float).eps
    if p > n:
        s2, u = np.linalg.eigh(z @ z.T)
        keep = s2 > tol * s2[-1] if s2.size and s2[-1] > 0 else np.zeros(s2.size, bool)
        u, s2 = u[:, keep][:, ::-1], s2[keep][::-1]
        return u, s2, (z_test @ z.T) @ u
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    keep = s > tol * s[0] if s.size and s[0] > 0 else np.zeros(s.size, bool)
    u, s, vt = u[:, keep], s[keep], vt[keep]
    return u, s * s, (z_test @ vt.T) * s


def _prepare_group(x: np.ndarray, train: list[np.ndarray], test: list[np.ndarray]
                   ) -> _Group:
    folds = []
    for tr, te in zip(train, test, strict=True):
        xt = x[tr]
        st = Standardizer.fit(xt)
        scale = np.where(st.constant, 1.0, st.std)
        z_train = _standardize(xt, st.mean, scale, st.constant)
        u, s2, projected = _spectrum(z_train, _standardize(x[te], st.mean, scale,
                                                           st.constant))
        folds.append(_Fold(mean=st.mean, scale=scale, constant=st.constant,
                           sq_norm=np.einsum("ij,ij->j", z_train, z_train), u=u, s2=s2,
                           test=projected))
    return _Group(values=x, folds=tuple(folds))


def _gcv(fold_x: _Fold, uty: np.ndarray, sq_norm: np.ndarray, alphas: np.ndarray
         ) -> np.ndarray:
    """GCV score of every alpha (rows) for every target unit (columns)."""
    n = fold_x.u.shape[0]
    shrink = fold_x.s2 / (fold_x.s2[None, :] + alphas[:, None] * n)     # (A, k)
    outside = np.maximum(sq_norm - np.einsum("kj,kj->j", uty, uty), 0.0)  # off span(U)
    rss = outside[None, :] + np.square(1.0 - shrink) @ np.square(uty)    # (A, q)
    df = 1.0 + shrink.sum(axis=1)
    return (rss / n) / np.square(1.0 - df / n)[:, None]


def _predict(x: _Group, y: _Group, train: list[np.ndarray], test: list[np.ndarray],
             alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Held-out predictions of ``y``'s units from ``x`` and the chosen alphas per fold."""
    prediction = np.empty_like(y.values)
    chosen = np.empty((len(test), y.values.shape[1]))
    for f, (tr, rows) in enumerate(zip(train, test, strict=True)):
        fx, fy = x.folds[f], y.folds[f]
        uty = fx.u.T @ fy.standardize(y.values[tr])                 # (k, q)
        best = np.argmin(_gcv(fx, uty, fy.sq_norm, alphas), axis=0)
        lam = alphas[best] * fx.u.shape[0]                          # (q,)
        coef = uty / (fx.s2[:, None] + lam[None, :])
        prediction[rows] = fy.mean + fy.scale * (fx.test @ coef)
        chosen[f] = alphas[best]
    return prediction, chosen


def _pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r of matching columns; 0 where either column is constant (same rule as
    for dropping constant units)."""
    ac, bc = a - a.mean(axis=0), b - b.mean(axis=0)
    num = np.einsum("ij,ij->j", ac, bc)
    den = np.sqrt(np.einsum("ij,ij->j", ac, ac) * np.einsum("ij,ij->j", bc, bc))
    flat = Standardizer.fit(a).constant | Standardizer.fit(b).constant
    return np.where(flat, 0.0, num / np.where(flat, 1.0, den))


def _split_rows(assignment: np.ndarray, folds: int) -> tuple[list[np.ndarray],
                                                              list[np.ndarray]]:
    test = [np.flatnonzero(assignment == f) for f in range(folds)]
    train = [np.flatnonzero(assignment != f) for f in range(folds)]
    return train, test


@dataclass(frozen=True)
class RidgeCV:
    """Cross-validated ridge predictions of one block of units from another.

    Attributes
    ----------
    prediction : ndarray of shape (stimuli, n_targets)
        Each stimulus predicted by the model fitted on the other folds.
    alphas : ndarray of shape (folds, n_targets)
        The alpha GCV chose for each target unit on each fold's training stimuli.
    unit_scores : ndarray of shape (n_targets,)
        Pearson r between each target unit and its held-out prediction.
    score : float
        Mean of ``unit_scores``.
    """

    prediction: np.ndarray
    alphas: np.ndarray
    unit_scores: np.ndarray
    score: float


def ridge_cv(x: np.ndarray, y: np.ndarray, assignment: np.ndarray,
             alphas: Sequence[float] | np.ndarray = DEFAULT_ALPHAS) -> RidgeCV:
    """Cross-validated ridge from ``x`` to ``y`` on plain arrays (the method's kernel).

    Parameters
    ----------
    x, y : ndarray of shape (stimuli, n) and (stimuli, n')
        Non-constant units.
    assignment : ndarray of int
        Outer fold of each stimulus, 0 .. folds-1 (see :func:`fold_assignment`).
    alphas : sequence of float
        Ridge grid (penalty ``alpha * n_train`` on standardized features).

    Returns
    -------
    RidgeCV
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    grid = _check_alphas(alphas)
    assignment = np.asarray(assignment)
    folds = int(assignment.max()) + 1
    train, test = _split_rows(assignment, folds)
    prediction, chosen = _predict(_prepare_group(x, train, test),
                                  _prepare_group(y, train, test), train, test, grid)
    r = _pearson(prediction, y)
    return RidgeCV(prediction=prediction, alphas=chosen, unit_scores=r, score=float(r.mean()))


# ----------------------------------------------------------------------------- method


def _check_alphas(alphas: Any) -> np.ndarray:
    try:
        grid = np.array(alphas, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        grid = np.array([np.nan])
    if isinstance(alphas, (str, bytes)) or grid.size == 0 or not np.all(np.isfinite(grid)) \
            or np.any(grid <= 0) or np.ndim(alphas) > 1:
        raise ParameterError(
            f"alphas must be a non-empty list of finite positive numbers, got {alphas!r}."
        )
    return np.unique(grid)  # sorted: on a GCV tie the smaller alpha wins


def _parse(options: dict[str, Any] | None, n_stimuli: int) -> tuple[str, int, np.ndarray]:
    options = dict(options or {})
    direction = options.pop("direction", "forward")
    folds = options.pop("folds", 5)
    alphas = options.pop("alphas", DEFAULT_ALPHAS)
    if options:
        raise ParameterError(
            "linear_predictivity takes the options direction=, folds=, alphas=, not "
            f"{sorted(options)}."
        )
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ParameterError(
            f"direction must be one of {', '.join(map(repr, DIRECTIONS))}, got {direction!r}."
        )
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ParameterError(f"folds must be an integer of at least 2, got {folds!r}.")
    folds = int(folds)
    largest_test = -(-n_stimuli // folds)
    if folds > n_stimuli or n_stimuli - largest_test < MIN_STIMULI:
        raise ParameterError(
            f"{folds}-fold cross-validation on {n_stimuli} fitting stimuli leaves fewer than "
            f"{MIN_STIMULI} training stimuli or an empty fold; use fewer folds or more "
            "stimuli."
        )
    return direction, folds, _check_alphas(alphas)


def _measure(direction: str, train: list[np.ndarray], test: list[np.ndarray],
             alphas: np.ndarray):
    def score(x: _Group, y: _Group) -> float:
        prediction, _ = _predict(x, y, train, test, alphas)
        return float(_pearson(prediction, y.values).mean())

    if direction == "forward":
        return score
    if direction == "backward":
        return lambda a, b: score(b, a)
    return lambda a, b: 0.5 * (score(a, b) + score(b, a))


def _held_out(source, target, split_plan, seed: int | None, direction: str, folds: int,
              alphas: np.ndarray) -> np.ndarray:
    """Per split and source group: the source group rebuilt on the held-out stimuli by
    ridge from its best target group, chosen by cross-validated predictivity on the
    split's fitting stimuli only (the greedy practice, scored like HOT's controls)."""
    x = System.from_representation(source, "source")
    y = System.from_representation(target, "target")
    stimuli = np.asarray(source["stimulus"].values)
    out = np.zeros((len(split_plan.splits), len(x.labels)))
    for k, split in enumerate(split_plan.splits):
        fit, ev = split.fit, split.eval
        if fit.size - -(-fit.size // folds) < MIN_STIMULI:
            raise ParameterError(
                f"A split's {fit.size} fitting stimuli are too few for {folds}-fold "
                "cross-validation; use fewer folds, a smaller eval_fraction or more stimuli."
            )
        kept_x = kept_positions(x, Standardizer.fit(x.values[fit]), "source")
        kept_y = kept_positions(y, Standardizer.fit(y.values[fit]), "target")
        train, test = _split_rows(fold_assignment(stimuli[fit], folds, seed), folds)
        gx = [_prepare_group(x.values[fit][:, c], train, test) for c in kept_x]
        gy = [_prepare_group(y.values[fit][:, c], train, test) for c in kept_y]
        score = _measure(direction, train, test, alphas)
        rows = np.concatenate([ev, fit])
        assignment = np.r_[np.zeros(ev.size, int), np.ones(fit.size, int)]
        for i, g in enumerate(gx):
            best = int(np.argmax([score(g, h) for h in gy]))
            fitted = ridge_cv(y.values[rows][:, kept_y[best]], x.values[rows][:, kept_x[i]],
                              assignment, alphas)
            out[k, i] = float(_pearson(fitted.prediction[:ev.size],
                                       x.values[ev][:, kept_x[i]]).mean())
    return out


def compare_linear_predictivity(source, target, *, split_plan, seed,
                                options: dict[str, Any] | None = None, **kwargs: Any):
    """Cross-validated ridge predictivity over all group pairs
    (``method="linear_predictivity"``).

    Options: ``direction``, ``folds``, ``alphas``; see the module docstring.
    """
    stimuli = np.asarray(source["stimulus"].values)[split_plan.main_fit]
    direction, folds, alphas = _parse(options, stimuli.size)
    train, test = _split_rows(fold_assignment(stimuli, folds, seed), folds)
    measure = PairwiseMeasure(
        prepare=lambda x: _prepare_group(x, train, test),
        measure=_measure(direction, train, test, alphas),
        higher_is_similar=True,
        similarity=lambda v: v,
        distance=lambda v: 1.0 - v,
    )
    held_out = (_held_out(source, target, split_plan, seed, direction, folds, alphas)
                if split_plan.splits else None)
    return compare_pairwise(source, target, measure=measure, method="linear_predictivity",
                            split_plan=split_plan, seed=seed, held_out=held_out,
                            settings={"direction": direction, "folds": folds,
                                      "alphas": alphas.tolist()}, **kwargs)


def methods() -> list[Method]:
    """Cross-validated linear (ridge) predictivity as a registered method."""
    return [Method(name="linear_predictivity", compare=compare_linear_predictivity,
                   description=METADATA["description"], metadata=METADATA)]
