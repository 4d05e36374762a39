"""Build, validate and align representations (the data contract of hotneuro).

A representation is an :class:`xarray.DataArray` with dims ``("stimulus", "unit")``
(and optionally ``"repetition"``), a ``stimulus`` and a ``unit`` coordinate of unique
ids, and exactly one group coordinate on ``unit``: ``layer`` (a model) or ``region``
(a brain). Groups are ordered by first appearance along ``unit``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from .errors import (
    DuplicateIdError,
    EmptyGroupError,
    GroupCoordError,
    NonFiniteError,
    ParameterError,
    RepresentationTypeError,
    StimulusMismatchError,
    TooFewStimuliError,
)

__all__ = ["GROUP_LEVELS", "MIN_STIMULI", "align", "align_validated", "group_level", "groups",
           "preview_ids", "representation", "validate"]

#: The names a group coordinate may have.
GROUP_LEVELS: tuple[str, str] = ("layer", "region")
#: The fewest stimuli a representation may have (a correlation needs at least 3).
MIN_STIMULI = 3

Level = Literal["layer", "region"]


def representation(
    data: Mapping[Hashable, Any] | xr.DataArray,
    stimuli: Sequence[Hashable] | np.ndarray | None = None,
    *,
    units: Mapping[Hashable, Sequence[Hashable]] | None = None,
    system: str | None = None,
    level: Level = "layer",
) -> xr.DataArray:
    """Build a representation from per-group arrays, or validate an existing one.

    Parameters
    ----------
    data : mapping of group name to array of shape (n_stimuli, n_units), or DataArray
        The responses of each group (layer or region), stimuli along rows. The
        mapping's order is the group order (depth for a model). A DataArray is
        validated and returned in canonical form (see :func:`validate`).
    stimuli : sequence of str or int, optional
        Stimulus ids, one per row, unique. Defaults to ``0 .. n_stimuli - 1``.
    units : mapping of group name to sequence of unit ids, optional
        Unit ids per group, unique over the whole system. Defaults to
        ``"<group>/<i>"``.
    system : str, optional
        Name of the system, stored in ``attrs["system"]``.
    level : {"layer", "region"}
        Name of the group coordinate: ``"layer"`` for models, ``"region"`` for brains.

    Returns
    -------
    xarray.DataArray
        Dims ``("stimulus", "unit")``, coords ``stimulus``, ``unit`` and ``level``.

    Raises
    ------
    RepresentationError
        On NaN/inf, duplicate ids, an empty group, fewer than 3 stimuli, rows that differ
        between groups.

    Examples
    --------
    >>> import numpy as np, hotneuro as hn
    >>> rng = np.random.default_rng(0)
    >>> rep = hn.representation({"conv1": rng.normal(size=(5, 3)),
    ...                          "conv2": rng.normal(size=(5, 2))}, system="net")
    >>> rep.sizes["unit"], [str(g) for g in hn.representations.groups(rep)]
    (5, ['conv1', 'conv2'])
    """
    if isinstance(data, xr.DataArray):
        if stimuli is not None or units is not None:
            raise RepresentationTypeError(
                "stimuli= and units= only apply when building from a mapping; a DataArray "
                "carries its own 'stimulus' and 'unit' coordinates."
            )
        rep = validate(data)
        if system is not None:
            rep.attrs["system"] = system
        return rep
    if not isinstance(data, Mapping):
        raise RepresentationTypeError(
            f"representation() takes a mapping {{group: array (stimuli x units)}} or an "
            f"xarray.DataArray, got {type(data).__name__}."
        )
    if level not in GROUP_LEVELS:
        raise GroupCoordError(f"level must be 'layer' or 'region', got {level!r}.")
    if len(data) == 0:
        raise EmptyGroupError("The mapping holds no groups; give at least one "
                              f"{level} with its (stimuli x units) array.")
    blocks: list[np.ndarray] = []
    group_labels: list[Any] = []
    unit_ids: list[Any] = []
    n_rows: int | None = None
    first_group = None
    for group, values in data.items():
        arr = _as_numeric_2d(values, f"{level} {group!r}")
        if arr.shape[1] == 0:
            raise EmptyGroupError(
                f"{level} {group!r} has no units (shape {arr.shape}); drop it from the "
                "mapping or give its responses."
            )
        if n_rows is None:
            n_rows, first_group = arr.shape[0], group
        elif arr.shape[0] != n_rows:
            raise GroupCoordError(
                f"{level} {group!r} has {arr.shape[0]} rows (stimuli) but {level} "
                f"{first_group!r} has {n_rows}; every group must respond to the same "
                "stimuli, one row per stimulus."
            )
        if units is not None and group in units:
            ids = list(units[group])
            if len(ids) != arr.shape[1]:
                raise GroupCoordError(
                    f"units[{group!r}] has {len(ids)} ids but {level} {group!r} has "
                    f"{arr.shape[1]} units (columns)."
                )
        else:
            ids = [f"{group}/{i}" for i in range(arr.shape[1])]
        blocks.append(arr)
        group_labels.extend([group] * arr.shape[1])
        unit_ids.extend(ids)
    assert n_rows is not None
    if stimuli is None:
        stim = np.arange(n_rows)
    else:
        stim = np.asarray(stimuli)
        if stim.ndim != 1 or stim.shape[0] != n_rows:
            raise GroupCoordError(
                f"Got {stim.size} stimulus ids for {n_rows} rows; give one id per row."
            )
    rep = xr.DataArray(
        np.concatenate(blocks, axis=1),
        dims=("stimulus", "unit"),
        coords={
            "stimulus": stim,
            "unit": _id_array(unit_ids),
            level: ("unit", _id_array(group_labels)),
        },
        attrs={"system": system} if system is not None else {},
    )
    return validate(rep)


def _as_numeric_2d(values: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(values)
    except Exception as exc:  # pragma: no cover - exotic array-likes
        raise RepresentationTypeError(f"Could not read {what} as an array: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise RepresentationTypeError(
            f"{what} has dtype {arr.dtype}; responses must be real numbers "
            "(convert them with np.asarray(x, dtype=float))."
        )
    if arr.ndim != 2:
        raise RepresentationTypeError(
            f"{what} has shape {arr.shape}; give a 2-D array (stimuli x units). Flatten "
            "spatial dims first, e.g. x.reshape(len(x), -1)."
        )
    return arr


def _id_array(ids: Sequence[Any]) -> np.ndarray:
    """Ids as a numpy array of str or int (never object), so they survive netCDF."""
    arr = np.asarray(ids)
    if arr.dtype == object:
        kinds = {type(i).__name__ for i in ids}
        raise GroupCoordError(
            f"Ids mix types ({', '.join(sorted(kinds))}); use all str or all int."
        )
    return arr


def validate(rep: xr.DataArray, *, copy: bool = True) -> xr.DataArray:
    """Check a representation against the data contract and return it canonical.

    Parameters
    ----------
    rep : xarray.DataArray
        Dims ``stimulus`` and ``unit`` (any order) and optionally ``repetition``;
        coords ``stimulus``, ``unit`` and exactly one of ``layer``/``region`` on ``unit``.
    copy : bool
        Return a deep copy (default). ``copy=False`` shares the values with the input,
        which saves memory for callers that never write to them (as :func:`compare`).

    Returns
    -------
    xarray.DataArray
        Transposed to ``("stimulus", "unit"[, "repetition"])``; the input is never
        modified.

    Raises
    ------
    RepresentationTypeError
        Not a DataArray, or non-numeric values.
    GroupCoordError
        Wrong dims, a missing or doubled group coordinate, a MultiIndex.
    DuplicateIdError, NonFiniteError, TooFewStimuliError, EmptyGroupError
        As named.
    """
    if not isinstance(rep, xr.DataArray):
        raise RepresentationTypeError(
            f"Expected an xarray.DataArray representation, got {type(rep).__name__}; build "
            "one with hotneuro.representation({group: array}, stimuli)."
        )
    dims = set(rep.dims)
    allowed = {"stimulus", "unit", "repetition"}
    if not {"stimulus", "unit"} <= dims or not dims <= allowed:
        others = [str(d) for d in rep.dims if d not in allowed]
        hint = ""
        if len(others) == 2 and dims - set(others) <= {"repetition"}:
            hint = (f" If {others[0]!r} holds stimuli and {others[1]!r} units, call "
                    f"rep.rename({{{others[0]!r}: 'stimulus', {others[1]!r}: 'unit'}}).")
        raise GroupCoordError(
            "A representation has dims ('stimulus', 'unit') and optionally 'repetition'; "
            f"got {tuple(rep.dims)}.{hint or ' Rename its dims to these names.'}"
        )
    for name, index in rep.indexes.items():
        if isinstance(index, pd.MultiIndex):
            raise GroupCoordError(
                f"Coordinate {name!r} is a pandas MultiIndex; hotneuro needs plain "
                f"coordinates. Call rep.reset_index({name!r}) first."
            )
    present = [g for g in GROUP_LEVELS if g in rep.coords]
    if len(present) == 0:
        raise GroupCoordError(
            "No group coordinate: give each unit a 'layer' (model) or a 'region' (brain), "
            "e.g. rep.assign_coords(layer=('unit', labels))."
        )
    if len(present) == 2:
        raise GroupCoordError(
            "Both 'layer' and 'region' coordinates are present; a representation has "
            "exactly one group coordinate. Drop one with rep.drop_vars('region')."
        )
    level = present[0]
    if rep[level].dims != ("unit",):
        raise GroupCoordError(
            f"The {level!r} coordinate must lie along 'unit', got dims {rep[level].dims}."
        )
    for dim in ("stimulus", "unit"):
        if dim not in rep.coords:
            raise GroupCoordError(
                f"No {dim!r} coordinate: give {dim} ids, e.g. "
                f"rep.assign_coords({dim}=ids)."
            )
    if rep.dtype.kind not in "biuf":
        raise RepresentationTypeError(
            f"Values have dtype {rep.dtype}; responses must be real numbers."
        )
    order = ("stimulus", "unit") + (("repetition",) if "repetition" in dims else ())
    out = rep.transpose(*order).copy(deep=copy)
    _check_ids(out["stimulus"].values, "stimulus")
    _check_ids(out["unit"].values, "unit")
    labels = out[level].values
    if any(_is_missing(g) for g in labels):
        raise EmptyGroupError(
            f"Some units have no {level} (None, NaN or empty label); give every unit a "
            f"{level} or drop the unlabeled units."
        )
    if out.sizes["unit"] == 0:
        raise EmptyGroupError("The representation has no units.")
    if out.sizes["stimulus"] < MIN_STIMULI:
        raise TooFewStimuliError(
            f"Got {out.sizes['stimulus']} stimuli; correlations need at least "
            f"{MIN_STIMULI}. Add stimuli or check the alignment."
        )
    values = out.values
    finite = np.isfinite(values)
    if not finite.all():
        bad = np.argwhere(~finite)
        s, u = bad[0][0], bad[0][1]
        raise NonFiniteError(
            f"{bad.shape[0]} value(s) are NaN or infinite, first at stimulus "
            f"{out['stimulus'].values[s].item()!r}, unit {out['unit'].values[u].item()!r}. "
            "Remove or "
            "impute them (e.g. drop those units or stimuli) before comparing."
        )
    return out


def _check_ids(ids: np.ndarray, what: str) -> None:
    if ids.dtype == object:
        kinds = {type(i).__name__ for i in ids}
        if len(kinds) > 1:
            raise GroupCoordError(
                f"{what} ids mix types ({', '.join(sorted(kinds))}); use all str or all int."
            )
    uniq, counts = np.unique(ids, return_counts=True)
    if uniq.size != ids.size:
        dups = uniq[counts > 1]
        shown = ", ".join(repr(d.item() if hasattr(d, "item") else d) for d in dups[:5])
        raise DuplicateIdError(
            f"{dups.size} {what} id(s) occur more than once ({shown}"
            f"{', ...' if dups.size > 5 else ''}); {what} ids must be unique. "
            + ("Average repeated presentations, or keep them along a 'repetition' dim."
               if what == "stimulus" else "Give each unit its own id.")
        )


def _is_missing(label: Any) -> bool:
    if label is None:
        return True
    if isinstance(label, float) and np.isnan(label):
        return True
    return isinstance(label, str) and label == ""


def group_level(rep: xr.DataArray) -> Level:
    """The name of the group coordinate of a representation: ``"layer"`` or ``"region"``."""
    for g in GROUP_LEVELS:
        if g in rep.coords:
            return g  # type: ignore[return-value]
    raise GroupCoordError("No 'layer' or 'region' coordinate on this representation.")


def groups(rep: xr.DataArray) -> dict[Any, np.ndarray]:
    """Unit positions of each group, in order of first appearance along ``unit``.

    Returns
    -------
    dict
        ``{group label: integer positions along unit}``, insertion-ordered.
    """
    labels = rep[group_level(rep)].values
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    out: dict[Any, np.ndarray] = {}
    for k in np.argsort(first, kind="stable"):
        label = labels[first[k]]
        out[label.item() if hasattr(label, "item") else label] = np.flatnonzero(inverse == k)
    return out


def align(
    a: xr.DataArray, b: xr.DataArray, how: Literal["exact", "inner"] = "exact"
) -> tuple[xr.DataArray, xr.DataArray]:
    """Put two representations on the same stimuli, in ``a``'s order.

    Parameters
    ----------
    a, b : xarray.DataArray
        Representations; both are validated first (see :func:`validate`).
    how : {"exact", "inner"}
        ``"exact"`` (default): the stimulus sets must be equal; ``b`` is reordered to
        ``a``'s order. ``"inner"``: keep the stimuli both have, in ``a``'s order.

    Returns
    -------
    tuple of xarray.DataArray
        ``(a, b)`` with identical ``stimulus`` coordinates.

    Raises
    ------
    StimulusMismatchError
        The sets differ under ``"exact"``, or fewer than 3 stimuli are shared.
    ParameterError
        ``how`` is neither ``"exact"`` nor ``"inner"``.
    RepresentationError
        Either input breaks the data contract.
    """
    return align_validated(validate(a), validate(b), how)


def align_validated(
    a: xr.DataArray, b: xr.DataArray, how: Literal["exact", "inner"] = "exact"
) -> tuple[xr.DataArray, xr.DataArray]:
    """:func:`align` for inputs that :func:`validate` already returned."""
    if how not in ("exact", "inner"):
        raise ParameterError(f"align must be 'exact' or 'inner', got {how!r}.")
    sa, sb = a["stimulus"].values, b["stimulus"].values
    if sa.dtype.kind != sb.dtype.kind and not (
        sa.dtype.kind in "iu" and sb.dtype.kind in "iu"
    ):
        raise StimulusMismatchError(
            f"Stimulus ids have different types ({sa.dtype} vs {sb.dtype}), so none can "
            "match; convert both to str or both to int."
        )
    in_b = np.isin(sa, sb)
    if how == "exact":
        if sa.size == sb.size and in_b.all():
            if np.array_equal(sa, sb):
                return a, b
            return a, b.sel(stimulus=sa)
        only_a = sa[~in_b]
        only_b = sb[~np.isin(sb, sa)]
        raise StimulusMismatchError(
            f"The two systems have different stimuli: {only_a.size} only in the first "
            f"(e.g. {preview_ids(only_a)}), {only_b.size} only in the second (e.g. "
            f"{preview_ids(only_b)}). Pass align='inner' to compare on the "
            f"{int(in_b.sum())} shared stimuli."
        )
    shared = sa[in_b]
    if shared.size < MIN_STIMULI:
        raise StimulusMismatchError(
            f"The two systems share {shared.size} stimulus id(s); at least {MIN_STIMULI} "
            "are needed. Check that both use the same stimulus ids."
        )
    return a.sel(stimulus=shared), b.sel(stimulus=shared)


def preview_ids(ids: np.ndarray, k: int = 3) -> str:
    """The first ``k`` ids for an error message (``"a", "b", ...``; ``none`` when empty)."""
    shown = ", ".join(repr(i.item() if hasattr(i, "item") else i) for i in ids[:k])
    return shown + (", ..." if ids.size > k else "") if ids.size else "none"
