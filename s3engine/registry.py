"""Registers every top-level process type with the workspace.

Allowed imports: s3engine.
"""

from __future__ import annotations

from .processes.consent import ConsentDecision
from .workspace import Workspace

for _cls in (ConsentDecision,):
    Workspace.process_types[_cls.definition.kind] = _cls
