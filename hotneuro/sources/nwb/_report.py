"""Warnings about what was left out while reading, attributed to the user's call."""

from __future__ import annotations

import sys
import warnings

__all__ = ["NWBWarning", "warn"]


class NWBWarning(UserWarning):
    """Something was left out while reading an NWB file (units without a region, empty
    bins, repetitions beyond the smallest count); the representation's attrs list it."""


def warn(message: str) -> None:
    """Warn with :class:`NWBWarning`, attributed to the first caller outside hotneuro."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("hotneuro"):
        level, frame = level + 1, frame.f_back
    warnings.warn(message, NWBWarning, stacklevel=level)
