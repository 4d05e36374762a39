"""Plugin loading: built-in and installed plugins, loaded lazily, once, recoverably.

Plugins are found under the entry-point group ``hotneuro``; hotneuro's own sources and
methods are registered through the same hooks. Nothing is loaded at import time: the
first call that needs a source or method builds the registry.

Environment variables
---------------------
``HOTNEURO_PLUGINS``
    Comma-separated entry-point names: load only these installed plugins (built-ins are
    always loaded). ``HOTNEURO_PLUGINS=""`` (set but empty) loads no installed plugin.
``HOTNEURO_BLOCK_PLUGINS``
    Comma-separated entry-point names never to load.
``HOTNEURO_TRACE_PLUGINS``
    Set to ``1`` to print every hook call to stderr.

A plugin that fails to import or to register gives a :class:`~hotneuro.PluginWarning`
naming it, and the rest keeps working; two plugins registering the same name is a
:class:`~hotneuro.PluginError` naming both.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError, PluginWarning, UnknownMethodError, UnknownSourceError
from .methods.spec import Method
from .sources.spec import Source

__all__ = [
    "BUILTIN_PLUGINS",
    "PluginInfo",
    "Registry",
    "get_method",
    "get_source",
    "list_methods",
    "list_sources",
    "plugin_manager",
    "plugins",
    "registry",
    "reset",
]

#: Modules of hotneuro's own plugins, registered before any installed plugin.
BUILTIN_PLUGINS: tuple[str, ...] = ("hotneuro.methods.plugin", "hotneuro.sources.plugin")


@dataclass
class PluginInfo:
    """One plugin: where it comes from and what it registered (or why it failed)."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    sources: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Registry:
    """Everything the plugins registered."""

    manager: pluggy.PluginManager
    sources: dict[str, tuple[Source, str]] = field(default_factory=dict)
    methods: dict[str, tuple[Method, str]] = field(default_factory=dict)
    plugins: dict[str, PluginInfo] = field(default_factory=dict)


_lock = threading.RLock()
_registry: Registry | None = None


