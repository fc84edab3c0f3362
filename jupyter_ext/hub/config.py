"""The JupyterHub configuration of a region (``jupyterhub_config.py`` calls :func:`configure`).

What it sets up:

* **Who is who.** Tutors and participants are two hub groups (names chosen at ``hub init``).
  Everyone's identity is their hub login; s3flow records it on every event
  (``auth = {"via": "hub", "by": <user>}``).
* **Tutors** get their own JupyterLab (a single-user server) on their own copies of the tutor
  notebooks, with the region's workspace in ``$S3FLOW_WORKSPACE``.
* **Participants never get a server.** A spawn for anyone outside the tutors group is refused
  (:func:`only_tutors`), so no participant has a kernel or a terminal that could read the sealed
  answers of a hidden round. They land on the participant app, the hub service ``s3flow``
  (:mod:`jupyter_ext.hub.service`), which only members of the two groups may open.
* **Loopback by default**, on ports ``port`` (the proxy, what people open), ``port + 1`` (the
  hub's API), ``port + 2`` (the proxy's API) and ``port + 3`` (the participant app).

Allowed imports: standard library, tornado, s3engine.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from s3engine.errors import S3Error
from s3engine.shipped import notebooks_dir

#: The name of the participant app's hub service (its pages are under ``/services/s3flow/``).
SERVICE = "s3flow"
#: Where a shared password for a try-out on loopback comes from (never written to a file).
PASSWORD_VAR = "S3FLOW_HUB_PASSWORD"
PROXY = "configurable-http-proxy"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def proxy_command(home: Path) -> str:
    """Where configurable-http-proxy is.

    In ``home`` (``s3flow hub init`` installs it there with npm), on ``$PATH``, or in the
    checkout's ``.cache/npm`` (``./dev test`` installs it there).

    Raises:
        S3Error: It is nowhere; says how to install it.
    """
    checkout = Path(__file__).resolve().parents[2]
    for folder in (home / "node_modules", checkout / ".cache" / "npm" / "node_modules"):
        exe = folder / ".bin" / PROXY
        if exe.exists():
            return str(exe)
    found = shutil.which(PROXY)
    if found:
        return found
    raise S3Error(
        "JupyterHub needs configurable-http-proxy, which is not installed.",
        f"Install it from npm: npm install --prefix {home} {PROXY}@5 (or run s3flow hub init "
        "again).",
    )


def copy_tutor_notebooks(folder: Path) -> Path:
    """Copy the shipped tutor notebooks into ``folder`` (keeping copies already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    for nb in sorted(notebooks_dir().glob("*.ipynb")):
        if not (folder / nb.name).exists():
            shutil.copyfile(nb, folder / nb.name)
    return folder


def quiet_lab(folder: Path) -> None:
    """No JupyterLab news prompt for a tutor whose home is ``folder`` (unless they chose)."""
    settings = folder / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    target = settings / "notification.jupyterlab-settings"
    if not target.exists():
        settings.mkdir(parents=True, exist_ok=True)
        target.write_text('{"fetchNews": "false", "checkForUpdates": false}\n', encoding="utf-8")


def group_names(user: Any) -> set[str]:
    """The names of the hub groups ``user`` (a JupyterHub user object) belongs to."""
    return {g.name for g in getattr(user, "groups", [])}


def only_tutors(tutors_group: str, home: Path) -> Callable[[Any], None]:
    """A ``pre_spawn_hook``: only tutors get a server; it opens on their own notebook copies.

    Args:
        tutors_group: The tutors' hub group.
        home: The hub's folder (tutors' notebooks go to ``home/tutors/NAME``).
    """

    def hook(spawner: Any) -> None:
        from tornado.web import HTTPError

        if tutors_group not in group_names(spawner.user):
            raise HTTPError(
                403,
                f"{spawner.user.name} takes part through the participant app "
                f"(/services/{SERVICE}/); only the group '{tutors_group}' gets JupyterLab.",
            )
        folder = copy_tutor_notebooks(home / "tutors" / spawner.user.name)
        quiet_lab(folder)

    return hook


def landing(tutors_group: str) -> Callable[[Any], str]:
    """Where people arrive after logging in: tutors at their JupyterLab, others at the app."""

    def url(handler: Any) -> str:
        base = handler.base_url
        user = handler.current_user
        if user is not None and tutors_group in group_names(user):
            return f"{base}hub/spawn"
        return f"{base}services/{SERVICE}/"

    return url


def configure(
    c: Any,
    *,
    workspace: str,
    home: str | os.PathLike[str],
    tutors_group: str = "tutors",
    participants_group: str = "participants",
    tutors: Iterable[str] = (),
    participants: Iterable[str] = (),
    admins: Iterable[str] = (),
    ip: str = "127.0.0.1",
    port: int = 8000,
    authenticator: str = "pam",
    spawner: str = "simple",
) -> None:
    """Configure JupyterHub (``c``, the config object of ``jupyterhub_config.py``) for s3flow.

    Args:
        c: JupyterHub's config object.
        workspace: The region's workspace (``postgresql://…?workspace=NAME`` or a folder).
        home: The hub's folder (its database, cookie secret, tutors' notebooks).
        tutors_group: The hub group of tutors (they get JupyterLab).
        participants_group: The hub group of participants (they get the participant app).
        tutors: Hub users put in the tutors group at start.
        participants: Hub users put in the participants group at start.
        admins: Hub administrators (they manage users and groups on the hub's admin page; the hub
            lets an administrator act as anyone, so choose people the region trusts with that).
        ip: Where people connect (default: this computer only).
        port: The public port; the next three are used inside (see the module docstring).
        authenticator: A JupyterHub authenticator (``pam``: this computer's accounts;
            ``shared-password``: a try-out with the password in ``$S3FLOW_HUB_PASSWORD``, loopback
            only; or any installed authenticator, e.g. an OAuthenticator).
        spawner: How tutors' servers run (``simple``: as the hub's own system user, enough
            because only tutors get a server; ``localprocess``: as each tutor's system user).

    Raises:
        S3Error: A try-out password was asked for off loopback, or is missing.
    """
    home = Path(home).resolve()
    tutors, participants = sorted(set(tutors)), sorted(set(participants))
    admins = sorted(set(admins))
    c.JupyterHub.ip = ip
    c.JupyterHub.port = port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = port + 1
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
    c.ConfigurableHTTPProxy.command = [proxy_command(home)]
    c.ConfigurableHTTPProxy.pid_file = str(home / "jupyterhub-proxy.pid")
    c.JupyterHub.cookie_secret_file = str(home / "jupyterhub_cookie_secret")
    c.JupyterHub.db_url = f"sqlite:///{home / 'jupyterhub.sqlite'}"

    c.JupyterHub.authenticator_class = authenticator
    if authenticator in ("shared-password", "dummy"):
        if ip not in LOOPBACK:
            raise S3Error(
                f"The '{authenticator}' login lets anyone who knows one password in as anyone: "
                "it is for trying s3flow on this computer only.",
                "Keep the default address (127.0.0.1), or choose real accounts (pam, an "
                "OAuthenticator).",
            )
        password = os.environ.get(PASSWORD_VAR, "")
        if authenticator == "shared-password":
            if len(password) < 8:
                raise S3Error(
                    "The try-out login needs a password of at least 8 characters.",
                    f"Set it in ${PASSWORD_VAR} before s3flow hub start.",
                )
            c.SharedPasswordAuthenticator.user_password = password
    if tutors or participants or admins:
        c.Authenticator.allowed_users = set(tutors) | set(participants) | set(admins)
    c.Authenticator.admin_users = set(admins)
    c.JupyterHub.load_groups = {
        tutors_group: {"users": tutors},
        participants_group: {"users": participants},
    }
    c.JupyterHub.load_roles = [
        {
            "name": "s3flow-decisions",
            "description": "Open the s3flow participant app",
            "scopes": [f"access:services!service={SERVICE}"],
            "groups": [tutors_group, participants_group],
        }
    ]
    c.JupyterHub.default_url = landing(tutors_group)

    c.JupyterHub.spawner_class = spawner
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = str(home / "tutors" / "{username}")
    c.Spawner.environment = {"S3FLOW_WORKSPACE": workspace}
    c.Spawner.pre_spawn_hook = only_tutors(tutors_group, home)
    c.SimpleLocalProcessSpawner.home_dir_template = str(home / "tutors" / "{username}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        c.Spawner.args = ["--allow-root"]

    service_home = home / "service"
    service_home.mkdir(parents=True, exist_ok=True)
    c.JupyterHub.services = [
        {
            "name": SERVICE,
            "display": True,
            "url": f"http://127.0.0.1:{port + 3}",
            "command": [sys.executable, "-m", "jupyter_ext.hub.service"],
            "cwd": str(service_home),
            "environment": {
                "S3FLOW_WORKSPACE": workspace,
                "HOME": str(service_home),
                "JUPYTER_RUNTIME_DIR": str(service_home / "runtime"),
            },
            "oauth_no_confirm": True,
        }
    ]
