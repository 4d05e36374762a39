"""Several comparisons run the same way, summarized in the paper's table.

>>> import hotneuro as hn
>>> from hotneuro.testing import random_network
>>> study = hn.study.run({"A vs B": (random_network(seed=1), random_network(seed=2))},
...                      splits=2, seed=0)
>>> study.table().dims
('pair', 'strategy', 'statistic')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import ParameterError
from .results import ComparisonResult

__all__ = ["STRATEGY_LABELS", "Study", "run"]

#: Column headers of the paper's table, per reconstruction strategy.
STRATEGY_LABELS: dict[str, str] = {
    "hot": "HOT",
    "perm_p": "Random Perm-P",
    "single_best": "Single-Best",
    "pairwise_best": "Pairwise-Best",
}


@dataclass
class Study:
    """Named comparison results of one study."""

    results: dict[str, ComparisonResult]

    def table(self) -> xr.DataArray:
        """Held-out scores of every pair and strategy.

        Returns
        -------
        xarray.DataArray
            Dims ``(pair, strategy, statistic)`` with statistic ``mean``, ``std`` and
            ``n_splits``; only pairs that were scored.
        """
        scored = {name: r.score_table() for name, r in self.results.items()
                  if r.scores is not None}
        if not scored:
            raise ParameterError("No comparison of this study has held-out scores; run it "
                                 "with splits=k.")
        return xr.concat(list(scored.values()),
                         dim=xr.DataArray(list(scored), dims="pair", name="pair"))

    def format_table(self) -> str:
        """The table as text, in the paper's layout: mean ± std over splits."""
        table = self.table()
        strategies = [s for s in STRATEGY_LABELS if s in table["strategy"].values]
        names = [str(p) for p in table["pair"].values]
        first = max(len("comparison"), *(len(n) for n in names))
        width = max(15, *(len(STRATEGY_LABELS[s]) for s in strategies))
        lines = ["comparison".ljust(first) + "".join(
            STRATEGY_LABELS[s].rjust(width + 2) for s in strategies)]
        for name in names:
            cells = []
            for s in strategies:
                row = table.sel(pair=name, strategy=s)
                cells.append(f"{float(row.sel(statistic='mean')):.3f} ± "
                             f"{float(row.sel(statistic='std')):.3f}".rjust(width + 2))
            lines.append(name.ljust(first) + "".join(cells))
        k = sorted({int(v) for v in table.sel(statistic="n_splits").values.ravel()})
        lines.append(f"(held-out reconstruction score, mean ± std over "
                     f"{'/'.join(map(str, k))} seeded 80/20 splits)")
        return "\n".join(lines)

    def save(self, folder: str | os.PathLike[str], *, figures: bool = True) -> list[Path]:
        """Write each result (netCDF), its coupling heatmap (PNG) and the table (text).

        Returns
        -------
        list of pathlib.Path
            Everything written.
        """
        from .plots import coupling_heatmap, save_figure

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, result in self.results.items():
            stem = _slug(name)
            result.to_netcdf(out / f"{stem}.nc")
            written.append(out / f"{stem}.nc")
            if figures and hasattr(result, "coupling"):
                save_figure(coupling_heatmap(result, title=f"{name}: HOT coupling"),
                            out / f"{stem}-coupling.png")
                written.append(out / f"{stem}-coupling.png")
        if any(r.scores is not None for r in self.results.values()):
            (out / "table.txt").write_text(self.format_table() + "\n")
            written.append(out / "table.txt")
        return written


def _slug(name: str) -> str:
    keep = [c.lower() if c.isalnum() else "-" for c in name]
    return "-".join(filter(None, "".join(keep).split("-")))


def run(
    pairs: Mapping[str, tuple[xr.DataArray, xr.DataArray]],
    *,
    method: str = "hot",
    progress: bool = False,
    **options: Any,
) -> Study:
    """Compare every named pair the same way.

    Parameters
    ----------
    pairs : mapping of name to (source, target)
        E.g. ``{"Lite0 vs Lite1": (lite0, lite1)}``.
    method : str
        Comparison method for every pair.
    progress : bool
        A progress bar over the pairs.
    **options
        Passed to :func:`hotneuro.compare` (``splits=``, ``seed=``, ``n_jobs=``, ...).

    Returns
    -------
    Study
    """
    from .comparison import compare

    items = list(pairs.items())
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="comparisons", unit="pair")
    return Study({name: compare(a, b, method=method, **options) for name, (a, b) in items})
