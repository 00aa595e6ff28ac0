"""OAuth clients and personal access tokens of the ISC emulator (a test double, not affiliated
with SailPoint).

Routes every API version onto the same handlers: ``/oauth-clients/v1`` and
``/personal-access-tokens/v1`` (current), and the legacy ``/{v3|beta|v2024|v2025|v2026}/...``
paths. OAuth clients behave the same in all versions; PATs differ by version family (see
:mod:`isc_emulator.validation`). Each operation declares its scopes (SOURCES.md "Scopes") and
who may call it; the pipeline is: route, 405, bearer authentication (401), rate limit (429),
scope and authority checks (403), then the handler (400/404/200/204).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from .auth import Principal, Unauthorized, authenticate_bearer, peek_client_id
from .listing import page, parse_filters
from .state import OAuthClient, PersonalAccessToken
from .validation import (
    is_modern_pat_version,
    validate_client_create,
    validate_client_patch,
    validate_pat_create,
    validate_pat_patch,
)
from .wire import (
    ApiError,
    Request,
    RequestMeta,
    Response,
    json_response,
    rate_limited_response,
    unauthorized_response,
)

if TYPE_CHECKING:  # pragma: no cover
    from .server import TenantContext
    from .state import TenantState

LEGACY_VERSIONS = ("v3", "beta", "v2024", "v2025", "v2026")
OAUTH_CLIENTS = "oauth-clients"
PERSONAL_ACCESS_TOKENS = "personal-access-tokens"

_ROUTE = re.compile(
    r"^/(?:(?P<legacy_version>v3|beta|v2024|v2025|v2026)/(?P<legacy_collection>oauth-clients|personal-access-tokens)"
    r"|(?P<collection>oauth-clients|personal-access-tokens)/v1)"
    r"(?:/(?P<id>[^/]+))?/?$"
)

CLIENT_READ = ("sp:oauth-client:read", "sp:oauth-client:manage")
CLIENT_MANAGE = ("sp:oauth-client:manage",)
MY_PAT_READ = ("sp:my-personal-access-tokens:read", "sp:my-personal-access-tokens:manage")
ALL_PAT_READ = ("sp:all-personal-access-tokens:read", "sp:all-personal-access-tokens:manage")
PAT_MANAGE = ("sp:my-personal-access-tokens:manage", "sp:all-personal-access-tokens:manage")
ALL_PAT_MANAGE = ("sp:all-personal-access-tokens:manage",)
MY_PAT_PATCH = ("sp:my-personal-access-tokens:manage",)  # the only patch scope, in every version

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"


@dataclass(frozen=True)
class Route:
    collection: str
    api_version: str
    resource_id: Optional[str]


def match_route(path: str) -> Optional[Route]:
    match = _ROUTE.match(path)
    if match is None:
        return None
    if match["legacy_version"]:
        return Route(match["legacy_collection"], match["legacy_version"], match["id"])
    return Route(match["collection"], "v1", match["id"])


@dataclass
class Call:
    ctx: "TenantContext"
    request: Request
    principal: Principal
    route: Route


@dataclass(frozen=True)
class Operation:
    handler: Callable[[Call], Response]
    scopes: tuple[str, ...]
    # "org_admin": user context with ORG_ADMIN; "org_admin_or_application": that, or a token without
    # user context (applicationAuth); "user": any user context (userAuth only).
    callers: str


def _forbidden(text: str) -> ApiError:
    return ApiError(403, text)


NO_USER_CONTEXT = (
    "This operation requires a user context: use a personal access token or an authorization code token, "
    "not an API client's client credentials token"
)


def _authorize(operation: Operation, principal: Principal) -> None:
    if not principal.has_any_scope(operation.scopes):
        raise _forbidden(f"The token's scope does not grant this operation; it needs one of: sp:scopes:all, {', '.join(operation.scopes)}")
    if operation.callers == "org_admin_or_application" and not principal.has_user_context:
        return
    if not principal.has_user_context:
        raise _forbidden(NO_USER_CONTEXT)
    if operation.callers in ("org_admin", "org_admin_or_application") and not principal.is_org_admin:
        raise _forbidden("This operation requires the ORG_ADMIN authority")


def _body(call: Call, media_type: str):
    if call.request.media_type != media_type:
        raise ApiError(415, f"Content-Type must be {media_type}, got {call.request.media_type or 'none'}")
    return call.request.json_body()


# -- OAuth clients ------------------------------------------------------------------------------
CLIENT_FIELD_ORDER = (
    "id", "businessName", "homepageUrl", "name", "description", "accessTokenValiditySeconds",
    "refreshTokenValiditySeconds", "redirectUris", "grantTypes", "accessType", "type", "internal",
    "enabled", "strongAuthSupported", "claimsSupported", "created", "modified", "secret", "metadata",
    "lastUsed", "scope",
)  # fmt: skip


# CreateOAuthClientResponse declares these required and non-nullable, where GetOAuthClientResponse
# declares them nullable: the create answer shows an unset one as "" or [], the other answers as null.
CREATE_ANSWER_PLACEHOLDERS = {"businessName": str, "homepageUrl": str, "redirectUris": list}
QUIRK_NULL_CREATE_FIELDS = "null-create-fields"  # some tenants answer null there all the same
QUIRKS = (QUIRK_NULL_CREATE_FIELDS,)  # every --quirk the emulator knows


def client_representation(client: OAuthClient) -> dict:
    """GetOAuthClientResponse: the answer of list, get and patch (``secret`` null)."""
    values = dict(client.attributes, secret=None)
    return {name: _copy(values.get(name)) for name in CLIENT_FIELD_ORDER}


def client_created_representation(client: OAuthClient, quirks: frozenset = frozenset()) -> dict:
    """CreateOAuthClientResponse: the only answer with the secret."""
    body = dict(client_representation(client), secret=client.secret)
    if QUIRK_NULL_CREATE_FIELDS not in quirks:
        for name, empty in CREATE_ANSWER_PLACEHOLDERS.items():
            if body[name] is None:
                body[name] = empty()
    return body


def _copy(value):
    return list(value) if isinstance(value, list) else value


def _client_or_404(call: Call) -> OAuthClient:
    client = call.ctx.state.oauth_clients.get(call.route.resource_id)
    if client is None:
        raise ApiError(404, f"OAuth client '{call.route.resource_id}' not found")
    return client


def list_clients(call: Call) -> Response:
    keep = parse_filters(call.request)
    items = [client_representation(c) for c in call.ctx.state.oauth_clients.values()]
    selected, headers = page(call.request, [item for item in items if keep(item)], call.ctx.state.default_page_size)
    return json_response(200, selected, headers)


def add_client(state: "TenantState", fields: dict) -> OAuthClient:
    """Store a new OAuth client from validated fields (the create operation and the seed endpoint)."""
    now = state.now_iso()
    # ISC's OAuth 2.0 client ids are UUIDs with dashes (legacy ones had none); secrets 64 hex.
    client = OAuthClient(
        secret=secrets.token_hex(32),
        attributes={"id": str(uuid.uuid4()), **fields, "created": now, "modified": now, "lastUsed": None, "metadata": None},
    )
    state.oauth_clients[client.id] = client  # duplicate names are allowed, as in ISC
    state.issued_secrets.append(client.secret)
    return client


def create_client(call: Call) -> Response:
    client = add_client(call.ctx.state, validate_client_create(_body(call, JSON)))
    return json_response(200, client_created_representation(client, call.ctx.state.quirks))


def get_client(call: Call) -> Response:
    return json_response(200, client_representation(_client_or_404(call)))


def patch_client(call: Call) -> Response:
    client = _client_or_404(call)
    fields = validate_client_patch(client.attributes, _body(call, JSON_PATCH))
    if any(client.attributes.get(name) != value for name, value in fields.items()):
        client.attributes.update(fields)
        client.attributes["modified"] = call.ctx.state.now_iso()
    return json_response(200, client_representation(client))


def delete_client(call: Call) -> Response:
    _client_or_404(call)
    del call.ctx.state.oauth_clients[call.route.resource_id]
    return Response(204)


# -- personal access tokens ---------------------------------------------------------------------
def pat_representation(ctx: "TenantContext", pat: PersonalAccessToken, api_version: str) -> dict:
    """GetPersonalAccessTokenResponse as the given API version shows it."""
    a = pat.attributes
    body = {
        "id": a["id"],
        "name": a["name"],
        "scope": list(a["scope"]),
        "owner": _owner(ctx, a["ownerId"]),
        "created": a["created"],
        "lastUsed": a["lastUsed"],
        "managed": a["managed"],
        "accessTokenValiditySeconds": a["accessTokenValiditySeconds"],
        "expirationDate": a["expirationDate"],
    }
    if is_modern_pat_version(api_version):
        body["userAwareTokenNeverExpires"] = a["userAwareTokenNeverExpires"]
    elif a["expirationDate"] is None:
        # A never-expiring PAT (made on v1/v2025/v2026) seen through v3/beta/v2024: their schema has
        # no null expirationDate and no way to say "never", but does not require the field.
        del body["expirationDate"]
    return body


def pat_created_representation(ctx: "TenantContext", pat: PersonalAccessToken, api_version: str) -> dict:
    """CreatePersonalAccessTokenResponse: the only time the secret is shown."""
    a = pat.attributes
    body = {
        "id": a["id"],
        "secret": pat.secret,
        "scope": list(a["scope"]),
        "name": a["name"],
        "owner": _owner(ctx, a["ownerId"]),
        "created": a["created"],
        "accessTokenValiditySeconds": a["accessTokenValiditySeconds"],
        "expirationDate": a["expirationDate"],
    }
    if is_modern_pat_version(api_version):
        body["userAwareTokenNeverExpires"] = a["userAwareTokenNeverExpires"]
    return body


def _owner(ctx: "TenantContext", owner_id: str) -> dict:
    identity = ctx.state.identities.get(owner_id)
    return {"type": "IDENTITY", "id": owner_id, "name": identity.display_name if identity else owner_id}


def check_unique_pat_name(state: "TenantState", owner_id: str, name: str, except_id: Optional[str] = None) -> None:
    for pat in state.pats_of(owner_id):
        if pat.id != except_id and pat.attributes["name"] == name:
            raise ApiError(400, f"A personal access token named '{name}' already exists for this owner (id {pat.id}); names must be unique per owner")


def _pat_or_404(call: Call) -> PersonalAccessToken:
    pat = call.ctx.state.personal_access_tokens.get(call.route.resource_id)
    if pat is None:
        raise ApiError(404, f"Personal access token '{call.route.resource_id}' not found")
    return pat


def list_pats(call: Call) -> Response:
    principal, state = call.principal, call.ctx.state
    owner_id = call.request.query_value("owner-id")
    if owner_id == "me":
        owner_id = principal.identity_id
    else:
        # The spec: "If an actual owner ID or if the owner-id parameter is omitted in the request, the caller
        # should have the following right: 'idn:all-personal-access-tokens:read'" -- even for the caller's own id.
        if not principal.is_org_admin or not principal.has_any_scope(ALL_PAT_READ):
            raise _forbidden(
                "Listing personal access tokens by owner id, or without owner-id, requires ORG_ADMIN and the "
                "all-personal-access-tokens right (sp:all-personal-access-tokens:read or :manage); "
                "use owner-id=me for the caller's own tokens"
            )
    pats = [pat for pat in state.personal_access_tokens.values() if owner_id is None or pat.owner_id == owner_id]
    keep = parse_filters(call.request)
    items = [pat_representation(call.ctx, pat, call.route.api_version) for pat in pats]
    selected, headers = page(call.request, [item for item in items if keep(item)], call.ctx.state.default_page_size)
    return json_response(200, selected, headers)


def create_pat(call: Call) -> Response:
    state, owner_id = call.ctx.state, call.principal.identity_id
    fields = validate_pat_create(_body(call, JSON), call.route.api_version, state.clock.now())
    check_unique_pat_name(state, owner_id, fields["name"])
    limit = call.ctx.state.pat_limit
    if limit and len(state.pats_of(owner_id)) >= limit:
        raise ApiError(400, f"Cannot create personal access token: the limit of {limit} personal access tokens per user has been reached")
    pat = add_pat(state, owner_id, fields)
    return json_response(200, pat_created_representation(call.ctx, pat, call.route.api_version))


def add_pat(state: "TenantState", owner_id: str, fields: dict, managed: bool = False) -> PersonalAccessToken:
    """Store a new PAT from validated fields (the create operation and the seed endpoint)."""
    # The PAT id doubles as its OAuth client id: 32 hex characters, no dashes.
    pat = PersonalAccessToken(
        secret=secrets.token_hex(32),
        attributes={
            "id": uuid.uuid4().hex,
            **fields,
            "ownerId": owner_id,
            "created": state.now_iso(),
            "lastUsed": None,
            "managed": managed,
        },
    )
    state.personal_access_tokens[pat.id] = pat
    state.issued_secrets.append(pat.secret)
    return pat


def patch_pat(call: Call) -> Response:
    pat = _pat_or_404(call)
    if pat.owner_id != call.principal.identity_id:
        # The patch scope is sp:my-personal-access-tokens:manage only: not even admins patch others'.
        raise _forbidden("Personal access tokens can only be patched by their owner")
    state = call.ctx.state
    fields = validate_pat_patch(pat.attributes, _body(call, JSON_PATCH), call.route.api_version, state.clock.now())
    check_unique_pat_name(state, pat.owner_id, fields["name"], except_id=pat.id)
    pat.attributes.update(fields)
    return json_response(200, pat_representation(call.ctx, pat, call.route.api_version))


def delete_pat(call: Call) -> Response:
    pat = _pat_or_404(call)
    principal = call.principal
    if pat.owner_id != principal.identity_id and not (principal.is_org_admin and principal.has_any_scope(ALL_PAT_MANAGE)):
        raise _forbidden("Only the owner or an ORG_ADMIN may delete this personal access token")
    del call.ctx.state.personal_access_tokens[pat.id]
    return Response(204)


OPERATIONS: dict[tuple[str, bool, str], Operation] = {
    (OAUTH_CLIENTS, False, "GET"): Operation(list_clients, CLIENT_READ, "org_admin"),
    (OAUTH_CLIENTS, False, "POST"): Operation(create_client, CLIENT_MANAGE, "org_admin"),
    (OAUTH_CLIENTS, True, "GET"): Operation(get_client, CLIENT_READ, "org_admin_or_application"),
    (OAUTH_CLIENTS, True, "PATCH"): Operation(patch_client, CLIENT_MANAGE, "org_admin"),
    (OAUTH_CLIENTS, True, "DELETE"): Operation(delete_client, CLIENT_MANAGE, "org_admin"),
    (PERSONAL_ACCESS_TOKENS, False, "GET"): Operation(list_pats, MY_PAT_READ + ALL_PAT_READ, "user"),
    (PERSONAL_ACCESS_TOKENS, False, "POST"): Operation(create_pat, PAT_MANAGE, "user"),
    # No GET by id in any version: the router answers 405, as a real one would.
    (PERSONAL_ACCESS_TOKENS, True, "PATCH"): Operation(patch_pat, MY_PAT_PATCH, "user"),
    (PERSONAL_ACCESS_TOKENS, True, "DELETE"): Operation(delete_pat, PAT_MANAGE, "user"),
}


def handle(ctx: "TenantContext", request: Request) -> tuple[Response, RequestMeta]:
    """Run one API call through the gateway pipeline. The caller holds the tenant lock."""
    route = match_route(request.path)
    if route is None:
        return ApiError(404, f"No such resource: {request.path}").to_response(), RequestMeta(peek_client_id(request))
    meta = RequestMeta(peek_client_id(request), route.api_version)
    has_id = route.resource_id is not None
    operation = OPERATIONS.get((route.collection, has_id, request.method))
    if operation is None:
        allowed = sorted(method for (collection, with_id, method) in OPERATIONS if collection == route.collection and with_id == has_id)
        return ApiError(405, f"Method {request.method} is not supported here", [("Allow", ", ".join(allowed))]).to_response(), meta
    try:
        principal = authenticate_bearer(ctx, request)
    except Unauthorized as error:
        return unauthorized_response(str(error)), meta
    meta.client_id = principal.client_id
    retry_after = ctx.state.rate_limiter.acquire((principal.client_id, route.api_version))
    if retry_after is not None:
        return rate_limited_response(retry_after), meta
    try:
        _authorize(operation, principal)
        return operation.handler(Call(ctx, request, principal, route)), meta
    except ApiError as error:
        return error.to_response(), meta
