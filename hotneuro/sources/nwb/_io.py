"""Opening NWB files (always closed again) and finding the objects in them by path.

pynwb and h5py are imported inside the functions that need them, never at import time.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...errors import SourceError

__all__ = ["NWBHandle", "can_open", "default_system", "has_hdf5_signature", "listing", "open_nwb"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: How many paths an error message lists before it says "...".
MAX_LISTED = 25


def has_hdf5_signature(path: str) -> bool:
    """Whether the file starts with an HDF5 superblock (at byte 0, 512, 1024, ...)."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            if fh.read(8) == HDF5_SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False


def can_open(path: str | os.PathLike[str]) -> bool:
    """Cheap check that ``path`` is meant to be an NWB file; never raises.

    True for a local file named ``*.nwb`` (so that a corrupt ``.nwb`` file gets the NWB
    source's explanation of what is wrong with it), and for any other HDF5 file whose
    root carries an ``nwb_version`` attribute.
    """
    try:
        target = os.fspath(path)
        if "://" in target or not os.path.isfile(target):
            return False
        if target.lower().endswith(".nwb"):
            return True
        if not has_hdf5_signature(target):
            return False
        import h5py

        with h5py.File(target, "r") as h5:
            return "nwb_version" in h5.attrs
    except Exception:
        return False


