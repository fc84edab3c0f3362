"""Where the data shipped with s3flow lives: the pattern files and the tutor notebooks.

In a checkout they are the top-level ``patterns/`` and ``notebooks/`` folders (the editable
sources); an installed wheel carries copies inside the package, under ``s3engine/_data/``.

Allowed imports: standard library.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def patterns_dir() -> Path:
    """The folder of the shipped pattern files (``s3/`` and ``toolbox/``)."""
    return _find("patterns")


def notebooks_dir() -> Path:
    """The folder of the tutor notebooks."""
    return _find("notebooks")
