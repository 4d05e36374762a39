"""Figures of comparison results (matplotlib, imported on first use, no pyplot state).

Every figure labels both axes with the group names and the dims they come from
(``source_layer``, ``target_region``, ...), so a heatmap's axes are never a guess. The
functions build :class:`matplotlib.figure.Figure` objects directly (no global pyplot
state, safe on the Agg backend and in threads) and return them; :func:`save_figure`
writes PNG, SVG or PDF.

Intervals: when a result carries confidence intervals (``result.ci``, an
:class:`xarray.Dataset` with a ``bound`` dim of ``"lower"`` and ``"upper"``), the plots
draw them: ``ci["coupling"]`` (in the units of ``result.coupling``, i.e. ``P``) in
:func:`coupling_heatmap` and :func:`depth_profiles`, ``ci["barycentric_depth"]``
(normalized, 0 = first target group, 1 = last) in :func:`depth_profiles` and
``ci["score"]`` in :func:`method_comparison`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import ComparisonResult

__all__ = ["FORMATS", "coupling_heatmap", "depth_profiles", "method_comparison",
           "save_figure"]

#: File formats :func:`save_figure` writes, by suffix.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

Intervals = Literal["auto", "ci", "splits", "none"]


def _pretty(dim: str, system: str, wrap: int = 0) -> str:
    """``"<system> <level>s (<side>)"``, on two lines when longer than ``wrap`` > 0."""
    side, _, level = dim.partition("_")
    if not system:
        return f"{side} {level}s"
    sep = "\n" if wrap and len(system) + len(level) + len(side) + 5 > wrap else " "
    return f"{system}{sep}{level}s ({side})"


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _interval(result: Any, name: str) -> tuple[xr.DataArray, xr.DataArray, str] | None:
    """``(lower, upper, label)`` of ``result.ci[name]``, or None when there is none."""
    ci = getattr(result, "ci", None)
    if ci is None or name not in getattr(ci, "data_vars", {}):
        return None
    da = ci[name]
    if "bound" not in da.dims:
        raise ParameterError(
            f"result.ci[{name!r}] has dims {da.dims}; intervals need a 'bound' dim with "
            "'lower' and 'upper'."
        )
    level = next((src[key] for src in (da.attrs, ci.attrs)
                  for key in ("ci_level", "level") if key in src), None)
    label = f"{100 * float(level):g}% CI" if level is not None else "CI"
    return da.sel(bound="lower", drop=True), da.sel(bound="upper", drop=True), label


def _coupling_of(result: Any, what: str) -> Any:
    if getattr(result, "dataset", None) is None or "coupling" not in result.dataset:
        raise ParameterError(
            f"{what} needs a result with a group coupling (HOT and its controls, e.g. "
            f"hn.compare(a, b)); got {type(result).__name__}"
            + (f" of method {result.method!r}." if hasattr(result, "method") else ".")
        )
    return result.coupling


def _group_ticks(ax: Axes, axis: str, labels: list[str], fontsize: float) -> None:
    if axis == "y":
        ax.set_yticks(range(len(labels)), labels, fontsize=fontsize)
        return
    crowded = len(labels) * max(len(c) for c in labels) > 40
    ax.set_xticks(range(len(labels)), labels, rotation=60 if crowded else 0,
                  ha="right" if crowded else "center", rotation_mode="anchor",
                  fontsize=fontsize)


def coupling_heatmap(
    result: ComparisonResult,
    *,
    variable: str = "coupling",
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
    marginals: bool | None = None,
    intervals: bool | None = None,
) -> Figure:
    """Heatmap of a result's group-by-group values.

    Parameters
    ----------
    result : ComparisonResult
        E.g. a :class:`~hotneuro.results.HOTResult`.
    variable : {"coupling", "matrix"}
        ``"coupling"`` plots ``L * P`` (each row sums to 1: how a source group spreads its
        mass); ``"matrix"`` the per-pair values of the method (inner distances for HOT).
    ax : matplotlib Axes, optional
        Draw into it; by default a new figure sized to the matrix.
    title : str, optional
        Default: the method, systems and distance.
    annotate : bool, optional
        Write each value in its cell (default: when the matrix has at most 12 x 12 cells).
        With intervals, each cell reads ``value [lower, upper]``.
    cmap : str
        A matplotlib colormap name.
    marginals : bool, optional
        Bars of the plotted matrix's row sums (right) and column sums (top), each written
        out. Default: for ``"coupling"`` (a HOT coupling's rows sum to 1 and its columns
        to ``L / M``; a control's columns show which target groups it uses).
    intervals : bool, optional
        Use ``result.ci[variable]`` (default: when present): annotated cells show the
        interval and, for the coupling, cells whose interval lies above 0 are outlined.
        ``True`` without a ``result.ci`` holding ``variable`` is an error.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if variable not in ("coupling", "matrix"):
        raise ParameterError(f"variable must be 'coupling' or 'matrix', got {variable!r}.")
    if variable == "coupling":
        _coupling_of(result, "coupling_heatmap(variable='coupling')")
    data = result.dataset[variable]
    values = np.asarray(data.values, dtype=float)
    n_rows, n_cols = values.shape
    scale = float(n_rows) if variable == "coupling" else 1.0
    values = values * scale
    if variable == "coupling":
        label = f"L x P (row sums to 1), L = {n_rows}"
    else:
        label = str(data.attrs.get("long_name", variable))
    found = _interval(result, variable)
    if intervals and found is None:
        raise ParameterError(
            f"intervals=True needs result.ci[{variable!r}] (confidence intervals of the "
            "result); this result has none."
        )
    use_ci = found is not None and intervals is not False
    if marginals is None:
        marginals = variable == "coupling"
    if ax is None:
        width = min(2.6 + 0.5 * n_cols + (1.0 if marginals else 0.0), 18)
        height = min(1.9 + 0.42 * n_rows + (0.8 if marginals else 0.0)
                     + (0.3 if use_ci else 0.0), 14)
        fig, ax = _new_figure(width, height)
    else:
        fig = ax.figure  # type: ignore[assignment]
    image = ax.imshow(values, cmap=cmap, aspect="auto", interpolation="nearest",
                      vmin=0.0, vmax=max(float(values.max()), 1e-12))
    rows, cols = result.source_groups, result.target_groups
    _group_ticks(ax, "y", rows, 9)
    _group_ticks(ax, "x", cols, 9)
    a = result.attrs
    ax.set_ylabel(_pretty(result.source_dim, str(a.get("source_system", "")),
                          wrap=10 + 6 * n_rows), fontsize=10)
    ax.set_xlabel(_pretty(result.target_dim, str(a.get("target_system", ""))), fontsize=10)
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 12
    lower = upper = None
    if use_ci:
        assert found is not None
        dims = (result.source_dim, result.target_dim)
        lower = np.asarray(found[0].transpose(*dims).values, dtype=float) * scale
        upper = np.asarray(found[1].transpose(*dims).values, dtype=float) * scale
        if variable == "coupling":  # a distance's interval excluding 0 says nothing
            _outline_cells(ax, lower > 0)
    if annotate:
        top = float(values.max()) or 1.0
        for i in range(n_rows):
            for j in range(n_cols):
                v = values[i, j]
                if v == 0 and variable == "coupling" and (upper is None or upper[i, j] == 0):
                    continue
                text = f"{v:.2f}"
                if lower is not None and upper is not None:
                    text += f"\n[{lower[i, j]:.2f}, {upper[i, j]:.2f}]"
                ax.text(j, i, text, ha="center", va="center", linespacing=1.1,
                        fontsize=7 if lower is None else 6,
                        color="black" if v > 0.6 * top else "white")
    if title is None:
        title = (f"{result.method}: {a.get('source_system', '')} vs "
                 f"{a.get('target_system', '')} (distance {result.distance:.3f})")
    if use_ci and variable == "coupling":
        assert found is not None
        title += f"\noutlined: {found[2]} excludes 0"
    if marginals:
        _marginal_bars(ax, values)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label=label, shrink=0.9)
    return fig


