"""A plain, deliberately unoptimised reference implementation of HOT (DESIGN section 2).

It exists only to cross-check :mod:`hotneuro`; it imports nothing from it. Everything is
written with explicit loops over group pairs and the formulas of DESIGN.md, on plain
``dict``s mapping a group name to an array of shape ``(n_stimuli, n_units)`` (dict order
is group order).

Functions
---------
standardize(x, fit_idx)            -> Standardized (z over fit, mean, std, kept-unit mask)
pair_cost(zx, zy)                  -> C[i, j] = 1 - sum_t zx[t, i] zy[t, j] / T
emd(cost)                          -> exact OT with uniform marginals (ot.emd) + duals
hot(source, target, fit_idx)       -> HotReference (inner plans Q, matrix c, outer P, distance)
reconstruction_scores(...)         -> held-out score of "hot", "pairwise_best",
                                      "single_best" and "perm_p" (with a given permutation)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import ot

#: Relative threshold of the constant-unit rule: std <= CONSTANT_RTOL * max|x| over F.
CONSTANT_RTOL = 1e-10
#: ot.emd iteration cap used for every inner and the outer problem.
NUM_ITER_MAX = 10_000_000
#: Margin on the reduced costs used to certify that an exact OT optimum is unique.
UNIQUE_MARGIN = 1e-8

STRATEGIES = ("hot", "pairwise_best", "single_best", "perm_p")


# --------------------------------------------------------------------------- basics


@dataclass
class Standardized:
    """One group standardized over the fitting stimuli."""

    keep: np.ndarray  # bool mask over the group's columns: True = not constant on F
    mean: np.ndarray  # mean over F of the kept columns
    std: np.ndarray  # population std over F of the kept columns
    z_fit: np.ndarray  # (|F|, n_kept) standardized responses on F

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Standardize rows of ``x`` (all columns of the group) with F's mean and std."""
        return (np.asarray(x, dtype=np.float64)[:, self.keep] - self.mean) / self.std


def standardize(x: np.ndarray, fit_idx: np.ndarray | None = None) -> Standardized:
    """Standardize every unit over the fitting rows; flag and drop constant units.

    A unit is constant when its population std over F is <= 1e-10 * max|x| over F.
    """
    x = np.asarray(x, dtype=np.float64)
    xf = x if fit_idx is None else x[np.asarray(fit_idx)]
    t = xf.shape[0]
    keep = np.zeros(xf.shape[1], dtype=bool)
    means, stds = [], []
    for j in range(xf.shape[1]):
        col = xf[:, j]
        mu = col.sum() / t
        sd = np.sqrt(((col - mu) ** 2).sum() / t)  # population std
        if sd <= CONSTANT_RTOL * np.abs(col).max():
            continue
        keep[j] = True
        means.append(mu)
        stds.append(sd)
    mean = np.array(means, dtype=np.float64)
    std = np.array(stds, dtype=np.float64)
    z_fit = (xf[:, keep] - mean) / std
    return Standardized(keep=keep, mean=mean, std=std, z_fit=z_fit)


def pair_cost(zx: np.ndarray, zy: np.ndarray) -> np.ndarray:
    """C[i, j] = 1 - rho(x_i, y_j) = 1 - sum_t zx[t, i] * zy[t, j] / T (explicit sums)."""
    t = zx.shape[0]
    c = np.empty((zx.shape[1], zy.shape[1]))
    for i in range(zx.shape[1]):
        # sum over stimuli of the elementwise product, for all j at once
        c[i, :] = 1.0 - (zx[:, i][:, None] * zy).sum(axis=0) / t
    return c


def uniform(n: int) -> np.ndarray:
    return np.full(n, 1.0 / n, dtype=np.float64)


