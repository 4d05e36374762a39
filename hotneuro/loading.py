"""``hotneuro.load``: open a file or URI as a representation through a data source."""

from __future__ import annotations

import os
from typing import Any

import xarray as xr

from .errors import SourceError, UnknownSourceError
from .plugins import get_source, registry
from .representations import validate

__all__ = ["load"]


def load(path_or_uri: str | os.PathLike[str], source: str | None = None,
         **options: Any) -> xr.DataArray:
    """Load a representation from a file (or URI) with a data source.

    Parameters
    ----------
    path_or_uri : str or path-like
        What to load.
    source : str, optional
        Name of the source (see :func:`hotneuro.list_sources`). Without it, every source
        is asked in turn whether it can open the file and the first that can is used.
    **options
        Passed to the source's loader (e.g. ``intervals=``, ``stimulus_column=``,
        ``window=`` for NWB).

    Returns
    -------
    xarray.DataArray
        A validated representation; ``attrs["source"]`` names the source that loaded
        it (replacing any older value saved in the file).

    Raises
    ------
    UnknownSourceError
        Unknown source name, or no source can open the file (the message lists them).
    SourceError
        The file exists but cannot be read as asked (corrupt, incomplete, bad options).
    """
    target = os.fspath(path_or_uri)
    if source is None:
        if "://" not in target and not os.path.exists(target):
            raise SourceError(f"No such file: {target!r}.")
        for name, (spec, _plugin) in registry().sources.items():
            try:
                ok = bool(spec.can_open(target))
            except Exception:  # a sniffer must not break loading through another source
                ok = False
            if ok:
                source = name
                break
        else:
            known = ", ".join(registry().sources) or "none"
            raise UnknownSourceError(
                f"No data source recognises {target!r}; pass source= explicitly "
                f"(available: {known})."
            )
    spec = get_source(source)
    if "://" not in target and not os.path.exists(target):
        raise SourceError(f"No such file: {target!r} (source {source!r}).")
    rep = validate(spec.load(target, **options), copy=False)
    rep.attrs["source"] = source
    return rep