def _outline_cells(ax: Axes, mask: np.ndarray) -> None:
    from matplotlib.patches import Rectangle

    for i, j in zip(*np.nonzero(mask), strict=True):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#d62728",
                               linewidth=1.6, gid="ci-excludes-zero"))


def _marginal_bars(ax: Axes, values: np.ndarray) -> None:
    """Row sums as bars right of ``ax``, column sums above it, sharing its cell axes."""
    n_rows, n_cols = values.shape
    right = ax.inset_axes((1.02, 0.0, 0.1, 1.0), sharey=ax)
    right.barh(range(n_rows), values.sum(axis=1), height=0.7, color="0.55")
    top = ax.inset_axes((0.0, 1.02, 1.0, 0.14), sharex=ax)
    top.bar(range(n_cols), values.sum(axis=0), width=0.7, color="0.55")
    for marg, sums, horizontal in ((right, values.sum(axis=1), True),
                                   (top, values.sum(axis=0), False)):
        marg.set_gid("marginal-rows" if horizontal else "marginal-columns")
        for side in ("top", "right"):
            marg.spines[side].set_visible(False)
        marg.tick_params(labelleft=False, labelbottom=False, left=False, bottom=False,
                         labelsize=7)
        peak = max(float(np.abs(sums).max()), 1e-12)
        if horizontal:
            marg.set_xlim(0, 1.9 * peak)
            marg.set_xticks([])
            marg.set_xlabel("row\nsum", fontsize=7, labelpad=2)
            if n_rows <= 20:
                for i, s in enumerate(sums):
                    if s != 0:
                        marg.text(s, i, f" {s:.2f}", va="center", ha="left", fontsize=6)
        else:
            marg.set_ylim(0, 1.6 * peak)
            marg.set_yticks([])
            marg.yaxis.set_label_position("right")
            marg.set_ylabel("column\nsum", fontsize=7, rotation=0, ha="left",
                            va="center", labelpad=4)
            if n_cols <= 20:
                for j, s in enumerate(sums):
                    if s != 0:
                        marg.text(j, s, f"{s:.2f}", ha="center", va="bottom", fontsize=6)


