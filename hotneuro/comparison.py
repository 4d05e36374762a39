"""The one entry point for comparing two representations."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import xarray as xr

from .errors import ParameterError
from .plugins import get_method
from .representations import align_validated, validate
from .results import ComparisonResult, ComparisonSet
from .splits import plan_splits

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
        Seed of every random step (splits, control permutations). Same inputs and seed
        give bit-identical results.
    n_jobs : int, optional
        Worker threads (default: all cores).
    progress : bool
        Show progress bars.
    **options
        Options of the method, e.g. ``debiased=True`` for ``method="cka"``; see
        ``hotneuro.list_methods()[i]["metadata"]["options"]``. Unknown options are an
        error. With several methods, each method's options go under its name:
        ``method=["hot", "cka"], cka={"debiased": True}``.

    Returns
    -------
    ComparisonResult
        For ``method="hot"`` a :class:`~hotneuro.results.HOTResult`. ``result.score`` is
        None unless splits or explicit stimuli were given.

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
    """
    if not isinstance(method, str):
        methods = list(method)
        if not methods or len(set(methods)) != len(methods):
            raise ParameterError(
                f"method= takes a name or a list of distinct names, got {method!r}."
            )
        common = dict(align=align, splits=splits, eval_fraction=eval_fraction,
                      fit_stimuli=fit_stimuli, eval_stimuli=eval_stimuli, seed=seed,
                      n_jobs=n_jobs, progress=progress)
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
    split_plan = plan_splits(
        source["stimulus"].values,
        splits=splits,
        eval_fraction=eval_fraction,
        fit_stimuli=fit_stimuli,
        eval_stimuli=eval_stimuli,
        seed=seed,
    )
    parameters = {
        "method": method, "align": align, "splits": splits, "eval_fraction": eval_fraction,
        "fit_stimuli": None if fit_stimuli is None else list(fit_stimuli),
        "eval_stimuli": None if eval_stimuli is None else list(eval_stimuli),
        "seed": seed, "n_jobs": n_jobs, **options,
    }
    return spec.compare(source, target, split_plan=split_plan, seed=seed, n_jobs=n_jobs,
                        progress=progress, parameters=parameters, options=options)


def _averaged(rep: xr.DataArray) -> xr.DataArray:
    if "repetition" in rep.dims:
        return rep.mean("repetition", keep_attrs=True)
    return rep
