"""Benchmark: ``hotneuro.compare_many`` on the serial engine and on a local Dask cluster.

The study: ``--systems`` source networks against ``--systems`` target networks (all
pairs), each a seeded random deep leaky-ReLU network of ``--layers`` layers x
``--units`` units, all driven by the same ``--stimuli`` Gaussian stimuli (so the networks
are related through their input and their distances differ), compared by HOT with
held-out scores on ``--splits`` seeded 80/20 splits.

Engines (each the best of ``--repeats`` runs, wall time by ``time.perf_counter``):

- ``serial, n_jobs=1``: one comparison after another, one thread: the baseline;
- ``serial, n_jobs=<cores>``: one comparison after another, its group pairs on threads;
- ``dask threads``: a ``LocalCluster(processes=False)``, one worker with one thread per
  core in this process (BLAS limited to one thread per task);
- ``dask processes``: a ``LocalCluster`` with one single-threaded worker process per
  core (the default of ``compare_many``).

For the Dask engines the cluster is started once and given as ``client=``, so the
"study" column is the study itself; "start+stop" is the time to start that cluster (its
workers importing hotneuro included) and to close it, and "total" (their sum) what a
call without ``client=`` costs. One comparison runs untimed first, so that imports and
first-call costs do not land on the serial baseline. Every engine must
give bit-identical distances, similarities and scores, otherwise the script exits with
status 1.

Last, a GIL check: the exact solvers (scipy's linear assignment, POT's network simplex)
timed once and twice at once on two threads, which shows why threads of one process
scale poorly for these comparisons.

Usage::

    python benchmarks/bench_many.py           # 6 x 6 systems, 6 layers x 128 units, 300 stimuli
    python benchmarks/bench_many.py --quick   # 3 x 3 systems, 4 layers x 32 units, 100 stimuli
    python benchmarks/bench_many.py --systems 8 --units 128 --repeats 3
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
import time
from collections.abc import Sequence

import numpy as np

import hotneuro as hn

FULL = {"systems": 6, "layers": 6, "units": 128, "stimuli": 300, "splits": 5}
QUICK = {"systems": 3, "layers": 4, "units": 32, "stimuli": 100, "splits": 2}
VARIABLES = ("distance", "similarity", "score", "score_std")


def network(x0: np.ndarray, layers: int, units: int, seed: int, name: str):
    """A seeded random leaky-ReLU network's responses to the stimuli ``x0``."""
    rng = np.random.default_rng(seed)
    h, blocks = x0, {}
    for k in range(layers):
        w = rng.normal(scale=np.sqrt(2.0 / h.shape[1]), size=(h.shape[1], units))
        pre = h @ w
        h = np.where(pre > 0, pre, 0.1 * pre)
        blocks[f"layer{k + 1}"] = h
    stimuli = [f"img{i:04d}" for i in range(x0.shape[0])]
    return hn.representation(blocks, stimuli, system=name)


def make_systems(systems: int, layers: int, units: int, stimuli: int, seed: int = 0):
    """``systems`` source and ``systems`` target networks on the same stimuli."""
    x0 = np.random.default_rng(seed).normal(size=(stimuli, units))
    sources = {f"source{k}": network(x0, layers, units, 1000 + k, f"source{k}")
               for k in range(systems)}
    targets = {f"target{k}": network(x0, layers, units, 2000 + k, f"target{k}")
               for k in range(systems)}
    return sources, targets


@dataclasses.dataclass
class Run:
    """Timings of one engine."""

    engine: str
    study_s: float
    startup_s: float
    many: hn.ManyResult

    @property
    def total_s(self) -> float:
        return self.study_s + self.startup_s


