"""Stimulus presentations from a TimeIntervals table, and averaging responses over them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...errors import SourceError
from ._epochs import apply_fraction
from ._io import NWBHandle, listing
from ._options import Options
from ._report import warn
from ._tables import canonical_ids, scalar_column

__all__ = ["STIMULUS_COLUMNS", "Presentations", "Stimuli", "aggregate", "presentations"]

#: Column names taken as the stimulus id when ``stimulus_column=`` is not given and
#: exactly one of them is in the table.
STIMULUS_COLUMNS: tuple[str, ...] = (
    "stimulus", "stimulus_id", "stim_id", "stimulus_name", "stimulus_index", "image_id",
    "image_index", "image_name", "image", "frame", "condition", "category",
)
#: Table names never taken as the presentation table by default.
_NOT_PRESENTATIONS = ("epochs", "invalid_times")


@dataclass
class Presentations:
    """The kept presentations, in chronological order of their windows."""

    table: str
    column: str
    ids: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass
class Stimuli:
    """Responses aggregated per stimulus (what becomes the representation's rows)."""

    ids: np.ndarray
    values: np.ndarray
    coords: dict[str, np.ndarray]
    attrs: dict[str, object]


def _choose_table(nwb: NWBHandle, name: str | None) -> tuple[str, object]:
    from pynwb.epoch import TimeIntervals

    tables = nwb.objects(TimeIntervals)
    if name is not None:
        return nwb.find(name, TimeIntervals, "interval table", "intervals")
    if not tables:
        raise SourceError(
            f"{nwb.path!r} has no presentation table: no trials and no other TimeIntervals "
            "table. Add the stimulus presentations as a TimeIntervals table (e.g. "
            "nwbfile.add_trial(...)), or bin a continuous variable with variable=."
        )
    trials = [t for t in tables if t[0] == "intervals/trials"]
    if trials:
        return trials[0]
    others = [t for t in tables if t[1].name not in _NOT_PRESENTATIONS]
    if len(others) == 1:
        return others[0]
    raise SourceError(
        f"{nwb.path!r} has no 'trials' table; pass intervals= naming the table of "
        f"stimulus presentations, one of: {listing(p for p, _ in tables)}; or bin a "
        "continuous variable with variable= (e.g. variable='CompassDirection/ry')."
    )


def _choose_column(table: object, path: str, name: str | None) -> str:
    columns = [c for c in table.colnames if c not in ("start_time", "stop_time")]
    if name is not None:
        if name not in table.colnames:
            raise SourceError(
                f"No column {name!r} in interval table {path!r}; stimulus_column= takes one "
                f"of its columns: {listing(columns) or 'none'}."
            )
        return name
    found = [c for c in STIMULUS_COLUMNS if c in table.colnames]
    if len(found) == 1:
        return found[0]
    raise SourceError(
        f"Which column of interval table {path!r} holds the stimulus ids? Pass "
        f"stimulus_column= one of: {listing(columns) or 'none (the table has no columns)'}."
    )


def presentations(nwb: NWBHandle, opts: Options, epochs: np.ndarray | None) -> Presentations:
    """Read the presentation table: stimulus ids and absolute response windows.

    Rows with a missing stimulus id (None, NaN, empty string) or time, rows left out by
    ``where=`` and rows whose window is not inside the epochs are dropped and counted.
    """
    path, table = _choose_table(nwb, opts.intervals)
    where = f"interval table {path!r}"
    if len(table.id) == 0:
        raise SourceError(
            f"Interval table {path!r} has zero rows, so there are no presentations to "
            "average; choose another table with intervals=."
        )
    column = _choose_column(table, path, opts.stimulus_column)
    ids, missing = canonical_ids(scalar_column(table, column, where))
    onsets = np.asarray(table.start_time.data[:], dtype=np.float64)
    if opts.window is None:
        starts, stops = onsets, np.asarray(table.stop_time.data[:], dtype=np.float64)
    else:
        starts, stops = onsets + opts.window[0], onsets + opts.window[1]
    keep, dropped = _select(table, where, opts, missing, starts, stops, epochs)
    bad = np.flatnonzero(keep & (stops <= starts))
    if bad.size:
        raise SourceError(
            f"{bad.size} row(s) of {where} have stop_time <= start_time (first: row "
            f"{bad[0]}, {starts[bad[0]]} to {stops[bad[0]]} s), so their response window is "
            "empty; give window=(start, stop) relative to each onset."
        )
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(starts[rows], kind="stable")]
    return Presentations(table=path, column=column, ids=ids[rows], starts=starts[rows],
                         stops=stops[rows], dropped=dropped)


