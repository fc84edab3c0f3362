"""Documents: the plain data (dicts, lists, text, numbers) of query-side records and snapshots.

Allowed imports: standard library.
"""

from __future__ import annotations

import copy as _copy
from typing import Any

_ATOMS = (str, int, float, bool, type(None))


def plain_copy(value: Any) -> Any:
    """A deep copy of plain data, several times faster than ``copy.deepcopy`` for it.

    Dicts, lists and tuples are copied level by level; text, numbers, booleans and None are shared
    (they cannot change); anything else is copied with ``copy.deepcopy``. Unlike ``deepcopy`` it
    does not keep two references to one container as one (records never hold such sharing).

    Args:
        value: The data.

    Returns:
        The copy.
    """
    if isinstance(value, dict):
        return {k: v if type(v) in _ATOMS else plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _ATOMS else plain_copy(v) for v in value]
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, tuple):
        return tuple(plain_copy(v) for v in value)
    return _copy.deepcopy(value)
