"""A throw-away PostgreSQL server for tests and benchmarks (Debian's ``postgresql`` binaries).

``TempServer()`` runs ``initdb`` in a new temporary folder and starts the server on a Unix socket
only (no TCP port is opened: ``listen_addresses=''``). PostgreSQL refuses to run as root, so when
we are root the server runs as the ``postgres`` system user (``runuser -u postgres -- ...``) and
the temporary folder is made reachable for that user. ``stop()`` stops it and removes the folder.
s3flow itself never starts a server: it connects to whatever server its URL names.

Allowed imports: standard library, ``s3engine.errors``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from s3engine.errors import S3Error

USER = "s3"


def binaries() -> Path | None:
    """The newest installed PostgreSQL server's ``bin`` folder, None when there is none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


class TempServer:
    """A PostgreSQL server in a temporary folder, listening on a Unix socket only.

    Args:
        port: The port number (it only names the socket file ``.s.PGSQL.<port>``).

    Raises:
        S3Error: No PostgreSQL server binaries are installed, or the server does not start.
    """

    def __init__(self, port: int = 54329) -> None:
        bindir = binaries()
        if bindir is None:
            raise S3Error(
                "No PostgreSQL server is installed here (/usr/lib/postgresql/*/bin).",
                "Install Debian's postgresql package (apt-get install postgresql).",
            )
        self.bindir = bindir
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="s3flow-pg-"))
        self.root.chmod(0o755)
        self.socket_dir = self.root / "pg"
        self.socket_dir.mkdir()
        self.data = self.socket_dir / "data"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.socket_dir, "postgres")
            # Every parent of the folder must be searchable by the postgres user.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8")
        opts = (
            f"-k {self.socket_dir} -p {port} -c listen_addresses='' -c fsync=on "
            "-c max_connections=60 -c shared_buffers=32MB"
        )
        log = self.socket_dir / "log"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(log), "-w", "start")
        self._started = time.monotonic()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise S3Error(
                f"PostgreSQL's {tool} failed: {(proc.stderr or proc.stdout).strip()[-400:]}",
                "Check the PostgreSQL installation.",
            )

    def url(self, database: str = "postgres", workspace: str | None = None) -> str:
        """The libpq URL of ``database`` on this server (with a ``workspace`` parameter)."""
        url = f"postgresql://{USER}@/{database}?host={self.socket_dir}&port={self.port}"
        return url + (f"&workspace={workspace}" if workspace else "")

    def create_database(self, name: str) -> str:
        """Create a database; return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name chosen by the caller (tests)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