def _select(table: object, where: str, opts: Options, missing: np.ndarray,
            starts: np.ndarray, stops: np.ndarray, epochs: np.ndarray | None
            ) -> tuple[np.ndarray, dict[str, int]]:
    """Which rows to keep, and how many each rule dropped."""
    keep = ~missing
    dropped: dict[str, int] = {}
    if missing.any():
        dropped["missing stimulus id"] = int(missing.sum())
    untimed = keep & ~(np.isfinite(starts) & np.isfinite(stops))
    if untimed.any():
        dropped["missing time"] = int(untimed.sum())
        keep &= ~untimed
    for col, wanted in opts.where.items():
        values, absent = canonical_ids(scalar_column(table, col, where))
        want, _ = canonical_ids(np.asarray(wanted, dtype=object))
        match = ~absent & np.isin(values, want)
        if not match.any():
            shown = listing(dict.fromkeys(values[~absent].tolist()), limit=10)
            raise SourceError(
                f"where={{{col!r}: {list(wanted)!r}}} matches no row of {where}; values in "
                f"that column: {shown or 'none'}."
            )
        lost = int((keep & ~match).sum())
        if lost:
            dropped[f"where {col}"] = lost
        keep &= match
    if epochs is not None or opts.epoch_fraction is not None:
        span = epochs
        if span is None:
            span = np.array([[starts[keep].min(), stops[keep].max()]]) if keep.any() \
                else np.empty((0, 2))
        if opts.epoch_fraction is not None and span.size:
            span = apply_fraction(span, opts.epoch_fraction)
        inside = _windows_inside(span, starts, stops)
        lost = int((keep & ~inside).sum())
        if lost:
            dropped["outside epoch"] = lost
        keep &= inside
    if not keep.any():
        raise SourceError(
            f"No presentation of {where} is left after dropping {_describe(dropped)}; "
            "check epoch=, epoch_fraction= and where=."
        )
    return keep, dropped


def _windows_inside(span: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    if span.size == 0:
        return np.zeros(starts.shape, dtype=bool)
    j = np.searchsorted(span[:, 0], starts, side="right") - 1
    ok = j >= 0
    inside = np.zeros(starts.shape, dtype=bool)
    inside[ok] = stops[ok] <= span[j[ok], 1] + 1e-9 * max(1.0, float(np.abs(span).max()))
    return inside


def _describe(dropped: dict[str, int]) -> str:
    return ", ".join(f"{n} ({why})" for why, n in dropped.items()) or "none"


def stimulus_order(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique ids in order of first appearance, and each entry's position among them."""
    uniq, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return uniq[order], rank[inverse.reshape(-1)]


def aggregate(pres: Presentations, responses: np.ndarray, repetitions: bool) -> Stimuli:
    """Average per-presentation responses (P x U) per stimulus, or keep repetitions.

    With ``repetitions=True`` the result has shape (S, U, k) with k the smallest number of
    presentations of any stimulus: each stimulus keeps its first k presentations in time
    order; how many were left out is in ``attrs["dropped_repetitions"]``.
    """
    stim, index = stimulus_order(pres.ids)
    counts = np.bincount(index, minlength=stim.size)
    attrs: dict[str, object] = {
        "intervals": pres.table,
        "stimulus_column": pres.column,
        "n_presentations": int(index.size),
    }
    if pres.dropped:
        attrs["dropped_presentations"] = _describe(pres.dropped)
    coords = {"n_presentations": counts.astype(np.int64)}
    if not repetitions:
        sums = np.zeros((stim.size, responses.shape[1]), dtype=np.float64)
        np.add.at(sums, index, responses)
        return Stimuli(stim, sums / counts[:, None], coords, attrs)
    k = int(counts.min())
    out = np.empty((stim.size, responses.shape[1], k), dtype=np.float64)
    for s in range(stim.size):
        rows = np.flatnonzero(index == s)[:k]
        out[s] = responses[rows].T
    attrs["repetitions_kept"] = k
    attrs["dropped_repetitions"] = int(counts.sum() - k * stim.size)
    if attrs["dropped_repetitions"]:
        warn(f"Stimuli were presented unequally often ({counts.min()} to {counts.max()} "
             f"times); each keeps its first {k} presentation(s) along 'repetition' and "
             f"{attrs['dropped_repetitions']} later one(s) are left out "
             "(attrs['dropped_repetitions']). Load without repetitions=True to average "
             "every presentation.")
    return Stimuli(stim, out, coords, attrs)
