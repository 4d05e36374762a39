"""Tests for building, validating and aligning representations (DESIGN section 1).

Covers ``hn.representation``, ``hn.validate``, ``hn.align`` and the argument checks of
``hn.compare``: every validation error named in DESIGN.md section 1 is raised with the
specific exception class of the public API, its message names the problem (and, where the
API promises it, the fix), and no call modifies its input.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr

import hotneuro as hn

# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------

N_STIM = 12


def _data(seed: int, n_stim: int = N_STIM, sizes=(("z_first", 4), ("a_second", 3))):
    """A mapping group -> (n_stim x n_units) float array, group order as given."""
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal((n_stim, n)) for name, n in sizes}


def _da(
    seed: int = 0,
    n_stim: int = N_STIM,
    sizes=(("z_first", 4), ("a_second", 3)),
    level: str = "layer",
    stimuli=None,
    system: str = "net",
) -> xr.DataArray:
    """A valid representation built by hand (not through the package)."""
    data = _data(seed, n_stim, sizes)
    values = np.concatenate(list(data.values()), axis=1)
    groups = np.concatenate([[name] * n for name, n in sizes])
    units = [f"{name}/{i}" for name, n in sizes for i in range(n)]
    if stimuli is None:
        stimuli = [f"s{i}" for i in range(n_stim)]
    return xr.DataArray(
        values,
        dims=("stimulus", "unit"),
        coords={"stimulus": list(stimuli), "unit": units, level: ("unit", groups)},
        attrs={"system": system},
    )


def _search(excinfo, *patterns: str) -> None:
    """Every regex in ``patterns`` occurs (case-insensitively) in the error message."""
    message = str(excinfo.value)
    # a suggested fix shown as code must at least have balanced brackets
    for left, right in ("()", "[]", "{}"):
        assert message.count(left) == message.count(right), (
            f"unbalanced {left}{right} in message: {message!r}"
        )
    for pattern in patterns:
        assert re.search(pattern, message, flags=re.IGNORECASE), (
            f"message does not mention {pattern!r}: {message!r}"
        )


def _group_order(rep: xr.DataArray, level: str = "layer") -> list:
    labels = [str(v) for v in rep[level].values]
    return list(dict.fromkeys(labels))


# ---------------------------------------------------------------------------
# exception hierarchy
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "builtin"),
    [
        ("RepresentationError", ValueError),
        ("NonFiniteError", ValueError),
        ("DuplicateIdError", ValueError),
        ("GroupCoordError", ValueError),
        ("TooFewStimuliError", ValueError),
        ("EmptyGroupError", ValueError),
        ("RepresentationTypeError", TypeError),
        ("StimulusMismatchError", ValueError),
        ("UnknownMethodError", ValueError),
        ("ParameterError", ValueError),
    ],
)
def test_exception_hierarchy(name, builtin):
    cls = getattr(hn, name)
    assert issubclass(cls, hn.HotneuroError)
    assert issubclass(cls, builtin)
    assert issubclass(hn.HotneuroError, Exception)


@pytest.mark.parametrize(
    "name",
    [
        "NonFiniteError",
        "DuplicateIdError",
        "GroupCoordError",
        "TooFewStimuliError",
        "EmptyGroupError",
    ],
)
def test_representation_errors_share_a_base(name):
    assert issubclass(getattr(hn, name), hn.RepresentationError)


# ---------------------------------------------------------------------------
# building from a mapping
# ---------------------------------------------------------------------------


def test_mapping_keeps_group_order_as_given():
    data = _data(0, sizes=(("z_first", 4), ("a_second", 3), ("m_third", 2)))
    rep = hn.representation(data)
    assert rep.dims == ("stimulus", "unit")
    assert _group_order(rep) == ["z_first", "a_second", "m_third"]
    assert rep.sizes == {"stimulus": N_STIM, "unit": 9}
    # the columns are laid out group by group, in the given order
    expected = np.concatenate([data["z_first"], data["a_second"], data["m_third"]], axis=1)
    np.testing.assert_array_equal(rep.values, expected)
    assert list(rep["layer"].values) == ["z_first"] * 4 + ["a_second"] * 3 + ["m_third"] * 2


def test_mapping_default_ids():
    rep = hn.representation(_data(0))
    assert list(rep["stimulus"].values) == list(range(N_STIM))
    assert list(rep["unit"].values) == [f"z_first/{i}" for i in range(4)] + [
        f"a_second/{i}" for i in range(3)
    ]


def test_mapping_given_ids_and_system():
    stimuli = [f"img{i:02d}" for i in range(N_STIM)][::-1]
    units = {"z_first": ["w", "x", "y", "z"], "a_second": [10, 11, 12]}
    data = _data(1)
    rep = hn.representation(data, stimuli, units=units, system="efficientnet-lite0")
    assert list(rep["stimulus"].values) == stimuli
    assert [str(u) for u in rep["unit"].values] == ["w", "x", "y", "z", "10", "11", "12"]
    assert rep.attrs["system"] == "efficientnet-lite0"
    np.testing.assert_array_equal(
        rep.sel(stimulus="img03").values[:4], data["z_first"][N_STIM - 1 - 3]
    )


def test_mapping_integer_stimulus_ids():
    stimuli = [7, 3, 99] + list(range(100, 100 + N_STIM - 3))
    rep = hn.representation(_data(2), stimuli)
    assert list(rep["stimulus"].values) == stimuli


def test_level_region():
    rep = hn.representation(_data(0), level="region", system="mouse A2929")
    assert "region" in rep.coords
    assert "layer" not in rep.coords
    assert rep["region"].dims == ("unit",)
    assert _group_order(rep, "region") == ["z_first", "a_second"]
    assert rep.attrs["system"] == "mouse A2929"


def test_mapping_accepts_lists_and_int_arrays():
    rng = np.random.default_rng(3)
    data = {
        "b": rng.integers(0, 100, size=(5, 2)),
        "a": rng.standard_normal((5, 3)).tolist(),
    }
    rep = hn.representation(data)
    assert _group_order(rep) == ["b", "a"]
    assert np.issubdtype(rep.dtype, np.number)
    np.testing.assert_allclose(rep.values[:, :2], data["b"])


def test_mapping_input_not_modified():
    data = _data(4)
    before = {k: v.copy() for k, v in data.items()}
    rep = hn.representation(data)
    rep.values[:] = 0.0
    for key in data:
        np.testing.assert_array_equal(data[key], before[key])


# ---------------------------------------------------------------------------
# validating a DataArray
# ---------------------------------------------------------------------------


def test_validate_returns_canonical_copy():
    da = _da()
    before = da.copy(deep=True)
    out = hn.validate(da)
    assert isinstance(out, xr.DataArray)
    assert out.dims == ("stimulus", "unit")
    xr.testing.assert_identical(da, before)
    np.testing.assert_array_equal(out.values, da.values)
    assert list(out["stimulus"].values) == list(da["stimulus"].values)
    assert list(out["unit"].values) == list(da["unit"].values)
    assert _group_order(out) == ["z_first", "a_second"]
    assert out.attrs["system"] == "net"
    out.values[:] = 0.0  # a copy: writing to it leaves the input alone
    xr.testing.assert_identical(da, before)


def test_validate_keeps_free_extra_coords():
    da = _da()
    da = da.assign_coords(
        depth=("unit", np.arange(da.sizes["unit"], dtype=float)),
        hemisphere=("unit", ["L", "R"] * 3 + ["L"]),
        x=("unit", np.linspace(0, 1, da.sizes["unit"])),
        subject="mouse-1",
        session=("stimulus", np.arange(N_STIM) % 2),
    )
    out = hn.validate(da)
    for name in ("depth", "hemisphere", "x", "subject", "session"):
        assert name in out.coords, name
        np.testing.assert_array_equal(out[name].values, da[name].values)
    assert out["depth"].dims == ("unit",)
    assert out["session"].dims == ("stimulus",)


def test_validate_transposed_input():
    da = _da()
    out = hn.validate(da.T)
    assert out.dims == ("stimulus", "unit")
    np.testing.assert_array_equal(out.values, da.values)
    assert _group_order(out) == ["z_first", "a_second"]


def test_representation_accepts_dataarray():
    da = _da(level="region")
    out = hn.representation(da.T)
    assert out.dims == ("stimulus", "unit")
    assert "region" in out.coords
    np.testing.assert_array_equal(out.values, da.values)


def test_validate_exactly_three_stimuli_ok():
    out = hn.validate(_da(n_stim=3))
    assert out.sizes["stimulus"] == 3


def test_validate_does_not_sort_groups():
    # units interleaved in first-appearance order z, a; validate must not reorder groups
    da = _da(sizes=(("z_first", 2), ("a_second", 2), ("b_third", 2)))
    out = hn.validate(da)
    assert _group_order(out) == ["z_first", "a_second", "b_third"]


def test_validate_allows_repetition_dim():
    rng = np.random.default_rng(5)
    base = _da()
    reps = xr.concat(
        [base + 0.1 * rng.standard_normal(base.shape) for _ in range(3)], dim="repetition"
    )
    reps.attrs["system"] = "net"
    out = hn.validate(reps)
    assert set(out.dims) == {"repetition", "stimulus", "unit"}
    assert out.sizes["repetition"] == 3


# ---------------------------------------------------------------------------
# validation errors (DESIGN section 1), each with its class and a teaching message
# ---------------------------------------------------------------------------


def _set(da: xr.DataArray, stim: int, unit: int, value) -> xr.DataArray:
    da = da.copy(deep=True)
    da.values[stim, unit] = value
    return da


def _with_stimuli(da, stimuli):
    return da.assign_coords(stimulus=list(stimuli))


def _with_units(da, units):
    return da.assign_coords(unit=list(units))


BAD_DATAARRAYS = {
    "nan": (lambda: _set(_da(), 2, 3, np.nan), "NonFiniteError", [r"nan|non-?finite|finite"]),
    "inf": (lambda: _set(_da(), 5, 1, np.inf), "NonFiniteError", [r"inf|non-?finite|finite"]),
    "-inf": (lambda: _set(_da(), 0, 0, -np.inf), "NonFiniteError", [r"inf|non-?finite|finite"]),
    "duplicate stimulus": (
        lambda: _with_stimuli(_da(), ["s0", "s1", "s0"] + [f"s{i}" for i in range(3, N_STIM)]),
        "DuplicateIdError",
        [r"duplicat|more than once|unique|repeated", r"stimul", r"s0"],
    ),
    "duplicate unit": (
        lambda: _with_units(_da(), ["u0", "u1", "u2", "u3", "u4", "u1", "u6"]),
        "DuplicateIdError",
        [r"duplicat|more than once|unique|repeated", r"unit", r"u1"],
    ),
    "missing group coord": (
        lambda: _da().drop_vars("layer"),
        "GroupCoordError",
        [r"layer", r"region"],
    ),
    "both group coords": (
        lambda: _da().assign_coords(region=("unit", ["V1"] * 7)),
        "GroupCoordError",
        [r"layer", r"region", r"both|exactly one|one of|not both"],
    ),
    "too few stimuli": (lambda: _da(n_stim=2), "TooFewStimuliError", [r"stimul", r"3|three"]),
    "one stimulus": (lambda: _da(n_stim=1), "TooFewStimuliError", [r"stimul", r"3|three"]),
    "wrong dims": (
        lambda: _da().rename({"stimulus": "image", "unit": "neuron"}),
        "GroupCoordError",
        [r"dim", r"stimulus", r"unit"],
    ),
    "multiindex": (
        lambda: (
            _da()
            .assign_coords(
                image=("stimulus", np.arange(N_STIM) // 2), rep=("stimulus", np.arange(N_STIM) % 2)
            )
            .drop_vars("stimulus")
            .set_index(stimulus=["image", "rep"])
        ),
        "GroupCoordError",
        [r"multi-?index"],
    ),
    "non-numeric data": (
        lambda: _da().copy(data=np.full((N_STIM, 7), "a", dtype=object)),
        "RepresentationTypeError",
        [r"numeric|dtype|number"],
    ),
    "string data": (
        lambda: _da().copy(data=np.full((N_STIM, 7), "abc")),
        "RepresentationTypeError",
        [r"numeric|dtype|number"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_DATAARRAYS))
def test_validate_errors(case):
    build, cls_name, patterns = BAD_DATAARRAYS[case]
    cls = getattr(hn, cls_name)
    bad = build()
    with pytest.raises(cls) as excinfo:
        hn.validate(bad)
    assert isinstance(excinfo.value, hn.HotneuroError)
    builtin = TypeError if cls_name == "RepresentationTypeError" else ValueError
    assert isinstance(excinfo.value, builtin)
    _search(excinfo, *patterns)


@pytest.mark.parametrize("case", list(BAD_DATAARRAYS))
def test_representation_of_bad_dataarray_raises_too(case):
    build, cls_name, patterns = BAD_DATAARRAYS[case]
    with pytest.raises(getattr(hn, cls_name)) as excinfo:
        hn.representation(build())
    _search(excinfo, *patterns)


# errors that keep the stimulus set intact, so compare() must report them (boundary check)
COMPARE_BOUNDARY_CASES = [
    "nan",
    "inf",
    "duplicate unit",
    "missing group coord",
    "both group coords",
    "non-numeric data",
]


@pytest.mark.parametrize("side", ["source", "target"])
@pytest.mark.parametrize("case", COMPARE_BOUNDARY_CASES)
def test_compare_validates_its_inputs(case, side):
    build, cls_name, patterns = BAD_DATAARRAYS[case]
    good = _da(seed=9)
    bad = build()
    args = (bad, good) if side == "source" else (good, bad)
    with pytest.raises(getattr(hn, cls_name)) as excinfo:
        hn.compare(*args)
    _search(excinfo, *patterns)


def test_nan_in_mapping():
    data = _data(0)
    data["a_second"][4, 1] = np.nan
    with pytest.raises(hn.NonFiniteError) as excinfo:
        hn.representation(data)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"nan|non-?finite|finite")


def test_inf_in_mapping():
    data = _data(0)
    data["z_first"][0, 0] = np.inf
    with pytest.raises(hn.NonFiniteError) as excinfo:
        hn.representation(data)
    _search(excinfo, r"inf|non-?finite|finite")


def test_duplicate_stimulus_ids_in_mapping():
    stimuli = ["a", "b", "c", "b"] + [f"x{i}" for i in range(N_STIM - 4)]
    with pytest.raises(hn.DuplicateIdError) as excinfo:
        hn.representation(_data(0), stimuli)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"duplicat|more than once|unique|repeated", r"stimul", r"\bb\b")


def test_duplicate_unit_ids_within_group():
    units = {"z_first": ["u", "v", "u", "w"], "a_second": ["p", "q", "r"]}
    with pytest.raises(hn.DuplicateIdError) as excinfo:
        hn.representation(_data(0), units=units)
    _search(excinfo, r"duplicat|more than once|unique|repeated", r"unit")


def test_duplicate_unit_ids_across_groups():
    units = {"z_first": ["u0", "u1", "u2", "u3"], "a_second": ["u3", "u4", "u5"]}
    with pytest.raises(hn.DuplicateIdError) as excinfo:
        hn.representation(_data(0), units=units)
    _search(excinfo, r"duplicat|more than once|unique|repeated", r"unit", r"u3")


def test_too_few_stimuli_in_mapping():
    with pytest.raises(hn.TooFewStimuliError) as excinfo:
        hn.representation(_data(0, n_stim=2))
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"stimul", r"3|three")


def test_empty_group_in_mapping():
    data = {
        "z_first": np.ones((N_STIM, 3)) * np.arange(N_STIM)[:, None],
        "a_second": np.empty((N_STIM, 0)),
    }
    with pytest.raises(hn.EmptyGroupError) as excinfo:
        hn.representation(data)
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"a_second", r"empty|no units|\b0\b|zero|no columns")


def test_empty_mapping():
    with pytest.raises(hn.HotneuroError) as excinfo:
        hn.representation({})
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"group|layer|empty|no ")


def test_mismatched_row_counts_between_groups():
    data = {
        "z_first": np.random.default_rng(0).standard_normal((10, 3)),
        "a_second": np.random.default_rng(1).standard_normal((9, 2)),
    }
    with pytest.raises(hn.HotneuroError) as excinfo:
        hn.representation(data)
    assert isinstance(excinfo.value, ValueError)
    # names both shapes / row counts (STYLE 4: show both shapes on a mismatch)
    _search(excinfo, r"\b10\b", r"\b9\b")


def test_wrong_number_of_stimulus_ids():
    with pytest.raises(hn.HotneuroError) as excinfo:
        hn.representation(_data(0), stimuli=[f"s{i}" for i in range(N_STIM - 1)])
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"stimul", rf"\b{N_STIM}\b", rf"\b{N_STIM - 1}\b")


def test_wrong_number_of_unit_ids():
    units = {"z_first": ["a", "b", "c"], "a_second": ["d", "e", "f"]}
    with pytest.raises(hn.HotneuroError) as excinfo:
        hn.representation(_data(0), units=units)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"unit", r"z_first")


def test_non_numeric_mapping_data():
    data = {"z_first": np.array([["a", "b"]] * N_STIM), "a_second": np.zeros((N_STIM, 2))}
    with pytest.raises(hn.RepresentationTypeError) as excinfo:
        hn.representation(data)
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, TypeError)
    _search(excinfo, r"numeric|dtype|number")


def test_one_dimensional_group_array():
    data = {"z_first": np.arange(N_STIM, dtype=float), "a_second": np.zeros((N_STIM, 2))}
    with pytest.raises(hn.RepresentationTypeError) as excinfo:
        hn.representation(data)
    assert isinstance(excinfo.value, TypeError)
    _search(excinfo, r"2-?d|two-?dim|dimension|ndim|shape")


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((5, 3)),
        [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
        "layer1",
        42,
        None,
    ],
    ids=["ndarray", "list", "str", "int", "None"],
)
def test_wrong_input_type(bad):
    with pytest.raises(hn.RepresentationTypeError) as excinfo:
        hn.representation(bad)
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, TypeError)
    _search(excinfo, r"DataArray|mapping|dict")


@pytest.mark.parametrize(
    "bad",
    [np.zeros((5, 3)), [[1.0, 2.0]] * 5, None],
    ids=["ndarray", "list", "None"],
)
def test_validate_rejects_non_dataarray(bad):
    with pytest.raises(hn.RepresentationTypeError) as excinfo:
        hn.validate(bad)
    assert isinstance(excinfo.value, TypeError)
    _search(excinfo, r"DataArray")


def test_compare_rejects_non_representation():
    with pytest.raises(hn.RepresentationTypeError):
        hn.compare(np.zeros((5, 3)), _da())


# ---------------------------------------------------------------------------
# alignment
# ---------------------------------------------------------------------------


def test_align_exact_same_order_is_unchanged():
    a, b = _da(0), _da(1)
    a2, b2 = hn.align(a, b)
    xr.testing.assert_equal(a2, hn.validate(a))
    xr.testing.assert_equal(b2, hn.validate(b))


def test_align_exact_reorders_target_to_source_order():
    a = _da(0)
    perm = np.random.default_rng(0).permutation(N_STIM)
    b = _da(1).isel(stimulus=perm)
    b_before = b.copy(deep=True)
    a2, b2 = hn.align(a, b, how="exact")
    assert list(a2["stimulus"].values) == list(a["stimulus"].values)
    assert list(b2["stimulus"].values) == list(a["stimulus"].values)
    for s in a["stimulus"].values:
        np.testing.assert_array_equal(b2.sel(stimulus=s).values, b.sel(stimulus=s).values)
    xr.testing.assert_identical(b, b_before)


def test_align_exact_different_sets_raises_and_suggests_inner():
    a = _da(0)
    b = _da(1, stimuli=[f"s{i}" for i in range(2, N_STIM + 2)])
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.align(a, b, how="exact")
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"stimul", r"inner")


def test_align_default_is_exact():
    a = _da(0)
    b = _da(1, stimuli=[f"s{i}" for i in range(1, N_STIM + 1)])
    with pytest.raises(hn.StimulusMismatchError):
        hn.align(a, b)


def test_align_inner_intersects_in_source_order():
    a_ids = [f"s{i}" for i in range(N_STIM)][::-1]  # source order: s11 ... s0
    b_ids = [f"s{i}" for i in range(4, N_STIM + 4)]  # s4 ... s15
    rng = np.random.default_rng(2)
    b_ids = list(rng.permutation(b_ids))
    a = _da(0, stimuli=a_ids)
    b = _da(1, stimuli=b_ids)
    a2, b2 = hn.align(a, b, how="inner")
    expected = [s for s in a_ids if s in set(b_ids)]
    assert list(a2["stimulus"].values) == expected
    assert list(b2["stimulus"].values) == expected
    for s in expected:
        np.testing.assert_array_equal(a2.sel(stimulus=s).values, a.sel(stimulus=s).values)
        np.testing.assert_array_equal(b2.sel(stimulus=s).values, b.sel(stimulus=s).values)
    assert a2.dims == ("stimulus", "unit") and b2.dims == ("stimulus", "unit")
    assert _group_order(a2) == ["z_first", "a_second"]


def test_align_inner_disjoint_raises():
    a = _da(0, stimuli=[f"a{i}" for i in range(N_STIM)])
    b = _da(1, stimuli=[f"b{i}" for i in range(N_STIM)])
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.align(a, b, how="inner")
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"stimul")


def test_align_inner_too_small_intersection_raises():
    a = _da(0, stimuli=[f"s{i}" for i in range(N_STIM)])
    b = _da(1, stimuli=["s0", "s1"] + [f"t{i}" for i in range(N_STIM - 2)])
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.align(a, b, how="inner")
    _search(excinfo, r"stimul", r"\b2\b|3|three")


def test_align_inner_three_shared_is_enough():
    a = _da(0, stimuli=[f"s{i}" for i in range(N_STIM)])
    b = _da(1, stimuli=["s5", "s0", "s9"] + [f"t{i}" for i in range(N_STIM - 3)])
    a2, b2 = hn.align(a, b, how="inner")
    assert list(a2["stimulus"].values) == ["s0", "s5", "s9"]
    assert list(b2["stimulus"].values) == ["s0", "s5", "s9"]


def test_align_unknown_how():
    with pytest.raises(hn.HotneuroError) as excinfo:
        hn.align(_da(0), _da(1), how="outer")
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"outer|how", r"exact|inner")


def test_align_validates_inputs():
    # align is public API: validation happens at the boundary (DESIGN section 1)
    with pytest.raises(hn.NonFiniteError):
        hn.align(_set(_da(0), 1, 1, np.nan), _da(1))
    with pytest.raises(hn.GroupCoordError):
        hn.align(_da(0), _da(1).drop_vars("layer"))


def test_align_returns_canonical_dims():
    a = _da(0)
    b = _da(1).isel(stimulus=np.arange(N_STIM)[::-1]).T
    a2, b2 = hn.align(a, b)
    assert b2.dims == ("stimulus", "unit")
    assert list(b2["stimulus"].values) == list(a["stimulus"].values)


def test_compare_exact_disjoint_raises_and_suggests_inner():
    a = _da(0)
    b = _da(1, stimuli=[f"s{i}" for i in range(3, N_STIM + 3)])
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.compare(a, b)
    _search(excinfo, r"inner")


def test_compare_inner_equals_manual_intersection():
    a = _da(0, n_stim=30, stimuli=[f"s{i}" for i in range(30)])
    b = _da(1, n_stim=30, stimuli=[f"s{i}" for i in range(10, 40)])
    got = hn.compare(a, b, align="inner")
    shared = [f"s{i}" for i in range(10, 30)]
    want = hn.compare(a.sel(stimulus=shared), b.sel(stimulus=shared))
    assert got.distance == pytest.approx(want.distance, abs=1e-12)


def test_compare_exact_order_does_not_matter():
    a = _da(0, n_stim=20, stimuli=[f"s{i}" for i in range(20)])
    b = _da(1, n_stim=20, stimuli=[f"s{i}" for i in range(20)])
    perm = np.random.default_rng(7).permutation(20)
    d1 = hn.compare(a, b).distance
    d2 = hn.compare(a, b.isel(stimulus=perm)).distance
    assert d1 == pytest.approx(d2, abs=1e-12)


def test_compare_keeps_group_order():
    a = _da(0, n_stim=20, sizes=(("z_first", 3), ("a_second", 3), ("m_third", 2)))
    b = _da(1, n_stim=20, sizes=(("zz", 2), ("aa", 4)), level="region")
    result = hn.compare(a, b)
    assert result.coupling.dims == ("source_layer", "target_region")
    assert [str(v) for v in result.coupling["source_layer"].values] == [
        "z_first",
        "a_second",
        "m_third",
    ]
    assert [str(v) for v in result.coupling["target_region"].values] == ["zz", "aa"]


def test_compare_averages_repetitions():
    rng = np.random.default_rng(11)
    base = _da(0, n_stim=20)
    reps = xr.concat(
        [base + 0.3 * rng.standard_normal(base.shape) for _ in range(4)], dim="repetition"
    )
    reps.attrs["system"] = "net"
    target = _da(1, n_stim=20)
    got = hn.compare(reps, target)
    want = hn.compare(reps.mean("repetition"), target)
    assert got.distance == pytest.approx(want.distance, abs=1e-12)


# ---------------------------------------------------------------------------
# compare() argument errors
# ---------------------------------------------------------------------------


@pytest.fixture
def pair():
    n = 30
    ids = [f"s{i}" for i in range(n)]
    return _da(0, n_stim=n, stimuli=ids), _da(1, n_stim=n, stimuli=ids)


def test_compare_unknown_method_lists_known(pair):
    with pytest.raises(hn.UnknownMethodError) as excinfo:
        hn.compare(*pair, method="no-such-method")
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"no-such-method", r"\bhot\b")


@pytest.mark.parametrize("splits", [0, -1])
def test_compare_bad_splits(pair, splits):
    with pytest.raises(hn.ParameterError) as excinfo:
        hn.compare(*pair, splits=splits)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"splits")


@pytest.mark.parametrize("fraction", [1.5, 0.0, 1.0, -0.2])
def test_compare_bad_eval_fraction(pair, fraction):
    with pytest.raises(hn.ParameterError) as excinfo:
        hn.compare(*pair, splits=2, eval_fraction=fraction)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"eval_fraction")


@pytest.mark.parametrize("fraction", [1.5, 0.0])
def test_compare_bad_eval_fraction_without_splits(pair, fraction):
    # a bad value is rejected even when no splits are asked for (never silently ignored)
    with pytest.raises(hn.ParameterError) as excinfo:
        hn.compare(*pair, eval_fraction=fraction)
    _search(excinfo, r"eval_fraction")


def test_compare_splits_and_fit_stimuli(pair):
    ids = list(pair[0]["stimulus"].values)
    with pytest.raises(hn.ParameterError) as excinfo:
        hn.compare(*pair, splits=3, fit_stimuli=ids[:20], eval_stimuli=ids[20:])
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"splits", r"fit_stimuli")


def test_compare_fit_eval_overlap(pair):
    ids = list(pair[0]["stimulus"].values)
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.compare(*pair, fit_stimuli=ids[:20], eval_stimuli=ids[18:])
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"overlap|both|disjoint|shared|common", r"s18|s19")


def test_compare_unknown_fit_stimuli(pair):
    ids = list(pair[0]["stimulus"].values)
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.compare(*pair, fit_stimuli=ids[:20] + ["nope"], eval_stimuli=ids[20:])
    _search(excinfo, r"nope")


def test_compare_unknown_eval_stimuli(pair):
    ids = list(pair[0]["stimulus"].values)
    with pytest.raises(hn.StimulusMismatchError) as excinfo:
        hn.compare(*pair, fit_stimuli=ids[:20], eval_stimuli=ids[20:] + ["ghost"])
    _search(excinfo, r"ghost")


def test_compare_constant_layer_names_it():
    n = 30
    a = _da(0, n_stim=n, sizes=(("z_first", 3), ("flat", 3), ("a_second", 2)))
    a = a.copy(deep=True)
    a.loc[{"unit": ["flat/0", "flat/1", "flat/2"]}] = np.array([1.0, -2.0, 5.0])[None, :]
    b = _da(1, n_stim=n)
    with pytest.raises(hn.EmptyGroupError) as excinfo:
        hn.compare(a, b)
    assert isinstance(excinfo.value, hn.HotneuroError)
    assert isinstance(excinfo.value, ValueError)
    _search(excinfo, r"\bflat\b", r"constant")


def test_compare_constant_target_region_names_it():
    n = 30
    a = _da(0, n_stim=n)
    b = _da(1, n_stim=n, sizes=(("V1", 3), ("LM", 2)), level="region")
    b = b.copy(deep=True)
    b.loc[{"unit": ["LM/0", "LM/1"]}] = 0.0
    with pytest.raises(hn.EmptyGroupError) as excinfo:
        hn.compare(a, b)
    _search(excinfo, r"\bLM\b", r"constant")


def test_compare_constant_only_on_fit_stimuli_names_layer():
    # constant on the fit stimuli only: the constant rule is applied over F
    n = 30
    ids = [f"s{i}" for i in range(n)]
    a = _da(0, n_stim=n, stimuli=ids, sizes=(("z_first", 3), ("flat", 2)))
    a = a.copy(deep=True)
    a.loc[{"unit": ["flat/0", "flat/1"], "stimulus": ids[:20]}] = 3.0
    b = _da(1, n_stim=n, stimuli=ids)
    with pytest.raises(hn.EmptyGroupError) as excinfo:
        hn.compare(a, b, fit_stimuli=ids[:20], eval_stimuli=ids[20:])
    _search(excinfo, r"\bflat\b")


def test_compare_some_constant_units_are_dropped_and_reported():
    n = 30
    a = _da(0, n_stim=n).copy(deep=True)
    a.loc[{"unit": "z_first/1"}] = 4.0
    result = hn.compare(a, _da(1, n_stim=n))
    assert [str(u) for u in result.dropped_units["source"]] == ["z_first/1"]
    assert list(result.dropped_units["target"]) == []


# ---------------------------------------------------------------------------
# no call modifies its input
# ---------------------------------------------------------------------------


def test_compare_does_not_modify_inputs():
    n = 40
    ids = [f"s{i}" for i in range(n)]
    a = _da(0, n_stim=n, stimuli=ids).astype(np.float32)
    a.attrs["system"] = "src"
    a = a.assign_coords(depth=("unit", np.arange(a.sizes["unit"])))
    b = _da(1, n_stim=n, stimuli=ids[::-1], level="region").T  # transposed, reordered
    a_before, b_before = a.copy(deep=True), b.copy(deep=True)
    a_values = a.values.copy()
    hn.compare(a, b, splits=2, seed=3)
    hn.compare(a, b, fit_stimuli=ids[:30], eval_stimuli=ids[30:])
    hn.compare(a, b, align="inner")
    hn.validate(a)
    hn.align(a, b)
    hn.align(a, b, how="inner")
    xr.testing.assert_identical(a, a_before)
    xr.testing.assert_identical(b, b_before)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a.values, a_values)
    assert b.dims == ("unit", "stimulus")


def test_compare_does_not_modify_stimulus_lists():
    n = 30
    ids = [f"s{i}" for i in range(n)]
    a, b = _da(0, n_stim=n, stimuli=ids), _da(1, n_stim=n, stimuli=ids)
    fit = ids[:24][::-1]
    ev = ids[24:]
    fit_before, ev_before = list(fit), list(ev)
    hn.compare(a, b, fit_stimuli=fit, eval_stimuli=ev)
    assert fit == fit_before
    assert ev == ev_before
