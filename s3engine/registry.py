"""Registers every top-level process type with the workspace.

Allowed imports: s3engine.
"""

from __future__ import annotations

from .processes.consent import ConsentDecision
from .processes.evaluate import EvaluateAgreement
from .processes.mits import MitsCycle
from .processes.proposal_forming import ProposalForming
from .processes.role_selection import RoleSelection
from .processes.tension import NavigateTension
from .workspace import Workspace

for _cls in (ConsentDecision, ProposalForming, NavigateTension, EvaluateAgreement, RoleSelection,
             MitsCycle):
    Workspace.process_types[_cls.definition.kind] = _cls

# Imported patterns are journal events; their handler must be known before any replay.
from . import pattern_db  # noqa: E402,F401
