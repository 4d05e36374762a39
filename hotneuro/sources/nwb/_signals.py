"""Sampled signals as responses: ROI traces (ophys) and any TimeSeries.

Each column of the series (after flattening every non-time dim) is a unit. Its id and
region come from the table the series points to (the ROIs of a RoiResponseSeries, the
electrodes of an ElectricalSeries) or from a per-column table (``column_table=``, or the
one DynamicTable beside the series with one row per column); without one, the ids are
the column indices and the region is the series' name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import SourceError
from ._continuous import Binning
from ._io import NWBHandle, listing
from ._options import Options
from ._presentations import Presentations
from ._regions import column_labels, electrode_regions, region_columns
from ._tables import clean_label, scalar_column, table_ids
from ._timeseries import CHUNK_BYTES, SeriesReader

__all__ = ["Signal", "bin_means", "choose_series", "read_signal", "window_means"]

_RESERVED = frozenset({"stimulus", "unit", "region", "layer", "repetition", "id"})


@dataclass
class Signal:
    """A series opened for reading, with one id and region per column."""

    reader: SeriesReader
    ids: np.ndarray
    regions: list[str | None]
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)


def choose_series(nwb: NWBHandle, opts: Options, kind: str) -> tuple[str, Any]:
    """The series to read: ``series=``, else the only (DfOverF) RoiResponseSeries for
    ophys, else the only TimeSeries in ``acquisition`` for timeseries."""
    from pynwb import TimeSeries
    from pynwb.ophys import RoiResponseSeries

    if opts.series is not None:
        path, series = nwb.find(opts.series, TimeSeries, "TimeSeries", "series")
        if kind == "ophys" and not isinstance(series, RoiResponseSeries):
            raise SourceError(
                f"series={opts.series!r} is a {type(series).__name__}, not a "
                "RoiResponseSeries; use kind='timeseries' to read it as a plain signal."
            )
        return path, series
    if kind == "ophys":
        rois = nwb.objects(RoiResponseSeries)
        if len(rois) > 1:
            dff = [r for r in rois if type(r[1].parent).__name__ == "DfOverF"]
            rois = dff if len(dff) == 1 else rois
        if len(rois) == 1:
            return rois[0]
        raise SourceError(
            (f"{nwb.path!r} has several RoiResponseSeries; pass series= one of: "
             f"{listing(p for p, _ in rois)}.") if rois else
            (f"{nwb.path!r} has no RoiResponseSeries (no DfOverF or Fluorescence traces); "
             "kind='ophys' needs one.")
        )
    acquired = [(p, s) for p, s in nwb.objects(TimeSeries) if p.startswith("acquisition/")]
    if opts.variable is not None:
        acquired = [(p, s) for p, s in acquired
                    if not (p == opts.variable.strip("/")
                            or p.endswith("/" + opts.variable.strip("/")))]
    if len(acquired) == 1:
        return acquired[0]
    everything = nwb.objects(TimeSeries)
    raise SourceError(
        f"Which TimeSeries of {nwb.path!r} holds the responses? It has no units table and "
        f"no RoiResponseSeries; pass series= one of: "
        f"{listing(p for p, _ in everything) or 'none (the file has no TimeSeries)'}."
    )


def read_signal(nwb: NWBHandle, opts: Options, path: str, series: Any) -> Signal:
    """Open the series and label its columns (ids, regions, extra coords)."""
    reader = SeriesReader(series, path)
    n = reader.n_columns
    names = region_columns(opts)
    attrs: dict[str, Any] = {"series": path}
    rois = getattr(series, "rois", None)
    electrodes = getattr(series, "electrodes", None)
    if rois is not None or electrodes is not None:
        region = rois if rois is not None else electrodes
        rows = np.asarray(region.data[:], dtype=np.int64).reshape(-1)
        _check_count(rows.size, n, path, "rows of its table")
        table = region.table
        ids = table_ids(table)[rows]
        if rois is not None:
            _, labels = column_labels(table, names, f"table {table.name!r}")
            plane = getattr(table, "imaging_plane", None)
            location = getattr(plane, "location", None)
            regions = [labels[r] if labels is not None and labels[r] is not None
                       else clean_label(location) for r in rows.tolist()]
        else:
            regions = electrode_regions(table, [np.array([r]) for r in rows], names,
                                        fallback=opts.region_column is None)
        return Signal(reader, ids, regions, {}, attrs)
    table_path, table = _column_table(nwb, opts, path, n)
    if table is None:
        return Signal(reader, np.arange(n, dtype=np.int64), [opts.default_region or series.name]
                      * n, {}, attrs)
    attrs["column_table"] = table_path
    where = f"table {table_path!r}"
    column, labels = column_labels(table, names, where)
    if labels is None:
        labels = [opts.default_region or series.name] * n
    coords: dict[str, np.ndarray] = {}
    for name in table.colnames:
        if name == column or name in _RESERVED:
            continue
        try:
            values = scalar_column(table, name, where)
        except SourceError:
            continue
        if values.dtype.kind in "biufU":
            coords[name] = values
    return Signal(reader, table_ids(table), list(labels), coords, attrs)


def _check_count(rows: int, columns: int, path: str, what: str) -> None:
    if rows != columns:
        raise SourceError(
            f"TimeSeries {path!r} has {columns} columns but refers to {rows} {what}; the file "
            "is inconsistent."
        )


def _column_table(nwb: NWBHandle, opts: Options, path: str, n: int) -> tuple[str, Any]:
    from hdmf.common import DynamicTable

    if opts.column_table is False:
        return "", None
    if isinstance(opts.column_table, str):
        found_path, table = nwb.find(opts.column_table, DynamicTable, "table", "column_table")
        _check_count(len(table.id), n, path, f"rows of column_table {found_path!r}")
        return found_path, table
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    siblings = [(p, t) for p, t in nwb.objects(DynamicTable)
                if (p.rsplit("/", 1)[0] if "/" in p else "") == folder and len(t.id) == n
                and type(t).__name__ == "DynamicTable"]
    return siblings[0] if len(siblings) == 1 else ("", None)


def _check_inside(reader: SeriesReader, starts: np.ndarray, stops: np.ndarray,
                  ids: np.ndarray) -> None:
    lo, hi = float(reader.times[0]), reader.end
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    outside = np.flatnonzero((starts < lo - tol) | (stops > hi + tol))
    if outside.size:
        i = outside[0]
        raise SourceError(
            f"{outside.size} response window(s) reach outside the recording of "
            f"{reader.path!r}, which spans {lo:.6g} to {hi:.6g} s; the first is "
            f"{starts[i]:.6g} to {stops[i]:.6g} s (stimulus {ids[i]!r}). Use a "
            "window=(start, stop) that stays inside the recording, or restrict the "
            "presentations with epoch=."
        )


def window_means(signal: Signal, pres: Presentations) -> np.ndarray:
    """Mean of each column over the samples whose times fall in each window: (P, U).

    Raises
    ------
    SourceError
        A window reaches outside the recording, or holds no sample.
    """
    reader = signal.reader
    _check_inside(reader, pres.starts, pres.stops, pres.ids)
    lo = np.searchsorted(reader.times, pres.starts, "left")
    hi = np.searchsorted(reader.times, pres.stops, "left")
    empty = np.flatnonzero(hi <= lo)
    if empty.size:
        i = empty[0]
        raise SourceError(
            f"{empty.size} response window(s) hold no sample of {reader.path!r} (sampled "
            f"every {reader.interval:.6g} s); the first is {pres.starts[i]:.6g} to "
            f"{pres.stops[i]:.6g} s. Widen window= to at least one sampling interval."
        )
    out = np.empty((lo.size, reader.n_columns), dtype=np.float64)
    span = int(hi.max() - lo.min())
    if span * reader.n_columns * 8 <= 8 * CHUNK_BYTES:
        i0 = int(lo.min())
        block = reader.rows(i0, int(hi.max()))
        for p, (a, b) in enumerate(zip(lo - i0, hi - i0, strict=True)):
            out[p] = block[a:b].mean(axis=0)
    else:
        for p, (a, b) in enumerate(zip(lo, hi, strict=True)):
            out[p] = reader.rows(int(a), int(b)).mean(axis=0)
    return out


def bin_means(signal: Signal, binning: Binning) -> tuple[np.ndarray, np.ndarray]:
    """Sum of each column over the samples in each bin of the variable, and the number of
    samples per bin: ``(sums (bins, U), counts (bins,))``."""
    reader = signal.reader
    bins = binning.assign(reader.times)
    used = np.flatnonzero(bins >= 0)
    sums = np.zeros((binning.n_bins, reader.n_columns), dtype=np.float64)
    counts = np.zeros(binning.n_bins, dtype=np.int64)
    if used.size == 0:
        return sums, counts
    for a, block in reader.chunks(int(used[0]), int(used[-1]) + 1):
        b = bins[a:a + block.shape[0]]
        keep = b >= 0
        np.add.at(sums, b[keep], block[keep])
        counts += np.bincount(b[keep], minlength=binning.n_bins)
    return sums, counts
