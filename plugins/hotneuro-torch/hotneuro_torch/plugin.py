"""The hotneuro plugin: registers the ``torch`` data source through the hotneuro hooks.

Importing this module (hotneuro does when it loads plugins) does not import torch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from hotneuro.errors import ParameterError, SourceError
from hotneuro.hookspecs import hookimpl
from hotneuro.sources import Source

__all__ = ["OPTIONS", "SOURCE", "can_open_model", "hotneuro_register_sources", "load_model"]

#: The keywords ``hotneuro.load(model, source="torch", ...)`` takes (those of ``extract``).
OPTIONS: tuple[str, ...] = (
    "stimuli", "layers", "stimulus_ids", "reduce", "max_units", "unit_sampling", "seed",
    "batch_size", "preprocess", "tokenizer", "max_length", "device", "system", "progress",
    "hidden_states",
)


def can_open_model(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module``; never imports torch, never raises.

    A module can only exist once torch is imported, so when ``torch`` is not in
    ``sys.modules`` the answer is False without importing it.
    """
    try:
        torch = sys.modules.get("torch")
        if torch is None:
            return False
        return isinstance(obj, torch.nn.Module)
    except Exception:
        return False


def load_model(model: Any, *, stimuli: Any = None, layers: Any = None,
               **options: Any) -> Any:
    """The ``torch`` source's loader: :func:`hotneuro_torch.extract` with keywords.

    ``hotneuro.load(model, stimuli=..., layers=..., **options)``; see
    :func:`hotneuro_torch.extract` for the options.
    """
    if not can_open_model(model):
        raise SourceError(
            f"The 'torch' source records the activations of a torch.nn.Module object, got "
            f"{type(model).__module__}.{type(model).__name__}. Build or load the model "
            "first, then call hotneuro.load(model, stimuli=..., layers=...)."
        )
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ParameterError(
            f"Unknown option(s) {unknown} for the 'torch' source; it takes "
            f"{', '.join(OPTIONS)}."
        )
    if stimuli is None:
        raise ParameterError(
            "hotneuro.load(model) needs stimuli=: the inputs to record the activations to "
            "(images (n, H, W, C), tensors (n, ...), or a list of str with tokenizer=)."
        )
    if layers is None and not options.get("hidden_states", False):
        raise ParameterError(
            "hotneuro.load(model) needs layers=: module names or patterns such as "
            "['conv1', 'layer*'] (see [name for name, _ in model.named_modules()])."
        )
    from .extraction import extract

    return extract(model, stimuli, layers, **options)


#: The source this plugin registers.
SOURCE = Source(
    name="torch",
    load=load_model,
    can_open=can_open_model,
    description="Layer activations of a PyTorch model (torch.nn.Module) to stimuli",
    metadata={
        "options": list(OPTIONS),
        "distribution": "hotneuro-torch",
    },
)


@hookimpl
def hotneuro_register_sources(register: Callable[[Source], None]) -> None:
    """Register the ``torch`` source."""
    register(SOURCE)
