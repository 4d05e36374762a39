"""Provenance recorded on every result: the versions of the packages that produced it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["package_versions"]


def package_versions() -> dict[str, str]:
    """Versions of hotneuro and its numeric dependencies ("unknown" when not installed)."""
    out = {}
    for pkg in ("hotneuro", "numpy", "scipy", "pot", "xarray"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out
