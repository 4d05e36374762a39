"""Representational similarity analysis (RSA): compare representational dissimilarity matrices.

Each group's representational dissimilarity matrix (RDM) holds a dissimilarity for every
pair of stimuli, computed from the stimuli's response patterns over the group's units:

- ``rdm="correlation"`` (default): ``1 - r(x_i, x_j)``, with ``r`` the Pearson correlation
  between the patterns of stimuli ``i`` and ``j`` across units;
- ``rdm="euclidean"``: ``||x_i - x_j||``, the Euclidean distance between the patterns.

Two RDMs are compared over their upper triangles (the ``n (n - 1) / 2`` stimulus pairs,
diagonal excluded) with

- ``compare="spearman"`` (default): Spearman's rank correlation (Pearson correlation of
  average ranks, as :func:`scipy.stats.spearmanr`);
- ``compare="pearson"``: Pearson's correlation;
- ``compare="kendall"``: Kendall's tau-a, ``(concordant - discordant) / (N (N - 1) / 2)``
  over the ``N`` entries of the triangles; tied pairs count as neither, and unlike tau-b
  the denominator has no tie correction (Nili et al. 2014 recommend tau-a to compare
  models that predict tied dissimilarities).

Each group's RDM (and its ranks) is computed once, then shared by all its pairs.

Invariances. A correlation RDM is unchanged by permuting units and by scaling them all by
one positive factor; it changes under rotations and translations of the unit space
(``r`` centres each pattern across units, and that mean is not rotation- or
translation-invariant). A Euclidean RDM is also unchanged by rotations, reflections and
translations; isotropic scaling multiplies it by a constant, which none of the three
comparisons sees. The metadata declares what holds for every option (the correlation
RDM's two invariances); with ``rdm="euclidean"`` the method is also orthogonal- and
translation-invariant.

Numerics and cost. RDMs come from a Gram matrix (BLAS, ``O(n^2 p)`` for ``n`` stimuli and
``p`` units); entries below ``1e-6`` of their scale, where the Gram form cancels badly, are
recomputed from the difference of the two patterns. Spearman and Pearson cost ``O(N)`` per
pair after ``O(N log N)`` ranking per group. Kendall's tau-a counts discordant pairs as
the inversions of the target's ranks taken in the source's order, by a vectorized
most-significant-bit-first radix partition (``O(N log N)`` per pair, no Python loop over
entries; a sort per pair only when the source RDM has ties), instead of the ``O(N^2)``
count over all ``N (N - 1) / 2`` pairs of entries (about 1e9 for 300 stimuli).

A stimulus whose pattern is constant across a group's units (a group with one unit, or
all zeros after a ReLU) has no correlation distance: that is an error, and
``rdm="euclidean"`` is the fix. An RDM whose entries are all equal has no order; its
Spearman and Pearson correlations are reported as 0.

References
----------
Kriegeskorte, Mur & Bandettini (2008), Representational similarity analysis - connecting
the branches of systems neuroscience, Front. Syst. Neurosci. 2:4. Nili et al. (2014), A
toolbox for representational similarity analysis, PLoS Comput. Biol. 10(4):e1003553.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from ..errors import ParameterError
from .pairwise import PairwiseMeasure, compare_pairwise
from .spec import Method

__all__ = ["METADATA", "compare_rsa", "kendall_tau_a", "methods", "rdm_vector"]

RDM_KINDS: tuple[str, ...] = ("correlation", "euclidean")
COMPARISONS: tuple[str, ...] = ("spearman", "pearson", "kendall")

METADATA: dict[str, Any] = {
    "description": "Representational similarity analysis: correlation or Euclidean RDMs of "
                   "every group, compared by Spearman, Pearson or Kendall tau-a.",
    "higher_is_similar": True,
    "symmetric": True,
    "metric": False,
    # What holds for every option; rdm="euclidean" adds "orthogonal" and "translation".
    "invariances": ["permutation", "isotropic scaling"],
    "needs_fit_split": False,
    "options": {
        "rdm": "'correlation' (1 - Pearson r between stimulus patterns, default) or "
               "'euclidean' (also invariant to rotations and translations)",
        "compare": "'spearman' (default), 'pearson' or 'kendall' (tau-a), over the RDMs' "
                   "upper triangles",
    },
    "reference": "Kriegeskorte, Mur & Bandettini (2008) Front. Syst. Neurosci. 2:4; "
                 "Nili et al. (2014) PLoS Comput. Biol. 10:e1003553 (Kendall tau-a)",
}

#: Squared distances below this fraction of ``|x_i|^2 + |x_j|^2`` are recomputed directly.
_CANCELLATION = 1e-6
#: A pattern is constant across units when its std is at most this times its max |x|.
_CONSTANT_RTOL = 1e-10
#: Elements of pattern differences formed at once when recomputing close pairs.
_CHUNK = 1 << 22


def _squared_distances(z: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the rows of ``z``, upper triangle, row-major."""
    n = z.shape[0]
    i, j = np.triu_indices(n, k=1)
    sq = np.einsum("ij,ij->i", z, z)
    gram = z @ z.T
    scale = sq[i] + sq[j]
    d2 = scale - 2.0 * gram[i, j]
    close = np.flatnonzero(d2 <= _CANCELLATION * scale)
    step = max(1, _CHUNK // max(1, z.shape[1]))
    for start in range(0, close.size, step):
        k = close[start:start + step]
        diff = z[i[k]] - z[j[k]]
        d2[k] = np.einsum("ij,ij->i", diff, diff)
    return np.maximum(d2, 0.0)


def rdm_vector(x: np.ndarray, rdm: str = "correlation") -> np.ndarray:
    """The upper triangle of a representational dissimilarity matrix.

    Parameters
    ----------
    x : ndarray, shape (n_stimuli, n_units)
        Response patterns, one row per stimulus.
    rdm : {"correlation", "euclidean"}
        ``1 - Pearson r`` between rows, or the Euclidean distance between rows.

    Returns
    -------
    ndarray, shape (n_stimuli * (n_stimuli - 1) // 2,)
        Entries ``(i, j)``, ``i < j``, in row-major order (as
        :func:`scipy.spatial.distance.pdist`).

    Raises
    ------
    ParameterError
        ``rdm="correlation"`` and a stimulus's pattern is constant across units.
    """
    x = np.asarray(x, dtype=np.float64)
    if rdm == "euclidean":
        return np.sqrt(_squared_distances(x - x.mean(axis=0)))
    centred = x - x.mean(axis=1, keepdims=True)
    spread = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    constant = spread <= _CONSTANT_RTOL * np.sqrt(x.shape[1]) * np.abs(x).max(axis=1)
    if constant.any():
        raise ParameterError(
            f"rsa with rdm='correlation': {int(constant.sum())} stimulus pattern(s) of a "
            f"group of {x.shape[1]} unit(s) are constant across its units (e.g. a one-unit "
            "group, or all zeros after a ReLU), so their correlation distance is undefined. "
            "Use rdm='euclidean', or drop that group."
        )
    # 1 - r(x_i, x_j) = |z_i - z_j|^2 / 2 for the centred, unit-norm patterns z.
    return 0.5 * _squared_distances(centred / spread[:, None])


def _inversions(values: np.ndarray, n_bits: int) -> int:
    """Number of pairs ``i < j`` with ``values[i] > values[j]`` (non-negative ints).

    Most-significant-bit-first radix partition: at bit ``b``, the values are stably grouped
    by their bits above ``b``; an inversion whose highest differing bit is ``b`` is a pair in
    one group with a 1 before a 0 at bit ``b``. Each level is ``O(N)`` numpy work, so the
    count is ``O(N n_bits)`` = ``O(N log N)`` for ranks.
    """
    arr = np.asarray(values, dtype=np.int64)
    n = arr.size
    if n < 2:
        return 0
    kind = np.int32 if n < 2**31 - 1 else np.int64
    arr = arr.astype(kind)
    index = np.arange(n, dtype=kind)
    total = 0
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    for b in range(n_bits - 1, -1, -1):
        bit = (arr >> b) & 1
        prefix = arr >> (b + 1)
        np.not_equal(prefix[1:], prefix[:-1], out=new_group[1:])
        starts = np.flatnonzero(new_group)
        sizes = np.diff(starts, append=n)
        start = np.repeat(starts.astype(kind), sizes)
        ones = np.cumsum(bit, dtype=kind)
        ones -= bit                               # 1s before each element ...
        ones -= np.repeat(ones[starts], sizes)    # ... within its group
        zero = 1 - bit
        total += int(np.dot(zero.astype(np.int64), ones.astype(np.int64)))
        zeros_in_group = np.repeat(np.add.reduceat(zero, starts), sizes)
        # Stable partition of each group: its 0s first, then its 1s.
        position = start + np.where(bit == 0, index - start - ones, zeros_in_group + ones)
        moved = np.empty_like(arr)
        moved[position] = arr
        arr = moved
    return total


def _tied_pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


@dataclass(frozen=True)
class _Ranked:
    """Dense integer ranks of one RDM, prepared for Kendall's tau-a."""

    ranks: np.ndarray      # dense ranks 0..m-1 of the entries
    order: np.ndarray      # stable argsort of ranks
    has_ties: bool
    tied_pairs: int        # pairs of entries with equal values
    n_bits: int            # bits needed to write the largest rank

    @classmethod
    def of(cls, v: np.ndarray) -> _Ranked:
        _, ranks, counts = np.unique(v, return_inverse=True, return_counts=True)
        ranks = ranks.astype(np.int64).ravel()
        return cls(ranks=ranks, order=np.argsort(ranks, kind="stable"),
                   has_ties=bool(counts.size < v.size), tied_pairs=_tied_pairs(counts),
                   n_bits=max(1, int(counts.size - 1).bit_length()))


def _tau_a(a: _Ranked, b: _Ranked) -> float:
    n = a.ranks.size
    total = n * (n - 1) // 2
    if total == 0:
        return 0.0
    # Order by (a, b): pairs tied in a then never count as inversions of b.
    order = np.lexsort((b.ranks, a.ranks)) if a.has_ties else a.order
    seq = b.ranks[order]
    discordant = _inversions(seq, b.n_bits)
    joint = 0
    if a.has_ties and b.has_ties:
        ra = a.ranks[order]
        boundary = np.flatnonzero((np.diff(ra) != 0) | (np.diff(seq) != 0))
        runs = np.diff(np.concatenate(([0], boundary + 1, [n])))
        joint = _tied_pairs(runs)
    # concordant + discordant = total - (tied in a) - (tied in b) + (tied in both)
    difference = total - a.tied_pairs - b.tied_pairs + joint - 2 * discordant
    return difference / total


def kendall_tau_a(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-a of two equal-length vectors in ``O(N log N)``.

    ``(concordant - discordant) / (N (N - 1) / 2)``: pairs tied in ``x`` or ``y`` count as
    neither, and the denominator has no tie correction (unlike scipy's default tau-b).

    Examples
    --------
    >>> kendall_tau_a([1, 2, 3, 4], [1, 3, 2, 4])
    0.6666666666666666
    >>> kendall_tau_a([1, 1, 2], [1, 2, 3])  # tau-b would be 0.816...
    0.6666666666666666
    """
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ParameterError(f"kendall_tau_a needs equal lengths, got {x.size} and {y.size}.")
    return _tau_a(_Ranked.of(x), _Ranked.of(y))


def _unit(v: np.ndarray) -> np.ndarray:
    """``v`` centred and scaled to unit norm (zeros when ``v`` is constant)."""
    centred = v - v.mean()
    norm = float(np.sqrt(centred @ centred))
    if norm <= 1e-13 * np.sqrt(v.size) * float(np.abs(v).max(initial=0.0)):
        return np.zeros_like(centred)
    return centred / norm


def _prepare(rdm: str, comparison: str):
    def prepare(x: np.ndarray) -> Any:
        v = rdm_vector(x, rdm)
        if comparison == "kendall":
            return _Ranked.of(v)
        if comparison == "spearman":
            v = rankdata(v, method="average")
        return _unit(v)

    return prepare


def _measure(comparison: str):
    if comparison == "kendall":
        return _tau_a

    def correlation(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.clip(a @ b, -1.0, 1.0))

    return correlation


def compare_rsa(source, target, *, options: dict[str, Any] | None = None, **kwargs: Any):
    """RSA over all group pairs (see :func:`hotneuro.compare`, ``method="rsa"``).

    Options: ``rdm`` ("correlation" or "euclidean", default "correlation") and ``compare``
    ("spearman", "pearson" or "kendall", default "spearman").

    Returns
    -------
    PairwiseResult
        ``matrix`` holds the RDM correlations (1 for identical RDM orders); similarity is
        the value, distance ``1 - value``.
    """
    options = dict(options or {})
    rdm = options.pop("rdm", "correlation")
    comparison = options.pop("compare", "spearman")
    if options:
        raise ParameterError(
            f"rsa takes the options rdm= and compare=, not {sorted(options)}."
        )
    if rdm not in RDM_KINDS:
        raise ParameterError(f"rsa: rdm must be one of {list(RDM_KINDS)}, got {rdm!r}.")
    if comparison not in COMPARISONS:
        raise ParameterError(
            f"rsa: compare must be one of {list(COMPARISONS)}, got {comparison!r}."
        )
    measure = PairwiseMeasure(
        prepare=_prepare(rdm, comparison),
        measure=_measure(comparison),
        higher_is_similar=True,
        similarity=lambda v: v,
        distance=lambda v: 1.0 - v,
    )
    return compare_pairwise(source, target, measure=measure, method="rsa",
                            settings={"rdm": rdm, "compare": comparison}, **kwargs)


def methods() -> list[Method]:
    """RSA as a registered method (``rdm=`` and ``compare=`` options)."""
    return [Method(name="rsa", compare=compare_rsa, description=METADATA["description"],
                   metadata=METADATA)]
