"""hotneuro-table: response tables in CSV/TSV as hotneuro representations.

Installing the distribution registers the data source ``table`` with hotneuro (entry
point group ``hotneuro``), so ``hotneuro.load("responses.csv")`` reads a table directly;
:func:`load_table` is the same loader, callable without the plugin machinery.
"""

from ._read import SEPARATORS, can_open_table
from .table import Layout, Level, load_table

__all__ = ["SEPARATORS", "Layout", "Level", "__version__", "can_open_table", "load_table"]

__version__ = "0.1.0"
