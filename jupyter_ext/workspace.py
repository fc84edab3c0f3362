"""The workspace of this kernel: opened once per folder, with its pattern database attached.

Allowed imports: s3engine, jupyter_ext.i18n.
"""

from __future__ import annotations

from s3engine.core.workspace import Workspace, resolve_path
from s3engine.errors import S3Error

from . import i18n

_WS: dict[str, Workspace] = {}


def workspace(path: str | None = None) -> Workspace:
    """The workspace of this kernel, opened once per folder.

    Args:
        path: The workspace folder (default: ``$S3FLOW_WORKSPACE``).
    """
    key = str(resolve_path(path).resolve())
    if key not in _WS:
        ws = Workspace.open(key)
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
