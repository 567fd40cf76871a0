"""Access control around the Gradio app: sessions tied to the account, throttled sign-ins, no API before login.

Gradio 6 issues an ``access-token-<cookie id>`` cookie (and an ``-unsecure-`` twin) at
``POST /login`` and keeps ``token -> username`` in ``App.tokens``; every protected route resolves
the cookie there and nowhere else. :class:`AccessMiddleware` (installed by :func:`ui.server.launch`
through ``launch(app_kwargs={"middleware": ...})``) adds, on every request:

* **sessions**: the token a sign-in issues is remembered with the account's ``created_at`` and
  ``session_epoch``. A request whose token belongs to an account that was removed, disabled, or
  whose password changed since (a new epoch) has the token forgotten by Gradio before the request
  goes on, so Gradio answers it as a signed-out one (401, or the login page); it is audited once
  (``session.end``). A token this guard did not see issued is refused the same way.
* **sign-ins**: the client's address reaches the account check (throttled per account and per
  address, see :mod:`workspace.login_throttle`); a throttled sign-in is answered ``429`` with its
  plain message, which the login page shows.
* **the login page**: a signed-out page embeds no API description (endpoints and parameters).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from memberinsight.errors import AuthError
from memberinsight.workspace.login_throttle import LoginThrottledError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

EMPTY_API_INFO = b'{"named_endpoints": {}, "unnamed_endpoints": {}}'
_API_INFO = re.compile(rb"(window\.gradio_api_info\s*=\s*)(.*?)(;\s*</script>)", re.S)
# Gradio's login form shows nothing for a status other than 400 or 200: show a throttled sign-in's message.
_LOGIN_PAGE_SCRIPT = (b"<script>(function(){var f=window.fetch;window.fetch=function(){return f.apply(this,arguments)"
                      b".then(function(r){if(r.status===429){r.clone().json().then(function(b){window.alert(b.detail);})"
                      b".catch(function(){});}return r;});};})();</script>")


@dataclass
class _Attempt:
    """One ``POST /login`` as the middleware sees it; the sign-in check fills in the outcome."""

    address: str | None
    user: Any = None
    refusal: LoginThrottledError | None = None


_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("memberinsight_login_attempt", default=None)


@dataclass(frozen=True)
class Session:
    """What a session token was issued for."""

    username: str
    created_at: str
    epoch: int


class AccessGuard:
    """One server's sessions and its sign-in check (``launch(auth=guard.check_login)``)."""

    def __init__(self, services: Any) -> None:
        self.services = services
        self.sessions: dict[str, Session] = {}

    async def check_login(self, username: str, password: str) -> bool:
        """Gradio's auth callable: the account check (scrypt, in a worker thread), with the client address."""
        from anyio import to_thread

        attempt = _ATTEMPT.get()
        if attempt is None:  # not through the middleware: the session could not be tied to the account
            return False
        try:
            attempt.user = await to_thread.run_sync(self.services.login, username, password, attempt.address)
        except LoginThrottledError as exc:
            attempt.refusal = exc
            return False
        except AuthError:
            return False
        return True

    def issued(self, token: str, user: Any, live_tokens: Any) -> None:
        """Remember that ``token`` was issued to ``user`` now (and forget sessions Gradio has dropped)."""
        for stale in [t for t in self.sessions if t not in live_tokens]:
            del self.sessions[stale]
        self.sessions[token] = Session(user.username, user.created_at, user.session_epoch)

    def still_valid(self, token: str) -> bool:
        """True while ``token``'s account exists, is enabled and has the epoch it was issued under;
        otherwise the session is forgotten (and its end audited)."""
        session = self.sessions.get(token)
        if session is None:
            return False
        account = self.services.account(session.username)
        if account is None or account.created_at != session.created_at:
            reason = "account removed"
        elif account.disabled:
            reason = "account disabled"
        elif account.session_epoch != session.epoch:
            reason = "password changed (or account disabled and enabled again) since sign-in"
        else:
            return True
        del self.sessions[token]
        self.services.ws.audit(session.username, "session.end", "user", session.username, outcome="revoked",
                               detail=reason)
        return False


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    """The value ``Set-Cookie`` headers give cookie ``name``."""
    prefix = f"{name}=".encode()
    for key, value in headers:
        if key.lower() == b"set-cookie" and value.startswith(prefix):
            return value[len(prefix):].split(b";", 1)[0].strip(b'"').decode()
    return None


def strip_api_info(html: bytes) -> bytes:
    """``html`` (a Gradio page) with its embedded API description emptied and the login-message script added."""
    html = _API_INFO.sub(lambda m: m.group(1) + EMPTY_API_INFO + m.group(3), html, count=1)
    return html.replace(b"</head>", _LOGIN_PAGE_SCRIPT + b"</head>", 1)


class AccessMiddleware:
    """ASGI middleware over Gradio's app (see the module docstring)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], guard: AccessGuard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        gradio = scope.get("app")
        signed_in = self._check_session(scope, gradio)
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == "/login":
            await self._login(scope, receive, send, gradio)
            return
        if not signed_in and scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            send = _SignedOutPage(send)
        await self.app(scope, receive, send)

    def _check_session(self, scope: Scope, gradio: Any) -> bool:
        """True for a valid session; a token that is no longer valid is removed from Gradio's store."""
        from starlette.requests import HTTPConnection

        tokens, cookie_id = getattr(gradio, "tokens", None), getattr(gradio, "cookie_id", None)
        if tokens is None or cookie_id is None:
            return False
        cookies = HTTPConnection(scope).cookies
        names = (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}")
        signed_in = False
        for token in {cookies[name] for name in names if cookies.get(name)}:
            if token not in tokens:
                continue
            if self.guard.still_valid(token):
                signed_in = True
            else:
                tokens.pop(token, None)
        return signed_in

    async def _login(self, scope: Scope, receive: Receive, send: Send, gradio: Any) -> None:
        client = scope.get("client")
        attempt = _Attempt(address=client[0] if client else None)
        reset = _ATTEMPT.set(attempt)
        refused = False

        async def send_(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                if attempt.refusal is not None:
                    refused = True
                    await _send_json(send, 429, {"detail": str(attempt.refusal)},
                                     [(b"retry-after", str(math.ceil(attempt.refusal.retry_after)).encode())])
                    return
                if message["status"] == 200 and attempt.user is not None:
                    token = _cookie(message.get("headers", []), f"access-token-{getattr(gradio, 'cookie_id', '')}")
                    if token:
                        self.guard.issued(token, attempt.user, getattr(gradio, "tokens", {}))
            elif refused:
                return
            await send(message)

        try:
            await self.app(scope, receive, send_)
        finally:
            _ATTEMPT.reset(reset)


async def _send_json(send: Send, status: int, content: dict[str, Any],
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(content).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class _SignedOutPage:
    """A ``send`` that rewrites HTML pages for a signed-out request (see :func:`strip_api_info`)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if _header(message.get("headers", []), b"content-type").startswith(b"text/html"):
                self.start = message  # held until the whole page is read
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = strip_api_info(b"".join(self.chunks))
            headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
            await self.send({**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await self.send({"type": "http.response.body", "body": body})
            return
        await self.send(message)
