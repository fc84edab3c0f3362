"""The participant app's Voila pieces: the hub's login, the per-visitor page (see :mod:`.service`).

Allowed imports: standard library, jupyterhub, voila, traitlets, tornado, nbformat.
"""

from __future__ import annotations

import copy
import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import nbformat
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider
from jupyterhub.utils import url_path_join
from tornado.web import HTTPError
from traitlets.config import Config

PREFIX_VAR = "JUPYTERHUB_SERVICE_PREFIX"
URL_VAR = "JUPYTERHUB_SERVICE_URL"
TOKEN_VARS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")


class HubIdentity(JupyterHubIdentityProvider):  # type: ignore[misc]  # untyped library
    """JupyterHub's OAuth login, adapted to Voila's stand-alone server.

    Voila mounts the provider's handlers as given; they are put under the service's prefix here,
    and the hub API token is never offered as a login token (Voila would print it).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("token", None)
        super().__init__(**kwargs)
        _ = self.hub_auth.api_token  # read it now: it leaves the environment (kernels inherit it)
        for var in TOKEN_VARS:
            os.environ.pop(var, None)

    @property
    def token(self) -> str:
        """No login token: visitors sign in through the hub."""
        return ""

    def get_handlers(self) -> list[Any]:
        """The logout and OAuth callback handlers, under the service's prefix."""
        prefix = os.environ.get(PREFIX_VAR, "/")
        return [(url_path_join(prefix, h[0]), *h[1:]) for h in super().get_handlers()]


#: The hub user whose page is being made (set by :func:`sign_in`, read when its kernel starts:
#: both happen in the same request's task, so concurrent visitors never mix).
_VISITOR: ContextVar[str | None] = ContextVar("s3flow_visitor", default=None)
#: Whose page each kernel runs (kernel id -> hub user).
OWNERS: dict[str, str] = {}


class OwnedKernels(AsyncMappingKernelManager):
    """Kernels that remember which hub user's page they run."""

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """Start a kernel for the visitor whose page is being made."""
        kernel_id = str(await super().start_kernel(*args, **kwargs))
        who = _VISITOR.get()
        if who:
            OWNERS[kernel_id] = who
        return kernel_id

    async def shutdown_kernel(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Shut a kernel down and forget its owner."""
        await super().shutdown_kernel(*args, **kwargs)  # type: ignore[no-untyped-call]
        OWNERS.pop(str(kwargs.get("kernel_id", args[0] if args else "")), None)


class OwnKernelsOnly(JupyterHubAuthorizer):  # type: ignore[misc]  # untyped library
    """The hub's scopes, and a kernel only for the person whose page it runs.

    Without this, whoever learnt another visitor's kernel id could connect to that page's kernel
    and press that person's buttons.
    """

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        """Whether ``user`` may do ``action`` on ``resource`` (see the class docstring)."""
        if not super().is_authorized(handler, user, action, resource):
            return False
        if resource != "kernels":
            return True
        kernel_id = getattr(handler, "kernel_id", None) or (handler.path_kwargs or {}).get(
            "kernel_id"
        )
        if not kernel_id and handler.path_args:
            kernel_id = handler.path_args[0]
        return bool(kernel_id) and OWNERS.get(str(kernel_id)) == user.username


def sign_in(req_handler: Any, notebook: Any, cwd: str) -> Any:
    """Voila's prelaunch hook: the visitor's page, made for the hub user they are signed in as.

    Args:
        req_handler: The request (its ``current_user`` was set by the hub's OAuth).
        notebook: The page's notebook.
        cwd: Its folder.

    Returns:
        A copy of the notebook whose only cell shows the page for that user.

    Raises:
        HTTPError: Nobody is signed in (403).
    """
    user = getattr(req_handler, "current_user", None)
    name = getattr(user, "username", "") if user is not None else ""
    if not name:
        raise HTTPError(403, "Sign in to the hub first.")
    _VISITOR.set(str(name))
    page = copy.deepcopy(notebook)
    page.cells = [
        nbformat.v4.new_code_cell(  # type: ignore[no-untyped-call]
            f"from jupyter_ext.hub.page import hub_page\nhub_page({str(name)!r})"
        )
    ]
    return page


def page_notebook(folder: Path) -> Path:
    """Write the page's notebook (its cell is replaced per visitor by :func:`sign_in`)."""
    nb = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("# replaced for each visitor")]  # type: ignore[no-untyped-call]
    path = folder / "decisions.ipynb"
    nbformat.write(nb, path)  # type: ignore[no-untyped-call]
    return path


def voila_config() -> Config:
    """Voila's configuration: hub login, hub scopes, the per-visitor page, no sources shown."""
    cfg = Config()
    cfg.Voila.identity_provider_class = HubIdentity
    cfg.Voila.authorizer_class = OwnKernelsOnly
    cfg.VoilaConfiguration.multi_kernel_manager_class = OwnedKernels
    cfg.VoilaConfiguration.prelaunch_hook = sign_in
    cfg.VoilaConfiguration.strip_sources = True
    cfg.VoilaConfiguration.show_tracebacks = False
    cfg.VoilaExecutor.iopub_timeout = 60  # not 4 s: a busy server still shows the whole page
    return cfg
