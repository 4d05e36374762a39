"""What a comparison method is: a name, an implementation and its metadata."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INVARIANCES", "METADATA_KEYS", "Method"]

#: Keys every method's metadata declares.
METADATA_KEYS: tuple[str, ...] = (
    "higher_is_similar", "symmetric", "metric", "invariances", "needs_fit_split", "options",
    "reference",
)
#: Invariance names methods declare (and the conformance tests check by transforming input).
INVARIANCES: tuple[str, ...] = (
    "permutation", "orthogonal", "isotropic scaling", "invertible linear", "translation",
    "per-unit affine scaling",
)


@dataclass(frozen=True)
class Method:
    """A comparison method, registered through the ``hotneuro_register_methods`` hook.

    Parameters
    ----------
    name : str
        Unique name, used as ``hotneuro.compare(a, b, method=name)``.
    compare : callable
        ``compare(source, target, *, split_plan, seed, n_jobs, progress, parameters,
        options)``
        returning a :class:`hotneuro.results.ComparisonResult`; ``source`` and ``target``
        are validated representations on the same stimuli in the same order.
    description : str
        One line for ``hotneuro.list_methods()``.
    metadata : mapping
        At least :data:`METADATA_KEYS`.
    """

    name: str
    compare: Callable[..., Any]
    description: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)
