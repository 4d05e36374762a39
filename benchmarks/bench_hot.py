"""Benchmark: ``hotneuro.compare`` (HOT) against a plain straightforward loop.

Both run in this one process on the same seeded data: two different random deep
leaky-ReLU networks (source and target) that see the same stimuli, ``--layers`` layers of
``--units`` units each, ``--stimuli`` stimuli.

The plain loop is DESIGN.md section 2 written out directly, as one writes it first: per
layer pair standardize both layers (population std, constant units dropped), cost
``1 - corr`` by one matrix product, ``ot.emd`` with uniform marginals and
``numItermax=10_000_000``, inner value ``<C, Q>``; then the outer ``ot.emd`` on the
matrix of inner values, distance ``<c, P>``. A second plain variant standardizes each
layer once before the loop, to show how much of the gain is the shared standardization
and how much the solvers and threads.

Reported per implementation: wall time (``time.perf_counter``; best of ``--repeats``
runs without tracing) and peak memory of one further run traced by ``tracemalloc``
(NumPy reports its buffers to tracemalloc; allocations made inside POT's C++ solver and
in worker processes are not seen). The growth of the process RSS high-water mark
(``ru_maxrss``) is shown too; it only grows when a run exceeds every earlier peak, so it
understates the second implementation run.

The distances must agree to 1e-9, otherwise the script exits with status 1.

Usage::

    python benchmarks/bench_hot.py                       # 12 x 12 layers x 512 units x 1000 stimuli
    python benchmarks/bench_hot.py --quick               # 4 x 4 layers x 64 units x 200 stimuli
    python benchmarks/bench_hot.py --layers 6 --units 256 --stimuli 500 --repeats 3 --n-jobs 2
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import ot

import hotneuro as hn

TOLERANCE = 1e-9
FULL = {"layers": 12, "units": 512, "stimuli": 1000}
QUICK = {"layers": 4, "units": 64, "stimuli": 200}
NUM_ITER_MAX = 10_000_000
MIB = 1024.0 * 1024.0


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def network_activations(
    stimuli: np.ndarray, layers: int, units: int, seed: int, slope: float = 0.1
) -> dict[str, np.ndarray]:
    """Activations of a random deep leaky-ReLU network, one (stimuli x units) array per layer.

    The input ``stimuli`` is shared between networks; ``seed`` draws this network's weights.
    The leaky slope keeps every unit non-constant, so no unit is dropped.
    """
    rng = np.random.default_rng(seed)
    gain = np.sqrt(2.0 / (1.0 + slope**2))
    h = stimuli
    out: dict[str, np.ndarray] = {}
    for layer in range(layers):
        w = rng.standard_normal((h.shape[1], units)) * (gain / np.sqrt(h.shape[1]))
        b = 0.1 * rng.standard_normal(units)
        pre = h @ w + b
        h = np.where(pre > 0, pre, slope * pre)
        out[f"layer{layer:02d}"] = np.ascontiguousarray(h)
    return out


def make_data(
    layers: int, units: int, stimuli: int, seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Source and target activations: the same stimuli through two different networks."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((stimuli, units))
    source = network_activations(x, layers, units, seed=seed + 1)
    target = network_activations(x, layers, units, seed=seed + 2)
    return source, target


# ---------------------------------------------------------------------------
# the plain loop (DESIGN.md section 2, written out)
# ---------------------------------------------------------------------------


def _standardize(x: np.ndarray) -> np.ndarray:
    """Z-score each unit (population std); drop constant units (std <= 1e-10 * max|x|)."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    keep = std > 1e-10 * np.abs(x).max(axis=0)
    return (x[:, keep] - mean[keep]) / std[keep]


def plain_hot(
    source: Mapping[str, np.ndarray],
    target: Mapping[str, np.ndarray],
    standardize_once: bool = False,
) -> float:
    """HOT distance by a straightforward double loop over layer pairs.

    By default each pair standardizes its two layers itself; ``standardize_once=True``
    standardizes every layer once before the loop.
    """
    xs, ys = list(source.values()), list(target.values())
    if standardize_once:
        xs = [_standardize(x) for x in xs]
        ys = [_standardize(y) for y in ys]
    prepare = (lambda z: z) if standardize_once else _standardize
    inner = np.empty((len(xs), len(ys)))
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            zx, zy = prepare(x), prepare(y)
            a = np.full(zx.shape[1], 1.0 / zx.shape[1])
            b = np.full(zy.shape[1], 1.0 / zy.shape[1])
            cost = 1.0 - (zx.T @ zy) / zx.shape[0]
            plan = ot.emd(a, b, cost, numItermax=NUM_ITER_MAX)
            inner[i, j] = np.sum(plan * cost)
    a_out = np.full(len(xs), 1.0 / len(xs))
    b_out = np.full(len(ys), 1.0 / len(ys))
    outer = ot.emd(a_out, b_out, inner, numItermax=NUM_ITER_MAX)
    return float(np.sum(outer * inner))


# ---------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Measurement:
    name: str
    wall_s: list[float]
    peak_mib: float
    rss_growth_mib: float
    distance: float

    @property
    def best_s(self) -> float:
        return min(self.wall_s)

    @property
    def median_s(self) -> float:
        return statistics.median(self.wall_s)


