"""Assembling the representation: unit selection by region, coords, attrs, validation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ...errors import SourceError
from ...representations import MIN_STIMULI, validate
from ._continuous import Binning
from ._io import listing
from ._options import Options
from ._presentations import Stimuli
from ._report import warn

__all__ = ["Responses", "assemble", "binned_stimuli"]


@dataclass
class Responses:
    """Everything read from the file, before it becomes a representation."""

    stimuli: Stimuli
    unit_ids: np.ndarray
    regions: list[str | None]
    unit_coords: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)


def _ids(values: np.ndarray, limit: int = 10) -> str:
    return listing(np.asarray(values).tolist(), limit=limit)


def binned_stimuli(binning: Binning, sums: np.ndarray, denominators: np.ndarray,
                   opts: Options, extra: dict[str, np.ndarray] | None = None) -> Stimuli:
    """Per-bin responses ``sums / denominators``, bins with no occupancy (or less than
    ``min_occupancy``) or a zero denominator dropped and reported."""
    occupancy = binning.occupancy
    keep = (occupancy > opts.min_occupancy) & (occupancy > 0) & (denominators > 0)
    labels = binning.labels
    edges = binning.edges
    attrs: dict[str, Any] = {
        "variable": binning.variable,
        "bins": int(binning.n_bins),
        "bin_edges": edges.astype(np.float64),
        "total_occupancy": float(occupancy.sum()),
    }
    if binning.intervals is not None:
        attrs["time_intervals"] = json.dumps(binning.intervals.tolist())
    if not keep.all():
        attrs["empty_bins"] = json.dumps(labels[~keep].tolist())
        warn(f"{int((~keep).sum())} of {labels.size} bins of {binning.variable!r} have no "
              f"occupancy{' above min_occupancy' if opts.min_occupancy else ''} and are "
              f"dropped (bin centres {_ids(labels[~keep])}); attrs['empty_bins'] lists them.")
    values = sums[keep] / denominators[keep][:, None]
    index = np.flatnonzero(keep)
    coords = {
        "bin": index.astype(np.int64),
        "bin_start": edges[:-1][keep],
        "bin_stop": edges[1:][keep],
        "occupancy": occupancy[keep],
    }
    for name, arr in (extra or {}).items():
        coords[name] = arr[keep]
    return Stimuli(labels[keep], values, coords, attrs)


def assemble(resp: Responses, opts: Options, meta: dict[str, str], system: str
             ) -> xr.DataArray:
    """Drop units without region (or with non-finite responses), order units by region,
    and build and validate the representation."""
    stim = resp.stimuli
    if stim.ids.size < MIN_STIMULI:
        raise SourceError(
            f"Only {stim.ids.size} stimulus id(s) are left ({_ids(stim.ids)}); a "
            f"representation needs at least {MIN_STIMULI}. Check stimulus_column=, where=, "
            "epoch= or bins=."
        )
    attrs: dict[str, Any] = {"system": system, **meta, **resp.attrs, **stim.attrs}
    regions = [r if r is not None else opts.default_region for r in resp.regions]
    keep = _kept_units(np.asarray(resp.unit_ids), regions, stim.values, attrs)
    cols = _unit_order(regions, keep, opts)
    dims = ("stimulus", "unit", "repetition")[:stim.values.ndim]
    coords: dict[str, Any] = {
        "stimulus": stim.ids,
        "unit": np.asarray(resp.unit_ids)[cols],
        "region": ("unit", np.array([regions[i] for i in cols], dtype=str)),
    }
    for name, arr in stim.coords.items():
        coords[name] = ("stimulus", arr)
    for name, arr in resp.unit_coords.items():
        coords[name] = ("unit", np.asarray(arr)[cols])
    if stim.values.ndim == 3:
        coords["repetition"] = np.arange(stim.values.shape[2], dtype=np.int64)
    rep = xr.DataArray(stim.values[:, cols], dims=dims, coords=coords,
                       attrs={k: _attr(v) for k, v in attrs.items()})
    return validate(rep, copy=False)


def _kept_units(ids: np.ndarray, regions: list[str | None], values: np.ndarray,
                attrs: dict[str, Any]) -> np.ndarray:
    """Units with a region and finite responses; the others reported in attrs and a
    warning."""
    keep = np.array([r is not None for r in regions], dtype=bool)
    if not keep.any():
        raise SourceError(
            f"No unit has a region in {attrs.get('file', 'the file')} (no usable "
            "location/region column, electrode group location or electrode location). Name "
            "the column with region_column=, or give them all one with default_region=."
        )
    if not keep.all():
        lost = ids[~keep]
        attrs["units_without_region"] = json.dumps(lost.tolist())
        warn(f"{lost.size} unit(s) have no region in the file and are dropped (ids "
             f"{_ids(lost)}); attrs['units_without_region'] lists them. Give them one with "
             "region_column= or default_region=.")
    finite = np.isfinite(values).all(axis=tuple(i for i in range(values.ndim) if i != 1))
    lost = ids[~finite & keep]
    if lost.size:
        attrs["units_with_nan"] = json.dumps(lost.tolist())
        warn(f"{lost.size} unit(s) have NaN or infinite samples inside the response "
             f"windows and are dropped (ids {_ids(lost)}); attrs['units_with_nan'] "
             "lists them.")
        keep &= finite
        if not keep.any():
            raise SourceError(
                "Every unit has NaN or infinite samples inside the response windows; choose "
                "windows where the signal was recorded (check epoch= and window=)."
            )
    return keep


def _unit_order(regions: list[str | None], keep: np.ndarray, opts: Options) -> np.ndarray:
    """Positions of the kept units, grouped by region: regions in order of first
    appearance (or of ``regions=``), file order within a region."""
    present = list(dict.fromkeys(r for r, k in zip(regions, keep, strict=True) if k))
    if opts.regions is not None:
        missing = [r for r in opts.regions if r not in present]
        if missing:
            raise SourceError(
                f"regions= names {listing(missing)}, which no kept unit has; the regions "
                f"are: {listing(present)}."
            )
        present = list(opts.regions)
    rank = {r: i for i, r in enumerate(present)}
    chosen = [int(i) for i in np.flatnonzero(keep) if regions[i] in rank]
    chosen.sort(key=lambda i: rank[regions[i]])  # stable sort
    return np.asarray(chosen, dtype=np.int64)


def _attr(value: Any) -> Any:
    """Attribute values as str, int, float or a list of floats: JSON-serializable, and
    each survives netCDF; anything else as a JSON string."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim == 1:
        return [float(v) for v in value]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return json.dumps(value)
