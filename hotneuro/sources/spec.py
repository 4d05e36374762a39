"""What a data source is: a name, a loader and an optional file sniffer."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

__all__ = ["Source"]

PathLike = str | os.PathLike[str]


def _never(path: PathLike) -> bool:
    return False


@dataclass(frozen=True)
class Source:
    """A data source that turns files (or URIs) into representations.

    Parameters
    ----------
    name : str
        Unique name, used as ``hotneuro.load(path, source=name)``.
    load : callable
        ``load(path, **options) -> xarray.DataArray``, a representation (DESIGN section 1).
        Bad files raise :class:`hotneuro.SourceError` with a message that says what is
        wrong and how to fix it.
    can_open : callable, optional
        ``can_open(path) -> bool``: cheap, never raises; lets :func:`hotneuro.load` pick
        this source for a file. Default: never picked automatically.
    description : str
        One line for ``hotneuro.list_sources()``.
    extensions : tuple of str
        File suffixes the source reads (informative), e.g. ``(".nwb",)``.
    metadata : mapping
        Free-form extra information (options, reference).
    """

    name: str
    load: Callable[..., xr.DataArray]
    can_open: Callable[[PathLike], bool] = _never
    description: str = ""
    extensions: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
