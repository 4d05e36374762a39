"""Linear centered kernel alignment (CKA), biased and debiased.

For centred responses ``X`` (stimuli x units) and ``Y``, linear CKA is

    CKA(X, Y) = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)),   K = X X^T, L = Y Y^T,

with the biased HSIC ``tr(K H L H)`` (Kornblith et al. 2019) or the unbiased HSIC
estimator of Song et al. (2012), which removes the bias towards 1 of CKA with few
stimuli and many units ("debiased CKA", e.g. Murphy et al. 2024). Each group's Gram
matrix is computed once and shared by all its pairs.

References
----------
Kornblith, Norouzi, Lee & Hinton (2019), Similarity of neural network representations
revisited, ICML. Song, Smola, Gretton, Bedo & Borgwardt (2012), Feature selection via
dependence maximization, JMLR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method

__all__ = ["METADATA", "compare_cka", "methods"]

METADATA: dict[str, Any] = {
    "description": "Linear centered kernel alignment between every group pair; "
                   "debiased=True uses the unbiased HSIC estimator.",
    "higher_is_similar": True,
    "symmetric": True,
    "metric": False,
    "invariances": ["permutation", "orthogonal", "isotropic scaling", "translation"],
    "needs_fit_split": False,
    "options": {"debiased": "bool, default False"},
    "reference": "Kornblith et al. (2019) ICML; Song et al. (2012) JMLR (unbiased HSIC)",
}


@dataclass(frozen=True)
class _Gram:
    gram: np.ndarray  # centred Gram (biased) or Gram with zero diagonal (unbiased)
    self_hsic: float
    row_sums: np.ndarray | None = None
    total: float = 0.0


def _prepare(debiased: bool):
    def prepare(x: np.ndarray) -> _Gram:
        xc = x - x.mean(axis=0)
        gram = xc @ xc.T
        if not debiased:
            return _Gram(gram, float(np.sum(gram * gram)))
        np.fill_diagonal(gram, 0.0)
        n = gram.shape[0]
        rows = gram.sum(axis=1)
        total = float(rows.sum())
        self_hsic = _unbiased(gram, rows, total, gram, rows, total, n)
        return _Gram(gram, self_hsic, rows, total)

    return prepare


def _unbiased(k: np.ndarray, k_rows: np.ndarray, k_total: float, l: np.ndarray,
              l_rows: np.ndarray, l_total: float, n: int) -> float:
    term = (np.sum(k * l) + k_total * l_total / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * float(k_rows @ l_rows))
    return float(term / (n * (n - 3)))


def _measure(debiased: bool):
    def measure(a: _Gram, b: _Gram) -> float:
        if debiased:
            n = a.gram.shape[0]
            hsic = _unbiased(a.gram, a.row_sums, a.total, b.gram, b.row_sums, b.total, n)
        else:
            hsic = float(np.sum(a.gram * b.gram))
        denominator = np.sqrt(a.self_hsic * b.self_hsic) if a.self_hsic > 0 and \
            b.self_hsic > 0 else 0.0
        return hsic / denominator if denominator > 0 else 0.0

    return measure


def compare_cka(source, target, *, options: dict[str, Any] | None = None, **kwargs: Any):
    """Linear CKA over all group pairs (see :func:`hotneuro.compare`, ``method="cka"``).

    Options: ``debiased`` (bool, default False).
    """
    options = dict(options or {})
    debiased = options.pop("debiased", False)
    if options:
        raise ParameterError(f"cka takes the option debiased=, not {sorted(options)}.")
    if not isinstance(debiased, bool):
        raise ParameterError(f"debiased must be True or False, got {debiased!r}.")
    if debiased and source.sizes["stimulus"] < 4:
        raise ParameterError("Debiased CKA needs at least 4 stimuli.")
    measure = PairwiseMeasure(
        prepare=_prepare(debiased),
        measure=_measure(debiased),
        higher_is_similar=True,
        similarity=lambda v: v,
        distance=lambda v: 1.0 - v,
    )
    return compare_pairwise(source, target, measure=measure, method="cka",
                            settings={"debiased": debiased}, **kwargs)


def methods() -> list[Method]:
    """Linear CKA as a registered method (``debiased=`` option)."""
    return [Method(name="cka", compare=compare_cka, description=METADATA["description"],
                   metadata=METADATA)]
