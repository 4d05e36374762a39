"""The NWB source: known answers on synthetic files, every bad input, real recordings."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.plugins import get_source
from hotneuro.sources.nwb import NWBWarning, can_open
from hotneuro.sources.nwb import load as load_nwb
from hotneuro.testing import check_source

pytest.importorskip("pynwb")

from nwb_builders import planted_session, planted_tuning, write_nwb  # noqa: E402

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
A2929 = DATASETS / "A2929-200711" / "A2929-200711.nwb"
HAXBY = DATASETS / "haxby2001-slice" / "haxby2001-sub001-slice.nwb"
TWO_PI = 2 * np.pi


def _quiet_load(path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NWBWarning)
        return hn.load(path, **options)


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("nwb")


@pytest.fixture(scope="module")
def session():
    return planted_session(n_units=4, silent=(3,))


@pytest.fixture(scope="module")
def units_file(folder, session):
    """Units with a location column (ids 10..40, unit 40 silent) and a trials table."""
    return write_nwb(
        folder / "units.nwb", session_id="ses-1", subject_id="mouse7",
        units={"spike_times": session.spike_times, "ids": [10, 20, 30, 40],
               "location": ["V1", "LM", "V1", "V1"],
               "columns": {"brain_area": ["VISp", "VISl", "VISp", "VISp"]}},
        trials=session.trials)


# units 10, 30, 40 are V1 and 20 is LM: V1 comes first, file order within a region.
ORDER = [0, 2, 3, 1]


@pytest.fixture(scope="module")
def groups_file(folder):
    """No location column: regions from electrode groups (one 'unknown')."""
    s = planted_session(n_units=3)
    return write_nwb(folder / "groups.nwb", trials=s.trials,
                     units={"spike_times": s.spike_times,
                            "group_location": ["CA1", "unknown", "DG"]})


@pytest.fixture(scope="module")
def electrodes_file(folder):
    """No location column, no electrode group: regions from the units' electrodes."""
    s = planted_session(n_units=3)
    return write_nwb(folder / "electrodes.nwb", trials=s.trials,
                     units={"spike_times": s.spike_times, "electrodes": [[0], [1, 2], [0, 1]],
                            "electrode_location": ["ACC", "PL", "PL"]})


