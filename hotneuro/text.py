"""Plain-text summaries of results, for terminals and logs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["format_matrix", "format_result"]


def format_matrix(values: np.ndarray, rows: Sequence[str], cols: Sequence[str],
                  fmt: str = "{:.2f}", zero: str = ".") -> str:
    """A labeled matrix as aligned text; exact zeros print as ``zero``."""
    width = max(len(fmt.format(1.0)), *(len(c) for c in cols))
    head = max(len(r) for r in rows)
    lines = [" " * head + " " + " ".join(c.rjust(width) for c in cols)]
    for r, row in zip(rows, values, strict=True):
        cells = (zero if v == 0 else fmt.format(v) for v in row)
        lines.append(r.ljust(head) + " " + " ".join(c.rjust(width) for c in cells))
    return "\n".join(lines)


def format_result(result, title: str | None = None, *, matrices: bool = True) -> str:
    """A HOT result as text: summary, coupling ``L * P``, inner distances, depth, scores."""
    out = [f"== {title}"] if title else []
    out.append(repr(result))
    n_source = result.coupling.sizes[result.source_dim]
    if matrices:
        out += [f"\n{result.source_dim} x {result.target_dim} coupling, L * P (each row: how "
                "that source group spreads its mass):",
                format_matrix(n_source * result.coupling.values, result.source_groups,
                              result.target_groups),
                f"\nInner soft-matching distances c_lm ({result.source_dim} x "
                f"{result.target_dim}):",
                format_matrix(result.matrix.values, result.source_groups,
                              result.target_groups, fmt="{:.3f}")]
    if n_source >= 3:
        out.append(f"\nHierarchy index (Spearman, source position vs barycentric depth): "
                   f"{result.hierarchy_index():.3f}")
    if result.scores is not None:
        table = result.score_table()
        k = result.scores.sizes["split"]
        out.append(f"\nHeld-out reconstruction score over {k} seeded 80/20 splits "
                   "(mean ± std), HOT and its controls:")
        for strategy in table["strategy"].values:
            row = table.sel(strategy=strategy)
            out.append(f"  {strategy:<14} {float(row.sel(statistic='mean')):.4f} ± "
                       f"{float(row.sel(statistic='std')):.4f}")
    return "\n".join(out) + "\n"
