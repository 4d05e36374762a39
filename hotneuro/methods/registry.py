"""Names of the built-in comparison methods and where their code lives (imported lazily)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from ..errors import UnknownMethodError

__all__ = ["MethodSpec", "available_methods", "get_method", "list_methods"]


@dataclass(frozen=True)
class MethodSpec:
    """A comparison method: its name, implementation and metadata."""

    name: str
    module: str
    function: str

    def load(self) -> Callable[..., Any]:
        """Import and return the implementation."""
        return getattr(import_module(self.module), self.function)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(import_module(self.module).METADATA)


_BUILTIN = {
    "hot": MethodSpec("hot", "hotneuro.methods.hot", "compare_hot"),
}


def available_methods() -> list[str]:
    """Names of every method :func:`hotneuro.compare` accepts."""
    return list(_BUILTIN)


def get_method(name: str) -> MethodSpec:
    """The method called ``name``.

    Raises
    ------
    UnknownMethodError
        Naming the methods that exist.
    """
    if not isinstance(name, str) or name not in _BUILTIN:
        raise UnknownMethodError(
            f"Unknown comparison method {name!r}; available: {', '.join(available_methods())}."
        )
    return _BUILTIN[name]


def list_methods() -> list[dict[str, Any]]:
    """Every available comparison method with its metadata.

    Returns
    -------
    list of dict
        ``{"name", "description", "plugin", "metadata"}`` per method.
    """
    out = []
    for spec in _BUILTIN.values():
        meta = spec.metadata
        out.append({"name": spec.name, "description": meta.get("description", ""),
                    "plugin": "hotneuro", "metadata": meta})
    return out
