"""Small datasets bundled with hotneuro, ready to compare.

>>> import hotneuro as hn
>>> [d["name"] for d in hn.datasets.list()]  # doctest: +NORMALIZE_WHITESPACE
['A2929-200711', 'haxby2001-slice', 'efficientnet-lite0-images',
 'efficientnet-lite1-images', 'efficientnet-lite2-images', 'minilm-l6-sentences',
 'minilm-l3-sentences', 'simulated-ventral-stream']

Real recordings (NWB), real pretrained networks' layer activations to real stimulus sets
(netCDF, float32) and one clearly labelled simulated session (NWB) with a known answer.
The files live in the repository's ``datasets/`` folder (with their provenance, licences
and the scripts that built them) and are installed inside the package, so installed
copies find them too. Each dataset has named *views*: the options that turn the file
into the representation a study needs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import xarray as xr

from .errors import ParameterError, SourceError

__all__ = ["Dataset", "list", "load", "path"]


@dataclass(frozen=True)
class Dataset:
    """A bundled recording: where it is, what it is, and how to read it."""

    name: str
    file: str
    description: str
    licence: str
    citation: str
    sha256: str
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_view: str = ""


#: Wake-epoch head-direction tuning: 30 bins of CompassDirection/ry over the full circle.
_HEAD_DIRECTION: dict[str, Any] = {
    "variable": "CompassDirection/ry", "bins": 30, "range": (0.0, 2 * math.pi),
    "epoch": "wake",
}
#: Mean BOLD of each voxel over each category's blocks (the block's own start and stop).
_CATEGORIES: dict[str, Any] = {"intervals": "presentations", "stimulus_column": "category"}
#: A saved representation (netCDF): read as it is, no options.
_AS_SAVED: dict[str, dict[str, Any]] = {"activations": {}}
#: Rate of each simulated unit 50-250 ms after each image onset, mean over presentations.
_IMAGES: dict[str, Any] = {"intervals": "stimulus_presentations", "stimulus_column": "image_id",
                           "window": (0.05, 0.25)}
_IMAGE_SET = ("300 images (100 LFW faces and 100 non-faces from scikit-image's lfw_subset, "
              "100 crops of photographs bundled with scikit-image and scikit-learn; "
              "hotneuro_torch.stimuli.images(n=300, size=128, seed=0))")
_SENTENCE_SET = ("300 English sentences of Python's reference documentation "
                 "(pydoc_data.topics; hotneuro_torch.stimuli.sentences(n=300, seed=0))")
_LITE_CITATION = ("Tan, M. & Le, Q. V. (2019). EfficientNet: Rethinking model scaling for "
                  "convolutional neural networks. ICML, arXiv:1905.11946; EfficientNet-Lite "
                  "(TensorFlow TPU repository, 2020); weights via efficientnet-lite-pytorch.")
_MINILM_CITATION = ("Wang, W. et al. (2020). MiniLM: Deep self-attention distillation. "
                    "NeurIPS, arXiv:2002.10957; Reimers, N. & Gurevych, I. (2019). "
                    "Sentence-BERT. EMNLP, arXiv:1908.10084.")


def _lite(k: int, blocks: int, units: int, sha256: str) -> Dataset:
    return Dataset(
        name=f"efficientnet-lite{k}-images",
        file=f"model-activations/lite{k}-images.nc",
        description=f"EfficientNet-Lite{k} (ImageNet-1k, pretrained) responses to "
                    f"{_IMAGE_SET}: {blocks} MBConv blocks, channels averaged over space "
                    f"({units} units), 128 x 128 px input.",
        licence="Apache-2.0 (EfficientNet-Lite weights); stimuli: see "
                "datasets/model-activations/README.md",
        citation=_LITE_CITATION,
        sha256=sha256,
        views=_AS_SAVED,
        default_view="activations",
    )


def _minilm(k: int, name: str, sha256: str) -> Dataset:
    return Dataset(
        name=f"minilm-l{k}-sentences",
        file=f"model-activations/minilm-l{k}-sentences.nc",
        description=f"sentence-transformers {name} (BERT, {k} layers, width 384) responses "
                    f"to {_SENTENCE_SET}: embeddings and {k} layers (hidden states), mean "
                    f"over tokens ({(k + 1) * 384} units).",
        licence="Apache-2.0 (MiniLM weights); sentences: PSF (Python documentation)",
        citation=_MINILM_CITATION,
        sha256=sha256,
        views=_AS_SAVED,
        default_view="activations",
    )

_CATALOG: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="A2929-200711",
            file="A2929-200711/A2929-200711.nwb",
            description="Mouse head-direction session (Peyrache lab, via pynapple): 15 "
                        "spike-sorted units, 7 in ADn and 8 in CA1; stimuli are 30 bins of "
                        "head direction in the wake epoch.",
            licence="MIT (pynapple)",
            citation="Peyrache lab recording distributed with pynapple 0.11.4 "
                     "(Viejo et al. 2023, eLife 12:RP85786).",
            sha256="a329216d2108dac0fff3fd3326c99f52f1bec6c354c2cdb330978e558caeb1f2",
            views={
                "head-direction": _HEAD_DIRECTION,
                "wake-first-half": {**_HEAD_DIRECTION, "epoch_fraction": (0.0, 0.5)},
                "wake-second-half": {**_HEAD_DIRECTION, "epoch_fraction": (0.5, 1.0)},
            },
            default_view="head-direction",
        ),
        Dataset(
            name="haxby2001-slice",
            file="haxby2001-slice/haxby2001-sub001-slice.nwb",
            description="Human fMRI, Haxby et al. (2001) subject 1: 530 voxels of one "
                        "ventral-temporal slice in 3 posterior-to-anterior groups; stimuli "
                        "are 8 object categories shown in 12 runs.",
            licence="CC BY-SA 3.0 (data of Haxby et al. 2001, via PyMVPA)",
            citation="Haxby, J. V. et al. (2001). Science 293:2425-2430, "
                     "doi:10.1126/science.1063736.",
            sha256="04991a0a4f1b37ad5d2356630efa711288932c6f1b51f8483551550935d59fb0",
            views={
                "categories": _CATEGORIES,
                "odd-runs": {**_CATEGORIES, "where": {"run": (1, 3, 5, 7, 9, 11)}},
                "even-runs": {**_CATEGORIES, "where": {"run": (2, 4, 6, 8, 10, 12)}},
            },
            default_view="categories",
        ),
        _lite(0, 16, 1808,
              "d83e4b83e7243b948fd0c9aecedb30add44f9c85d46fca6d81499286d4a40290"),
        _lite(1, 21, 2256,
              "a82985c8634ac654ca66f3bf8fdda5786169406157ea7ca3eefc65a204e7f51f"),
        _lite(2, 21, 2456,
              "9c492c37801c8d8fdc39bce10942ee8ab04bd62dc3bb71ce305e6e8dd09df7df"),
        _minilm(6, "all-MiniLM-L6-v2",
                "99de161ab39242d0cf490a8e7ba3f19b8e60477f330abf986eb11ac66c505ee9"),
        _minilm(3, "paraphrase-MiniLM-L3-v2",
                "527da51a414483405b8d53499ddaffc419afd721bb7ab8b6a6e01e6b75362e6c"),
        Dataset(
            name="simulated-ventral-stream",
            file="simulated-ventral-stream/simulated-ventral-stream.nwb",
            description="SIMULATED spiking session (not a recording): 72 units, 24 each in "
                        "V1, V4 and IT, Poisson spike trains to 5 shuffled repeats of "
                        f"{_IMAGE_SET}; rates are rectified mixtures of early, middle and "
                        "late EfficientNet-Lite2 blocks, so the regions have a known depth.",
            licence="MIT (simulated by hotneuro)",
            citation="Simulated data built by datasets/simulated-ventral-stream/build.py "
                     "of hotneuro; driven by EfficientNet-Lite2 (Tan & Le 2019).",
            sha256="b4b92853c9495d67bc41dea643f868d34fac6ba1674d4578bc3559d6b9baac16",
            views={
                "images": _IMAGES,
                "repetitions": {**_IMAGES, "repetitions": True},
                "even-repeats": {**_IMAGES, "where": {"repeat": (0, 2, 4)}},
                "odd-repeats": {**_IMAGES, "where": {"repeat": (1, 3)}},
            },
            default_view="images",
        ),
    )
}


def _get(name: str) -> Dataset:
    if name not in _CATALOG:
        raise ParameterError(
            f"Unknown dataset {name!r}; bundled: {', '.join(_CATALOG)}."
        )
    return _CATALOG[name]


def list() -> list[dict[str, Any]]:  # noqa: A001 - the documented public name
    """The bundled datasets.

    Returns
    -------
    list of dict
        ``{"name", "description", "licence", "citation", "views", "path"}`` per dataset.
    """
    return [{"name": d.name, "description": d.description, "licence": d.licence,
             "citation": d.citation, "views": [*d.views], "path": str(path(d.name))}
            for d in _CATALOG.values()]


def path(name: str, *, verify: bool = False) -> Path:
    """Where a bundled dataset's file is.

    Parameters
    ----------
    name : str
    verify : bool
        Check the file's sha256 against the catalog.

    Raises
    ------
    SourceError
        The file is missing (an incomplete installation) or its checksum differs.
    """
    entry = _get(name)
    location = Path(str(files("hotneuro").joinpath("data", entry.file)))
    if not location.is_file():
        raise SourceError(
            f"The file of dataset {name!r} is missing at {location}; reinstall hotneuro "
            "(pip install --force-reinstall hotneuro)."
        )
    if verify:
        digest = hashlib.sha256(location.read_bytes()).hexdigest()
        if digest != entry.sha256:
            raise SourceError(
                f"Dataset {name!r} at {location} has sha256 {digest}, expected "
                f"{entry.sha256}; the file is damaged, reinstall hotneuro."
            )
    return location


def load(name: str, view: str | None = None, **options: Any) -> xr.DataArray:
    """Load a bundled dataset as a representation.

    Parameters
    ----------
    name : str
        A name from :func:`list`.
    view : str, optional
        A named set of loading options (see ``list()[i]["views"]``); default the
        dataset's main view.
    **options
        Override or add the source's options (NWB datasets; see :func:`hotneuro.load`).
        The netCDF activation datasets take none.

    Returns
    -------
    xarray.DataArray
        A representation with ``attrs["dataset"]`` and ``attrs["view"]``.
    """
    from .loading import load as load_file

    entry = _get(name)
    view = view or entry.default_view
    if view not in entry.views:
        raise ParameterError(
            f"Dataset {name!r} has no view {view!r}; views: {', '.join(entry.views)}."
        )
    rep = load_file(path(name), **{**entry.views[view], **options})
    rep.attrs["dataset"] = name
    rep.attrs["view"] = view
    return rep
