"""Noise ceilings: how well could a perfect model score on a noisy recording?

A recorded unit's trial-averaged responses are its stimulus-driven signal plus noise that
averaging over repetitions only shrinks. No predictor, however good, can correlate better
with the noisy responses than the signal itself does. This module estimates that bound
from the repetitions a representation keeps along its ``repetition`` dim.

>>> import numpy as np, xarray as xr, hotneuro as hn
>>> rng = np.random.default_rng(0)
>>> signal = rng.normal(size=(200, 4, 1))
>>> rep = xr.DataArray(signal + rng.normal(size=(200, 4, 6)),
...                    dims=("stimulus", "unit", "repetition"),
...                    coords={"stimulus": np.arange(200), "unit": np.arange(4),
...                            "region": ("unit", ["V1", "V1", "IT", "IT"])})
>>> ceiling = hn.ceilings.noise_ceiling(rep)
>>> [str(g) for g in ceiling["group"].values]
['V1', 'IT']
>>> 0.8 < float(ceiling["global_ceiling"]) < 1.0   # theory: sqrt(1 / (1 + 1/6)) = 0.93
True

Model
-----
Every repetition ``k`` of unit ``i`` to stimulus ``s`` is ``x_isk = f_is + e_isk`` with the
noise ``e`` independent across repetitions (and of the signal), mean zero and the same
variance on every repetition. The representation that :func:`hotneuro.compare` uses is the
mean over the ``R`` repetitions, whose reliability (the share of its variance over stimuli
that is signal) is ``rho_R = var(f) / (var(f) + var(e) / R)``.

Estimate (:func:`split_half_reliability`): split the repetitions into two disjoint halves
of ``h = R // 2`` repetitions each, average each half, correlate the two half means over
stimuli (Pearson, per unit), average that correlation ``r`` over several splits, and step
it up to ``R`` repetitions with the Spearman-Brown formula
``rho_R = k r / (1 + (k - 1) r)``, ``k = R / h`` (``2 r / (1 + r)`` when ``R`` is even).

Ceiling (:func:`noise_ceiling`): a noise-free predictor correlates at best
``sqrt(rho_R)`` with the noisy trial-averaged unit: the correlation of the signal ``f``
with ``f + mean noise``. It bounds the held-out reconstruction score of a unit of the
*noisy* system when the system it is predicted from is noise-free (a model). It does not
account for noise in the predicting system, nor for the finite number of held-out stimuli.
"""

from __future__ import annotations

import json
import math
import warnings
from itertools import combinations
from typing import TYPE_CHECKING, Literal

import numpy as np
import xarray as xr

from .errors import ParameterError
from .representations import group_level, groups, preview_ids, validate
from .transport.reconstruct import unit_correlations

if TYPE_CHECKING:  # pragma: no cover
    from .results import ComparisonResult

__all__ = ["noise_ceiling", "normalize", "split_half_reliability"]

#: Default number of random half splits (all distinct splits are used when there are fewer).
DEFAULT_SPLITS = 20

Splits = int | Literal["odd-even"]