def emd(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact OT between uniform marginals: (plan, dual u, dual v)."""
    cost = np.ascontiguousarray(cost, dtype=np.float64)
    n, m = cost.shape
    plan, log = ot.emd(uniform(n), uniform(m), cost, numItermax=NUM_ITER_MAX, log=True)
    if log["warning"] is not None:
        raise RuntimeError(f"ot.emd did not converge: {log['warning']}")
    return np.asarray(plan), np.asarray(log["u"]), np.asarray(log["v"])


def optimum_is_unique(
    cost: np.ndarray, plan: np.ndarray, u: np.ndarray, v: np.ndarray, margin: float = UNIQUE_MARGIN
) -> bool:
    """Certify that ``plan`` is the unique optimum of its transport problem.

    Sufficient (and, for a unique optimum, necessary) condition:

    (i) the support S of ``plan`` is a forest in the bipartite row/column graph, so a
        plan supported on S is fixed by the marginals; and
    (ii) some optimal dual (u, v) has every reduced cost off S, ``cost - u - v``, above
        ``margin``: by complementary slackness every optimal plan then lives on S. The
        duals of ot.emd are tried first; when they are degenerate (typical of square
        assignment problems), a small LP looks for the dual that maximizes the smallest
        off-support reduced cost (Goldman-Tucker: it is > 0 iff the optimum is unique).
        The margin keeps the certificate robust to solver round-off.
    """
    n, m = cost.shape
    support = plan > 0
    parent = list(range(n + m))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in zip(*np.nonzero(support), strict=True):
        ri, rj = find(int(i)), find(n + int(j))
        if ri == rj:
            return False  # a cycle: plans on this support are not fixed by marginals
        parent[ri] = rj
    off_mask = ~support
    if not off_mask.any():
        return True
    reduced = cost - u[:, None] - v[None, :]
    if reduced[off_mask].min() > margin:
        return True
    # LP over (u, v, t): max t  s.t.  u_i + v_j = C_ij on S,  u_i + v_j + t <= C_ij off S.
    from scipy.optimize import linprog

    rows_s, cols_s = np.nonzero(support)
    rows_o, cols_o = np.nonzero(off_mask)

    def incidence(rows, cols, with_t):
        a = np.zeros((len(rows), n + m + 1))
        a[np.arange(len(rows)), rows] = 1.0
        a[np.arange(len(rows)), n + cols] = 1.0
        if with_t:
            a[:, -1] = 1.0
        return a

    objective = np.zeros(n + m + 1)
    objective[-1] = -1.0
    res = linprog(
        objective,
        A_ub=incidence(rows_o, cols_o, True),
        b_ub=cost[rows_o, cols_o],
        A_eq=incidence(rows_s, cols_s, False),
        b_eq=cost[rows_s, cols_s],
        bounds=[(None, None)] * (n + m) + [(None, 1.0)],
        method="highs",
    )
    if not res.success:
        return False
    return bool(-res.fun > margin)


# --------------------------------------------------------------------------- HOT


@dataclass
class HotReference:
    source_groups: list
    target_groups: list
    source_std: dict  # group -> Standardized
    target_std: dict
    cost: dict = field(default_factory=dict)  # (l, m) -> C_lm
    plans: dict = field(default_factory=dict)  # (l, m) -> Q_lm
    plan_unique: dict = field(default_factory=dict)  # (l, m) -> bool
    matrix: np.ndarray | None = None  # c, shape (L, M)
    coupling: np.ndarray | None = None  # P, shape (L, M)
    coupling_unique: bool = False
    distance: float = float("nan")

    @property
    def all_unique(self) -> bool:
        return self.coupling_unique and all(self.plan_unique.values())

    def kept(self, side: str, group) -> np.ndarray:
        """Column indices (into the group's original array) of kept units."""
        std = self.source_std if side == "source" else self.target_std
        return np.flatnonzero(std[group].keep)

    def dropped(self, side: str, group) -> np.ndarray:
        std = self.source_std if side == "source" else self.target_std
        return np.flatnonzero(~std[group].keep)

    def unit_coupling(self) -> np.ndarray:
        """Dense full coupling over kept units: block (l, m) = P_lm * Q_lm."""
        rows = []
        for a, l in enumerate(self.source_groups):
            rows.append(
                np.hstack(
                    [
                        self.coupling[a, b] * self.plans[(l, m)]
                        for b, m in enumerate(self.target_groups)
                    ]
                )
            )
        return np.vstack(rows)


def hot(source: dict, target: dict, fit_idx: np.ndarray | None = None) -> HotReference:
    """Fit HOT on the fitting rows ``fit_idx`` (all rows when None)."""
    src_groups, tgt_groups = list(source), list(target)
    ref = HotReference(
        source_groups=src_groups,
        target_groups=tgt_groups,
        source_std={g: standardize(source[g], fit_idx) for g in src_groups},
        target_std={g: standardize(target[g], fit_idx) for g in tgt_groups},
    )
    L, M = len(src_groups), len(tgt_groups)
    c = np.empty((L, M))
    for a, l in enumerate(src_groups):
        for b, m in enumerate(tgt_groups):
            C = pair_cost(ref.source_std[l].z_fit, ref.target_std[m].z_fit)
            Q, u, v = emd(C)
            ref.cost[(l, m)] = C
            ref.plans[(l, m)] = Q
            ref.plan_unique[(l, m)] = optimum_is_unique(C, Q, u, v)
            c[a, b] = (C * Q).sum()
    P, u, v = emd(c)
    ref.matrix = c
    ref.coupling = P
    ref.coupling_unique = optimum_is_unique(c, P, u, v)
    ref.distance = float((c * P).sum())
    return ref


# --------------------------------------------------------------------------- scores


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either side has (numerically) zero variance."""
    a = a - a.mean()
    b = b - b.mean()
    saa, sbb = (a * a).sum(), (b * b).sum()
    if saa == 0.0 or sbb == 0.0:
        return 0.0
    return float((a * b).sum() / np.sqrt(saa * sbb))


def _reconstruct(weights: np.ndarray, ref: HotReference, zy_eval: dict, l) -> np.ndarray:
    """Xhat_l = sum_m weights[m] * Zy_m(E) (n_l Q_lm)^T."""
    n_l = int(ref.source_std[l].keep.sum())
    xhat = 0.0
    for b, m in enumerate(ref.target_groups):
        if weights[b] != 0.0:
            xhat = xhat + weights[b] * zy_eval[m] @ (n_l * ref.plans[(l, m)]).T
    return xhat


def group_score(ref: HotReference, zx_eval: dict, zy_eval: dict, l, weights: np.ndarray) -> float:
    """Mean over the units of source group ``l`` of corr(Zx_l(E)[:, i], Xhat_l[:, i])."""
    xhat = _reconstruct(weights, ref, zy_eval, l)
    zx = zx_eval[l]
    return float(np.mean([pearson(zx[:, i], xhat[:, i]) for i in range(zx.shape[1])]))


def reconstruction_scores(
    source: dict,
    target: dict,
    fit_idx,
    eval_idx,
    perm: np.ndarray | None = None,
    ref: HotReference | None = None,
    tie_tol: float = 1e-12,
) -> dict:
    """Held-out reconstruction scores (DESIGN section 2) of the four strategies.

    Returns a dict with
      "ref": the HotReference fitted on F,
      "group_scores": {strategy: array (L,)}, "scores": {strategy: float},
      "alternatives": {"pairwise_best" | "single_best": [list of group scores per l]}:
          when argmin_m c_lm or argmax_m P_lm is tied (within ``tie_tol``), the score of
          every tied choice of m (the spec does not fix a tie-break);
      "ambiguous": {"pairwise_best" | "single_best": bool} whether any row was tied,
      "zx_eval", "zy_eval": {group: standardized responses on E (F's mean and std)}.
    ``perm`` is the row permutation of P used by "perm_p" (identity when None);
    ``ref`` may pass a fit already made on ``fit_idx``.
    """
    fit_idx, eval_idx = np.asarray(fit_idx), np.asarray(eval_idx)
    if ref is None:
        ref = hot(source, target, fit_idx)
    L, M = len(ref.source_groups), len(ref.target_groups)
    perm = np.arange(L) if perm is None else np.asarray(perm)
    zx_eval = {
        g: ref.source_std[g].transform(np.asarray(source[g])[eval_idx]) for g in ref.source_groups
    }
    zy_eval = {
        g: ref.target_std[g].transform(np.asarray(target[g])[eval_idx]) for g in ref.target_groups
    }
    P, c = ref.coupling, ref.matrix
    group_scores = {s: np.empty(L) for s in STRATEGIES}
    alternatives: dict = {"pairwise_best": [], "single_best": []}
    for a, l in enumerate(ref.source_groups):
        group_scores["hot"][a] = group_score(ref, zx_eval, zy_eval, l, L * P[a, :])
        group_scores["perm_p"][a] = group_score(ref, zx_eval, zy_eval, l, L * P[perm[a], :])
        chosen = {"pairwise_best": int(np.argmin(c[a, :])), "single_best": int(np.argmax(P[a, :]))}
        tied = {
            "pairwise_best": np.flatnonzero(c[a, :] <= c[a, :].min() + tie_tol),
            "single_best": np.flatnonzero(P[a, :] >= P[a, :].max() - tie_tol),
        }
        for s in ("pairwise_best", "single_best"):
            alt = []
            for mb in tied[s]:
                onehot = np.zeros(M)
                onehot[mb] = 1.0
                alt.append(group_score(ref, zx_eval, zy_eval, l, onehot))
            group_scores[s][a] = alt[list(tied[s]).index(chosen[s])]
            alternatives[s].append(alt)
    return {
        "ref": ref,
        "zx_eval": zx_eval,
        "zy_eval": zy_eval,
        "group_scores": group_scores,
        "scores": {s: float(np.mean(group_scores[s])) for s in STRATEGIES},
        "alternatives": alternatives,
        "ambiguous": {
            s: any(len(alt) > 1 for alt in alternatives[s])
            for s in ("pairwise_best", "single_best")
        },
    }
