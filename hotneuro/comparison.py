"""The one entry point for comparing two representations."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr

from .errors import ParameterError
from .inference import check_bootstrap_size, check_inference, run_inference
from .plugins import get_method
from .representations import align_validated, validate
from .results import ComparisonResult, ComparisonSet
from .splits import SplitPlan, plan_splits

__all__ = ["compare"]


def compare(
    source: xr.DataArray,
    target: xr.DataArray,
    method: str | Sequence[str] = "hot",
    *,
    align: Literal["exact", "inner"] = "exact",
    splits: int | None = None,
    eval_fraction: float = 0.2,
    fit_stimuli: Sequence[Hashable] | None = None,
    eval_stimuli: Sequence[Hashable] | None = None,
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool = False,
    permutations: int | None = None,
    bootstrap: int | None = None,
    ci_level: float = 0.95,
    **options: Any,
) -> ComparisonResult:
    """Compare two representations.

    Parameters
    ----------
    source, target : xarray.DataArray
        Representations (see :func:`hotneuro.representation`). A ``repetition`` dim is
        averaged out first.
    method : str or sequence of str
        Name of the comparison method; ``"hot"`` (Hierarchical Optimal Transport) by
        default. :func:`hotneuro.list_methods` lists them. A list runs each method on
        the same aligned data and splits and returns a
        :class:`~hotneuro.results.ComparisonSet` (``.table()`` compares them).
    align : {"exact", "inner"}
        ``"exact"``: both must have the same stimulus ids (any order). ``"inner"``:
        compare on the shared stimuli.
    splits : int, optional
        Score held-out reconstruction on ``splits`` seeded random splits holding out
        ``eval_fraction`` of the stimuli. The reported coupling is fitted on all stimuli.
    eval_fraction : float
        Held-out fraction per random split (default 0.2, i.e. 80/20 splits).
    fit_stimuli, eval_stimuli : sequence of ids, optional
        One explicit split instead of random ones; the reported fit uses
        ``fit_stimuli``.
    seed : int
        Seed of every random step (splits, control permutations, resamples). Same inputs
        and seed give bit-identical results. With resamples, ``None`` draws a fresh seed,
        recorded in ``result.attrs["seed"]``.
    n_jobs : int, optional
        Worker threads (default: all cores); with resamples, threads over resamples.
    progress : bool
        Show progress bars.
    permutations : int, optional
        Permutation test with this many shuffles of the target's stimulus labels, the
        method refitted on the same splits each time: ``result.pvalue`` (distance,
        similarity, score, every group pair of ``matrix``) and ``result.null``.
    bootstrap : int, optional
        Bootstrap over stimuli with this many resamples: percentile intervals in
        ``result.ci`` (distance, similarity, score, matrix; for HOT also the coupling,
        barycentric depths, hierarchy index; the best-match frequencies) and the samples
        in ``result.bootstrap``. Held-out splits of a resample never separate copies of
        one stimulus. See ``docs/statistics.md``.
    ci_level : float
        Coverage of the bootstrap intervals, in (0, 1); default 0.95.
    **options
        Options of the method, e.g. ``debiased=True`` for ``method="cka"``; see
        ``hotneuro.list_methods()[i]["metadata"]["options"]``. Unknown options are an
        error. With several methods, each method's options go under its name:
        ``method=["hot", "cka"], cka={"debiased": True}``.

    Returns
    -------
    ComparisonResult
        For ``method="hot"`` a :class:`~hotneuro.results.HOTResult`. ``result.score`` is
        None unless splits or explicit stimuli were given. With several methods, a
        :class:`~hotneuro.results.ComparisonSet`; every method then sees the same
        splits, permutations and bootstrap resamples.

    Raises
    ------
    RepresentationError
        An input breaks the data contract.
    StimulusMismatchError
        The stimulus sets differ (use ``align="inner"``), or the split ids are wrong.
    UnknownMethodError, ParameterError
        Bad method name or parameter values.

    Examples
    --------
    >>> import numpy as np, hotneuro as hn
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(50, 8))
    >>> a = hn.representation({"l1": x, "l2": np.maximum(x, 0) @ rng.normal(size=(8, 6))})
    >>> r = hn.compare(a, a)
    >>> abs(r.distance) < 1e-12, r.coupling.dims
    (True, ('source_layer', 'target_layer'))
    >>> r = hn.compare(a, a, permutations=9, n_jobs=1)
    >>> float(r.pvalue["distance"])  # 1 / (9 + 1): no shuffle is as close as the identity
    0.1
    """
    n_perm, n_boot, ci_level = check_inference(permutations, bootstrap, ci_level, seed)
    if (n_perm or n_boot) and seed is None:
        # One fresh seed for every method and stream, recorded so the run can be repeated.
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if not isinstance(method, str):
        methods = list(method)
        if not methods or len(set(methods)) != len(methods):
            raise ParameterError(
                f"method= takes a name or a list of distinct names, got {method!r}."
            )
        common = dict(align=align, splits=splits, eval_fraction=eval_fraction,
                      fit_stimuli=fit_stimuli, eval_stimuli=eval_stimuli, seed=seed,
                      n_jobs=n_jobs, progress=progress, permutations=n_perm,
                      bootstrap=n_boot, ci_level=ci_level)
        for name in methods:
            get_method(name)  # every name is checked before any work starts
        stray = [k for k in options if k not in methods or not isinstance(options[k], dict)]
        if stray:
            raise ParameterError(
                f"With several methods, give each method's options under its name, e.g. "
                f"cka={{'debiased': True}}; cannot place {', '.join(stray)}."
            )
        return ComparisonSet({name: compare(source, target, name, **common,
                                            **options.get(name, {}))
                              for name in methods})
    spec = get_method(method)
    # No deep copies: hotneuro never writes to the values it compares.
    source = _averaged(validate(source, copy=False))
    target = _averaged(validate(target, copy=False))
    source, target = align_validated(source, target, how=align)
    stimuli = source["stimulus"].values

    def make_plan() -> SplitPlan:
        return plan_splits(stimuli, splits=splits, eval_fraction=eval_fraction,
                           fit_stimuli=fit_stimuli, eval_stimuli=eval_stimuli, seed=seed)

    split_plan = make_plan()
    if n_boot:
        check_bootstrap_size(split_plan, stimuli.size, eval_fraction)
    parameters = {
        "method": method, "align": align, "splits": splits, "eval_fraction": eval_fraction,
        "fit_stimuli": None if fit_stimuli is None else list(fit_stimuli),
        "eval_stimuli": None if eval_stimuli is None else list(eval_stimuli),
        "seed": seed, "n_jobs": n_jobs, **options,
    }
    if n_perm or n_boot:
        parameters.update(permutations=n_perm, bootstrap=n_boot, ci_level=ci_level)
    result = spec.compare(source, target, split_plan=split_plan, seed=seed, n_jobs=n_jobs,
                          progress=progress, parameters=parameters, options=options)
    if not (n_perm or n_boot):
        return result
    return run_inference(result, spec, source, target, make_plan=make_plan,
                         split_plan=split_plan, splits=splits, eval_fraction=eval_fraction,
                         seed=seed, permutations=n_perm, bootstrap=n_boot,
                         ci_level=ci_level, n_jobs=n_jobs, progress=progress,
                         parameters=parameters, options=options)


def _averaged(rep: xr.DataArray) -> xr.DataArray:
    if "repetition" in rep.dims:
        return rep.mean("repetition", keep_attrs=True)
    return rep
