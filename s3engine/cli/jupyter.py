"""``s3flow lab`` and ``s3flow app``: JupyterLab on the tutor notebooks, or a notebook as an app.

``lab`` starts JupyterLab on the tutor notebooks; ``app`` serves one notebook as a Voila app. Both
hand over to the Jupyter program (``os.execve``: the engine never imports Jupyter) with the
workspace set in ``$S3FLOW_WORKSPACE``; further options go to JupyterLab/Voila.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

from s3engine.errors import MissingExtraError, S3Error
from s3engine.shipped import notebooks_dir

#: How long Voila waits for a page's output once its code ran (its own default, 4 s, serves a
#: page without the participant's panel when the computer is busy, e.g. everyone opening their
#: link at once).
IOPUB_TIMEOUT_S = 60


def tutor_notebooks(workspace: Path) -> Path:
    """The folder of tutor notebooks to open: working copies kept in the workspace.

    The shipped notebooks (the checkout's ``notebooks/`` or the installed package's copy) are never
    opened themselves, so running and autosaving never changes them: each one is copied once into
    ``WORKSPACE/notebooks``, and copies already there are kept (a tutor's notes survive upgrades).
    """
    shipped = notebooks_dir()
    target = workspace / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    for nb in sorted(shipped.glob("*.ipynb")):
        if not (target / nb.name).exists():
            shutil.copyfile(nb, target / nb.name)
    return target


#: JupyterLab settings of ``s3flow lab``: save soon after a run, so no notebook stays "modified"
#: (what is saved is the notebook as shipped, see ``jupyter_ext.notebook_save``).
LAB_OVERRIDES = {"@jupyterlab/docmanager-extension:plugin": {"autosaveInterval": 3}}


def lab_settings(workspace: Path) -> list[str]:
    """The JupyterLab options of ``s3flow lab``.

    Saved tutor notebooks pass through ``jupyter_ext.notebook_save.pre_save_hook`` (a reopened
    notebook shows "run to start", never a widget that cannot be shown), and the settings
    overrides in ``WORKSPACE/lab-settings`` save a notebook a few seconds after it ran.
    """
    import json

    folder = workspace / "lab-settings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=1) + "\n")
    return [
        "--ContentsManager.pre_save_hook=jupyter_ext.notebook_save.pre_save_hook",
        f"--LabApp.app_settings_dir={folder}",
    ]


def find_notebook(name: str) -> Path:
    """A notebook by path, or a tutor notebook by name (``consent-decision``).

    Raises:
        S3Error: There is no such notebook.
    """
    given = Path(name)
    shipped = notebooks_dir()
    for candidate in (given, shipped / given, shipped / f"{name}.ipynb"):
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate
    names = ", ".join(sorted(p.stem for p in shipped.glob("*.ipynb")))
    raise S3Error(
        f"There is no notebook '{name}'.",
        f"Give the path of an .ipynb file or one of the tutor notebooks: {names}.",
    )


def _env(args: argparse.Namespace) -> dict[str, str]:
    from s3engine.core.workspace import Workspace, resolve_path

    where = resolve_path(args.workspace)
    path = where.resolve() if isinstance(where, Path) else where
    ws = Workspace(path)
    if ws.journal.last_seq == 0:
        ws.write(args.actor or "s3flow", "", "workspace.created", {"s3flow": "lab"})
    ws.flush(everything=True)
    env = dict(os.environ)
    env["S3FLOW_WORKSPACE"] = str(path)
    return env


def _tool(name: str, what: str) -> str:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if not found:
        raise MissingExtraError(what, "jupyter", name)
    return found


def cmd_lab(args: argparse.Namespace) -> int:
    """Replace this program with JupyterLab on the tutor notebooks."""
    lab = _tool("jupyter-lab", "`s3flow lab`")
    env = _env(args)
    workspace = Path(env["S3FLOW_WORKSPACE"])
    root = Path(args.notebooks).resolve() if args.notebooks else tutor_notebooks(workspace)
    if not root.is_dir():
        raise S3Error(f"No notebooks folder at {root}.", "Give one with --notebooks DIR.")
    cmd = [lab, f"--ServerApp.root_dir={root}", *lab_settings(workspace)]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args.rest:
        cmd.append("--allow-root")
    cmd += args.rest
    print(f"Starting JupyterLab on {root} with the workspace {env['S3FLOW_WORKSPACE']}", flush=True)
    os.execve(cmd[0], cmd, env)


def cmd_app(args: argparse.Namespace) -> int:
    """Replace this program with Voila serving one notebook as an app.

    With ``--lan`` Voila listens on every interface (participants' phones reach it over the room's
    network) and the participant links are printed with their QR codes when ``--process`` names
    the decision; without it, it listens on this computer only.
    """
    nb = find_notebook(args.notebook)
    voila = _tool("voila", "`s3flow app`")
    env = _env(args)
    rest = list(args.rest)
    port = _option(rest, "--port") or "8866"
    if not _option(rest, "--port"):
        rest.append(f"--port={port}")
    if not any(r.startswith("--Voila.ip") for r in rest):
        rest.append("--Voila.ip=0.0.0.0" if args.lan else "--Voila.ip=127.0.0.1")
    if not any(r.startswith("--VoilaExecutor.iopub_timeout") for r in rest):
        rest.append(f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}")
    host = lan_address() if args.lan else "127.0.0.1"
    base = f"http://{host}:{port}/"
    cmd = [voila, str(nb.resolve()), "--strip_sources=True", *rest]
    if "--no-browser" not in rest:
        cmd.append("--no-browser")
    print(
        f"Serving {nb.name} as an app at {base} with the workspace {env['S3FLOW_WORKSPACE']}",
        flush=True,
    )
    if args.lan:
        print(
            "Listening on every network interface: only personal links give access to a "
            "decision (s3flow invite).",
            flush=True,
        )
    if args.process:
        _print_links(args, Path(env["S3FLOW_WORKSPACE"]), base)
    os.execve(cmd[0], cmd, env)


def _option(rest: list[str], name: str) -> str | None:
    for i, item in enumerate(rest):
        if item == name and i + 1 < len(rest):
            return rest[i + 1]
        if item.startswith(name + "="):
            return item.split("=", 1)[1]
    return None


def lan_address() -> str:
    """This computer's address on the local network (no packet is sent to find it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _print_links(args: argparse.Namespace, folder: Path, base: str) -> None:
    import segno

    from s3engine.core.workspace import Workspace
    from s3engine.participation import invite

    ws = Workspace(folder)
    proc = ws.get(args.process).root
    made = invite.issue(ws, proc.id, args.actor or proc.facilitator)
    print(
        f"Personal links for {proc.id} (until {made[0].expires[:10]}); give each person "
        "only their own:",
        flush=True,
    )
    for m in made:
        print(f"\n{m.person}: {m.url(base)}", flush=True)
        segno.make(m.url(base), error="m").terminal(compact=True)
    ws.close()


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``lab`` and ``app`` commands."""
    p = sub.add_parser(
        "lab",
        parents=[common],
        help="start JupyterLab on the tutor notebooks (extra options go to Lab)",
    )
    p.add_argument(
        "--notebooks", metavar="DIR", help="folder to open (default: the tutor notebooks)"
    )
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options for JupyterLab")
    p.set_defaults(func=cmd_lab)
    p = sub.add_parser(
        "app", parents=[common], help="serve a notebook as a Voila app (no code shown)"
    )
    p.add_argument("notebook")
    p.add_argument(
        "--lan",
        action="store_true",
        help="listen on every interface, for participants' phones in the room",
    )
    p.add_argument(
        "--process",
        metavar="ID",
        help="print the participants' personal links and QR codes for this process",
    )
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options for Voila")
    p.set_defaults(func=cmd_app)


def main(argv: list[str]) -> int:
    """Run ``lab`` or ``app``, passing every option s3flow does not know on unchanged.

    argparse cannot pass options such as ``--port 8890`` through a sub-command reliably, so these
    two commands are parsed here instead of by :func:`s3engine.cli.main.build_parser`.

    Args:
        argv: The command line after ``s3flow``, starting with ``lab`` or ``app``.

    Returns:
        The exit code (in practice the Jupyter program replaces this one).

    Raises:
        S3Error: No notebook was named for ``app``, or the named one does not exist.
    """
    parser = argparse.ArgumentParser(prog=f"s3flow {argv[0]}", add_help=False)
    parser.add_argument("--workspace", "-w")
    parser.add_argument("--as", dest="actor", default=None)
    if argv[0] == "lab":
        parser.add_argument("--notebooks")
    else:
        parser.add_argument("--lan", action="store_true")
        parser.add_argument("--process")
    ns, rest = parser.parse_known_args(argv[1:])
    if argv[0] == "lab":
        ns.rest = rest
        return cmd_lab(ns)
    positional = [x for x in rest if not x.startswith("-")]
    if not positional:
        raise S3Error("Name the notebook to serve.", "For example: s3flow app consent-decision")
    ns.notebook = positional[0]
    rest.remove(ns.notebook)
    ns.rest = rest
    return cmd_app(ns)
