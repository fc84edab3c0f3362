"""`s3flow hub init` writes a JupyterHub configuration that JupyterHub's own loader accepts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jupyterhub.app import JupyterHub

S3FLOW = str(Path(sys.executable).with_name("s3flow"))
URL = "postgresql://s3@db.example.org/region?workspace=tor-bella"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.pop("S3FLOW_WORKSPACE", None)
    full.update(env or {})
    return subprocess.run([S3FLOW, *args], capture_output=True, text=True, env=full, check=False)


def load(home: Path, env: dict[str, str] | None = None) -> Any:
    """The configuration as JupyterHub loads it (its own config-file loader)."""
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        app = JupyterHub()
        app.load_config_file(str(home / "jupyterhub_config.py"))
        return app.config
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_init_names_the_store_the_groups_and_stays_on_loopback(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    done = run(
        "hub", "init", str(home), "--workspace", URL, "--tutors-group", "tutori",
        "--participants-group", "cittadini", "--tutor", "Ana", "--participant", "bo",
        "--participant", "cy", "--admin", "lia", "--no-npm",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    config = home / "jupyterhub_config.py"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it names the database
    c = load(home)
    assert c.JupyterHub.ip == "127.0.0.1"
    assert c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.JupyterHub.load_groups == {
        "tutori": {"users": ["ana"]},
        "cittadini": {"users": ["bo", "cy"]},
    }
    assert c.Authenticator.allowed_users == {"ana", "bo", "cy", "lia"}
    assert c.Authenticator.admin_users == {"lia"}
    (role,) = c.JupyterHub.load_roles
    assert role["scopes"] == ["access:services!service=s3flow"]
    assert sorted(role["groups"]) == ["cittadini", "tutori"]
    (service,) = c.JupyterHub.services
    assert service["environment"]["S3FLOW_WORKSPACE"] == URL
    assert service["command"][-2:] == ["-m", "jupyter_ext.hub.service"]
    assert service["url"].startswith("http://127.0.0.1:")
    assert c.Spawner.environment == {"S3FLOW_WORKSPACE": URL}
    assert c.Spawner.default_url == "/lab"
    assert callable(c.Spawner.pre_spawn_hook)
    assert Path(c.ConfigurableHTTPProxy.command[0]).name == "configurable-http-proxy"
    again = run("hub", "init", str(home), "--workspace", URL, "--no-npm")
    assert again.returncode == 2 and "exists already" in again.stderr


def test_workspace_from_the_environment_is_read_when_the_hub_starts(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    done = run("hub", "init", str(home), "--no-npm", env={"S3FLOW_WORKSPACE": URL})
    assert done.returncode == 0, done.stderr
    assert URL not in (home / "jupyterhub_config.py").read_text()  # no secret in the file
    other = URL.replace("tor-bella", "zaragoza")
    c = load(home, {"S3FLOW_WORKSPACE": other})
    assert c.JupyterHub.services[0]["environment"]["S3FLOW_WORKSPACE"] == other


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "needs the region's workspace"),
        (["--workspace", URL, "--tutors-group", "x", "--participants-group", "x"], "two different"),
        (["--workspace", URL, "--tutor", "Ana Rossi"], "cannot be a hub user name"),
        (["--workspace", URL, "--port", "70000"], "cannot be used"),
    ],
)
def test_init_refuses_bad_input_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = run("hub", "init", str(tmp_path / "hub"), "--no-npm", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "hub" / "jupyterhub_config.py").exists()


def test_a_try_out_password_login_only_on_loopback(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    base = ["hub", "init", str(home), "--workspace", URL, "--no-npm"]
    assert run(*base, "--authenticator", "shared-password", "--ip", "0.0.0.0").returncode == 0
    with pytest.raises(Exception, match="this computer only"):
        load(home, {"S3FLOW_HUB_PASSWORD": "long enough password"})


def test_start_without_a_hub_says_how_to_make_one(tmp_path: Path) -> None:
    done = run("hub", "start", str(tmp_path))
    assert done.returncode == 2
    assert "s3flow hub init" in done.stderr and "Traceback" not in done.stderr
