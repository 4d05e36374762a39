"""Small real recordings bundled with hotneuro, ready to compare.

>>> import hotneuro as hn
>>> [d["name"] for d in hn.datasets.list()]
['A2929-200711', 'haxby2001-slice']

The files live in the repository's ``datasets/`` folder (with their provenance, licences
and the scripts that built them) and are installed inside the package, so installed
copies find them too. Each dataset has named *views*: the options that turn the file
into the representation a study needs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import ParameterError, SourceError

__all__ = ["Dataset", "list", "load", "path"]


@dataclass(frozen=True)
class Dataset:
    """A bundled recording: where it is, what it is, and how to read it."""

    name: str
    file: str
    description: str
    licence: str
    citation: str
    sha256: str
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_view: str = ""


#: Wake-epoch head-direction tuning: 30 bins of CompassDirection/ry over the full circle.
_HEAD_DIRECTION: dict[str, Any] = {
    "variable": "CompassDirection/ry", "bins": 30, "range": (0.0, 2 * math.pi),
    "epoch": "wake",
}
#: Mean BOLD of each voxel over each category's blocks (the block's own start and stop).
_CATEGORIES: dict[str, Any] = {"intervals": "presentations", "stimulus_column": "category"}

_CATALOG: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="A2929-200711",
            file="A2929-200711/A2929-200711.nwb",
            description="Mouse head-direction session (Peyrache lab, via pynapple): 15 "
                        "spike-sorted units, 7 in ADn and 8 in CA1; stimuli are 30 bins of "
                        "head direction in the wake epoch.",
            licence="MIT (pynapple)",
            citation="Peyrache lab recording distributed with pynapple 0.11.4 "
                     "(Viejo et al. 2023, eLife 12:RP85786).",
            sha256="a329216d2108dac0fff3fd3326c99f52f1bec6c354c2cdb330978e558caeb1f2",
            views={
                "head-direction": _HEAD_DIRECTION,
                "wake-first-half": {**_HEAD_DIRECTION, "epoch_fraction": (0.0, 0.5)},
                "wake-second-half": {**_HEAD_DIRECTION, "epoch_fraction": (0.5, 1.0)},
            },
            default_view="head-direction",
        ),
        Dataset(
            name="haxby2001-slice",
            file="haxby2001-slice/haxby2001-sub001-slice.nwb",
            description="Human fMRI, Haxby et al. (2001) subject 1: 530 voxels of one "
                        "ventral-temporal slice in 3 posterior-to-anterior groups; stimuli "
                        "are 8 object categories shown in 12 runs.",
            licence="CC BY-SA 3.0 (data of Haxby et al. 2001, via PyMVPA)",
            citation="Haxby, J. V. et al. (2001). Science 293:2425-2430, "
                     "doi:10.1126/science.1063736.",
            sha256="04991a0a4f1b37ad5d2356630efa711288932c6f1b51f8483551550935d59fb0",
            views={
                "categories": _CATEGORIES,
                "odd-runs": {**_CATEGORIES, "where": {"run": (1, 3, 5, 7, 9, 11)}},
                "even-runs": {**_CATEGORIES, "where": {"run": (2, 4, 6, 8, 10, 12)}},
            },
            default_view="categories",
        ),
    )
}


def _get(name: str) -> Dataset:
    if name not in _CATALOG:
        raise ParameterError(
            f"Unknown dataset {name!r}; bundled: {', '.join(_CATALOG)}."
        )
    return _CATALOG[name]


def list() -> list[dict[str, Any]]:  # noqa: A001 - the documented public name
    """The bundled datasets.

    Returns
    -------
    list of dict
        ``{"name", "description", "licence", "citation", "views", "path"}`` per dataset.
    """
    return [{"name": d.name, "description": d.description, "licence": d.licence,
             "citation": d.citation, "views": [*d.views], "path": str(path(d.name))}
            for d in _CATALOG.values()]


def path(name: str, *, verify: bool = False) -> Path:
    """Where a bundled dataset's file is.

    Parameters
    ----------
    name : str
    verify : bool
        Check the file's sha256 against the catalog.

    Raises
    ------
    SourceError
        The file is missing (an incomplete installation) or its checksum differs.
    """
    entry = _get(name)
    location = Path(str(files("hotneuro").joinpath("data", entry.file)))
    if not location.is_file():
        raise SourceError(
            f"The file of dataset {name!r} is missing at {location}; reinstall hotneuro "
            "(pip install --force-reinstall hotneuro)."
        )
    if verify:
        digest = hashlib.sha256(location.read_bytes()).hexdigest()
        if digest != entry.sha256:
            raise SourceError(
                f"Dataset {name!r} at {location} has sha256 {digest}, expected "
                f"{entry.sha256}; the file is damaged, reinstall hotneuro."
            )
    return location


def load(name: str, view: str | None = None, **options: Any) -> xr.DataArray:
    """Load a bundled dataset as a representation.

    Parameters
    ----------
    name : str
        A name from :func:`list`.
    view : str, optional
        A named set of loading options (see ``list()[i]["views"]``); default the
        dataset's main view.
    **options
        Override or add NWB source options (see :func:`hotneuro.load`).

    Returns
    -------
    xarray.DataArray
        A representation with ``attrs["dataset"]`` and ``attrs["view"]``.
    """
    from .loading import load as load_file

    entry = _get(name)
    view = view or entry.default_view
    if view not in entry.views:
        raise ParameterError(
            f"Dataset {name!r} has no view {view!r}; views: {', '.join(entry.views)}."
        )
    rep = load_file(path(name), **{**entry.views[view], **options})
    rep.attrs["dataset"] = name
    rep.attrs["view"] = view
    return rep
