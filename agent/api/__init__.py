"""The local API (DESIGN.md section 5): one FastAPI app, one router module per domain.

Every module of this package that defines ``router`` is included, so the helpers who add
receipts, shift, pairing, sync ... only drop a module here. The app reaches the daemon through
``app.state.ctx`` (see ``agent.api.deps.get_ctx``).
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI

from agent import __version__
from agent.api.errors import install_error_handlers


def router_modules() -> list[str]:
    skip = {"deps", "errors"}
    return sorted(
        f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__) if info.name not in skip
    )


def create_app(ctx) -> FastAPI:
    app = FastAPI(
        title="kassa local API",
        version=__version__,
        description="The register daemon's API for the TUI and the CLI, on a unix socket.",
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    for name in router_modules():
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    return app
