"""hotneuro: compare representations of models and brains with Hierarchical Optimal Transport.

The public API, importable from the top level. Importing :mod:`hotneuro` is cheap: the
numeric and labeled-array libraries load on first use of a function that needs them.

>>> import hotneuro as hn
>>> hn.compare  # doctest: +ELLIPSIS
<function compare at ...>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    DuplicateIdError,
    EmptyGroupError,
    GroupCoordError,
    HotneuroError,
    MissingDependencyError,
    NonFiniteError,
    ParameterError,
    PluginError,
    PluginWarning,
    RepresentationError,
    RepresentationTypeError,
    SolverError,
    SourceError,
    StimulusMismatchError,
    TooFewStimuliError,
    UnknownMethodError,
    UnknownSourceError,
)

__version__ = "0.1.0"

_LAZY = {
    "representation": "hotneuro.representations",
    "validate": "hotneuro.representations",
    "align": "hotneuro.representations",
    "compare": "hotneuro.comparison",
    "compare_sequences": "hotneuro.multilevel",
    "compare_many": "hotneuro.many",
    "open_many": "hotneuro.many",
    "ManyResult": "hotneuro.many",
    "open_result": "hotneuro.results",
    "ComparisonResult": "hotneuro.results",
    "HOTResult": "hotneuro.results",
    "list_methods": "hotneuro.plugins",
    "list_sources": "hotneuro.plugins",
    "load": "hotneuro.loading",
    "save": "hotneuro.sources.arrays",
}

if TYPE_CHECKING:  # pragma: no cover
    from .comparison import compare
    from .loading import load
    from .many import ManyResult, compare_many, open_many
    from .multilevel import compare_sequences
    from .plugins import list_methods, list_sources
    from .representations import align, representation, validate
    from .results import ComparisonResult, HOTResult, open_result
    from .sources.arrays import save

__all__ = [
    "ComparisonResult",
    "DuplicateIdError",
    "EmptyGroupError",
    "GroupCoordError",
    "HOTResult",
    "HotneuroError",
    "ManyResult",
    "MissingDependencyError",
    "NonFiniteError",
    "ParameterError",
    "PluginError",
    "PluginWarning",
    "RepresentationError",
    "RepresentationTypeError",
    "SolverError",
    "SourceError",
    "StimulusMismatchError",
    "TooFewStimuliError",
    "UnknownMethodError",
    "UnknownSourceError",
    "__version__",
    "align",
    "ceilings",
    "compare",
    "compare_many",
    "compare_sequences",
    "datasets",
    "list_methods",
    "list_sources",
    "load",
    "open_many",
    "open_result",
    "plots",
    "representation",
    "save",
    "study",
    "validate",
]


#: Submodules reachable as attributes (``hn.datasets.list()``), imported on first use.
_SUBMODULES = ("ceilings", "datasets", "plots", "plugins", "study", "testing")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"hotneuro.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hotneuro' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
