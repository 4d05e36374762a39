"""Data sources: turn files into representations.

Built-in sources are registered by :mod:`hotneuro.sources.plugin`; third-party ones
through the ``hotneuro_register_sources`` hook. Use them with :func:`hotneuro.load`.
"""

from .spec import Source

__all__ = ["Source"]
