"""``hotneuro.load``: turn a file, URI or object into a representation through a source."""

from __future__ import annotations

import os
from typing import Any

import xarray as xr

from .errors import SourceError, UnknownSourceError
from .plugins import get_source, registry
from .representations import validate

__all__ = ["find_source", "load"]


def _local_path(what: Any) -> str | None:
    """``what`` as a local file path, or None for URIs and in-memory objects."""
    if isinstance(what, (str, os.PathLike)):
        target = os.fspath(what)
        return None if "://" in str(target) else str(target)
    return None


def _describe(what: Any) -> str:
    if isinstance(what, (str, os.PathLike)):
        return repr(os.fspath(what))
    return f"a {type(what).__module__}.{type(what).__name__} object"


def find_source(target: Any) -> str | None:
    """The first registered source whose ``can_open`` accepts ``target``, or None."""
    for name, (spec, _plugin) in registry().sources.items():
        try:
            if spec.can_open(target):
                return name
        except Exception:  # a sniffer must not break loading through another source
            continue
    return None


def load(path_or_uri: Any, source: str | None = None, **options: Any) -> xr.DataArray:
    """Load a representation from a file, a URI or an object, with a data source.

    Parameters
    ----------
    path_or_uri : str, path-like or object
        What to load: a file, a URI, or an in-memory object a source understands (for
        example a ``torch.nn.Module`` for the model-activation source of the
        ``hotneuro-torch`` plugin).
    source : str, optional
        Name of the source (see :func:`hotneuro.list_sources`). Without it, every source
        is asked in turn whether it can open the input and the first that can is used.
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
        Unknown source name, or no source can open the input (the message lists them).
    SourceError
        The input exists but cannot be read as asked (corrupt, incomplete, bad options),
        or a local file does not exist.
    """
    local = _local_path(path_or_uri)
    target = local if local is not None else path_or_uri
    if local is not None and not os.path.exists(local):
        suffix = f" (source {source!r})" if source else ""
        raise SourceError(f"No such file: {local!r}{suffix}.")
    if source is None:
        source = find_source(target)
        if source is None:
            known = ", ".join(registry().sources) or "none"
            raise UnknownSourceError(
                f"No data source recognises {_describe(path_or_uri)}; pass source= "
                f"explicitly (available: {known})."
            )
    spec = get_source(source)
    rep = validate(spec.load(target, **options), copy=False)
    rep.attrs["source"] = source
    return rep
