"""The Gradio app. Public API::

    build_app(services) -> gr.Blocks       # the app over an agent.Services facade
    serve(ws, settings, ensure_demo_user=True, block=True)   # login on, prints URL (+ demo login)
    launch(ws, settings, block=True)       # serve without creating accounts

Gradio is imported only when an app is built.
"""

from __future__ import annotations

from memberinsight.ui.app import build_app
from memberinsight.ui.server import check_bind, is_loopback, launch, serve

__all__ = ["build_app", "check_bind", "is_loopback", "launch", "serve"]