def _band_source(result: Any, intervals: Intervals) -> str:
    if intervals not in ("auto", "ci", "splits", "none"):
        raise ParameterError(
            f"intervals must be 'auto', 'ci', 'splits' or 'none', got {intervals!r}.")
    has_ci = _interval(result, "coupling") is not None
    has_splits = result.dataset.get("split_coupling") is not None
    if intervals == "ci" and not has_ci:
        raise ParameterError("intervals='ci' needs result.ci['coupling']; this result has "
                             "no confidence intervals.")
    if intervals == "splits" and not has_splits:
        raise ParameterError("intervals='splits' needs a result with held-out splits "
                             "(hn.compare(a, b, splits=5)).")
    if intervals == "auto":
        return "ci" if has_ci else "splits" if has_splits else "none"
    return intervals


def depth_profiles(
    result: ComparisonResult,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    intervals: Intervals = "auto",
    show_depth: bool | None = None,
    cmap: str = "viridis",
) -> Figure:
    """Where each source group's mass lies along the target's groups (e.g. region by layer).

    One line per source group ``l`` over the target groups ``m`` in their order (depth):
    ``L * P[l, m]``, the share of group ``l``'s mass that goes to target group ``m``
    (each line sums to 1).

    Parameters
    ----------
    result : HOTResult
        A result with a group coupling.
    ax : matplotlib Axes, optional
        Draw into it; by default a new figure.
    title : str, optional
        Default: the systems and the hierarchy index.
    intervals : {"auto", "ci", "splits", "none"}
        Bands around each line. ``"ci"``: ``result.ci["coupling"]`` (confidence
        intervals); ``"splits"``: the range (min to max) of the couplings refitted on each
        held-out split's fitting stimuli (``result.split_coupling``), a measure of
        stability, not a confidence interval; ``"auto"`` (default): ``"ci"`` when present,
        else ``"splits"`` when present, else none.
    show_depth : bool, optional
        Mark each source group's barycentric depth (the mean target position under its
        row) with a dashed vertical line, and give it in the legend, with its interval
        from ``result.ci["barycentric_depth"]`` when present. Default: at most 8 groups.
    cmap : str
        A sequential colormap: source groups are ordered, and so are their colors.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    coupling = _coupling_of(result, "depth_profiles")
    src, tgt = result.source_dim, result.target_dim
    P = np.asarray(coupling.transpose(src, tgt).values, dtype=float)
    L, M = P.shape
    profiles = L * P
    band = _band_source(result, intervals)
    lower = upper = None
    band_label = ""
    if band == "ci":
        found = _interval(result, "coupling")
        assert found is not None
        lower = L * np.asarray(found[0].transpose(src, tgt).values, dtype=float)
        upper = L * np.asarray(found[1].transpose(src, tgt).values, dtype=float)
        band_label = f"bands: {found[2]}"
    elif band == "splits":
        split = L * np.asarray(result.dataset["split_coupling"].transpose(
            "split", src, tgt).values, dtype=float)
        lower, upper = split.min(axis=0), split.max(axis=0)
        band_label = f"bands: range over {split.shape[0]} split refits"
    if show_depth is None:
        show_depth = L <= 8
    depth = np.asarray(result.barycentric_depth(normalize=True).values)  # type: ignore[attr-defined]
    depth_ci = _interval(result, "barycentric_depth") if show_depth else None
    if ax is None:
        fig, ax = _new_figure(min(3.8 + 0.38 * M, 14), 4.0)
    else:
        fig = ax.figure  # type: ignore[assignment]
    colors = matplotlib.colormaps[cmap](np.linspace(0.0, 0.85, L) if L > 1 else [0.35])
    x = np.arange(M)
    pos_scale = M - 1 if M > 1 else 1
    for l, group in enumerate(result.source_groups):
        label = str(group)
        if show_depth:
            label += f" (depth {depth[l]:.2f}"
            if depth_ci is not None:
                lo = float(depth_ci[0].values[l])
                hi = float(depth_ci[1].values[l])
                label += f" [{lo:.2f}, {hi:.2f}]"
            label += ")"
        ax.plot(x, profiles[l], marker="o", markersize=4, linewidth=1.8, color=colors[l],
                label=label)
        if lower is not None and upper is not None:
            ax.fill_between(x, lower[l], upper[l], color=colors[l], alpha=0.2, linewidth=0,
                            gid=f"band-{group}")
        if show_depth:
            ax.axvline(depth[l] * pos_scale, color=colors[l], linestyle="--", linewidth=1.0,
                       alpha=0.8)
            if depth_ci is not None:  # one thin strip per group along the top edge
                ax.axvspan(float(depth_ci[0].values[l]) * pos_scale,
                           float(depth_ci[1].values[l]) * pos_scale,
                           ymin=1.0 - 0.025 * (l + 1), ymax=1.0 - 0.025 * l,
                           color=colors[l], alpha=0.7, linewidth=0, gid=f"depth-ci-{group}")
    _group_ticks(ax, "x", result.target_groups, 9)
    ax.set_xlim(-0.4, M - 0.6)
    peak = max(float(profiles.max()), float(upper.max()) if upper is not None else 0.0)
    headroom = 1.06 + (0.03 * L if depth_ci is not None else 0.0)  # room for the strips
    ax.set_ylim(0.0, max(peak, 1e-12) * headroom)
    a = result.attrs
    level = str(a.get("source_level", "group"))
    ax.set_xlabel(_pretty(tgt, str(a.get("target_system", ""))) + ", in order", fontsize=10)
    ax.set_ylabel(f"share of the {level}'s mass\n(L x P, each line sums to 1)", fontsize=10)
    ax.tick_params(axis="y", labelsize=9)
    ax.grid(axis="y", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    legend_title = f"source {level}s"
    if show_depth:
        target_level = a.get("target_level", "group")
        legend_title += f"\n(barycentric depth: 0 = first,\n1 = last target {target_level})"
    ax.legend(title=legend_title, fontsize=8, title_fontsize=8, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title is None:
        title = f"{a.get('source_system', '')} vs {a.get('target_system', '')}"
        hi = result.hierarchy_index() if L >= 3 else float("nan")  # type: ignore[attr-defined]
        if np.isfinite(hi):
            title += f" (hierarchy index {hi:.2f})"
    if depth_ci is not None:
        band_label += ("; " if band_label else "") + f"top strips: {depth_ci[2]} of depth"
    if band_label:
        title += f"\n{band_label}"
    ax.set_title(title, fontsize=10)
    return fig


# -- method comparison ------------------------------------------------------------------
def _label(name: str) -> str:
    from .study import STRATEGY_LABELS

    return STRATEGY_LABELS.get(name, name.replace("_", " "))


def _score_rows(results_or_table: Any) -> tuple[list[dict[str, Any]], list[str], str]:
    """One row per bar (name, mean, whisker bounds, split values), the unscored names and
    what the whiskers are.

    Whiskers are confidence intervals only when every bar has one; otherwise all are the
    mean ± std over splits, so one figure never mixes two kinds of whisker.
    """
    import xarray as xr

    from .results import ComparisonResult

    entries: list[tuple[str, np.ndarray, tuple[float, float, str] | None]] = []
    unscored: list[str] = []
    if isinstance(results_or_table, xr.Dataset):
        table = results_or_table
        if "score" not in table.data_vars or "measure" not in table.dims:
            raise ParameterError(
                "A table for method_comparison is ComparisonSet.table(): a Dataset with dim "
                f"'measure' and variable 'score'; got variables {list(table.data_vars)}."
            )
        std = (table["score_std"].values if "score_std" in table
               else np.zeros(table.sizes["measure"]))
        rows = []
        for name, mean, s in zip(table["measure"].values, table["score"].values, std,
                                 strict=True):
            if not np.isfinite(mean):
                unscored.append(str(name))
                continue
            s = float(s) if np.isfinite(s) else 0.0
            rows.append({"name": str(name), "mean": float(mean), "lower": float(mean) - s,
                         "upper": float(mean) + s, "splits": None})
        _check_rows(rows, unscored)
        return rows, unscored, "mean ± std over splits"
    if isinstance(results_or_table, ComparisonResult):
        result = results_or_table
        if result.scores is None:
            raise ParameterError(
                "method_comparison needs held-out scores; this result has none. Run "
                "hn.compare(source, target, splits=5).")
        found = _interval(result, "score")
        per_strategy = found is not None and "strategy" in found[0].dims
        for strategy in result.scores["strategy"].values:
            split = np.asarray(result.scores.sel(strategy=strategy).values, dtype=float)
            ci = None
            if per_strategy:
                assert found is not None
                ci = (float(found[0].sel(strategy=strategy)),
                      float(found[1].sel(strategy=strategy)), found[2])
            entries.append((str(strategy), split, ci))
    elif isinstance(results_or_table, Mapping):
        for name, result in results_or_table.items():
            if not isinstance(result, ComparisonResult):
                raise ParameterError(
                    f"method_comparison takes results keyed by name; {name!r} is a "
                    f"{type(result).__name__}.")
            if result.scores is None:
                unscored.append(str(name))
                continue
            strategy = str(result.attrs.get("score_strategy", result.method))
            split = np.asarray(result.scores.sel(strategy=strategy).values, dtype=float)
            found = _interval(result, "score")
            ci = None
            if found is not None:
                lo, hi = found[0], found[1]
                if "strategy" in lo.dims:
                    lo, hi = lo.sel(strategy=strategy), hi.sel(strategy=strategy)
                ci = (float(lo), float(hi), found[2])
            entries.append((str(name), split, ci))
    else:
        raise ParameterError(
            "method_comparison takes a ComparisonSet (hn.compare(a, b, method=[...], "
            "splits=5)), a dict of results, one result (its strategies) or "
            f"ComparisonSet.table(); got {type(results_or_table).__name__}.")
    labels = {ci[2] for _, _, ci in entries if ci is not None}
    use_ci = bool(entries) and all(ci is not None for _, _, ci in entries) and len(labels) == 1
    rows = []
    for name, split, ci in entries:
        mean = float(split.mean())
        if use_ci:
            assert ci is not None
            lower, upper = ci[0], ci[1]
        else:
            s = float(split.std(ddof=1)) if split.size > 1 else 0.0
            lower, upper = mean - s, mean + s
        rows.append({"name": name, "mean": mean, "lower": lower, "upper": upper,
                     "splits": split})
    _check_rows(rows, unscored)
    k = sorted({r["splits"].size for r in rows})
    whisker = (labels.pop() if use_ci
               else f"mean ± std over {'/'.join(map(str, k))} splits")
    return rows, unscored, whisker


def _check_rows(rows: list[dict[str, Any]], unscored: list[str]) -> None:
    if not rows:
        raise ParameterError(
            "Nothing to plot: no method has held-out scores"
            + (f" ({', '.join(unscored)})" if unscored else "")
            + ". Run hn.compare(source, target, method=[...], splits=5).")


def _ceiling_values(ceiling: Any) -> tuple[float, tuple[float, float] | None, str]:
    """Global ceiling, the range of the group ceilings (or None) and their level."""
    import xarray as xr

    if isinstance(ceiling, xr.Dataset):
        if "global_ceiling" not in ceiling.data_vars:
            raise ParameterError(
                "ceiling must be a number or the Dataset of hotneuro.ceilings.noise_ceiling; "
                f"got a Dataset with {list(ceiling.data_vars)}.")
        groups = np.asarray(ceiling["group_ceiling"].values, dtype=float)
        groups = groups[np.isfinite(groups)]
        spread = (float(groups.min()), float(groups.max())) if groups.size > 1 else None
        return float(ceiling["global_ceiling"]), spread, str(ceiling.attrs.get("level",
                                                                               "group"))
    if isinstance(ceiling, bool) or not isinstance(ceiling, int | float | np.number) \
            or not np.isfinite(ceiling):
        raise ParameterError(
            f"ceiling must be a finite number or a noise_ceiling Dataset; got {ceiling!r}.")
    return float(ceiling), None, "group"


def method_comparison(
    results_or_table: Any,
    ceiling: Any = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    points: bool = True,
) -> Figure:
    """Held-out score of each method (or each strategy of one result), with intervals.

    Parameters
    ----------
    results_or_table : ComparisonSet, mapping of name to result, result or Dataset
        ``hn.compare(a, b, method=[...], splits=k)`` (one bar per method, its own score),
        one result (one bar per strategy: HOT and its controls), or
        ``ComparisonSet.table()``. Methods without held-out scores are named under the
        axis, not drawn.
    ceiling : float or xarray.Dataset, optional
        The source's noise ceiling: a number or :func:`hotneuro.ceilings.noise_ceiling`
        (a dashed line at its global ceiling and a band over its group ceilings). Each bar
        then also reads its share of the ceiling.
    ax : matplotlib Axes, optional
    title : str, optional
    points : bool
        Draw each split's score as a dot over its bar.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Whiskers are ``result.ci["score"]`` when the result carries confidence intervals,
    otherwise the mean ± std over splits (the spread of the split scores, which share
    stimuli and so understate the uncertainty of the mean).

    Raises
    ------
    ParameterError
        No method has held-out scores, or the input or ceiling is of the wrong kind.
    """
    rows, unscored, whisker = _score_rows(results_or_table)
    top_value = None
    spread = None
    level = "group"
    if ceiling is not None:
        top_value, spread, level = _ceiling_values(ceiling)
    n = len(rows)
    if ax is None:
        fig, ax = _new_figure(max(5.5, 3.6 + 1.1 * n), 4.4)  # room for the legend
    else:
        fig = ax.figure  # type: ignore[assignment]
    x = np.arange(n)
    means = np.array([r["mean"] for r in rows])
    lows = np.array([r["lower"] for r in rows])
    highs = np.array([r["upper"] for r in rows])
    ax.bar(x, means, width=0.62, color="#9ecae1", edgecolor="#3182bd", linewidth=1.0,
           zorder=2)
    # drawn from its own bounds: a bootstrap interval need not contain the split mean
    ax.errorbar(x, (lows + highs) / 2, yerr=(highs - lows) / 2, fmt="none",
                ecolor="black", elinewidth=1.3, capsize=5, zorder=4, label=whisker)
    if points:
        shown = False
        for i, r in enumerate(rows):
            if r["splits"] is None:
                continue
            k = r["splits"].size
            jitter = np.linspace(-0.15, 0.15, k) if k > 1 else np.zeros(1)
            ax.scatter(i + jitter, r["splits"], s=12, color="#08306b", alpha=0.7, zorder=3,
                       linewidths=0, label=None if shown else "split scores")
            shown = True
    peak = max(float(highs.max()), top_value or 0.0)
    if top_value is not None:
        label = f"noise ceiling {top_value:.3f}\n(% over each bar: score / ceiling)"
        if spread is not None:
            ax.axhspan(spread[0], spread[1], color="0.6", alpha=0.25, linewidth=0, zorder=1,
                       label=f"{level} ceilings {spread[0]:.3f}-{spread[1]:.3f}")
        ax.axhline(top_value, color="0.25", linestyle="--", linewidth=1.3, zorder=1,
                   label=label)
    for i, r in enumerate(rows):
        text = f"{r['mean']:.3f}"
        if top_value:
            text += f"\n({100 * r['mean'] / top_value:.0f}%)"
        ax.text(i, max(r["upper"], r["mean"]) + 0.02 * max(peak, 1e-12), text,
                ha="center", va="bottom", fontsize=8, zorder=5)
    names = [_label(r["name"]) for r in rows]
    ax.set_xticks(x, names, fontsize=9, rotation=20 if max(map(len, names)) > 12 else 0,
                  ha="right" if max(map(len, names)) > 12 else "center",
                  rotation_mode="anchor")
    ax.tick_params(axis="y", labelsize=9)
    bottom = min(0.0, float(lows.min()) * 1.15)
    ax.set_ylim(bottom, peak * 1.3 if peak > 0 else 1.0)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylabel("held-out reconstruction score\n(Pearson r, mean over units)", fontsize=10)
    xlabel = "strategy" if _is_result(results_or_table) else "method"
    if unscored:
        xlabel += f"\n(no held-out score: {', '.join(unscored)})"
    ax.set_xlabel(xlabel, fontsize=10)
    ax.grid(axis="y", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if title is None:
        title = _default_title(results_or_table)
    ax.set_title(title, fontsize=10)
    return fig


def _is_result(obj: Any) -> bool:
    from .results import ComparisonResult

    return isinstance(obj, ComparisonResult)


def _default_title(results_or_table: Any) -> str:
    from .results import ComparisonResult

    first = None
    if isinstance(results_or_table, ComparisonResult):
        first = results_or_table
    elif isinstance(results_or_table, Mapping) and results_or_table:
        first = next(iter(results_or_table.values()))
    if first is None:
        return "held-out score per method"
    a = first.attrs
    return (f"{a.get('source_system', '')}\nreconstructed from "
            f"{a.get('target_system', '')}")


def save_figure(fig: Figure, path: str | os.PathLike[str], **kwargs: Any) -> str:
    """Save a figure as PNG, SVG or PDF, by the path's suffix.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or path-like
        Ends in ``.png`` (200 dpi unless ``dpi=`` says otherwise), ``.svg`` or ``.pdf``
        (vector; fonts embedded, no creation date, so the same figure gives the same
        bytes).
    **kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig`.

    Returns
    -------
    str
        The path written.

    Raises
    ------
    ParameterError
        An unsupported suffix.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ParameterError(
            f"Cannot tell the format of {os.fspath(path)!r}: give a path ending in "
            f"{', '.join('.' + f for f in FORMATS)}.")
    import matplotlib

    kwargs.setdefault("format", suffix)
    if suffix == "png":
        kwargs.setdefault("dpi", 200)
    else:
        kwargs.setdefault("metadata", {"Date": None} if suffix == "svg"
                          else {"CreationDate": None})
    with matplotlib.rc_context({"svg.hashsalt": "hotneuro"}):
        fig.savefig(path, **kwargs)
    return os.fspath(path)
