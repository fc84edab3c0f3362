"""s3flow's engine: Sociocracy 3.0 processes on a durable, hash-chained journal.

Pure Python: this package never imports ipywidgets, IPython or jupyter_server (a test enforces it).
Heavy parts are imported lazily so ``import s3engine`` stays fast.
"""

from __future__ import annotations

from typing import Any

from s3engine.version import __version__

__all__ = ["S3Error", "Workspace", "__version__", "open_workspace"]


def __getattr__(name: str) -> Any:
    if name == "Workspace":
        from s3engine.core.workspace import Workspace

        return Workspace
    if name == "S3Error":
        from s3engine.errors import S3Error

        return S3Error
    if name == "open_workspace":
        from s3engine.core.workspace import Workspace

        return Workspace.open
    raise AttributeError(name)
