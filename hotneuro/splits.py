"""Fit/evaluation splits of the stimuli for held-out scores.

Three protocols, chosen by :func:`plan_splits`:

- nothing asked: one fit on every stimulus, no held-out score;
- ``splits=k``: ``k`` seeded random draws holding out ``eval_fraction`` of the stimuli
  (default 20 %); the reported fit uses every stimulus;
- ``fit_stimuli=``/``eval_stimuli=``: one explicit split; the reported fit uses the
  fitting stimuli only.

:func:`plan_grouped_splits` draws random splits over groups of rows instead of single
rows: the bootstrap (:mod:`hotneuro.inference`) repeats stimuli, and every copy of one
stimulus must land on the same side of a split, or a held-out stimulus would also be
fitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ParameterError, StimulusMismatchError
from .representations import MIN_STIMULI

__all__ = ["Split", "SplitPlan", "plan_grouped_splits", "plan_splits"]


@dataclass(frozen=True)
class Split:
    """One split: integer positions (sorted) of the fitting and evaluation stimuli."""

    fit: np.ndarray
    eval: np.ndarray
    seed: np.random.SeedSequence


@dataclass(frozen=True)
class SplitPlan:
    """The reported fit's stimuli and the held-out splits (empty when no score)."""

    main_fit: np.ndarray
    splits: tuple[Split, ...]
    protocol: str


def plan_splits(
    stimuli: np.ndarray,
    *,
    splits: int | None = None,
    eval_fraction: float = 0.2,
    fit_stimuli: Sequence[Any] | None = None,
    eval_stimuli: Sequence[Any] | None = None,
    seed: int | None = 0,
) -> SplitPlan:
    """Decide which stimuli each fit uses.

    Parameters
    ----------
    stimuli : ndarray
        The aligned stimulus ids.
    splits : int, optional
        Number of seeded random splits.
    eval_fraction : float
        Fraction of stimuli held out per random split, in (0, 1).
    fit_stimuli, eval_stimuli : sequence of ids, optional
        One explicit split (both must be given, disjoint, and known).
    seed : int
        Seed of every random draw (splits and control permutations).

    Returns
    -------
    SplitPlan
    """
    n = stimuli.size
    if isinstance(eval_fraction, bool) or not isinstance(eval_fraction, (float, int)) \
            or not 0.0 < eval_fraction < 1.0:
        raise ParameterError(
            f"eval_fraction must lie strictly between 0 and 1, got {eval_fraction!r}."
        )
    root = np.random.SeedSequence(seed)
    explicit = fit_stimuli is not None or eval_stimuli is not None
    if splits is not None and explicit:
        raise ParameterError(
            "Give either splits=k (random splits) or fit_stimuli=/eval_stimuli= (one "
            "explicit split), not both."
        )
    if explicit:
        if fit_stimuli is None or eval_stimuli is None:
            raise ParameterError(
                "fit_stimuli= and eval_stimuli= go together; give both (or use splits=k)."
            )
        fit = _positions(stimuli, fit_stimuli, "fit_stimuli")
        ev = _positions(stimuli, eval_stimuli, "eval_stimuli")
        overlap = np.intersect1d(fit, ev)
        if overlap.size:
            raise StimulusMismatchError(
                f"{overlap.size} stimulus id(s) are in both fit_stimuli and eval_stimuli "
                f"(e.g. {stimuli[overlap[0]]!r}); held-out stimuli must not be fitted."
            )
        _check_sizes(fit.size, ev.size)
        return SplitPlan(main_fit=fit, splits=(Split(fit, ev, root.spawn(1)[0]),),
                         protocol="explicit")
    if splits is None:
        return SplitPlan(main_fit=np.arange(n), splits=(), protocol="none")
    if isinstance(splits, bool) or not isinstance(splits, (int, np.integer)) or splits < 1:
        raise ParameterError(f"splits must be a positive integer, got {splits!r}.")
    n_eval = int(round(eval_fraction * n))
    _check_sizes(n - n_eval, n_eval)
    out = []
    for child in root.spawn(int(splits)):
        order = np.random.default_rng(child).permutation(n)
        out.append(Split(np.sort(order[n_eval:]), np.sort(order[:n_eval]), child))
    return SplitPlan(main_fit=np.arange(n), splits=tuple(out), protocol="random")


