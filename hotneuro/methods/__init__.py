"""Comparison methods, one module per method family.

Each method module exposes a ``compare_<name>`` function taking two aligned, validated
representations and returning a result object, and a ``METADATA`` dict
(description, higher_is_similar, symmetric, metric, invariances, reference).
"""

from .registry import MethodSpec, available_methods, get_method

__all__ = ["MethodSpec", "available_methods", "get_method"]
