"""Spiking units: spike trains and regions from the units table, and firing rates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import SourceError
from ._continuous import Binning
from ._io import NWBHandle, listing
from ._options import Options
from ._presentations import Presentations
from ._regions import column_labels, electrode_regions, group_locations, region_columns
from ._tables import has_column, table_ids

__all__ = ["Units", "bin_counts", "read_units", "window_rates"]


@dataclass
class Units:
    """The units table as plain arrays: ids, regions, sorted spike trains."""

    ids: np.ndarray
    regions: list[str | None]
    trains: list[np.ndarray]
    span: tuple[float, float]
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)


def _ragged(table: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A ragged column as (flat values, end offsets), one slice per row."""
    from hdmf.common.table import VectorIndex

    column = table[name]
    if isinstance(column, VectorIndex):
        return np.asarray(column.target.data[:]), np.asarray(column.data[:], dtype=np.int64)
    flat = np.asarray(column.data[:])
    return flat, np.arange(1, flat.shape[0] + 1, dtype=np.int64)


def read_units(nwb: NWBHandle, opts: Options) -> Units:
    """Read the units table: spike times, ids and regions (see :func:`unit_regions`)."""
    units = nwb.file.units
    if units is None:
        raise SourceError(
            f"{nwb.path!r} has no units table, so there are no spike times to read. For "
            "imaging data use kind='ophys', for any other signal kind='timeseries' with "
            "series= (the TimeSeries path)."
        )
    ids = table_ids(units)
    if ids.size == 0:
        raise SourceError(f"The units table of {nwb.path!r} has no rows (no units).")
    if not has_column(units, "spike_times"):
        raise SourceError(
            f"The units table of {nwb.path!r} has no spike_times column (columns: "
            f"{listing(units.colnames)}); spike times are needed for firing rates."
        )
    flat, ends = _ragged(units, "spike_times")
    flat = np.asarray(flat, dtype=np.float64)
    if not np.isfinite(flat).all():
        raise SourceError(f"The units table of {nwb.path!r} has NaN or infinite spike times.")
    starts = np.concatenate([[0], ends[:-1]])
    trains = [np.sort(flat[a:b]) for a, b in zip(starts, ends, strict=True)]
    regions, attrs = unit_regions(nwb, units, opts)
    span = _recording_span(nwb, units, flat)
    coords = {"n_spikes": np.array([t.size for t in trains], dtype=np.int64)}
    silent = ids[coords["n_spikes"] == 0]
    if silent.size:
        attrs["silent_units"] = json.dumps(silent.tolist())
    return Units(ids=ids, regions=regions, trains=trains, span=span, coords=coords, attrs=attrs)


def unit_regions(nwb: NWBHandle, units: Any, opts: Options
                 ) -> tuple[list[str | None], dict[str, Any]]:
    """Each unit's region, the first found of: the units table's region column; the
    location of its electrode group; the one region shared by its electrodes (their region
    column, else their groups' locations). With an explicit ``region_column=`` only that
    column counts, in the units table, then in the electrodes table. None where nothing
    is found."""
    explicit = opts.region_column is not None
    names = region_columns(opts)
    column, labels = column_labels(units, names, "the units table")
    regions: list[str | None] = list(labels) if labels is not None else [None] * len(units.id)
    attrs: dict[str, Any] = {"region_column": column} if column else {}
    if not explicit and None in regions and has_column(units, "electrode_group"):
        groups = group_locations(units["electrode_group"].data[:])
        regions = [r if r is not None else g for r, g in zip(regions, groups, strict=True)]
    electrodes = _unit_electrodes(units)
    if explicit and column is None and (
            electrodes is None or not has_column(electrodes[0], opts.region_column)):
        raise SourceError(
            f"region_column={opts.region_column!r} is neither a column of the units table "
            f"(columns: {listing(units.colnames)}) nor of its electrodes table; name a column "
            "that holds each unit's region."
        )
    if None in regions and electrodes is not None:
        table, rows = electrodes
        found = electrode_regions(table, rows, names, fallback=not explicit)
        regions = [r if r is not None else e for r, e in zip(regions, found, strict=True)]
    return regions, attrs


def _unit_electrodes(units: Any) -> tuple[Any, list[np.ndarray]] | None:
    """The electrodes table and each unit's rows in it, or None without electrodes."""
    from hdmf.common.table import VectorIndex

    if not has_column(units, "electrodes"):
        return None
    flat, ends = _ragged(units, "electrodes")
    column = units["electrodes"]
    target = column.target if isinstance(column, VectorIndex) else column
    return target.table, np.split(np.asarray(flat, dtype=np.int64), ends[:-1])


def _recording_span(nwb: NWBHandle, units: Any, spikes: np.ndarray) -> tuple[float, float]:
    """The smallest interval holding every spike, every row of every TimeIntervals table
    and every observation interval of the units."""
    from pynwb.epoch import TimeIntervals

    lows, highs = [], []
    if spikes.size:
        lows.append(spikes.min())
        highs.append(spikes.max())
    for _, table in nwb.objects(TimeIntervals):
        if len(table.id):
            lows.append(np.nanmin(table.start_time.data[:]))
            highs.append(np.nanmax(table.stop_time.data[:]))
    if has_column(units, "obs_intervals"):
        flat, _ = _ragged(units, "obs_intervals")
        flat = np.asarray(flat, dtype=np.float64)
        if flat.size:
            lows.append(np.nanmin(flat))
            highs.append(np.nanmax(flat))
    lows = [v for v in lows if np.isfinite(v)]
    highs = [v for v in highs if np.isfinite(v)]
    if not lows or not highs:
        return (0.0, 0.0)
    return float(min(lows)), float(max(highs))


def window_rates(units: Units, pres: Presentations) -> np.ndarray:
    """Firing rate (spikes/s) of each unit in each presentation window: (P, U).

    A window is half-open, ``[start, stop)``.

    Raises
    ------
    SourceError
        A window reaches outside the recording (see :func:`_recording_span`).
    """
    lo, hi = units.span
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    outside = np.flatnonzero((pres.starts < lo - tol) | (pres.stops > hi + tol))
    if outside.size:
        i = outside[0]
        raise SourceError(
            f"{outside.size} response window(s) reach outside the recording, which spans "
            f"{lo:.6g} to {hi:.6g} s (its spikes and interval tables); the first is "
            f"{pres.starts[i]:.6g} to {pres.stops[i]:.6g} s (stimulus {pres.ids[i]!r}). Use "
            "a window=(start, stop) that stays inside the recording, or restrict the "
            "presentations with epoch=."
        )
    durations = pres.stops - pres.starts
    out = np.empty((pres.starts.size, len(units.trains)), dtype=np.float64)
    for u, train in enumerate(units.trains):
        counts = np.searchsorted(train, pres.stops, "left") \
            - np.searchsorted(train, pres.starts, "left")
        out[:, u] = counts / durations
    return out


def bin_counts(units: Units, binning: Binning) -> np.ndarray:
    """Spike count of each unit in each bin of the variable: (bins, U)."""
    out = np.zeros((binning.n_bins, len(units.trains)), dtype=np.float64)
    for u, train in enumerate(units.trains):
        b = binning.assign(train)
        out[:, u] = np.bincount(b[b >= 0], minlength=binning.n_bins)
    return out
