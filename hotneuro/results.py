"""Result objects: labeled, self-describing, saved to and opened from netCDF.

A result wraps an :class:`xarray.Dataset` (``result.dataset``) whose group dims are named
after the systems' levels, e.g. ``source_layer`` x ``target_region``. Provenance
(method, parameters, seed, package versions, dropped units) lives in its attrs.

Dataset layout of a HOT result
------------------------------
``coupling``, ``matrix`` (source group x target group), ``distance``, ``similarity``;
the kept units ``source_unit``/``target_unit`` (ordered by group) with their group in
``source_unit_group``/``target_unit_group``; every inner plan as sparse entries along
``plan_entry`` (``plan_row``, ``plan_col`` local to the block, ``plan_weight``), sorted by
group pair, located by ``plan_offset``/``plan_count`` (source group x target group).
With held-out evaluation: ``scores`` (strategy x split), ``group_scores``
(strategy x split x source group), ``split_coupling``, ``split_distance`` and
``eval_mask`` (split x stimulus, True where held out).

Resampling (any method; :mod:`hotneuro.inference`)
--------------------------------------------------
With ``permutations=N``: ``null_distance``, ``null_similarity``, ``null_score`` and
``null_matrix`` (dim ``permutation``; NaN where a resample failed, flagged in
``null_failed``) and the p-values ``pvalue_distance``, ``pvalue_similarity``,
``pvalue_score``, ``pvalue_matrix`` and ``pvalue_matrix_fwe``. With ``bootstrap=B``: the
samples ``boot_<q>`` (dim ``bootstrap``, failed ones NaN and flagged in ``boot_failed``)
and percentile intervals ``ci_<q>`` (dim ``bound`` = lower, upper) of ``distance``,
``similarity``, ``score``, ``matrix`` and, for HOT, ``coupling``, ``barycentric_depth``
and ``hierarchy_index``; ``boot_best_target`` (each resample's best target group of each
source group) and ``ci_best_target`` (the fraction of resamples choosing each target
group). Attrs ``permutations``, ``permutations_failed``, ``bootstrap``,
``bootstrap_failed``, ``ci_level`` and ``resampling_seed``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable
from typing import Any

import numpy as np
import xarray as xr
from scipy import sparse

from .errors import HotneuroError, ParameterError

__all__ = ["ComparisonResult", "ComparisonSet", "HOTResult", "MultilevelResult",
           "PairwiseResult", "open_result"]

_NETCDF_ENGINE = "h5netcdf"


class ComparisonResult:
    """Base of every comparison result: a labeled :class:`xarray.Dataset` and helpers.

    Parameters
    ----------
    dataset : xarray.Dataset
        Holds at least ``matrix``, ``distance`` and ``similarity`` and the attrs
        ``method``, ``source_level`` and ``target_level``.
    """

    result_type = "comparison"

    def __init__(self, dataset: xr.Dataset) -> None:
        self.dataset = dataset

    # -- labels ---------------------------------------------------------------------
    @property
    def attrs(self) -> dict[str, Any]:
        """Provenance: method, parameters, seed, versions, systems, dropped units."""
        return self.dataset.attrs

    @property
    def method(self) -> str:
        return str(self.attrs["method"])

    @property
    def source_dim(self) -> str:
        """Name of the source group dim, e.g. ``"source_layer"``."""
        return f"source_{self.attrs['source_level']}"

    @property
    def target_dim(self) -> str:
        """Name of the target group dim, e.g. ``"target_region"``."""
        return f"target_{self.attrs['target_level']}"

    @property
    def source_groups(self) -> list[str]:
        return [str(g) for g in self.dataset[self.source_dim].values]

    @property
    def target_groups(self) -> list[str]:
        return [str(g) for g in self.dataset[self.target_dim].values]

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters the comparison ran with."""
        return json.loads(self.attrs.get("parameters", "{}"))

    @property
    def versions(self) -> dict[str, str]:
        """Versions of hotneuro and its numeric dependencies that produced this result."""
        return json.loads(self.attrs.get("versions", "{}"))

    # -- values ---------------------------------------------------------------------
    @property
    def matrix(self) -> xr.DataArray:
        """Per group pair value of the method's measure (for HOT: inner distances c_lm)."""
        return self.dataset["matrix"]

    @property
    def distance(self) -> float:
        """The global distance (lower is closer)."""
        return float(self.dataset["distance"])

    @property
    def similarity(self) -> float:
        """``1 - distance``."""
        return float(self.dataset["similarity"])

    @property
    def dropped_units(self) -> dict[str, list[Any]]:
        """Ids of units dropped as constant on the fitting stimuli, per side."""
        return {
            "source": json.loads(self.attrs.get("dropped_source_units", "[]")),
            "target": json.loads(self.attrs.get("dropped_target_units", "[]")),
        }

    # -- held-out scores ------------------------------------------------------------
    @property
    def scores(self) -> xr.DataArray | None:
        """Global held-out scores, dims ``(strategy, split)``; None without evaluation."""
        return self.dataset["scores"] if "scores" in self.dataset else None

    @property
    def group_scores(self) -> xr.DataArray | None:
        """Held-out scores per source group, dims ``(strategy, split, source_<level>)``."""
        return self.dataset["group_scores"] if "group_scores" in self.dataset else None

    @property
    def score(self) -> float | None:
        """Mean held-out score of the method over splits; None without evaluation."""
        if self.scores is None:
            return None
        return float(self.scores.sel(strategy=self._score_strategy).mean("split"))

    @property
    def _score_strategy(self) -> str:
        """The row of ``scores`` that is this method's own score."""
        return str(self.attrs.get("score_strategy", self.method))

    @property
    def score_std(self) -> float | None:
        """Standard deviation (ddof=1) of the held-out score over splits (0 for one split)."""
        if self.scores is None:
            return None
        values = self.scores.sel(strategy=self._score_strategy).values
        return float(values.std(ddof=1)) if values.size > 1 else 0.0

    def score_table(self) -> xr.DataArray:
        """Mean and spread over splits of every strategy's global score.

        Returns
        -------
        xarray.DataArray
            Dims ``(strategy, statistic)`` with statistic ``mean``, ``std`` (ddof=1, 0 for
            one split) and ``n_splits``.

        Raises
        ------
        HotneuroError
            When the comparison had no held-out evaluation.
        """
        if self.scores is None:
            raise HotneuroError(
                "This result has no held-out scores; run compare(..., splits=5) or give "
                "fit_stimuli= and eval_stimuli=."
            )
        s = self.scores
        k = s.sizes["split"]
        std = s.std("split", ddof=1) if k > 1 else xr.zeros_like(s.isel(split=0, drop=True))
        table = xr.concat(
            [s.mean("split"), std, xr.full_like(std, k)],
            dim=xr.DataArray(["mean", "std", "n_splits"], dims="statistic", name="statistic"),
        )
        return table.transpose("strategy", "statistic").rename("score")

    # -- resampling -----------------------------------------------------------------
    def _prefixed(self, prefix: str) -> xr.Dataset | None:
        names = [n for n in self.dataset.data_vars if str(n).startswith(prefix)]
        if not names:
            return None
        out = self.dataset[names]
        out = out.rename({n: str(n)[len(prefix):] for n in names})
        out.attrs = {k: self.attrs[k] for k in _RESAMPLING_ATTRS if k in self.attrs}
        return out

    @property
    def pvalue(self) -> xr.Dataset | None:
        """Permutation-test p-values; None without ``permutations=``.

        Variables ``distance``, ``similarity``, ``score`` (with held-out evaluation),
        ``matrix`` (each group pair) and ``matrix_fwe`` (family-wise over all pairs, by
        the max statistic): ``(1 + k) / (N + 1)`` with ``k`` the null values at least
        as extreme as the observed one in the direction of similarity.
        """
        return self._prefixed("pvalue_")

    @property
    def null(self) -> xr.Dataset | None:
        """The permutation null samples (dim ``permutation``); None without them.

        Variables ``distance``, ``similarity``, ``score``, ``matrix`` (NaN where a
        resample failed) and ``failed``.
        """
        return self._prefixed("null_")

    @property
    def bootstrap(self) -> xr.Dataset | None:
        """Every bootstrap sample (dim ``bootstrap``); None without ``bootstrap=``.

        Variables ``distance``, ``similarity``, ``score``, ``matrix`` and, for HOT,
        ``coupling``, ``barycentric_depth``, ``hierarchy_index``; ``best_target`` (labels,
        ``""`` where failed) and ``failed``. Failed resamples are NaN.
        """
        return self._prefixed("boot_")

    @property
    def ci(self) -> xr.Dataset | None:
        """Bootstrap percentile intervals at ``attrs["ci_level"]``; None without them.

        Variables with dim ``bound`` (``lower``, ``upper``): ``distance``,
        ``similarity``, ``score``, ``matrix`` and, for HOT, ``coupling``,
        ``barycentric_depth``, ``hierarchy_index``; ``best_target`` (source x target
        group: the fraction of resamples in which each target group is the best match);
        and the samples of the scalar quantities as ``<name>_samples`` (dim
        ``bootstrap``).
        """
        out = self._prefixed("ci_")
        if out is None:
            return None
        for name in ("distance", "similarity", "score", "hierarchy_index"):
            if f"boot_{name}" in self.dataset:
                out[f"{name}_samples"] = self.dataset[f"boot_{name}"]
        return out

    # -- io -------------------------------------------------------------------------
    def to_netcdf(self, path: str | os.PathLike[str]) -> None:
        """Save everything (plans, scores, provenance) to a netCDF4 file."""
        self.dataset.to_netcdf(path, engine=_NETCDF_ENGINE)

    def __repr__(self) -> str:
        a = self.attrs
        lines = [
            f"<{type(self).__name__} method={self.method!r}>",
            f"  source: {a.get('source_system', '?')!s} "
            f"({self.dataset.sizes[self.source_dim]} {a['source_level']}s)",
            f"  target: {a.get('target_system', '?')!s} "
            f"({self.dataset.sizes[self.target_dim]} {a['target_level']}s)",
            f"  distance={self.distance:.6g}  similarity={self.similarity:.6g}",
        ]
        if self.scores is not None:
            lines.append(
                f"  score={self.score:.4f} ± {self.score_std:.4f} (std over "
                f"{self.scores.sizes['split']} split(s))"
            )
        lines.extend(self._resampling_lines())
        dropped = self.dropped_units
        n_dropped = len(dropped["source"]) + len(dropped["target"])
        if n_dropped:
            lines.append(f"  dropped constant units: {len(dropped['source'])} source, "
                         f"{len(dropped['target'])} target")
        return "\n".join(lines)


    def _resampling_lines(self) -> list[str]:
        lines = []
        ds, a = self.dataset, self.attrs
        if "pvalue_distance" in ds:
            parts = [f"p(distance)={float(ds['pvalue_distance']):.4g}"]
            if "pvalue_score" in ds:
                parts.append(f"p(score)={float(ds['pvalue_score']):.4g}")
            lines.append(f"  permutation test ({a.get('permutations')} permutations, "
                         f"{a.get('permutations_failed', 0)} failed): " + "  ".join(parts))
        if "ci_distance" in ds:
            parts = []
            for name in ("distance", "score", "hierarchy_index"):
                if f"ci_{name}" in ds:
                    lo, hi = ds[f"ci_{name}"].values
                    parts.append(f"{name.replace('_', ' ')} [{lo:.4g}, {hi:.4g}]")
            lines.append(f"  bootstrap {100 * float(a.get('ci_level', 0.95)):g}% CI "
                         f"({a.get('bootstrap')} resamples, {a.get('bootstrap_failed', 0)} "
                         "failed): " + "; ".join(parts))
        return lines


