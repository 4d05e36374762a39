"""Three-level HOT: sequences of systems > groups > units.

For two sequences of representations (training checkpoints, subjects, sessions), HOT is
fitted between every pair, and an outer exact OT over the pairwise HOT distances couples
the sequences themselves (Shah & Khosla 2025, three-level HOT):

    Pi = argmin <D, Pi>  over Pi >= 0 with row sums 1/K and column sums 1/J,
    distance = <D, Pi>,   D[k, j] = HOT distance(source_k, target_j).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from .errors import ParameterError
from .provenance import package_versions
from .results import HOTResult, MultilevelResult
from .transport import exact_plan

__all__ = ["compare_sequences"]


def _labeled(systems: Mapping[Any, xr.DataArray] | Sequence[xr.DataArray], side: str
             ) -> tuple[list[str], list[xr.DataArray]]:
    if isinstance(systems, Mapping):
        labels, reps = [str(k) for k in systems], list(systems.values())
    elif isinstance(systems, Sequence) and not isinstance(systems, (str, bytes)):
        reps = list(systems)
        labels = [str(k) for k in range(len(reps))]
    else:
        raise ParameterError(
            f"{side} must be a sequence or a mapping of representations, got "
            f"{type(systems).__name__}."
        )
    if not reps:
        raise ParameterError(f"{side} is empty; give at least one representation.")
    if len(set(labels)) != len(labels):
        raise ParameterError(f"{side} labels are not unique: {labels}.")
    return labels, reps


def compare_sequences(
    sources: Mapping[Any, xr.DataArray] | Sequence[xr.DataArray],
    targets: Mapping[Any, xr.DataArray] | Sequence[xr.DataArray],
    *,
    level: str = "checkpoint",
    method: str = "hot",
    progress: bool = False,
    **options: Any,
) -> MultilevelResult:
    """Couple two sequences of systems through their pairwise HOT distances.

    Parameters
    ----------
    sources, targets : sequence or mapping of representations
        E.g. ``{"epoch 0": rep0, "epoch 5": rep5, ...}``; a sequence is labeled 0, 1, ...
        in order.
    level : str
        Name of the sequence level, used for the dims (``source_<level>``).
    method : {"hot", "hot_r"}
        The two-level method fitted between every pair.
    progress : bool
        A progress bar over the pairs.
    **options
        Passed to :func:`hotneuro.compare` for every pair (``splits=``, ``seed=``, ...).

    Returns
    -------
    MultilevelResult
        ``coupling`` (the sequence coupling ``Pi``), ``matrix`` (pairwise distances),
        ``distance``; ``layer_coupling`` (all pairs' group couplings) when every source
        shares its group names and every target too; ``pair(k, j)`` gives the in-memory
        pairwise results (not saved to netCDF).

    Examples
    --------
    >>> import hotneuro as hn
    >>> from hotneuro.testing import random_network
    >>> nets = [random_network(seed=s) for s in (1, 2, 3)]
    >>> r = hn.compare_sequences(nets, nets)
    >>> r.coupling.dims, abs(r.distance) < 1e-12
    (('source_checkpoint', 'target_checkpoint'), True)
    """
    from .comparison import compare

    if method not in ("hot", "hot_r"):
        raise ParameterError(f"compare_sequences fits 'hot' or 'hot_r', not {method!r}.")
    if not level.isidentifier():
        raise ParameterError(f"level must be a plain name such as 'checkpoint', got {level!r}.")
    src_labels, src = _labeled(sources, "sources")
    tgt_labels, tgt = _labeled(targets, "targets")
    pairs = [(k, j) for k in range(len(src)) for j in range(len(tgt))]
    iterator: Any = pairs
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(pairs, desc="system pairs", unit="pair")
    results: dict[tuple[str, str], HOTResult] = {}
    for k, j in iterator:
        results[src_labels[k], tgt_labels[j]] = compare(src[k], tgt[j], method=method,
                                                        **options)
    D = np.array([[results[s, t].distance for t in tgt_labels] for s in src_labels])
    outer = exact_plan(D)
    sdim, tdim = f"source_{level}", f"target_{level}"
    ds = xr.Dataset(
        {
            "coupling": ((sdim, tdim), outer.to_dense()),
            "matrix": ((sdim, tdim), D),
            "distance": ((), outer.value),
            "similarity": ((), 1.0 - outer.value),
        },
        coords={sdim: src_labels, tdim: tgt_labels},
    )
    first = results[src_labels[0], tgt_labels[0]]
    same_groups = all(r.source_groups == first.source_groups
                      and r.target_groups == first.target_groups for r in results.values())
    if same_groups:
        stack = np.stack([np.stack([results[s, t].coupling.values for t in tgt_labels])
                          for s in src_labels])
        ds["layer_coupling"] = ((sdim, tdim, first.source_dim, first.target_dim), stack)
        ds = ds.assign_coords({first.source_dim: first.source_groups,
                               first.target_dim: first.target_groups})
    ds["coupling"].attrs["long_name"] = f"outer transport plan between {level}s"
    ds["matrix"].attrs["long_name"] = f"{method} distance of every {level} pair"
    ds.attrs.update(
        result_type=MultilevelResult.result_type,
        method=f"{method} (three-level)",
        source_level=level,
        target_level=level,
        source_system=first.attrs.get("source_system", ""),
        target_system=first.attrs.get("target_system", ""),
        pair_method=method,
        parameters=json.dumps({"method": method, "level": level, **options}, default=str),
        versions=json.dumps(package_versions()),
    )
    return MultilevelResult(ds, results)