def _names(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {n.strip() for n in raw.split(",") if n.strip()}


def _entry_points() -> Iterable[EntryPoint]:
    return entry_points(group=hookspecs.PROJECT)


def _warn(info: PluginInfo, what: str, exc: BaseException) -> None:
    info.error = f"{type(exc).__name__}: {exc}"
    warnings.warn(
        f"hotneuro plugin {info.name!r} ({info.module}) failed to {what} and is skipped: "
        f"{info.error}. Fix or uninstall it, or block it with "
        f"HOTNEURO_BLOCK_PLUGINS={info.name}.",
        PluginWarning,
        stacklevel=4,
    )


def _build() -> Registry:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if os.environ.get("HOTNEURO_TRACE_PLUGINS", "") not in ("", "0"):
        pm.trace.root.setwriter(lambda msg: sys.stderr.write(msg))
        pm.enable_tracing()
    reg = Registry(manager=pm)
    for module in BUILTIN_PLUGINS:
        reg.plugins[module] = PluginInfo(name=module, module=module, distribution="hotneuro",
                                         builtin=True)
        pm.register(import_module(module), name=module)
    allow, block = _names("HOTNEURO_PLUGINS"), _names("HOTNEURO_BLOCK_PLUGINS") or set()
    for ep in _entry_points():
        if ep.name in reg.plugins:
            raise PluginError(
                f"Two installed plugins are both named {ep.name!r} ({ep.value} and "
                f"{reg.plugins[ep.name].module}); uninstall one of them."
            )
        dist = getattr(ep, "dist", None)
        info = PluginInfo(name=ep.name, module=ep.value,
                          distribution=getattr(dist, "name", None),
                          version=getattr(dist, "version", None))
        if ep.name in block or (allow is not None and ep.name not in allow):
            continue
        reg.plugins[ep.name] = info
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not break hotneuro
            _warn(info, "import", exc)
    pm.check_pending()
    _collect(reg, "sources", pm.hook.hotneuro_register_sources, Source)
    _collect(reg, "methods", pm.hook.hotneuro_register_methods, Method)
    return reg


def _collect(reg: Registry, kind: str, hook: Any, spec_type: type) -> None:
    table: dict[str, tuple[Any, str]] = getattr(reg, kind)
    # Each implementation is called on its own, in registration order (built-ins first),
    # so that every name is attributed to the plugin that registered it.
    for impl in hook.get_hookimpls():
        plugin = reg.manager.get_name(impl.plugin) or repr(impl.plugin)
        info = reg.plugins.setdefault(plugin, PluginInfo(name=plugin, module=plugin))
        staged: dict[str, Any] = {}

        def register(spec: Any, _staged: dict[str, Any] = staged, _plugin: str = plugin) -> None:
            if not isinstance(spec, spec_type):
                raise TypeError(
                    f"register() takes a hotneuro {spec_type.__name__}, got "
                    f"{type(spec).__name__}"
                )
            for other_table in (table, _staged):
                if spec.name in other_table:
                    owner = table[spec.name][1] if other_table is table else _plugin
                    raise PluginError(
                        f"{kind[:-1].capitalize()} name {spec.name!r} is registered by both "
                        f"plugin {owner!r} and plugin {_plugin!r}; uninstall or block one "
                        "of them (HOTNEURO_BLOCK_PLUGINS)."
                    )
            _staged[spec.name] = spec

        try:
            impl.function(register=register)
        except PluginError:
            raise
        except Exception as exc:
            _warn(info, f"register its {kind}", exc)
            continue
        for name, spec in staged.items():
            table[name] = (spec, plugin)
            getattr(info, kind).append(name)


def registry() -> Registry:
    """The registry of every plugin's sources and methods, built on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = _build()
        return _registry


def plugin_manager() -> pluggy.PluginManager:
    """The pluggy plugin manager (built on first use)."""
    return registry().manager


def reset() -> None:
    """Forget the loaded plugins; the next call that needs them loads them again."""
    global _registry
    with _lock:
        _registry = None


def plugins() -> list[PluginInfo]:
    """Every plugin considered: built-in and installed, with versions and load errors."""
    return list(registry().plugins.values())


def _unknown(kind: str, name: object, known: Iterable[str], error: Callable[[str], Exception]
             ) -> Exception:
    return error(
        f"Unknown {kind} {name!r}; available: {', '.join(sorted(known)) or 'none'}. "
        f"Installed plugins add more {kind}s (see hotneuro.list_{kind}s())."
    )


def get_method(name: str) -> Method:
    """The comparison method called ``name``; an unknown name lists what exists."""
    methods = registry().methods
    if not isinstance(name, str) or name not in methods:
        raise _unknown("method", name, methods, UnknownMethodError)
    return methods[name][0]


def get_source(name: str) -> Source:
    """The data source called ``name``; an unknown name lists what exists."""
    sources = registry().sources
    if not isinstance(name, str) or name not in sources:
        raise _unknown("source", name, sources, UnknownSourceError)
    return sources[name][0]


def list_methods() -> list[dict[str, Any]]:
    """Every available comparison method.

    Returns
    -------
    list of dict
        ``{"name", "description", "plugin", "metadata"}`` per method, in registration
        order (built-ins first).
    """
    return [{"name": name, "description": spec.description, "plugin": plugin,
             "metadata": dict(spec.metadata)}
            for name, (spec, plugin) in registry().methods.items()]


def list_sources() -> list[dict[str, Any]]:
    """Every available data source.

    Returns
    -------
    list of dict
        ``{"name", "description", "plugin", "extensions", "metadata"}`` per source.
    """
    return [{"name": name, "description": spec.description, "plugin": plugin,
             "extensions": list(spec.extensions), "metadata": dict(spec.metadata)}
            for name, (spec, plugin) in registry().sources.items()]
