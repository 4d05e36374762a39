"""Unit matching between groups: soft matching (exact OT) and hard one-to-one matching.

Both methods z-score every unit over the fitting stimuli (population std, as HOT does),
so a unit is its standardized tuning vector ``z`` over the T stimuli, and compare two
units by ``C[i, j] = 1 - rho(x_i, y_j) = 1 - z_i . z_j / T``, the cost of HOT's inner
problem (DESIGN section 2). Since ``||z_i - z_j||^2 / T = 2 - 2 rho``, the correlation
cost is half the squared Euclidean distance between scaled tuning vectors, so both
costs give the same optimal matchings.

``soft_matching`` (Khosla & Williams 2023) solves, for each group pair, the exact
transport problem with uniform marginals (row sums ``1/n``, column sums ``1/n'``), which
splits units between partners when the widths differ:

    soft_matching = min_Q <C, Q> = <C, Q*>,

exactly HOT's inner value ``c_lm`` (``result.matrix`` of ``method="hot"``). ``1 - value``
is the mean correlation of matched units (weighted by the plan), reported as similarity.

``permutation`` matches units one to one (linear assignment on the same cost) and reports
the mean cost over matched pairs. With equal widths this is the permutation distance of
Williams et al. (2021) and equals soft matching (an optimal plan between equal uniform
marginals is a permutation, Birkhoff). With unequal widths every unit of the narrower
group is matched to a distinct unit of the wider one and the wider group's other units
are left out (rectangular assignment); the value is then the mean cost over the
``min(n, n')`` matched pairs. It stays symmetric but is no longer a metric, and it ignores
units that soft matching would account for.

Option ``cost``:

- ``"correlation"`` (default): the value is the mean matched ``1 - rho``, in [0, 2].
- ``"euclidean"``: the value is ``sqrt(min_Q sum_ij Q_ij ||z_i - z_j||^2 / T)``, the
  2-Wasserstein distance between the groups' scaled tuning vectors, which is the metric
  form of Khosla & Williams (2023) (and of Williams et al. 2021 for ``permutation`` with
  equal widths). It equals ``sqrt(2 * value_correlation)`` exactly: the same matching,
  a monotone transform of the value.

In both cases the similarity is the mean matched correlation (``1 - value`` for the
correlation cost, ``1 - value**2 / 2`` for the Euclidean one) and the distance is the
value. The methods are invariant to permuting units, to translating them, and to
rescaling each unit by its own *positive* factor (a negative factor flips the sign of its
correlations and changes the matching).

References
----------
Khosla & Williams (2023), Soft matching distance: a metric on neural representations that
captures single-neuron tuning, UniReps workshop (NeurIPS), arXiv:2311.09466.
Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics on neural
representations, NeurIPS.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..errors import ParameterError
from ..transport import Standardizer, exact_plan
from ..transport.hot import correlation_cost
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method

__all__ = [
    "COSTS",
    "PERMUTATION_METADATA",
    "SOFT_MATCHING_METADATA",
    "compare_permutation",
    "compare_soft_matching",
    "methods",
    "permutation_value",
    "soft_matching_value",
]

#: Values of the ``cost`` option.
COSTS: tuple[str, ...] = ("correlation", "euclidean")

_INVARIANCES = ["permutation", "isotropic scaling", "translation", "per-unit affine scaling"]
_COST_OPTION = (
    "'correlation' (default: value = mean matched 1 - Pearson r, in [0, 2]) or "
    "'euclidean' (value = sqrt(2 * that), the 2-Wasserstein distance between z-scored "
    "tuning vectors scaled by 1/sqrt(T); same matching)"
)

SOFT_MATCHING_METADATA: dict[str, Any] = {
    "description": "Soft matching distance between every group pair: exact optimal "
                   "transport between the units of two groups on 1 - Pearson r "
                   "(HOT's inner value c_lm).",
    "higher_is_similar": False,
    "symmetric": True,
    # The default correlation cost is a squared distance; cost='euclidean' is the metric
    # (on units up to permutation and positive per-unit affine maps).
    "metric": False,
    "invariances": _INVARIANCES,
    "needs_fit_split": False,
    "options": {"cost": _COST_OPTION},
    "reference": "Khosla & Williams (2023), Soft matching distance, arXiv:2311.09466",
}

PERMUTATION_METADATA: dict[str, Any] = {
    "description": "Hard one-to-one unit matching between every group pair (linear "
                   "assignment on 1 - Pearson r); with unequal widths only min(n, n') "
                   "units are matched.",
    "higher_is_similar": False,
    "symmetric": True,
    "metric": False,
    "invariances": _INVARIANCES,
    "needs_fit_split": False,
    "options": {"cost": _COST_OPTION},
    "reference": "Williams, Kunz, Kornblith & Linderman (2021), Generalized shape metrics "
                 "on neural representations, NeurIPS",
}


def _standardize(x: np.ndarray) -> np.ndarray:
    """Z-score each unit over the stimuli (population std; units are non-constant)."""
    return Standardizer.fit(x).transform(x, np.arange(x.shape[1]))


def soft_matching_value(zx: np.ndarray, zy: np.ndarray) -> float:
    """``min <1 - rho, Q>`` over uniform-marginal plans, for standardized blocks."""
    return exact_plan(correlation_cost(zx, zy)).value


def permutation_value(zx: np.ndarray, zy: np.ndarray) -> float:
    """Mean ``1 - rho`` over an optimal one-to-one matching of ``min(n, n')`` units."""
    cost = correlation_cost(zx, zy)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def _parse(name: str, options: dict[str, Any] | None) -> str:
    options = dict(options or {})
    cost = options.pop("cost", "correlation")
    if options:
        raise ParameterError(f"{name} takes the option cost=, not {sorted(options)}.")
    if not isinstance(cost, str) or cost not in COSTS:
        raise ParameterError(
            f"cost must be one of {', '.join(map(repr, COSTS))}, got {cost!r}."
        )
    return cost


def _measure(value, cost: str) -> PairwiseMeasure:
    if cost == "correlation":
        def measure(zx: np.ndarray, zy: np.ndarray) -> float:
            return value(zx, zy)

        def similarity(v: np.ndarray) -> np.ndarray:
            return 1.0 - v
    else:
        def measure(zx: np.ndarray, zy: np.ndarray) -> float:
            # ||z_i - z_j||^2 / T = 2 (1 - rho): same plan, twice the value. Rounding can
            # leave an identical pair a hair below zero.
            return float(np.sqrt(max(2.0 * value(zx, zy), 0.0)))

        def similarity(v: np.ndarray) -> np.ndarray:
            return 1.0 - np.square(v) / 2.0

    return PairwiseMeasure(prepare=_standardize, measure=measure, higher_is_similar=False,
                           similarity=similarity, distance=lambda v: v)


def _compare(name: str, value, source, target, options, kwargs: dict[str, Any]):
    cost = _parse(name, options)
    return compare_pairwise(source, target, measure=_measure(value, cost), method=name,
                            settings={"cost": cost}, **kwargs)


def compare_soft_matching(source, target, *, options: dict[str, Any] | None = None,
                          **kwargs: Any):
    """Soft matching distance over all group pairs (``method="soft_matching"``).

    Options: ``cost`` (``"correlation"`` or ``"euclidean"``); see the module docstring.
    """
    return _compare("soft_matching", soft_matching_value, source, target, options, kwargs)


def compare_permutation(source, target, *, options: dict[str, Any] | None = None,
                        **kwargs: Any):
    """One-to-one unit matching over all group pairs (``method="permutation"``).

    Options: ``cost`` (``"correlation"`` or ``"euclidean"``); see the module docstring.
    """
    return _compare("permutation", permutation_value, source, target, options, kwargs)


def methods() -> list[Method]:
    """Soft matching and hard permutation matching, as registered methods."""
    return [
        Method(name="soft_matching", compare=compare_soft_matching,
               description=SOFT_MATCHING_METADATA["description"],
               metadata=SOFT_MATCHING_METADATA),
        Method(name="permutation", compare=compare_permutation,
               description=PERMUTATION_METADATA["description"],
               metadata=PERMUTATION_METADATA),
    ]
