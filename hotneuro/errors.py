"""The hotneuro exception hierarchy.

Every error hotneuro raises on bad input derives from :class:`HotneuroError`, and
also from the built-in exception that fits (``ValueError`` or ``TypeError``), so
``except ValueError`` keeps working in user code. Messages say what was wrong and
how to fix it.
"""

from __future__ import annotations

__all__ = [
    "EmptyGroupError",
    "DuplicateIdError",
    "GroupCoordError",
    "HotneuroError",
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
]


class HotneuroError(Exception):
    """Base class of every error raised by hotneuro."""


class RepresentationError(HotneuroError, ValueError):
    """A representation breaks the data contract (DESIGN section 1)."""


class RepresentationTypeError(HotneuroError, TypeError):
    """The input is not something a representation can be built from."""


class NonFiniteError(RepresentationError):
    """The values contain NaN or infinity."""


class DuplicateIdError(RepresentationError):
    """Stimulus or unit ids are not unique."""


class GroupCoordError(RepresentationError):
    """The group coordinate (``layer`` or ``region``) or the dims are wrong."""


class TooFewStimuliError(RepresentationError):
    """Fewer stimuli than a correlation needs."""


class EmptyGroupError(RepresentationError):
    """A group has no units (or none left after dropping constant units)."""


class StimulusMismatchError(HotneuroError, ValueError):
    """Two representations (or a split) do not agree on their stimulus ids."""


class UnknownMethodError(HotneuroError, ValueError):
    """A comparison method name that no installed method provides."""


class ParameterError(HotneuroError, ValueError):
    """A parameter value outside its allowed range or an invalid combination."""


class SolverError(HotneuroError, RuntimeError):
    """An optimal-transport solver failed to reach an exact solution."""


class UnknownSourceError(HotneuroError, ValueError):
    """A data source name that no installed source provides, or no source for a file."""


class SourceError(HotneuroError, ValueError):
    """A file a source cannot turn into a representation (corrupt, incomplete, ...)."""


class MissingDependencyError(HotneuroError, ImportError):
    """An optional dependency that a requested feature needs is not installed."""


class PluginError(HotneuroError, RuntimeError):
    """Plugins conflict (two register the same name) or a plugin breaks the hook contract."""


class PluginWarning(UserWarning):
    """A plugin failed to import or register and was skipped; the rest keeps working."""
