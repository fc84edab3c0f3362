"""s3flow in Jupyter: widgets tutors step through, and the ``%s3flow`` magics.

Load with ``%load_ext jupyter_ext``. The widgets are thin views over ``s3engine`` objects: every
rule lives in the engine, and every widget redraws from the engine after an action or a refresh.

    %s3flow workspace [DIR]      open a workspace (default: $S3FLOW_WORKSPACE)
    %s3flow language it          interface language (en, it, pt, es, fr, el, ar)
    %s3flow intro NOTEBOOK       a notebook's introduction, in the interface language
    %s3flow start KIND           continue or start a process (consent, role-selection, mits, ...)
    %s3flow open ID              the stepper for one process
    %s3flow patterns [WORDS]     the pattern browser
    %s3flow journal              agreements due, roles ending, events, verify, minutes
    %s3flow replay ID            replay a recorded process and compare it with the guide
    %s3flow diagram ID           the process as a diagram, current step highlighted
    %s3flow participant          the participant app for the personal link in the URL
"""

from __future__ import annotations

import shlex
from typing import Any

__all__ = [
    "JournalView",
    "PatternBrowser",
    "ProcessStepper",
    "ReplayView",
    "Session",
    "diagram",
    "load_ipython_extension",
    "set_language",
    "workspace",
]


def __getattr__(name: str) -> Any:
    if name == "Session":
        from .session import Session

        return Session
    if name == "workspace":
        from .workspace import workspace

        return workspace
    if name == "ProcessStepper":
        from .stepper import ProcessStepper

        return ProcessStepper
    if name == "JournalView":
        from .journal_view import JournalView

        return JournalView
    if name == "ReplayView":
        from .replay_view import ReplayView

        return ReplayView
    if name == "PatternBrowser":
        from .pattern_browser import PatternBrowser

        return PatternBrowser
    if name in ("EvaluationGrid", "CycleView", "NominationsView"):
        from . import mits_views

        return getattr(mits_views, name)
    if name == "set_language":
        from .i18n import set_language

        return set_language
    raise AttributeError(name)


def diagram(pid: str) -> None:
    """Display a process as a mermaid diagram (JupyterLab 4 renders it natively).

    Args:
        pid: Id of the process; its innermost running sub-process is drawn, current step
            highlighted.
    """
    from .stepper import show_mermaid
    from .workspace import workspace as _ws

    show_mermaid(_ws().get(pid).leaf())


def _magic(line: str) -> Any:
    from s3engine.errors import S3Error

    from . import i18n, session
    from .stepper import display
    from .workspace import workspace

    args = shlex.split(line)
    if not args:
        print(__doc__)
        return None
    cmd, rest = args[0], args[1:]
    try:
        if cmd == "workspace":
            ws = workspace(rest[0] if rest else None)
            print(f"s3flow workspace: {ws.path} ({ws.head[0]} events)")
            return None
        if cmd == "language":
            i18n.set_language(rest[0])
            return None
        if cmd == "intro":
            from .intro import Intro

            workspace()  # the workspace's language setting applies from the first panel on
            display(Intro(rest[0]))  # shown here: the cell's last line shows the panel itself
            return None
        if cmd == "start":
            return session.Session(rest[0])
        if cmd == "open":
            from .stepper import ProcessStepper

            return ProcessStepper(workspace(), rest[0])
        if cmd == "patterns":
            from .pattern_browser import PatternBrowser

            return PatternBrowser(query=" ".join(rest))
        if cmd == "journal":
            from .journal_view import JournalView

            return JournalView()
        if cmd == "replay":
            from .replay_view import ReplayView

            return ReplayView(rest[0])
        if cmd == "participant":
            from .participant import participant_app

            return participant_app()
        if cmd == "diagram":
            diagram(rest[0])
            return None
    except S3Error as err:
        print(f"s3flow: {err}")
        return None
    except (IndexError, ValueError) as err:
        print(f"s3flow: {err or 'missing argument'}. Type %s3flow for help.")
        return None
    print(f"s3flow: unknown command {cmd!r}. Type %s3flow for help.")
    return None


def load_ipython_extension(ip: Any) -> None:
    """Register the ``%s3flow`` line magic."""
    ip.register_magic_function(_magic, magic_kind="line", magic_name="s3flow")


def unload_ipython_extension(ip: Any) -> None:
    """Nothing to clean up; widgets close with the kernel."""
