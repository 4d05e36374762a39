"""Response tables in CSV/TSV as hotneuro representations.

Two layouts are read:

- **long** (default): one row per measurement, with a stimulus, a unit, the unit's group
  (``region`` or ``layer``) and a response column, optionally a repetition column;
- **wide**: one row per stimulus (per presentation), one column per unit, groups given by
  the column names (``V1:unit3``) or by a ``groups=`` mapping.

See the package README for the full rules and examples.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, cast

import numpy as np
import xarray as xr
from hotneuro import HotneuroError, ParameterError, SourceError
from hotneuro.representations import GROUP_LEVELS, validate

from ._read import Rows, column_index, read_table, separator_for

__all__ = ["Layout", "Level", "load_table"]

Layout = Literal["long", "wide"]
Level = Literal["layer", "region"]

#: Canonical integer text: what ``str(int(text))`` gives back unchanged.
_INT = re.compile(r"-?[1-9][0-9]{0,17}|0")
#: How many offending cells an error message lists.
_SHOWN = 10


def load_table(
    path: str | os.PathLike[str],
    *,
    layout: Layout = "long",
    sep: str | None = None,
    stimulus_column: str = "stimulus",
    unit_column: str = "unit",
    group_column: str | None = None,
    value_column: str = "response",
    repetition_column: str | None = None,
    repetitions: bool = False,
    level: Level | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    group_sep: str = ":",
    ignore_columns: Collection[str] = (),
    system: str | None = None,
) -> xr.DataArray:
    """Read a response table (CSV or TSV) as a representation.

    Parameters
    ----------
    path : str or path-like
        The table. ``.csv`` is comma-separated and ``.tsv`` tab-separated unless ``sep``
        is given; UTF-8 (a byte-order mark is fine).
    layout : {"long", "wide"}
        ``"long"``: one row per (stimulus, unit[, repetition]) measurement. ``"wide"``:
        one row per stimulus, one column per unit.
    sep : str, optional
        One-character field separator, overriding the suffix.
    stimulus_column : str
        The column of stimulus ids (both layouts).
    unit_column, value_column : str
        Long layout: the columns of unit ids and of response values.
    group_column : str, optional
        Long layout: the column giving each unit's group. Default: the column named
        ``region`` or ``layer``, whichever the table has.
    repetition_column : str, optional
        A column of repetition (trial, run) ids. Without ``repetitions=True`` it is only
        averaged over; it is never read as a unit in the wide layout.
    repetitions : bool
        Keep repeated measurements of a (stimulus, unit) along a third ``repetition``
        dim instead of averaging them. Repetitions are the ids of ``repetition_column``,
        or ``0, 1, ...`` in order of appearance without one; every (stimulus, unit) needs
        every repetition exactly once.
    level : {"layer", "region"}, optional
        The group coordinate's name. Default (long layout): the group column's name when
        it is ``layer`` or ``region``. Required for the wide layout and for any other
        group column name.
    groups : mapping of str to sequence of str, optional
        Wide layout: ``{group: [unit columns]}``, covering every unit column once. Without
        it each unit column is named ``<group><group_sep><unit>``, e.g. ``V1:unit3``.
    group_sep : str
        Wide layout: what separates the group from the rest of a column name (split at
        its first occurrence).
    ignore_columns : collection of str
        Wide layout: columns that are neither the stimulus column nor units (notes,
        categories).
    system : str, optional
        ``attrs["system"]``; default: the file name without its suffix.

    Returns
    -------
    xarray.DataArray
        A validated representation, dims ``("stimulus", "unit")`` (and ``"repetition"``
        with ``repetitions=True``), float64, with a ``layer`` or ``region`` coordinate.
        Stimuli and units are in order of first appearance in the file, so groups are
        too (never sorted). Stimulus, unit and repetition ids are ints when every id of
        that kind is written as a plain integer (``12``, ``-3``; not ``007`` or ``1.0``),
        else str; group labels are always str.

    Raises
    ------
    hotneuro.SourceError
        The file cannot be read as asked: empty, not UTF-8, a missing column (the message
        lists the columns there are), a ragged row, a non-numeric or non-finite value
        (the message names line and column), (stimulus, unit) cells without a value,
        a unit in two groups, or a result that breaks the data contract (fewer than 3
        stimuli, ...).
    hotneuro.ParameterError
        Invalid options, whatever the file: an unknown ``layout`` or ``level``, a ``sep``
        that is not one character, wide-only options with the long layout, ...

    Notes
    -----
    Rows that measure the same (stimulus, unit) more than once (repeated presentations,
    or plain duplicate rows) are averaged unless ``repetitions=True``; each cell is the
    mean of its own rows. Blank lines are skipped and fields are stripped of surrounding
    whitespace.

    Examples
    --------
    >>> import os, tempfile
    >>> from hotneuro_table import load_table
    >>> path = os.path.join(tempfile.mkdtemp(), "monkey.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("stimulus,unit,region,response\\n"
    ...                  "face,n1,V4,2.0\\nface,n1,V4,4.0\\nface,n2,IT,1.0\\n"
    ...                  "house,n1,V4,0.5\\nhouse,n2,IT,7.0\\n"
    ...                  "car,n1,V4,1.5\\ncar,n2,IT,3.0\\n")
    >>> rep = load_table(path)
    >>> rep.values.tolist(), rep.attrs["system"]
    ([[3.0, 1.0], [0.5, 7.0], [1.5, 3.0]], 'monkey')
    >>> [str(g) for g in rep["region"].values]
    ['V4', 'IT']
    """
    name = os.fspath(path)
    _check_options(layout, sep, level, groups, group_sep, ignore_columns, group_column)
    header, rows = read_table(name, separator_for(name, sep))
    cells = _Cells(name)
    if layout == "long":
        group_level = _collect_long(
            cells, header, rows, stimulus_column=stimulus_column, unit_column=unit_column,
            group_column=group_column, value_column=value_column,
            repetition_column=repetition_column, level=level)
    else:
        group_level = cast(Level, level)  # _check_options made sure it is given
        _collect_wide(cells, header, rows, stimulus_column=stimulus_column,
                      repetition_column=repetition_column, groups=groups,
                      group_sep=group_sep, ignore_columns=ignore_columns)
    return cells.representation(
        level=group_level, repetitions=repetitions,
        numbered=repetition_column is None,
        system=system if system is not None else Path(name).stem)


def _check_options(layout: str, sep: str | None, level: str | None,
                   groups: Mapping[str, Sequence[str]] | None, group_sep: str,
                   ignore_columns: Collection[str], group_column: str | None) -> None:
    if layout not in ("long", "wide"):
        raise ParameterError(f"layout must be 'long' or 'wide', got {layout!r}.")
    if level is not None and level not in GROUP_LEVELS:
        raise ParameterError(f"level must be 'layer' or 'region', got {level!r}.")
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in '\r\n"'):
        raise ParameterError(
            rf"sep must be one character such as ',' or '\t' (not a quote or newline), "
            f"got {sep!r}."
        )
    if layout == "long" and (groups is not None or ignore_columns):
        raise ParameterError(
            "groups= and ignore_columns= apply to layout='wide' only; a long table names "
            "each unit's group in its group_column= and ignores columns it does not use."
        )
    if layout == "wide":
        if group_column is not None:
            raise ParameterError(
                "group_column= applies to layout='long' only; a wide table takes its groups "
                "from the column names (group_sep=) or from groups=."
            )
        if level is None:
            raise ParameterError(
                "layout='wide' needs level='region' (brain areas) or level='layer' (model "
                "layers) to name its groups."
            )
        if not group_sep and groups is None:
            raise ParameterError("group_sep must be a non-empty str (default ':').")
        if isinstance(ignore_columns, str):
            raise ParameterError(
                "ignore_columns takes a collection of column names, got the str "
                f"{ignore_columns!r}; write ignore_columns=[{ignore_columns!r}]."
            )


class _Cells:
    """Measurements (stimulus, unit, repetition, value), ids in order of first appearance."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stimuli: dict[str, int] = {}
        self.units: dict[str, int] = {}
        self.unit_groups: list[str] = []
        self.unit_lines: list[int] = []
        self.stimulus_index: list[int] = []
        self.unit_index: list[int] = []
        self.repetition_keys: list[str] = []
        self.values: list[float] = []

    def unit(self, unit: str, group: str, line: int, group_column: str) -> int:
        k = self.units.get(unit)
        if k is None:
            k = self.units[unit] = len(self.units)
            self.unit_groups.append(group)
            self.unit_lines.append(line)
        elif self.unit_groups[k] != group:
            raise SourceError(
                f"Line {line} of {self.path!r} puts unit {unit!r} in {group_column} "
                f"{group!r}, but line {self.unit_lines[k]} puts it in "
                f"{self.unit_groups[k]!r}; each unit belongs to one group, so unit ids must "
                f"be unique across groups (e.g. '{group}/{unit}')."
            )
        return k

    def add(self, stimulus: str, unit: int, value: float, repetition: str = "") -> None:
        self.stimulus_index.append(self.stimuli.setdefault(stimulus, len(self.stimuli)))
        self.unit_index.append(unit)
        self.values.append(value)
        self.repetition_keys.append(repetition)

    def representation(self, *, level: str, repetitions: bool, numbered: bool,
                       system: str) -> xr.DataArray:
        if not self.values:
            raise SourceError(f"{self.path!r} has a header but no data rows.")
        s = np.asarray(self.stimulus_index, dtype=np.intp)
        u = np.asarray(self.unit_index, dtype=np.intp)
        values = np.asarray(self.values, dtype=np.float64)
        shape = (len(self.stimuli), len(self.units))
        coords: dict[str, object] = {
            "stimulus": _ids(self.stimuli),
            "unit": _ids(self.units),
            level: ("unit", np.asarray(self.unit_groups, dtype=str)),
        }
        if repetitions:
            r, repetition_ids = self._repetitions(s, u, numbered, shape)
            count = np.zeros(shape + (len(repetition_ids),), dtype=np.int64)
            np.add.at(count, (s, u, r), 1)
            self._check_cells(count, repetition_ids, numbered)
            data = np.empty(count.shape, dtype=np.float64)
            data[s, u, r] = values
            dims: tuple[str, ...] = ("stimulus", "unit", "repetition")
            coords["repetition"] = repetition_ids
        else:
            count = np.zeros(shape, dtype=np.int64)
            np.add.at(count, (s, u), 1)
            self._check_cells(count, None, numbered)
            data = np.zeros(shape, dtype=np.float64)
            np.add.at(data, (s, u), values)
            data /= count
            dims = ("stimulus", "unit")
        rep = xr.DataArray(data, dims=dims, coords=coords, attrs={"system": system})
        try:
            return validate(rep, copy=False)
        except HotneuroError as exc:
            raise SourceError(f"{self.path!r} does not make a valid representation: {exc}"
                              ) from exc

    def _repetitions(self, s: np.ndarray, u: np.ndarray, numbered: bool,
                     shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        if not numbered:
            keys: dict[str, int] = {}
            r = np.asarray([keys.setdefault(k, len(keys)) for k in self.repetition_keys],
                           dtype=np.intp)
            return r, _ids(keys)
        seen = np.zeros(shape, dtype=np.intp)  # rows met so far per (stimulus, unit)
        r = np.empty(s.size, dtype=np.intp)
        for i, (si, ui) in enumerate(zip(s.tolist(), u.tolist(), strict=True)):
            r[i] = seen[si, ui]
            seen[si, ui] += 1
        return r, np.arange(int(seen.max()))

    def _check_cells(self, count: np.ndarray, repetition_ids: np.ndarray | None,
                     numbered: bool) -> None:
        stimuli, units = list(self.stimuli), list(self.units)

        def cell(index: Iterable[int]) -> str:
            k = tuple(index)
            parts = [repr(stimuli[k[0]]), repr(units[k[1]])]
            if repetition_ids is not None:
                parts.append(repr(repetition_ids[k[2]].item()))
            return "(" + ", ".join(parts) + ")"

        def listing(where: np.ndarray) -> str:
            shown = ", ".join(cell(k) for k in where[:_SHOWN])
            return shown + (f", ... ({len(where)} in all)" if len(where) > _SHOWN else "")

        what = "(stimulus, unit" + (", repetition)" if repetition_ids is not None else ")")
        doubled = np.argwhere(count > 1) if repetition_ids is not None else np.empty((0, 3))
        if len(doubled):
            raise SourceError(
                f"{self.path!r} has more than one row for {what} {listing(doubled)}; with "
                "repetitions=True each repetition id may occur once per (stimulus, unit). "
                "Fix the repetition column, or drop repetitions=True to average them."
            )
        missing = np.argwhere(count == 0)
        if len(missing):
            hint = ("the long layout needs a value for every stimulus of every unit: add "
                    "the rows, or drop the stimulus or the unit from the table")
            if repetition_ids is not None:
                hint = ("with repetitions=True every (stimulus, unit) needs every "
                        "repetition" + (" (numbered 0, 1, ... in order of appearance)"
                                        if numbered else "")
                        + "; add the rows, or drop repetitions=True to average what is there")
            raise SourceError(
                f"{self.path!r} has no row for {what} {listing(missing)}; {hint}."
            )


def _collect_long(cells: _Cells, header: list[str], rows: Rows, *, stimulus_column: str,
                  unit_column: str, group_column: str | None, value_column: str,
                  repetition_column: str | None, level: str | None) -> str:
    """Read a long table into ``cells``; returns the group level."""
    path = cells.path
    wide_hint = (" If the table has one column per unit, pass layout='wide'."
                 if unit_column not in header or value_column not in header else "")
    if group_column is None:
        present = [g for g in ("region", "layer") if g in header]
        if len(present) != 1:
            raise SourceError(
                f"{path!r} has {'both' if present else 'neither'} a 'region' "
                f"{'and' if present else 'nor'} a 'layer' column; name the column holding "
                f"each unit's group with group_column= (columns: {', '.join(map(repr, header))})."
                + wide_hint
            )
        group_column = present[0]
    if level is None:
        if group_column not in GROUP_LEVELS:
            raise ParameterError(
                f"The group column {group_column!r} is neither 'layer' nor 'region'; pass "
                "level='region' (brain areas) or level='layer' (model layers)."
            )
        level = group_column
    where = {option: column_index(header, name, option, path, wide_hint)
             for option, name in (("stimulus_column", stimulus_column),
                                  ("unit_column", unit_column),
                                  ("group_column", group_column),
                                  ("value_column", value_column))}
    if repetition_column is not None:
        where["repetition_column"] = column_index(header, repetition_column,
                                                  "repetition_column", path)
    columns = {option: header[i] for option, i in where.items()}
    for line, fields in rows:
        for option, i in where.items():
            if not fields[i] and option != "value_column":
                raise SourceError(
                    f"Line {line} of {path!r} has an empty {columns[option]!r} field "
                    f"({option}); every row needs a stimulus, a unit and a group"
                    + (" and a repetition." if repetition_column is not None else ".")
                )
        unit = cells.unit(fields[where["unit_column"]], fields[where["group_column"]], line,
                          group_column)
        value = _number(fields[where["value_column"]], line, value_column, path)
        repetition = fields[where["repetition_column"]] if repetition_column else ""
        cells.add(fields[where["stimulus_column"]], unit, value, repetition)
    return level


def _collect_wide(cells: _Cells, header: list[str], rows: Rows, *, stimulus_column: str,
                  repetition_column: str | None, groups: Mapping[str, Sequence[str]] | None,
                  group_sep: str, ignore_columns: Collection[str]) -> None:
    """Read a wide table into ``cells``."""
    path = cells.path
    stimulus_at = column_index(header, stimulus_column, "stimulus_column", path)
    repetition_at = (column_index(header, repetition_column, "repetition_column", path)
                     if repetition_column is not None else None)
    for name in ignore_columns:
        column_index(header, name, "ignore_columns", path)
    skip = {stimulus_column, repetition_column, *ignore_columns}
    unit_columns = [(i, name) for i, name in enumerate(header) if name not in skip]
    if not unit_columns:
        raise SourceError(f"{path!r} has no unit columns besides {sorted(skip - {None})}.")
    group_of = _wide_groups([name for _, name in unit_columns], header, groups, group_sep,
                            path)
    units = [(i, name, cells.unit(name, group_of[name], 1, "group")) for i, name in
             unit_columns]
    for line, fields in rows:
        stimulus = fields[stimulus_at]
        if not stimulus:
            raise SourceError(f"Line {line} of {path!r} has an empty {stimulus_column!r} "
                              "field; every row needs a stimulus id.")
        repetition = fields[repetition_at] if repetition_at is not None else ""
        if repetition_at is not None and not repetition:
            raise SourceError(f"Line {line} of {path!r} has an empty {repetition_column!r} "
                              "field; every row needs a repetition id.")
        for i, name, k in units:
            cells.add(stimulus, k, _number(fields[i], line, name, path), repetition)


def _wide_groups(unit_columns: list[str], header: list[str],
                 groups: Mapping[str, Sequence[str]] | None, group_sep: str,
                 path: str) -> dict[str, str]:
    """The group of each unit column of a wide table."""
    if groups is None:
        group_of = {name: name.split(group_sep, 1)[0] for name in unit_columns}
        bad = [name for name in unit_columns if group_sep not in name or not group_of[name]]
        if bad:
            raise SourceError(
                f"Column(s) {bad[:_SHOWN]} of {path!r} do not name a group: in the wide "
                f"layout every unit column is '<group>{group_sep}<unit>' (e.g. "
                f"'V1{group_sep}unit3'). Pass groups={{group: [columns]}}, another "
                "group_sep=, or ignore_columns= for columns that are not units."
            )
        return group_of
    if not isinstance(groups, Mapping):
        raise ParameterError(
            f"groups must be a mapping {{group: [unit columns]}}, got {type(groups).__name__}."
        )
    group_of = {}
    for group, columns in groups.items():
        if isinstance(columns, str):
            raise ParameterError(
                f"groups[{group!r}] is the str {columns!r}; give a list of column names, "
                f"e.g. groups={{{group!r}: [{columns!r}]}}."
            )
        for name in columns:
            column_index(header, name, f"groups[{group!r}]", path)
            if name in group_of:
                raise ParameterError(
                    f"Column {name!r} is in groups {group_of[name]!r} and {group!r}; each "
                    "unit belongs to one group."
                )
            group_of[name] = str(group)
    loose = [name for name in unit_columns if name not in group_of]
    if loose:
        raise SourceError(
            f"Column(s) {loose[:_SHOWN]} of {path!r} are in no group of groups=; add them "
            "to a group, or list them in ignore_columns= if they are not units."
        )
    return group_of


def _number(text: str, line: int, column: str, path: str) -> float:
    """A finite float from a field, or a SourceError naming line and column."""
    if not text:
        raise SourceError(
            f"Line {line} of {path!r} has no value in column {column!r}; every measurement "
            "needs a number (remove the row, or impute the value)."
        )
    try:
        value = float(text)
    except ValueError:
        raise SourceError(
            f"Line {line} of {path!r}, column {column!r}: {text!r} is not a number. "
            "Responses must be numbers such as 3, 1.5 or -2e-3 (a decimal point, not a "
            "comma)."
        ) from None
    if not math.isfinite(value):
        raise SourceError(
            f"Line {line} of {path!r}, column {column!r}: {text!r} is not finite (NaN or "
            "infinity); remove or impute it before loading."
        )
    return value


def _ids(texts: Iterable[str]) -> np.ndarray:
    """Ids as int64 when every one is a plain integer (``12``, ``-3``), else as str."""
    ids = list(texts)
    if all(_INT.fullmatch(t) for t in ids):
        return np.asarray([int(t) for t in ids], dtype=np.int64)
    return np.asarray(ids, dtype=str)
