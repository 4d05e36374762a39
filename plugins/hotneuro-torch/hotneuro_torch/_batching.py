"""Stimuli as model inputs: checking them once, then building one batch at a time.

Accepted stimuli (``n`` = number of stimuli, always the first axis):

- a numpy array or torch tensor ``(n, ...)`` of numbers: images ``(n, H, W, C)`` or
  ``(n, C, H, W)``, feature vectors ``(n, D)``, sequences ``(n, T, D)``, token ids;
- a mapping of such arrays with the same ``n`` (pre-tokenized inputs such as
  ``{"input_ids": ..., "attention_mask": ...}``), passed to the model as keywords;
- a list of str with a ``tokenizer`` (text);
- a list of anything (str paths, PIL images, ...) with a ``preprocess`` callable;
- a list of equally shaped arrays or tensors (stacked).

Without ``preprocess`` an array batch is converted by :func:`default_input`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hotneuro.errors import ParameterError, SourceError

__all__ = ["Batch", "Stimuli", "default_input", "prepare"]

_CHANNELS = (1, 3, 4)


@dataclass
class Batch:
    """One batch: what to call the model with, and the token mask if there is one."""

    inputs: Any  # Tensor, Mapping[str, Tensor] or tuple of Tensors
    mask: torch.Tensor | None
    size: int


def default_input(x: torch.Tensor, *, channels_last: bool,
                  float_dtype: torch.dtype) -> torch.Tensor:
    """The conversion applied to array batches when no ``preprocess`` is given.

    - ``uint8`` values are scaled to [0, 1] (``x / 255``), booleans become 0.0/1.0;
    - a 4-D batch detected as channels-last ``(n, H, W, C)`` is moved to ``(n, C, H, W)``;
    - floating values take the model's floating dtype (float32 unless the model differs);
    - other integers (token ids) stay integers (int64).
    """
    if x.dtype == torch.uint8:
        x = x.to(float_dtype) / 255.0
    elif x.dtype == torch.bool:
        x = x.to(float_dtype)
    elif x.is_floating_point():
        x = x.to(float_dtype)
    elif not x.is_complex():
        x = x.to(torch.int64)
    if channels_last and x.ndim == 4:
        x = x.permute(0, 3, 1, 2)
    return x.contiguous()


def _is_channels_last(shape: tuple[int, ...]) -> bool:
    """(n, H, W, C) when the last axis looks like channels and axis 1 does not.

    When both could be channels (e.g. ``(n, 3, 5, 3)``), the PyTorch convention
    ``(n, C, H, W)`` wins.
    """
    return len(shape) == 4 and shape[-1] in _CHANNELS and shape[1] not in _CHANNELS


def _numeric(x: Any, what: str) -> Any:
    """``x`` (numpy or torch) checked to be a numeric array with a stimulus axis."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise SourceError(
                f"{what} has dtype {x.dtype}; stimuli must be numbers (images, features, "
                "token ids), a list of str with tokenizer=, or any list with preprocess=."
            )
    elif isinstance(x, torch.Tensor):
        if x.is_complex():
            raise SourceError(f"{what} is complex ({x.dtype}); give real numbers.")
    else:
        raise SourceError(f"{what} is a {type(x).__name__}, not a numpy array or tensor.")
    if x.ndim < 2:
        raise SourceError(
            f"{what} has shape {tuple(x.shape)}; give one row per stimulus and at least one "
            "more axis, e.g. (n_stimuli, n_features) or (n_stimuli, H, W, C). A single "
            "stimulus needs a leading axis of length 1 (x[None])."
        )
    return x


