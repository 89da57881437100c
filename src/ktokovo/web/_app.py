"""The web service: the dashboard's pages and a JSON API over the same core (FastAPI).

Routes (:mod:`._routes`) parse, call the application layer in a worker process (see :mod:`._work`), store the
run and answer; nothing else. Security: a token on every request when one is set (``create_app(token=...)``;
``ktokovo serve`` requires one on any address but loopback), compared in constant time; a limit on request
bodies; scenarios only by built-in name or by content, never by a path; YAML read with the safe loader; a strict
content security policy; and a time limit on every run.
"""

from __future__ import annotations

import hmac
import logging
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ktokovo.core.errors import KtokovoError, ScenarioError
from ktokovo.web._routes import router
from ktokovo.web._schemas import Problem
from ktokovo.web._state import State, version
from ktokovo.web._work import Busy

MAX_BODY = 5 * 1024 * 1024
"""Request bodies over this many bytes are refused (5 MiB), uploads included."""

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
TOKEN_COOKIE = "ktokovo_token"


# -- the app ----------------------------------------------------------------------------------------------
def create_app(
    *,
    token: str | None = None,
    db: str | None = None,
    workers: int = 2,
    time_limit: float = 60.0,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The service. ``token``: required on every request if given; ``db``: the run store (default as the CLI's);
    ``workers``: processes for model runs; ``time_limit``: seconds a run may take."""
    state = State(workers, time_limit, db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="ktokovo",
        summary="Model a multi-party negotiation and forecast who gets the better of whom.",
        version=version(),
        lifespan=lifespan,
        # The interactive /docs pages load their scripts from a CDN: off, so that every page works offline and
        # under the content security policy. The OpenAPI document itself is at /openapi.json.
        docs_url=None,
        redoc_url=None,
        responses={422: {"model": Problem, "description": "The request or its scenario is invalid."}},
    )
    app.state.ktokovo = state
    app.state.max_body = max_body
    app.add_middleware(_Guard, token=token, max_body=max_body)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in e.get('loc', ()) if part != 'body') or 'request'}: {e.get('msg', '')}"
            for e in error.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems), "problems": problems}, status_code=422)

    @app.exception_handler(Busy)
    async def _busy(request: Request, error: Busy) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"retry-after": "5"})

    @app.exception_handler(KtokovoError)
    async def _bad_input(request: Request, error: KtokovoError) -> JSONResponse:
        problems = [str(p) for p in error.problems] if isinstance(error, ScenarioError) else []
        return JSONResponse({"detail": str(error), "problems": problems}, status_code=422)

    # -- pages --------------------------------------------------------------------------------------------
    static = resources.files("ktokovo.web") / "static"

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(packages=[("ktokovo.web", "static")]), name="static")
    app.include_router(router)
    return app


class _Guard:
    """Every request: the token if one is set, a limit on the body, and the security headers on the answer."""

    def __init__(self, app: ASGIApp, token: str | None, max_body: int) -> None:
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = headers
            await send(message)

        request = Request(scope)
        if self.token is None and not _local(request):
            # Without a token the service trusts only this machine: a page elsewhere that points a name of its
            # own at 127.0.0.1 (DNS rebinding) sends its own Host, and a cross-site request its own Origin.
            answer: Response = JSONResponse(
                {"detail": "this service answers only pages served from this machine (Host and Origin checked)"},
                status_code=403,
            )
            await answer(scope, receive, send_secured)
            return
        if self.token is not None:
            given = _token_of(request)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                answer = JSONResponse(
                    {"detail": "a token is needed: open the address ktokovo serve printed (it carries the token)"},
                    status_code=401,
                )
                await answer(scope, receive, send_secured)
                return
            if request.query_params.get("token") is not None and request.url.path == "/":
                # The address with ?token= sets a cookie once, then the token leaves the address bar.
                answer = RedirectResponse("/", status_code=303)
                answer.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                await answer(scope, receive, send_secured)
                return
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            answer = JSONResponse({"detail": f"the request is over the limit of {self.max_body} bytes"}, 413)
            await answer(scope, receive, send_secured)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, f"the request is over the limit of {self.max_body} bytes")
            return message

        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_secured(message)

        try:
            await self.app(scope, receive_limited, send_tracked)
        except Exception as error:  # the answer to a failure carries the security headers too, never a bare 500
            if started:
                raise
            status, detail = _failure(error)
            if status == 500:
                logging.getLogger("ktokovo.web").exception("unexpected failure")
            await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send_secured)


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _host(text: str) -> str:
    """The host of a Host header or an origin's netloc, without its port or brackets."""
    text = text.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def _local(request: Request) -> bool:
    """Whether the request names this machine as its host, and comes from no other origin."""
    if _host(request.headers.get("host", "")) not in LOCAL_HOSTS:
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return _host(origin.split("://", 1)[-1].split("/", 1)[0]) in LOCAL_HOSTS


def _failure(error: Exception) -> tuple[int, str]:
    """The status and message for a failure no route handled: a worker that died (killed, or out of memory) or
    the pool shut down is 503, try again; anything else is 500."""
    name = type(error).__name__
    if name in ("ProcessExpired", "BrokenProcessPool", "CancelledError") or isinstance(error, MemoryError):
        return 503, "a worker process stopped before it finished (killed or out of memory); try again"
    return 500, "internal error; the service's log has the details"


def _token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    # the address ktokovo serve prints carries the token for the first page only; it then lives in a cookie
    query = request.query_params.get("token") if request.url.path == "/" else None
    return request.cookies.get(TOKEN_COOKIE) or query


__all__ = ["CSP", "MAX_BODY", "create_app"]