class HOTResult(ComparisonResult):
    """Result of Hierarchical Optimal Transport: outer coupling, inner plans, scores.

    Build one with :func:`hotneuro.compare`; open a saved one with
    :func:`hotneuro.open_result`.
    """

    result_type = "hot"

    @property
    def coupling(self) -> xr.DataArray:
        """The outer plan P (sums to 1; row sums 1/L, column sums 1/M)."""
        return self.dataset["coupling"]

    @property
    def split_coupling(self) -> xr.DataArray | None:
        """The outer plan refitted on each split's fitting stimuli, or None."""
        return self.dataset.get("split_coupling")

    # -- units and plans ------------------------------------------------------------
    def _group_slice(self, side: str, group: Hashable) -> slice:
        groups = self.source_groups if side == "source" else self.target_groups
        key = str(group)
        if key not in groups:
            raise ParameterError(
                f"{side} {self.attrs[f'{side}_level']} {group!r} is not in this result; "
                f"it has {groups}."
            )
        i = groups.index(key)
        counts = self.dataset[f"{side}_unit_count"].values
        start = int(counts[:i].sum())
        return slice(start, start + int(counts[i]))

    def source_units(self, group: Hashable | None = None) -> np.ndarray:
        """Ids of the kept source units (rows of :meth:`plan` / :meth:`unit_coupling`)."""
        ids = self.dataset["source_unit"].values
        return ids if group is None else ids[self._group_slice("source", group)]

    def target_units(self, group: Hashable | None = None) -> np.ndarray:
        """Ids of the kept target units (columns of :meth:`plan` / :meth:`unit_coupling`)."""
        ids = self.dataset["target_unit"].values
        return ids if group is None else ids[self._group_slice("target", group)]

    def _entries(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ds = self.dataset
        start = int(ds["plan_offset"].values[i, j])
        stop = start + int(ds["plan_count"].values[i, j])
        return (ds["plan_row"].values[start:stop], ds["plan_col"].values[start:stop],
                ds["plan_weight"].values[start:stop])

    def plan(self, source_group: Hashable, target_group: Hashable) -> sparse.csr_array:
        """The inner plan ``Q_lm`` between two groups, as a sparse matrix.

        Rows are :meth:`source_units` of ``source_group``, columns :meth:`target_units`
        of ``target_group``; row sums ``1/n_l``, column sums ``1/n'_m``.
        """
        rows = self._group_slice("source", source_group)
        cols = self._group_slice("target", target_group)
        i = self.source_groups.index(str(source_group))
        j = self.target_groups.index(str(target_group))
        r, c, w = self._entries(i, j)
        shape = (rows.stop - rows.start, cols.stop - cols.start)
        return sparse.csr_array((w, (r, c)), shape=shape)

    def unit_coupling(self) -> sparse.csr_array:
        """The whole unit-to-unit coupling: block (l, m) is ``P_lm * Q_lm``; sums to 1.

        Rows are :meth:`source_units`, columns :meth:`target_units`.
        """
        ds = self.dataset
        P = self.coupling.values
        src_start = np.concatenate([[0], np.cumsum(ds["source_unit_count"].values)])
        tgt_start = np.concatenate([[0], np.cumsum(ds["target_unit_count"].values)])
        rows, cols, vals = [], [], []
        for i, j in zip(*np.nonzero(P), strict=True):
            r, c, w = self._entries(int(i), int(j))
            rows.append(r + src_start[i])
            cols.append(c + tgt_start[j])
            vals.append(w * P[i, j])
        shape = (int(src_start[-1]), int(tgt_start[-1]))
        if not rows:
            return sparse.csr_array(shape)
        return sparse.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape
        )

    @property
    def best_target(self) -> xr.DataArray:
        """The target group that receives most of each source group's mass (argmax of P)."""
        idx = self.coupling.values.argmax(axis=1)
        return xr.DataArray(np.asarray(self.target_groups)[idx], dims=self.source_dim,
                            coords={self.source_dim: self.coupling[self.source_dim]},
                            name="best_target")

    # -- region-by-layer helpers ----------------------------------------------------
    def _row_distribution(self) -> xr.DataArray:
        return self.coupling * self.coupling.sizes[self.source_dim]

    def barycentric_depth(self, normalize: bool = True) -> xr.DataArray:
        """Coupling-weighted mean target position of each source group.

        ``depth_l = sum_m L P_lm pos_m`` with ``pos_m = m / (M - 1)`` (``normalize=True``,
        0 = first target group, 1 = last) or ``pos_m = m``.
        """
        M = self.coupling.sizes[self.target_dim]
        pos = np.arange(M, dtype=np.float64)
        if normalize:
            pos = pos / (M - 1) if M > 1 else np.zeros(M)
        weights = xr.DataArray(pos, dims=self.target_dim,
                               coords={self.target_dim: self.coupling[self.target_dim]})
        return (self._row_distribution() * weights).sum(self.target_dim).rename(
            "barycentric_depth")

    def row_entropy(self, normalize: bool = False) -> xr.DataArray:
        """Entropy (nats) of each source group's mass over target groups.

        0 when a group maps to one target group; ``log M`` when spread evenly. With
        ``normalize=True`` divided by ``log M`` (so in [0, 1]).
        """
        p = self._row_distribution().values
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        h = terms.sum(axis=1)
        M = p.shape[1]
        if normalize:
            h = h / np.log(M) if M > 1 else np.zeros_like(h)
        return xr.DataArray(h, dims=self.source_dim,
                            coords={self.source_dim: self.coupling[self.source_dim]},
                            name="row_entropy")

    def hierarchy_index(self) -> float:
        """Spearman correlation of source position with barycentric target depth.

        Near 1 when early source groups map to early target groups and late to late.
        NaN with fewer than 3 source groups or a constant depth.
        """
        from scipy.stats import spearmanr

        depth = self.barycentric_depth().values
        if depth.size < 3 or np.ptp(depth) == 0:
            return float("nan")
        return float(spearmanr(np.arange(depth.size), depth).statistic)

    def __repr__(self) -> str:
        base = super().__repr__()
        hi = self.hierarchy_index()
        nnz = int(np.count_nonzero(self.coupling.values))
        line = f"\n  coupling: {nnz} nonzero entries"
        return base + line + ("" if np.isnan(hi) else f"; hierarchy index={hi:.3f}")