@pytest.fixture(scope="module")
def custom_file(folder):
    """A custom presentation table with int image ids shown unequally often, a second
    table, an empty table and epochs."""
    s = planted_session(n_units=2, sequence=("x", "y", "z", "x", "y", "x"), column="image_id")
    rows = [dict(r, image_id={"x": 7, "y": 3, "z": 5}[r["image_id"]], block=i // 3)
            for i, r in enumerate(s.trials)]
    return write_nwb(folder / "custom.nwb", units={"spike_times": s.spike_times,
                                                   "location": ["V1", "V1"]},
                     intervals={"images": rows,
                                "gratings": [{"start_time": 20.0, "stop_time": 21.0,
                                              "orientation": 45.0}]},
                     empty_intervals=["nothing"],
                     epochs=[(0.0, 6.5, ["first"]), (6.5, 20.0, ["second"])]), s


@pytest.fixture(scope="module")
def ophys_file(folder):
    """ROI traces at 10 Hz: inside the first second of a trial, ROI j shows stimulus s
    at rep r as 10 j + s + 0.5 r; elsewhere noise. Fluorescence = DfOverF + 100."""
    rate, n = 10.0, 300
    times = np.arange(n) / rate
    rng = np.random.default_rng(0)
    data = rng.normal(size=(n, 3))
    expected = np.zeros((3, 3))
    for k, stim in enumerate([0, 1, 2, 0, 1, 2]):
        onset = 2.0 + 4.0 * k
        inside = (times >= onset) & (times < onset + 1.0)
        rep = k // 3
        data[inside] = 10 * np.arange(3) + stim + 0.5 * rep
        expected[stim] += (10 * np.arange(3) + stim + 0.5 * rep) / 2
    trials = [{"start_time": 2.0 + 4.0 * k, "stop_time": 4.0 + 4.0 * k,
               "stimulus": f"s{stim}"} for k, stim in enumerate([0, 1, 2, 0, 1, 2])]
    path = write_nwb(folder / "ophys.nwb", trials=trials,
                     ophys={"data": data, "rate": rate, "location": "VISp",
                            "roi_ids": [5, 6, 7]})
    return path, expected


@pytest.fixture(scope="module")
def bold_file(folder):
    """A TimeSeries 'bold' (TR 2 s, 4 voxels) with a sibling voxel table, 10 s blocks."""
    tr, n = 2.0, 60
    data = np.zeros((n, 4))
    blocks = []
    for k, cat in enumerate(["face", "house", "cat", "face", "house", "cat"]):
        start = 10.0 * k
        data[int(start / tr):int((start + 10) / tr)] = np.arange(4) * 100 + k
        blocks.append({"start_time": start, "stop_time": start + 10.0, "category": cat})
    path = write_nwb(folder / "bold.nwb", intervals={"blocks": blocks},
                     acquisition=[{"name": "bold", "data": data, "rate": 1 / tr,
                                   "column_table": {"name": "voxels", "columns": {
                                       "region": ["VT", "VT", "V1", "V1"],
                                       "x": [1.0, 2.0, 3.0, 4.0]}}}])
    return path


@pytest.fixture(scope="module")
def plain_series_file(folder):
    """Two 1-D TimeSeries with irregular timestamps and no column table."""
    times = np.cumsum(np.full(200, 0.1)) + np.linspace(0, 0.01, 200)
    pupil = np.where((times % 4) < 2, 1.0, 3.0)
    trials = [{"start_time": 4.0 * k + 0.5, "stop_time": 4.0 * k + 1.5, "stimulus": k % 3}
              for k in range(4)]
    return write_nwb(folder / "series.nwb", trials=trials, acquisition=[
        {"name": "pupil", "data": pupil, "timestamps": times},
        {"name": "running", "data": pupil * 2, "timestamps": times}])


@pytest.fixture(scope="module")
def misc_file(folder):
    """Trials with a missing stimulus id and a zero-length row; a 2-column signal 'lfp'
    (10 Hz) whose column 1 is NaN in the first trial; a 2-column 'position'."""
    times = np.arange(200) / 10.0
    lfp = np.column_stack([np.ones(200), np.ones(200)])
    lfp[(times >= 1.0) & (times < 2.0), 1] = np.nan
    trials = [{"start_time": 1.0 + 3 * k, "stop_time": 2.0 + 3 * k, "stimulus": stim}
              for k, stim in enumerate(["a", "b", "c", "", "a"])]
    trials[4]["stop_time"] = trials[4]["start_time"]
    return write_nwb(folder / "misc.nwb", trials=trials, acquisition=[
        {"name": "lfp", "data": lfp, "rate": 10.0},
        {"name": "position", "data": np.column_stack([times % 3, times % 5]), "rate": 10.0}])


@pytest.fixture(scope="module")
def tuning():
    return planted_tuning()


@pytest.fixture(scope="module")
def tuning_file(folder, tuning):
    return write_nwb(
        folder / "tuning.nwb", units={"spike_times": tuning.spike_times,
                                      "location": ["ADn", "ADn", "CA1"]},
        epochs=[(0.0, 60.0, ["wake"]), (60.0, 100.0, ["sleep"])],
        compass={"timestamps": tuning.times, "data": tuning.angle},
        acquisition=[{"name": "signal", "data": tuning.signal, "timestamps": tuning.times}])


# ------------------------------------------------------------------------ registration


def test_registered_and_detected(units_file, tmp_path):
    names = [s["name"] for s in hn.list_sources()]
    assert "nwb" in names
    assert can_open(units_file)
    assert not can_open(tmp_path / "missing.nwb")
    assert not can_open(tmp_path)
    plain = tmp_path / "plain.h5"
    import h5py

    with h5py.File(plain, "w") as h5:
        h5["x"] = np.arange(3)
    assert not can_open(plain)
    nwb_h5 = tmp_path / "copy.h5"
    shutil.copy(units_file, nwb_h5)
    assert can_open(nwb_h5)


def test_load_auto_detects_source_kind_table_and_column(units_file, session):
    rep = _quiet_load(units_file)
    assert rep.attrs["source"] == "nwb"
    assert rep.attrs["kind"] == "units"
    assert rep.attrs["intervals"] == "intervals/trials"
    assert rep.attrs["stimulus_column"] == "stimulus"
    # without window=: rates over each trial [start_time, stop_time)
    np.testing.assert_allclose(rep.values, session.trial_rates().mean(-1)[:, ORDER],
                               rtol=1e-12)


def test_conformance(units_file, ophys_file, tuning_file):
    source = get_source("nwb")
    check_source(source, units_file, window=(0.0, 0.5))
    check_source(source, ophys_file[0], window=(0.0, 1.0), repetitions=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NWBWarning)
        check_source(source, tuning_file, variable="ry", bins=8, epoch="wake")


def test_survives_save(units_file, tuning_file, tmp_path):
    for rep in (hn.load(units_file, window=(0.0, 0.5), repetitions=True),
                _quiet_load(tuning_file, variable="ry", bins=8, epoch=["wake", (70, 80)])):
        back = hn.load(hn.save(rep, tmp_path / "rep.nc"))
        np.testing.assert_array_equal(back.values, rep.values)
        for name in rep.coords:
            np.testing.assert_array_equal(back[name].values, rep[name].values)
        assert back.attrs["system"] == rep.attrs["system"]
        assert back.attrs.get("silent_units") == rep.attrs.get("silent_units")


# ------------------------------------------------------------------- spiking units


def test_window_rates_known_answer(units_file, session):
    rep = hn.load(units_file, source="nwb", window=(0.0, 0.5))
    assert rep.dims == ("stimulus", "unit")
    assert list(rep["stimulus"].values) == ["C", "A", "D", "B"]  # first presentation
    assert list(rep["unit"].values) == [10, 30, 40, 20]
    assert list(rep["region"].values) == ["V1", "V1", "V1", "LM"]
    np.testing.assert_allclose(rep.values, session.window_rates().mean(-1)[:, ORDER],
                               rtol=1e-12)
    assert list(rep["n_presentations"].values) == [3, 3, 3, 3]
    assert rep.attrs["system"] == "mouse7/ses-1"
    assert rep.attrs["subject_id"] == "mouse7"
    assert rep.attrs["n_presentations"] == 12


def test_repetitions_dim(units_file, session):
    rep = hn.load(units_file, window=(0.0, 0.5), repetitions=True)
    assert rep.dims == ("stimulus", "unit", "repetition")
    assert rep.sizes["repetition"] == 3
    np.testing.assert_allclose(rep.values, session.window_rates()[:, ORDER], rtol=1e-12)
    assert rep.attrs["dropped_repetitions"] == 0


def test_silent_unit_kept_with_rate_zero_then_dropped_by_compare(units_file):
    rep = hn.load(units_file, window=(0.0, 0.5))
    silent = rep.sel(unit=40)
    assert float(np.abs(silent).max()) == 0.0
    assert rep.attrs["silent_units"] == "[40]"
    assert int(rep["n_spikes"].sel(unit=40)) == 0
    result = hn.compare(rep, rep)
    assert result.dropped_units["source"] == [40]


def test_region_column_and_region_order(units_file):
    rep = hn.load(units_file, window=(0.0, 0.5), region_column="brain_area")
    assert list(rep["region"].values) == ["VISp", "VISp", "VISp", "VISl"]
    rep = hn.load(units_file, window=(0.0, 0.5), regions=["LM", "V1"])
    assert list(rep["unit"].values) == [20, 10, 30, 40]
    rep = hn.load(units_file, window=(0.0, 0.5), regions=["LM"])
    assert list(rep["unit"].values) == [20]
    with pytest.raises(hn.SourceError, match="regions= names 'CA1'.*'V1', 'LM'"):
        hn.load(units_file, window=(0.0, 0.5), regions=["CA1"])
    with pytest.raises(hn.SourceError, match="region_column='area'"):
        hn.load(units_file, window=(0.0, 0.5), region_column="area")


def test_regions_from_electrode_groups_unknown_dropped_and_reported(groups_file):
    with pytest.warns(NWBWarning, match="1 unit.*no region.*dropped") as record:
        rep = hn.load(groups_file, window=(0.0, 0.5))
    assert record[0].filename == __file__  # attributed to the caller
    assert list(rep["region"].values) == ["CA1", "DG"]
    assert list(rep["unit"].values) == [0, 2]
    assert rep.attrs["units_without_region"] == "[1]"
    rep = hn.load(groups_file, window=(0.0, 0.5), default_region="thalamus")
    assert list(rep["region"].values) == ["CA1", "thalamus", "DG"]


def test_regions_from_electrodes_conflicting_dropped(electrodes_file):
    with pytest.warns(NWBWarning, match=r"ids 2\)"):
        rep = hn.load(electrodes_file, window=(0.0, 0.5))
    assert list(rep["region"].values) == ["ACC", "PL"]
    assert list(rep["unit"].values) == [0, 1]
    # an explicit region column is looked up in the electrodes table too
    explicit = _quiet_load(electrodes_file, window=(0.0, 0.5), region_column="location")
    assert list(explicit["region"].values) == ["ACC", "PL"]


def test_custom_table_int_ids_unequal_repetitions(custom_file):
    path, s = custom_file
    with pytest.raises(hn.SourceError, match="pass intervals=.*'intervals/gratings'"):
        hn.load(path, window=(0.0, 0.5))
    rep = hn.load(path, intervals="images", window=(0.0, 0.5))
    assert list(rep["stimulus"].values) == [7, 3, 5]
    assert rep["stimulus"].dtype.kind == "i"
    assert list(rep["n_presentations"].values) == [3, 2, 1]
    rates = s.window_rates()  # (S, U, R) with unused repetitions at zero
    expected = rates.sum(-1) / np.array([3, 2, 1])[:, None]
    np.testing.assert_allclose(rep.values, expected, rtol=1e-12)
    with pytest.warns(NWBWarning, match="first 1 presentation"):
        reps = hn.load(path, intervals="images", window=(0.0, 0.5), repetitions=True)
    assert reps.sizes["repetition"] == 1
    assert reps.attrs["dropped_repetitions"] == 3
    np.testing.assert_allclose(reps.values[..., 0], rates[..., 0], rtol=1e-12)


def test_where_and_epoch_select_presentations(custom_file):
    path, s = custom_file
    rep = hn.load(path, intervals="images", window=(0.0, 0.5), where={"block": 0})
    assert list(rep["n_presentations"].values) == [1, 1, 1]
    assert "where block" in rep.attrs["dropped_presentations"]
    rep = hn.load(path, intervals="images", window=(0.0, 0.5), epoch="first")
    assert list(rep["n_presentations"].values) == [1, 1, 1]
    # presentations at 1, 3, 5, 7, 9, 11 s: x y z x y x; the first half of 0-20 s is 0-10 s
    rep = hn.load(path, intervals="images", window=(0.0, 0.5), epoch=(0.0, 20.0),
                  epoch_fraction=(0.0, 0.5))
    assert list(rep["n_presentations"].values) == [2, 2, 1]
    # an epoch named after a whole table: every row of 'images' is an interval
    rep = hn.load(path, intervals="images", window=(0.0, 0.5), epoch="images")
    assert list(rep["n_presentations"].values) == [3, 2, 1]
    with pytest.raises(hn.SourceError, match="matches no row.*values in that column: 0, 1"):
        hn.load(path, intervals="images", window=(0.0, 0.5), where={"block": 9})


# ------------------------------------------------------------------- ophys, timeseries


def test_ophys_window_means_prefers_dff(ophys_file):
    path, expected = ophys_file
    rep = hn.load(path, window=(0.0, 1.0))
    assert rep.attrs["kind"] == "ophys"
    assert rep.attrs["series"] == "processing/ophys/DfOverF/dff"
    assert list(rep["unit"].values) == [5, 6, 7]
    assert list(rep["region"].values) == ["VISp"] * 3
    np.testing.assert_allclose(rep.values, expected, rtol=1e-12)
    raw = hn.load(path, window=(0.0, 1.0), series="Fluorescence/raw")
    np.testing.assert_allclose(raw.values, expected + 100, rtol=1e-12)


def test_timeseries_with_sibling_column_table(bold_file):
    rep = hn.load(bold_file)  # everything detected: series, table, column, regions
    assert rep.attrs["kind"] == "timeseries"
    assert rep.attrs["column_table"] == "acquisition/voxels"
    assert list(rep["region"].values) == ["VT", "VT", "V1", "V1"]
    np.testing.assert_allclose(rep["x"].values, [1, 2, 3, 4])
    assert list(rep["stimulus"].values) == ["face", "house", "cat"]
    # block k holds 100 * voxel + k; face = blocks 0 and 3, house 1 and 4, cat 2 and 5
    expected = np.arange(4)[None, :] * 100 + np.array([1.5, 2.5, 3.5])[:, None]
    np.testing.assert_allclose(rep.values, expected, rtol=1e-12)
    off = hn.load(bold_file, column_table=False, window=(0.0, 10.0))
    assert list(off["region"].values) == ["bold"] * 4


def test_timeseries_without_table_named_after_series(plain_series_file):
    with pytest.raises(hn.SourceError, match="pass series= one of: 'acquisition/pupil'"):
        hn.load(plain_series_file)
    rep = hn.load(plain_series_file, series="acquisition/pupil")
    assert list(rep["region"].values) == ["pupil"]
    assert list(rep["stimulus"].values) == [0, 1, 2]
    # trials at 0.5-1.5 s into each 4 s period: pupil is 1.0 there
    np.testing.assert_allclose(rep.values, 1.0)
    rep = hn.load(plain_series_file, series="running", default_region="legs")
    assert list(rep["region"].values) == ["legs"]


# --------------------------------------------------------------- continuous variable


def test_binned_variable_recovers_planted_tuning(tuning_file, tuning):
    with pytest.warns(NWBWarning, match="4 of 8 bins.*no occupancy"):
        rep = hn.load(tuning_file, variable="CompassDirection/ry", bins=8,
                      range=(0, TWO_PI), epoch="wake")
    centers = (np.arange(4) + 0.5) * TWO_PI / 8
    assert list(rep["stimulus"].values) == [f"{c:.6g}" for c in centers]
    np.testing.assert_allclose(rep["bin_start"].values, np.arange(4) * TWO_PI / 8)
    assert list(rep["bin"].values) == [0, 1, 2, 3]
    np.testing.assert_allclose(rep["occupancy"].values, 15.0, rtol=1e-9)
    np.testing.assert_allclose(rep.values, tuning.expected, rtol=1e-9)
    assert list(rep["region"].values) == ["ADn", "ADn", "CA1"]
    assert len(eval(rep.attrs["empty_bins"])) == 4


def test_binned_variable_halves_and_signal(tuning_file, tuning):
    first = _quiet_load(tuning_file, variable="ry", bins=8, range=(0, TWO_PI),
                        epoch="wake", epoch_fraction=(0, 0.5))
    np.testing.assert_allclose(first["occupancy"].values, 7.5, rtol=1e-9)
    np.testing.assert_allclose(first.values, tuning.expected, rtol=1e-9)
    signal = _quiet_load(tuning_file, series="signal", variable="ry", bins=8,
                         range=(0, TWO_PI), epoch="wake")
    assert signal.attrs["kind"] == "timeseries"
    np.testing.assert_allclose(signal.values[:, 0], [0, 10, 20, 30])
    assert list(signal["n_samples"].values) == [1500] * 4
    edges = np.linspace(0, np.pi, 5)
    explicit = hn.load(tuning_file, variable="ry", bins=edges, epoch="wake")
    np.testing.assert_allclose(explicit.values, tuning.expected, rtol=1e-9)


def test_binned_variable_bad_inputs(tuning_file):
    with pytest.raises(hn.SourceError, match="No epoch 'run'.*'wake', 'sleep'"):
        hn.load(tuning_file, variable="ry", epoch="run")
    with pytest.raises(hn.SourceError, match="No TimeSeries 'rz'.*CompassDirection/ry"):
        hn.load(tuning_file, variable="rz")
    with pytest.raises(hn.SourceError, match="'window'.*apply to a presentation table"):
        hn.load(tuning_file, variable="ry", window=(0, 1))
    with pytest.raises(hn.SourceError, match="only apply with variable="):
        hn.load(tuning_file, bins=10)


# ------------------------------------------------------------------------ bad input


def test_not_nwb_files(tmp_path):
    random_bytes = tmp_path / "random.nwb"
    random_bytes.write_bytes(np.random.default_rng(0).bytes(4096))
    text = tmp_path / "notes.nwb"
    text.write_text("trial,stimulus\n1,A\n")
    empty = tmp_path / "empty.nwb"
    empty.write_bytes(b"")
    plain = tmp_path / "plain.nwb"
    import h5py

    with h5py.File(plain, "w") as h5:
        h5["values"] = np.zeros(3)
    cases = [(random_bytes, "not an NWB file: its first bytes"),
             (text, "looks like a text file"), (empty, "empty"),
             (plain, "HDF5 file but not an NWB file.*'values'")]
    for path, message in cases:
        with pytest.raises(hn.SourceError, match=message):
            hn.load(path)  # picked by its .nwb suffix, then explained
        with pytest.raises(hn.SourceError, match=message):
            load_nwb(path)


def test_truncated_file(units_file, tmp_path):
    broken = tmp_path / "broken.nwb"
    data = units_file.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(hn.SourceError, match="broken.nwb"):
        hn.load(broken)


def test_missing_tables(ophys_file, tuning_file, session, tmp_path):
    path, _ = ophys_file
    with pytest.raises(hn.SourceError, match="no units table"):
        hn.load(path, kind="units")
    with pytest.raises(hn.SourceError, match="no 'trials' table; pass intervals=.*epochs"):
        hn.load(tuning_file)
    bare = write_nwb(tmp_path / "bare.nwb", units={"spike_times": session.spike_times})
    with pytest.raises(hn.SourceError, match="no presentation table"):
        hn.load(bare)


def test_unknown_table_and_column(units_file, custom_file):
    path, _ = custom_file
    with pytest.raises(hn.SourceError, match="No interval table 'img'.*'intervals/images'"):
        hn.load(path, intervals="img")
    with pytest.raises(hn.SourceError, match="No column 'stim'.*'image_id', 'block'"):
        hn.load(path, intervals="images", stimulus_column="stim")
    with pytest.raises(hn.SourceError, match="Which column.*'orientation'"):
        hn.load(path, intervals="gratings")
    with pytest.raises(hn.SourceError, match="zero rows"):
        hn.load(path, intervals="nothing")


def test_bad_windows(units_file, ophys_file):
    with pytest.raises(hn.SourceError, match="reach outside the recording"):
        hn.load(units_file, window=(0.0, 5.0))
    with pytest.raises(hn.SourceError, match="reach outside the recording"):
        hn.load(units_file, window=(-2.0, 0.5))
    with pytest.raises(hn.SourceError, match="empty or reversed"):
        hn.load(units_file, window=(0.5, 0.5))
    with pytest.raises(hn.SourceError, match="empty or reversed"):
        hn.load(units_file, window=(0.5, 0.1))
    with pytest.raises(hn.SourceError, match="pair"):
        hn.load(units_file, window=0.5)
    path, _ = ophys_file
    with pytest.raises(hn.SourceError, match="hold no sample"):
        hn.load(path, window=(0.01, 0.05))


def test_bad_options(units_file):
    with pytest.raises(hn.SourceError, match="Unknown NWB option 'windw'.*'window'"):
        hn.load(units_file, windw=(0, 1))
    with pytest.raises(hn.SourceError, match="kind= must be one of"):
        hn.load(units_file, kind="lfp")
    with pytest.raises(hn.SourceError, match="at least 3"):
        hn.load(units_file, window=(0.0, 0.5), where={"stimulus": ["A", "B"]})


def test_mismatched_stimuli_between_systems(units_file, custom_file):
    a = hn.load(units_file, window=(0.0, 0.5))
    b = hn.load(custom_file[0], intervals="images", window=(0.0, 0.5))
    with pytest.raises(hn.StimulusMismatchError):
        hn.compare(a, b)


def test_file_closed_after_load_and_after_error(units_file, tmp_path):
    import h5py

    copy = tmp_path / "copy.nwb"
    shutil.copy(units_file, copy)
    hn.load(copy, window=(0.0, 0.5))
    with h5py.File(copy, "r+") as h5:  # fails while another handle holds the file
        h5.attrs["touched"] = 1
    with pytest.raises(hn.SourceError):
        hn.load(copy, stimulus_column="nope")
    with h5py.File(copy, "r+") as h5:
        h5.attrs["touched"] = 2
    os.remove(copy)
    assert not copy.exists()


def test_missing_ids_zero_length_rows_nan_units_components(misc_file):
    with pytest.raises(hn.SourceError, match="stop_time <= start_time.*give window="):
        hn.load(misc_file, series="lfp")
    with pytest.warns(NWBWarning, match=r"1 unit\(s\) have NaN.*ids 1\)"):
        rep = hn.load(misc_file, series="lfp", window=(0.0, 1.0))
    assert list(rep["unit"].values) == [0]
    assert rep.attrs["units_with_nan"] == "[1]"
    assert rep.attrs["dropped_presentations"] == "1 (missing stimulus id)"
    assert list(rep["n_presentations"].values) == [2, 1, 1]
    with pytest.raises(hn.SourceError, match="has 2 columns.*component=0 .. 1"):
        hn.load(misc_file, series="lfp", variable="position")
    rep = _quiet_load(misc_file, series="lfp", variable="position", component=0, bins=3)
    assert rep.sizes == {"stimulus": 3, "unit": 1}
    with pytest.raises(hn.SourceError, match="component=2 but"):
        hn.load(misc_file, series="lfp", variable="position", component=2)


# ------------------------------------------------------------------------- real data


@pytest.mark.skipif(not A2929.exists(), reason="datasets/A2929-200711 not present")
def test_real_head_direction_tuning_and_split_halves():
    options = {"variable": "CompassDirection/ry", "bins": 30, "range": (0, TWO_PI),
               "epoch": "wake"}
    rep = hn.load(A2929, **options)
    assert rep.sizes == {"stimulus": 30, "unit": 15}
    regions = [str(r).lower() for r in rep["region"].values]
    assert regions == ["adn"] * 7 + ["ca1"] * 8
    assert (rep.values >= 0).all() and (rep.mean("stimulus") > 0).all()
    assert rep.attrs["system"] == "A2929-200711"
    # head-direction cells: strongly peaked tuning in ADn
    adn = rep.values[:, :7]
    assert (adn.max(0) / adn.mean(0) > 3).all()
    first = hn.load(A2929, **options, epoch_fraction=(0, 0.5))
    second = hn.load(A2929, **options, epoch_fraction=(0.5, 1))
    result = hn.compare(first, second)
    coupling = result.coupling
    assert coupling.dims == ("source_region", "target_region")
    assert [str(r).lower() for r in coupling["source_region"].values] == ["adn", "ca1"]
    np.testing.assert_allclose(coupling.values, np.diag([0.5, 0.5]), atol=1e-12)


@pytest.mark.skipif(not HAXBY.exists(), reason="datasets/haxby2001-slice not present")
def test_real_fmri_blocks():
    rep = hn.load(HAXBY, intervals="presentations", repetitions=True)
    assert rep.sizes == {"stimulus": 8, "unit": 530, "repetition": 12}
    assert list(dict.fromkeys(rep["region"].values)) == ["posterior", "middle", "anterior"]
    assert rep.attrs["stimulus_column"] == "category"
    assert rep.attrs["dropped_repetitions"] == 0
    assert set(rep["stimulus"].values) == {"face", "house", "cat", "shoe", "scissors",
                                           "bottle", "chair", "scrambledpix"}
