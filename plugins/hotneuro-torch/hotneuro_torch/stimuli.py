"""Real stimulus sets that ship with installed packages: images and English sentences.

Nothing is downloaded: the images come from the sample data inside the scikit-image and
scikit-learn wheels, the sentences from the Python standard library. Every set is
deterministic for a given ``seed`` and package version.

Images (:func:`images`)
-----------------------
- **Faces and non-faces**: ``skimage.data.lfw_subset()``, 200 grey 25 x 25 crops from
  Labeled Faces in the Wild (Huang et al. 2007): 100 faces and 100 non-face background
  patches of the same photographs. Upscaled (bilinear, antialiased) and repeated to RGB.
  Ids ``lfw-face-000`` .. ``lfw-face-099`` and ``lfw-nonface-000`` .. ``lfw-nonface-099``
  (the number is the item's index in its half of ``lfw_subset()``).
- **Photograph crops**: seeded square crops (side 35-85% of the photograph's shorter
  side, random position) of 20 natural photographs bundled with scikit-image and
  scikit-learn, resized to ``size``; grey photographs are repeated to RGB. Ids
  ``crop-<photo>-<k>`` (``crop-coffee-03`` is the 4th crop of ``coffee``); crop k of a
  photograph depends only on ``seed``, not on ``n``.

=====================  =========================================  =======================
photograph             what                                       licence (per its source)
=====================  =========================================  =======================
astronaut              Eileen Collins, NASA portrait              public domain (NASA)
coffee                 cup of espresso (Rachel Michetti)          CC0
chelsea                Chelsea the cat (Stefan van der Walt)      CC0
rocket                 Falcon 9 launch with DSCOVR (SpaceX)       public domain (SpaceX)
motorcycle             Middlebury 2014 stereo pair, left view     none stated; cite
                                                                  Scharstein et al. 2014
hubble                 Hubble eXtreme Deep Field (NASA)           public domain (NASA)
ihc                    immunohistochemistry slide                 no known restrictions
retina                 fundus photograph (Wikimedia Commons)      CC0
china                  Chinese temple (sklearn, danielbuechele)   CC BY 2.0
flower                 flower (sklearn, vultilion)                CC BY 2.0
camera                 cameraman (Lav Varshney)                   CC0
coins                  Greek coins from Pompeii (Brooklyn Museum) no known restrictions
moon                   surface of the moon                        none stated
brick                  brick wall texture (CC0Textures)           CC0
grass                  grass texture (DeviantArt, linolafett)     CC0
gravel                 gravel texture (CC0Textures)               CC0
clock                  wall clock with motion blur (S. van der    public domain
                       Walt)
cell                   quantitative phase image of a cell         CC0
text                   text on a corner (Wikipedia)               public domain
page                   scanned printed page                       none stated
=====================  =========================================  =======================

The licences are those stated in ``skimage/data/_fetchers.py`` (scikit-image 0.26) and
``sklearn/datasets/images/README.txt``; scikit-image itself is BSD-3-Clause and
scikit-learn BSD-3-Clause. The china and flower photographs are CC BY 2.0: credit the
Flickr users "danielbuechele" (china) and "vultilion" (flower; scikit-learn's README links
vultilion's photo but repeats danielbuechele's attribution line) when showing them. The
LFW images are news photographs collected from the web by the LFW authors (University of
Massachusetts, Amherst), who publish them for research without a separate licence; cite
Huang, G. B., Ramesh, M., Berg, T. & Learned-Miller, E. (2007), *Labeled Faces in the
Wild*, UMass Amherst Technical Report 07-49.

Sentences (:func:`sentences`)
-----------------------------
``pydoc_data.topics`` (standard library) holds the text of Python's reference
documentation behind ``help()`` (79 topics, about 465,000 characters; Python Software
Foundation, PSF License Version 2 / Zero-Clause BSD for the documentation). Prose
paragraphs are split into sentences; a sentence is kept when it has 30-160 characters,
starts with a capital letter followed by a lower-case one, ends with a period, has
balanced quotes and parentheses and holds no code-like characters
(``* _ = < > { } [ ] | \\ ~ ^ @ # $ ` % ;``), no "...", "::", "e.g", "i.e", "etc."
and no decimal numbers. Duplicates are dropped (first occurrence kept). With Python
3.11 this leaves 925 sentences; :func:`sentences` draws ``n`` of them with ``seed``, in
document order. Ids ``pydoc-<topic>-<k>``: the k-th kept sentence of that topic. The
topic texts change between Python versions, so the selection is reproducible for a
given ``major.minor`` version (recorded by the dataset build scripts).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from hotneuro.errors import ParameterError

from .pretrained import MissingDependencyError

__all__ = ["PHOTOGRAPHS", "all_sentences", "images", "sentences"]

_SKIMAGE_PIP = "pip install scikit-image"
_SKLEARN_PIP = "pip install scikit-learn"


def _skimage_data() -> Any:
    try:
        import skimage.data
        import skimage.transform  # noqa: F401 - checked here, used by _resize
    except ImportError as exc:
        raise MissingDependencyError(
            f"The image set needs scikit-image ({exc}). Install it with: {_SKIMAGE_PIP}"
        ) from exc
    return skimage.data


def _sklearn_photo(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        try:
            from sklearn.datasets import load_sample_image
        except ImportError as exc:
            raise MissingDependencyError(
                f"The photograph {name!r} comes with scikit-learn ({exc}). Install it "
                f"with: {_SKLEARN_PIP}"
            ) from exc
        return load_sample_image(f"{name}.jpg")

    return load


def _skimage_photo(attr: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        image = getattr(_skimage_data(), attr)()
        return image[0] if isinstance(image, tuple) else image  # motorcycle: left view

    return load


#: The photographs that crops are cut from, in the order crops are dealt out:
#: id -> loader. Colour photographs first, then grey ones.
PHOTOGRAPHS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": _skimage_photo("astronaut"),
    "coffee": _skimage_photo("coffee"),
    "chelsea": _skimage_photo("chelsea"),
    "rocket": _skimage_photo("rocket"),
    "motorcycle": _skimage_photo("stereo_motorcycle"),
    "hubble": _skimage_photo("hubble_deep_field"),
    "ihc": _skimage_photo("immunohistochemistry"),
    "retina": _skimage_photo("retina"),
    "china": _sklearn_photo("china"),
    "flower": _sklearn_photo("flower"),
    "camera": _skimage_photo("camera"),
    "coins": _skimage_photo("coins"),
    "moon": _skimage_photo("moon"),
    "brick": _skimage_photo("brick"),
    "grass": _skimage_photo("grass"),
    "gravel": _skimage_photo("gravel"),
    "clock": _skimage_photo("clock"),
    "cell": _skimage_photo("cell"),
    "text": _skimage_photo("text"),
    "page": _skimage_photo("page"),
}

_N_LFW = 200
#: Crop side as a fraction of the photograph's shorter side.
_CROP_FRACTION = (0.35, 0.85)


def _to_uint8_rgb(image: np.ndarray, size: int) -> np.ndarray:
    """Resize (bilinear, antialiased) to ``size x size`` and return uint8 RGB."""
    from skimage.transform import resize

    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.float64)
    elif image.dtype.kind in "ui":
        image = image.astype(np.float64) / 255.0
    if image.ndim == 3 and image.shape[-1] == 4:
        image = image[..., :3]
    out = resize(image, (size, size), order=1, anti_aliasing=True, preserve_range=True,
                 mode="reflect")
    if out.ndim == 2:
        out = np.repeat(out[..., None], 3, axis=-1)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def _check_n(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3:
        raise ParameterError(f"n must be an int >= 3 ({what}), got {n!r}.")
    return int(n)


def images(n: int = 300, size: int = 96, seed: int = 0
           ) -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    """A real image set: LFW faces and non-faces plus crops of bundled photographs.

    Parameters
    ----------
    n : int
        Number of images. Two thirds (at most 200) are LFW items, half faces and half
        non-faces (all 200 for ``n >= 300``; for fewer, a seeded draw from each half),
        the rest photograph crops dealt round-robin over the 20 photographs of
        :data:`PHOTOGRAPHS` (5 crops each for ``n = 300``).
    size : int
        Height and width in pixels (>= 16).
    seed : int
        Seeds the crop positions and sizes and, for ``n < 300``, which LFW items are used.

    Returns
    -------
    images : numpy.ndarray
        uint8, shape ``(n, size, size, 3)``, RGB 0..255.
    ids : list of str
        Unique ids saying what each image is: ``lfw-face-012``, ``lfw-nonface-087``,
        ``crop-coffee-03``.
    metadata : dict of numpy.ndarray
        One entry per image in each column: ``category`` (``face``, ``non-face``,
        ``photo``), ``source`` (``skimage.data.lfw_subset``, ``skimage.data.coffee``,
        ``sklearn.datasets.china``...), ``photo`` (photograph id, ``""`` for LFW),
        ``index`` (index in ``lfw_subset()``, -1 for crops) and ``crop`` (row0, col0,
        side in the photograph's pixels; -1 for LFW).

    Raises
    ------
    MissingDependencyError
        scikit-image (or, for two photographs, scikit-learn) is not installed.
    ParameterError
        ``n < 3`` or ``size < 16``.

    Examples
    --------
    >>> x, ids, meta = images(n=30, size=32)                  # doctest: +SKIP
    >>> x.shape, x.dtype, ids[0], ids[-1]                     # doctest: +SKIP
    ((30, 32, 32, 3), dtype('uint8'), 'lfw-face-001', 'crop-flower-00')
    """
    n = _check_n(n, "images")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 16:
        raise ParameterError(f"size must be an int >= 16 (pixels), got {size!r}.")
    size = int(size)
    data = _skimage_data()
    n_lfw = min(_N_LFW, 2 * (n // 3))
    n_face = n_lfw // 2
    n_nonface = n_lfw - n_face
    lfw = data.lfw_subset()  # (200, 25, 25) float in [0, 1]; faces first
    rng = np.random.default_rng([seed, 0])
    half = _N_LFW // 2
    faces = (np.arange(half) if n_face == half
             else np.sort(rng.choice(half, size=n_face, replace=False)))
    nonfaces = (np.arange(half) if n_nonface == half
                else np.sort(rng.choice(half, size=n_nonface, replace=False)))

    out: list[np.ndarray] = []
    ids: list[str] = []
    meta: dict[str, list[Any]] = {k: [] for k in ("category", "source", "photo", "index",
                                                  "crop")}
    for kind, picks, offset in (("face", faces, 0), ("non-face", nonfaces, half)):
        for i in picks:
            out.append(_to_uint8_rgb(lfw[offset + i], size))
            ids.append(f"lfw-{kind.replace('-', '')}-{i:03d}")
            meta["category"].append(kind)
            meta["source"].append("skimage.data.lfw_subset")
            meta["photo"].append("")
            meta["index"].append(int(offset + i))
            meta["crop"].append((-1, -1, -1))

    n_crops = n - n_lfw
    names = list(PHOTOGRAPHS)
    per_photo = [n_crops // len(names) + (p < n_crops % len(names)) for p in range(len(names))]
    crops_by_photo: dict[str, list[tuple[np.ndarray, str, tuple[int, int, int]]]] = {}
    for p, (name, count) in enumerate(zip(names, per_photo, strict=True)):
        if count == 0:
            continue
        photo = PHOTOGRAPHS[name]()
        h, w = photo.shape[:2]
        prng = np.random.default_rng([seed, 1, p])  # crop k depends on seed and photo only
        crops = []
        for k in range(count):
            side = int(round(prng.uniform(*_CROP_FRACTION) * min(h, w)))
            r0 = int(prng.integers(0, h - side + 1))
            c0 = int(prng.integers(0, w - side + 1))
            crops.append((_to_uint8_rgb(photo[r0:r0 + side, c0:c0 + side], size),
                          f"crop-{name}-{k:02d}", (r0, c0, side)))
        crops_by_photo[name] = crops
    # round-robin order: crop 0 of every photograph, then crop 1, ...
    for k in range(max(per_photo, default=0)):
        for name in names:
            if k < len(crops_by_photo.get(name, ())):
                image, cid, box = crops_by_photo[name][k]
                out.append(image)
                ids.append(cid)
                meta["category"].append("photo")
                source = ("sklearn.datasets.load_sample_image" if name in ("china", "flower")
                          else "skimage.data")
                meta["source"].append(f"{source}:{name}")
                meta["photo"].append(name)
                meta["index"].append(-1)
                meta["crop"].append(box)

    metadata = {
        "category": np.array(meta["category"]),
        "source": np.array(meta["source"]),
        "photo": np.array(meta["photo"]),
        "index": np.array(meta["index"], dtype=np.int64),
        "crop": np.array(meta["crop"], dtype=np.int64).reshape(-1, 3),
    }
    return np.stack(out), ids, metadata


_CODE_LIKE = re.compile(r"[*_=<>{}\[\]|\\~^@#$`%;]|\.\.\.|::|\d\.\d|e\.g|i\.e|etc\.")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")
_PARAGRAPH = re.compile(r"\n\s*\n")


def _clean(sentence: str) -> bool:
    return (30 <= len(sentence) <= 160
            and re.match(r"^[A-Z][a-z]", sentence) is not None
            and sentence.endswith(".")
            and _CODE_LIKE.search(sentence) is None
            and sentence.count('"') % 2 == 0
            and sentence.count("(") == sentence.count(")"))


def all_sentences() -> tuple[list[str], list[str]]:
    """Every clean sentence of ``pydoc_data.topics``, in document order.

    Topics are read in sorted order; within a topic, paragraphs in order. See the module
    docstring for what "clean" means.

    Returns
    -------
    sentences : list of str
    ids : list of str
        ``pydoc-<topic>-<k>``.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError as exc:  # pragma: no cover - stripped-down Python builds
        raise MissingDependencyError(
            f"This Python has no pydoc_data ({exc}); the sentence set needs a standard "
            "CPython installation."
        ) from exc
    seen: set[str] = set()
    texts: list[str] = []
    ids: list[str] = []
    for topic in sorted(topics):
        k = 0
        for paragraph in _PARAGRAPH.split(topics[topic]):
            if ">>>" in paragraph:
                continue
            text = re.sub(r"\s+", " ", paragraph).strip()
            for sentence in _SENTENCE_END.split(text):
                if not _clean(sentence) or sentence in seen:
                    continue
                seen.add(sentence)
                texts.append(sentence)
                ids.append(f"pydoc-{topic}-{k:02d}")
                k += 1
    return texts, ids


def sentences(n: int = 300, seed: int = 0) -> tuple[list[str], list[str]]:
    """A real sentence set: English sentences of Python's reference documentation.

    Parameters
    ----------
    n : int
        Number of sentences (at most the number of clean sentences, 925 with Python 3.11).
    seed : int
        Seeds which sentences are drawn.

    Returns
    -------
    sentences : list of str
        30-160 characters each, in document order.
    ids : list of str
        ``pydoc-<topic>-<k>``, e.g. ``pydoc-assignment-03``.

    Raises
    ------
    ParameterError
        ``n`` below 3 or above the number of clean sentences.

    Examples
    --------
    >>> texts, ids = sentences(n=5)
    >>> len(texts), all(30 <= len(t) <= 160 for t in texts), ids[0].startswith("pydoc-")
    (5, True, True)
    """
    n = _check_n(n, "sentences")
    texts, ids = all_sentences()
    if n > len(texts):
        raise ParameterError(
            f"n={n} is more than the {len(texts)} clean sentences of pydoc_data.topics "
            f"(Python {sys.version_info.major}.{sys.version_info.minor}); ask for at "
            f"most {len(texts)}."
        )
    pick = np.sort(np.random.default_rng(seed).choice(len(texts), size=n, replace=False))
    return [texts[i] for i in pick], [ids[i] for i in pick]
