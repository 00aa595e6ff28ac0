"""Listeners, dispatch, fault injection and request log of the ISC emulator (a test double, not
affiliated with SailPoint).

One HTTP(S) listener per tenant (``ThreadingHTTPServer``, HTTP/1.1 keep-alive). A request goes:

* ``/__emulator/...`` → :mod:`isc_emulator.control` (never logged, faulted or validated);
* otherwise → fault rules (delay / status / reset / drop_after_apply) → the ISC handlers
  (:mod:`isc_emulator.auth`, :mod:`isc_emulator.resources`) under the tenant lock → OpenAPI
  check (``--openapi-spec``) → request log → the response, or a TCP reset.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from . import auth, control, resources
from .faults import FaultRule
from .state import TenantSettings, TenantState
from .wire import (
    RATE_LIMIT_BODY,
    ApiError,
    Request,
    RequestMeta,
    Response,
    error_dto,
    json_response,
    new_tracking_id,
)

logger = logging.getLogger("isc_emulator")

REDACTED_PARAMETERS = ("client_secret", "refresh_token", "code", "code_verifier")
HANDSHAKE_TIMEOUT = 10.0
IDLE_CONNECTION_TIMEOUT = 120.0


@dataclass
class TenantContext:
    """Everything a handler needs about one tenant."""

    settings: TenantSettings
    state: TenantState
    issuer: auth.TokenIssuer
    base_url: str = ""
    spec_checker: Optional[Any] = None  # spec_validation.SpecConformanceChecker
    verbose: bool = False
    listener: Optional["TenantHTTPServer"] = field(default=None, repr=False)
    # Every tenant of this emulator process, this one included (for the control API's questions about all of them).
    all_tenants: list["TenantContext"] = field(default_factory=list, repr=False)


# -- ISC request pipeline -----------------------------------------------------------------------
def _handle_isc(ctx: TenantContext, request: Request) -> tuple[Response, RequestMeta]:
    with ctx.state.lock:
        try:
            if request.path in ("/oauth/token", "/oauth/authorize", "/oauth/info"):
                return _handle_oauth(ctx, request)
            return resources.handle(ctx, request)
        except Exception:  # noqa: BLE001 - a bug in the emulator must still answer like ISC would
            logger.exception("internal error handling %s %s", request.method, request.path)
            return ApiError(500).to_response(), RequestMeta(auth.peek_client_id(request))


def _handle_oauth(ctx: TenantContext, request: Request) -> tuple[Response, RequestMeta]:
    expected = "POST" if request.path == "/oauth/token" else "GET"
    if request.method != expected:
        return ApiError(405, f"Method {request.method} is not supported here", [("Allow", expected)]).to_response(), RequestMeta()
    if request.path == "/oauth/token":
        return auth.token_endpoint(ctx, request)
    if request.path == "/oauth/authorize":
        return auth.authorize(ctx, request)
    return auth.oauth_info(ctx), RequestMeta()


def _fault_response(rule: FaultRule) -> Response:
    status = rule.status or 500
    headers = []
    if rule.retry_after is not None or status == 429:
        headers.append(("Retry-After", str(rule.retry_after if rule.retry_after is not None else 1)))
    if rule.body is not None:
        body = rule.body
    elif status == 429:
        body = dict(RATE_LIMIT_BODY)
    elif status == 401:
        body = {"error": "JWT validation failed: JWT is expired"}
    else:
        body = error_dto(status)
    return json_response(status, body, headers)


def _fault_meta(request: Request) -> RequestMeta:
    route = resources.match_route(request.path)
    grant_type = None
    if request.path == "/oauth/token":
        try:
            grant_type = auth.token_parameters(request).get("grant_type")
        except auth.OAuthError:
            pass
    return RequestMeta(auth.peek_client_id(request), route.api_version if route else None, grant_type)


def _log(ctx: TenantContext, request: Request, status: int, meta: RequestMeta, **extra: Any) -> None:
    query = {
        name: "***" if name in REDACTED_PARAMETERS else (values[0] if len(values) == 1 else values)
        for name, values in request.query.items()
    }
    entry = {
        "method": request.method,
        "path": request.path,
        "status": status,
        "client_id": meta.client_id,
        "query": query,
        "api_version": meta.api_version,
        "grant_type": meta.grant_type,
        "time": ctx.state.now_iso(),
    }
    entry.update(extra)
    ctx.state.record_request(entry)


def serve(ctx: TenantContext, request: Request) -> Optional[Response]:
    """The response to send, or None to reset the connection without answering."""
    if request.path.startswith(control.PREFIX):
        return control.handle(ctx, request)
    with ctx.state.lock:
        rule = ctx.state.faults.take(request.method, request.path)
    if rule is not None and rule.delay:
        time.sleep(rule.delay)  # outside the lock: other requests go on meanwhile
    if rule is not None and rule.action == "reset":
        _log(ctx, request, 0, _fault_meta(request), fault="reset")
        return None
    if rule is not None and rule.action == "status":
        response = _fault_response(rule)
        _log(ctx, request, response.status, _fault_meta(request), fault="status")
        return response
    response, meta = _handle_isc(ctx, request)
    if ctx.spec_checker is not None:
        violations, quirk_observations = ctx.spec_checker.check(request, response, ctx.state.quirks)
        if violations or quirk_observations:
            ctx.state.record_violations(violations, quirk_observations)
    if rule is not None and rule.action == "drop_after_apply":
        _log(ctx, request, 0, meta, fault="drop_after_apply", applied_status=response.status)
        return None
    extra = {"fault": "delay"} if rule is not None else {}
    _log(ctx, request, response.status, meta, **extra)
    return response


# -- HTTP plumbing ------------------------------------------------------------------------------
class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so requests.Session reuses connections
    server_version = "isc-emulator"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs that
    # costs ~40 ms per response on a kept-alive connection.
    disable_nagle_algorithm = True
    server: "TenantHTTPServer"

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            self.close_connection = True
            self._send(json_response(400, error_dto(400, f"Malformed request: {error}")))
            return
        except ConnectionAbortedError:  # the client went away in the middle of its request: there is none to serve
            self.close_connection = True
            return
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        response = serve(self.server.context, request)
        if response is None:
            self._reset_connection()
        else:
            self._send(response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        size = int(length)
        if size < 0:
            raise ValueError("negative Content-Length")
        body = self.rfile.read(size)
        if len(body) < size:  # a client killed while sending: ISC would not see a request either
            raise ConnectionAbortedError(f"the connection closed {len(body)} bytes into a {size}-byte body")
        return body

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("SLPT-Request-ID", new_tracking_id())
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and response.status != 204:
            self.wfile.write(response.body)

    def _reset_connection(self) -> None:
        """Close with SO_LINGER 0: the kernel sends a TCP RST instead of an orderly FIN."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The rfile holds a reference to the socket: close it too, or close() would be deferred.
        for closable in (self.rfile, self.connection):
            try:
                closable.close()
            except OSError:
                pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.context.verbose:
            logger.info("%s %s - %s", self.server.context.settings.name, self.address_string(), format % args)


class TenantHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], context: TenantContext, ssl_context: Optional[ssl.SSLContext] = None):
        self.context = context
        self.ssl_context = ssl_context
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() does a reverse DNS lookup (getfqdn) that can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        # The TLS handshake runs here, in the connection's thread, not in the accept loop.
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            logger.debug("TLS handshake with %s failed: %s", client_address, error)
            return
        try:
            self.RequestHandlerClass(tls_socket, client_address, self)
        finally:
            try:
                tls_socket.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that go away mid-request are routine in fault tests: not worth a traceback.
        logger.debug("connection error from %s", client_address, exc_info=True)


@dataclass
class Listener:
    context: TenantContext
    server: TenantHTTPServer
    thread: Optional[threading.Thread] = None


def create_listeners(
    tenants: list[TenantSettings],
    *,
    host: str = "127.0.0.1",
    first_port: int = 0,
    ssl_context: Optional[ssl.SSLContext] = None,
    signing_alg: str = "RS256",
    spec_checker: Any = None,
    verbose: bool = False,
) -> list[Listener]:
    """Bind one listener per tenant (ports first_port, first_port+1, ... or all free with 0)."""
    listeners: list[Listener] = []
    scheme = "https" if ssl_context else "http"
    # A wildcard bind address is no URL host: advertise the loopback address instead.
    url_host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in url_host:
        url_host = f"[{url_host}]"
    try:
        for index, settings in enumerate(tenants):
            context = TenantContext(settings, TenantState(settings), auth.TokenIssuer(signing_alg), spec_checker=spec_checker, verbose=verbose)
            port = first_port + index if first_port else 0
            server = TenantHTTPServer((host, port), context, ssl_context)
            context.base_url = f"{scheme}://{url_host}:{server.server_address[1]}"
            context.listener = server
            listeners.append(Listener(context, server))
        every_context = [listener.context for listener in listeners]
        for listener in listeners:
            listener.context.all_tenants = every_context
    except BaseException:
        for listener in listeners:
            listener.server.server_close()
        raise
    return listeners


def start(listeners: list[Listener]) -> None:
    for listener in listeners:
        listener.thread = threading.Thread(
            target=listener.server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"tenant-{listener.context.settings.name}",
            daemon=True,
        )
        listener.thread.start()


def stop(listeners: list[Listener]) -> None:
    # shutdown() blocks until the serve loop notices (one poll interval): stop all at once.
    stoppers = [threading.Thread(target=l.server.shutdown) for l in listeners if l.thread is not None]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()
    for listener in listeners:
        listener.server.server_close()
