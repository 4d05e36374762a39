"""hotneuro's built-in comparison methods, registered as an ordinary plugin.

Each method family module exposes ``methods() -> list[Method]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from importlib import import_module

from ..errors import PluginWarning
from ..hookspecs import hookimpl
from .spec import Method

__all__ = ["BUILTIN_METHOD_MODULES", "hotneuro_register_methods"]

#: Method family modules, registered in this order.
BUILTIN_METHOD_MODULES: tuple[str, ...] = (
    "hotneuro.methods.hot",
    "hotneuro.methods.cka",
    "hotneuro.methods.rsa",
    "hotneuro.methods.procrustes",
    "hotneuro.methods.cca",
    "hotneuro.methods.predictivity",
    "hotneuro.methods.matching",
)


@hookimpl
def hotneuro_register_methods(register: Callable[[Method], None]) -> None:
    for module in BUILTIN_METHOD_MODULES:
        try:
            found = import_module(module).methods()
        except Exception as exc:  # one broken family must not hide the others
            warnings.warn(
                f"hotneuro's built-in method module {module} failed to load and is "
                f"skipped: {type(exc).__name__}: {exc}. Reinstall hotneuro.",
                PluginWarning,
                stacklevel=2,
            )
            continue
        for method in found:
            register(method)
