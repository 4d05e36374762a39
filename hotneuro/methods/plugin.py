"""hotneuro's built-in comparison methods, registered as an ordinary plugin.

Each method family module exposes ``methods() -> list[Method]``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..builtin import register_from_modules
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
    register_from_modules(BUILTIN_METHOD_MODULES, "methods", register, "method")
