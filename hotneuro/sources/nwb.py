"""NWB recordings as representations (pynwb, imported lazily)."""

from __future__ import annotations

from .spec import Source

__all__ = ["sources"]


def sources() -> list[Source]:
    """The NWB sources hotneuro registers."""
    return []
