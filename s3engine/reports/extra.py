"""Optional packages of the ``exports`` extra, imported when an export needs them; export errors.

Allowed imports: standard library, s3engine.errors.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from s3engine.errors import MissingExtraError, S3Error


class ExportError(S3Error):
    """Minutes, tables or a calendar cannot be made; nothing was written.

    For example a day that is not a date, an unknown file type, a place that cannot be written
    to, or missing fonts.
    """


#: The extra that brings the PDF, calendar and PDF-reading packages.
EXTRA = "exports"


def need(module: str, what: str) -> ModuleType:
    """Import ``module`` or say which extra to install.

    Args:
        module: The module to import (e.g. ``icalendar``).
        what: What needs it, for the message ("The calendar").

    Raises:
        MissingExtraError: The module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:  # it, or a package it needs (the extra installs both)
        raise MissingExtraError(what, EXTRA, exc.name or module) from None
