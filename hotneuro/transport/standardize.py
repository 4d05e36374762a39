"""Per-unit standardization fitted on the fitting stimuli only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CONSTANT_RTOL", "Standardizer"]

#: A unit is constant when its std over the fitting stimuli is at most this times its max |x|.
CONSTANT_RTOL = 1e-10


@dataclass(frozen=True)
class Standardizer:
    """Means and population stds of each unit over the fitting stimuli.

    Attributes
    ----------
    mean, std : ndarray of shape (n_units,)
        Float64 statistics over the fitting rows.
    constant : ndarray of bool, shape (n_units,)
        Units with ``std <= 1e-10 * max|x|`` over the fitting rows (all-zero units
        included). They cannot be standardized and are dropped by callers.
    """

    mean: np.ndarray
    std: np.ndarray
    constant: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        """Fit on ``x`` of shape (n_fit_stimuli, n_units); computed in float64."""
        x = np.asarray(x, dtype=np.float64)
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        scale = np.maximum(x.max(axis=0), -x.min(axis=0))  # max |x| without a temporary
        constant = std <= CONSTANT_RTOL * scale
        return cls(mean=mean, std=std, constant=constant)

    def transform(self, x: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        """Standardize ``x`` (any stimuli) with the fitted statistics.

        Parameters
        ----------
        x : ndarray of shape (n_stimuli, n_units)
        keep : ndarray of int, optional
            Column positions to keep (default: the non-constant units).

        Returns
        -------
        ndarray of shape (n_stimuli, n_kept), float64, C-contiguous.
        """
        if keep is None:
            keep = np.flatnonzero(~self.constant)
        z = np.array(np.asarray(x)[:, keep], dtype=np.float64, order="C")  # one copy
        z -= self.mean[keep]
        z /= self.std[keep]
        return z