class PairwiseResult(ComparisonResult):
    """Result of a group-pair measure (CKA, RSA, Procrustes, ...) over all group pairs.

    ``matrix`` holds the measure's own values (see ``higher_is_similar``);
    ``similarity_matrix`` the same as similarities; ``best_target``/``best_source`` the
    greedy best match of every group (the usual practice); ``distance`` and
    ``similarity`` the mean over source groups at their best match.
    """

    result_type = "pairwise"

    @property
    def higher_is_similar(self) -> bool:
        """Whether larger values of :attr:`matrix` mean more similar."""
        return bool(self.matrix.attrs.get("higher_is_similar", 1))

    @property
    def best_target(self) -> xr.DataArray:
        """The closest target group of each source group (by :attr:`matrix`)."""
        return self.dataset["best_target"]

    @property
    def best_source(self) -> xr.DataArray:
        """The closest source group of each target group (by :attr:`matrix`)."""
        return self.dataset["best_source"]

    def __repr__(self) -> str:
        pairs = ", ".join(f"{s}->{t}" for s, t in zip(
            self.source_groups, self.best_target.values, strict=True))
        if len(pairs) > 70:
            pairs = pairs[:67] + "..."
        return super().__repr__() + f"\n  best matches: {pairs}"


class MultilevelResult(ComparisonResult):
    """Three-level HOT: a coupling between two sequences of systems (checkpoints,
    subjects), over their pairwise HOT distances.

    Build one with :func:`hotneuro.compare_sequences`.
    """

    result_type = "multilevel"

    def __init__(self, dataset: xr.Dataset,
                 pairs: dict[tuple[str, str], ComparisonResult] | None = None) -> None:
        super().__init__(dataset)
        self._pairs = pairs or {}

    @property
    def coupling(self) -> xr.DataArray:
        """The outer plan between the two sequences (row sums 1/K, column sums 1/J)."""
        return self.dataset["coupling"]

    @property
    def layer_coupling(self) -> xr.DataArray | None:
        """Every pair's group coupling, dims (source seq, target seq, source group,
        target group); None when the systems of a side do not share group names."""
        return self.dataset.get("layer_coupling")

    def pair(self, source: Any, target: Any) -> ComparisonResult:
        """The pairwise result of two members (in memory only; not saved to netCDF)."""
        key = (str(source), str(target))
        if key not in self._pairs:
            raise ParameterError(
                f"No pairwise result for {key}; results opened from netCDF keep only the "
                "matrices, and the members are "
                f"{self.source_groups} x {self.target_groups}."
            )
        return self._pairs[key]


