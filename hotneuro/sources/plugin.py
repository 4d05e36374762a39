"""hotneuro's built-in data sources, registered as an ordinary plugin.

Each built-in source module exposes ``sources() -> list[Source]``; heavy readers
(pynwb, h5py) are imported only when a file is actually loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from ..builtin import register_from_modules
from ..hookspecs import hookimpl
from .spec import Source

__all__ = ["BUILTIN_SOURCE_MODULES", "hotneuro_register_sources"]

#: Modules whose ``sources()`` are registered, in this order.
BUILTIN_SOURCE_MODULES: tuple[str, ...] = ("hotneuro.sources.arrays", "hotneuro.sources.nwb")


@hookimpl
def hotneuro_register_sources(register: Callable[[Source], None]) -> None:
    register_from_modules(BUILTIN_SOURCE_MODULES, "sources", register, "source")
