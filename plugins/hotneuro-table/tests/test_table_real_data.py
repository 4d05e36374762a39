"""Realistic tables: a hand-written recording table, and tables written from real data."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

pytest.importorskip(
    "hotneuro_table", reason="install the plugin: pip install -e plugins/hotneuro-table")

import hotneuro as hn  # noqa: E402
from hotneuro.representations import group_level, groups  # noqa: E402

MACAQUE = Path(__file__).parent / "data" / "macaque_v4_it.csv"
#: The repository's real-data folder (absent when the plugin is installed elsewhere).
HAXBY = Path(__file__).resolve().parents[3] / "datasets" / "haxby2001-slice"


def test_the_macaque_table_has_known_cells_and_keeps_its_trials():
    rep = hn.load(MACAQUE, repetition_column="trial", repetitions=True,
                  system="macaque M1")
    assert rep.attrs == {"system": "macaque M1", "source": "table"}
    assert rep["stimulus"].values.tolist() == [
        "face_01", "face_02", "house_01", "house_02", "car_01", "car_02"]
    assert rep["unit"].values.tolist() == ["m1_ch05", "m1_ch12", "m1_ch17", "m1_ch33",
                                           "m1_ch41"]
    assert list(groups(rep)) == ["V4", "IT"]  # the file's order, not alphabetical
    assert rep["repetition"].values.tolist() == [1, 2]
    # lines 5 and 35 of the file
    np.testing.assert_array_equal(rep.sel(stimulus="face_01", unit="m1_ch33").values,
                                  [22.5, 25.7])
    mean = hn.load(MACAQUE)
    np.testing.assert_allclose(float(mean.sel(stimulus="face_01", unit="m1_ch33")), 24.1,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(float(mean.sel(stimulus="house_02", unit="m1_ch05")), 9.15,
                               rtol=0, atol=1e-12)
    xr.testing.assert_allclose(mean, rep.mean("repetition"), rtol=0, atol=1e-12)


def test_a_loaded_table_compares_like_any_representation():
    rep = hn.load(MACAQUE)
    same = hn.compare(rep, rep)
    assert abs(same.distance) < 1e-9
    it_faces = rep.sel(unit=rep["region"] == "IT").sel(stimulus=["face_01", "face_02"])
    assert float(it_faces.mean()) > float(rep.sel(unit=rep["region"] == "IT").mean())


def _haxby_nwb() -> Path:
    files = sorted(HAXBY.glob("*.nwb"))
    if not files:
        pytest.skip(f"no real NWB recording in {HAXBY} (datasets/haxby2001-slice has not "
                    "been built or shipped here)")
    return files[0]


def _haxby_block_patterns(path: Path) -> tuple[list[str], list[int], np.ndarray, np.ndarray,
                                                np.ndarray]:
    """Block patterns of the Haxby slice, read with h5py as the dataset's check.py does.

    Each voxel is z-scored within each run; a block's pattern is the mean over its volumes.

    Returns
    -------
    categories (first appearance), runs, voxel ids, voxel regions, and the patterns,
    shape (runs, categories, voxels).
    """
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "r") as f:
        bold = f["acquisition/bold"]
        X = bold["data"][()].astype(np.float64)
        start, rate = float(bold["starting_time"][()]), float(bold["starting_time"].attrs["rate"])
        voxels = f["acquisition/voxels"]
        voxel_ids, regions = voxels["id"][()], voxels["region"].asstr()[()]
        runs_table = {k: f["intervals/runs"][k][()] for k in ("run", "start_time", "stop_time")}
        blocks = {k: f["intervals/presentations"][k][()]
                  for k in ("run", "start_time", "stop_time")}
        blocks["category"] = f["intervals/presentations/category"].asstr()[()]
    t = start + np.arange(X.shape[0]) / rate
    Z = np.empty_like(X)
    for a, b in zip(runs_table["start_time"], runs_table["stop_time"], strict=True):
        m = (t >= a) & (t < b)
        Z[m] = (X[m] - X[m].mean(0)) / X[m].std(0)
    categories = list(dict.fromkeys(blocks["category"].tolist()))
    runs = sorted(runs_table["run"].tolist())
    patterns = np.full((len(runs), len(categories), X.shape[1]), np.nan)
    for run, cat, a, b in zip(blocks["run"], blocks["category"], blocks["start_time"],
                              blocks["stop_time"], strict=True):
        patterns[runs.index(run), categories.index(cat)] = Z[(t >= a) & (t < b)].mean(0)
    assert np.isfinite(patterns).all(), "every (run, category) has one block"
    return categories, runs, voxel_ids, regions, patterns


def test_real_fmri_block_patterns_round_trip_through_a_long_csv(tmp_path):
    """Real data (Haxby et al. 2001, one slice) as a long table of block patterns."""
    categories, runs, voxel_ids, regions, patterns = _haxby_block_patterns(_haxby_nwb())
    path = tmp_path / "haxby2001-blocks.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["run", "category", "voxel", "region", "zbold"])
        for r, run in enumerate(runs):
            for c, category in enumerate(categories):
                for v, (voxel, region) in enumerate(zip(voxel_ids, regions, strict=True)):
                    out.writerow([run, category, voxel, region, repr(float(patterns[r, c, v]))])
    rep = hn.load(path, stimulus_column="category", unit_column="voxel",
                  value_column="zbold", repetition_column="run", repetitions=True,
                  system="haxby2001 sub001 slice")
    assert rep.sizes == {"stimulus": 8, "unit": 530, "repetition": 12}
    assert rep["stimulus"].values.tolist() == categories
    assert rep["repetition"].values.tolist() == list(range(1, 13))
    np.testing.assert_array_equal(rep["unit"].values, voxel_ids)
    assert {g: len(k) for g, k in groups(rep).items()} == {
        "posterior": 105, "middle": 212, "anterior": 213}  # the dataset README's counts
    np.testing.assert_array_equal(rep.transpose("repetition", "stimulus", "unit").values,
                                  patterns)
    # the dataset README's split-half check, computed on the loaded table: centred odd-run
    # vs even-run category patterns correlate 0.239 for the same category, -0.033 across
    odd = rep.sel(repetition=runs[0::2]).mean("repetition").values
    even = rep.sel(repetition=runs[1::2]).mean("repetition").values
    odd, even = odd - odd.mean(0), even - even.mean(0)
    n = len(categories)
    corr = np.corrcoef(odd, even)[:n, n:]
    np.testing.assert_allclose(np.diag(corr).mean(), 0.239, atol=5e-4)
    np.testing.assert_allclose(corr[~np.eye(n, dtype=bool)].mean(), -0.033, atol=5e-4)
    mean = hn.load(path, stimulus_column="category", unit_column="voxel",
                   value_column="zbold", repetition_column="run")
    np.testing.assert_allclose(mean.values, patterns.mean(0), rtol=0, atol=1e-12)


def _write_long(rep: xr.DataArray, path: Path) -> None:
    level = group_level(rep)
    has_reps = "repetition" in rep.dims
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["stimulus", "unit", level, "response"] + (["run"] if has_reps else []))
        values = rep.values.astype(np.float64)
        for j, (unit, group) in enumerate(zip(rep["unit"].values, rep[level].values,
                                              strict=True)):
            for i, stimulus in enumerate(rep["stimulus"].values):
                if has_reps:
                    for k, run in enumerate(rep["repetition"].values):
                        out.writerow([stimulus, unit, group, repr(float(values[i, j, k])), run])
                else:
                    out.writerow([stimulus, unit, group, repr(float(values[i, j]))])


def _write_wide(rep: xr.DataArray, path: Path) -> None:
    level = group_level(rep)
    values = rep.values.astype(np.float64)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter="\t")
        out.writerow(["stimulus"] + [f"{g}:{u}" for g, u in zip(rep[level].values,
                                                                rep["unit"].values,
                                                                strict=True)])
        for i, stimulus in enumerate(rep["stimulus"].values):
            out.writerow([stimulus] + [repr(float(v)) for v in values[i]])


def _haxby_through_hotneuro(**options: object) -> xr.DataArray:
    """The Haxby slice read by hotneuro's NWB source (its stimulus table: presentations)."""
    path = _haxby_nwb()
    try:
        rep = hn.load(path, intervals="presentations", **options)
    except (hn.HotneuroError, ImportError) as exc:  # no NWB source, or no pynwb
        pytest.skip(f"hotneuro cannot read {path.name} with intervals='presentations' "
                    f"here: {type(exc).__name__}: {exc}")
    level = group_level(rep)
    keep = {"stimulus", "unit", level, "repetition"}
    return rep.drop_vars([c for c in rep.coords if c not in keep])


