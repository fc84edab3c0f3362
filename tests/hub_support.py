"""A real JupyterHub for the tests: written by `s3flow hub init`, run by `s3flow hub start`.

Loopback only, a try-out login (SharedPasswordAuthenticator with a fixed password) and
SimpleLocalProcessSpawner, so no system users are needed; configurable-http-proxy comes from the
npm registry (./dev test installs it into .cache/npm).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "s3flow-hub-test"
S3FLOW = str(Path(sys.executable).with_name("s3flow"))


def free_ports(n: int) -> int:
    """The first of ``n`` consecutive free loopback ports."""
    for _ in range(200):
        first = random.randint(20000, 60000)
        try:
            socks = []
            for port in range(first, first + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


def hub_env(workspace: str) -> dict[str, str]:
    env = dict(os.environ)
    env["S3FLOW_HUB_PASSWORD"] = PASSWORD
    env["S3FLOW_WORKSPACE"] = workspace
    env["PATH"] = os.pathsep.join(
        [
            str(ROOT / ".cache" / "npm" / "node_modules" / ".bin"),
            str(Path(S3FLOW).parent),
            env.get("PATH", ""),
        ]
    )
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Hub:
    """A JupyterHub process started with `s3flow hub start DIR`."""

    def __init__(self, home: Path, workspace: str, tutors: list[str], participants: list[str]):
        self.home = home
        self.port = free_ports(4)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = hub_env(workspace)
        cmd = [
            S3FLOW,
            "hub",
            "init",
            str(home),
            "--workspace",
            workspace,
            "--port",
            str(self.port),
            "--authenticator",
            "shared-password",
            "--no-npm",
        ]
        for t in tutors:
            cmd += ["--tutor", t]
        for p in participants:
            cmd += ["--participant", p]
        subprocess.run(cmd, check=True, env=self.env, capture_output=True, text=True)
        self.log = home / "hub.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [S3FLOW, "hub", "start", str(home)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float = 120) -> None:
        """Wait until the hub runs and the participant app answers (not its "starting" page)."""
        end = time.monotonic() + timeout
        url = f"{self.base}/services/s3flow/"
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("the hub exited: " + self.log.read_text()[-4000:])
            if "JupyterHub is now running" in self.log.read_text():
                try:
                    with urllib.request.urlopen(url, timeout=5) as r:  # to the hub's login page
                        if b"is starting" not in r.read():
                            return
                except OSError:
                    pass
            time.sleep(0.3)
        raise RuntimeError(f"the hub did not start ({url}): " + self.log.read_text()[-4000:])

    def stop(self) -> None:
        """Stop the hub; it stops the proxy, the participant app and the tutors' servers.

        Whatever it left running (e.g. after a failed start) is ended too: the processes whose
        working folder is inside this hub's folder (the proxy, the app, tutors' servers).
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for sig, pause in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 0.0)):
            left = self._left_behind()
            for pid in left:
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
            end = time.monotonic() + pause
            while left and time.monotonic() < end and self._left_behind():
                time.sleep(0.2)

    def _left_behind(self) -> list[int]:
        found = []
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and int(proc.name) != os.getpid():
                with contextlib.suppress(OSError):
                    cwd = os.readlink(proc / "cwd").removesuffix(" (deleted)")
                    if cwd == str(self.home) or cwd.startswith(str(self.home) + os.sep):
                        found.append(int(proc.name))
        return found


def log_in(page: object, base: str, name: str) -> None:
    """Log ``name`` in on the hub's login page (then the hub sends them where they belong)."""
    page.goto(f"{base}/hub/login")  # type: ignore[attr-defined]
    page.fill("#username_input", name)  # type: ignore[attr-defined]
    page.fill("#password_input", PASSWORD)  # type: ignore[attr-defined]
    page.click("#login_submit")  # type: ignore[attr-defined]