@dataclasses.dataclass
class BenchmarkResult:
    layers: int
    units: int
    stimuli: int
    repeats: int
    n_jobs: int | None
    package: Measurement
    plain: Measurement
    plain_shared: Measurement

    @property
    def abs_diff(self) -> float:
        return max(abs(self.package.distance - m.distance) for m in (self.plain, self.plain_shared))

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.abs_diff) and self.abs_diff <= TOLERANCE)

    @property
    def speed_ratio(self) -> float:
        """Plain-loop wall time over package wall time (> 1: the package is faster)."""
        return self.plain.best_s / self.package.best_s

    @property
    def speed_ratio_shared(self) -> float:
        """Wall time of the plain loop with standardization done once, over the package's."""
        return self.plain_shared.best_s / self.package.best_s


def _maxrss_mib() -> float:
    # Linux reports KiB, macOS bytes
    scale = 1.0 if sys.platform == "darwin" else 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MIB


def _timed(fn: Callable[[], float]) -> tuple[float, float]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _traced(fn: Callable[[], float]) -> tuple[float, float, float]:
    """Run once under tracemalloc: (peak MiB, RSS high-water growth MiB, value)."""
    gc.collect()
    rss_before = _maxrss_mib()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        value = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MIB, _maxrss_mib() - rss_before, value


def benchmark(
    layers: int,
    units: int,
    stimuli: int,
    repeats: int = 1,
    n_jobs: int | None = None,
    seed: int = 0,
) -> BenchmarkResult:
    """Run the package and the plain loop side by side on the same data."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    src_arrays, tgt_arrays = make_data(layers, units, stimuli, seed=seed)
    source = hn.representation(src_arrays, system="random leaky-ReLU net A")
    target = hn.representation(tgt_arrays, system="random leaky-ReLU net B")

    def run_package() -> float:
        return float(hn.compare(source, target, n_jobs=n_jobs).distance)

    def run_plain() -> float:
        return plain_hot(src_arrays, tgt_arrays)

    def run_plain_shared() -> float:
        return plain_hot(src_arrays, tgt_arrays, standardize_once=True)

    runners = {"package": run_package, "plain loop": run_plain, "plain, z once": run_plain_shared}
    walls: dict[str, list[float]] = {name: [] for name in runners}
    values: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            wall, value = _timed(fn)
            walls[name].append(wall)
            values[name].append(value)

    measurements = {}
    for name, fn in runners.items():
        peak, rss, value = _traced(fn)
        values[name].append(value)
        # every run of one implementation must give the very same number
        distinct = set(values[name])
        if len(distinct) != 1:
            raise RuntimeError(f"{name}: runs disagree: {sorted(distinct)}")
        measurements[name] = Measurement(name, walls[name], peak, rss, value)

    return BenchmarkResult(
        layers=layers,
        units=units,
        stimuli=stimuli,
        repeats=repeats,
        n_jobs=n_jobs,
        package=measurements["package"],
        plain=measurements["plain loop"],
        plain_shared=measurements["plain, z once"],
    )


def format_table(result: BenchmarkResult) -> str:
    r = result
    lines = [
        f"HOT distance, {r.layers} x {r.layers} layers x {r.units} units x {r.stimuli} stimuli"
        f" (repeats={r.repeats}, n_jobs={r.n_jobs})",
        "",
        f"{'implementation':<15}{'wall s (best)':>14}{'wall s (median)':>16}"
        f"{'peak MiB':>10}{'RSS hwm +MiB':>14}{'distance':>22}",
    ]
    for m in (r.package, r.plain, r.plain_shared):
        lines.append(
            f"{m.name:<15}{m.best_s:>14.3f}{m.median_s:>16.3f}"
            f"{m.peak_mib:>10.1f}{m.rss_growth_mib:>14.1f}{m.distance:>22.15f}"
        )
    lines += [
        "",
        f"|distance difference| = {r.abs_diff:.3e}  (tolerance {TOLERANCE:.0e}): "
        + ("OK" if r.ok else "FAIL"),
        f"speed ratio plain/package = {r.speed_ratio:.2f}x "
        f"(plain with standardization once: {r.speed_ratio_shared:.2f}x)",
        "peak MiB: tracemalloc peak of one traced run (NumPy buffers included; POT's C++"
        " solver memory and worker processes not seen).",
        "RSS hwm +MiB: growth of ru_maxrss during that run; 0 when it stays under an earlier peak.",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--layers", type=int, default=None, help=f"layers per network (default {FULL['layers']})"
    )
    parser.add_argument(
        "--units", type=int, default=None, help=f"units per layer (default {FULL['units']})"
    )
    parser.add_argument(
        "--stimuli", type=int, default=None, help=f"stimuli (default {FULL['stimuli']})"
    )
    parser.add_argument(
        "--repeats", type=int, default=1, help="timed runs per implementation (default 1)"
    )
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="n_jobs passed to hotneuro.compare"
    )
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"small sizes for a smoke test ({QUICK['layers']} layers x {QUICK['units']} units"
        f" x {QUICK['stimuli']} stimuli) unless given explicitly",
    )
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = benchmark(
        layers=args.layers,
        units=args.units,
        stimuli=args.stimuli,
        repeats=args.repeats,
        n_jobs=args.n_jobs,
        seed=args.seed,
    )
    print(format_table(result))
    if not result.ok:
        print(
            f"ERROR: package and plain loop disagree: |{result.package.distance!r} - "
            f"{result.plain.distance!r}| = {result.abs_diff:.3e} > {TOLERANCE:.0e}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
