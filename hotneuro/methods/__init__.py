"""Comparison methods, one module per method family.

Each family module exposes a ``compare_<name>`` function and a ``METADATA`` dict, and
:mod:`hotneuro.methods.plugin` registers them through the plugin hooks.
"""

from .spec import INVARIANCES, METADATA_KEYS, Method

__all__ = ["INVARIANCES", "METADATA_KEYS", "Method"]
