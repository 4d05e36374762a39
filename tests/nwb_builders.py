"""Small synthetic NWB files with planted responses, written with pynwb.

Every builder writes one file and returns its path. The planted numbers are chosen so
that tests can state exact expected rates and means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _nwbfile(identifier: str, session_id: str | None = None, subject_id: str | None = None):
    from pynwb import NWBFile
    from pynwb.file import Subject

    subject = Subject(subject_id=subject_id, species="Mus musculus") if subject_id else None
    return NWBFile(session_description="hotneuro test file", identifier=identifier,
                   session_start_time=START, session_id=session_id, subject=subject)


def _write(nwbfile: Any, path: Path) -> Path:
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def _add_rows(table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = [c for c in rows[0] if c not in ("start_time", "stop_time")] if rows else []
    for c in columns:
        table.add_column(name=c, description=f"column {c}")
    for row in rows:
        table.add_row(**row)


def write_nwb(
    path: Path,
    *,
    identifier: str = "hotneuro-test",
    session_id: str | None = None,
    subject_id: str | None = None,
    units: Mapping[str, Any] | None = None,
    trials: Sequence[Mapping[str, Any]] | None = None,
    intervals: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    empty_intervals: Sequence[str] = (),
    epochs: Sequence[tuple[float, float, list[str]]] = (),
    acquisition: Sequence[Mapping[str, Any]] = (),
    ophys: Mapping[str, Any] | None = None,
    compass: Mapping[str, Any] | None = None,
) -> Path:
    """Write an NWB file from plain Python pieces.

    units : ``spike_times`` (list per unit), optional ``ids``, ``location`` (a units
        column), ``group_location`` (one electrode group per unit, with that location),
        ``electrodes`` (electrode rows per unit) with ``electrode_location`` (per
        electrode), and ``columns`` (extra unit columns).
    trials, intervals : rows ``{start_time, stop_time, column: value}``.
    acquisition : TimeSeries ``{name, data, rate | timestamps, starting_time, unit,
        column_table: {name, columns: {col: values}}}``.
    ophys : ``{data, rate, location, fluorescence_offset}``: a plane segmentation with
        ``data.shape[1]`` ROIs (ids ``roi_ids``), DfOverF ``dff`` = data and Fluorescence
        ``raw`` = data + fluorescence_offset.
    compass : ``{name, timestamps, data}``: a SpatialSeries in
        ``processing/behavior/CompassDirection``.
    """
    from hdmf.common import DynamicTable, VectorData
    from pynwb import TimeSeries
    from pynwb.epoch import TimeIntervals

    nwb = _nwbfile(identifier, session_id, subject_id)
    if units is not None:
        _add_units(nwb, units)
    if trials is not None:
        for c in [c for c in trials[0] if c not in ("start_time", "stop_time")]:
            nwb.add_trial_column(name=c, description=f"column {c}")
        for row in trials:
            nwb.add_trial(**row)
    for name, rows in (intervals or {}).items():
        table = TimeIntervals(name=name, description=f"table {name}")
        _add_rows(table, rows)
        nwb.add_time_intervals(table)
    for name in empty_intervals:
        table = TimeIntervals(name=name, description="no rows")
        table.add_column(name="stimulus", description="stimulus id",
                         data=np.array([], dtype=np.int64))
        nwb.add_time_intervals(table)
    for start, stop, tags in epochs:
        nwb.add_epoch(float(start), float(stop), tags=list(tags))
    for spec in acquisition:
        timing = ({"timestamps": np.asarray(spec["timestamps"], dtype=float)}
                  if "timestamps" in spec else
                  {"rate": float(spec["rate"]), "starting_time": spec.get("starting_time", 0.0)})
        nwb.add_acquisition(TimeSeries(name=spec["name"], data=np.asarray(spec["data"]),
                                       unit=spec.get("unit", "a.u."), **timing))
        if "column_table" in spec:
            ct = spec["column_table"]
            nwb.add_acquisition(DynamicTable(
                name=ct["name"], description="one row per column",
                columns=[VectorData(name=k, description=k, data=list(v))
                         for k, v in ct["columns"].items()]))
    if ophys is not None:
        _add_ophys(nwb, ophys)
    if compass is not None:
        from pynwb.behavior import CompassDirection, SpatialSeries

        module = nwb.create_processing_module("behavior", "behaviour")
        cd = CompassDirection(name="CompassDirection")
        cd.add_spatial_series(SpatialSeries(
            name=compass.get("name", "ry"), data=np.asarray(compass["data"], dtype=float),
            timestamps=np.asarray(compass["timestamps"], dtype=float),
            reference_frame="0 = north", unit="radians"))
        module.add(cd)
    return _write(nwb, path)


def _add_units(nwb: Any, spec: Mapping[str, Any]) -> None:
    trains = spec["spike_times"]
    n = len(trains)
    ids = spec.get("ids", list(range(n)))
    device = nwb.create_device("probe")
    kwargs: list[dict[str, Any]] = [{} for _ in range(n)]
    if "group_location" in spec:
        groups: dict[str, Any] = {}
        for i, loc in enumerate(spec["group_location"]):
            if loc not in groups:
                groups[loc] = nwb.create_electrode_group(
                    f"group{len(groups)}", description="shank", location=loc, device=device)
            kwargs[i]["electrode_group"] = groups[loc]
    if "electrodes" in spec:
        shank = nwb.create_electrode_group("electrode_shank", description="shank",
                                           location="unknown", device=device)
        for loc in spec["electrode_location"]:
            nwb.add_electrode(group=shank, location=loc)
        for i, rows in enumerate(spec["electrodes"]):
            kwargs[i]["electrodes"] = list(rows)
    if "location" in spec:
        nwb.add_unit_column("location", "brain region of the unit")
        for i, loc in enumerate(spec["location"]):
            kwargs[i]["location"] = loc
    for name, values in spec.get("columns", {}).items():
        nwb.add_unit_column(name, f"column {name}")
        for i, v in enumerate(values):
            kwargs[i][name] = v
    for i in range(n):
        nwb.add_unit(spike_times=list(trains[i]), id=int(ids[i]), **kwargs[i])


def _add_ophys(nwb: Any, spec: Mapping[str, Any]) -> None:
    from pynwb.ophys import (
        DfOverF,
        Fluorescence,
        ImageSegmentation,
        OpticalChannel,
    )

    data = np.asarray(spec["data"], dtype=float)
    device = nwb.create_device("microscope")
    channel = OpticalChannel(name="green", description="GCaMP", emission_lambda=510.0)
    plane = nwb.create_imaging_plane(
        name="plane0", optical_channel=channel, description="layer 2/3", device=device,
        excitation_lambda=920.0, indicator="GCaMP6f", location=spec.get("location", "VISp"),
        imaging_rate=float(spec["rate"]))
    module = nwb.create_processing_module("ophys", "optical physiology")
    segmentation = ImageSegmentation()
    module.add(segmentation)
    planes = segmentation.create_plane_segmentation(
        description="ROIs", imaging_plane=plane, name="PlaneSegmentation")
    for k, roi in enumerate(spec.get("roi_ids", range(data.shape[1]))):
        mask = np.zeros((4, 4))
        mask[k % 4, k // 4 % 4] = 1.0
        planes.add_roi(image_mask=mask, id=int(roi))
    dff = DfOverF(name="DfOverF")
    module.add(dff)
    dff.create_roi_response_series(
        name="dff", data=data, unit="1", rate=float(spec["rate"]),
        rois=planes.create_roi_table_region(region=list(range(data.shape[1])),
                                            description="all"))
    raw = Fluorescence(name="Fluorescence")
    module.add(raw)
    raw.create_roi_response_series(
        name="raw", data=data + spec.get("fluorescence_offset", 100.0), unit="a.u.",
        rate=float(spec["rate"]),
        rois=planes.create_roi_table_region(region=list(range(data.shape[1])),
                                            description="all"))


# --------------------------------------------------------------------------- planted data


@dataclass
class PlantedSession:
    """Spikes planted in trials: unit u fires ``base[u, s] + r`` spikes in the first
    0.5 s of the r-th presentation of stimulus s, and one more spike at 0.7 s."""

    spike_times: list[np.ndarray]
    trials: list[dict[str, Any]]
    stimuli: list[str]          # in order of first presentation
    counts: np.ndarray          # (S, U, R) spikes in [onset, onset + 0.5)
    trial_counts: np.ndarray    # (S, U, R) spikes in [onset, onset + 1)

    def window_rates(self) -> np.ndarray:
        """Expected rates (spikes/s) in window (0, 0.5): (S, U, R)."""
        return self.counts / 0.5

    def trial_rates(self) -> np.ndarray:
        """Expected rates over whole trials [onset, onset + 1): (S, U, R)."""
        return self.trial_counts / 1.0


SEQUENCE = ("C", "A", "D", "B", "A", "C", "B", "D", "D", "A", "B", "C")


def planted_session(n_units: int = 3, silent: Sequence[int] = (),
                    sequence: Sequence[str] = SEQUENCE, column: str = "stimulus"
                    ) -> PlantedSession:
    """Trials at t = 1, 3, 5, ... (1 s long) showing ``sequence``; see PlantedSession."""
    stimuli = list(dict.fromkeys(sequence))
    reps = {s: sequence.count(s) for s in stimuli}
    n_reps = max(reps.values())
    base = (np.arange(len(stimuli))[:, None] * 2 + np.arange(n_units)[None, :] + 1)
    counts = np.zeros((len(stimuli), n_units, n_reps))
    trial_counts = np.zeros_like(counts)
    trains: list[list[float]] = [[] for _ in range(n_units)]
    trials = []
    seen = dict.fromkeys(stimuli, 0)
    for k, stim in enumerate(sequence):
        onset = 1.0 + 2.0 * k
        s, r = stimuli.index(stim), seen[stim]
        seen[stim] += 1
        trials.append({"start_time": onset, "stop_time": onset + 1.0, column: stim})
        for u in range(n_units):
            if u in silent:
                continue
            c = int(base[s, u] + r)
            counts[s, u, r] = c
            trial_counts[s, u, r] = c + 1
            trains[u].extend(onset + 0.01 + 0.48 * (np.arange(c) + 0.5) / c)
            trains[u].append(onset + 0.7)
    return PlantedSession([np.sort(np.array(t, dtype=float)) for t in trains], trials,
                          stimuli, counts, trial_counts)


@dataclass
class PlantedTuning:
    """A variable sweeping [0, pi) in 1000 samples (100 Hz) and units firing in its bins.

    With 8 bins over (0, 2 pi) only bins 0-3 are visited. In the wake epoch [0, 60) s,
    unit 0 spikes at every sample in bin 0 (100 spikes/s), unit 1 at every even sample in
    bins 1 and 2 (50 spikes/s), unit 2 at every 5th sample in bin 3 (20 spikes/s). During
    sleep [60, 100) s every unit spikes at every sample (which wake must not count).
    """

    times: np.ndarray
    angle: np.ndarray
    spike_times: list[np.ndarray]
    expected: np.ndarray   # (4 bins, 3 units), wake
    signal: np.ndarray     # 10 * bin index, per sample


def planted_tuning() -> PlantedTuning:
    k = np.arange(10_000)
    times = k * 0.01
    angle = np.pi * (k % 1000) / 1000
    bin_index = (k % 1000) // 250
    wake = times < 60
    sleep = times >= 60.5
    trains = [
        times[(wake & (bin_index == 0)) | sleep],
        times[(wake & np.isin(bin_index, (1, 2)) & (k % 2 == 0)) | sleep],
        times[(wake & (bin_index == 3) & (k % 5 == 0)) | sleep],
    ]
    expected = np.array([[100.0, 0, 0], [0, 50.0, 0], [0, 50.0, 0], [0, 0, 20.0]])
    return PlantedTuning(times, angle, trains, expected, 10.0 * bin_index)
