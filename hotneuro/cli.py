"""The ``hotneuro`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .errors import HotneuroError

__all__ = ["main"]


def _format_matrix(values, rows: Sequence[str], cols: Sequence[str], fmt: str = "{:.2f}") -> str:
    width = max(len(fmt.format(1.0)), *(len(c) for c in cols))
    head = max(len(r) for r in rows)
    lines = [" " * head + " " + " ".join(c.rjust(width) for c in cols)]
    for r, row in zip(rows, values, strict=True):
        cells = ("." if v == 0 else fmt.format(v) for v in row)
        lines.append(r.ljust(head) + " " + " ".join(c.rjust(width) for c in cells))
    return "\n".join(lines)


def _print_result(result, title: str) -> None:
    print(f"== {title}")
    print(result)
    n_source = result.coupling.sizes[result.source_dim]
    print(f"\n{result.source_dim} x {result.target_dim} coupling, L * P (each row: how "
          "that source group spreads its mass):")
    print(_format_matrix(n_source * result.coupling.values, result.source_groups,
                         result.target_groups))
    print(f"\nInner soft-matching distances c_lm ({result.source_dim} x "
          f"{result.target_dim}):")
    print(_format_matrix(result.matrix.values, result.source_groups, result.target_groups,
                         fmt="{:.3f}"))
    if n_source >= 3:
        print(f"\nHierarchy index (Spearman, source position vs barycentric depth): "
              f"{result.hierarchy_index():.3f}")
    if result.scores is not None:
        table = result.score_table()
        k = result.scores.sizes["split"]
        print(f"\nHeld-out reconstruction score over {k} seeded 80/20 splits "
              "(mean ± std), HOT and its controls:")
        for strategy in table["strategy"].values:
            row = table.sel(strategy=strategy)
            print(f"  {strategy:<14} {float(row.sel(statistic='mean')):.4f} ± "
                  f"{float(row.sel(statistic='std')):.4f}")
    print()


def _demo_comparisons(args: argparse.Namespace):
    """(name, title, source, target, compare options) of each demo comparison."""
    if args.synthetic:
        from .demo import synthetic_systems

        systems = synthetic_systems(seed=args.seed)
        return [("synthetic", systems.description, systems.source, systems.target,
                 {"splits": args.splits})]
    from . import datasets

    return [
        ("head-direction",
         "Real data: mouse A2929-200711 (ADn and CA1 units), head-direction tuning in 30 "
         "bins, first vs second half of the wake epoch. Expected: ADn maps to ADn, CA1 to "
         "CA1.",
         datasets.load("A2929-200711", "wake-first-half"),
         datasets.load("A2929-200711", "wake-second-half"),
         {"splits": args.splits}),
        ("haxby",
         "Real data: Haxby et al. (2001) subject 1, one ventral-temporal slice in three "
         "posterior-to-anterior voxel groups, mean BOLD per object category, odd vs even "
         "runs. Expected: each voxel group maps to itself. (8 categories are too few "
         "stimuli for 80/20 held-out splits, so no score.)",
         datasets.load("haxby2001-slice", "odd-runs"),
         datasets.load("haxby2001-slice", "even-runs"),
         {}),
    ]


def _cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .comparison import compare

    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    for name, title, source, target, options in _demo_comparisons(args):
        result = compare(source, target, seed=args.seed, progress=not args.quiet,
                         **options)
        _print_result(result, title)
        if args.out:
            path = Path(args.out) / f"{name}.nc"
            result.to_netcdf(path)
            print(f"Saved to {path} (open it with hotneuro.open_result).\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotneuro",
        description="Compare representations of models and brains with Hierarchical "
                    "Optimal Transport.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="run HOT on the bundled real recordings and print the results",
        description="Run HOT on the bundled real recordings (a mouse head-direction "
                    "session and a human fMRI slice, each split in two halves) and print "
                    "the couplings, inner distances and held-out scores with controls.",
        epilog="examples: hotneuro demo; hotneuro demo --splits 10 --out demo-results; "
               "hotneuro demo --synthetic",
    )
    demo.add_argument("--splits", type=int, default=5, help="80/20 splits (default 5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--out", help="folder to save each result to as netCDF")
    demo.add_argument("--synthetic", action="store_true",
                      help="compare two documented synthetic networks with a known answer "
                           "instead")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except HotneuroError as exc:
        if args.debug:
            raise
        print(f"hotneuro: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
