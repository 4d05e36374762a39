"""The hooks through which plugins add data sources and comparison methods.

A plugin is a module (or object) with functions named after these hooks and marked with
:data:`hookimpl`, announced in its distribution's metadata under the entry-point group
``hotneuro``::

    # pyproject.toml of the plugin
    [project.entry-points.hotneuro]
    csv = "hotneuro_csv.plugin"

    # hotneuro_csv/plugin.py
    from hotneuro.hookspecs import hookimpl
    from hotneuro.sources import Source

    @hookimpl
    def hotneuro_register_sources(register):
        register(Source(name="csv", load=load_csv, can_open=is_csv,
                        description="Response tables in CSV/TSV"))

hotneuro's own sources and methods are registered through these same hooks. This module
holds specifications only, no implementations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .methods.spec import Method
    from .sources.spec import Source

__all__ = ["PROJECT", "hookimpl", "hookspec", "hotneuro_register_methods",
           "hotneuro_register_sources"]

#: The pluggy project name and the entry-point group plugins are announced under.
PROJECT = "hotneuro"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a plugin's hook implementation: ``@hookimpl def hotneuro_register_sources(...)``.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def hotneuro_register_sources(register: Callable[[Source], None]) -> None:
    """Register data sources.

    Parameters
    ----------
    register : callable
        Call ``register(Source(...))`` once per source the plugin provides. A source's
        ``load(path, **options)`` returns a representation (DESIGN section 1); its
        optional ``can_open(path)`` says, cheaply and without raising, whether it can read
        a file, so that :func:`hotneuro.load` can pick a source by itself. Names must be
        unique across all installed plugins.
    """


@hookspec
def hotneuro_register_methods(register: Callable[[Method], None]) -> None:
    """Register comparison methods.

    Parameters
    ----------
    register : callable
        Call ``register(Method(...))`` once per method. A method's ``compare`` receives
        two validated representations on the same stimuli, in the same order, and the
        keywords ``split_plan`` (:class:`hotneuro.splits.SplitPlan`), ``seed``,
        ``n_jobs``, ``progress``, ``parameters`` and ``options`` (the method's own
        keyword options given to :func:`hotneuro.compare`; reject unknown ones with
        :class:`hotneuro.ParameterError`); it returns a
        :class:`hotneuro.results.ComparisonResult`. Its ``metadata`` declares
        ``higher_is_similar``, ``symmetric``, ``metric``, ``invariances`` and
        ``reference``. Names must be unique across all installed plugins.
    """
