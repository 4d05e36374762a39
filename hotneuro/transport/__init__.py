"""Numeric kernels of hotneuro on plain numpy arrays (no labels, no xarray).

- :mod:`.standardize`: per-unit z-scoring fitted on a subset of stimuli;
- :mod:`.exact`: exact optimal transport with uniform marginals, as sparse plans;
- :mod:`.hot`: the two-level HOT fit over all group pairs;
- :mod:`.reconstruct`: held-out reconstruction of source groups from a fit.
"""

from .exact import SparsePlan, exact_plan
from .hot import HOTFit, correlation_cost, fit_hot
from .reconstruct import reconstruction_scores
from .standardize import Standardizer

__all__ = ["HOTFit", "SparsePlan", "Standardizer", "correlation_cost", "exact_plan", "fit_hot",
           "reconstruction_scores"]
