"""Reading delimited text: the separator, a cheap sniffer, the header and numbered rows.

Nothing here knows about stimuli or units; :mod:`hotneuro_table.table` gives the columns
their meaning. Every problem with the file itself is a :class:`hotneuro.SourceError`.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from hotneuro import SourceError

__all__ = ["SEPARATORS", "can_open_table", "column_index", "read_table", "separator_for"]

#: The separator each recognised suffix implies (case-insensitive).
SEPARATORS: dict[str, str] = {".csv": ",", ".tsv": "\t"}
#: How much of the first line :func:`can_open_table` reads at most.
_SNIFF_BYTES = 65536
#: How many column names an error message lists before it abbreviates.
_SHOWN_COLUMNS = 20

Rows = Iterator[tuple[int, list[str]]]


def separator_for(path: str, sep: str | None) -> str:
    """The field separator: ``sep`` when given, else the one the suffix implies."""
    if sep is not None:
        return sep
    suffix = Path(path).suffix.lower()
    if suffix in SEPARATORS:
        return SEPARATORS[suffix]
    raise SourceError(
        f"Cannot tell the separator of {path!r} from its suffix {suffix!r} (only .csv and "
        r".tsv are recognised); pass sep=',' or sep='\t'."
    )


def can_open_table(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like a response table; cheap, never raises.

    True for an existing ``.csv`` or ``.tsv`` file (any case) whose first line is
    non-empty UTF-8 text containing the separator its suffix implies. Only the first line
    (at most 64 KiB of it) is read; the columns are checked when the file is loaded.
    """
    try:
        name = os.fspath(path)
        if not isinstance(name, str) or "://" in name:
            return False
        sep = SEPARATORS.get(Path(name).suffix.lower())
        if sep is None or not os.path.isfile(name):
            return False
        with open(name, "rb") as fh:
            head = fh.readline(_SNIFF_BYTES)
        # final=False tolerates a character cut in two at the read limit, not binary data
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
        return bool(text.strip()) and "\x00" not in text and sep in text
    except Exception:
        return False


def read_table(path: str, sep: str) -> tuple[list[str], Rows]:
    """Open a table: its header and an iterator over its data rows.

    Fields are stripped of surrounding whitespace (a quoted field may follow a separator
    and spaces, as in ``a, "b, c"``); blank lines (and lines whose fields are all empty)
    are skipped. Each data row has exactly as many fields as the header.

    Returns
    -------
    header : list of str
        Column names, unique and non-empty.
    rows : iterator of (int, list of str)
        The line number in the file (the header is line 1) and the fields of each row.

    Raises
    ------
    hotneuro.SourceError
        Unreadable, not UTF-8, malformed quoting, empty, a bad header or a ragged row.
    """
    records = _records(path, sep)
    try:
        _, header = next(records)
    except StopIteration:
        raise SourceError(
            f"{path!r} is empty: a table needs a header line naming its columns, then one "
            "row per measurement."
        ) from None
    _check_header(header, path, sep)
    return header, _same_width(records, header, path)


def column_index(header: Sequence[str], name: str, option: str, path: str,
                 hint: str = "") -> int:
    """The position of column ``name``; a missing one lists the columns there are."""
    try:
        return list(header).index(name)
    except ValueError:
        raise SourceError(
            f"{path!r} has no column {name!r} (the {option}= option); its columns are "
            f"{_listing(header)}. Pass {option}= the name of the right column.{hint}"
        ) from None


def _listing(header: Sequence[str]) -> str:
    shown = ", ".join(repr(c) for c in header[:_SHOWN_COLUMNS])
    if len(header) > _SHOWN_COLUMNS:
        shown += f", ... ({len(header)} in all)"
    return shown


def _records(path: str, sep: str) -> Rows:
    line = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=sep, skipinitialspace=True, strict=True)
            for row in reader:
                line = reader.line_num
                fields = [field.strip() for field in row]
                if any(fields):
                    yield line, fields
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path!r} is not UTF-8 text ({exc.reason} at byte {exc.start}); save the "
            "table as UTF-8 CSV or TSV."
        ) from exc
    except csv.Error as exc:
        raise SourceError(
            f"{path!r} is not a well-formed delimited table (after line {line}: {exc}); "
            "check its quoting."
        ) from exc
    except ValueError as exc:  # invalid sep, which the loader checks first
        raise SourceError(f"Cannot parse {path!r} with sep={sep!r}: {exc}.") from exc
    except OSError as exc:
        raise SourceError(f"Cannot read {path!r}: {exc}.") from exc


def _check_header(header: list[str], path: str, sep: str) -> None:
    empty = [i + 1 for i, name in enumerate(header) if not name]
    if empty:
        raise SourceError(
            f"The header of {path!r} has an empty column name at position(s) "
            f"{', '.join(map(str, empty))}; name every column (a trailing separator at the "
            "end of each line makes an empty one)."
        )
    if len(header) == 1:
        raise SourceError(
            f"The header of {path!r} has a single column {header[0]!r} with separator "
            f"{sep!r}; a table needs at least a stimulus column and one more. Pass the "
            r"right sep= (',' or '\t') if the file uses another."
        )
    doubled = [name for name, count in Counter(header).items() if count > 1]
    if doubled:
        raise SourceError(
            f"The header of {path!r} names column(s) {doubled} more than once; column "
            "names must be unique."
        )


def _same_width(records: Rows, header: list[str], path: str) -> Rows:
    width = len(header)
    for line, fields in records:
        if len(fields) != width:
            raise SourceError(
                f"Line {line} of {path!r} has {len(fields)} fields but the header has "
                f"{width} ({_listing(header)}); every row needs one field per column "
                "(a ragged row, or a separator inside an unquoted field)."
            )
        yield line, fields
