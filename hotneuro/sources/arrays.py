"""Representations saved as arrays: netCDF, ``.npz`` and HDF5.

:func:`save` writes a representation in any of the three formats and the registered
sources ``netcdf``, ``npz`` and ``hdf5`` read them back with every coordinate and attr.

The ``.npz`` and HDF5 layout
----------------------------
Both formats hold the same named arrays, so files written by other tools can be read
as long as they follow it:

==================  =======================================================
name                content
==================  =======================================================
``values``          responses, shape (stimuli, units) or (stimuli, units, repetitions)
``stimulus``        stimulus ids, shape (stimuli,), str or int
``unit``            unit ids, shape (units,), str or int
``layer``           group of each unit (models), shape (units,) — or ``region``
``region``          group of each unit (brains), shape (units,) — exactly one of the two
``repetition``      optional repetition ids when ``values`` is 3-D
``coord/<name>``    optional extra coordinate on one dim (``coord/depth``); its dim is
                    given by ``coord_dim/<name>`` (npz) or the dataset attr ``dim`` (HDF5)
``attrs``           optional JSON object of attrs (npz: a 0-d str array; HDF5: a root
                    attribute ``attrs``), e.g. ``{"system": "mouse A2929"}``
==================  =======================================================

Strings are stored as fixed-width unicode in ``.npz`` (read with ``allow_pickle=False``)
and as UTF-8 variable-length strings in HDF5.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from ..errors import ParameterError, SourceError
from ..representations import GROUP_LEVELS, validate
from .spec import Source

__all__ = ["FORMATS", "save", "sources"]

Format = Literal["netcdf", "npz", "hdf5"]
#: File suffixes of each format.
FORMATS: dict[str, tuple[str, ...]] = {
    "netcdf": (".nc", ".nc4", ".netcdf"),
    "npz": (".npz",),
    "hdf5": (".h5", ".hdf5", ".hdf"),
}
_MARKER = "hotneuro_representation"
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _format_of(path: str | os.PathLike[str]) -> Format | None:
    suffix = Path(path).suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name  # type: ignore[return-value]
    return None


def save(rep: xr.DataArray, path: str | os.PathLike[str], format: Format | None = None
         ) -> Path:
    """Save a representation so that :func:`hotneuro.load` reads it back unchanged.

    Parameters
    ----------
    rep : xarray.DataArray
        A representation (validated first).
    path : str or path-like
        Destination; the format follows the suffix (``.nc``, ``.npz``, ``.h5``) unless
        ``format`` is given.
    format : {"netcdf", "npz", "hdf5"}, optional

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import numpy as np, hotneuro as hn
    >>> rep = hn.representation({"l1": np.arange(12.).reshape(4, 3) ** 2}, system="toy")
    >>> import tempfile, os; d = tempfile.mkdtemp()
    >>> back = hn.load(hn.save(rep, os.path.join(d, "toy.npz")))
    >>> bool((back == rep).all()), back.attrs["system"]
    (True, 'toy')
    """
    rep = validate(rep)
    fmt = format or _format_of(path)
    if fmt not in FORMATS:
        raise ParameterError(
            f"Cannot tell the format of {os.fspath(path)!r}; use a suffix "
            f"({', '.join(s for v in FORMATS.values() for s in v)}) or format= one of "
            f"{list(FORMATS)}."
        )
    path = Path(path)
    _check_attrs(rep.attrs)
    if fmt == "netcdf":
        out = rep.copy()
        # The exact attrs travel as JSON; plain ones are repeated for other netCDF readers.
        # (str() turns str subclasses, such as torch's version string, into plain str.)
        plain = {k: str(v) if isinstance(v, str) else v for k, v in rep.attrs.items()
                 if isinstance(v, (str, int, float))}
        out.attrs = {**plain, _MARKER: 1, "attrs_json": json.dumps(rep.attrs)}
        out.name = out.name or "responses"
        out.to_netcdf(path, engine="h5netcdf")
    else:
        arrays, attrs_json = _to_layout(rep)
        if fmt == "npz":
            np.savez_compressed(path, **{k.replace("/", "__"): v for k, v in arrays.items()},
                                attrs=np.array(attrs_json))
            if path.suffix != ".npz":  # numpy appends .npz to other names
                os.replace(str(path) + ".npz", path)
        else:
            _write_hdf5(path, arrays, attrs_json)
    return path


def _check_attrs(attrs: Mapping[str, Any]) -> None:
    try:
        json.dumps(dict(attrs))
    except TypeError as exc:
        raise ParameterError(
            f"The representation's attrs cannot be saved ({exc}); keep attrs to str, "
            "numbers, lists and dicts."
        ) from exc


def _to_layout(rep: xr.DataArray) -> tuple[dict[str, np.ndarray], str]:
    arrays: dict[str, np.ndarray] = {"values": rep.values}
    for name, coord in rep.coords.items():
        values = np.asarray(coord.values)
        if values.dtype == object:
            values = values.astype(str)
        if name in ("stimulus", "unit", "repetition", *GROUP_LEVELS):
            arrays[str(name)] = values
        else:
            if coord.ndim != 1:
                raise ParameterError(
                    f"Coordinate {name!r} has dims {coord.dims}; only 1-D extra "
                    "coordinates can be saved to .npz or HDF5 (use netCDF)."
                )
            arrays[f"coord/{name}"] = values
            arrays[f"coord_dim/{name}"] = np.array(coord.dims[0])
    return arrays, json.dumps(dict(rep.attrs))


def _from_layout(arrays: Mapping[str, np.ndarray], attrs_json: str | None, path: str
                 ) -> xr.DataArray:
    missing = [k for k in ("values", "stimulus", "unit") if k not in arrays]
    levels = [g for g in GROUP_LEVELS if g in arrays]
    if missing or len(levels) != 1:
        what = ", ".join(missing) if missing else "exactly one of 'layer'/'region'"
        raise SourceError(
            f"{path!r} lacks {what}. A saved representation holds 'values', 'stimulus', "
            "'unit' and 'layer' or 'region' (see hotneuro.sources.arrays for the layout); "
            "write one with hotneuro.save(rep, path)."
        )
    values = np.asarray(arrays["values"])
    dims = ("stimulus", "unit", "repetition")[: values.ndim]
    if values.ndim not in (2, 3):
        raise SourceError(
            f"'values' in {path!r} has shape {values.shape}; expected (stimuli, units) or "
            "(stimuli, units, repetitions)."
        )
    coords: dict[str, Any] = {
        "stimulus": arrays["stimulus"],
        "unit": arrays["unit"],
        levels[0]: ("unit", arrays[levels[0]]),
    }
    if "repetition" in arrays:
        coords["repetition"] = arrays["repetition"]
    for key, value in arrays.items():
        if key.startswith("coord/"):
            name = key[len("coord/"):]
            dim = arrays.get(f"coord_dim/{name}")
            if dim is None:
                raise SourceError(f"Coordinate {name!r} in {path!r} does not say its dim.")
            coords[name] = (str(np.asarray(dim)), value)
    try:
        attrs = json.loads(attrs_json) if attrs_json else {}
        rep = xr.DataArray(values, dims=dims, coords=coords, attrs=attrs)
    except (ValueError, TypeError) as exc:
        raise SourceError(f"{path!r} does not hold a consistent representation: {exc}"
                          ) from exc
    return validate(rep, copy=False)


def _write_hdf5(path: Path, arrays: Mapping[str, np.ndarray], attrs_json: str) -> None:
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["attrs"] = attrs_json
        f.attrs[_MARKER] = 1
        for key, value in arrays.items():
            if key.startswith("coord_dim/"):
                continue
            if value.dtype.kind == "U":
                value = value.astype(object)
                ds = f.create_dataset(key, data=value, dtype=h5py.string_dtype())
            else:
                ds = f.create_dataset(key, data=value)
            if key.startswith("coord/"):
                ds.attrs["dim"] = str(arrays[f"coord_dim/{key[len('coord/'):]}"])


def _load_hdf5(path: str, **options: Any) -> xr.DataArray:
    _no_options(options)
    import h5py

    try:
        with h5py.File(path, "r") as f:
            arrays: dict[str, np.ndarray] = {}

            def visit(name: str, obj: Any) -> None:
                if isinstance(obj, h5py.Dataset):
                    data = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]
                    arrays[name] = np.asarray(data).astype(str) if np.asarray(
                        data).dtype == object else np.asarray(data)
                    if "dim" in obj.attrs:
                        arrays[f"coord_dim/{name[len('coord/'):]}"] = np.array(
                            str(obj.attrs["dim"]))

            f.visititems(visit)
            attrs_json = f.attrs.get("attrs")
    except OSError as exc:
        raise SourceError(f"{path!r} is not a readable HDF5 file ({exc}).") from exc
    if isinstance(attrs_json, bytes):
        attrs_json = attrs_json.decode()
    return _from_layout(arrays, attrs_json, path)


def _load_npz(path: str, **options: Any) -> xr.DataArray:
    _no_options(options)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k.replace("__", "/"): data[k] for k in data.files if k != "attrs"}
            attrs_json = str(data["attrs"]) if "attrs" in data.files else None
    except (OSError, ValueError) as exc:
        raise SourceError(
            f"{path!r} is not a readable .npz file of plain arrays ({exc})."
        ) from exc
    return _from_layout(arrays, attrs_json, path)


def _load_netcdf(path: str, **options: Any) -> xr.DataArray:
    _no_options(options)
    try:
        with xr.open_dataarray(path, engine="h5netcdf") as da:
            rep = da.load()
    except ValueError as exc:
        raise SourceError(
            f"{path!r} does not hold a single data variable ({exc}); save a "
            "representation with hotneuro.save(rep, path)."
        ) from exc
    except OSError as exc:
        raise SourceError(f"{path!r} is not a readable netCDF4 file ({exc}).") from exc
    attrs_json = rep.attrs.pop("attrs_json", None)
    rep.attrs.pop(_MARKER, None)
    if attrs_json is not None:
        rep.attrs = json.loads(attrs_json)
    for name in list(rep.coords):
        if rep[name].dtype == object:
            rep = rep.assign_coords({name: (rep[name].dims, rep[name].values.astype(str))})
    rep.name = None
    return validate(rep, copy=False)


def _no_options(options: Mapping[str, Any]) -> None:
    if options:
        raise ParameterError(
            f"Saved representations are read as they are; the options "
            f"{', '.join(sorted(options))} do not apply to them."
        )


def _sniffer(fmt: Format):
    def can_open(path: str | os.PathLike[str]) -> bool:
        if not isinstance(path, (str, os.PathLike)):
            return False
        if _format_of(path) != fmt or not os.path.isfile(path):
            return False
        if fmt == "npz":
            return True
        try:
            with open(path, "rb") as fh:
                if fh.read(8) != _HDF5_SIGNATURE:
                    return False
        except OSError:
            return False
        return True

    return can_open


def sources() -> list[Source]:
    """The array sources hotneuro registers: ``netcdf``, ``npz`` and ``hdf5``."""
    return [
        Source(name="netcdf", load=_load_netcdf, can_open=_sniffer("netcdf"),
               description="A representation saved as netCDF4 (hotneuro.save or "
                           "DataArray.to_netcdf)", extensions=FORMATS["netcdf"]),
        Source(name="npz", load=_load_npz, can_open=_sniffer("npz"),
               description="A representation saved as .npz in hotneuro's array layout",
               extensions=FORMATS["npz"]),
        Source(name="hdf5", load=_load_hdf5, can_open=_sniffer("hdf5"),
               description="A representation saved as HDF5 in hotneuro's array layout",
               extensions=FORMATS["hdf5"]),
    ]
