"""The options of the NWB source: parsed, type-checked and checked for conflicts."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np

from ...errors import SourceError

__all__ = ["KINDS", "Options", "parse_options"]

#: What the responses are: spike trains of the units table, ROI traces, any TimeSeries.
KINDS: tuple[str, ...] = ("units", "ophys", "timeseries")

Kind = Literal["units", "ophys", "timeseries"]
Interval = tuple[float, float]

# Options that only make sense with presentations, and only with a binned variable.
_PRESENTATION_ONLY = ("intervals", "stimulus_column", "window", "where", "repetitions")
_VARIABLE_ONLY = ("component", "bins", "range", "min_occupancy")


@dataclass(frozen=True)
class Options:
    """Every option of :func:`hotneuro.sources.nwb.load`, with its default."""

    kind: Kind | None = None
    series: str | None = None
    intervals: str | None = None
    stimulus_column: str | None = None
    window: Interval | None = None
    where: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    repetitions: bool = False
    variable: str | None = None
    component: int | None = None
    bins: int | np.ndarray = 30
    value_range: Interval | None = None
    min_occupancy: float = 0.0
    epoch: tuple[str | Interval, ...] | None = None
    epoch_table: str = "epochs"
    epoch_fraction: Interval | None = None
    region_column: str | None = None
    regions: tuple[str, ...] | None = None
    default_region: str | None = None
    column_table: str | Literal[False] | None = None
    system: str | None = None

    @property
    def binned(self) -> bool:
        """True when stimuli are bins of a continuous variable, not presentations."""
        return self.variable is not None


# option name as the user spells it -> dataclass field
_ALIASES = {"range": "value_range"}
_NAMES = tuple(sorted("range" if f.name == "value_range" else f.name for f in fields(Options)))


def parse_options(options: Mapping[str, Any]) -> Options:
    """Check the keyword options given to the NWB loader and return them as :class:`Options`.

    Raises
    ------
    SourceError
        An unknown option (with the closest valid name), a value of the wrong type or
        range, or options that contradict each other.
    """
    unknown = [k for k in options if k not in _NAMES]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, _NAMES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise SourceError(
            f"Unknown NWB option {name!r}.{hint} Valid options: {', '.join(_NAMES)} "
            "(see docs/sources-nwb.md)."
        )
    given = {k for k, v in options.items() if v is not None}
    _check_conflicts(given, options)
    values: dict[str, Any] = {}
    for key, value in options.items():
        if value is None:
            continue
        parser = _PARSERS.get(key, _string)
        values[_ALIASES.get(key, key)] = parser(key, value)
    return Options(**values)


def _check_conflicts(given: set[str], options: Mapping[str, Any]) -> None:
    if "variable" in given:
        clash = [k for k in _PRESENTATION_ONLY if k in given
                 and not (k == "repetitions" and options[k] is False)]
        if clash:
            raise SourceError(
                f"Option(s) {', '.join(map(repr, clash))} apply to a presentation table, "
                "but variable= asks for stimuli binned from a continuous variable; drop "
                "one or the other. (For split halves of a binned variable, load two epochs "
                "with epoch_fraction=(0, 0.5) and (0.5, 1).)"
            )
    else:
        clash = [k for k in _VARIABLE_ONLY if k in given]
        if clash:
            raise SourceError(
                f"Option(s) {', '.join(map(repr, clash))} only apply with variable= (stimuli "
                "binned from a continuous variable such as head direction); give "
                "variable='CompassDirection/ry' (a TimeSeries path) or drop them."
            )
    if "series" in given and options.get("kind") == "units":
        raise SourceError(
            "series= names a TimeSeries to read, but kind='units' reads the units table; "
            "drop series= or use kind='timeseries' (or 'ophys')."
        )
    if "bins" in given and "range" in given and not _is_int(options["bins"]):
        raise SourceError(
            "bins= gives explicit bin edges, which already fix the range; drop range=."
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _number(key: str, value: Any, what: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SourceError(f"{key}= must be {what}, got {value!r}.")
    out = float(value)
    if not math.isfinite(out):
        raise SourceError(f"{key}= must be finite, got {value!r}.")
    return out


def _pair(key: str, value: Any, example: str) -> Interval:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) \
            or len(value) != 2:
        raise SourceError(f"{key}= must be a pair (start, stop), e.g. {key}={example}; "
                          f"got {value!r}.")
    start = _number(key, value[0], "a pair of finite numbers")
    stop = _number(key, value[1], "a pair of finite numbers")
    if not stop > start:
        raise SourceError(
            f"{key}={value!r} is empty or reversed (stop <= start); give "
            f"{key}=(start, stop) with stop > start, e.g. {key}={example}."
        )
    return start, stop


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise SourceError(f"{key}= must be a non-empty string, got {value!r}.")
    return value


def _kind(key: str, value: Any) -> str:
    if value not in KINDS:
        raise SourceError(f"kind= must be one of {', '.join(map(repr, KINDS))} (or left out "
                          f"to detect it from the file), got {value!r}.")
    return value


def _window(key: str, value: Any) -> Interval:
    return _pair(key, value, "(0.05, 0.25)")


def _range(key: str, value: Any) -> Interval:
    return _pair(key, value, "(0, 2 * np.pi)")


def _fraction(key: str, value: Any) -> Interval:
    lo, hi = _pair(key, value, "(0, 0.5)")
    if lo < 0 or hi > 1:
        raise SourceError(f"{key}= holds fractions of the epoch's duration, within [0, 1]; "
                          f"got {value!r}. Use e.g. (0, 0.5) for the first half.")
    return lo, hi


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise SourceError(f"{key}= must be True or False, got {value!r}.")
    return bool(value)


def _bins(key: str, value: Any) -> int | np.ndarray:
    if _is_int(value):
        if value < 1:
            raise SourceError(f"bins= must be a positive number of bins, got {value!r}.")
        return int(value)
    try:
        edges = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        edges = np.empty(0)
    if edges.ndim != 1 or edges.size < 2 or not np.isfinite(edges).all() \
            or not (np.diff(edges) > 0).all():
        raise SourceError(
            "bins= must be a number of equal bins (e.g. bins=30) or a strictly increasing "
            f"sequence of at least 2 finite bin edges; got {value!r}."
        )
    return edges


def _component(key: str, value: Any) -> int:
    if not _is_int(value) or value < 0:
        raise SourceError(f"component= must be a column index (int >= 0), got {value!r}.")
    return int(value)


def _min_occupancy(key: str, value: Any) -> float:
    out = _number(key, value, "a duration in seconds")
    if out < 0:
        raise SourceError(f"min_occupancy= must be >= 0 seconds, got {value!r}.")
    return out


def _where(key: str, value: Any) -> dict[str, tuple[Any, ...]]:
    if not isinstance(value, Mapping) or not value:
        raise SourceError(
            "where= must be a non-empty mapping {column: value or list of values}, e.g. "
            f"where={{'stimulus_name': 'natural_scenes'}}; got {value!r}."
        )
    out: dict[str, tuple[Any, ...]] = {}
    for column, wanted in value.items():
        if not isinstance(column, str):
            raise SourceError(f"where= keys must be column names (str), got {column!r}.")
        if isinstance(wanted, (str, bytes)) or not isinstance(wanted, (Sequence, np.ndarray)):
            wanted = (wanted,)
        if len(wanted) == 0:
            raise SourceError(f"where={{{column!r}: ...}} lists no values; give at least one.")
        out[column] = tuple(wanted)
    return out


def _epoch(key: str, value: Any) -> tuple[str | Interval, ...]:
    items: list[Any]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, (Sequence, np.ndarray)) and len(value) == 2 and all(
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool) for v in value):
        items = [value]
    elif isinstance(value, (Sequence, np.ndarray)) and len(value) > 0:
        items = list(value)
    else:
        items = [value]
    out: list[str | Interval] = []
    for item in items:
        if isinstance(item, str) and item:
            out.append(item)
        elif isinstance(item, (Sequence, np.ndarray)) and not isinstance(item, (str, bytes)):
            out.append(_pair(key, item, "(600.0, 1200.0)"))
        else:
            raise SourceError(
                "epoch= must be an epoch name or tag (e.g. 'wake'), a (start, stop) pair in "
                f"seconds, or a list of those; got {value!r}."
            )
    return tuple(out)


def _regions(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (Sequence, np.ndarray)) or len(value) == 0 or not all(
            isinstance(v, str) and v for v in value):
        raise SourceError(f"regions= must be a list of region names, got {value!r}.")
    if len(set(value)) != len(value):
        raise SourceError(f"regions= names a region twice: {list(value)!r}.")
    return tuple(value)


def _column_table(key: str, value: Any) -> str | bool:
    if value is False:
        return False
    return _string(key, value)


def _system(key: str, value: Any) -> str:
    return _string(key, value)


_PARSERS = {
    "kind": _kind,
    "window": _window,
    "range": _range,
    "epoch_fraction": _fraction,
    "repetitions": _bool,
    "bins": _bins,
    "component": _component,
    "min_occupancy": _min_occupancy,
    "where": _where,
    "epoch": _epoch,
    "regions": _regions,
    "column_table": _column_table,
    "system": _system,
}
