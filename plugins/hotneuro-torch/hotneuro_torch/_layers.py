"""Choosing layers by name or pattern (no torch needed here).

A pattern is matched against a module name part by part: both are split at ``.`` and
must have the same number of parts, each matched with :func:`fnmatch.fnmatchcase`
(``*``, ``?``, ``[seq]``). So ``*`` never crosses a dot: ``"_blocks.*"`` matches
``"_blocks.0"`` .. ``"_blocks.15"`` but not ``"_blocks.0._depthwise_conv"``, and
``"encoder.layer.*.output"`` matches each block's ``output`` submodule. A name without
wildcards is an exact match.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from fnmatch import fnmatchcase

from hotneuro.errors import ParameterError, SourceError

__all__ = ["as_patterns", "matches", "select"]


def as_patterns(layers: object, what: str = "layers") -> list[str]:
    """``layers`` (one name/pattern or a sequence of them) as a list of non-empty str."""
    if isinstance(layers, str):
        patterns = [layers]
    elif isinstance(layers, Sequence) and not isinstance(layers, bytes):
        patterns = list(layers)
    else:
        raise ParameterError(
            f"{what}= takes a module name or pattern (str) or a list of them, got "
            f"{type(layers).__name__}; e.g. layers=['conv1', 'layer*']."
        )
    if not patterns:
        raise ParameterError(f"{what}= is empty; name at least one layer, e.g. "
                             f"{what}='conv1' or {what}=['_blocks.*'].")
    for p in patterns:
        if not isinstance(p, str) or not p:
            raise ParameterError(
                f"{what}= holds {p!r}; every entry must be a non-empty module name or "
                "pattern (str). The model itself (name '') is not a layer."
            )
    return patterns


def matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern``, dot-separated part by part.

    >>> matches("_blocks.*", "_blocks.3"), matches("_blocks.*", "_blocks.3.bn")
    (True, False)
    """
    parts, pattern_parts = name.split("."), pattern.split(".")
    return len(parts) == len(pattern_parts) and all(
        fnmatchcase(n, p) for n, p in zip(parts, pattern_parts, strict=True))


def select(names: Sequence[str], patterns: Sequence[str], *, model: str,
           kind: str = "module") -> list[str]:
    """The names matching any pattern, in the order of ``names`` (network order).

    Raises
    ------
    SourceError
        A pattern matches no name; the message lists close names.
    """
    chosen = [n for n in names if n and any(matches(p, n) for p in patterns)]
    missing = [p for p in patterns if not any(matches(p, n) for n in names if n)]
    if missing:
        raise SourceError(_unknown_message(missing, [n for n in names if n], model, kind))
    return chosen


def _unknown_message(missing: list[str], names: list[str], model: str, kind: str) -> str:
    hints = []
    position = {n: i for i, n in enumerate(names)}
    for p in missing:
        close = difflib.get_close_matches(p, names, n=5, cutoff=0.5)
        # shown at the pattern's depth first, then in network order
        close.sort(key=lambda n: (n.count(".") != p.count("."), position[n]))
        if not close:  # a pattern: compare its literal prefix with names of that depth
            depth = p.count(".")
            prefix = p.split("*")[0].split("?")[0].split("[")[0]
            same = [n for n in names if n.count(".") == depth]
            close = difflib.get_close_matches(prefix, same, n=5, cutoff=0.4) if prefix \
                else same[:5]
        shown = ", ".join(repr(c) for c in close) if close else "none"
        hints.append(f"{p!r} (close {kind} names: {shown})")
    top = [n for n in names if "." not in n][:12]
    return (
        f"No {kind} of {model} matches " + "; ".join(hints) + ". Names are matched part "
        "by part at dots, so '*' does not cross a '.' ('_blocks.*' matches '_blocks.0' but "
        "not '_blocks.0.bn'). Top-level names: "
        + (", ".join(repr(n) for n in top) or "none")
        + (" (see all with [name for name, _ in model.named_modules()])."
           if kind == "module" else ".")
    )