class Stimuli:
    """Checked stimuli that hand out model-ready batches."""

    def __init__(self, n: int, kind: str, data: Any, *, preprocess: Callable | None,
                 tokenizer: Callable | None, max_length: int | None,
                 channels_last: bool) -> None:
        self.n, self.kind, self.data = n, kind, data
        self.preprocess, self.tokenizer, self.max_length = preprocess, tokenizer, max_length
        self.channels_last = channels_last

    @property
    def has_mask(self) -> bool:
        """Whether batches come with a token mask (text, or a mapping with one)."""
        return self.kind == "text" or (self.kind == "mapping"
                                       and "attention_mask" in self.data)

    def batch(self, start: int, stop: int, *, device: torch.device,
              float_dtype: torch.dtype) -> Batch:
        """Stimuli ``start:stop`` as model inputs on ``device``."""
        size = stop - start
        if self.kind == "text":
            inputs = self._tokenize(self.data[start:stop])
        elif self.kind == "mapping":
            part = {k: v[start:stop] for k, v in self.data.items()}
            inputs = (self._call_preprocess(part) if self.preprocess is not None
                      else {k: torch.as_tensor(v) for k, v in part.items()})
        elif self.kind == "items":
            inputs = self._call_preprocess(list(self.data[start:stop]))
        else:  # "array"
            part = self.data[start:stop]
            if self.preprocess is not None:
                inputs = self._call_preprocess(part)
            else:
                tensor = torch.from_numpy(np.ascontiguousarray(part)) \
                    if isinstance(part, np.ndarray) else part
                inputs = default_input(tensor, channels_last=self.channels_last,
                                       float_dtype=float_dtype)
        inputs = _to_device(inputs, device)
        mask = inputs.get("attention_mask") if isinstance(inputs, Mapping) else None
        if mask is not None:
            if not isinstance(mask, torch.Tensor) or mask.ndim != 2 or mask.shape[0] != size:
                shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask)
                raise SourceError(
                    f"attention_mask has shape {shape} for a batch of {size} stimuli; it "
                    "must be (stimuli, tokens), 1 for real tokens and 0 for padding."
                )
        return Batch(inputs=inputs, mask=mask, size=size)

    def _call_preprocess(self, part: Any) -> Any:
        assert self.preprocess is not None
        try:
            out = self.preprocess(part)
        except Exception as exc:
            raise SourceError(
                f"preprocess raised {type(exc).__name__} on a batch of {_describe(part)}: "
                f"{exc}. It receives a slice of the stimuli (batch_size of them) and "
                "returns the model's input (a tensor, a dict of tensors or a tuple)."
            ) from exc
        if isinstance(out, np.ndarray):
            out = torch.from_numpy(np.ascontiguousarray(out))
        if not isinstance(out, (torch.Tensor, Mapping, tuple)):
            raise SourceError(
                f"preprocess returned a {type(out).__name__}; it must return a tensor, a "
                "dict of tensors (model keywords) or a tuple (model arguments)."
            )
        return out

    def _tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        assert self.tokenizer is not None
        try:
            out = self.tokenizer(list(texts), padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
        except Exception as exc:
            raise SourceError(
                f"The tokenizer raised {type(exc).__name__}: {exc}. It is called as "
                "tokenizer(texts, padding=True, truncation=True, max_length=max_length, "
                "return_tensors='pt') and returns a mapping with 'input_ids' (and "
                "'attention_mask'), as Hugging Face tokenizers do."
            ) from exc
        if not isinstance(out, Mapping) or "input_ids" not in out:
            raise SourceError(
                f"The tokenizer returned {type(out).__name__} without 'input_ids'; it must "
                "return a mapping with 'input_ids' (and 'attention_mask'), as Hugging Face "
                "tokenizers do."
            )
        return {k: torch.as_tensor(v) for k, v in out.items()}


def _describe(part: Any) -> str:
    if isinstance(part, (np.ndarray, torch.Tensor)):
        return f"shape {tuple(part.shape)} ({part.dtype})"
    if isinstance(part, Mapping):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in part.items()) + "}"
    return f"{len(part)} {type(part[0]).__name__}" if len(part) else "nothing"


def _to_device(inputs: Any, device: torch.device) -> Any:
    if isinstance(inputs, torch.Tensor):
        return inputs.to(device)
    if isinstance(inputs, Mapping):
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v
                for k, v in inputs.items()}
    return tuple(v.to(device) if isinstance(v, torch.Tensor) else v for v in inputs)


