"""The step runner the scripted demos share: take an action, then print where the process is.

Allowed imports: standard library, ``s3engine.core``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3engine.core.process import Process

Out = Callable[[str], Any]


def stepper(p: Process, out: Out) -> Callable[..., None]:
    """A function taking one action in ``p`` and printing the step it leads to.

    Args:
        p: The process acted in (its innermost running child is shown).
        out: Where the lines go (``print``, a list's ``append`` ...).

    Returns:
        ``step(action, actor, **fields)``.
    """

    def step(action: str, actor: str, **fields: Any) -> None:
        p.act(action, actor, **fields)
        leaf = p.leaf()
        out(f"  {actor:<8} {action:<22} -> {leaf.definition.title}: {leaf.step.title}")

    return step
