#!/usr/bin/env python3
"""Build a SIMULATED spiking session: V1, V4 and IT units driven by EfficientNet-Lite2.

Nothing in the output was recorded from an animal. The file is a test bed with a known
answer for model-vs-brain comparisons: an NWB session in the layout of a real
image-presentation experiment (units table, electrode groups with locations, a
presentation table) whose spikes are drawn from Poisson processes with rates computed
from a pretrained network's responses to the image set.

Input: ``../model-activations/lite2-images.nc``, the responses of EfficientNet-Lite2's 21
MBConv blocks (global average over space) to the 300 images of
``hotneuro_torch.stimuli.images(n=300, size=128, seed=0)``; its sha256 is checked.

Generative model (all draws from ``numpy.random.default_rng(SEED)``, in a fixed order):

1. Each region reads the channels of a fixed set of Lite2 blocks (:data:`REGIONS`):
   V1 the stage-2 blocks (1-3, stride 4), V4 the stage-4 blocks (7-10, stride 16),
   IT the stage-6 and stage-7 blocks (15-20, stride 32). Channels are z-scored over
   the 300 images.
2. Unit u of a region draws 3 of those channels and weights w ~ N(0, 1) and an offset
   b ~ U(-0.5, 0.5); its drive is ``d(s) = max(0, z(s)[channels] @ w / sqrt(3) + b)``
   over images s (a rectified random mixture).
3. Rates: a baseline ``r0 ~ U(2, 5)`` Hz and a peak ``r1 ~ U(20, 40)`` Hz;
   the evoked rate is ``r0 + (r1 - r0) * d(s) / max(d)`` (so 2-40 Hz); outside the
   evoked period the unit fires at ``r0``.
4. Presentations: 5 repeats of the 300 images, each repeat in its own random order,
   0.25 s on / 0.25 s off, the first onset at 1 s (1500 presentations, 751 s).
5. The evoked rate holds for 0.25 s from onset + latency (V1 40 ms, V4 60 ms,
   IT 80 ms); spikes are a piecewise-constant-rate Poisson process, rounded to the
   units table's resolution (1/30000 s).

The NWB file is deterministic (fixed identifier and dates, NWB object ids from a
seeded generator): with the same pynwb, hdmf, h5py and numpy versions two builds are
byte-identical.

Usage::

    python build.py                       # writes simulated-ventral-stream.nwb here
    python build.py --output other.nwb
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_INPUT = HERE.parent / "model-activations" / "lite2-images.nc"
DEFAULT_OUTPUT = HERE / "simulated-ventral-stream.nwb"
#: sha256 of the Lite2 activations this file is built from (see ../checksums.sha256).
INPUT_SHA256 = "9c492c37801c8d8fdc39bce10942ee8ab04bd62dc3bb71ce305e6e8dd09df7df"

SEED = 20261204
OBJECT_ID_SEED = 1204
IDENTIFIER = "hotneuro-simulated-ventral-stream-v1"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)  # placeholder: nothing was recorded

#: region -> (Lite2 blocks that drive it, response latency in s, number of units)
REGIONS: dict[str, tuple[tuple[int, ...], float, int]] = {
    "V1": ((1, 2, 3), 0.040, 24),
    "V4": ((7, 8, 9, 10), 0.060, 24),
    "IT": ((15, 16, 17, 18, 19, 20), 0.080, 24),
}
CHANNELS_PER_UNIT = 3
BASELINE_HZ = (2.0, 5.0)
PEAK_HZ = (20.0, 40.0)
REPEATS = 5
ON_S, OFF_S, FIRST_ONSET_S = 0.25, 0.25, 1.0
RESOLUTION = 1.0 / 30000.0
SIMULATED = (
    "SIMULATED DATA, not a recording: spike trains drawn from Poisson processes whose "
    "rates are rectified random mixtures of EfficientNet-Lite2 channels (V1: blocks 1-3, "
    "V4: blocks 7-10, IT: blocks 15-20). No animal was involved."
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def deterministic_object_ids(seed: int) -> None:
    """Make hdmf draw NWB object ids from a seeded generator (reproducible files)."""
    import hdmf.container

    rng = random.Random(seed)
    hdmf.container.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)


def load_lite2(path: Path, verify: bool = True):
    """(stimulus ids, {block index: (images x channels) float64}, attrs) of the Lite2 file."""
    if verify:
        got = sha256(path)
        if got != INPUT_SHA256:
            sys.exit(f"{path}: sha256 {got} != expected {INPUT_SHA256}; rebuild "
                     "../model-activations first or pass --no-verify.")
    import hotneuro as hn

    rep = hn.load(path)
    layers = np.asarray(rep["layer"].values).astype(str)
    blocks = {int(name.rsplit(".", 1)[-1]): rep.values[:, layers == name].astype(np.float64)
              for name in dict.fromkeys(layers)}
    return [str(s) for s in rep["stimulus"].values], blocks, dict(rep.attrs)


def simulate_rates(blocks: dict[int, np.ndarray], rng: np.random.Generator) -> list[dict]:
    """One dict per unit: region, evoked rates over images, baseline, latency, provenance."""
    units = []
    for region, (block_ids, latency, n_units) in REGIONS.items():
        z = np.concatenate([blocks[b] for b in block_ids], axis=1)
        names = [f"_blocks.{b}/{c}" for b in block_ids for c in range(blocks[b].shape[1])]
        sd = z.std(axis=0)
        keep = sd > 1e-8 * np.abs(z).max()
        z = (z[:, keep] - z[:, keep].mean(axis=0)) / sd[keep]
        names = [n for n, k in zip(names, keep, strict=True) if k]
        for _ in range(n_units):
            for _attempt in range(100):  # redraw the rare mixture that never fires
                ch = rng.choice(z.shape[1], size=CHANNELS_PER_UNIT, replace=False)
                w = rng.standard_normal(CHANNELS_PER_UNIT)
                b = rng.uniform(-0.5, 0.5)
                drive = np.maximum(z[:, ch] @ w / np.sqrt(CHANNELS_PER_UNIT) + b, 0.0)
                if drive.max() > 0 and (drive > 0).sum() >= 10:
                    break
            r0 = rng.uniform(*BASELINE_HZ)
            r1 = rng.uniform(*PEAK_HZ)
            units.append({
                "region": region, "latency": latency, "baseline": r0, "peak": r1,
                "rates": r0 + (r1 - r0) * drive / drive.max(),
                "channels": [names[i] for i in ch], "weights": w.tolist(), "offset": b,
                "blocks": block_ids,
            })
    return units


def presentation_schedule(n_images: int, rng: np.random.Generator):
    """(onsets, image index, repeat) of every presentation, in time order."""
    order = np.concatenate([rng.permutation(n_images) for _ in range(REPEATS)])
    repeat = np.repeat(np.arange(REPEATS), n_images)
    onsets = FIRST_ONSET_S + np.arange(order.size) * (ON_S + OFF_S)
    return onsets, order, repeat


def spike_train(unit: dict, onsets: np.ndarray, order: np.ndarray, end: float,
                rng: np.random.Generator) -> np.ndarray:
    """Piecewise-constant Poisson process: baseline, evoked for ON_S after each latency."""
    starts = onsets + unit["latency"]
    stops = starts + ON_S
    # segments: [0, s0), [s0, e0), [e0, s1), ... [e_last, end)
    edges = np.empty(2 * starts.size + 2)
    edges[0], edges[-1] = 0.0, end
    edges[1:-1:2], edges[2:-1:2] = starts, stops
    rates = np.full(edges.size - 1, unit["baseline"])
    rates[1::2] = unit["rates"][order]
    lengths = np.diff(edges)
    counts = rng.poisson(rates * lengths)
    seg = np.repeat(np.arange(lengths.size), counts)
    times = edges[seg] + rng.uniform(0.0, 1.0, size=seg.size) * lengths[seg]
    times = np.round(np.sort(times) / RESOLUTION) * RESOLUTION
    return times[times < end]


def build(src: Path, out: Path, verify: bool = True) -> Path:
    deterministic_object_ids(OBJECT_ID_SEED)
    import hdmf
    import pynwb
    from hdmf.backends.hdf5.h5_utils import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.epoch import TimeIntervals
    from pynwb.file import Subject
    from pynwb.misc import Units

    ids, blocks, lite2_attrs = load_lite2(src, verify)
    rng = np.random.default_rng(SEED)
    units = simulate_rates(blocks, rng)
    onsets, order, repeat = presentation_schedule(len(ids), rng)
    end = float(onsets[-1] + ON_S + OFF_S)

    nwb = NWBFile(
        session_description=SIMULATED + f" {sum(r[2] for r in REGIONS.values())} units "
        f"in V1, V4 and IT; {len(ids)} images x {REPEATS} repeats, {ON_S} s on / {OFF_S} s "
        "off.",
        identifier=IDENTIFIER,
        session_start_time=FIXED_DATE,
        timestamps_reference_time=FIXED_DATE,
        file_create_date=FIXED_DATE,
        session_id="simulated-ventral-stream",
        experiment_description=(
            "Simulated passive fixation experiment: 300 images (100 LFW faces, 100 LFW "
            "non-faces, 100 crops of photographs bundled with scikit-image and "
            "scikit-learn; hotneuro_torch.stimuli.images(n=300, size=128, seed=0)) shown "
            f"{REPEATS} times each in shuffled order. Units in V1, V4 and IT are driven by "
            "early, middle and late blocks of EfficientNet-Lite2 (ImageNet-1k), so that a "
            "model-vs-brain comparison has a known answer."
        ),
        keywords=["simulated", "synthetic", "not a recording", "ventral stream", "V1",
                  "V4", "IT", "EfficientNet-Lite2", "Poisson spike trains", "hotneuro"],
        notes=(
            SIMULATED + " Generative model: each unit reads 3 z-scored channels of its "
            "region's Lite2 blocks with weights w ~ N(0, 1) and an offset b ~ U(-0.5, 0.5); "
            "evoked rate = r0 + (r1 - r0) * relu(z @ w / sqrt(3) + b) / max, r0 ~ U(2, 5) Hz, "
            "r1 ~ U(20, 40) Hz, for 0.25 s from onset + latency (V1 40 ms, V4 60 ms, IT "
            "80 ms), r0 elsewhere. The units table's columns lite2_channels, "
            "lite2_weights, lite2_offset, baseline_rate, peak_rate and latency give each "
            f"unit's parameters. numpy seed {SEED}. Built by "
            "datasets/simulated-ventral-stream/build.py of hotneuro."
        ),
        stimulus_notes=(
            "Image ids in /intervals/stimulus_presentations/image_id name the image: "
            "lfw-face-NNN and lfw-nonface-NNN are items of skimage.data.lfw_subset(); "
            "crop-<photo>-KK are crops of bundled photographs. Rebuild the pixels with "
            "hotneuro_torch.stimuli.images(n=300, size=128, seed=0)."
        ),
        data_collection="None: simulated (see notes).",
        source_script="datasets/simulated-ventral-stream/build.py (hotneuro repository)",
        source_script_file_name="build.py",
    )
    nwb.subject = Subject(
        subject_id="simulated-01",
        species="Macaca mulatta",
        sex="U",
        age="P6Y",
        description=("A simulated subject: no animal exists. Species and age are "
                     "nominal, for the ventral-stream regions the simulation imitates."),
    )

    device = nwb.create_device(
        name="simulation", description="No device: spikes are simulated (see notes).",
        manufacturer="none (simulated)")
    groups = {
        region: nwb.create_electrode_group(
            name=f"{region}_array",
            description=f"Simulated array in {region} (no electrodes exist). Units are "
                        f"driven by EfficientNet-Lite2 blocks {list(block_ids)}.",
            location=region, device=device)
        for region, (block_ids, _lat, _n) in REGIONS.items()
    }

    nwb.units = Units(name="units", description=(
        "Simulated units (Poisson spike trains), 24 per region. Region = location of the "
        "electrode group. " + SIMULATED), resolution=RESOLUTION)
    for name, description in (
        ("lite2_blocks", "EfficientNet-Lite2 blocks whose channels drive the region"),
        ("lite2_channels", "the 3 channels of the unit's mixture, '<block>/<channel>'"),
        ("lite2_weights", "the mixture weights (JSON list), one per channel"),
        ("lite2_offset", "offset b of the rectified mixture (z-score units)"),
        ("baseline_rate", "rate outside the evoked period and at zero drive, Hz"),
        ("peak_rate", "evoked rate at the unit's largest drive, Hz"),
        ("latency", "onset of the evoked period after image onset, s"),
    ):
        nwb.units.add_column(name=name, description=description)
    trains = []
    for unit in units:
        spikes = spike_train(unit, onsets, order, end, rng)
        trains.append(spikes)
        nwb.units.add_unit(
            spike_times=spikes, electrode_group=groups[unit["region"]],
            obs_intervals=[[0.0, end]],
            lite2_blocks=",".join(f"_blocks.{b}" for b in unit["blocks"]),
            lite2_channels=",".join(unit["channels"]),
            lite2_weights=json.dumps([round(w, 6) for w in unit["weights"]]),
            lite2_offset=float(unit["offset"]), baseline_rate=float(unit["baseline"]),
            peak_rate=float(unit["peak"]), latency=float(unit["latency"]),
        )
    nwb.units.spike_times.set_data_io(
        H5DataIO, {"compression": "gzip", "compression_opts": 4, "shuffle": True})

    pres = TimeIntervals(
        name="stimulus_presentations",
        description=("One row per image presentation (simulated): 0.25 s on, 0.25 s off; "
                     f"{REPEATS} repeats, each a new random order of the 300 images."))
    pres.add_column(name="image_id", description="id of the image shown (see stimulus_notes)")
    pres.add_column(name="image_category", description="face, non-face or photo")
    pres.add_column(name="repeat", description="repeat number, 0..4")
    categories = [("face" if i.startswith("lfw-face") else
                   "non-face" if i.startswith("lfw-nonface") else "photo") for i in ids]
    for onset, k, r in zip(onsets, order, repeat, strict=True):
        pres.add_interval(start_time=float(onset), stop_time=float(onset + ON_S),
                          image_id=ids[k], image_category=categories[k], repeat=int(r))
    nwb.add_time_intervals(pres)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".partial.nwb")
    with NWBHDF5IO(str(tmp), "w") as io:
        io.write(nwb)
    tmp.replace(out)
    n_spikes = sum(t.size for t in trains)
    print(f"wrote {out} ({out.stat().st_size} bytes): {len(units)} units, {n_spikes} "
          f"spikes, {len(onsets)} presentations, {end:.1f} s; pynwb {pynwb.__version__}, "
          f"hdmf {hdmf.__version__}, numpy {np.__version__}; Lite2 input "
          f"{lite2_attrs.get('system', '?')}; sha256 {sha256(out)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT,
                        help="Lite2 activations (netCDF), default %(default)s")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-verify", action="store_true",
                        help="do not check the input's sha256")
    args = parser.parse_args(argv)
    build(args.input, args.output, verify=not args.no_verify)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
