"""Embedding a checkpoint in other files: minutes, notebooks and workspace exports.

A checkpoint kept elsewhere proves what the journal held, so s3flow puts one into what it hands out:

- text files (Markdown or HTML minutes): the note stands between the lines
  ``-----BEGIN S3FLOW CHECKPOINT-----`` and ``-----END S3FLOW CHECKPOINT-----`` (:func:`embed_text`;
  indented blocks and Markdown code fences around them are fine). In HTML the block is escaped
  inside a ``<pre class="s3flow-checkpoint">`` element (:func:`embed_html`).
- notebooks (``.ipynb`` JSON): the note is the string ``metadata["s3flow"]["checkpoint"]``, or a
  BEGIN/END block in one of the cells.
- workspace exports (JSON Lines): the first line is ``{"s3flow_export": ..., "checkpoint":
  "<note>"}``, followed by the journal's lines.

:func:`extract` finds the note in any of them (a bare checkpoint is returned as it is).

Allowed imports: standard library, ``s3engine.journal``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from s3engine.journal.checkpoint import CheckpointError
from s3engine.journal.event import EVENT_KEYS

BEGIN = "-----BEGIN S3FLOW CHECKPOINT-----"
END = "-----END S3FLOW CHECKPOINT-----"


def embed_text(note_text: str) -> str:
    """Return the note as a BEGIN/END block to put in a text file (Markdown minutes)."""
    return f"{BEGIN}\n{note_text.rstrip(chr(10))}\n{END}\n"


def embed_html(note_text: str) -> str:
    """Return the note as an HTML ``<pre>`` element holding the (escaped) BEGIN/END block."""
    return f'<pre class="s3flow-checkpoint">\n{html.escape(embed_text(note_text))}</pre>\n'


def extract(text: str) -> str:
    """Return the checkpoint note held by a file's text (see the module docstring).

    A text that embeds nothing is returned as it is (a bare checkpoint, or
    not one: :func:`s3engine.journal.checkpoint.parse` judges it).

    Raises:
        CheckpointError: The file is a notebook, export or journal holding no checkpoint, or holds
            more than one, or its BEGIN/END block is cut.
    """
    text = text.replace("\r\n", "\n")
    if text.lstrip().startswith("{"):
        return _from_json(text)
    if BEGIN in text:
        return _from_block(text)
    return text


def _from_json(text: str) -> str:
    try:
        doc: Any = json.loads(text)
    except ValueError:
        try:
            doc = json.loads(text.lstrip().split("\n", 1)[0])
        except ValueError:
            raise CheckpointError(
                "the file starts like JSON but is neither a notebook nor a workspace export"
            ) from None
    if not isinstance(doc, dict):
        raise CheckpointError("the file is JSON but not a notebook or a workspace export")
    if "s3flow_export" in doc:
        note = doc.get("checkpoint")
        if not isinstance(note, str):
            raise CheckpointError(
                "the export's first line holds no checkpoint",
                "Export again with a version of s3flow that embeds the checkpoint.",
            )
        return note
    meta = doc.get("metadata")
    s3 = meta.get("s3flow") if isinstance(meta, dict) else None
    if isinstance(s3, dict) and isinstance(s3.get("checkpoint"), str):
        return str(s3["checkpoint"])
    cells = doc.get("cells")
    if isinstance(cells, list):
        for cell in cells:
            src = cell.get("source", "") if isinstance(cell, dict) else ""
            src = "".join(src) if isinstance(src, list) else str(src)
            if BEGIN in src:
                return _from_block(src)
        raise CheckpointError(
            "the notebook holds no checkpoint (no metadata s3flow.checkpoint, no BEGIN block)",
            "Check a notebook made by s3flow, or use `s3flow checkpoint -o FILE`.",
        )
    if set(EVENT_KEYS) <= set(doc):
        raise CheckpointError(
            "the file is a journal, not a checkpoint",
            "Give the checkpoint file (or minutes, notebook or export holding one).",
        )
    raise CheckpointError("the file is JSON but not a notebook or a workspace export")


def _from_block(text: str) -> str:
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    if len(starts) != 1:
        raise CheckpointError(
            f"the file holds {len(starts)} checkpoint blocks"
            if starts
            else "its BEGIN line is not a line of its own",
            "Copy the one block to check into its own file.",
        )
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == END), None)
    if end is None:
        raise CheckpointError("the checkpoint block has no END line (the file was cut)")
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    inner = [line.removeprefix(indent) for line in lines[start + 1 : end]]
    note = "\n".join(inner) + "\n"
    if re.search(r"<(html|pre|body|div|p)\b", text, re.IGNORECASE) and "&" in note:
        note = html.unescape(note)
    return note
