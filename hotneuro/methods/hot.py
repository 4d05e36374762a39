"""Hierarchical Optimal Transport (HOT) on labeled representations.

Thin wrapper over :mod:`hotneuro.transport`: it standardizes each system once per fit,
drops constant units (and reports them), cuts the groups into blocks, runs the exact
two-level transport, scores held-out reconstruction with the paper's controls on the
same splits, and labels everything in a :class:`~hotneuro.results.HOTResult`.

References
----------
Shah & Khosla (2025), Hierarchical Optimal Transport for comparing neural
representations (Multi-Level OT in v2), arXiv:2510.01706.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from ..errors import ParameterError
from ..provenance import package_versions
from ..results import HOTResult
from ..splits import Split, SplitPlan
from ..transport import HOTFit, Standardizer, fit_hot, reconstruction_scores
from .spec import Method
from .systems import System, kept_positions

__all__ = ["METADATA", "STRATEGIES", "compare_hot", "methods"]

#: Reconstruction strategies scored on every split: HOT itself and the paper's controls.
STRATEGIES: tuple[str, ...] = ("hot", "pairwise_best", "single_best", "perm_p")
#: Group couplings a result can report: HOT's plan, or one of the deterministic controls.
COUPLING_RULES: tuple[str, ...] = ("hot", "pairwise_best", "single_best")

def _family_metadata(description: str, reference: str, symmetric: bool = False
                     ) -> dict[str, Any]:
    """Metadata shared by HOT and its variants: a distance on standardized units."""
    return {
        "description": description,
        "higher_is_similar": False,
        "symmetric": symmetric,
        "metric": False,
        "invariances": ["permutation", "isotropic scaling", "translation",
                        "per-unit affine scaling"],
        "needs_fit_split": False,
        "options": {},
        "reference": reference,
    }


_PAPER = "Shah & Khosla (2025), arXiv:2510.01706"

PAIRWISE_BEST_METADATA = _family_metadata(
    "Greedy layer matching, the usual practice: each source group is paired with its "
    "single closest target group by soft-matching distance (the pairwise_best control "
    "of HOT).", f"{_PAPER} (control); Khosla & Williams (2023) soft matching")

SINGLE_BEST_METADATA = _family_metadata(
    "Hard HOT: each source group keeps only the target group that carries most of its "
    "HOT mass (the single_best control of HOT).", f"{_PAPER} (control)")

HOT_R_METADATA = _family_metadata(
    "HOT+R: HOT whose inner problems also fit an orthogonal rotation of the target's "
    "units (alternating Procrustes and exact OT), for representations without "
    "privileged axes.", f"{_PAPER} (HOT+R)")

METADATA = _family_metadata(
    "Hierarchical Optimal Transport: a soft global group-to-group coupling over exact "
    "unit-level soft matchings (Shah & Khosla 2025).", _PAPER, symmetric=True)


@dataclass(frozen=True)
class _Fitted:
    """A HOT fit on some stimuli, with what is needed to score held-out stimuli."""

    fit: HOTFit
    standardizer_x: Standardizer
    standardizer_y: Standardizer
    kept_x: list[np.ndarray]
    kept_y: list[np.ndarray]


def _rows(system: System, rows: np.ndarray) -> np.ndarray:
    """The system's values on ``rows`` (no copy when ``rows`` is every stimulus in order)."""
    if rows.size == system.values.shape[0] and np.array_equal(rows, np.arange(rows.size)):
        return system.values
    return system.values[rows]


def _blocks(values: np.ndarray, standardizer: Standardizer, kept: list[np.ndarray]
            ) -> list[np.ndarray]:
    """Each group's kept units, standardized with the fitted statistics."""
    return [standardizer.transform(values, k) for k in kept]


def _fit(x: System, y: System, rows: np.ndarray, n_jobs: int | None, progress: bool,
         description: str, rotation: bool) -> _Fitted:
    xf, yf = _rows(x, rows), _rows(y, rows)
    sx, sy = Standardizer.fit(xf), Standardizer.fit(yf)
    kept_x = kept_positions(x, sx, "source")
    kept_y = kept_positions(y, sy, "target")
    fit = fit_hot(_blocks(xf, sx, kept_x), _blocks(yf, sy, kept_y),
                  n_jobs=n_jobs, progress=progress, description=description,
                  rotation=rotation)
    return _Fitted(fit, sx, sy, kept_x, kept_y)


def _one_hot(columns: np.ndarray, n_cols: int) -> np.ndarray:
    out = np.zeros((columns.size, n_cols))
    out[np.arange(columns.size), columns] = 1.0
    return out


def _rule_weights(fit: HOTFit, rule: str) -> np.ndarray:
    """Row-stochastic group weights of a deterministic coupling rule."""
    P = fit.coupling
    L, M = P.shape
    if rule == "hot":
        return L * P
    if rule == "pairwise_best":
        return _one_hot(np.argmin(fit.inner, axis=1), M)
    return _one_hot(np.argmax(P, axis=1), M)  # single_best


