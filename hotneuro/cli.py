"""The ``hotneuro`` command line."""

from __future__ import annotations

import argparse
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


def _cmd_demo(args: argparse.Namespace) -> int:
    from .comparison import compare
    from .demo import synthetic_systems

    systems = synthetic_systems(seed=args.seed)
    print(systems.description)
    print()
    result = compare(systems.source, systems.target, splits=args.splits, seed=args.seed,
                     progress=not args.quiet)
    print(result)
    print()
    L = result.coupling.sizes[result.source_dim]
    print(f"Layer coupling L * P (row = how each {result.source_dim} spreads its mass):")
    print(_format_matrix(L * result.coupling.values, result.source_groups,
                         result.target_groups))
    print()
    depth = result.barycentric_depth()
    entropy = result.row_entropy(normalize=True)
    print("Barycentric depth (0 = first target layer, 1 = last) and normalized row entropy:")
    for g, d, h in zip(result.source_groups, depth.values, entropy.values, strict=True):
        print(f"  {g}: depth {d:.3f}  entropy {h:.3f}")
    print(f"Hierarchy index (Spearman): {result.hierarchy_index():.3f}")
    print()
    table = result.score_table()
    print(f"Held-out reconstruction score over {args.splits} 80/20 splits (mean ± std):")
    for strategy in table["strategy"].values:
        row = table.sel(strategy=strategy)
        print(f"  {strategy:<14} {float(row.sel(statistic='mean')):.4f} ± "
              f"{float(row.sel(statistic='std')):.4f}")
    if args.out:
        result.to_netcdf(args.out)
        print(f"\nSaved the result to {args.out} (open it with hotneuro.open_result).")
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
        "demo", help="run HOT on the bundled demo systems and print the results",
        description="Run HOT on the demo systems and print the coupling, depth profile, "
                    "hierarchy index and held-out scores with controls.",
        epilog="example: hotneuro demo --splits 5 --out demo.nc",
    )
    demo.add_argument("--splits", type=int, default=5, help="80/20 splits (default 5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--out", help="save the result to this netCDF file")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except HotneuroError as exc:
        if args.debug:
            raise
        print(f"hotneuro: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
