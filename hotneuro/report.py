"""A self-contained HTML report of comparison results (tables and embedded figures)."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .results import ComparisonResult

__all__ = ["html_report", "write_report"]

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em;
       max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.label { text-align: left; font-family: monospace; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; }
img { max-width: 100%; }
"""


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="label">{html.escape(c)}</td>' if i == 0
                         else f"<td>{html.escape(c)}</td>" for i, c in enumerate(row))
        + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(name: str, result: ComparisonResult) -> str:
    from .plots import coupling_heatmap

    parts = [f"<h2>{html.escape(name)}</h2>", f"<pre>{html.escape(repr(result))}</pre>"]
    summary = [["distance", f"{result.distance:.4f}"],
               ["similarity", f"{result.similarity:.4f}"]]
    if result.score is not None:
        summary.append(["held-out score", f"{result.score:.4f} ± {result.score_std:.4f}"])
    parts.append(_table(summary, ["quantity", "value"]))
    if result.scores is not None:
        table = result.score_table()
        rows = [[str(s), f"{float(table.sel(strategy=s, statistic='mean')):.4f}",
                 f"{float(table.sel(strategy=s, statistic='std')):.4f}",
                 f"{int(table.sel(strategy=s, statistic='n_splits'))}"]
                for s in table["strategy"].values]
        parts.append("<p>Held-out reconstruction score per strategy (over splits):</p>")
        parts.append(_table(rows, ["strategy", "mean", "std", "splits"]))
    if "coupling" in result.dataset:
        fig = coupling_heatmap(result)
        parts.append(f'<img alt="coupling of {html.escape(name)}" '
                     f'src="data:image/png;base64,{_figure_png(fig)}">')
    fig = coupling_heatmap(result, variable="matrix")
    parts.append(f'<img alt="matrix of {html.escape(name)}" '
                 f'src="data:image/png;base64,{_figure_png(fig)}">')
    if "coupling" in result.dataset and len(result.source_groups) >= 3:
        hi = result.hierarchy_index()
        if not np.isnan(hi):
            parts.append(f"<p>Hierarchy index (Spearman): {hi:.3f}</p>")
    return "\n".join(parts)


def html_report(results: dict[str, ComparisonResult], title: str = "hotneuro report") -> str:
    """The HTML text of a report on named results; figures are embedded as PNG."""
    from . import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(_section(name, result) for name, result in results.items())
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{len(results)} result(s); hotneuro "
            f"{__version__}; {stamp}.</p>{body}</body></html>")


def write_report(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str],
                 title: str = "hotneuro report") -> Path:
    """Open result files and write one self-contained HTML report to ``out``."""
    from .results import open_result

    results = {Path(p).name: open_result(p) for p in paths}
    out = Path(out)
    out.write_text(html_report(results, title), encoding="utf-8")
    return out
