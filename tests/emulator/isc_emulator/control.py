"""The test-control API under ``/__emulator/`` of the ISC emulator (a test double, not
affiliated with SailPoint). Not part of ISC: no authentication, JSON in and out, never logged,
rate limited, faulted or validated against the spec.

=========================================  =====================================================
``GET|DELETE /__emulator/requests``        request log of ISC calls / clear it
``GET|POST|DELETE /__emulator/faults``     fault rules: show / replace / clear
``POST /__emulator/reset``                 back to the initial tenant state
``GET|POST /__emulator/clock``             ``{"now", "offset"}`` / ``{"advance": s}`` or ``{"offset": s}``
``GET /__emulator/state``                  identities, OAuth clients and PATs (no secrets)
``GET /__emulator/jwks``                   the tenant's public signing keys (RS256)
``GET /__emulator/signing-key``            the HS256 secret, or the RS256 public key in PEM
``GET|DELETE /__emulator/violations``      OpenAPI violations (``--openapi-spec``) / clear them
=========================================  =====================================================
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from .faults import FaultRuleError
from .resources import client_representation, pat_representation
from .wire import Request, Response, json_response

if TYPE_CHECKING:  # pragma: no cover
    from .server import TenantContext

PREFIX = "/__emulator/"


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json_body(request: Request) -> Any:
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except ValueError as error:
        raise ControlError(400, f"body is not JSON: {error}") from None


def _requests(ctx: "TenantContext", request: Request) -> Response:
    with ctx.state.lock:
        if request.method == "DELETE":
            ctx.state.request_log.clear()
            return Response(204)
        return json_response(200, list(ctx.state.request_log))


def _faults(ctx: "TenantContext", request: Request) -> Response:
    with ctx.state.lock:
        if request.method == "POST":
            try:
                ctx.state.faults.replace(_json_body(request))
            except FaultRuleError as error:
                raise ControlError(400, str(error)) from None
        elif request.method == "DELETE":
            ctx.state.faults.clear()
            return Response(204)
        return json_response(200, ctx.state.faults.describe())


def _reset(ctx: "TenantContext", request: Request) -> Response:
    ctx.state.reset()
    return json_response(200, {"reset": ctx.settings.name})


def _clock(ctx: "TenantContext", request: Request) -> Response:
    clock = ctx.state.clock
    with ctx.state.lock:
        if request.method == "POST":
            body = _json_body(request)
            if not isinstance(body, dict) or not ({"advance", "offset"} & set(body)):
                raise ControlError(400, 'expected {"advance": seconds} or {"offset": seconds}')
            for key in ("offset", "advance"):
                value = body.get(key)
                if key in body and (isinstance(value, bool) or not isinstance(value, (int, float))):
                    raise ControlError(400, f"{key} must be a number of seconds")
            if "offset" in body:
                clock.set_offset(body["offset"])
            if "advance" in body:
                clock.advance(body["advance"])
        return json_response(200, {"now": ctx.state.now_iso(), "offset": clock.offset})


def _state(ctx: "TenantContext", request: Request) -> Response:
    state = ctx.state
    with state.lock:
        return json_response(
            200,
            {
                "tenant": ctx.settings.name,
                "tenantId": ctx.settings.tenant_id,
                "now": state.now_iso(),
                "identities": [identity.describe() for identity in state.identities.values()],
                "oauthClients": [client_representation(client) for client in state.oauth_clients.values()],
                "personalAccessTokens": [pat_representation(ctx, pat, "v1") for pat in state.personal_access_tokens.values()],
            },
        )


def _issued_secrets(ctx: "TenantContext", request: Request) -> Response:
    """Every client secret, PAT secret, access and refresh token handed out since start-up, seeded PAT secrets
    included: what a leak scan of the collection's output must never find."""
    settings = ctx.state.settings
    with ctx.state.lock:
        seeded = [settings.admin_client_secret, settings.user_client_secret]
        return json_response(200, seeded + list(ctx.state.issued_secrets))


def _jwks(ctx: "TenantContext", request: Request) -> Response:
    return json_response(200, ctx.issuer.jwks())


def _signing_key(ctx: "TenantContext", request: Request) -> Response:
    return json_response(200, ctx.issuer.key_document())


def _violations(ctx: "TenantContext", request: Request) -> Response:
    with ctx.state.lock:
        if request.method == "DELETE":
            ctx.state.violations.clear()
            return Response(204)
        return json_response(200, list(ctx.state.violations))


ENDPOINTS: dict[str, tuple[tuple[str, ...], Callable[["TenantContext", Request], Response]]] = {
    "requests": (("GET", "DELETE"), _requests),
    "faults": (("GET", "POST", "DELETE"), _faults),
    "reset": (("POST",), _reset),
    "clock": (("GET", "POST"), _clock),
    "state": (("GET",), _state),
    "issued-secrets": (("GET",), _issued_secrets),
    "jwks": (("GET",), _jwks),
    "signing-key": (("GET",), _signing_key),
    "violations": (("GET", "DELETE"), _violations),
}


def handle(ctx: "TenantContext", request: Request) -> Response:
    name = request.path[len(PREFIX) :].strip("/")
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        return json_response(404, {"error": f"unknown control endpoint {request.path}", "endpoints": sorted(ENDPOINTS)})
    methods, handler = endpoint
    if request.method not in methods:
        return json_response(405, {"error": f"{request.method} not allowed on {request.path}"}, [("Allow", ", ".join(methods))])
    try:
        return handler(ctx, request)
    except ControlError as error:
        return json_response(error.status, {"error": str(error)})
