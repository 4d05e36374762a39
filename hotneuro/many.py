"""Many comparisons at once: every source against every target, with every method.

:func:`compare_many` runs :func:`hotneuro.compare` for each (source, target, method)
triple, spread over the cores of this machine or over a Dask cluster, and gathers the
global numbers into one labeled :class:`xarray.Dataset` (dims ``source_system`` x
``target_system`` x ``measure``). Each comparison is one task; each representation is sent
to the cluster once. A comparison that fails is reported with its error and the others
complete. With ``out=`` every comparison is written to disk as it completes, and
``resume=True`` continues an interrupted study.

Output folder layout (``out=``)
-------------------------------
``manifest.json``
    The study: systems (with a fingerprint of each representation's values, ids and
    attrs), methods, and the options of every method. Written when a run starts.
``pairs/<source>--<target>--<method>-<hash>.nc``
    One file per comparison, written atomically (a temporary file renamed into place) as
    soon as the comparison completes. A successful one is an ordinary result file
    (:func:`hotneuro.open_result` reads it); a failed one holds only its error. The
    attrs ``many_source``, ``many_target``, ``many_method``, ``many_status``,
    ``many_error``, ``many_seconds``, ``many_options`` and the two fingerprints name it.
``summary.nc``
    The summary :class:`xarray.Dataset`; written when a run finishes (and removed when
    a run starts, so its presence means the study ran to the end).

>>> import hotneuro as hn
>>> from hotneuro.testing import random_network
>>> nets = {f"net{k}": random_network(seed=0, system=f"net{k}") for k in (1, 2)}
>>> many = hn.compare_many(nets, nets, ["hot", "cka"], engine="serial")
>>> many.dataset["distance"].dims
('source_system', 'target_system', 'measure')
>>> float(many.dataset["distance"].sel(source_system="net1", target_system="net2",
...                                     measure="hot")) < 1e-12
True
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import xarray as xr

from . import comparison
from .comparison import compare
from .errors import (
    HotneuroError,
    MissingDependencyError,
    ParameterError,
    RepresentationTypeError,
)
from .plugins import get_method
from .provenance import package_versions
from .results import ComparisonResult, open_result
from .transport.hot import resolve_n_jobs

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = ["ENGINES", "ManyResult", "compare_many", "open_many"]

#: The engines :func:`compare_many` runs on.
ENGINES: tuple[str, ...] = ("dask", "serial")

#: Dims of the summary dataset. ``measure`` (not ``method``, which ``Dataset.sel``
#: reserves for its own keyword) as in :meth:`hotneuro.results.ComparisonSet.table`.
SOURCE_DIM, TARGET_DIM, METHOD_DIM = "source_system", "target_system", "measure"

_FORMAT = "hotneuro.compare_many"
_FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_SUMMARY = "summary.nc"
_PAIRS = "pairs"
_NETCDF_ENGINE = "h5netcdf"
_OK, _FAILED, _MISSING = "ok", "failed", "missing"
#: compare() arguments that change how a comparison runs but not its numbers.
_NOT_IN_KEY = ("n_jobs", "progress")


# ---------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------


class ManyResult:
    """The outcome of :func:`compare_many`: a summary dataset and every comparison.

    Parameters
    ----------
    dataset : xarray.Dataset
        The summary: dims ``source_system`` x ``target_system`` x ``measure`` with
        variables ``distance``, ``similarity``, ``score``, ``score_std`` (NaN where the
        method has no held-out score or the comparison failed), ``status`` (``"ok"``,
        ``"failed"``, or ``"missing"`` in an interrupted study opened from disk),
        ``error`` (``"ExceptionType: message"``; ``""`` when ok) and ``seconds`` (wall
        time of the comparison).
    results : dict, optional
        In-memory results keyed by ``(source, target, method)``.
    folder : path-like, optional
        The output folder, where results not held in memory are read from.
    """

    result_type = "many"

    def __init__(self, dataset: xr.Dataset,
                 results: Mapping[tuple[str, str, str], ComparisonResult] | None = None,
                 folder: str | os.PathLike[str] | None = None) -> None:
        self.dataset = dataset
        self._results: dict[tuple[str, str, str], ComparisonResult] = dict(results or {})
        self.folder = None if folder is None else Path(folder)

    # -- labels ---------------------------------------------------------------------
    @property
    def sources(self) -> list[str]:
        """Names of the source systems, in the order given."""
        return [str(v) for v in self.dataset[SOURCE_DIM].values]

    @property
    def targets(self) -> list[str]:
        """Names of the target systems, in the order given."""
        return [str(v) for v in self.dataset[TARGET_DIM].values]

    @property
    def methods(self) -> list[str]:
        """Names of the methods, in the order given."""
        return [str(v) for v in self.dataset[METHOD_DIM].values]

    @property
    def attrs(self) -> dict[str, Any]:
        """Provenance: methods, options, engine, package versions."""
        return self.dataset.attrs

    # -- values ---------------------------------------------------------------------
    @property
    def distance(self) -> xr.DataArray:
        """Global distance of every comparison (lower is closer; NaN if it failed)."""
        return self.dataset["distance"]

    @property
    def similarity(self) -> xr.DataArray:
        """``1 - distance`` of every comparison."""
        return self.dataset["similarity"]

    @property
    def score(self) -> xr.DataArray:
        """Mean held-out score (NaN without held-out evaluation or when failed)."""
        return self.dataset["score"]

    @property
    def score_std(self) -> xr.DataArray:
        """Spread of the held-out score over splits (NaN where ``score`` is)."""
        return self.dataset["score_std"]

    @property
    def status(self) -> xr.DataArray:
        """``"ok"``, ``"failed"`` or ``"missing"`` (not run yet) per comparison."""
        return self.dataset["status"]

    @property
    def error(self) -> xr.DataArray:
        """The error of every failed comparison (``""`` where ok)."""
        return self.dataset["error"]

    def matrix(self, variable: str = "distance", method: str | None = None) -> xr.DataArray:
        """One summary variable of one method: a ``source_system`` x ``target_system`` matrix.

        Parameters
        ----------
        variable : str
            ``"distance"``, ``"similarity"``, ``"score"``, ``"score_std"``, ``"status"``,
            ``"error"`` or ``"seconds"``.
        method : str, optional
            Needed when the study ran several methods.
        """
        if variable not in self.dataset.data_vars:
            raise ParameterError(f"No variable {variable!r}; the summary has "
                                 f"{sorted(map(str, self.dataset.data_vars))}.")
        return self.dataset[variable].sel({METHOD_DIM: self._method(method)})

    def failures(self) -> dict[tuple[str, str, str], str]:
        """The error message of every failed comparison, keyed (source, target, method)."""
        status, error = self.status.values, self.error.values
        return {(s, t, m): str(error[i, j, k])
                for i, s in enumerate(self.sources) for j, t in enumerate(self.targets)
                for k, m in enumerate(self.methods) if status[i, j, k] == _FAILED}

    # -- single comparisons -----------------------------------------------------------
    def _method(self, method: str | None) -> str:
        if method is None:
            if len(self.methods) > 1:
                raise ParameterError(f"This study ran several methods {self.methods}; "
                                     "say which with method=.")
            return self.methods[0]
        if str(method) not in self.methods:
            raise ParameterError(f"Method {method!r} is not in this study; it ran "
                                 f"{self.methods}.")
        return str(method)

    def result(self, source: Any, target: Any, method: str | None = None
               ) -> ComparisonResult:
        """The full result of one comparison (coupling, plans, scores, provenance).

        Parameters
        ----------
        source, target : str
            System names (for sequences given to :func:`compare_many`: ``"0"``, ``"1"``,
            ...).
        method : str, optional
            Needed when the study ran several methods.

        Returns
        -------
        ComparisonResult
            From memory, or read from the output folder (and then kept).

        Raises
        ------
        ParameterError
            Unknown names.
        HotneuroError
            The comparison failed (the message carries its error) or was not run.
        """
        s, t, m = str(source), str(target), self._method(method)
        for name, names, side in ((s, self.sources, "source"), (t, self.targets, "target")):
            if name not in names:
                raise ParameterError(f"{side} {name!r} is not in this study; its {side}s "
                                     f"are {names}.")
        key = (s, t, m)
        if key in self._results:
            return self._results[key]
        where = {SOURCE_DIM: s, TARGET_DIM: t, METHOD_DIM: m}
        status = str(self.status.sel(where).values)
        if status == _FAILED:
            raise HotneuroError(f"Comparing {s!r} with {t!r} by {m!r} failed: "
                                f"{self.error.sel(where).values}")
        if status != _OK:
            raise HotneuroError(f"Comparing {s!r} with {t!r} by {m!r} has not run yet; "
                                "continue the study with compare_many(..., resume=True).")
        if self.folder is None:
            raise HotneuroError(f"The result of {key} is neither in memory nor in a folder.")
        path = _pair_path(self.folder, *key)
        if not path.exists():
            raise HotneuroError(f"{os.fspath(path)!r} holding the result of {key} is gone.")
        result = open_result(path)
        self._results[key] = result
        return result

    # -- io -------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write this study to a folder (the layout of ``compare_many(out=...)``).

        Every result is loaded first when this one was opened from another folder.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        store = _Store(folder)
        if self.folder is not None and store.path.resolve() == self.folder.resolve():
            return store.path
        store.clear()
        store.write_manifest(json.loads(self.attrs["manifest"]))
        for key in _keys(self.sources, self.targets, self.methods):
            where = dict(zip((SOURCE_DIM, TARGET_DIM, METHOD_DIM), key, strict=True))
            status = str(self.status.sel(where).values)
            if status == _MISSING:
                continue
            result = self.result(*key) if status == _OK else None
            record = _Record.of(result, str(self.error.sel(where).values),
                                float(self.dataset["seconds"].sel(where)))
            store.write_pair(key, record, result, self._pair_attrs(key))
        store.write_summary(self.dataset)
        return store.path

    def _pair_attrs(self, key: tuple[str, str, str]) -> dict[str, str]:
        manifest = json.loads(self.attrs["manifest"])
        s, t, m = key
        return _pair_attrs(key, manifest["sources"][s], manifest["targets"][t],
                           manifest["options"][m])

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ManyResult:
        """Open a study written by ``compare_many(out=path)``; see :func:`open_many`."""
        return open_many(path)

    def __repr__(self) -> str:
        status = self.status.values
        counts = {s: int((status == s).sum()) for s in (_OK, _FAILED, _MISSING)}
        lines = [
            f"<ManyResult {len(self.sources)} sources x {len(self.targets)} targets x "
            f"{len(self.methods)} method(s): {counts[_OK]} ok, {counts[_FAILED]} failed"
            + (f", {counts[_MISSING]} not run" if counts[_MISSING] else "") + ">",
            f"  methods: {', '.join(self.methods)}",
        ]
        if self.folder is not None:
            lines.append(f"  folder: {os.fspath(self.folder)}")
        for (s, t, m), error in list(self.failures().items())[:3]:
            lines.append(f"  failed {s} vs {t} ({m}): {_shorten(error, 90)}")
        return "\n".join(lines)


def open_many(path: str | os.PathLike[str]) -> ManyResult:
    """Open a study written by ``compare_many(..., out=path)``.

    Parameters
    ----------
    path : path-like
        The output folder.

    Returns
    -------
    ManyResult
        The summary in memory; :meth:`ManyResult.result` reads single comparisons from
        the folder on demand. A study interrupted before it finished opens too: the
        summary is rebuilt from the comparisons written so far, the rest ``"missing"``.

    Raises
    ------
    HotneuroError
        The folder is not a ``compare_many`` output.
    """
    store = _Store(path)
    manifest = store.read_manifest()
    if manifest is None:
        raise HotneuroError(
            f"{os.fspath(path)!r} is not a compare_many output folder (no {_MANIFEST}); "
            "write one with hotneuro.compare_many(..., out=folder)."
        )
    summary = store.path / _SUMMARY
    if summary.exists():
        with xr.open_dataset(summary, engine=_NETCDF_ENGINE) as ds:
            ds = ds.load()
        for name in list(ds.variables):
            if ds[name].dtype == object:
                ds[name] = ds[name].astype(str)
        return ManyResult(ds, folder=store.path)
    sources, targets = list(manifest["sources"]), list(manifest["targets"])
    methods = list(manifest["methods"])
    records: dict[tuple[str, str, str], _Record] = {}
    for key in _keys(sources, targets, methods):
        found = store.read_pair(key, manifest["sources"][key[0]],
                                manifest["targets"][key[1]], manifest["options"][key[2]])
        if found is not None:
            records[key] = found[0]
    ds = _summary(sources, targets, methods, records, manifest,
                  engine=str(manifest.get("engine", "")))
    return ManyResult(ds, folder=store.path)


# ---------------------------------------------------------------------------------------
# the study
# ---------------------------------------------------------------------------------------


def compare_many(
    sources: Mapping[Any, xr.DataArray] | Sequence[Any],
    targets: Mapping[Any, xr.DataArray] | Sequence[Any],
    methods: str | Sequence[str] = "hot",
    *,
    engine: Literal["dask", "serial"] = "dask",
    client: Client | None = None,
    scheduler: str | None = None,
    cluster_options: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = False,
    **compare_options: Any,
) -> ManyResult:
    """Compare every source with every target by every method, in parallel.

    Parameters
    ----------
    sources, targets : mapping of name to representation, or sequence
        E.g. ``{"lite0": lite0, "lite1": lite1}``. A sequence of representations is named
        ``"0"``, ``"1"``, ...; a sequence of ``(name, representation)`` pairs keeps the
        names. Names are strings (other keys are converted) and must be unique per side.
        The same representation object may appear on both sides; it is sent to the
        cluster once.
    methods : str or sequence of str
        Method names (:func:`hotneuro.list_methods`); ``"hot"`` by default.
    engine : {"dask", "serial"}
        ``"dask"`` (default) runs each comparison as one task on a Dask distributed
        cluster (``pip install 'hotneuro[distributed]'``); ``"serial"`` runs them one
        after the other in this process, without Dask, with the same numbers.
    client : distributed.Client, optional
        Run on this existing client's cluster (left open afterwards).
    scheduler : str, optional
        Address of a running Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``; a client is
        connected for this call and closed afterwards.
    cluster_options : mapping, optional
        Without ``client`` and ``scheduler``, a local cluster is started for this call
        and closed afterwards: by default one worker in this process with a thread per
        core (``docs/many.md`` has the measurements behind this choice). These options
        go to :class:`distributed.LocalCluster`, e.g. ``{"processes": True}`` for one
        single-threaded worker process per core (a script must then call
        ``compare_many`` under ``if __name__ == "__main__":``, because worker processes
        import it).
    out : path-like, optional
        A folder to write every comparison to as it completes, and the summary at the
        end (layout in the module docs). Must not be a study already unless ``resume``.
    resume : bool
        Continue the study in ``out``: comparisons that completed there (with the same
        data, fingerprinted, and the same options) are read back instead of run; the
        rest, failed ones included, run.
    progress : bool
        A progress bar over the comparisons.
    **compare_options
        Passed to :func:`hotneuro.compare` for every comparison (``splits=``,
        ``seed=``, ``align=``, method options, ...). With several methods, options of
        one method go under its name (``cka={"debiased": True}``). ``n_jobs`` (threads
        inside one comparison) defaults to 1 with Dask, whose workers already fill the
        cores, and to all cores with the serial engine.

    Returns
    -------
    ManyResult
        ``.dataset`` (dims ``source_system`` x ``target_system`` x ``measure``),
        ``.result(source, target, method)`` for a full result.

    Raises
    ------
    ParameterError
        Empty or duplicate names, unknown engine, conflicting engine arguments,
        options no method takes, an ``out`` that is a file or an existing study without
        ``resume``, or a study there computed from different data or options.
    UnknownMethodError
        A method name nobody provides.
    RepresentationTypeError
        A system that is not an :class:`xarray.DataArray`.
    MissingDependencyError
        ``engine="dask"`` without ``dask.distributed`` installed.

    Notes
    -----
    A comparison that raises (an all-constant layer, disjoint stimuli, ...) is recorded
    with ``status="failed"`` and its error, and the others complete; a warning counts
    the failures. Same inputs and ``seed`` give bit-identical numbers on every engine.

    Examples
    --------
    >>> import hotneuro as hn
    >>> from hotneuro.testing import random_network
    >>> nets = [random_network(seed=s) for s in (1, 2, 3)]
    >>> many = hn.compare_many(nets, nets, engine="serial")
    >>> many.matrix("distance").shape
    (3, 3)
    >>> many.result("0", "2").coupling.dims
    ('source_layer', 'target_layer')
    """
    if _importing_main_in_worker():
        raise HotneuroError(
            "compare_many was called while a new worker process imported the main script: "
            "call it under 'if __name__ == \"__main__\":' in scripts that start worker "
            "processes."
        )
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}, got {engine!r}.")
    if engine == "serial" and (client is not None or scheduler is not None
                               or cluster_options is not None):
        raise ParameterError("client=, scheduler= and cluster_options= choose a Dask "
                             "cluster; they do not apply to engine='serial'.")
    given = [n for n, v in (("client", client), ("scheduler", scheduler),
                            ("cluster_options", cluster_options)) if v is not None]
    if len(given) > 1:
        raise ParameterError(f"Give at most one of client=, scheduler= and "
                             f"cluster_options=; got {', '.join(given)}.")
    if scheduler is not None and not isinstance(scheduler, str):
        raise ParameterError(f"scheduler= is an address such as 'tcp://host:8786', got "
                             f"{type(scheduler).__name__}.")
    if resume and out is None:
        raise ParameterError("resume=True continues the study in out=; give out=folder.")
    src = _named(sources, "sources")
    tgt = _named(targets, "targets")
    method_names = _methods(methods)
    options = _split_options(method_names, compare_options)
    if "n_jobs" not in compare_options:
        for opts in options.values():
            opts["n_jobs"] = 1 if engine == "dask" else None

    fingerprints = {id(rep): _fingerprint(rep) for rep in [*src.values(), *tgt.values()]}
    manifest = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "sources": {name: fingerprints[id(rep)] for name, rep in src.items()},
        "targets": {name: fingerprints[id(rep)] for name, rep in tgt.items()},
        "methods": method_names,
        "options": {m: _options_key(options[m]) for m in method_names},
        "engine": engine,
    }
    keys = _keys(list(src), list(tgt), method_names)
    records: dict[tuple[str, str, str], _Record] = {}
    results: dict[tuple[str, str, str], ComparisonResult] = {}
    store = None
    if out is not None:
        store = _Store(out)
        store.start(manifest, resume=resume)
        if resume:
            for key in keys:
                found = store.read_pair(key, manifest["sources"][key[0]],
                                        manifest["targets"][key[1]],
                                        manifest["options"][key[2]], strict=True)
                if found is not None and found[0].status == _OK:
                    records[key] = found[0]
    pending = [key for key in keys if key not in records]

    def collect(key: tuple[str, str, str], outcome: _Outcome) -> None:
        record = _Record.of(outcome.result, outcome.error, outcome.seconds)
        records[key] = record
        if outcome.result is not None:
            results[key] = outcome.result
        if store is not None:
            s, t, m = key
            store.write_pair(key, record, outcome.result,
                             _pair_attrs(key, manifest["sources"][s], manifest["targets"][t],
                                         manifest["options"][m]))

    with _progress_bar(progress, len(keys), len(keys) - len(pending)) as bar:
        def done(key: tuple[str, str, str], outcome: _Outcome) -> None:
            collect(key, outcome)
            if bar is not None:
                bar.update()
                if outcome.error:
                    bar.set_postfix(failed=sum(r.status == _FAILED
                                               for r in records.values()))

        if engine == "serial":
            description = "serial"
            with ExitStack() as stack:
                if all(resolve_n_jobs(o.get("n_jobs")) == 1 for o in options.values()):
                    # n_jobs=1 means one thread: BLAS too (its idle threads only contend).
                    from threadpoolctl import threadpool_limits

                    stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
                for key in pending:
                    s, t, m = key
                    done(key, _compare_one(src[s], tgt[t], m, options[m]))
        else:
            description = _run_dask(pending, src, tgt, options, done, client=client,
                                    scheduler=scheduler, cluster_options=cluster_options)

    manifest["engine"] = description
    ds = _summary(list(src), list(tgt), method_names, records, manifest, engine=description)
    if store is not None:
        store.write_manifest(manifest)
        store.write_summary(ds)
    n_failed = sum(r.status == _FAILED for r in records.values())
    if n_failed:
        first = next((k, records[k].error) for k in keys if records[k].status == _FAILED)
        warnings.warn(
            f"{n_failed} of {len(keys)} comparisons failed (first: {first[0][0]} vs "
            f"{first[0][1]} by {first[0][2]}: {_shorten(first[1], 200)}); see "
            "ManyResult.failures().", UserWarning, stacklevel=2)
    return ManyResult(ds, results, folder=None if store is None else store.path)


# ---------------------------------------------------------------------------------------
# one comparison
# ---------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    """What one task sends back: the result, or the error that stopped it."""

    result: ComparisonResult | None
    error: str
    seconds: float


def _compare_one(source: xr.DataArray, target: xr.DataArray, method: str,
                 options: Mapping[str, Any]) -> _Outcome:
    """The work of one task: one :func:`hotneuro.compare`, its error caught."""
    start = time.perf_counter()
    try:
        result = compare(source, target, method, progress=False, **options)
    except Exception as exc:  # every failure is reported per comparison
        return _Outcome(None, _describe(exc), time.perf_counter() - start)
    return _Outcome(result, "", time.perf_counter() - start)


def _describe(exc: BaseException) -> str:
    message = str(exc).strip()
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


@dataclass(frozen=True)
class _Record:
    """The summary numbers of one comparison (NaN where not applicable or failed)."""

    status: str
    error: str
    seconds: float
    distance: float = math.nan
    similarity: float = math.nan
    score: float = math.nan
    score_std: float = math.nan

    @classmethod
    def of(cls, result: ComparisonResult | None, error: str, seconds: float) -> _Record:
        if result is None:
            return cls(_FAILED, error, seconds)
        score, spread = result.score, result.score_std
        return cls(_OK, "", seconds, result.distance, result.similarity,
                   math.nan if score is None else float(score),
                   math.nan if spread is None else float(spread))


# ---------------------------------------------------------------------------------------
# the Dask engine
# ---------------------------------------------------------------------------------------


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "engine='dask' needs dask.distributed: pip install 'hotneuro[distributed]' "
            "(or run compare_many(..., engine='serial'))."
        ) from exc
    return distributed


def _importing_main_in_worker() -> bool:
    """Whether this is a spawned process still importing the parent's main script."""
    import multiprocessing

    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _default_cluster(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """LocalCluster arguments: by default one worker in this process, a thread per core.

    Threads run comparisons side by side (BLAS and the exact solvers release the GIL),
    start in hundredths of a second where worker processes take one to two, share the
    representations without copies and need no ``if __name__ == "__main__":`` guard in
    scripts; docs/many.md has the measurements against worker processes.
    """
    cores = resolve_n_jobs(None)
    kwargs: dict[str, Any] = {"dashboard_address": None, "processes": False}
    kwargs.update(options or {})
    if kwargs["dashboard_address"] is None:
        # Without a dashboard the scheduler still serves health checks over HTTP, by
        # default on port 8787: take any free port (no warning when 8787 is taken).
        kwargs["scheduler_kwargs"] = {"dashboard_address": ":0",
                                      **(kwargs.get("scheduler_kwargs") or {})}
    if kwargs["processes"]:
        kwargs.setdefault("n_workers", cores)
        kwargs.setdefault("threads_per_worker", 1)
    else:
        kwargs.setdefault("n_workers", 1)
        kwargs.setdefault("threads_per_worker", cores)
    return kwargs


@contextmanager
def _dask_client(client: Client | None, scheduler: str | None,
                 cluster_options: Mapping[str, Any] | None) -> Iterator[tuple[Client, str]]:
    distributed = _distributed()
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise ParameterError(f"client= takes a distributed.Client, got "
                                 f"{type(client).__name__}.")
        yield client, "dask (given client)"
        return
    if scheduler is not None:
        try:
            connected = distributed.Client(scheduler, set_as_default=False)
        except OSError as exc:
            raise ParameterError(f"Could not connect to the Dask scheduler at "
                                 f"{scheduler!r}: {exc}") from exc
        with connected:
            yield connected, f"dask (scheduler {scheduler})"
        return
    kwargs = _default_cluster(cluster_options)
    try:
        cluster = distributed.LocalCluster(**kwargs)
    except TypeError as exc:
        raise ParameterError(f"cluster_options: {exc}") from exc
    except RuntimeError as exc:
        if not kwargs["processes"]:
            raise
        raise HotneuroError(
            f"The local Dask cluster could not start its worker processes "
            f"({str(exc).rstrip('.')}). In a "
            f"script, call compare_many under 'if __name__ == \"__main__\":' (each worker "
            "process imports the script); or run the workers as threads of this process "
            "with cluster_options={'processes': False}, or use engine='serial'."
        ) from exc
    with ExitStack() as stack:
        stack.enter_context(cluster)
        if not kwargs["processes"]:
            # The worker threads share this process: one BLAS thread each, as the
            # threads already fill the cores (worker processes get this from Dask).
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        local = stack.enter_context(distributed.Client(cluster, set_as_default=False))
        mode = ("processes" if kwargs["processes"] else "threads")
        yield local, (f"dask (LocalCluster, {kwargs['n_workers']} worker(s) x "
                      f"{kwargs['threads_per_worker']} thread(s), {mode})")


def _run_dask(pending: list[tuple[str, str, str]], src: Mapping[str, xr.DataArray],
              tgt: Mapping[str, xr.DataArray], options: Mapping[str, dict[str, Any]],
              done: Callable[[tuple[str, str, str], _Outcome], None], *,
              client: Client | None, scheduler: str | None,
              cluster_options: Mapping[str, Any] | None) -> str:
    """Run the pending comparisons on Dask; ``done(key, outcome)`` as each completes."""
    distributed = _distributed()
    with _dask_client(client, scheduler, cluster_options) as (dask_client, description):
        if not pending:
            return description
        # Each representation is scattered once (once per object, when one appears on
        # both sides); tasks get futures, so the data is not part of any task.
        needed = {id(src[s]): src[s] for s, _, _ in pending}
        needed.update({id(tgt[t]): tgt[t] for _, t, _ in pending})
        scattered = {key: dask_client.scatter(rep, hash=False)
                     for key, rep in needed.items()}
        futures = {}
        for key in pending:
            s, t, m = key
            future = dask_client.submit(_compare_one, scattered[id(src[s])],
                                        scattered[id(tgt[t])], m, options[m],
                                        key=f"hotneuro-compare-{_token(key)}-"
                                            f"{os.urandom(4).hex()}")
            futures[future.key] = (key, future)
        try:
            for future in distributed.as_completed([f for _, f in futures.values()],
                                                   loop=dask_client.loop):
                key, _ = futures.pop(future.key)
                try:
                    outcome = future.result()
                except Exception as exc:  # the task itself could not run (lost worker)
                    outcome = _Outcome(None, _describe(exc), math.nan)
                future.release()
                done(key, outcome)
        finally:
            if futures:
                dask_client.cancel([f for _, f in futures.values()])
            for future in scattered.values():
                future.release()
    return description


# ---------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------


def _named(systems: Any, side: str) -> dict[str, xr.DataArray]:
    if isinstance(systems, xr.DataArray) or not isinstance(systems, (Mapping, Sequence)) \
            or isinstance(systems, (str, bytes)):
        raise ParameterError(
            f"{side} must be a mapping of name to representation or a sequence of "
            f"representations, got {type(systems).__name__}; for one system write "
            f"{{'name': rep}}."
        )
    items: list[tuple[Any, Any]]
    if isinstance(systems, Mapping):
        items = list(systems.items())
    elif systems and all(isinstance(v, tuple) and len(v) == 2
                         and isinstance(v[1], xr.DataArray) for v in systems):
        items = list(systems)
    else:
        items = list(enumerate(systems))
    if not items:
        raise ParameterError(f"{side} is empty; give at least one representation.")
    names = [str(name) for name, _ in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ParameterError(f"{side} has duplicate names {duplicates} (names are compared "
                             "as strings); give each system its own name.")
    for name, rep in zip(names, (rep for _, rep in items), strict=True):
        if not isinstance(rep, xr.DataArray):
            raise RepresentationTypeError(
                f"{side}[{name!r}] is a {type(rep).__name__}, not a representation; build "
                "one with hotneuro.representation({group: array}, stimuli) or "
                "hotneuro.load(path)."
            )
    return {name: rep for name, (_, rep) in zip(names, items, strict=True)}


def _methods(methods: str | Sequence[str]) -> list[str]:
    names = [methods] if isinstance(methods, str) else list(methods)
    if not names or len(set(names)) != len(names):
        raise ParameterError(f"methods= takes a method name or a list of distinct names, "
                             f"got {methods!r}.")
    for name in names:
        get_method(name)  # unknown names fail now, listing the available ones
    return [str(n) for n in names]


def _compare_keywords() -> set[str]:
    params = inspect.signature(comparison.compare).parameters.values()
    return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _split_options(methods: list[str], given: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each method's keyword arguments for :func:`hotneuro.compare`."""
    reserved = {"method", "source", "target", "progress"} & set(given)
    if reserved:
        raise ParameterError(f"{', '.join(sorted(reserved))} cannot be passed through "
                             "compare_many (methods= names the methods; progress= is the "
                             "bar over comparisons).")
    keywords = _compare_keywords()
    common = {k: v for k, v in given.items() if k in keywords}
    per_method = {k: v for k, v in given.items() if k not in keywords}
    out: dict[str, dict[str, Any]] = {}
    for name in methods:
        declared = get_method(name).metadata.get("options")
        if len(methods) > 1:
            own = per_method.get(name, {})
            if not isinstance(own, Mapping):
                raise ParameterError(f"{name}= takes a dict of that method's options, got "
                                     f"{own!r}.")
        else:
            own = dict(per_method)
            nested = own.pop(name, None)
            if isinstance(nested, Mapping):
                own.update(nested)
            elif nested is not None:
                own[name] = nested
        if isinstance(declared, Mapping):
            unknown = sorted(set(own) - set(declared))
            if unknown:
                valid = ", ".join(sorted(declared)) or "none"
                raise ParameterError(f"Method {name!r} takes no option(s) "
                                     f"{', '.join(unknown)}; its options: {valid}.")
        out[name] = {**common, **own}
    if len(methods) > 1:
        stray = sorted(k for k in per_method if k not in methods)
        if stray:
            raise ParameterError(
                f"{', '.join(stray)}: not an argument of hotneuro.compare nor a method of "
                f"this study; with several methods give each method's options under its "
                f"name, e.g. cka={{'debiased': True}}."
            )
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _options_key(options: Mapping[str, Any]) -> str:
    """Canonical JSON of the options that shape a comparison's numbers."""
    kept = {k: v for k, v in options.items() if k not in _NOT_IN_KEY}
    return json.dumps(_jsonable(kept), sort_keys=True)


def _fingerprint(rep: xr.DataArray) -> str:
    """A hash of a representation's values, dims, coords and attrs."""
    h = hashlib.sha256()
    h.update(repr((tuple(map(str, rep.dims)), rep.shape, rep.dtype.str)).encode())
    h.update(np.ascontiguousarray(rep.values).tobytes())
    for name in sorted(map(str, rep.coords)):
        coord = rep.coords[name]
        h.update(repr((name, tuple(map(str, coord.dims)))).encode())
        h.update(json.dumps(_jsonable(np.asarray(coord.values))).encode())
    h.update(json.dumps(_jsonable(dict(rep.attrs)), sort_keys=True).encode())
    return h.hexdigest()[:20]


def _keys(sources: list[str], targets: list[str], methods: list[str]
          ) -> list[tuple[str, str, str]]:
    return [(s, t, m) for s in sources for t in targets for m in methods]


def _token(key: tuple[str, str, str]) -> str:
    return hashlib.sha1(json.dumps(list(key)).encode()).hexdigest()[:10]


def _slug(name: str, limit: int = 40) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return "-".join(filter(None, keep.split("-")))[:limit] or "x"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextmanager
def _progress_bar(show: bool, total: int, initial: int) -> Iterator[Any]:
    if not show:
        yield None
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, desc="comparisons", unit="comparison")
    try:
        yield bar
    finally:
        bar.close()


# ---------------------------------------------------------------------------------------
# summary and storage
# ---------------------------------------------------------------------------------------


def _summary(sources: list[str], targets: list[str], methods: list[str],
             records: Mapping[tuple[str, str, str], _Record], manifest: Mapping[str, Any],
             *, engine: str) -> xr.Dataset:
    shape = (len(sources), len(targets), len(methods))
    numbers = {name: np.full(shape, np.nan) for name in
               ("distance", "similarity", "score", "score_std", "seconds")}
    status = np.full(shape, _MISSING, dtype=object)
    error = np.full(shape, "", dtype=object)
    for (i, s) in enumerate(sources):
        for (j, t) in enumerate(targets):
            for (k, m) in enumerate(methods):
                record = records.get((s, t, m))
                if record is None:
                    continue
                status[i, j, k], error[i, j, k] = record.status, record.error
                for name in numbers:
                    numbers[name][i, j, k] = getattr(record, name)
    dims = (SOURCE_DIM, TARGET_DIM, METHOD_DIM)
    ds = xr.Dataset(
        {**{name: (dims, values) for name, values in numbers.items()},
         "status": (dims, status.astype(str)),
         "error": (dims, error.astype(str))},
        coords={SOURCE_DIM: sources, TARGET_DIM: targets, METHOD_DIM: methods},
    )
    ds["distance"].attrs["long_name"] = "global distance (lower is closer)"
    ds["similarity"].attrs["long_name"] = "1 - distance"
    ds["score"].attrs["long_name"] = "mean held-out score over splits"
    ds["score_std"].attrs["long_name"] = "std (ddof=1) of the held-out score over splits"
    ds["seconds"].attrs["long_name"] = "wall time of the comparison"
    ds["seconds"].attrs["units"] = "s"
    ds["status"].attrs["long_name"] = "ok, failed, or missing (not run yet)"
    ds["error"].attrs["long_name"] = "error of a failed comparison"
    ds.attrs.update(
        result_type=ManyResult.result_type,
        methods=json.dumps(methods),
        engine=engine,
        manifest=json.dumps(manifest),
        versions=json.dumps(package_versions()),
    )
    return ds


def _pair_path(folder: Path, source: str, target: str, method: str) -> Path:
    name = (f"{_slug(source)}--{_slug(target)}--{_slug(method)}-"
            f"{_token((source, target, method))}.nc")
    return folder / _PAIRS / name


def _pair_attrs(key: tuple[str, str, str], source_fp: str, target_fp: str,
                options_key: str) -> dict[str, str]:
    s, t, m = key
    return {"many_source": s, "many_target": t, "many_method": m,
            "many_source_fingerprint": source_fp, "many_target_fingerprint": target_fp,
            "many_options": options_key}


class _Store:
    """The output folder of a study."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.suffix == ".nc":
            raise ParameterError(
                f"out= names a folder (one netCDF file per comparison and summary.nc), "
                f"e.g. out='study'; got {os.fspath(path)!r}."
            )
        if self.path.exists() and not self.path.is_dir():
            raise ParameterError(f"out={os.fspath(path)!r} exists and is not a folder.")

    # -- manifest -------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any] | None:
        file = self.path / _MANIFEST
        if not file.exists():
            return None
        try:
            manifest = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise HotneuroError(f"Could not read {os.fspath(file)!r}: {exc}") from exc
        if manifest.get("format") != _FORMAT:
            raise HotneuroError(f"{os.fspath(file)!r} is not a compare_many manifest.")
        return manifest

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".{_MANIFEST}.partial"
        tmp.write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(tmp, self.path / _MANIFEST)

    def start(self, manifest: Mapping[str, Any], *, resume: bool) -> None:
        existing = self.read_manifest()
        if existing is not None and not resume:
            n = len(list((self.path / _PAIRS).glob("*.nc")))
            raise ParameterError(
                f"{os.fspath(self.path)!r} already holds a study ({n} comparisons); pass "
                "resume=True to continue it, or choose another out= folder (or remove "
                "this one)."
            )
        if existing is None and self.path.exists() and any(self.path.iterdir()) \
                and not resume:
            raise ParameterError(f"out={os.fspath(self.path)!r} is a folder with other "
                                 "files; give a new or empty folder.")
        (self.path / _PAIRS).mkdir(parents=True, exist_ok=True)
        (self.path / _SUMMARY).unlink(missing_ok=True)  # back when the run finishes
        for stale in (self.path / _PAIRS).glob("*.partial"):
            stale.unlink()
        self.write_manifest(manifest)

    def clear(self) -> None:
        if self.read_manifest() is not None:
            raise ParameterError(f"{os.fspath(self.path)!r} already holds a study; save "
                                 "to a new folder.")
        if self.path.exists() and any(self.path.iterdir()):
            raise ParameterError(f"{os.fspath(self.path)!r} is a folder with other files; "
                                 "save to a new or empty folder.")
        (self.path / _PAIRS).mkdir(parents=True, exist_ok=True)

    # -- comparisons ------------------------------------------------------------------
    def write_pair(self, key: tuple[str, str, str], record: _Record,
                   result: ComparisonResult | None, attrs: Mapping[str, str]) -> None:
        path = _pair_path(self.path, *key)
        tmp = path.with_name(path.name + ".partial")
        extra = {**attrs, "many_status": record.status, "many_error": record.error,
                 "many_seconds": record.seconds}
        if result is not None:
            saved = copy.copy(result)  # the in-memory result keeps its attrs
            saved.dataset = result.dataset.copy(deep=False)
            saved.dataset.attrs = {**result.dataset.attrs, **extra}
            saved.to_netcdf(tmp)
        else:
            xr.Dataset(attrs=extra).to_netcdf(tmp, engine=_NETCDF_ENGINE)
        os.replace(tmp, path)

    def read_pair(self, key: tuple[str, str, str], source_fp: str, target_fp: str,
                  options_key: str, *, strict: bool = False
                  ) -> tuple[_Record, ComparisonResult | None] | None:
        """The stored record of one comparison, if there is a matching one.

        ``strict``: a successful record computed from other data or options is an error
        (resuming must not mix studies); otherwise such a record is skipped.
        """
        path = _pair_path(self.path, *key)
        if not path.exists():
            return None
        try:
            with xr.open_dataset(path, engine=_NETCDF_ENGINE) as ds:
                attrs = dict(ds.attrs)
        except Exception:  # an unreadable file counts as not run
            return None
        if (attrs.get("many_source"), attrs.get("many_target"),
                attrs.get("many_method")) != key:
            return None
        expected = {"many_source_fingerprint": source_fp,
                    "many_target_fingerprint": target_fp, "many_options": options_key}
        changed = [name for name, value in expected.items() if attrs.get(name) != value]
        status = str(attrs.get("many_status", _FAILED))
        if changed:
            if not strict or status != _OK:  # a failed comparison runs again anyway
                return None
            what = {"many_source_fingerprint": f"source {key[0]!r}",
                    "many_target_fingerprint": f"target {key[1]!r}",
                    "many_options": f"the options of {key[2]!r}"}
            raise ParameterError(
                f"{os.fspath(self.path)!r} holds a result of {key[0]!r} vs {key[1]!r} by "
                f"{key[2]!r} computed with different "
                f"{' and '.join(what[c] for c in changed)}; resuming would mix two studies. "
                "Use a new out= folder, or give the changed systems new names."
            )
        seconds = float(attrs.get("many_seconds", math.nan))
        if status != _OK:
            return _Record.of(None, str(attrs.get("many_error", "")), seconds), None
        result = open_result(path)
        return _Record.of(result, "", seconds), result

    # -- summary ----------------------------------------------------------------------
    def write_summary(self, ds: xr.Dataset) -> None:
        tmp = self.path / f".{_SUMMARY}.partial"
        ds.to_netcdf(tmp, engine=_NETCDF_ENGINE)
        os.replace(tmp, self.path / _SUMMARY)

