"""Reading columns of NWB tables (DynamicTable) as plain arrays, and canonical ids/labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import SourceError
from ._io import listing

__all__ = ["MISSING_LABELS", "canonical_ids", "clean_label", "has_column", "ragged_column",
           "scalar_column", "table_ids"]

#: Region labels that mean "no region" (compared case-insensitively, after stripping).
MISSING_LABELS = frozenset({"", "unknown", "none", "nan", "n/a", "na", "null"})


def clean_label(value: Any) -> str | None:
    """A region label as a stripped str, or None when the file gives none."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    text = str(value).strip()
    return None if text.lower() in MISSING_LABELS else text


def has_column(table: Any, name: str) -> bool:
    return name in tuple(table.colnames)


def table_ids(table: Any) -> np.ndarray:
    """The row ids of a table (its ``id`` column), as int64."""
    return np.asarray(table.id.data[:], dtype=np.int64)


def scalar_column(table: Any, name: str, where: str) -> np.ndarray:
    """The values of a column holding one scalar per row (str, number or bool).

    Raises
    ------
    SourceError
        The column is missing, ragged, a reference to another table, or multi-dimensional.
    """
    from hdmf.common.table import DynamicTableRegion, VectorIndex

    if not has_column(table, name):
        raise SourceError(
            f"No column {name!r} in {where}; its columns: {listing(table.colnames)}."
        )
    column = table[name]
    if isinstance(column, VectorIndex):
        raise SourceError(
            f"Column {name!r} of {where} holds a list per row (a ragged column), not one "
            "value per row; choose a column with one value per row."
        )
    if isinstance(column, DynamicTableRegion):
        raise SourceError(
            f"Column {name!r} of {where} refers to rows of another table, not values; "
            "choose a column with one value per row."
        )
    values = np.asarray(column.data[:])
    if values.ndim != 1:
        raise SourceError(
            f"Column {name!r} of {where} has shape {values.shape}, not one value per row; "
            "choose a column with one value per row."
        )
    if values.dtype == object:
        values = np.array([_plain(v, name, where) for v in values], dtype=object)
    return values


def _plain(value: Any, name: str, where: str) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool, np.generic)):
        return value
    raise SourceError(
        f"Column {name!r} of {where} holds {type(value).__name__} objects, not values; "
        "choose a column of strings or numbers."
    )


def ragged_column(table: Any, name: str) -> list[np.ndarray]:
    """The values of a ragged column (e.g. ``tags``) as one array per row."""
    from hdmf.common.table import VectorIndex

    column = table[name]
    if not isinstance(column, VectorIndex):
        return [np.atleast_1d(v) for v in np.asarray(column.data[:], dtype=object)]
    flat = np.asarray(column.target.data[:])
    ends = np.asarray(column.data[:], dtype=np.int64)
    if flat.dtype == object:
        flat = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                         for v in flat], dtype=object)
    return np.split(flat, ends[:-1]) if ends.size else []


def canonical_ids(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stimulus ids as an int64 or str array, and a mask of the missing ones.

    Integers (and floats that are all whole numbers) become int64; other numbers their
    shortest ``repr`` (``22.5`` -> ``"22.5"``); bytes are decoded; booleans become
    ``"True"``/``"False"``. None, NaN and empty strings are missing. A column mixing
    strings and numbers becomes all strings.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        return np.array([str(bool(v)) for v in arr]), np.zeros(arr.size, dtype=bool)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64), np.zeros(arr.size, dtype=bool)
    items: list[Any] = []
    for v in arr.tolist():
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if isinstance(v, str):
            v = v.strip()
        if v is None or v == "" or (isinstance(v, float) and not np.isfinite(v)):
            v = None
        items.append(v)
    missing = np.array([v is None for v in items], dtype=bool)
    present = [v for v in items if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in present):
        if all(float(v).is_integer() and abs(v) < 2**53 for v in present):
            return np.array([0 if v is None else int(v) for v in items], dtype=np.int64), missing
        return np.array(["" if v is None else repr(float(v)) for v in items]), missing
    return np.array(["" if v is None else str(v) for v in items], dtype=str), missing