def _best(fn, repeats: int):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def benchmark(systems: int, layers: int, units: int, stimuli: int, splits: int,
              repeats: int = 1, cores: int | None = None) -> list[Run]:
    """Run the study on every engine; return their timings and results."""
    from distributed import Client, LocalCluster

    from hotneuro.transport.hot import resolve_n_jobs

    cores = cores or resolve_n_jobs(None)
    sources, targets = make_systems(systems, layers, units, stimuli)
    options = {"splits": splits, "seed": 0}
    first = next(iter(sources.values()))
    hn.compare(first, first, splits=splits, n_jobs=1)  # imports and caches, untimed
    runs = []
    for n_jobs in (1, cores):
        wall, many = _best(lambda n=n_jobs: hn.compare_many(
            sources, targets, engine="serial", n_jobs=n, **options), repeats)
        runs.append(Run(f"serial, n_jobs={n_jobs}", wall, 0.0, many))
    for label, kwargs in (
        ("dask threads", {"processes": False, "n_workers": 1, "threads_per_worker": cores}),
        ("dask processes", {"processes": True, "n_workers": cores, "threads_per_worker": 1}),
    ):
        start = time.perf_counter()
        cluster = LocalCluster(dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"}, **kwargs)
        client = Client(cluster, set_as_default=False)
        client.wait_for_workers(kwargs["n_workers"])
        client.run(importlib.import_module, "hotneuro.many")  # worker imports, as startup
        startup = time.perf_counter() - start
        try:
            if not kwargs["processes"]:
                from threadpoolctl import threadpool_limits

                with threadpool_limits(limits=1, user_api="blas"):
                    wall, many = _best(lambda c=client: hn.compare_many(
                        sources, targets, client=c, **options), repeats)
            else:
                wall, many = _best(lambda c=client: hn.compare_many(
                    sources, targets, client=c, **options), repeats)
        finally:
            start = time.perf_counter()
            client.close()
            cluster.close()
            startup += time.perf_counter() - start
        runs.append(Run(f"{label} ({kwargs['n_workers']}x{kwargs['threads_per_worker']})",
                        wall, startup, many))
    return runs


def gil_check(size: int = 256, repeats: int = 20) -> dict[str, tuple[float, float]]:
    """Whether the exact solvers release the GIL: each solver ``repeats`` times on one
    thread, then the same on each of two threads at once (equal times: they run side by
    side; twice the time: they take turns).

    Returns
    -------
    dict
        Solver name -> (seconds once, seconds for two at once on two threads).
    """
    from concurrent.futures import ThreadPoolExecutor

    import ot
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(0)
    square = rng.random((size, size))
    oblong = rng.random((size, size * 3 // 4))
    a = np.full(oblong.shape[0], 1.0 / oblong.shape[0])
    b = np.full(oblong.shape[1], 1.0 / oblong.shape[1])
    solvers = {
        "scipy linear_sum_assignment": lambda: linear_sum_assignment(square),
        "POT ot.emd": lambda: ot.emd(a, b, oblong),
    }
    out = {}
    for name, solve in solvers.items():
        def run(_: int, solve=solve) -> None:
            for _ in range(repeats):
                solve()

        run(0)  # warm up
        start = time.perf_counter()
        run(0)
        once = time.perf_counter() - start
        with ThreadPoolExecutor(2) as pool:
            start = time.perf_counter()
            list(pool.map(run, range(2)))
            twice = time.perf_counter() - start
        out[name] = (once, twice)
    return out


def identical(runs: Sequence[Run]) -> bool:
    """Whether every engine's summary numbers equal the first's bit for bit."""
    first = runs[0].many.dataset
    return all(np.array_equal(first[v].values, run.many.dataset[v].values, equal_nan=True)
               and (run.many.status.values == "ok").all()
               for run in runs for v in VARIABLES)


def format_table(runs: Sequence[Run]) -> str:
    base = runs[0].total_s
    width = max(len(r.engine) for r in runs) + 2
    lines = [f"{'engine':<{width}}{'study s':>10}{'start+stop s':>14}{'total s':>10}"
             f"{'speed-up':>10}"]
    for r in runs:
        lines.append(f"{r.engine:<{width}}{r.study_s:>10.2f}{r.startup_s:>14.2f}"
                     f"{r.total_s:>10.2f}{base / r.total_s:>9.2f}x")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small study (smoke test)")
    for name in FULL:
        parser.add_argument(f"--{name}", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    parser.add_argument("--cores", type=int, default=None,
                        help="workers/threads (default: all cores)")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs = benchmark(args.systems, args.layers, args.units, args.stimuli, args.splits,
                     repeats=args.repeats, cores=args.cores)
    n = args.systems * args.systems
    print(f"compare_many: {args.systems} x {args.systems} systems ({n} HOT comparisons), "
          f"{args.layers} layers x {args.units} units x {args.stimuli} stimuli, "
          f"splits={args.splits}, best of {args.repeats}")
    print(format_table(runs))
    print("GIL check (x20; two at once on two threads vs once; ~1x: GIL released, "
          "~2x: held):")
    for name, (once, twice) in gil_check().items():
        print(f"  {name:<30}{once:>8.3f} s once {twice:>8.3f} s two at once "
              f"({twice / once:.2f}x)")
    same = identical(runs)
    print("numbers identical on every engine: " + ("OK" if same else "MISMATCH"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
