"""``s3flow hub init DIR`` and ``s3flow hub start DIR``: s3flow for a region, on JupyterHub.

``init`` writes ``DIR/jupyterhub_config.py``: a short, readable file naming the workspace (a
``postgresql://…?workspace=NAME`` URL, or ``$S3FLOW_WORKSPACE`` read when the hub starts), the
hub groups of tutors and participants, the address and the login; the rest is
:func:`jupyter_ext.hub.config.configure`. It also installs configurable-http-proxy (JupyterHub's
proxy, from the npm registry) into ``DIR`` when it is not installed yet. ``start`` hands over to
JupyterHub (``os.execve``: the engine never imports Jupyter) in ``DIR``.

Allowed imports: standard library, s3engine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from s3engine.errors import MissingExtraError, S3Error
from s3engine.journal.store import is_url
from s3engine.version import __version__

CONFIG = "jupyterhub_config.py"
#: Where the hub-side configuration lives (imported by the hub, never by the engine).
CONFIG_MODULE = "jupyter_ext.hub.config"
PROXY = "configurable-http-proxy"
PROXY_VERSION = "5"
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.@")

TEMPLATE = """\
# JupyterHub for s3flow, written by `s3flow hub init` (s3flow {version}).
# Start it with:  s3flow hub start {home}
# See README.md, "Running s3flow for a region". Change the values below freely; what they mean
# is in jupyter_ext/hub/config.py (configure). Add users to the groups in the hub's admin page.
{imports}from {config_module} import configure

c = get_config()  # noqa: F821 (JupyterHub provides it)
configure(
    c,
    # The region's workspace: one community, in PostgreSQL ("postgresql://…?workspace=NAME").
    workspace={workspace},
    home={home_literal},
    # Hub groups: tutors get JupyterLab on the tutor notebooks, participants the participant app.
    tutors_group={tutors_group!r},
    participants_group={participants_group!r},
    tutors={tutors!r},
    participants={participants!r},
    # Hub administrators manage users and groups (the hub lets them act as anyone: trust them).
    admins={admins!r},
    # Where people connect (127.0.0.1: this computer only) and the public port (the next three
    # ports are used inside).
    ip={ip!r},
    port={port!r},
    # How people log in: "pam" (this computer's accounts), "shared-password" (a try-out on this
    # computer, password in $S3FLOW_HUB_PASSWORD) or an installed authenticator.
    authenticator={authenticator!r},
    spawner={spawner!r},
)
"""


def _names(values: list[str] | None, what: str) -> list[str]:
    out = []
    for v in values or []:
        name = v.strip().lower()
        if not name or not set(name) <= NAME_CHARS:
            raise S3Error(
                f"'{v}' cannot be a hub {what} name.",
                "Use lower-case letters, digits, '-', '_', '.' or '@'.",
            )
        out.append(name)
    return out


def config_text(args: argparse.Namespace, home: Path) -> str:
    """The ``jupyterhub_config.py`` for the options of ``hub init``.

    Raises:
        S3Error: No workspace is named, or a name or port is wrong.
    """
    if args.workspace:
        target = str(args.workspace)
        workspace = repr(target if is_url(target) else str(Path(target).expanduser().resolve()))
        imports = ""
    elif os.environ.get("S3FLOW_WORKSPACE"):
        workspace = 'os.environ["S3FLOW_WORKSPACE"]'  # read when the hub starts
        imports = "import os\n\n"
    else:
        raise S3Error(
            "The hub needs the region's workspace.",
            "Give it: s3flow hub init DIR --workspace 'postgresql://USER@HOST/DB?workspace=NAME' "
            "(or set $S3FLOW_WORKSPACE when the hub starts).",
        )
    groups = _names([args.tutors_group, args.participants_group], "group")
    if groups[0] == groups[1]:
        raise S3Error("Tutors and participants need two different groups.", "Name two groups.")
    if not 1 <= args.port <= 65532:
        raise S3Error(f"Port {args.port} cannot be used.", "Choose a port from 1 to 65532.")
    return TEMPLATE.format(
        version=__version__,
        config_module=CONFIG_MODULE,
        home=home,
        home_literal=repr(str(home)),
        imports=imports,
        workspace=workspace,
        tutors_group=groups[0],
        participants_group=groups[1],
        tutors=_names(args.tutor, "user"),
        participants=_names(args.participant, "user"),
        admins=_names(args.admin, "user"),
        ip=args.ip,
        port=args.port,
        authenticator=args.authenticator,
        spawner=args.spawner,
    )


def find_proxy(home: Path) -> str | None:
    """configurable-http-proxy in ``home``, on ``$PATH`` or in the checkout's ``.cache/npm``."""
    checkout = Path(__file__).resolve().parents[2]
    for folder in (home / "node_modules", checkout / ".cache" / "npm" / "node_modules"):
        exe = folder / ".bin" / PROXY
        if exe.exists():
            return str(exe)
    return shutil.which(PROXY)