class ComparisonSet(dict):
    """Results of several methods on the same pair of systems, keyed by method name.

    Returned by ``hotneuro.compare(a, b, method=["hot", "cka", ...])``; it is a plain
    ``dict`` of results with a tidy summary table.
    """

    def table(self) -> xr.Dataset:
        """One row per method: global distance, similarity, held-out score, best matches.

        Returns
        -------
        xarray.Dataset
            Dim ``measure`` (the method names; not ``method``, which ``.sel`` reserves);
            variables ``distance``, ``similarity``, ``score`` and
            ``score_std`` (NaN without held-out evaluation), ``higher_is_similar``, and
            ``best_target`` (``measure`` x source group): each method's choice of target
            group for every source group (HOT: the largest entry of its coupling row).
            With ``permutations=``: ``pvalue_distance``, ``pvalue_similarity`` and
            ``pvalue_score``; with ``bootstrap=``: ``distance_ci_lower``,
            ``distance_ci_upper`` and the same for ``similarity`` and ``score`` (NaN
            where a method lacks them).
        """
        names = list(self)
        first = next(iter(self.values()))

        def nan_if_none(v: float | None) -> float:
            return float("nan") if v is None else float(v)

        best = np.stack([np.asarray(r.best_target.values) for r in self.values()])
        higher = [bool(getattr(r, "higher_is_similar", False)) for r in self.values()]
        extra: dict[str, Any] = {}
        for q in ("distance", "similarity", "score"):
            if any(f"pvalue_{q}" in r.dataset for r in self.values()):
                extra[f"pvalue_{q}"] = ("measure", [
                    float(r.dataset[f"pvalue_{q}"]) if f"pvalue_{q}" in r.dataset
                    else float("nan") for r in self.values()])
            if any(f"ci_{q}" in r.dataset for r in self.values()):
                for k, bound in enumerate(("lower", "upper")):
                    extra[f"{q}_ci_{bound}"] = ("measure", [
                        float(r.dataset[f"ci_{q}"].values[k]) if f"ci_{q}" in r.dataset
                        else float("nan") for r in self.values()])
        return xr.Dataset(
            {
                "distance": ("measure", [r.distance for r in self.values()]),
                "similarity": ("measure", [r.similarity for r in self.values()]),
                "score": ("measure", [nan_if_none(r.score) for r in self.values()]),
                "score_std": ("measure", [nan_if_none(r.score_std) for r in self.values()]),
                "higher_is_similar": ("measure", higher),
                "best_target": (("measure", first.source_dim), best),
                **extra,
            },
            coords={"measure": names, first.source_dim: first.source_groups},
        )

    def __repr__(self) -> str:
        return f"<ComparisonSet of {len(self)} methods: {', '.join(self)}>"


