"""From one layer's output for one batch to a (stimuli x units) float32 block.

Two steps, both applied to each batch as soon as the layer has run, so that full
activations never pile up:

1. **Reduction** (``reduce=``), per layer:

   - ``"mean"``: global average over every axis after the channel axis of a channels-first
     output ``(n, C, *spatial)`` -> ``(n, C)``; channels are the units. A 2-D output
     ``(n, C)`` is kept as it is.
   - ``"flatten"``: every non-stimulus axis flattened -> ``(n, prod(shape[1:]))``.
   - ``"tokens"``: for ``(n, T, D)`` outputs, the mean over tokens weighted by the
     attention mask (padding excluded) -> ``(n, D)``; without a mask every token counts.
   - ``"auto"``: ``"tokens"`` for 3-D outputs when the batch has an attention mask,
     ``"mean"`` for 4-D outputs, ``"flatten"`` otherwise.

2. **Unit budget** (``max_units=``): a layer with more units than ``max_units`` after the
   reduction keeps ``max_units`` of them, the same for every batch:

   - ``"subsample"``: a seeded uniform draw of units without replacement, kept in their
     original order; unit ids keep the original flat index (``"conv1/4711"``);
   - ``"projection"``: a seeded Gaussian random projection ``x @ R``, ``R`` of shape
     ``(units, max_units)`` with entries ``N(0, 1) / sqrt(max_units)``; unit ids
     ``"<layer>/p<j>"``.

   The draw depends on ``seed`` and the layer's name only (not on the other layers or the
   batch size): ``numpy.random.default_rng([seed, crc32(layer name)])``.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import torch
from hotneuro.errors import SourceError

__all__ = ["REDUCTIONS", "SAMPLINGS", "UnitBudget", "first_tensor", "reduce_output",
           "resolve"]

Reduction = Literal["auto", "mean", "flatten", "tokens"]
#: The values of ``reduce=``.
REDUCTIONS: tuple[str, ...] = ("auto", "mean", "flatten", "tokens")
#: The values of ``unit_sampling=``.
SAMPLINGS: tuple[str, ...] = ("subsample", "projection")
#: Rows of the projection matrix drawn from one generator (the draw does not depend on it
#: being cached or not).
PROJECTION_BLOCK = 4096
#: Projection matrices up to this many bytes are kept between batches; larger ones are
#: drawn again, block by block, for every batch (same numbers, less memory).
PROJECTION_CACHE_BYTES = 256 * 2**20


def first_tensor(output: Any, layer: str) -> torch.Tensor:
    """The tensor a module returned: itself, or the first tensor of a tuple/list/mapping.

    Hugging Face ``ModelOutput`` objects are mappings, so their first field (usually
    ``last_hidden_state``) is used; a transformer block returning ``(hidden, attention)``
    gives ``hidden``.
    """
    if isinstance(output, torch.Tensor):
        return output
    values = output.values() if isinstance(output, Mapping) else output \
        if isinstance(output, (tuple, list)) else ()
    for value in values:
        if isinstance(value, torch.Tensor):
            return value
    raise SourceError(
        f"Layer {layer!r} returned {type(output).__name__} with no tensor in it; pick a "
        "module that returns a tensor (or a tuple/dict whose first tensor is the one to "
        "compare)."
    )


def resolve(reduce: str, ndim: int, has_mask: bool) -> str:
    """The reduction ``"auto"`` stands for, for an output with ``ndim`` axes."""
    if reduce != "auto":
        return reduce
    if ndim == 3 and has_mask:
        return "tokens"
    if ndim == 4:
        return "mean"
    return "flatten"


def reduce_output(x: torch.Tensor, how: str, mask: torch.Tensor | None,
                  layer: str) -> torch.Tensor:
    """``x`` (n, ...) reduced to (n, units) in float32 (see the module docstring)."""
    x = x.detach().float()
    if x.ndim == 1:
        x = x[:, None]
    if how == "flatten":
        return x.reshape(x.shape[0], -1)
    if how == "mean":
        return x.mean(dim=tuple(range(2, x.ndim))) if x.ndim > 2 else x
    # tokens
    if x.ndim != 3:
        raise SourceError(
            f"reduce='tokens' averages (stimuli, tokens, features) outputs, but layer "
            f"{layer!r} gave shape {tuple(x.shape)}; use 'mean' (channels first) or "
            "'flatten' for it (reduce= also takes {layer pattern: reduction})."
        )
    if mask is None:
        return x.mean(dim=1)
    if mask.shape != x.shape[:2]:
        raise SourceError(
            f"Layer {layer!r} has {x.shape[1]} tokens per stimulus but the attention mask "
            f"has {mask.shape[1]}; reduce='tokens' needs one mask entry per token. Use "
            "reduce='flatten' or 'mean' for this layer, or a layer on the token sequence."
        )
    weights = mask.to(x.dtype)
    total = weights.sum(dim=1, keepdim=True).clamp_min(1.0)
    return (x * weights[:, :, None]).sum(dim=1) / total


def _rng(seed: int, layer: str, *block: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(layer.encode("utf-8")), *block])


class UnitBudget:
    """Keeps at most ``max_units`` units of one layer, identically for every batch."""

    def __init__(self, layer: str, n_units: int, max_units: int | None, method: str,
                 seed: int) -> None:
        self.layer, self.n_units, self.seed = layer, n_units, seed
        self.method = "none" if max_units is None or n_units <= max_units else method
        self.k = n_units if self.method == "none" else int(max_units)  # type: ignore[arg-type]
        self._index: torch.Tensor | None = None
        self._matrix: dict[torch.device, torch.Tensor] = {}
        if self.method == "subsample":
            chosen = _rng(seed, layer).choice(n_units, size=self.k, replace=False)
            self.kept = np.sort(chosen)
        else:
            self.kept = np.arange(self.k)

    def unit_ids(self) -> list[str]:
        """Unit ids: ``"<layer>/<original index>"``, or ``"<layer>/p<j>"`` for projections."""
        if self.method == "projection":
            return [f"{self.layer}/p{j}" for j in range(self.k)]
        return [f"{self.layer}/{i}" for i in self.kept.tolist()]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.n_units:
            raise SourceError(
                f"Layer {self.layer!r} gave {x.shape[1]} units in this batch but "
                f"{self.n_units} in the first; every stimulus must give the layer the same "
                "shape (resize images to one size; for text use reduce='tokens')."
            )
        if self.method == "none":
            return x
        if self.method == "subsample":
            if self._index is None or self._index.device != x.device:
                self._index = torch.as_tensor(self.kept, device=x.device)
            return x.index_select(1, self._index)
        return self._project(x)

    def _block(self, b: int, device: torch.device) -> torch.Tensor:
        rows = min(PROJECTION_BLOCK, self.n_units - b * PROJECTION_BLOCK)
        r = _rng(self.seed, self.layer, b).standard_normal((rows, self.k), dtype=np.float32)
        r /= np.float32(math.sqrt(self.k))
        return torch.from_numpy(r).to(device)

    def matrix(self, device: torch.device | str = "cpu") -> torch.Tensor:
        """The whole projection matrix ``R`` (units x max_units), float32."""
        n_blocks = -(-self.n_units // PROJECTION_BLOCK)
        return torch.cat([self._block(b, torch.device(device)) for b in range(n_blocks)])

    def _project(self, x: torch.Tensor) -> torch.Tensor:
        if self.n_units * self.k * 4 <= PROJECTION_CACHE_BYTES:
            if x.device not in self._matrix:
                self._matrix[x.device] = self.matrix(x.device)
            return x @ self._matrix[x.device]
        out = torch.zeros(x.shape[0], self.k, dtype=x.dtype, device=x.device)
        for b, start in enumerate(range(0, self.n_units, PROJECTION_BLOCK)):
            out += x[:, start:start + PROJECTION_BLOCK] @ self._block(b, x.device)
        return out