def _strategy_weights(fit: HOTFit, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Row-stochastic group weights of HOT and of each control."""
    L = fit.coupling.shape[0]
    weights = {rule: _rule_weights(fit, rule) for rule in COUPLING_RULES}
    weights["perm_p"] = L * fit.coupling[rng.permutation(L)]
    return weights


def _reported(fit: HOTFit, rule: str) -> tuple[np.ndarray, float]:
    """The group coupling (mass 1/L per source group) and distance a rule reports."""
    if rule == "hot":
        return fit.coupling, fit.distance
    coupling = _rule_weights(fit, rule) / fit.coupling.shape[0]
    return coupling, float(np.sum(coupling * fit.inner))


def _score_split(x: System, y: System, split: Split, n_jobs: int | None, progress: bool,
                 index: int, rotation: bool) -> tuple[_Fitted, dict[str, np.ndarray]]:
    fitted = _fit(x, y, split.fit, n_jobs, progress, f"split {index + 1}", rotation)
    ex = _blocks(_rows(x, split.eval), fitted.standardizer_x, fitted.kept_x)
    ey = _blocks(_rows(y, split.eval), fitted.standardizer_y, fitted.kept_y)
    rng = np.random.default_rng(split.seed.spawn(1)[0])
    weights = _strategy_weights(fitted.fit, rng)
    return fitted, {s: reconstruction_scores(ex, ey, fitted.fit.plans, weights[s],
                                             fitted.fit.rotations)
                    for s in STRATEGIES}


def compare_hot(
    source: xr.DataArray,
    target: xr.DataArray,
    *,
    split_plan: SplitPlan,
    seed: int | None,
    n_jobs: int | None = None,
    progress: bool = False,
    parameters: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    rule: str = "hot",
    rotation: bool = False,
) -> HOTResult:
    """Fit HOT between two aligned, validated 2-D representations.

    Use :func:`hotneuro.compare` (``method="hot"``, ``"pairwise_best"`` or
    ``"single_best"``); this is their implementation.

    Parameters
    ----------
    source, target : xarray.DataArray
        Validated representations on the same stimuli, in the same order.
    split_plan : SplitPlan
        Which stimuli the reported fit uses and the held-out splits to score.
    seed : int or None
        Recorded on the result; the splits already carry their seeds.
    n_jobs : int, optional
        Worker threads over group pairs.
    progress : bool
        Progress bars over group pairs.
    parameters : dict, optional
        The caller's parameters, recorded on the result.
    rule : {"hot", "pairwise_best", "single_best"}
        Which group coupling the result reports (``coupling``, ``distance``,
        ``split_coupling``, ``score``): HOT's plan ``P``; each source group's cheapest
        target group; or each source group's largest entry of ``P``. The inner plans,
        ``matrix`` and the scores of every strategy are the same for all three.
    rotation : bool
        HOT+R (``method="hot_r"``): every inner problem is solved up to an orthogonal
        rotation of the target group's units, alternating Procrustes and exact OT
        (:mod:`hotneuro.transport.rotation`); held-out reconstruction uses the rotations.

    Returns
    -------
    HOTResult
    """
    if rule not in COUPLING_RULES:
        raise ValueError(f"rule must be one of {COUPLING_RULES}, got {rule!r}")
    if options:
        raise ParameterError(
            f"Method {rule!r} takes no options; got {', '.join(sorted(options))}."
        )
    x = System.from_representation(source, "source")
    y = System.from_representation(target, "target")
    split_fits: list[_Fitted] = []
    split_scores: list[dict[str, np.ndarray]] = []
    for k, split in enumerate(split_plan.splits):
        fitted, scores = _score_split(x, y, split, n_jobs, progress, k, rotation)
        split_fits.append(fitted)
        split_scores.append(scores)
    if split_plan.protocol == "explicit":
        main = split_fits[0]
    else:
        main = _fit(x, y, split_plan.main_fit, n_jobs, progress, "HOT inner plans",
                    rotation)
    ds = _dataset(x, y, main, source["stimulus"].values, split_plan, split_fits,
                  split_scores, rule)
    dropped_x = x.unit_ids[main.standardizer_x.constant]
    dropped_y = y.unit_ids[main.standardizer_y.constant]
    ds.attrs.update(
        result_type=HOTResult.result_type,
        method="hot_r" if rotation and rule == "hot" else rule,
        score_strategy=rule,
        rotation=int(rotation),
        source_system=x.name,
        target_system=y.name,
        source_level=x.level,
        target_level=y.level,
        seed=-1 if seed is None else int(seed),
        split_protocol=split_plan.protocol,
        parameters=json.dumps(parameters or {}, default=str),
        versions=json.dumps(package_versions()),
        dropped_source_units=json.dumps(dropped_x.tolist()),
        dropped_target_units=json.dumps(dropped_y.tolist()),
        dropped_in_splits=json.dumps(_split_drops(x, y, main, split_fits)),
    )
    return HOTResult(ds)


def _split_drops(x: System, y: System, main: _Fitted, fits: list[_Fitted]
                 ) -> dict[str, list[Any]]:
    """Units constant on some split's fitting stimuli but not on the reported fit's."""
    sx = np.zeros(x.unit_ids.size, bool)
    sy = np.zeros(y.unit_ids.size, bool)
    for f in fits:
        sx |= f.standardizer_x.constant
        sy |= f.standardizer_y.constant
    sx &= ~main.standardizer_x.constant
    sy &= ~main.standardizer_y.constant
    return {"source": x.unit_ids[sx].tolist(), "target": y.unit_ids[sy].tolist()}


def _dataset(x: System, y: System, main: _Fitted, stimuli: np.ndarray,
             split_plan: SplitPlan, split_fits: list[_Fitted],
             split_scores: list[dict[str, np.ndarray]], rule: str) -> xr.Dataset:
    sdim, tdim = f"source_{x.level}", f"target_{y.level}"
    fit = main.fit
    coupling, distance = _reported(fit, rule)
    L, M = fit.coupling.shape
    rows, cols, weights, offset, count = [], [], [], np.zeros((L, M), np.int64), \
        np.zeros((L, M), np.int64)
    n = 0
    for i in range(L):
        for j in range(M):
            q = fit.plans[i][j]
            rows.append(q.rows)
            cols.append(q.cols)
            weights.append(q.weights)
            offset[i, j], count[i, j] = n, q.weights.size
            n += q.weights.size
    src_counts = np.array([k.size for k in main.kept_x])
    tgt_counts = np.array([k.size for k in main.kept_y])
    group_coords = {sdim: x.labels, tdim: y.labels}
    ds = xr.Dataset(
        {
            "coupling": ((sdim, tdim), coupling),
            "matrix": ((sdim, tdim), fit.inner),
            "distance": ((), distance),
            "similarity": ((), 1.0 - distance),
            "plan_row": ("plan_entry", np.concatenate(rows)),
            "plan_col": ("plan_entry", np.concatenate(cols)),
            "plan_weight": ("plan_entry", np.concatenate(weights)),
            "plan_offset": ((sdim, tdim), offset),
            "plan_count": ((sdim, tdim), count),
            "source_unit_count": (sdim, src_counts),
            "target_unit_count": (tdim, tgt_counts),
        },
        coords={
            **group_coords,
            "source_unit": x.unit_ids[np.concatenate(main.kept_x)],
            "target_unit": y.unit_ids[np.concatenate(main.kept_y)],
            "source_unit_group": ("source_unit", np.repeat(x.labels, src_counts)),
            "target_unit_group": ("target_unit", np.repeat(y.labels, tgt_counts)),
        },
    )
    ds["coupling"].attrs["long_name"] = (
        "outer transport plan P between groups" if rule == "hot"
        else f"{rule} group coupling (mass 1/L per source group)")
    ds["matrix"].attrs["long_name"] = "inner soft-matching distance c_lm"
    if split_fits:
        k = len(split_fits)
        split_index = np.arange(k)
        ds = ds.assign_coords(strategy=list(STRATEGIES), split=split_index, stimulus=stimuli)
        ds["group_scores"] = (
            ("strategy", "split", sdim),
            np.array([[s[name] for s in split_scores] for name in STRATEGIES]),
        )
        ds["scores"] = ds["group_scores"].mean(sdim)
        reported = [_reported(f.fit, rule) for f in split_fits]
        ds["split_coupling"] = (("split", sdim, tdim), np.stack([c for c, _ in reported]))
        ds["split_distance"] = ("split", np.array([d for _, d in reported]))
        mask = np.zeros((k, stimuli.size), bool)
        for i, split in enumerate(split_plan.splits):
            mask[i, split.eval] = True
        ds["eval_mask"] = (("split", "stimulus"), mask)
        ds["scores"].attrs["long_name"] = (
            "held-out reconstruction score: mean over source groups of the mean unit "
            "Pearson correlation")
    return ds


def methods() -> list[Method]:
    """HOT and its two deterministic controls, as registered methods."""
    out = [Method(name="hot", compare=compare_hot, description=METADATA["description"],
                  metadata=METADATA),
           Method(name="hot_r", compare=partial(compare_hot, rotation=True),
                  description=HOT_R_METADATA["description"], metadata=HOT_R_METADATA)]
    for rule, meta in (("pairwise_best", PAIRWISE_BEST_METADATA),
                       ("single_best", SINGLE_BEST_METADATA)):
        out.append(Method(name=rule, compare=partial(compare_hot, rule=rule),
                          description=meta["description"], metadata=meta))
    return out