def _describe_non_hdf5(path: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(64)
    if not head:
        return "it is empty (0 bytes)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and all(c.isprintable() or c.isspace() for c in text):
        return f"it looks like a text file (it starts with {text[:30]!r})"
    return "its first bytes are not an HDF5 signature"


@contextmanager
def open_nwb(path: str) -> Iterator[NWBHandle]:
    """Open an NWB file read-only with pynwb; the file is closed when the block ends.

    Raises
    ------
    SourceError
        The path is not a file, not HDF5, HDF5 without NWB attributes, NWB 1.x, or a
        file that pynwb cannot read.
    """
    if not os.path.isfile(path):
        if "://" in path:
            raise SourceError(
                f"{path!r} is a remote address; the NWB source reads local files. Download "
                "the file first (e.g. with 'dandi download') and load the local path."
            )
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        raise SourceError(f"{path!r} {what}; give the path of an .nwb file.")
    if not has_hdf5_signature(path):
        raise SourceError(
            f"{path!r} is not an NWB file: {_describe_non_hdf5(path)}. NWB 2 files are HDF5 "
            "files; check the path, or download or export the file again if it is "
            "truncated or corrupt."
        )
    import h5py

    try:
        with h5py.File(path, "r") as h5:
            version = h5.attrs.get("nwb_version")
            top = sorted(h5.keys())
    except OSError as exc:
        raise SourceError(
            f"{path!r} has an HDF5 signature but HDF5 cannot open it ({exc}); the file is "
            "probably truncated or corrupt: download or export it again."
        ) from exc
    if version is None:
        shown = listing(top, limit=10) or "none"
        raise SourceError(
            f"{path!r} is an HDF5 file but not an NWB file: its root has no 'nwb_version' "
            f"attribute (top-level entries: {shown}). Convert the recording to NWB (e.g. "
            "with pynwb or NeuroConv), or load plain arrays with another source "
            "(hotneuro.list_sources())."
        )
    if isinstance(version, bytes):
        version = version.decode("utf-8", "replace")
    version = str(version)
    if version.startswith(("NWB-1", "1.")):
        raise SourceError(
            f"{path!r} is an NWB {version} file; only NWB 2 files can be read (pynwb does "
            "not read NWB 1.x). Convert it to NWB 2 first."
        )
    from pynwb import NWBHDF5IO

    try:
        io = NWBHDF5IO(path, "r")
    except Exception as exc:
        raise SourceError(
            f"pynwb cannot open {path!r} (NWB {version}): {type(exc).__name__}: {exc}. The "
            "file may be corrupt or need an NWB extension that is not cached in it."
        ) from exc
    try:
        try:
            with warnings.catch_warnings():
                # Schema deprecations concern the file's writer, not the reader.
                warnings.simplefilter("ignore", DeprecationWarning)
                nwbfile = io.read()
        except Exception as exc:
            raise SourceError(
                f"pynwb cannot read {path!r} (NWB {version}): {type(exc).__name__}: {exc}. "
                "The file may be corrupt, or written with an NWB extension whose "
                "specification is not cached in the file."
            ) from exc
        yield NWBHandle(path, io, nwbfile, version)
    finally:
        io.close()


class NWBHandle:
    """An open NWB file: the pynwb ``NWBFile`` plus path-based lookup of its objects."""

    def __init__(self, path: str, io: Any, nwbfile: Any, version: str) -> None:
        self.path = path
        self.io = io
        self.file = nwbfile
        self.version = version
        self._paths: dict[int, str] = {}

    def path_of(self, obj: Any) -> str:
        """The object's path inside the file, e.g. ``processing/behavior/Position/xy``."""
        key = id(obj)
        if key not in self._paths:
            self._paths[key] = _path_of(self.io, obj)
        return self._paths[key]

    def objects(self, types: type | tuple[type, ...]) -> list[tuple[str, Any]]:
        """Every object of the given pynwb/hdmf types, as ``(path, object)`` sorted by path."""
        found = [(self.path_of(obj), obj) for obj in self.file.objects.values()
                 if isinstance(obj, types)]
        return sorted(found, key=lambda item: item[0])

    def find(self, query: str, types: type | tuple[type, ...], what: str,
             option: str) -> tuple[str, Any]:
        """The one object of ``types`` whose path is ``query`` or ends with ``/query``.

        Raises
        ------
        SourceError
            None matches (the message lists what exists) or several do (it lists them).
        """
        candidates = self.objects(types)
        wanted = query.strip("/")
        exact = [c for c in candidates if c[0] == wanted]
        if exact:
            return exact[0]
        matches = [c for c in candidates if c[0].endswith("/" + wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise SourceError(
                f"{option}={query!r} matches several {what}s: "
                f"{listing(p for p, _ in matches)}; give the full path, e.g. "
                f"{option}={matches[0][0]!r}."
            )
        raise SourceError(
            f"No {what} {query!r} in {os.path.basename(self.path)}; "
            f"{option}= takes a name or path, available: "
            f"{listing(p for p, _ in candidates) or 'none'}."
        )

    def metadata(self) -> dict[str, str]:
        """Identifier, session and subject of the file (empty entries left out)."""
        f = self.file
        subject = getattr(f, "subject", None)
        meta = {
            "identifier": f.identifier,
            "session_id": f.session_id,
            "subject_id": getattr(subject, "subject_id", None),
            "species": getattr(subject, "species", None),
            "nwb_version": self.version,
            "file": os.path.basename(self.path),
        }
        return {k: str(v) for k, v in meta.items() if v not in (None, "")}


def default_system(meta: dict[str, str]) -> str:
    """The system name: session id (prefixed with the subject when it lacks it), else the
    subject id, else the file identifier."""
    subject, session = meta.get("subject_id"), meta.get("session_id")
    if session and subject and subject not in session:
        return f"{subject}/{session}"
    return session or subject or meta.get("identifier") or meta["file"]


def listing(items: Any, limit: int = MAX_LISTED) -> str:
    """``'a', 'b', ...`` for an error message, at most ``limit`` entries."""
    shown = [repr(p.item() if hasattr(p, "item") else p) for p in items]
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f", ... ({more} more)" if more > 0 else "")


def _path_of(io: Any, obj: Any) -> str:
    try:
        builder = io.manager.get_builder(obj)
    except Exception:
        builder = None
    path = getattr(builder, "path", None)
    if isinstance(path, str) and path:
        return path[len("root/"):] if path.startswith("root/") else path.lstrip("/")
    parts = []
    node = obj
    while node is not None and getattr(node, "parent", None) is not None:
        parts.append(node.name)
        node = node.parent
    return "/".join(reversed(parts))
