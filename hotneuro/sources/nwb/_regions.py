"""Where each unit or column was recorded: region labels from NWB tables and groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._options import Options
from ._tables import clean_label, has_column, scalar_column

__all__ = ["DEFAULT_REGION_COLUMNS", "column_labels", "electrode_regions", "group_locations",
           "region_columns"]

#: Columns read as the region when ``region_column=`` is not given, in this order.
DEFAULT_REGION_COLUMNS: tuple[str, ...] = ("location", "region")


def region_columns(opts: Options) -> tuple[str, ...]:
    """The column names that hold regions: ``region_column=`` or the defaults."""
    return (opts.region_column,) if opts.region_column else DEFAULT_REGION_COLUMNS


def column_labels(table: Any, names: Sequence[str], where: str
                  ) -> tuple[str | None, list[str | None] | None]:
    """The first of ``names`` that ``table`` has, and its labels (None where missing)."""
    for name in names:
        if has_column(table, name):
            values = scalar_column(table, name, where)
            return name, [clean_label(v) for v in values.tolist()]
    return None, None


def _group_location(group: Any) -> str | None:
    return clean_label(getattr(group, "location", None))


def electrode_regions(table: Any, rows: Sequence[np.ndarray], names: Sequence[str],
                      fallback: bool = True) -> list[str | None]:
    """The region of each set of electrode rows: the electrodes' region column (``names``,
    and with ``fallback`` also ``location``), else (with ``fallback``) their groups'
    locations; None where the electrodes give none or disagree."""
    wanted = tuple(names) + (("location",) if fallback else ())
    _, labels = column_labels(table, wanted, "the electrodes table")
    groups = table["group"].data[:] if fallback and has_column(table, "group") else None
    out: list[str | None] = []
    for row_set in rows:
        found: set[str] = set()
        for r in np.asarray(row_set, dtype=np.int64).tolist():
            label = labels[r] if labels is not None else None
            if label is None and groups is not None:
                label = _group_location(groups[r])
            if label is not None:
                found.add(label)
        out.append(found.pop() if len(found) == 1 else None)
    return out


def group_locations(groups: Sequence[Any]) -> list[str | None]:
    """The location of each electrode group (None where it has none)."""
    return [_group_location(g) for g in groups]
