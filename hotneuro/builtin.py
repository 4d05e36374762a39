"""Registration of hotneuro's own plugin modules (shared by the source and method plugins)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

from .errors import PluginWarning

__all__ = ["register_from_modules"]


def register_from_modules(modules: Sequence[str], factory: str,
                          register: Callable[[Any], None], kind: str) -> None:
    """Import each module, call its ``factory()`` and register what it returns.

    A module that fails gives a :class:`~hotneuro.PluginWarning` naming it and is skipped,
    so one broken family never hides the others.
    """
    for module in modules:
        try:
            found = getattr(import_module(module), factory)()
        except Exception as exc:
            warnings.warn(
                f"hotneuro's built-in {kind} module {module} failed to load and is "
                f"skipped: {type(exc).__name__}: {exc}. Reinstall hotneuro.",
                PluginWarning,
                stacklevel=3,
            )
            continue
        for item in found:
            register(item)
