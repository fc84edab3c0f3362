"""The workspace of this kernel: opened once per folder, with its pattern database attached.

Allowed imports: s3engine, jupyter_ext.i18n.
"""

from __future__ import annotations

from pathlib import Path

from s3engine.core.workspace import Workspace, resolve_path
from s3engine.errors import S3Error

from . import i18n

_WS: dict[str, Workspace] = {}


def workspace(path: str | None = None) -> Workspace:
    """The workspace of this kernel, opened once per folder.

    Args:
        path: The workspace folder or ``postgresql://`` URL (default: ``$S3FLOW_WORKSPACE``).
    """
    where = resolve_path(path)
    if isinstance(where, Path):
        where = where.resolve()  # a kernel may change its folder later
    key = str(where) if isinstance(where, Path) else where.conninfo + "#" + str(where)
    if key not in _WS:
        ws = Workspace(where)
        ws.autoflush_seconds = 0.5
        _WS[key] = ws
        if ws.settings.get("language") and i18n.language() == "en":
            i18n.set_language(ws.settings["language"])
        try:
            from s3engine.patterns import database as pattern_db

            pattern_db.attach(ws)
        except S3Error:
            pass
    return _WS[key]