#: Attrs describing the resampling, copied onto ``pvalue``/``null``/``ci``/``bootstrap``.
_RESAMPLING_ATTRS: tuple[str, ...] = (
    "permutations", "permutations_failed", "bootstrap", "bootstrap_failed", "ci_level",
    "resampling_seed")

_RESULT_TYPES: dict[str, type[ComparisonResult]] = {
    cls.result_type: cls
    for cls in (ComparisonResult, HOTResult, PairwiseResult, MultilevelResult)
}


def open_result(path: str | os.PathLike[str]) -> ComparisonResult:
    """Open a result saved with ``result.to_netcdf(path)``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ComparisonResult
        Of the same class that was saved (e.g. :class:`HOTResult`), fully in memory.
    """
    try:
        with xr.open_dataset(path, engine=_NETCDF_ENGINE) as ds:
            ds = ds.load()
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise HotneuroError(
            f"Could not read {os.fspath(path)!r} as a hotneuro result ({exc}); results are "
            "written by result.to_netcdf(path)."
        ) from exc
    kind = ds.attrs.get("result_type")
    if kind not in _RESULT_TYPES:
        raise HotneuroError(
            f"{os.fspath(path)!r} is a netCDF file but not a hotneuro result (attribute "
            "'result_type' missing or unknown)."
        )
    for name in list(ds.variables):
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    return _RESULT_TYPES[kind](ds)
