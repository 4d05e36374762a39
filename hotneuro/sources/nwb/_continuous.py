"""Stimuli binned from a continuous variable (head direction, position, speed, ...).

Each valid sample k of the variable (finite value and time) stands for the time cell
around it that is closer to it than to its neighbours, at most one median sampling
interval ``h`` to either side (``h / 2`` before the first and after the last sample), so
tracking gaps longer than ``2 h`` count as no time. An event or sample at time ``t`` takes
the variable's value from the sample whose cell holds ``t`` (nearest sample; no
interpolation, so angles that wrap around are never averaged). The occupancy of a bin is
the total time of the cells whose value falls in it, cut to the selected epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import SourceError
from ._epochs import apply_fraction, contains, measure_below
from ._io import NWBHandle
from ._options import Options
from ._timeseries import SeriesReader

__all__ = ["Binning", "bin_labels", "binning"]


@dataclass
class Binning:
    """The bins of a variable and the time spent in each (see the module docstring)."""

    variable: str
    edges: np.ndarray
    labels: np.ndarray
    occupancy: np.ndarray
    intervals: np.ndarray | None
    sample_times: np.ndarray
    cell_lo: np.ndarray
    cell_hi: np.ndarray
    sample_bin: np.ndarray

    @property
    def n_bins(self) -> int:
        return int(self.edges.size - 1)

    def assign(self, times: np.ndarray) -> np.ndarray:
        """The bin of each time (-1: outside every cell, epoch or bin)."""
        times = np.asarray(times, dtype=np.float64)
        mids = (self.sample_times[:-1] + self.sample_times[1:]) / 2
        k = np.searchsorted(mids, times, side="right")
        ok = (times >= self.cell_lo[k]) & (times < self.cell_hi[k]) \
            & contains(self.intervals, times)
        out = self.sample_bin[k].copy()
        out[~ok] = -1
        return out


def bin_labels(centers: np.ndarray) -> np.ndarray:
    """Bin centres as short strings (6 significant digits, more if two would collide)."""
    for digits in range(6, 18):
        labels = np.array([f"{c:.{digits}g}" for c in centers])
        if np.unique(labels).size == labels.size:
            return labels
    return np.array([repr(float(c)) for c in centers])  # pragma: no cover


def binning(nwb: NWBHandle, opts: Options, epochs: np.ndarray | None) -> Binning:
    """Bin the variable named by ``variable=`` and measure the occupancy of each bin."""
    from pynwb import TimeSeries

    path, series = nwb.find(str(opts.variable), TimeSeries, "TimeSeries", "variable")
    reader = SeriesReader(series, path)
    values = reader.column(opts.component)
    valid = np.isfinite(values)
    times, values = reader.times[valid], values[valid]
    if times.size < 2:
        raise SourceError(
            f"Variable {path!r} has {times.size} finite sample(s); at least 2 are needed to "
            "measure the time spent in each bin."
        )
    h = float(np.median(np.diff(times)))
    if not h > 0:
        raise SourceError(f"Variable {path!r}: its samples do not advance in time.")
    mids = (times[:-1] + times[1:]) / 2
    lo = np.concatenate([[times[0] - h / 2], np.maximum(mids, times[1:] - h)])
    hi = np.concatenate([np.minimum(mids, times[:-1] + h), [times[-1] + h / 2]])
    intervals = epochs
    if opts.epoch_fraction is not None:
        base = intervals if intervals is not None else np.array([[lo[0], hi[-1]]])
        intervals = apply_fraction(base, opts.epoch_fraction)
    if intervals is None:
        occ = hi - lo
    else:
        occ = measure_below(intervals, hi) - measure_below(intervals, lo) if intervals.size \
            else np.zeros_like(lo)
    if not (occ > 0).any():
        raise SourceError(
            f"Variable {path!r} has no sample inside the selected epoch(s) (samples from "
            f"{times[0]:.3f} to {times[-1]:.3f} s); check epoch= and epoch_fraction=."
        )
    edges = _edges(opts, values[occ > 0], path)
    n_bins = edges.size - 1
    sample_bin = np.searchsorted(edges, values, side="right") - 1
    sample_bin[values == edges[-1]] = n_bins - 1
    sample_bin[(values < edges[0]) | (values > edges[-1])] = -1
    used = sample_bin >= 0
    occupancy = np.bincount(sample_bin[used], weights=occ[used], minlength=n_bins)
    centers = (edges[:-1] + edges[1:]) / 2
    return Binning(variable=path, edges=edges, labels=bin_labels(centers), occupancy=occupancy,
                   intervals=intervals, sample_times=times, cell_lo=lo, cell_hi=hi,
                   sample_bin=sample_bin)


def _edges(opts: Options, values: np.ndarray, path: str) -> np.ndarray:
    if isinstance(opts.bins, np.ndarray):
        return opts.bins
    if opts.value_range is not None:
        lo, hi = opts.value_range
    else:
        lo, hi = float(values.min()), float(values.max())
        if not hi > lo:
            raise SourceError(
                f"Variable {path!r} takes the single value {lo!r} in the selected time, so "
                "it cannot be binned; give range=(low, high) or another variable or epoch."
            )
    return np.linspace(lo, hi, opts.bins + 1)