def prepare(stimuli: Any, *, preprocess: Callable | None = None,
            tokenizer: Callable | None = None, max_length: int | None = None) -> Stimuli:
    """Check ``stimuli`` and the options that go with them; nothing runs the model yet.

    Raises
    ------
    SourceError
        No stimuli, a type or shape that cannot be batched, mixed text and non-text.
    ParameterError
        ``tokenizer``/``preprocess``/``max_length`` that do not fit the stimuli.
    """
    if preprocess is not None and not callable(preprocess):
        raise ParameterError(f"preprocess= must be callable, got {type(preprocess).__name__}.")
    if tokenizer is not None and not callable(tokenizer):
        raise ParameterError(f"tokenizer= must be callable, got {type(tokenizer).__name__}.")
    if max_length is not None and (isinstance(max_length, bool)
                                   or not isinstance(max_length, (int, np.integer))
                                   or max_length < 1):
        raise ParameterError(f"max_length= must be a positive int (tokens), got {max_length!r}.")
    common = {"preprocess": preprocess, "tokenizer": tokenizer, "max_length": max_length}
    if isinstance(stimuli, (str, bytes)):
        raise SourceError(
            "stimuli is a single str; give a list of str (one per stimulus) with "
            "tokenizer=, or a list of items with preprocess=."
        )
    if isinstance(stimuli, (np.ndarray, torch.Tensor)):
        _text_options_only_for_text(tokenizer, max_length, "an array")
        x = _numeric(stimuli, "stimuli")
        _non_empty(len(x))
        return Stimuli(len(x), "array", x, channels_last=_is_channels_last(tuple(x.shape)),
                       **common)
    if isinstance(stimuli, Mapping):
        _text_options_only_for_text(tokenizer, max_length, "a mapping")
        if not stimuli:
            raise SourceError("stimuli is an empty mapping; give {name: array (n, ...)}.")
        data = {}
        for key, value in stimuli.items():
            if not isinstance(key, str):
                raise SourceError(f"stimuli mapping keys are model keywords (str), got "
                                  f"{key!r}.")
            if isinstance(value, (list, tuple)):
                value = np.asarray(value)
            data[key] = _numeric(value, f"stimuli[{key!r}]")
        sizes = {k: len(v) for k, v in data.items()}
        if len(set(sizes.values())) != 1:
            raise SourceError(f"stimuli mapping entries have different numbers of rows "
                              f"{sizes}; every entry needs one row per stimulus.")
        n = next(iter(sizes.values()))
        _non_empty(n)
        return Stimuli(n, "mapping", data, channels_last=False, **common)
    if not isinstance(stimuli, Sequence):
        raise SourceError(
            f"stimuli is a {type(stimuli).__name__}; give a numpy array or tensor "
            "(n, ...), a dict of them, a list of str with tokenizer=, or a list with "
            "preprocess=."
        )
    items = list(stimuli)
    _non_empty(len(items))
    texts = [isinstance(s, str) for s in items]
    if all(texts):
        if tokenizer is None and preprocess is None:
            raise ParameterError(
                "stimuli are text (a list of str) but no tokenizer= is given; pass the "
                "model's tokenizer, e.g. AutoTokenizer.from_pretrained(name), or a "
                "preprocess= that turns a list of str into model inputs."
            )
        if tokenizer is not None and preprocess is not None:
            raise ParameterError(
                "Give tokenizer= or preprocess= for text stimuli, not both: the tokenizer "
                "makes the model inputs from the texts."
            )
        kind = "text" if tokenizer is not None else "items"
        if kind == "items" and max_length is not None:
            raise ParameterError("max_length= applies to tokenizer=; preprocess= gets the "
                                 "texts as they are.")
        return Stimuli(len(items), kind, items, channels_last=False, **common)
    if any(texts):
        raise SourceError("stimuli mix str and other items; give all text (with "
                          "tokenizer=) or no text.")
    _text_options_only_for_text(tokenizer, max_length, "a list of non-text items")
    if preprocess is not None:
        return Stimuli(len(items), "items", items, channels_last=False, **common)
    if all(isinstance(s, (np.ndarray, torch.Tensor)) for s in items):
        shapes = {tuple(s.shape) for s in items}
        if len(shapes) != 1:
            raise SourceError(f"stimuli are arrays of different shapes {sorted(shapes)[:4]}; "
                              "resize them to one shape, or pass preprocess=.")
        try:
            stacked = (torch.stack(items) if all(isinstance(s, torch.Tensor) for s in items)
                       else np.stack([np.asarray(s) for s in items]))
        except Exception as exc:
            raise SourceError(f"Could not stack the stimuli into one array: {exc}.") from exc
        return prepare(stacked)
    kinds = sorted({type(s).__name__ for s in items})
    raise SourceError(
        f"stimuli is a list of {', '.join(kinds)}; give numpy arrays or tensors, str with "
        "tokenizer=, or pass preprocess= to turn a list of such items into model inputs."
    )


def _non_empty(n: int) -> None:
    if n == 0:
        raise SourceError("No stimuli: stimuli is empty; give at least 3 stimuli.")


def _text_options_only_for_text(tokenizer: Any, max_length: Any, what: str) -> None:
    if tokenizer is not None:
        raise ParameterError(f"tokenizer= applies to text (a list of str); stimuli is {what}.")
    if max_length is not None:
        raise ParameterError(f"max_length= applies to text with tokenizer=; stimuli is {what}.")
