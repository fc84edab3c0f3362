"""Validation shared by the organisation writers: typed fields, ids, names and references.

Every writer in ``s3engine.org`` checks its input against the caught-up state before anything is
written; the checks they share live here. Each raises an ``InvalidField`` that names the problem
and the fix.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""

from __future__ import annotations

import json
from typing import Any

from s3engine.core.definition import NAME_RE, Field
from s3engine.core.process import Process
from s3engine.core.workspace import ID_RE, Workspace
from s3engine.errors import InvalidField


def clean(ws: Workspace, specs: tuple[Field, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Type-check fields with the same rules as process actions.

    Args:
        ws: The workspace (pattern ids are checked against it).
        specs: The fields that may be given.
        given: The raw values.

    Returns:
        The cleaned values as JSON-normal data.

    Raises:
        InvalidField: A field is missing, unknown or of the wrong type.
    """
    probe = Process.__new__(Process)
    probe.ws = ws
    probe.parent = None
    probe.data = {"participants": [], "facilitator": ""}
    data = probe.clean_fields(specs, given)
    normal: dict[str, Any] = json.loads(json.dumps(data))
    return normal


def check_id(field: str, value: str) -> None:
    """Refuse an id that is not lowercase letters, digits and hyphens.

    Raises:
        InvalidField: ``value`` is not a usable id.
    """
    if not ID_RE.match(value):
        raise InvalidField(
            field,
            f"{value!r} is not a usable id",
            "lowercase letters, digits and hyphens, such as energy-desk",
        )


def check_name(field: str, value: str) -> None:
    """Refuse a person's name that is empty, too long or holds control characters.

    Raises:
        InvalidField: ``value`` is not a usable name.
    """
    if not NAME_RE.match(value):
        raise InvalidField(
            field,
            f"{value!r} is not a usable name",
            "a name of 1 to 80 characters without control characters",
        )


def require(ws: Workspace, table: str, key: str | None, field: str, what: str) -> None:
    """Refuse a reference to a record that does not exist (no key: nothing to check).

    Args:
        ws: The workspace whose query side is searched.
        table: The query-side table (``domains``, ``circles`` ...).
        key: The id referred to, or None.
        field: The field holding the reference (named in the error).
        what: What the record is, for the message ("circle or team").

    Raises:
        InvalidField: There is no record ``key`` in ``table``; the known ids are listed.
    """
    if key and ws.projection.get(table, key) is None:
        known = ", ".join(sorted(r["id"] for r in ws.projection.all(table))) or "none yet"
        raise InvalidField(field, f"there is no {what} '{key}'", f"one of: {known}")
