"""Conformance checks that built-in and third-party plugins run in their own tests.

Use them in a plugin's tests::

    from hotneuro.testing import check_method, check_source

    check_source(my_source, "tests/data/example.csv")
    check_method(my_method)

Each check raises ``AssertionError`` with a message naming the broken rule.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import xarray as xr

from .errors import HotneuroError
from .methods.spec import METADATA_KEYS, Method
from .representations import group_level, groups, representation, validate
from .sources.spec import Source

__all__ = ["check_method", "check_source", "random_network"]


def _fail(message: str) -> None:
    raise AssertionError(message)


def random_network(
    n_stimuli: int = 40,
    widths: tuple[int, ...] = (6, 8, 5),
    *,
    seed: int = 0,
    level: str = "layer",
    system: str = "random net",
) -> xr.DataArray:
    """A small seeded random leaky-ReLU network as a representation (for tests).

    Parameters
    ----------
    n_stimuli : int
    widths : tuple of int
        Units per group, in order.
    seed : int
    level : {"layer", "region"}
    system : str
    """
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(n_stimuli, widths[0]))
    blocks = {}
    for k, width in enumerate(widths):
        w = rng.normal(scale=np.sqrt(2.0 / h.shape[1]), size=(h.shape[1], width))
        pre = h @ w
        h = np.where(pre > 0, pre, 0.1 * pre)
        blocks[f"{level}{k + 1}"] = h
    return representation(blocks, [f"s{i:03d}" for i in range(n_stimuli)], system=system,
                          level=level)  # type: ignore[arg-type]


def check_source(source: Source, path: str | os.PathLike[str], **options: Any) -> xr.DataArray:
    """Check that a data source follows the contract, on a file it should read.

    Checks: a name and a description; ``can_open(path)`` is true and ``can_open`` of a
    foreign file is false without raising; ``load(path, **options)`` returns a valid
    representation (DESIGN section 1) with groups and a ``system`` attr; loading twice
    gives identical results; a corrupt file raises a :class:`hotneuro.HotneuroError`.

    Returns
    -------
    xarray.DataArray
        The loaded representation, for further source-specific assertions.
    """
    if not isinstance(source, Source):
        _fail(f"expected a hotneuro.sources.Source, got {type(source).__name__}")
    if not source.name or not isinstance(source.name, str):
        _fail("a source needs a non-empty str name")
    if not source.description:
        _fail(f"source {source.name!r} has no description")
    path = os.fspath(path)
    if not source.can_open(path):
        _fail(f"source {source.name!r}: can_open({path!r}) is False for a file it reads")
    with tempfile.TemporaryDirectory() as tmp:
        foreign = os.path.join(tmp, "not-data.txt")
        with open(foreign, "w") as fh:
            fh.write("this is not a recording\n")
        try:
            if source.can_open(foreign):
                _fail(f"source {source.name!r}: can_open() is True for a text file")
        except AssertionError:
            raise
        except Exception as exc:
            _fail(f"source {source.name!r}: can_open() raised {exc!r}; it must return False")
        suffix = os.path.splitext(path)[1]
        corrupt = os.path.join(tmp, "corrupt" + suffix)
        with open(corrupt, "wb") as fh:
            fh.write(np.random.default_rng(0).bytes(512))
        try:
            source.load(corrupt, **options)
        except HotneuroError:
            pass
        except Exception as exc:
            _fail(f"source {source.name!r}: a corrupt file raised {type(exc).__name__} "
                  f"({exc}); raise a hotneuro.SourceError that says what is wrong")
        else:
            _fail(f"source {source.name!r}: a corrupt file loaded without error")
    rep = source.load(path, **options)
    if not isinstance(rep, xr.DataArray):
        _fail(f"source {source.name!r}: load() returned {type(rep).__name__}, "
              "not an xarray.DataArray")
    try:
        checked = validate(rep)
    except HotneuroError as exc:
        _fail(f"source {source.name!r}: load() returned an invalid representation: {exc}")
    if not groups(checked):
        _fail(f"source {source.name!r}: no {group_level(checked)} groups")
    if "system" not in rep.attrs:
        _fail(f"source {source.name!r}: the representation has no attrs['system']")
    again = source.load(path, **options)
    try:
        xr.testing.assert_identical(rep, again)
    except AssertionError as exc:
        _fail(f"source {source.name!r}: two loads of the same file differ: {exc}")
    return rep


def check_method(method: Method, *, seed: int = 0, options: dict[str, Any] | None = None
                 ) -> None:
    """Check that a comparison method follows the contract, on small random networks.

    Checks: name, description and every metadata key; the result's ``matrix`` is labeled
    with ``source_<level>`` x ``target_<level>`` and the groups in order; distance and
    similarity are finite; an identical pair scores at least as close as a different
    pair (and distance 0 when the method declares itself a metric); swapping the
    systems transposes the matrix (and keeps a coupling method's distance) when the
    method declares itself symmetric; the same seed
    gives identical results; inputs are not modified; the result survives netCDF.
    """
    from .results import open_result
    from .splits import plan_splits

    if not isinstance(method, Method):
        _fail(f"expected a hotneuro.methods.Method, got {type(method).__name__}")
    if not method.description:
        _fail(f"method {method.name!r} has no description")
    missing = [k for k in METADATA_KEYS if k not in method.metadata]
    if missing:
        _fail(f"method {method.name!r}: metadata lacks {missing}")
    a = random_network(seed=seed, system="A")
    b = random_network(widths=(7, 4, 6, 5), seed=seed + 1, system="B", level="region")
    a_before, b_before = a.copy(deep=True), b.copy(deep=True)

    def run(x: xr.DataArray, y: xr.DataArray) -> Any:
        plan = plan_splits(x["stimulus"].values, seed=seed)
        return method.compare(x, y, split_plan=plan, seed=seed, n_jobs=1, progress=False,
                              parameters={"method": method.name},
                              options=dict(options or {}))

    result = run(a, b)
    xr.testing.assert_identical(a, a_before)
    xr.testing.assert_identical(b, b_before)
    dims = tuple(result.matrix.dims)
    if dims != ("source_layer", "target_region"):
        _fail(f"method {method.name!r}: matrix dims are {dims}, expected "
              "('source_layer', 'target_region')")
    if list(result.matrix["source_layer"].values) != [str(g) for g in groups(a)]:
        _fail(f"method {method.name!r}: source groups are not labeled in order")
    if not (np.isfinite(result.distance) and np.isfinite(result.similarity)):
        _fail(f"method {method.name!r}: non-finite distance or similarity")
    same = run(a, a)
    if same.distance > result.distance + 1e-12:
        _fail(f"method {method.name!r}: identical systems are farther apart "
              f"({same.distance}) than different ones ({result.distance})")
    if method.metadata.get("metric") and abs(same.distance) > 1e-9:
        _fail(f"method {method.name!r} declares itself a metric but d(A, A) = "
              f"{same.distance}")
    if method.metadata.get("symmetric"):
        swapped = run(b, a)
        if not np.allclose(swapped.matrix.values, result.matrix.values.T, rtol=0, atol=1e-9):
            _fail(f"method {method.name!r} declares itself symmetric but its matrix for "
                  "(B, A) is not the transpose of its matrix for (A, B)")
        if "coupling" in result.dataset and not np.isclose(
                swapped.distance, result.distance, rtol=0, atol=1e-9):
            _fail(f"method {method.name!r} declares itself symmetric but d(A, B) = "
                  f"{result.distance} and d(B, A) = {swapped.distance}")
    repeat = run(a, b)
    try:
        xr.testing.assert_identical(_comparable(result.dataset), _comparable(repeat.dataset))
    except AssertionError as exc:
        _fail(f"method {method.name!r}: the same seed gave different results: {exc}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "result.nc")
        result.to_netcdf(path)
        back = open_result(path)
        try:
            xr.testing.assert_allclose(_comparable(result.dataset), _comparable(back.dataset))
        except AssertionError as exc:
            _fail(f"method {method.name!r}: the result changed through netCDF: {exc}")


def _comparable(ds: xr.Dataset) -> xr.Dataset:
    """The dataset without provenance that legitimately differs between runs."""
    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k not in ("versions",)}
    return out

