"""Time bases and values of NWB TimeSeries, read lazily and in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ...errors import SourceError

__all__ = ["CHUNK_BYTES", "SeriesReader"]

#: Rows are read from the file in blocks of about this many bytes (as float64).
CHUNK_BYTES = 64 * 2**20


class SeriesReader:
    """Sample times and (scaled) rows of one TimeSeries of an open file.

    ``rows(i0, i1)`` returns samples ``i0 .. i1 - 1`` as float64 of shape (rows, columns),
    every non-time dim flattened, times ``conversion`` plus ``offset`` (SI units).
    """

    def __init__(self, series: Any, path: str) -> None:
        self.series = series
        self.path = path
        self.data = series.data
        shape = tuple(int(s) for s in np.shape(self.data))
        if len(shape) == 0 or shape[0] == 0:
            raise SourceError(f"TimeSeries {path!r} holds no samples (data shape {shape}).")
        self.n_samples = shape[0]
        self.n_columns = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
        self.shape = shape
        self.conversion = float(getattr(series, "conversion", 1.0) or 1.0)
        self.offset = float(getattr(series, "offset", 0.0) or 0.0)
        self.times = self._times()
        diffs = np.diff(self.times)
        positive = diffs[diffs > 0]
        self.interval = float(np.median(positive)) if positive.size else 0.0

    def _times(self) -> np.ndarray:
        series, path = self.series, self.path
        if series.timestamps is not None:
            times = np.asarray(series.timestamps[:], dtype=np.float64).reshape(-1)
            if times.size != self.n_samples:
                raise SourceError(
                    f"TimeSeries {path!r} has {times.size} timestamps for {self.n_samples} "
                    "samples; the file is inconsistent."
                )
        else:
            rate = series.rate
            if rate is None or not float(rate) > 0:
                raise SourceError(
                    f"TimeSeries {path!r} has neither timestamps nor a positive rate "
                    f"(rate={rate!r}); its samples have no times."
                )
            start = float(series.starting_time or 0.0)
            times = start + np.arange(self.n_samples, dtype=np.float64) / float(rate)
        if not np.isfinite(times).all():
            raise SourceError(f"TimeSeries {path!r} has NaN or infinite timestamps.")
        if (np.diff(times) < 0).any():
            raise SourceError(
                f"The timestamps of TimeSeries {path!r} are not in increasing order; sort "
                "the samples by time in the file."
            )
        return times

    @property
    def end(self) -> float:
        """End of the recorded span: the last sample time plus one sampling interval."""
        return float(self.times[-1] + self.interval)

    def rows(self, i0: int, i1: int) -> np.ndarray:
        block = np.asarray(self.data[i0:i1], dtype=np.float64).reshape(i1 - i0, self.n_columns)
        if self.conversion != 1.0:
            block *= self.conversion
        if self.offset != 0.0:
            block += self.offset
        return block

    def chunks(self, i0: int, i1: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, rows)`` blocks covering samples ``i0 .. i1 - 1``."""
        step = max(1, CHUNK_BYTES // (8 * self.n_columns))
        for a in range(i0, i1, step):
            b = min(i1, a + step)
            yield a, self.rows(a, b)

    def column(self, component: int | None) -> np.ndarray:
        """All samples of one column (the only one, or ``component``) as float64."""
        if self.n_columns > 1 and component is None:
            raise SourceError(
                f"TimeSeries {self.path!r} has {self.n_columns} columns (data shape "
                f"{self.shape}); pick one with component=0 .. {self.n_columns - 1}."
            )
        index = 0 if component is None else component
        if index >= self.n_columns:
            raise SourceError(
                f"component={index} but TimeSeries {self.path!r} has {self.n_columns} "
                f"column(s) (data shape {self.shape}); use 0 .. {self.n_columns - 1}."
            )
        out = np.empty(self.n_samples, dtype=np.float64)
        for a, block in self.chunks(0, self.n_samples):
            out[a:a + block.shape[0]] = block[:, index]
        return out