# -- kernels (plain arrays) -------------------------------------------------------------
def half_splits(n_repetitions: int, splits: Splits, seed: int | None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of disjoint, equal halves of ``n_repetitions`` repetitions.

    Parameters
    ----------
    n_repetitions : int
        ``R >= 2``.
    splits : int or "odd-even"
        ``"odd-even"``: one split, repetitions ``0, 2, 4, ...`` against ``1, 3, 5, ...``
        (the last repetition is left out when ``R`` is odd, so the halves are equal).
        An int ``n``: every distinct split when there are at most ``n`` of them, otherwise
        ``n`` random splits drawn from ``numpy.random.default_rng(seed)``.

    Returns
    -------
    (a, b) : ndarray of int, each of shape (n_splits, R // 2)
    """
    h = n_repetitions // 2
    if splits == "odd-even":
        return np.arange(0, 2 * h, 2)[None, :], np.arange(1, 2 * h, 2)[None, :]
    reps = range(n_repetitions)
    if _n_distinct_splits(n_repetitions) <= splits:
        pairs = []
        for first in combinations(reps, h):
            rest = [k for k in reps if k not in first]
            for second in combinations(rest, h):
                if first < second:  # each unordered pair of halves once
                    pairs.append((first, second))
        a, b = zip(*pairs, strict=True)
        return np.asarray(a), np.asarray(b)
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(n_repetitions) for _ in range(splits)])
    return np.sort(perms[:, :h], axis=1), np.sort(perms[:, h:2 * h], axis=1)


def _n_distinct_splits(n_repetitions: int) -> int:
    h = n_repetitions // 2
    return math.comb(n_repetitions, h) * math.comb(n_repetitions - h, h) // 2


def spearman_brown(r: np.ndarray, factor: float) -> np.ndarray:
    """Reliability of a measurement ``factor`` times as long as one with reliability ``r``.

    ``factor * r / (1 + (factor - 1) * r)``, clipped to ``[-1, 1]`` (the formula diverges
    for strongly negative ``r`` when ``factor > 2``); NaN stays NaN.
    """
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = 1.0 + (factor - 1.0) * r
        out = np.where(den > 0, factor * r / np.where(den > 0, den, 1.0), -1.0)
    return np.where(np.isnan(r), np.nan, np.clip(out, -1.0, 1.0))


def half_correlations(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation over stimuli of the two half means, per split and unit.

    Parameters
    ----------
    values : ndarray of shape (stimuli, units, repetitions)
    a, b : ndarray of int, shape (n_splits, h)
        The repetitions of each half.

    Returns
    -------
    ndarray of shape (n_splits, units)
        NaN where a half mean is constant over stimuli (the correlation is undefined).
    """
    out = np.empty((a.shape[0], values.shape[1]))
    for k in range(a.shape[0]):
        ma = values[:, :, a[k]].mean(axis=2)
        mb = values[:, :, b[k]].mean(axis=2)
        r = unit_correlations(ma, mb)
        undefined = (np.ptp(ma, axis=0) == 0) | (np.ptp(mb, axis=0) == 0)
        out[k] = np.where(undefined, np.nan, r)
    return out


# -- public wrappers --------------------------------------------------------------------
def split_half_reliability(
    rep: xr.DataArray, *, splits: Splits = DEFAULT_SPLITS, seed: int | None = 0
) -> xr.DataArray:
    """Spearman-Brown corrected split-half reliability of every unit.

    Parameters
    ----------
    rep : xarray.DataArray
        A representation with a ``repetition`` dim of at least 2 repetitions
        (e.g. ``hn.datasets.load("simulated-ventral-stream", "repetitions")``, or an NWB
        file loaded with ``repetitions=True``).
    splits : int or "odd-even"
        How to halve the repetitions. An int (default 20): average over that many seeded
        random splits into two halves of ``R // 2`` repetitions, or over all distinct
        splits when there are no more than that (e.g. 3 for ``R = 4``, 15 for ``R = 5``),
        which is then exact and seed-free. ``"odd-even"``: the one split of even- against
        odd-numbered repetitions, which balances slow drifts over the session but uses one
        split only.
    seed : int, optional
        Seed of the random splits.

    Returns
    -------
    xarray.DataArray
        Named ``reliability``, dim ``unit`` with the representation's unit coords (the
        group among them) and ``half_correlation``: the mean over splits of the Pearson
        correlation of the two half means. ``reliability`` is that correlation stepped up
        to all ``R`` repetitions by the Spearman-Brown formula
        ``k r / (1 + (k - 1) r)``, ``k = R / (R // 2)`` (``2 r / (1 + r)`` for even ``R``):
        the estimated reliability of the trial-averaged responses that
        :func:`hotneuro.compare` uses. A unit whose half mean is constant over stimuli in
        every split is NaN. attrs: ``n_repetitions``, ``half_size``, ``n_splits``,
        ``splits``, ``spearman_brown_factor``, ``seed``, ``system``.

    Raises
    ------
    ParameterError
        No ``repetition`` dim, fewer than 2 repetitions, or a bad ``splits``.
    RepresentationError
        ``rep`` breaks the data contract.

    Notes
    -----
    The correlation is averaged over splits before the correction (averaging corrected
    values would weight the nonlinear formula's tails). Negative reliabilities are kept
    (a unit with no stimulus-locked signal scatters around 0); clip them yourself, or use
    :func:`noise_ceiling`, which treats them as 0.
    """
    rep = validate(rep, copy=False)
    if "repetition" not in rep.dims:
        raise ParameterError(
            "This representation has no 'repetition' dim, so its reliability cannot be "
            "estimated. Keep the repetitions: hn.load(path, ..., repetitions=True) for NWB, "
            "a 3-D (stimulus, unit, repetition) array, or a dataset view such as "
            "hn.datasets.load('simulated-ventral-stream', 'repetitions')."
        )
    n_rep = rep.sizes["repetition"]
    if n_rep < 2:
        raise ParameterError(
            f"Split-half reliability needs at least 2 repetitions; this representation has "
            f"{n_rep}."
        )
    _check_splits(splits)
    a, b = half_splits(n_rep, splits, seed)
    values = np.asarray(rep.values, dtype=np.float64)
    per_split = half_correlations(values, a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN units stay NaN
        r = np.nanmean(per_split, axis=0)
    h = a.shape[1]
    factor = n_rep / h
    unit_coords = {name: c for name, c in rep.coords.items() if c.dims == ("unit",)}
    out = xr.DataArray(
        spearman_brown(r, factor), dims="unit", coords=unit_coords, name="reliability",
        attrs={
            "long_name": "split-half reliability (Spearman-Brown corrected)",
            "system": str(rep.attrs.get("system", "")),
            "n_repetitions": n_rep, "half_size": h, "n_splits": int(a.shape[0]),
            "splits": str(splits), "spearman_brown_factor": factor,
            "seed": "none" if seed is None else int(seed),
        },
    )
    return out.assign_coords(half_correlation=("unit", r))


def _check_splits(splits: object) -> None:
    if splits == "odd-even":
        return
    if isinstance(splits, bool) or not isinstance(splits, int | np.integer) or splits < 1:
        raise ParameterError(
            f"splits must be a positive int (random half splits) or 'odd-even'; got "
            f"{splits!r}."
        )


def noise_ceiling(
    rep: xr.DataArray,
    *,
    threshold: float | None = None,
    splits: Splits = DEFAULT_SPLITS,
    seed: int | None = 0,
) -> xr.Dataset:
    """Noise ceiling of every unit, group and the whole system.

    Parameters
    ----------
    rep : xarray.DataArray
        A representation with a ``repetition`` dim (see :func:`split_half_reliability`).
    threshold : float, optional
        Exclude units whose reliability is below it (e.g. ``0.3``); they are listed in
        ``attrs["excluded_units"]`` and flagged in ``kept``, never dropped silently.
        Units whose reliability is undefined (a half mean constant over stimuli) are
        always excluded, with a warning.
    splits, seed
        Passed to :func:`split_half_reliability`.

    Returns
    -------
    xarray.Dataset
        Along ``unit`` (with the representation's unit coords): ``reliability``,
        ``half_correlation``, ``ceiling`` ``= sqrt(max(reliability, 0))``, ``kept`` and
        ``excluded_reason`` (``""``, ``"below threshold"`` or ``"undefined"``). Along
        ``group`` (the representation's layers or regions, in order): ``group_ceiling``
        (mean ``ceiling`` of the kept units; NaN for a group with none),
        ``group_reliability`` (mean reliability of the kept units), ``n_units`` and
        ``n_kept``. ``global_ceiling``: the mean of ``group_ceiling`` over groups with kept
        units (a group weighs the same whatever its size, as in the held-out score).
        attrs: ``level``, ``system``, ``threshold``, ``excluded_units`` (JSON ids),
        ``n_excluded`` and the split-half attrs.

    Raises
    ------
    ParameterError
        As :func:`split_half_reliability`; a ``threshold`` that is not a number in
        ``[-1, 1]``; every unit excluded.

    Notes
    -----
    The ceiling of unit ``i`` is ``sqrt(rho_i)``: the correlation between the unit's
    noise-free signal and its trial-averaged responses, the most any noise-free predictor
    can reach. It assumes noise independent across repetitions, of equal variance on each
    and independent of the signal; the reliability is estimated over all stimuli, the
    held-out score on a subset, so both should sample the same stimulus distribution.
    Correlated noise across repetitions (slow drift, adaptation) inflates the reliability
    and so the ceiling.
    """
    reliability = split_half_reliability(rep, splits=splits, seed=seed)
    if threshold is not None:
        if (isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number)
                or not -1.0 <= float(threshold) <= 1.0):
            raise ParameterError(
                f"threshold must be a reliability in [-1, 1] (e.g. 0.3) or None; got "
                f"{threshold!r}."
            )
    rel = reliability.values
    undefined = np.isnan(rel)
    below = ~undefined & (rel < threshold) if threshold is not None else np.zeros_like(undefined)
    kept = ~(undefined | below)
    units = reliability["unit"].values
    if not kept.any():
        raise ParameterError(
            f"No unit is left: {int(below.sum())} below threshold {threshold}, "
            f"{int(undefined.sum())} with undefined reliability. Lower the threshold."
        )
    if undefined.any():
        warnings.warn(
            f"{int(undefined.sum())} unit(s) have an undefined reliability (their responses "
            f"are constant over stimuli in a half) and are excluded from the ceiling: "
            f"{preview_ids(units[undefined], k=5)}.",
            UserWarning, stacklevel=2,
        )
    reason = np.where(undefined, "undefined", np.where(below, "below threshold", ""))
    unit_ceiling = np.sqrt(np.clip(rel, 0.0, None))

    level = group_level(reliability)
    members = groups(reliability)
    names = [str(g) for g in members]
    n_units = np.array([len(pos) for pos in members.values()])
    n_kept = np.array([int(kept[pos].sum()) for pos in members.values()])
    group_ceiling = np.array([unit_ceiling[pos][kept[pos]].mean() if k else np.nan
                              for pos, k in zip(members.values(), n_kept, strict=True)])
    group_rel = np.array([rel[pos][kept[pos]].mean() if k else np.nan
                          for pos, k in zip(members.values(), n_kept, strict=True)])
    empty = [g for g, k in zip(names, n_kept, strict=True) if k == 0]
    if empty:
        warnings.warn(
            f"{len(empty)} {level}(s) keep no unit ({', '.join(empty)}) and have no "
            "ceiling (NaN); the global ceiling averages the other groups.",
            UserWarning, stacklevel=2,
        )
    excluded = [u.item() if hasattr(u, "item") else u for u in units[~kept]]
    attrs = {k: v for k, v in reliability.attrs.items() if k != "long_name"}
    attrs.update({
        "level": level,
        "threshold": "none" if threshold is None else float(threshold),
        "excluded_units": json.dumps(excluded),
        "n_excluded": len(excluded),
        "ceiling": "sqrt(max(reliability, 0)): the highest Pearson correlation a noise-free "
                   "predictor can reach with the trial-averaged noisy unit",
    })
    base = reliability.reset_coords("half_correlation", drop=True)
    return xr.Dataset(
        {
            "reliability": base,
            "half_correlation": ("unit", reliability["half_correlation"].values),
            "ceiling": ("unit", np.where(undefined, np.nan, unit_ceiling)),
            "kept": ("unit", kept),
            "excluded_reason": ("unit", reason.astype(str)),
            "group_ceiling": ("group", group_ceiling),
            "group_reliability": ("group", group_rel),
            "n_units": ("group", n_units),
            "n_kept": ("group", n_kept),
            "global_ceiling": ((), float(np.nanmean(group_ceiling))),
        },
        coords={**base.coords, "group": names},
        attrs=attrs,
    )


def _check_ceiling(ceiling: object) -> xr.Dataset:
    if not isinstance(ceiling, xr.Dataset) or not {"group_ceiling", "global_ceiling"} <= set(
            ceiling.data_vars):
        raise ParameterError(
            "ceiling must be the Dataset that hotneuro.ceilings.noise_ceiling(rep) returns "
            f"(with 'group_ceiling' and 'global_ceiling'); got {type(ceiling).__name__}."
        )
    return ceiling


def _check_excluded(result: ComparisonResult, ceiling: xr.Dataset) -> None:
    """The ceiling and the score must average over the same units."""
    excluded = json.loads(str(ceiling.attrs.get("excluded_units", "[]")))
    if not excluded:
        return
    if "source_unit" not in result.dataset:
        warnings.warn(
            f"The ceiling leaves out {len(excluded)} unit(s) "
            f"({preview_ids(np.asarray(excluded), k=5)})"
            " but this result does not list the units it scored; make sure the comparison "
            "ran on the kept units only.", UserWarning, stacklevel=3,
        )
        return
    scored = {str(u) for u in result.dataset["source_unit"].values}
    both = [u for u in excluded if str(u) in scored]
    if both:
        raise ParameterError(
            f"The ceiling leaves out {len(both)} unit(s) that the result scores "
            f"({preview_ids(np.asarray(both), k=5)}), so score and ceiling would average different "
            "units. Compare on the kept units: rep.sel(unit=ceiling['unit'][ceiling['kept']])"
            ", or compute the ceiling without threshold=."
        )


def normalize(result: ComparisonResult, ceiling: xr.Dataset) -> xr.Dataset:
    """Held-out scores beside the same scores divided by the source's noise ceiling.

    The held-out score correlates each *source* unit with its reconstruction from the
    target, so the ceiling that bounds it is the source's: compare the noisy recording as
    the source (``hn.compare(brain, model, splits=5)``) and pass the recording's
    :func:`noise_ceiling`. It accounts for the source's trial-to-trial noise only; noise
    in the target (a second recording) lowers scores further and is not corrected.

    Parameters
    ----------
    result : ComparisonResult
        A result with held-out scores (``compare(..., splits=k)``), e.g. HOT with its
        controls or ``linear_predictivity``.
    ceiling : xarray.Dataset
        :func:`noise_ceiling` of the source representation (the same groups).

    Returns
    -------
    xarray.Dataset
        Dims ``strategy`` and the result's source group dim (e.g. ``source_region``):
        ``group_score``, ``group_score_std`` (over splits, ddof 1; 0 for one split),
        ``group_ceiling`` and ``group_score_normalized`` ``= group_score / group_ceiling``;
        ``score``, ``score_std``, ``ceiling`` (the mean of the group ceilings, as the score
        is the mean of the group scores) and ``score_normalized`` ``= score / ceiling``.
        The raw scores are always kept beside the normalized ones.

    Raises
    ------
    ParameterError
        The result has no held-out scores, ``ceiling`` is not a noise ceiling, its groups
        are not the result's source groups (e.g. the ceiling of the target side), or it
        excludes units (``threshold=``) that the result scored: run the comparison on
        ``rep.sel(unit=ceiling["unit"][ceiling["kept"]])`` so both average the same units.
    """
    ceiling = _check_ceiling(ceiling)
    group_scores = getattr(result, "group_scores", None)
    if group_scores is None:
        raise ParameterError(
            "This result has no held-out scores to normalize; run "
            "hn.compare(source, target, splits=5) (or give fit_stimuli= and eval_stimuli=)."
        )
    src_dim = result.source_dim
    sources = result.source_groups
    have = [str(g) for g in ceiling["group"].values]
    missing = [g for g in sources if g not in have]
    if missing:
        hint = ""
        if all(g in have for g in result.target_groups):
            hint = (" The ceiling matches the target side; the held-out score reconstructs "
                    "source units, so compare the noisy system as the source: "
                    "hn.compare(recording, model, splits=5).")
        raise ParameterError(
            f"The ceiling has groups {have} but the result's source groups are {sources} "
            f"({', '.join(missing)} missing).{hint}"
        )
    _check_excluded(result, ceiling)
    system = str(ceiling.attrs.get("system", ""))
    source_system = str(result.attrs.get("source_system", ""))
    if system and source_system and system != source_system:
        warnings.warn(
            f"The ceiling is of {system!r} but the result's source is {source_system!r}; "
            "check that both come from the same recording.", UserWarning, stacklevel=2,
        )
    group_ceiling = xr.DataArray(
        ceiling["group_ceiling"].sel(group=sources).values, dims=src_dim,
        coords={src_dim: group_scores[src_dim].values})
    k = group_scores.sizes["split"]

    def spread(x: xr.DataArray) -> xr.DataArray:
        return x.std("split", ddof=1) if k > 1 else xr.zeros_like(x.isel(split=0, drop=True))

    scores = group_scores.mean(src_dim)
    if result.scores is not None:  # the stored global scores, bit for bit
        scores = result.scores
    total = float(group_ceiling.mean())
    group_mean = group_scores.mean("split")
    out = xr.Dataset(
        {
            "group_score": group_mean,
            "group_score_std": spread(group_scores),
            "group_ceiling": group_ceiling,
            "group_score_normalized": group_mean / group_ceiling,
            "score": scores.mean("split"),
            "score_std": spread(scores),
            "ceiling": ((), total),
            "score_normalized": scores.mean("split") / total,
        },
        attrs={
            "ceiling_side": "source",
            "source_system": source_system,
            "ceiling_system": system,
            "method": result.method,
            "n_splits": k,
            "threshold": ceiling.attrs.get("threshold", "none"),
            "n_excluded": int(ceiling.attrs.get("n_excluded", 0)),
            "note": "normalized = raw / ceiling of the source's trial-to-trial noise; "
                    "target noise is not accounted for",
        },
    )
    return out

