"""Saved arrays (netCDF, npz, HDF5): round trips, the documented layout, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

import hotneuro as hn
from hotneuro.plugins import get_source
from hotneuro.testing import check_source, random_network

FORMATS = [("netcdf", "nc"), ("npz", "npz"), ("hdf5", "h5")]


def _rich(level="region", int_ids=False):
    rep = random_network(widths=(4, 3), level=level, system="mouse A2929")
    if int_ids:
        rep = rep.assign_coords(stimulus=np.arange(rep.sizes["stimulus"]) * 10,
                                unit=np.arange(rep.sizes["unit"]) + 100)
    rep = rep.assign_coords(depth=("unit", np.linspace(0, 1, rep.sizes["unit"])),
                            hemisphere=("unit", np.array(["L", "R"] * 3 + ["L"])),
                            category=("stimulus", np.array(["face", "house"] * 20)))
    rep.attrs.update(subject="A2929", n_bins=30, notes={"window": [0.05, 0.25]})
    return rep


@pytest.mark.parametrize("name,ext", FORMATS)
@pytest.mark.parametrize("int_ids", [False, True])
def test_round_trip_keeps_every_coord_and_attr(tmp_path, name, ext, int_ids):
    rep = _rich(int_ids=int_ids)
    back = hn.load(hn.save(rep, tmp_path / f"rep.{ext}"))
    assert back.attrs.pop("source") == name
    xr.testing.assert_identical(back, rep)
    assert back["stimulus"].dtype.kind == rep["stimulus"].dtype.kind


@pytest.mark.parametrize("name,ext", FORMATS)
def test_round_trip_with_repetitions(tmp_path, name, ext):
    base = _rich(level="layer")
    reps = xr.concat([base, base * 2.0], dim="repetition").assign_coords(repetition=[0, 1])
    reps = reps.transpose("stimulus", "unit", "repetition")
    reps.attrs = base.attrs
    back = hn.load(hn.save(reps, tmp_path / f"rep.{ext}"))
    back.attrs.pop("source")
    xr.testing.assert_identical(back, reps)


@pytest.mark.parametrize("name,ext", FORMATS)
def test_sources_conform(tmp_path, name, ext):
    path = hn.save(_rich(), tmp_path / f"rep.{ext}")
    check_source(get_source(name), path)


def test_npz_written_by_hand_in_the_documented_layout(tmp_path):
    path = tmp_path / "hand.npz"
    values = np.arange(20.0).reshape(5, 4) ** 1.5
    np.savez(path, values=values, stimulus=np.array(["a", "b", "c", "d", "e"]),
             unit=np.array(["u1", "u2", "u3", "u4"]), region=np.array(["V1", "V1", "V4", "V4"]),
             coord__depth=np.array([1.0, 2.0, 3.0, 4.0]), coord_dim__depth=np.array("unit"),
             attrs=np.array(json.dumps({"system": "monkey"})))
    rep = hn.load(path)
    np.testing.assert_array_equal(rep.values, values)
    assert list(rep["region"].values) == ["V1", "V1", "V4", "V4"]
    assert rep.attrs["system"] == "monkey"
    np.testing.assert_array_equal(rep["depth"].values, [1.0, 2.0, 3.0, 4.0])


def test_hdf5_written_by_hand_in_the_documented_layout(tmp_path):
    import h5py

    path = tmp_path / "hand.h5"
    with h5py.File(path, "w") as f:
        f["values"] = np.arange(12.0).reshape(4, 3) ** 2
        f["stimulus"] = np.arange(4)
        f.create_dataset("unit", data=["a", "b", "c"], dtype=h5py.string_dtype())
        f.create_dataset("layer", data=["l1", "l2", "l2"], dtype=h5py.string_dtype())
        f.attrs["attrs"] = json.dumps({"system": "net"})
    rep = hn.load(path)
    assert rep.dims == ("stimulus", "unit")
    assert list(rep["unit"].values) == ["a", "b", "c"]
    assert rep.attrs["system"] == "net"


@pytest.mark.parametrize("name,ext", FORMATS)
def test_corrupt_files_give_source_errors(tmp_path, name, ext):
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(200) if ext != "npz" else b"PK" + bytes(200))
    with pytest.raises(hn.SourceError):
        hn.load(path, source=name)


def test_incomplete_npz_names_what_is_missing(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, values=np.ones((4, 2)), stimulus=np.arange(4))
    with pytest.raises(hn.SourceError, match="lacks unit.*hotneuro.save"):
        hn.load(path)


def test_invalid_content_is_a_representation_error(tmp_path):
    path = tmp_path / "nan.npz"
    values = np.ones((4, 2))
    values[1, 1] = np.nan
    np.savez(path, values=values, stimulus=np.arange(4), unit=np.array(["a", "b"]),
             layer=np.array(["l", "l"]))
    with pytest.raises(hn.NonFiniteError):
        hn.load(path)


def test_netcdf_with_several_variables_is_refused(tmp_path):
    path = tmp_path / "ds.nc"
    xr.Dataset({"a": ("x", [1, 2]), "b": ("x", [3, 4])}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(hn.SourceError, match="single data variable"):
        hn.load(path)


def test_save_refuses_unknown_suffix_and_unsaveable_attrs(tmp_path):
    rep = random_network()
    with pytest.raises(hn.ParameterError, match="format"):
        hn.save(rep, tmp_path / "rep.xyz")
    rep.attrs["bad"] = object()
    with pytest.raises(hn.ParameterError, match="attrs"):
        hn.save(rep, tmp_path / "rep.npz")


def test_saved_then_compared_gives_the_same_result(tmp_path):
    a, b = random_network(seed=1), random_network(seed=2, widths=(5, 9))
    r1 = hn.compare(a, b)
    r2 = hn.compare(hn.load(hn.save(a, tmp_path / "a.npz")),
                    hn.load(hn.save(b, tmp_path / "b.h5")))
    assert r1.distance == r2.distance


def test_options_do_not_apply_to_saved_arrays(tmp_path):
    path = hn.save(random_network(), tmp_path / "rep.npz")
    with pytest.raises(hn.ParameterError, match="window"):
        hn.load(path, window=(0, 1))
