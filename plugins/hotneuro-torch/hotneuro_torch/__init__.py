"""hotneuro-torch: PyTorch model activations as hotneuro representations.

Installing the distribution registers the data source ``torch`` with hotneuro (entry
point group ``hotneuro``), so ``hotneuro.load(model, stimuli=..., layers=...)`` records a
``torch.nn.Module``'s layer activations directly; :func:`extract` is the same function
without the plugin machinery. Importing this package does not import torch; the first
use of :func:`extract` does.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "extract"]

if TYPE_CHECKING:  # pragma: no cover
    from .extraction import extract


def __getattr__(name: str) -> Any:
    if name == "extract":
        value = import_module("hotneuro_torch.extraction").extract
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hotneuro_torch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
