"""NWB recordings as representations (pynwb and h5py, imported only when a file is read).

One source, ``nwb``, reads three kinds of responses (``kind=``, detected from the file
when left out):

- ``"units"``: spike trains of the units table -> firing rates (spikes/s);
- ``"ophys"``: a RoiResponseSeries (DfOverF or Fluorescence) -> mean trace per ROI;
- ``"timeseries"``: any TimeSeries (``series=``) -> mean per column (channel, voxel).

and two kinds of stimuli:

- presentations, the rows of a TimeIntervals table (``intervals=``, ``stimulus_column=``,
  ``window=``), averaged per stimulus id or kept along ``repetition``
  (``repetitions=True``);
- bins of a continuous variable (``variable=``, ``bins=``, ``range=``), e.g. head
  direction: spikes per bin divided by the time spent in the bin.

``epoch=`` and ``epoch_fraction=`` restrict either to parts of the recording. The options,
and every decision (unequal repetitions, units without a region, silent units, empty
bins, stimulus ids), are documented in ``docs/sources-nwb.md``.

Examples (``hn.load`` picks this source for ``*.nwb`` files)::

    rep = hn.load("session.nwb", intervals="trials", stimulus_column="image_id",
                  window=(0.05, 0.25))
    tuning = hn.load("A2929-200711.nwb", variable="CompassDirection/ry", bins=30,
                     range=(0, 2 * np.pi), epoch="wake")

>>> from hotneuro.sources.nwb import sources
>>> [(s.name, s.extensions) for s in sources()]
[('nwb', ('.nwb',))]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ...errors import HotneuroError, SourceError
from ..spec import Source
from ._build import Responses, assemble, binned_stimuli
from ._continuous import binning
from ._epochs import epoch_intervals
from ._io import can_open, default_system, open_nwb
from ._options import KINDS, Options, parse_options
from ._presentations import aggregate, presentations
from ._report import NWBWarning
from ._signals import bin_means, choose_series, read_signal, window_means
from ._units import bin_counts, read_units, window_rates

__all__ = ["KINDS", "NWBWarning", "can_open", "load", "sources"]


def sources() -> list[Source]:
    """The NWB sources hotneuro registers."""
    return [Source(
        name="nwb",
        load=load,
        can_open=can_open,
        description="Neurodata Without Borders (NWB 2) files: spiking units, ROI traces or "
                    "any TimeSeries, per stimulus presentation or per bin of a continuous "
                    "variable",
        extensions=(".nwb",),
        metadata={"kinds": list(KINDS), "documentation": "docs/sources-nwb.md",
                  "reader": "pynwb"},
    )]


def load(path: str | os.PathLike[str], **options: Any) -> xr.DataArray:
    """Read an NWB file as a representation (dims ``stimulus`` x ``unit``).

    Parameters
    ----------
    path : str or path-like
        The ``.nwb`` file. It is opened read-only and closed before this returns.
    **options
        ``kind``, ``series``, ``intervals``, ``stimulus_column``, ``window``, ``where``,
        ``repetitions``, ``variable``, ``component``, ``bins``, ``range``,
        ``min_occupancy``, ``epoch``, ``epoch_table``, ``epoch_fraction``,
        ``region_column``, ``regions``, ``default_region``, ``column_table``,
        ``system``; see ``docs/sources-nwb.md``.

    Returns
    -------
    xarray.DataArray
        A validated representation with a ``region`` coordinate and ``attrs["system"]``.

    Raises
    ------
    SourceError
        A file that is not NWB or lacks what the options ask for, or bad options; the
        message says what is wrong and how to fix it.
    """
    opts = parse_options(options)
    target = os.fspath(path)
    with open_nwb(target) as nwb:
        try:
            responses = _read(nwb, opts)
        except HotneuroError:
            raise
        except Exception as exc:  # h5py/hdmf failures deep inside a damaged file
            raise SourceError(
                f"Could not read {target!r}: {type(exc).__name__}: {exc}. The file may be "
                "damaged, or structured in a way this source does not understand; check it "
                "with pynwb (NWBHDF5IO(path).read()) or nwbinspector."
            ) from exc
        meta = nwb.metadata()
    system = opts.system or default_system(meta)
    return assemble(responses, opts, meta, system)


@dataclass
class _Plan:
    kind: str
    epochs: np.ndarray | None


def _detect_kind(nwb: Any, opts: Options) -> str:
    if opts.kind is not None:
        return opts.kind
    from pynwb.ophys import RoiResponseSeries

    if opts.series is not None:
        _, series = choose_series(nwb, opts, "timeseries")
        return "ophys" if isinstance(series, RoiResponseSeries) else "timeseries"
    if nwb.file.units is not None:
        return "units"
    if nwb.objects(RoiResponseSeries):
        return "ophys"
    return "timeseries"


def _read(nwb: Any, opts: Options) -> Responses:
    plan = _Plan(kind=_detect_kind(nwb, opts), epochs=epoch_intervals(nwb, opts))
    responses = _READERS[plan.kind](nwb, opts, plan)
    responses.attrs["kind"] = plan.kind
    if opts.epoch is not None:
        responses.attrs["epoch"] = [e if isinstance(e, str) else list(e) for e in opts.epoch]
    if opts.epoch_fraction is not None:
        responses.attrs["epoch_fraction"] = np.asarray(opts.epoch_fraction, dtype=np.float64)
    return responses


def _window_attrs(opts: Options) -> dict[str, Any]:
    if opts.window is None:
        return {"window": "start_time to stop_time of each presentation"}
    return {"window": np.asarray(opts.window, dtype=np.float64)}


def _read_units(nwb: Any, opts: Options, plan: _Plan) -> Responses:
    units = read_units(nwb, opts)
    attrs: dict[str, Any] = {"response": "firing rate (spikes/s)", **units.attrs}
    if opts.binned:
        bins = binning(nwb, opts, plan.epochs)
        stimuli = binned_stimuli(bins, bin_counts(units, bins), bins.occupancy, opts)
    else:
        pres = presentations(nwb, opts, plan.epochs)
        stimuli = aggregate(pres, window_rates(units, pres), opts.repetitions)
        attrs.update(_window_attrs(opts))
    return Responses(stimuli, units.ids, units.regions, units.coords, attrs)


def _read_signal(nwb: Any, opts: Options, plan: _Plan) -> Responses:
    path, series = choose_series(nwb, opts, plan.kind)
    signal = read_signal(nwb, opts, path, series)
    unit = getattr(series, "unit", None) or "a.u."
    attrs: dict[str, Any] = {"response": f"mean of {path} ({unit})", **signal.attrs}
    if opts.binned:
        bins = binning(nwb, opts, plan.epochs)
        sums, counts = bin_means(signal, bins)
        stimuli = binned_stimuli(bins, sums, counts, opts, {"n_samples": counts})
    else:
        pres = presentations(nwb, opts, plan.epochs)
        stimuli = aggregate(pres, window_means(signal, pres), opts.repetitions)
        attrs.update(_window_attrs(opts))
    return Responses(stimuli, signal.ids, signal.regions, signal.coords, attrs)


_READERS = {"units": _read_units, "ophys": _read_signal, "timeseries": _read_signal}
