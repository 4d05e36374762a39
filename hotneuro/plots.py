"""Figures of comparison results (matplotlib, imported on first use, no pyplot state).

Every figure labels both axes with the group names and the dims they come from
(``source_layer``, ``target_region``, ...), so a heatmap's axes are never a guess.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import ComparisonResult

__all__ = ["coupling_heatmap", "save_figure"]


def _pretty(dim: str, system: str) -> str:
    side, _, level = dim.partition("_")
    return f"{system} {level}s ({side})" if system else f"{side} {level}s"


def coupling_heatmap(
    result: ComparisonResult,
    *,
    variable: str = "coupling",
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
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
    cmap : str
        A matplotlib colormap name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    data = result.dataset[variable]
    values = np.asarray(data.values, dtype=float)
    n_rows, n_cols = values.shape
    if variable == "coupling":
        values = values * n_rows
        label = f"L x P (row sums to 1), L = {n_rows}"
    else:
        label = str(data.attrs.get("long_name", variable))
    if ax is None:
        fig = Figure(figsize=(min(2.0 + 0.45 * n_cols, 16), min(1.6 + 0.4 * n_rows, 14)),
                     layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure  # type: ignore[assignment]
    image = ax.imshow(values, cmap=cmap, aspect="auto", interpolation="nearest",
                      vmin=0.0, vmax=max(float(values.max()), 1e-12))
    rows, cols = result.source_groups, result.target_groups
    ax.set_yticks(range(n_rows), rows)
    crowded = n_cols * max(len(c) for c in cols) > 40
    ax.set_xticks(range(n_cols), cols, rotation=60 if crowded else 0,
                  ha="right" if crowded else "center", rotation_mode="anchor")
    a = result.attrs
    ax.set_ylabel(_pretty(result.source_dim, str(a.get("source_system", ""))))
    ax.set_xlabel(_pretty(result.target_dim, str(a.get("target_system", ""))))
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 12
    if annotate:
        top = float(values.max()) or 1.0
        for i in range(n_rows):
            for j in range(n_cols):
                if values[i, j] != 0 or variable != "coupling":
                    ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center",
                            fontsize=7, color="black" if values[i, j] > 0.6 * top else "white")
    if title is None:
        title = (f"{result.method}: {a.get('source_system', '')} vs "
                 f"{a.get('target_system', '')} (distance {result.distance:.3f})")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, label=label, shrink=0.9)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], **kwargs: Any) -> str:
    """Save a figure (PNG at 200 dpi unless the suffix or ``dpi=`` says otherwise)."""
    kwargs.setdefault("dpi", 200)
    fig.savefig(path, **kwargs)
    return os.fspath(path)