def plan_grouped_splits(
    groups: np.ndarray,
    *,
    splits: int,
    eval_fraction: float,
    seed: np.random.SeedSequence,
) -> SplitPlan:
    """Random splits that keep the rows of each group together.

    Each split holds out ``round(eval_fraction * G)`` of the ``G`` distinct groups, drawn
    at random, with every row of those groups; the other groups' rows are fitted. The
    reported fit uses every row (the ``"random"`` protocol of :func:`plan_splits`).

    Parameters
    ----------
    groups : ndarray of shape (n_rows,)
        The group of each row, e.g. the original stimulus of each bootstrap copy.
    splits : int
        Number of splits.
    eval_fraction : float
        Fraction of the distinct groups held out per split, in (0, 1).
    seed : numpy.random.SeedSequence
        Split ``k`` is drawn from the ``k``-th child spawned from it. Spawning changes
        a ``SeedSequence``; give a fresh one per plan for reproducible plans.

    Returns
    -------
    SplitPlan

    Raises
    ------
    ParameterError
        When a side of a split would hold fewer than 3 distinct groups.

    Examples
    --------
    >>> import numpy as np
    >>> groups = np.array([0, 0, 1, 2, 3, 3, 4, 5, 6, 7])
    >>> plan = plan_grouped_splits(groups, splits=2, eval_fraction=0.4,
    ...                            seed=np.random.SeedSequence(0))
    >>> [np.unique(groups[s.eval]).size for s in plan.splits]
    [3, 3]
    """
    groups = np.asarray(groups)
    labels = np.unique(groups)
    n_eval = int(round(eval_fraction * labels.size))
    _check_sizes(labels.size - n_eval, n_eval, distinct=True)
    out = []
    for child in seed.spawn(int(splits)):
        order = np.random.default_rng(child).permutation(labels.size)
        held = np.isin(groups, labels[order[:n_eval]])
        out.append(Split(np.flatnonzero(~held), np.flatnonzero(held), child))
    return SplitPlan(main_fit=np.arange(groups.size), splits=tuple(out), protocol="random")


def _positions(stimuli: np.ndarray, wanted: Sequence[Any], name: str) -> np.ndarray:
    wanted_arr = np.asarray(list(wanted))
    if wanted_arr.size == 0:
        raise ParameterError(f"{name} is empty; give the stimulus ids to use.")
    if np.unique(wanted_arr).size != wanted_arr.size:
        raise ParameterError(f"{name} lists some stimulus ids more than once.")
    known = np.isin(wanted_arr, stimuli)
    if not known.all():
        missing = wanted_arr[~known]
        raise StimulusMismatchError(
            f"{missing.size} id(s) in {name} are not stimuli of the aligned systems "
            f"(e.g. {missing[0].item()!r}); use ids from the 'stimulus' coordinate."
        )
    index = {s.item() if hasattr(s, "item") else s: i for i, s in enumerate(stimuli)}
    return np.sort(np.array([index[w.item() if hasattr(w, "item") else w]
                             for w in wanted_arr], dtype=np.int64))


def _check_sizes(n_fit: int, n_eval: int, distinct: bool = False) -> None:
    if n_fit < MIN_STIMULI or n_eval < MIN_STIMULI:
        what = "distinct stimuli" if distinct else "stimuli"
        raise ParameterError(
            f"A split with {n_fit} fitting and {n_eval} held-out {what} is too small; "
            f"each side needs at least {MIN_STIMULI}. Use more stimuli or another "
            "eval_fraction."
        )
