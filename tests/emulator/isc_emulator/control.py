"""The test-control API under ``/__emulator/`` of the ISC emulator (a test double, not
affiliated with SailPoint). Not part of ISC: no authentication, JSON in and out, never logged,
rate limited, faulted or validated against the spec.

=========================================  =====================================================
``GET|DELETE /__emulator/requests``        request log of ISC calls / clear it
``GET /__emulator/counts``                 ``{"requests", "violations"}``: how many of each are logged so far
``GET|POST|DELETE /__emulator/faults``     fault rules: show / replace / clear
``POST /__emulator/reset``                 back to the initial tenant state (``{"settings": true}``: also the
                                            start-up settings)
``GET|POST /__emulator/clock``             ``{"now", "offset"}`` / ``{"advance": s}`` or ``{"offset": s}``
``GET /__emulator/state``                  identities, OAuth clients and PATs (no secrets)
``GET /__emulator/jwks``                   the tenant's public signing keys (RS256)
``GET /__emulator/signing-key``            the HS256 secret, or the RS256 public key in PEM
``GET|DELETE /__emulator/violations``      OpenAPI violations (``--openapi-spec``) / clear them
``GET|DELETE /__emulator/quirk-observations``  deviations caused only by an enabled ``--quirk``
``GET|POST /__emulator/settings``          pat_limit, default_page_size, quirks in effect / change some
``POST /__emulator/seed``                  store OAuth clients and PATs directly (no rate limit)
=========================================  =====================================================
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from .faults import FaultRuleError
from .listing import MAX_LIMIT
from .resources import (
    QUIRKS,
    add_client,
    add_pat,
    check_unique_pat_name,
    client_created_representation,
    client_representation,
    pat_created_representation,
    pat_representation,
)
from .validation import validate_client_create, validate_pat_create
from .wire import ApiError, Request, Response, json_response

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


def _counts(ctx: "TenantContext", request: Request) -> Response:
    """How long the request log and the violation list are: a test that attributes requests to the step that sent
    them asks this after every step, and needs neither list itself."""
    with ctx.state.lock:
        return json_response(200, {"requests": len(ctx.state.request_log), "violations": len(ctx.state.violations)})


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
    body = _json_body(request)
    if not isinstance(body, dict) or not set(body) <= {"settings"} or not isinstance(body.get("settings", False), bool):
        raise ControlError(400, 'expected no body, or {"settings": true} to restore the start-up settings too')
    ctx.state.reset(settings=body.get("settings", False))
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


def _secrets_issued_by(ctx: "TenantContext") -> list[str]:
    settings = ctx.state.settings
    with ctx.state.lock:
        return [settings.admin_client_secret, settings.user_client_secret] + list(ctx.state.issued_secrets)


def _issued_secrets(ctx: "TenantContext", request: Request) -> Response:
    """Every client secret, PAT secret, access and refresh token handed out since start-up, seeded PAT secrets
    included: what a leak scan of the collection's output must never find. With ``?tenants=all``, those of every
    tenant of the emulator (one call instead of one per tenant, for a scan after each run)."""
    scope = request.query_value("tenants")
    if scope not in (None, "all"):
        raise ControlError(400, "tenants: the only value is all (every tenant of the emulator)")
    if scope is None:
        return json_response(200, _secrets_issued_by(ctx))
    found: dict[str, None] = {}  # in order, without duplicates (tenants share the admin's seeded secrets)
    for tenant in ctx.all_tenants:
        found.update(dict.fromkeys(_secrets_issued_by(tenant)))
    return json_response(200, list(found))


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_settings(body: Any) -> dict:
    """The behaviour switches of --pat-limit, --default-page-size and --quirk, validated as the CLI does."""
    if not isinstance(body, dict) or not body or not set(body) <= {"pat_limit", "default_page_size", "quirks"}:
        raise ControlError(400, "expected an object with some of: pat_limit, default_page_size, quirks")
    if "pat_limit" in body and not (_is_int(body["pat_limit"]) and body["pat_limit"] >= 0):
        raise ControlError(400, "pat_limit must be an integer >= 0 (0 = no limit)")
    size = body.get("default_page_size")
    if size is not None and not (_is_int(size) and 1 <= size <= MAX_LIMIT):
        raise ControlError(400, f"default_page_size must be null (no paging) or an integer from 1 to {MAX_LIMIT}")
    quirks = body.get("quirks", [])
    if not isinstance(quirks, list) or any(quirk not in QUIRKS for quirk in quirks):
        raise ControlError(400, f"quirks must be a list of names from: {', '.join(QUIRKS)}")
    return body


def _settings(ctx: "TenantContext", request: Request) -> Response:
    state = ctx.state
    with state.lock:
        if request.method == "POST":
            changes = _checked_settings(_json_body(request))
            state.pat_limit = changes.get("pat_limit", state.pat_limit)
            state.default_page_size = changes.get("default_page_size", state.default_page_size)
            state.quirks = frozenset(changes.get("quirks", state.quirks))
        return json_response(
            200,
            {"pat_limit": state.pat_limit, "default_page_size": state.default_page_size,
             "quirks": sorted(state.quirks), "known_quirks": list(QUIRKS)},
        )  # fmt: skip


def _quirk_observations(ctx: "TenantContext", request: Request) -> Response:
    with ctx.state.lock:
        if request.method == "DELETE":
            ctx.state.quirk_observations.clear()
            return Response(204)
        return json_response(200, list(ctx.state.quirk_observations))


# Fields a seeded OAuth client gets unless the seed gives them (the create operation requires them).
SEED_CLIENT_DEFAULTS = {
    "description": "seeded through the emulator's control API",
    "accessTokenValiditySeconds": 750,
    "grantTypes": ["CLIENT_CREDENTIALS"],
    "accessType": "OFFLINE",
    "enabled": True,
}
SEED_KINDS = ("oauth_clients", "personal_access_tokens")
MAX_SEED_COUNT = 10000


def _seed_items(kind: str, spec: Any) -> list[dict]:
    """A list of object bodies, or ``{"count": N, "name": "template {index}", ...shared fields}``."""
    if isinstance(spec, list):
        if not all(isinstance(item, dict) for item in spec):
            raise ControlError(400, f"{kind}: every item must be a JSON object")
        return [dict(item) for item in spec]
    if isinstance(spec, dict):
        count = spec.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_SEED_COUNT:
            raise ControlError(400, f"{kind}.count must be an integer from 0 to {MAX_SEED_COUNT}")
        template = spec.get("name", f"{kind}-{{index}}")
        if not isinstance(template, str) or "{index}" not in template:
            raise ControlError(400, f"{kind}.name must be a string containing {{index}} (numbered from 1)")
        shared = {key: value for key, value in spec.items() if key not in ("count", "name")}
        return [dict(shared, name=template.replace("{index}", str(index))) for index in range(1, count + 1)]
    raise ControlError(400, f"{kind} must be a list of objects or {{\"count\": N, \"name\": \"... {{index}}\"}}")


def _seed(ctx: "TenantContext", request: Request) -> Response:
    """Store objects directly, validated like the create operations but without the rate limit, the PAT
    limit or the request log: for tests that need hundreds of objects. All or nothing."""
    body = _json_body(request)
    if not isinstance(body, dict) or not set(body) <= set(SEED_KINDS) or not body:
        raise ControlError(400, f"expected an object with {' and/or '.join(SEED_KINDS)}")
    state = ctx.state
    with state.lock:
        now = state.clock.now()
        clients, pats = [], []
        try:
            for item in _seed_items("oauth_clients", body.get("oauth_clients", [])):
                clients.append(validate_client_create({**SEED_CLIENT_DEFAULTS, **item}))
            names_by_owner: dict[str, set] = {}
            for item in _seed_items("personal_access_tokens", body.get("personal_access_tokens", [])):
                owner_name = item.pop("owner", "admin")
                # ISC marks PATs that another product manages; only seeding can make one here.
                managed = item.pop("managed", False)
                if not isinstance(managed, bool):
                    raise ControlError(400, "personal_access_tokens: managed must be true or false")
                owner = state.identity_by_user_name(owner_name) if isinstance(owner_name, str) else None
                if owner is None:
                    raise ControlError(400, f"personal_access_tokens: unknown owner {owner_name!r} (admin or user)")
                if "expirationDate" not in item:
                    item.setdefault("userAwareTokenNeverExpires", True)
                fields = validate_pat_create(item, "v1", now)
                check_unique_pat_name(state, owner.id, fields["name"])
                if fields["name"] in names_by_owner.setdefault(owner.id, set()):
                    raise ControlError(400, f"personal_access_tokens: the name {fields['name']!r} is given twice for {owner_name}")
                names_by_owner[owner.id].add(fields["name"])
                pats.append((owner.id, fields, managed))
        except ApiError as error:
            raise ControlError(400, f"invalid seed: {error}") from None
        seeded_clients = [client_created_representation(add_client(state, fields), state.quirks) for fields in clients]
        seeded_pats = [pat_created_representation(ctx, add_pat(state, owner_id, fields, managed), "v1")
                       for owner_id, fields, managed in pats]
        return json_response(200, {"oauth_clients": seeded_clients, "personal_access_tokens": seeded_pats})


ENDPOINTS: dict[str, tuple[tuple[str, ...], Callable[["TenantContext", Request], Response]]] = {
    "requests": (("GET", "DELETE"), _requests),
    "counts": (("GET",), _counts),
    "faults": (("GET", "POST", "DELETE"), _faults),
    "reset": (("POST",), _reset),
    "clock": (("GET", "POST"), _clock),
    "state": (("GET",), _state),
    "issued-secrets": (("GET",), _issued_secrets),
    "jwks": (("GET",), _jwks),
    "signing-key": (("GET",), _signing_key),
    "violations": (("GET", "DELETE"), _violations),
    "quirk-observations": (("GET", "DELETE"), _quirk_observations),
    "settings": (("GET", "POST"), _settings),
    "seed": (("POST",), _seed),
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
