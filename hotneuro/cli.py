"""The ``hotneuro`` command line.

Every subcommand has ``--help`` with examples. Errors go to stderr as one line (a
traceback only with ``--debug``) with exit code 2; progress bars are silenced by
``--quiet``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import HotneuroError, ParameterError

__all__ = ["main"]


def _parse_option(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as JSON when it parses (numbers, lists, true)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ParameterError(f"Options are KEY=VALUE, got {text!r} (e.g. --option bins=30).")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _source_of(path: str, source: str | None) -> str | None:
    """The source that will read ``path``: the one given, else the first that can."""
    from .loading import find_source

    return source if source is not None else find_source(path)


def _load_options(args: argparse.Namespace, path: str, side: str = "") -> dict[str, Any]:
    """Options for loading ``path``: --option (every input), --option-a/-b (one side), and
    the NWB shortcuts (--intervals, --stimulus-column, --window) for inputs read by the
    NWB source."""
    options = dict(_parse_option(o) for o in args.option or [])
    options.update(_parse_option(o) for o in getattr(args, f"option_{side}", None) or [])
    if _source_of(path, args.source) == "nwb":
        for flag in ("intervals", "stimulus_column"):
            if getattr(args, flag, None) is not None:
                options[flag] = getattr(args, flag)
        if getattr(args, "window", None) is not None:
            options["window"] = tuple(args.window)
    return options


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# -- commands ---------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run

    run(args.out, splits=args.splits, seed=args.seed, synthetic=args.synthetic,
        progress=not args.quiet)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import compare
    from .loading import load
    from .results import ComparisonSet
    from .text import format_result

    a = load(args.a, source=args.source, **_load_options(args, args.a, "a"))
    b = load(args.b, source=args.source, **_load_options(args, args.b, "b"))
    methods = args.method or ["hot"]
    extra: dict[str, Any] = {}
    if args.permutations:
        extra["permutations"] = args.permutations
    if args.bootstrap:
        extra["bootstrap"] = args.bootstrap
    outcome = compare(a, b, methods[0] if len(methods) == 1 else methods, align=args.align,
                      splits=args.splits, seed=args.seed, n_jobs=args.threads,
                      progress=not args.quiet, **extra)
    results = dict(outcome) if isinstance(outcome, ComparisonSet) else {methods[0]: outcome}
    if isinstance(outcome, ComparisonSet):
        table = outcome.table()
        rows = [[m, f"{float(table['distance'].sel(measure=m)):.4f}",
                 f"{float(table['similarity'].sel(measure=m)):.4f}",
                 "-" if results[m].score is None else
                 f"{results[m].score:.4f} ± {results[m].score_std:.4f}"]
                for m in results]
        print(_table(rows, ["method", "distance", "similarity", "held-out score"]))
    else:
        result = outcome
        print(format_result(result) if "coupling" in result.dataset else repr(result))
    if args.out:
        _write_results(results, Path(args.out), figures=not args.no_figures)
    return 0


def _write_results(results: dict[str, Any], out: Path, figures: bool) -> None:
    from .plots import coupling_heatmap, save_figure

    if len(results) == 1 and out.suffix == ".nc":
        targets = {name: out for name in results}
    else:
        out.mkdir(parents=True, exist_ok=True)
        targets = {name: out / f"{name}.nc" for name in results}
    for name, path in targets.items():
        results[name].to_netcdf(path)
        print(f"Saved {name} to {path}")
        if figures:
            variable = "coupling" if "coupling" in results[name].dataset else "matrix"
            figure = path.with_name(path.stem + f"-{variable}.png")
            save_figure(coupling_heatmap(results[name], variable=variable), figure)
            print(f"Saved its {variable} heatmap to {figure}")


def _named_inputs(items: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """``PATH`` (named by its file stem) or ``NAME=PATH`` items, loaded."""
    from .loading import load

    systems: dict[str, Any] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or os.path.exists(item):
            name, path = Path(item).stem, item
        if name in systems:
            raise ParameterError(f"Two inputs are named {name!r}; name them with "
                                 f"NAME=PATH, e.g. {name}-2={path}.")
        systems[name] = load(path, source=args.source, **_load_options(args, path))
    return systems


def _cmd_compare_many(args: argparse.Namespace) -> int:
    from .many import compare_many

    sources = _named_inputs(args.a, args)
    targets = _named_inputs(args.b, args) if args.b else sources
    methods = args.method or ["hot"]
    extra: dict[str, Any] = {}
    if args.engine == "dask":
        if args.scheduler:
            extra["scheduler"] = args.scheduler
        elif args.processes:
            extra["cluster_options"] = {"processes": True}
    with warnings.catch_warnings():  # failures are listed below, one line each
        warnings.filterwarnings("ignore", message=r"\d+ of \d+ comparisons failed")
        many = compare_many(sources, targets, methods, engine=args.engine, out=args.out,
                            resume=args.resume, progress=not args.quiet, align=args.align,
                            splits=args.splits, seed=args.seed, **extra)
    for method in many.methods:
        scored = bool(args.splits)
        print(f"{method}: distance" + (" | held-out score" if scored else "")
              + " (rows: sources, columns: targets)")
        rows = []
        for s in many.sources:
            row = [s]
            for t in many.targets:
                cell = {"source_system": s, "target_system": t, "measure": method}
                if str(many.status.sel(cell).values) != "ok":
                    row.append("failed")
                    continue
                text = f"{float(many.distance.sel(cell)):.4f}"
                score = float(many.score.sel(cell))
                if scored and score == score:  # not NaN
                    text += f" | {score:.4f}"
                row.append(text)
            rows.append(row)
        print(_table(rows, ["", *many.targets]))
        print()
    failures = many.failures()
    for (s, t, m), error in failures.items():
        print(f"failed: {s} vs {t} ({m}): {error}", file=sys.stderr)
    if args.out:
        print(f"Saved the study to {args.out} (read it with hotneuro.open_many)")
    return 1 if failures else 0


def _cmd_sources(args: argparse.Namespace) -> int:
    from .plugins import list_sources

    rows = [[s["name"], s["plugin"], " ".join(s["extensions"]), s["description"]]
            for s in list_sources()]
    print(_table(rows, ["source", "plugin", "extensions", "description"]))
    return 0


def _cmd_methods(args: argparse.Namespace) -> int:
    from .plugins import list_methods

    rows = []
    for m in list_methods():
        meta = m["metadata"]
        rows.append([m["name"], m["plugin"],
                     "similarity" if meta.get("higher_is_similar") else "distance",
                     "yes" if meta.get("symmetric") else "no",
                     ", ".join(meta.get("options", {})) or "-"])
    print(_table(rows, ["method", "plugin", "value", "symmetric", "options"]))
    return 0


def _cmd_plugins(args: argparse.Namespace) -> int:
    from .plugins import plugins

    rows = [[p.name, p.distribution or "-", p.version or ("built-in" if p.builtin else "-"),
             ", ".join(p.sources + p.methods) or "-", p.error or "ok"]
            for p in plugins()]
    print(_table(rows, ["plugin", "distribution", "version", "registers", "status"]))
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .loading import load
    from .representations import group_level, groups
    from .transport import Standardizer

    path = Path(args.file)
    if path.suffix in (".nc",) and args.source is None:
        try:
            from .results import open_result

            print(repr(open_result(path)))
            return 0
        except HotneuroError:
            pass  # not a result file: read it as a representation
    rep = load(path, source=args.source, **_load_options(args, str(path)))
    level = group_level(rep)
    values = rep.mean("repetition") if "repetition" in rep.dims else rep
    constant = Standardizer.fit(values.values).constant
    print(f"{path}: a representation read by source {rep.attrs.get('source')!r}")
    print(f"  system: {rep.attrs.get('system', '?')}")
    print(f"  stimuli: {rep.sizes['stimulus']}   units: {rep.sizes['unit']}   "
          f"{level}s: {len(groups(rep))}"
          + (f"   repetitions: {rep.sizes['repetition']}" if "repetition" in rep.dims
             else ""))
    rows = [[str(g), str(pos.size), str(int(constant[pos].sum()))]
            for g, pos in groups(rep).items()]
    print(_table(rows, [level, "units", "constant (would be dropped)"]))
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from .plots import coupling_heatmap, save_figure
    from .results import open_result

    result = open_result(args.result)
    variable = args.variable or ("coupling" if "coupling" in result.dataset else "matrix")
    out = args.out or str(Path(args.result).with_suffix("")) + f"-{variable}.png"
    save_figure(coupling_heatmap(result, variable=variable), out)
    print(f"Saved {out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    out = write_report(args.results, args.out, title=args.title)
    print(f"Wrote {out} ({len(args.results)} result(s), self-contained HTML)")
    return 0


# -- parser -----------------------------------------------------------------------------


def _add_load_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", help="data source name (default: picked by asking each)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="a source option, value read as JSON when possible; repeatable "
                        "(e.g. --option bins=30 --option epoch=wake)")
    p.add_argument("--intervals", help="NWB inputs: the presentation table (e.g. trials)")
    p.add_argument("--stimulus-column", dest="stimulus_column",
                   help="NWB inputs: the column of stimulus ids")
    p.add_argument("--window", nargs=2, type=float, metavar=("START", "STOP"),
                   help="NWB inputs: response window in seconds after onset")


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="hotneuro", formatter_class=formatter,
        description="Compare representations of models and brains with Hierarchical "
                    "Optimal Transport and the field's baseline measures.",
        epilog="examples:\n  hotneuro demo\n  hotneuro compare a.nwb b.nc --splits 5 "
               "--out result.nc\n  hotneuro methods\n\nRun 'hotneuro COMMAND --help' for "
               "a command's options.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", formatter_class=formatter,
        help="run the HOT paper's study on the bundled real networks and recordings",
        description="Compare the bundled real networks (EfficientNet-Lite0 vs Lite1, "
                    "MiniLM-L3 vs L6), a simulated V1/V4/IT recording with Lite0, and real "
                    "recordings (mouse head direction, human fMRI) with HOT and its "
                    "controls; print the paper's table and write results and heatmaps.",
        epilog="examples:\n  hotneuro demo\n  hotneuro demo --splits 10 --out demo-results"
               "\n  hotneuro demo --synthetic",
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

    cmp_ = sub.add_parser(
        "compare", formatter_class=formatter, help="compare two systems",
        description="Load two files (or URIs) as representations and compare them with one "
                    "or more methods; print a summary and write the results.",
        epilog="examples:\n"
               "  hotneuro compare model.nc brain.nwb --intervals trials "
               "--stimulus-column image_id --window 0.05 0.25 --splits 5 --out r.nc\n"
               "  hotneuro compare a.npz b.npz --method hot --method cka --out results/\n"
               "  hotneuro compare a.nc b.nc --align inner --threads 2 --quiet",
    )
    cmp_.add_argument("a", help="the source system (reconstructed in held-out scores)")
    cmp_.add_argument("b", help="the target system")
    _add_load_options(cmp_)
    cmp_.add_argument("--option-a", dest="option_a", action="append", metavar="KEY=VALUE",
                      help="a source option for the first system only; repeatable")
    cmp_.add_argument("--option-b", dest="option_b", action="append", metavar="KEY=VALUE",
                      help="a source option for the second system only; repeatable")
    cmp_.add_argument("--method", action="append",
                      help="method name, repeatable (default hot); see 'hotneuro methods'")
    cmp_.add_argument("--align", choices=["exact", "inner"], default="exact",
                      help="stimulus alignment (default exact: the sets must be equal)")
    cmp_.add_argument("--splits", type=int, help="seeded 80/20 splits for held-out scores")
    cmp_.add_argument("--permutations", type=int, default=0,
                      help="permutation-test resamples")
    cmp_.add_argument("--bootstrap", type=int, default=0, help="bootstrap resamples")
    cmp_.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    cmp_.add_argument("--threads", type=int, help="worker threads (default all cores)")
    cmp_.add_argument("--out", help="result file (.nc) for one method, a folder for several")
    cmp_.add_argument("--no-figures", action="store_true",
                      help="do not write heatmaps beside the results")
    cmp_.add_argument("--quiet", action="store_true", help="no progress bars")
    cmp_.set_defaults(func=_cmd_compare)

    many = sub.add_parser(
        "compare-many", formatter_class=formatter,
        help="compare every source with every target (in parallel)",
        description="Load several systems and compare every source with every target by "
                    "every method, spread over the cores (or a Dask cluster); print a "
                    "distance matrix per method; with --out write every comparison as it "
                    "completes. Exit code 1 when a comparison failed (the others "
                    "complete). Inputs are PATH (named by the file stem) or NAME=PATH.",
        epilog="examples:\n"
               "  hotneuro compare-many --a lite0.nc --a lite1.nc --b v1v4it.nwb "
               "--splits 5 --out study\n"
               "  hotneuro compare-many --a s1=sub1.nc --a s2=sub2.nc --a s3=sub3.nc "
               "--method hot --method cka\n"
               "  hotneuro compare-many --a a.nc --b b.nc --out study --resume "
               "--scheduler tcp://10.0.0.5:8786",
    )
    many.add_argument("--a", action="append", required=True, metavar="[NAME=]PATH",
                      help="a source system; repeatable")
    many.add_argument("--b", action="append", metavar="[NAME=]PATH",
                      help="a target system; repeatable (default: the sources, all pairs)")
    _add_load_options(many)
    many.add_argument("--method", action="append",
                      help="method name, repeatable (default hot); see 'hotneuro methods'")
    many.add_argument("--align", choices=["exact", "inner"], default="exact",
                      help="stimulus alignment (default exact: the sets must be equal)")
    many.add_argument("--splits", type=int, help="seeded 80/20 splits for held-out scores")
    many.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    many.add_argument("--engine", choices=["dask", "serial"], default="dask",
                      help="dask (default; needs hotneuro[distributed]) or serial")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="a running Dask scheduler (default: a local cluster)")
    many.add_argument("--processes", action="store_true",
                      help="local cluster with one worker process per core instead of "
                           "threads in this process")
    many.add_argument("--out", help="folder: one netCDF per comparison and summary.nc")
    many.add_argument("--resume", action="store_true",
                      help="continue the study in --out, skipping completed comparisons")
    many.add_argument("--quiet", action="store_true", help="no progress bar")
    many.set_defaults(func=_cmd_compare_many)

    for name, helptext, func in (
            ("sources", "list the data sources (built-in and plugins)", _cmd_sources),
            ("methods", "list the comparison methods (built-in and plugins)", _cmd_methods),
            ("plugins", "list plugins with versions and load errors", _cmd_plugins)):
        p = sub.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:]
                           + ".", epilog=f"example: hotneuro {name}")
        p.set_defaults(func=func)

    inspect = sub.add_parser(
        "inspect", formatter_class=formatter, help="show what a file holds",
        description="Show what a file holds as a representation (system, groups, unit and "
                    "stimulus counts, constant units), or summarize a result file.",
        epilog="examples:\n  hotneuro inspect session.nwb --intervals trials "
               "--stimulus-column image_id\n  hotneuro inspect result.nc",
    )
    inspect.add_argument("file")
    _add_load_options(inspect)
    inspect.set_defaults(func=_cmd_inspect)

    plot = sub.add_parser(
        "plot", help="draw a result's coupling (or matrix) heatmap",
        description="Draw a heatmap of a saved result; the format follows the suffix of "
                    "--out (png, svg, pdf).",
        epilog="example: hotneuro plot result.nc --out result.pdf",
    )
    plot.add_argument("result")
    plot.add_argument("--variable", choices=["coupling", "matrix"])
    plot.add_argument("--out")
    plot.set_defaults(func=_cmd_plot)

    report = sub.add_parser(
        "report", help="write a self-contained HTML report of results",
        description="Write one HTML page with the tables and figures of saved results.",
        epilog="example: hotneuro report results/*.nc --out report.html",
    )
    report.add_argument("results", nargs="+")
    report.add_argument("--out", required=True)
    report.add_argument("--title", default="hotneuro report")
    report.set_defaults(func=_cmd_report)
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
    except FileNotFoundError as exc:
        if args.debug:
            raise
        print(f"hotneuro: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