def install_proxy(home: Path) -> str:
    """Install configurable-http-proxy from the npm registry into ``home``.

    Raises:
        S3Error: npm is missing or the installation failed.
    """
    npm = shutil.which("npm")
    if not npm:
        raise S3Error(
            "JupyterHub's proxy (configurable-http-proxy) comes from npm, which is not installed.",
            "Install Node.js and npm (Debian: apt-get install npm), then run s3flow hub init "
            "again.",
        )
    print(f"Installing {PROXY} from npm into {home} ...", flush=True)
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(home),
            "--no-audit",
            "--no-fund",
            "--silent",
            f"{PROXY}@{PROXY_VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    exe = home / "node_modules" / ".bin" / PROXY
    if done.returncode != 0 or not exe.exists():
        raise S3Error(
            f"npm could not install {PROXY}: {(done.stderr or done.stdout).strip()[-300:]}",
            f"Install it by hand: npm install --prefix {home} {PROXY}@{PROXY_VERSION}",
        )
    return str(exe)


def cmd_init(args: argparse.Namespace) -> int:
    """Write ``DIR/jupyterhub_config.py`` (and install the proxy if needed)."""
    home = Path(args.dir).expanduser().resolve()
    text = config_text(args, home)
    target = home / CONFIG
    if target.exists() and not args.force:
        raise S3Error(f"{target} exists already.", "Edit it, or add --force to write it again.")
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it may hold a password
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"Wrote {target}")
    proxy = find_proxy(home)
    if proxy is None and not args.no_npm:
        proxy = install_proxy(home)
    print(f"Proxy: {proxy or 'not installed (npm install ' + PROXY + ')'}")
    print(f"Start the hub with: s3flow hub start {home}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """Replace this program with JupyterHub running ``DIR/jupyterhub_config.py``."""
    home = Path(args.dir).expanduser().resolve()
    config = home / CONFIG
    if not config.is_file():
        raise S3Error(f"There is no hub in {home}.", f"Write one first: s3flow hub init {home}")
    # JupyterHub of this environment only: the configuration imports s3flow's hub module from it.
    exe = Path(sys.executable).with_name("jupyterhub")
    if not exe.exists():
        raise MissingExtraError("`s3flow hub start`", "hub", "jupyterhub")
    hub = str(exe)
    env = dict(os.environ)
    bins = [str(home / "node_modules" / ".bin"), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
    cmd = [hub, "-f", str(config), *args.rest]
    print(f"Starting JupyterHub in {home}", flush=True)
    os.chdir(home)
    os.execve(cmd[0], cmd, env)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``hub init`` and ``hub start``."""
    hub = sub.add_parser("hub", help="run s3flow for a region on JupyterHub (init, start)")
    cmds = hub.add_subparsers(dest="hub_command", metavar="init|start")
    p = cmds.add_parser(
        "init", parents=[common], help="write a JupyterHub configuration for s3flow into DIR"
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--tutors-group", default="tutors", help="hub group of tutors (JupyterLab)")
    p.add_argument("--participants-group", default="participants", help="hub group of participants")
    p.add_argument("--tutor", action="append", metavar="NAME", help="a tutor (repeatable)")
    p.add_argument(
        "--participant", action="append", metavar="NAME", help="a participant (repeatable)"
    )
    p.add_argument("--admin", action="append", metavar="NAME", help="a hub administrator")
    p.add_argument("--ip", default="127.0.0.1", help="where people connect (default: loopback)")
    p.add_argument("--port", type=int, default=8000, help="public port (default 8000)")
    p.add_argument("--authenticator", default="pam", help="JupyterHub login (default: pam)")
    p.add_argument("--spawner", default="simple", help="how tutors' servers run")
    p.add_argument("--force", action="store_true", help="write over an existing configuration")
    p.add_argument("--no-npm", action="store_true", help="do not install the proxy with npm")
    p.set_defaults(func=cmd_init)
    p = cmds.add_parser("start", help="run the JupyterHub of DIR")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options for JupyterHub")
    p.set_defaults(func=cmd_start)
