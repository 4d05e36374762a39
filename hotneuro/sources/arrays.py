"""Saved arrays (netCDF, npz, HDF5) as representations."""

from __future__ import annotations

from .spec import Source

__all__ = ["sources"]


def sources() -> list[Source]:
    """The array sources hotneuro registers."""
    return []
