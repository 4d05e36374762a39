"""Group positions of a representation, in group order (a helper for the measure tests)."""

from __future__ import annotations

import hotneuro as hn


def group_positions(rep):
    """Integer unit positions of each group, in order of first appearance."""
    return list(hn.representations.groups(rep).values())
