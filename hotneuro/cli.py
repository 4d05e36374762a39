"""The ``hotneuro`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .errors import HotneuroError

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run

    run(args.out, splits=args.splits, seed=args.seed, synthetic=args.synthetic,
        progress=not args.quiet)
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
        "demo", help="run the HOT paper's study on the bundled real networks and recordings",
        description="Compare the bundled real networks (EfficientNet-Lite0 vs Lite1, "
                    "MiniLM-L3 vs L6), a simulated V1/V4/IT recording with Lite0, and real "
                    "recordings (mouse head direction, human fMRI) with HOT and its "
                    "controls; print the paper's table and write results and heatmaps.",
        epilog="examples: hotneuro demo; hotneuro demo --splits 10 --out demo-results; "
               "hotneuro demo --synthetic",
    )
    demo.add_argument("--splits", type=int, default=5, help="80/20 splits (default 5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument("--out", default="hotneuro-demo",
                      help="folder for the results (.nc), heatmaps (.png) and table "
                           "(default ./hotneuro-demo)")
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
