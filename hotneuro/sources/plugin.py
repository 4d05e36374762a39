"""hotneuro's built-in data sources, registered as an ordinary plugin.

Each built-in source module exposes ``sources() -> list[Source]``; heavy readers
(pynwb, h5py) are imported only when a file is actually loaded.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib import import_module

from ..errors import PluginWarning
from ..hookspecs import hookimpl
from .spec import Source

__all__ = ["BUILTIN_SOURCE_MODULES", "hotneuro_register_sources"]

#: Modules whose ``sources()`` are registered, in this order.
BUILTIN_SOURCE_MODULES: tuple[str, ...] = ("hotneuro.sources.arrays", "hotneuro.sources.nwb")


@hookimpl
def hotneuro_register_sources(register: Callable[[Source], None]) -> None:
    for module in BUILTIN_SOURCE_MODULES:
        try:
            found = import_module(module).sources()
        except Exception as exc:  # one broken reader must not hide the others
            warnings.warn(
                f"hotneuro's built-in source module {module} failed to load and is "
                f"skipped: {type(exc).__name__}: {exc}. Reinstall hotneuro.",
                PluginWarning,
                stacklevel=2,
            )
            continue
        for source in found:
            register(source)