def _same_labels(loaded: xr.DataArray, rep: xr.DataArray, units: list[str]) -> None:
    level = group_level(rep)
    assert group_level(loaded) == level
    for name in ("stimulus", level) + (("repetition",) if "repetition" in rep.dims else ()):
        assert loaded[name].values.astype(str).tolist() == rep[name].values.astype(str).tolist()
    assert loaded["unit"].values.astype(str).tolist() == units
    assert list(groups(loaded)) == [str(g) for g in groups(rep)]


def test_an_nwb_representation_round_trips_through_a_long_csv(tmp_path):
    rep = _haxby_through_hotneuro(repetitions=True)
    path = tmp_path / "haxby.csv"
    _write_long(rep, path)
    options = {"group_column": group_level(rep)}
    if "repetition" in rep.dims:
        options.update(repetition_column="run", repetitions=True)
    loaded = hn.load(path, **options)
    _same_labels(loaded, rep, rep["unit"].values.astype(str).tolist())
    np.testing.assert_array_equal(loaded.values, rep.values.astype(np.float64))


def test_an_nwb_representation_round_trips_through_a_wide_tsv(tmp_path):
    rep = _haxby_through_hotneuro()
    if "repetition" in rep.dims:
        rep = rep.mean("repetition")
    level = group_level(rep)
    path = tmp_path / "haxby.tsv"
    _write_wide(rep, path)
    loaded = hn.load(path, layout="wide", level=level)
    _same_labels(loaded, rep, [f"{g}:{u}" for g, u in zip(rep[level].values,
                                                          rep["unit"].values, strict=True)])
    np.testing.assert_array_equal(loaded.values, rep.values.astype(np.float64))
