"""Tutor notebooks are saved as shipped: a "run to start" note where the panel was, no widget state.

A widget lives in the kernel; saved into a notebook it can only come back as "Error displaying
widget: model not found" once the server restarted. So ``s3flow lab`` asks Jupyter to pass every
notebook it saves through :func:`pre_save_hook`: in the s3flow notebooks (``metadata.s3flow``)
the outputs of each code cell become the :data:`PLACEHOLDER` note again, and execution counts and
the recorded widget state are dropped. The saved file then never changes by running it, and a
reopened notebook shows the note until it is run. Other notebooks are saved untouched.

Allowed imports: standard library.
"""

from __future__ import annotations

from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLACEHOLDER_TEXT = (
    "To start, choose Run → Run All Cells in the menu (or press ▶▶). "
    "The s3flow panel then appears here."
)
#: The output a tutor notebook ships with, and what a saved panel is turned back into.
PLACEHOLDER: dict[str, Any] = {
    "output_type": "display_data",
    "metadata": {},
    "data": {
        "text/html": (
            "<div class='s3-placeholder' style='border:1px dashed #2f6f4f;border-radius:6px;"
            f"padding:8px 12px;color:#1d4430'>▶▶ {PLACEHOLDER_TEXT}</div>"
        ),
        "text/plain": PLACEHOLDER_TEXT,
    },
}


SHIPPED_KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
RUN_METADATA = ("execution", "scrolled", "collapsed", "trusted", "jupyter")


def placeholder() -> dict[str, Any]:
    """A fresh copy of :data:`PLACEHOLDER`."""
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": dict(PLACEHOLDER["data"]),
    }


def strip(nb: dict[str, Any]) -> bool:
    """Turn widget outputs of an s3flow notebook back into the placeholder, in place.

    Args:
        nb: A notebook as a plain dict (nbformat 4).

    Returns:
        True when ``nb`` is an s3flow notebook (and was made like its shipped form).
    """
    meta = nb.get("metadata") or {}
    if "s3flow" not in meta:
        return False
    meta.pop("widgets", None)
    # what the kernel and JupyterLab add on a run, so that running never changes the file
    meta["language_info"] = {"name": "python"}
    if (meta.get("kernelspec") or {}).get("name") == "python3":
        meta["kernelspec"] = dict(SHIPPED_KERNEL)
    for cell in nb.get("cells", []):
        for key in RUN_METADATA:
            (cell.get("metadata") or {}).pop(key, None)
        if cell.get("cell_type") != "code":
            continue
        cell["execution_count"] = None
        cell["outputs"] = [placeholder()]  # what it shipped with: the panel comes from running it
    return True


def pre_save_hook(model: dict[str, Any], **_kwargs: Any) -> None:
    """Jupyter's ``ContentsManager.pre_save_hook``: strip panels from saved s3flow notebooks.

    Args:
        model: The contents model being saved (``type`` ``notebook``: ``content`` is the notebook).
    """
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        strip(model["content"])
