"""The hotneuro plugin: registers the ``table`` data source through the hotneuro hooks."""

from __future__ import annotations

from collections.abc import Callable

from hotneuro.hookspecs import hookimpl
from hotneuro.sources import Source

from ._read import SEPARATORS, can_open_table
from .table import load_table

__all__ = ["SOURCE", "hotneuro_register_sources"]

#: The source this plugin registers.
SOURCE = Source(
    name="table",
    load=load_table,
    can_open=can_open_table,
    description="Response tables in CSV/TSV: long (a row per stimulus x unit) or wide "
                "(a column per unit)",
    extensions=tuple(SEPARATORS),
    metadata={
        "options": ["layout", "sep", "stimulus_column", "unit_column", "group_column",
                    "value_column", "repetition_column", "repetitions", "level", "groups",
                    "group_sep", "ignore_columns", "system"],
        "distribution": "hotneuro-table",
    },
)


@hookimpl
def hotneuro_register_sources(register: Callable[[Source], None]) -> None:
    """Register the ``table`` source."""
    register(SOURCE)
