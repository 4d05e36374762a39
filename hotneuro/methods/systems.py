"""A system's values cut into groups, shared by every comparison method."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..errors import EmptyGroupError
from ..representations import group_level, groups
from ..transport import Standardizer

__all__ = ["System", "kept_positions"]


@dataclass(frozen=True)
class System:
    """One system's raw values split into groups (positions along ``unit``)."""

    name: str
    level: str
    labels: list[str]
    positions: list[np.ndarray]
    unit_ids: np.ndarray
    values: np.ndarray  # (stimuli, units), float64

    @classmethod
    def from_representation(cls, rep: xr.DataArray, default_name: str) -> System:
        grouped = groups(rep)
        return cls(
            name=str(rep.attrs.get("system", default_name)),
            level=group_level(rep),
            labels=[str(g) for g in grouped],
            positions=list(grouped.values()),
            unit_ids=rep["unit"].values,
            values=np.asarray(rep.values, dtype=np.float64),
        )


def kept_positions(system: System, standardizer: Standardizer, side: str
                   ) -> list[np.ndarray]:
    """Positions of each group's non-constant units; a group left empty is an error."""
    kept = []
    for label, pos in zip(system.labels, system.positions, strict=True):
        keep = pos[~standardizer.constant[pos]]
        if keep.size == 0:
            raise EmptyGroupError(
                f"Every unit of {side} {system.level} {label!r} (system {system.name!r}) is "
                "constant on the fitting stimuli, so it has no correlations; drop that "
                f"{system.level}, or use more or other stimuli."
            )
        kept.append(keep)
    return kept
