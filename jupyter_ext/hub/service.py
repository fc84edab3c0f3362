"""The participant app as a JupyterHub service: Voila behind the hub's login.

JupyterHub starts this program (``python -m jupyter_ext.hub.service``) as the managed service
``s3flow``. It serves one page, :func:`jupyter_ext.hub.page.hub_page`, to every member of the
tutors and participants groups:

* **Who is visiting** comes from the hub: the hub's OAuth (JupyterHub's own
  ``JupyterHubIdentityProvider``, the one its single-user servers use) signs the visitor in, and
  :func:`sign_in` writes their hub user name into the notebook that their kernel runs, on the
  server. Nothing the browser sends (query string, headers) can change it.
* **No code from the browser runs.** Each visitor gets a Voila kernel, run by this service, not
  by them; the notebook's sources are stripped and Voila passes only widget messages (comm
  messages, kernel info, shutdown) from the browser to the kernel; there is no Jupyter contents,
  kernels or terminals API here. So a participant cannot read the sealed answers of a hidden round
  even though their kernel can: only the page's own code runs there.
* The service's own hub API token is removed from the environment before any kernel starts.

JupyterHub gives a managed service ten seconds to answer, and loading Voila takes longer than that
on a busy machine, so :func:`main` first answers on the port with a bare "starting" page (standard
library, in a thread) and hands the port to Voila once it is loaded.

Allowed imports: standard library, voila, jupyter_ext.hub.voila_app (both once the port answers).
"""

from __future__ import annotations

import http.server
import os
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class _Starting(http.server.BaseHTTPRequestHandler):
    """Answers "starting" until Voila has loaded (see the module docstring)."""

    def do_GET(self) -> None:
        # 200: JupyterHub counts an error status as "not up yet"; the page reloads itself.
        body = (
            b"<!doctype html><meta http-equiv='refresh' content='2'><title>s3flow</title>"
            b"<p>The participant app is starting; this page reloads by itself.</p>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: JupyterHub logs its own checks."""


def answer_while_loading(port: int) -> http.server.ThreadingHTTPServer:
    """Answer on ``port`` (in a thread) until :meth:`shutdown` and ``server_close``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Starting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    """Serve the participant app where the hub says (``$JUPYTERHUB_SERVICE_URL``)."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    port = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:8003")).port
    starting = answer_while_loading(port or 8003)

    from voila.app import Voila

    from jupyter_ext.hub.voila_app import page_notebook, voila_config

    class HubVoila(Voila):  # type: ignore[misc]  # untyped library
        def listen(self) -> None:
            starting.shutdown()
            starting.server_close()
            super().listen()

    folder = Path(tempfile.mkdtemp(prefix="s3flow-app-"))
    argv = [
        str(page_notebook(folder)),
        f"--port={port or 8003}",
        "--Voila.ip=127.0.0.1",
        f"--Voila.base_url={prefix}",
        "--no-browser",
    ]
    HubVoila.launch_instance(argv=argv, config=voila_config())


if __name__ == "__main__":
    main()
