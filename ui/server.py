"""Serving the app: login always on, loopback bind by default, a demo account when there is none.

Sessions are tied to the account (removing, disabling or changing the password of an account ends
its sessions at once), sign-ins are throttled, the login page carries no API description
(:mod:`ui.access`), and the files Gradio copied into its temp cache (downloads, uploads) are
deleted when the server stops.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import signal
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

from memberinsight.config import Settings
from memberinsight.errors import AuthError, ConfigError

DEMO_USER = "demo"
TEMP_SWEEP_S, TEMP_MAX_AGE_S = 600, 3600
"""Every 10 minutes, files the app put in Gradio's temp cache more than an hour ago are deleted (all at stop)."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, auth: bool) -> None:
    """Refuse to serve beyond this machine without login."""
    if not auth and not is_loopback(host):
        raise ConfigError(f"refusing to bind {host} without login: a non-loopback address needs users "
                          "(`memberinsight user add NAME`)")


def ensure_user(ws: Any, create_demo: bool) -> tuple[str, str] | None:
    """Make sure someone can log in; returns a (username, password) to print, or None.

    No account yet: with ``create_demo`` a ``demo`` admin with a random password is created,
    otherwise :class:`AuthError`. When the only account is that ``demo`` one (a re-run demo), it
    gets a fresh random password, since the earlier one was shown only once. Real accounts are
    never touched.
    """
    from memberinsight.workspace.users import add_user, generate_password, list_users, set_password

    users = [u.username for u in list_users(ws)]
    if users and not (create_demo and users == [DEMO_USER]):
        return None
    if not create_demo:
        raise AuthError("no user accounts in this workspace; add one with `memberinsight user add NAME`")
    password = generate_password()
    if users:
        set_password(ws, DEMO_USER, password, actor="serve")
    else:
        add_user(ws, DEMO_USER, password, role="admin", actor="serve")
    return DEMO_USER, password


def _quiet_gradio_pandas_warnings() -> None:
    """Gradio 6 calls pandas options that pandas 3 deprecates, on every table update; keep the server log readable."""
    import warnings

    try:
        from pandas.errors import Pandas4Warning
    except ImportError:  # pandas 2 does not warn
        return
    warnings.filterwarnings("ignore", category=Pandas4Warning, module=r"gradio\.")


def remove_temp_files(app: Any) -> int:
    """Delete the files ``app`` put in Gradio's temp cache (download copies, uploads); returns how many.

    Gradio's own shutdown does this too (``delete_cache``); this is the fallback for a process
    that exits without a clean server stop. Only the app's own files (and the folders they leave
    empty) are removed, never the cache of another app.
    """
    removed = 0
    cache = Path(getattr(app, "GRADIO_CACHE", "") or ".").resolve()
    for files in getattr(app, "temp_file_sets", []):
        for name in list(files):
            path = Path(name).resolve()
            if cache not in path.parents:  # never outside the cache (the workspace's exports stay)
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
            if path.parent != cache:
                with contextlib.suppress(OSError):
                    path.parent.rmdir()  # Gradio keeps each file in a folder of its own (not empty: kept)
            files.discard(name)
    return removed


def _remove_at_exit(ref: weakref.ref[Any]) -> None:
    app = ref()
    if app is not None:
        remove_temp_files(app)


def _stop_on_sigterm() -> None:
    """``kill`` (SIGTERM) stops the server as Ctrl-C does, so its temp files are removed."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def launch(ws: Any, settings: Settings, *, block: bool = True, services: Any = None, quiet: bool = False) -> Any:
    """Start the app on ``settings.server_host:server_port`` with login; returns the Blocks.

    ``block=False`` returns once the server runs (tests call ``app.close()``).
    """
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from memberinsight.workspace.users import ensure_schema, list_users

    ensure_schema(ws)  # an older workspace gets the session and disable columns before the first request
    check_bind(settings.server_host, auth=bool(list_users(ws)))
    _quiet_gradio_pandas_warnings()
    from starlette.middleware import Middleware

    from memberinsight.agent.services import Services
    from memberinsight.ui.access import AccessGuard, AccessMiddleware
    from memberinsight.ui.app import CSS, build_app

    services = services or Services(ws, settings)
    exports = Path(ws.path) / "exports"  # audience CSVs are offered for download from here only
    exports.mkdir(parents=True, exist_ok=True)
    guard = AccessGuard(services)
    app = build_app(services)
    app.delete_cache = (TEMP_SWEEP_S, TEMP_MAX_AGE_S)  # read when the server app is created, applied at stop too
    app.queue(default_concurrency_limit=4)
    app.launch(server_name=settings.server_host, server_port=settings.server_port, auth=guard.check_login,
               auth_message="Member Insight — sign in with your operator account.",
               app_kwargs={"middleware": [Middleware(AccessMiddleware, guard=guard)]},
               max_file_size=f"{settings.upload_max_mb}mb", prevent_thread_lock=True, show_error=False,
               quiet=quiet, ssr_mode=False, footer_links=[], run_history=False, css=CSS, inbrowser=False,
               allowed_paths=[str(exports)])
    atexit.register(_remove_at_exit, weakref.ref(app))
    threading.Thread(target=services.warm, name="warm-agent", daemon=True).start()
    if block:
        _stop_on_sigterm()
        try:
            app.block_thread()  # until Ctrl-C or SIGTERM: then the server stops and Gradio deletes its cache
        finally:
            remove_temp_files(app)
    return app


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`ConfigError` naming the way out when ``host:port`` cannot be bound (before anything is printed)."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server binds it
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror or exc} (check [server] host "
                                  "and port: an address of this machine, and a port >= 1024 unless run as root)") from exc
            raise ConfigError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc} (is another Member Insight running?). "
                f"Choose another port: `memberinsight serve --port {port + 1}`, or "
                f"MEMBERINSIGHT_SERVER_PORT={port + 1} for `make demo` / `memberinsight demo`") from exc


def serve(ws: Any, settings: Settings, ensure_demo_user: bool = True, block: bool = True) -> Any:
    """Serve the app for ``ws``: prints the URL (and a new demo login, if one was created), then blocks.

    Raises :class:`AuthError` when there is no account and ``ensure_demo_user`` is False, and
    :class:`ConfigError` for a public bind without accounts or a port already in use.
    """
    check_port_free(settings.server_host, settings.server_port)
    created = ensure_user(ws, ensure_demo_user)
    url = f"http://{settings.server_host}:{settings.server_port}"
    print(f"Member Insight is serving {ws.path} at {url}")
    if created:
        print(f"Log in as user '{created[0]}' with password '{created[1]}' "
              "(add your own accounts with `memberinsight user add NAME`).")
    sys.stdout.flush()
    if not is_loopback(settings.server_host):
        print("Warning: the app is reachable from other machines over plain HTTP; put it behind TLS.",
              file=sys.stderr)
    return launch(ws, settings, block=block, quiet=True)
