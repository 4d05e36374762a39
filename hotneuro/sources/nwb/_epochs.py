"""Epochs: named or explicit time intervals that restrict what is read.

Intervals are float arrays of shape (m, 2), sorted, non-overlapping, half-open [a, b).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import SourceError
from ._io import NWBHandle, listing
from ._options import Options
from ._tables import has_column, ragged_column, scalar_column

__all__ = ["apply_fraction", "contains", "epoch_intervals", "measure_below", "merge"]


def merge(pieces: list[tuple[float, float]] | np.ndarray) -> np.ndarray:
    """Sort intervals and merge the overlapping or touching ones."""
    arr = np.asarray(pieces, dtype=np.float64).reshape(-1, 2)
    arr = arr[arr[:, 1] > arr[:, 0]]
    if arr.size == 0:
        return arr
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    out = [list(arr[0])]
    for a, b in arr[1:]:
        if a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return np.asarray(out, dtype=np.float64)


def epoch_intervals(nwb: NWBHandle, opts: Options) -> np.ndarray | None:
    """The intervals selected by ``epoch=`` (merged), or None when it is not given."""
    if opts.epoch is None:
        return None
    pieces: list[tuple[float, float]] = []
    for item in opts.epoch:
        if isinstance(item, str):
            pieces.extend(_named(nwb, item, opts.epoch_table))
        else:
            pieces.append(item)
    merged = merge(pieces)
    if merged.size == 0:
        raise SourceError(f"epoch={opts.epoch!r} selects no time (every interval is empty).")
    return merged


def _named(nwb: NWBHandle, name: str, table_name: str) -> list[tuple[float, float]]:
    from pynwb.epoch import TimeIntervals

    tables = nwb.objects(TimeIntervals)
    labels: list[str] = []
    chosen = [t for p, t in tables if p == table_name.strip("/") or t.name == table_name]
    for table in chosen[:1]:
        starts = np.asarray(table.start_time.data[:], dtype=np.float64)
        stops = np.asarray(table.stop_time.data[:], dtype=np.float64)
        hit = np.zeros(starts.size, dtype=bool)
        for column in table.colnames:
            if column in ("start_time", "stop_time"):
                continue
            rows = _string_rows(table, column)
            if rows is None:
                continue
            for i, row in enumerate(rows):
                labels.extend(row)
                hit[i] |= name in row
        if hit.any():
            return list(zip(starts[hit], stops[hit], strict=True))
    same = [t for _, t in tables if t.name == name and len(t) > 0]
    if len(same) == 1:
        table = same[0]
        return list(zip(np.asarray(table.start_time.data[:], dtype=np.float64),
                        np.asarray(table.stop_time.data[:], dtype=np.float64), strict=True))
    where = (f"no row of table {table_name!r} has it as a tag or label (found: "
             f"{listing(dict.fromkeys(labels)) or 'none'})" if chosen
             else f"the file has no {table_name!r} table")
    raise SourceError(
        f"No epoch {name!r}: {where}, and no interval table is named {name!r} (tables: "
        f"{listing(p for p, _ in tables) or 'none'}). Pass epoch=(start, stop) in seconds, "
        "or epoch_table= naming the table that lists the epochs."
    )


def _string_rows(table: Any, column: str) -> list[list[str]] | None:
    """Per row, the strings of a tag-like column (ragged or scalar), or None."""
    from hdmf.common.table import DynamicTableRegion, VectorIndex

    col = table[column]
    if isinstance(col, DynamicTableRegion):
        return None
    try:
        if isinstance(col, VectorIndex):
            rows = ragged_column(table, column)
            return [[str(v) for v in row if isinstance(v, str)] for row in rows]
        if not has_column(table, column):
            return None
        values = scalar_column(table, column, f"table {table.name!r}")
    except SourceError:
        return None
    if values.dtype.kind not in "UO":
        return None
    return [[v] if isinstance(v, str) else [] for v in values.tolist()]


def apply_fraction(intervals: np.ndarray, fraction: tuple[float, float]) -> np.ndarray:
    """The part of ``intervals`` between two fractions of their total duration."""
    lengths = intervals[:, 1] - intervals[:, 0]
    total = float(lengths.sum())
    cut_lo, cut_hi = fraction[0] * total, fraction[1] * total
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    out = []
    for (a, _), t0, length in zip(intervals, before, lengths, strict=True):
        lo = max(cut_lo, t0)
        hi = min(cut_hi, t0 + length)
        if hi > lo:
            out.append((a + (lo - t0), a + (hi - t0)))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def contains(intervals: np.ndarray | None, times: np.ndarray) -> np.ndarray:
    """Which times fall inside the (merged) intervals; all of them when intervals is None."""
    times = np.asarray(times, dtype=np.float64)
    if intervals is None:
        return np.ones(times.shape, dtype=bool)
    j = np.searchsorted(intervals[:, 0], times, side="right") - 1
    ok = j >= 0
    inside = np.zeros(times.shape, dtype=bool)
    inside[ok] = times[ok] < intervals[j[ok], 1]
    return inside


def measure_below(intervals: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Total length of the (merged) intervals below each x: |intervals ∩ (-inf, x)|."""
    x = np.asarray(x, dtype=np.float64)
    lengths = intervals[:, 1] - intervals[:, 0]
    before = np.concatenate([[0.0], np.cumsum(lengths)])
    j = np.searchsorted(intervals[:, 0], x, side="right") - 1
    out = np.zeros(x.shape, dtype=np.float64)
    ok = j >= 0
    jj = j[ok]
    out[ok] = before[jj] + np.minimum(x[ok] - intervals[jj, 0], lengths[jj])
    return out
