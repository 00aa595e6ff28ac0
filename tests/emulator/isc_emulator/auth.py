"""OAuth 2.0 side of the ISC emulator (a test double, not affiliated with SailPoint).

* ``POST /oauth/token``: client_credentials (API clients without user context, PATs in their
  owner's context), authorization_code (with PKCE) and refresh_token; parameters from the query
  string, an urlencoded or a multipart body (the body wins), as the SailPoint docs allow.
* ``GET /oauth/authorize``: approves the ``user`` identity at once and redirects with a code.
* ``GET /oauth/info``: the tenant's OAuth details.
* JWT signing (RS256 per-tenant key with ``kid``, or HS256) and bearer-token authentication of
  API calls against the tenant clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import parse_qsl, unquote_plus, urlencode

import jwt

from .clock import parse_timestamp
from .state import ALL_SCOPES, ORG_ADMIN, Identity, OAuthClient, PersonalAccessToken, AuthorizationCode
from .wire import Request, RequestMeta, Response, json_response, rate_limited_response

if TYPE_CHECKING:  # pragma: no cover
    from .server import TenantContext

AUTHORIZATION_CODE_LIFETIME = 300  # seconds; RFC 6749 recommends at most 10 minutes
NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
PKCE_METHODS = ("S256", "plain")


# -- signing ------------------------------------------------------------------------------------
class TokenIssuer:
    """Signs and verifies one tenant's JWTs. Keys live as long as the process (reset keeps them).

    An RS256 key is made when the tenant first needs it: making one takes about 40 ms of CPU, and an emulator of
    many tenants (a test session's has dozens) would otherwise pay for every tenant at start, used or not."""

    def __init__(self, algorithm: str = "RS256") -> None:
        if algorithm not in ("RS256", "HS256"):
            raise ValueError(f"unsupported signing algorithm {algorithm!r}")
        self.algorithm = algorithm
        self.kid = secrets.token_hex(8)
        self._keys: Optional[tuple[Any, Any]] = None  # (signing key, verification key)
        self._keys_lock = threading.Lock()
        if algorithm == "HS256":
            shared = secrets.token_hex(32)
            self._keys = (shared, shared)

    def _key_pair(self) -> tuple[Any, Any]:
        if self._keys is None:
            with self._keys_lock:  # request threads of one tenant may ask at once: one key, made once
                if self._keys is None:
                    from cryptography.hazmat.primitives.asymmetric import rsa

                    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    self._keys = (private_key, private_key.public_key())
        return self._keys

    @property
    def _signing_key(self) -> Any:
        return self._key_pair()[0]

    @property
    def _verification_key(self) -> Any:
        return self._key_pair()[1]

    def encode(self, claims: dict) -> str:
        return jwt.encode(claims, self._signing_key, algorithm=self.algorithm, headers={"kid": self.kid})

    def decode(self, token: str) -> dict:
        """Verify the signature only; expiry is checked by the caller against the tenant clock."""
        return jwt.decode(
            token,
            self._verification_key,
            algorithms=[self.algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
        )

    def jwks(self) -> dict:
        if self.algorithm != "RS256":
            return {"keys": []}
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self._verification_key, as_dict=True)
        key.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [key]}

    def key_document(self) -> dict:
        """HS256: the shared secret (for signature tests only). RS256: the public key in PEM."""
        if self.algorithm == "HS256":
            return {"alg": "HS256", "kid": self.kid, "key": self._signing_key}
        from cryptography.hazmat.primitives import serialization

        pem = self._verification_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {"alg": "RS256", "kid": self.kid, "key": pem.decode("ascii")}


# -- token endpoint -----------------------------------------------------------------------------
class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer of the token or authorize endpoint."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def to_response(self) -> Response:
        return json_response(self.status, {"error": self.error, "error_description": self.description}, NO_STORE)


def _bad_credentials() -> OAuthError:
    # One answer for unknown, deleted, disabled, expired and wrong-secret: ISC does not say which.
    return OAuthError(401, "invalid_client", "Bad credentials")


@dataclass
class Credential:
    """Whatever authenticated at the token endpoint: an API client or a personal access token."""

    client_id: str
    grant_types: list[str]
    scope: list[str]
    access_token_validity: int
    refresh_token_validity: Optional[int]
    access_type: str
    internal: bool
    strong_auth_supported: bool
    owner: Optional[Identity]  # PATs act in their owner's context
    attributes: dict = field(repr=False)  # the stored record, to stamp lastUsed

    @classmethod
    def of_client(cls, client: OAuthClient) -> "Credential":
        a = client.attributes
        return cls(
            client_id=client.id,
            grant_types=list(a["grantTypes"]),
            scope=list(a["scope"]),
            access_token_validity=a["accessTokenValiditySeconds"],
            refresh_token_validity=a["refreshTokenValiditySeconds"],
            access_type=a["accessType"],
            internal=a["internal"],
            strong_auth_supported=a["strongAuthSupported"],
            owner=None,
            attributes=a,
        )

    @classmethod
    def of_pat(cls, pat: PersonalAccessToken, owner: Identity) -> "Credential":
        a = pat.attributes
        return cls(
            client_id=pat.id,
            grant_types=["CLIENT_CREDENTIALS"],  # "PATs are implicitly granted CLIENT_CREDENTIALS"
            scope=list(a["scope"]),
            access_token_validity=a["accessTokenValiditySeconds"],
            refresh_token_validity=None,
            access_type="OFFLINE",
            internal=False,
            strong_auth_supported=False,
            owner=owner,
            attributes=a,
        )


def _multipart_fields(body: bytes, content_type: str) -> list[tuple[str, str]]:
    # The cgi module is gone in Python 3.13; the email package parses multipart/form-data fine.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP_POLICY).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("multipart body without parts")
    fields = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        fields.append((str(name), payload.decode(part.get_content_charset() or "utf-8")))
    return fields


def token_parameters(request: Request) -> dict[str, str]:
    """Query parameters overlaid by body parameters (the body wins), plus HTTP Basic client auth."""
    params = {name: values[0] for name, values in request.query.items() if values}
    media_type = request.media_type
    try:
        if media_type == "application/x-www-form-urlencoded":
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        elif media_type == "multipart/form-data":
            params.update(_multipart_fields(request.body, request.headers["content-type"]))
        elif request.body.strip():
            raise OAuthError(400, "invalid_request", f"Unsupported Content-Type for token requests: {media_type or 'none'}")
    except (UnicodeDecodeError, ValueError) as error:
        raise OAuthError(400, "invalid_request", f"Malformed request body: {error}") from None
    authorization = request.headers.get("authorization", "")
    if "client_id" not in params and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(400, "invalid_request", "Malformed Basic authorization header") from None
        client_id, _colon, client_secret = decoded.partition(":")
        params["client_id"], params["client_secret"] = unquote_plus(client_id), unquote_plus(client_secret)
    return params


def _require(params: dict[str, str], *names: str) -> None:
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise OAuthError(400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}")


def _require_grant(credential: Credential, grant_type: str) -> None:
    if grant_type not in credential.grant_types:
        raise OAuthError(400, "unauthorized_client", f"Client is not authorized for the {grant_type} grant type")


def authenticate_client(ctx: "TenantContext", client_id: str, secret: Optional[str]) -> Credential:
    """Look up an API client or PAT by id and check it may get tokens now.

    ``secret`` may be None only for PUBLIC API clients (authorization_code/refresh_token grants).
    """
    state = ctx.state
    client = state.oauth_clients.get(client_id)
    if client is not None:
        if secret is None:
            if client.attributes["type"] != "PUBLIC":
                raise _bad_credentials()
        elif not hmac.compare_digest(secret.encode(), client.secret.encode()):
            raise _bad_credentials()
        if not client.attributes["enabled"]:
            raise _bad_credentials()
        return Credential.of_client(client)
    pat = state.personal_access_tokens.get(client_id)
    if pat is not None:
        if secret is None or not hmac.compare_digest(secret.encode(), pat.secret.encode()):
            raise _bad_credentials()
        expiration = pat.attributes["expirationDate"]
        if expiration is not None and parse_timestamp(expiration) <= state.clock.now():
            raise _bad_credentials()
        owner = state.identities.get(pat.owner_id)
        if owner is None:
            raise _bad_credentials()
        return Credential.of_pat(pat, owner)
    raise _bad_credentials()


def _issue_tokens(ctx: "TenantContext", credential: Credential, identity: Optional[Identity], strong_auth: bool = False) -> Response:
    state = ctx.state
    issued_at = int(state.clock.timestamp())
    jti = str(uuid.uuid4())
    claims: dict[str, Any] = {
        "tenant_id": ctx.settings.tenant_id,
        "internal": credential.internal,
        "pod": ctx.settings.pod,
        "org": ctx.settings.name,
        "strong_auth": strong_auth,
        "enabled": True,
        "client_id": credential.client_id,
        "accessType": credential.access_type,
        "strong_auth_supported": credential.strong_auth_supported,
        "scope": list(credential.scope),
        "iat": issued_at,
        "exp": issued_at + credential.access_token_validity,
        "jti": jti,
    }
    if identity is not None:
        claims.update(
            identity_id=identity.id,
            user_name=identity.user_name,
            user_id=identity.user_id,
            authorities=list(identity.authorities),
        )
    body: dict[str, Any] = {
        "access_token": ctx.issuer.encode(claims),
        "token_type": "bearer",
        "expires_in": credential.access_token_validity,
        "scope": " ".join(credential.scope),
        "accessType": credential.access_type,
        "tenant_id": claims["tenant_id"],
        "internal": credential.internal,
        "pod": claims["pod"],
        "strong_auth_supported": credential.strong_auth_supported,
        "org": claims["org"],
        "strong_auth": strong_auth,
        "enabled": True,
        "jti": jti,
    }
    if identity is not None:
        body["user_id"] = identity.user_id
        body["identity_id"] = identity.id
    if "REFRESH_TOKEN" in credential.grant_types and credential.refresh_token_validity:
        # Like ISC's (docs example): a JWT with the access token's claims plus "ati", the access
        # token's jti. The "ati" claim is also what stops it from being used as a bearer token.
        refresh_claims = dict(claims, ati=jti, jti=str(uuid.uuid4()), exp=issued_at + credential.refresh_token_validity)
        body["refresh_token"] = ctx.issuer.encode(refresh_claims)
    state.issued_secrets.extend(v for v in (body["access_token"], body.get("refresh_token")) if v)
    # ISC updates lastUsed at most once a day; the emulator does it on every grant so tests see it.
    credential.attributes["lastUsed"] = state.now_iso()
    return json_response(200, body, NO_STORE)


def _client_credentials_grant(ctx: "TenantContext", params: dict[str, str]) -> Response:
    _require(params, "client_id", "client_secret")
    credential = authenticate_client(ctx, params["client_id"], params["client_secret"])
    _require_grant(credential, "CLIENT_CREDENTIALS")
    return _issue_tokens(ctx, credential, credential.owner)


def _pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(verifier.encode(), challenge.encode())


def _authorization_code_grant(ctx: "TenantContext", params: dict[str, str]) -> Response:
    _require(params, "client_id", "code", "redirect_uri")
    secret = params.get("client_secret") or None
    credential = authenticate_client(ctx, params["client_id"], secret)
    _require_grant(credential, "AUTHORIZATION_CODE")
    state = ctx.state
    grant = state.authorization_codes.get(params["code"])
    if grant is None or grant.used or grant.expires_at <= state.clock.timestamp():
        raise OAuthError(400, "invalid_grant", "Invalid authorization code")
    grant.used = True  # single use, even when the rest of the request turns out wrong (RFC 6749 §4.1.2)
    if grant.client_id != credential.client_id:
        raise OAuthError(400, "invalid_grant", "Authorization code was issued to another client")
    if grant.redirect_uri != params["redirect_uri"]:
        raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
    if grant.code_challenge is not None:
        verifier = params.get("code_verifier")
        if not verifier or not _pkce_matches(verifier, grant.code_challenge, grant.code_challenge_method or "plain"):
            raise OAuthError(400, "invalid_grant", "PKCE verification failed")
    elif secret is None:
        raise OAuthError(400, "invalid_grant", "Public clients must use PKCE (code_challenge)")
    identity = state.identities.get(grant.identity_id)
    if identity is None:
        raise OAuthError(400, "invalid_grant", "The approving identity no longer exists")
    return _issue_tokens(ctx, credential, identity, strong_auth=credential.strong_auth_supported)


def _refresh_token_grant(ctx: "TenantContext", params: dict[str, str]) -> Response:
    _require(params, "client_id", "refresh_token")
    credential = authenticate_client(ctx, params["client_id"], params.get("client_secret") or None)
    _require_grant(credential, "REFRESH_TOKEN")
    invalid = OAuthError(400, "invalid_grant", "Invalid refresh token")
    try:
        claims = ctx.issuer.decode(params["refresh_token"])
    except jwt.PyJWTError:
        raise invalid from None
    if "ati" not in claims or claims.get("tenant_id") != ctx.settings.tenant_id:
        raise invalid
    if claims.get("exp", 0) <= ctx.state.clock.timestamp():
        raise OAuthError(400, "invalid_grant", "Refresh token expired")
    if claims.get("client_id") != credential.client_id:
        raise OAuthError(400, "invalid_grant", "Refresh token was issued to another client")
    identity = None
    if claims.get("identity_id"):
        identity = ctx.state.identities.get(claims["identity_id"])
        if identity is None:
            raise invalid
    # The old refresh token is not revoked: it stays valid until its own expiry.
    return _issue_tokens(ctx, credential, identity, strong_auth=bool(claims.get("strong_auth")))


GRANTS: dict[str, Callable[["TenantContext", dict[str, str]], Response]] = {
    "client_credentials": _client_credentials_grant,
    "authorization_code": _authorization_code_grant,
    "refresh_token": _refresh_token_grant,
}


def token_endpoint(ctx: "TenantContext", request: Request) -> tuple[Response, RequestMeta]:
    meta = RequestMeta()
    try:
        params = token_parameters(request)
    except OAuthError as error:
        return error.to_response(), meta
    meta.client_id = params.get("client_id") or None
    meta.grant_type = params.get("grant_type") or None
    retry_after = ctx.state.rate_limiter.acquire((meta.client_id, "oauth"))
    if retry_after is not None:
        return rate_limited_response(retry_after), meta
    try:
        grant_type = (params.get("grant_type") or "").strip()
        if not grant_type:
            raise OAuthError(400, "invalid_request", "Missing required parameter(s): grant_type")
        # The docs' tables say CLIENT_CREDENTIALS, their examples client_credentials: take both.
        handler = GRANTS.get(grant_type.lower())
        if handler is None:
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        return handler(ctx, params), meta
    except OAuthError as error:
        return error.to_response(), meta


# -- authorize and info -------------------------------------------------------------------------
def _with_query(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


def authorize(ctx: "TenantContext", request: Request) -> tuple[Response, RequestMeta]:
    """Authorization endpoint without a login page: the ``user`` identity approves at once."""
    query = {name: values[0] for name, values in request.query.items() if values}
    meta = RequestMeta(client_id=query.get("client_id") or None)
    state = ctx.state
    client = state.oauth_clients.get(query.get("client_id", ""))
    # Problems with the client or the redirect URI must not redirect (RFC 6749 §4.1.2.1).
    if client is None or not client.attributes["enabled"]:
        return OAuthError(400, "invalid_client", "Unknown or disabled client_id").to_response(), meta
    if not client.has_grant("AUTHORIZATION_CODE"):
        return OAuthError(400, "unauthorized_client", "Client is not authorized for the AUTHORIZATION_CODE grant type").to_response(), meta
    redirect_uri = query.get("redirect_uri")
    if not redirect_uri or redirect_uri not in (client.attributes["redirectUris"] or []):
        return OAuthError(400, "invalid_request", "redirect_uri does not match any of the client's redirectUris").to_response(), meta
    echo = {"state": query["state"]} if "state" in query else {}
    if query.get("response_type") != "code":
        location = _with_query(redirect_uri, {"error": "unsupported_response_type", **echo})
        return Response(302, b"", [("Location", location)]), meta
    challenge = query.get("code_challenge")
    method = query.get("code_challenge_method") or ("plain" if challenge else None)
    if (method and not challenge) or (challenge and method not in PKCE_METHODS):
        location = _with_query(redirect_uri, {"error": "invalid_request", "error_description": "invalid PKCE parameters", **echo})
        return Response(302, b"", [("Location", location)]), meta
    approver = state.identity_by_user_name("user")
    code = secrets.token_urlsafe(32)
    state.authorization_codes[code] = AuthorizationCode(
        code=code,
        client_id=client.id,
        redirect_uri=redirect_uri,
        identity_id=approver.id,
        expires_at=state.clock.timestamp() + AUTHORIZATION_CODE_LIFETIME,
        code_challenge=challenge,
        code_challenge_method=method,
    )
    return Response(302, b"", [("Location", _with_query(redirect_uri, {"code": code, **echo}))]), meta


def ui_host_url(tenant: str) -> str:
    """The tenant's UI host, where the docs put the browser endpoints: ``https://{tenant}.identitynow.com``."""
    return f"https://{tenant}.identitynow.com"


def oauth_info(ctx: "TenantContext") -> Response:
    # The token endpoint is on the API host (this listener). The docs put /oauth/authorize, the cloud
    # domain and the logout page on the UI host; the emulator also serves /oauth/authorize here so
    # that tests can run the browser leg without one.
    ui_host = ui_host_url(ctx.settings.name)
    return json_response(
        200,
        {
            "tenantId": ctx.settings.tenant_id,
            "tenantName": ctx.settings.name,
            "authorizeEndpoint": f"{ui_host}/oauth/authorize",
            "tokenEndpoint": f"{ctx.base_url}/oauth/token",
            "cloudDomainUrl": ui_host,
            "logoutUrl": f"{ui_host}/logout",
            "pod": ctx.settings.pod,
        },
    )


# -- bearer authentication of API calls ---------------------------------------------------------
class Unauthorized(Exception):
    """Becomes the gateway's 401 ``{"error": "JWT validation failed: ..."}``."""


@dataclass
class Principal:
    """The verified caller of an API operation."""

    client_id: str
    identity_id: Optional[str]
    user_name: Optional[str]
    authorities: list[str]
    scopes: list[str]

    @property
    def has_user_context(self) -> bool:
        return self.identity_id is not None

    @property
    def is_org_admin(self) -> bool:
        return ORG_ADMIN in self.authorities

    def has_any_scope(self, scopes: tuple[str, ...]) -> bool:
        return ALL_SCOPES in self.scopes or any(scope in self.scopes for scope in scopes)


def _bearer_token(request: Request) -> Optional[str]:
    scheme, _space, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def peek_client_id(request: Request) -> Optional[str]:
    """Client id for the request log, from the unverified token or the token parameters."""
    if request.path == "/oauth/token":
        try:
            return token_parameters(request).get("client_id") or None
        except OAuthError:
            return None
    if request.path == "/oauth/authorize":
        return request.query_value("client_id")
    token = _bearer_token(request)
    if token is None:
        return None
    try:
        client_id = jwt.decode(token, options={"verify_signature": False}).get("client_id")
    except jwt.PyJWTError:
        return None
    return client_id if isinstance(client_id, str) else None


def authenticate_bearer(ctx: "TenantContext", request: Request) -> Principal:
    if not request.headers.get("authorization"):
        raise Unauthorized("JWT validation failed: no Authorization header")
    token = _bearer_token(request)
    if token is None:
        raise Unauthorized("JWT validation failed: Authorization header is not a Bearer token")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthorized("JWT validation failed: JWT is malformed") from None
    if unverified.get("tenant_id") != ctx.settings.tenant_id:
        raise Unauthorized("JWT validation failed: JWT was issued for another tenant")
    try:
        claims = ctx.issuer.decode(token)
    except jwt.PyJWTError:
        raise Unauthorized("JWT validation failed: JWT signature does not match") from None
    if "ati" in claims:
        raise Unauthorized("JWT validation failed: a refresh token is not an access token")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= ctx.state.clock.timestamp():
        raise Unauthorized("JWT validation failed: JWT is expired")
    scope = claims.get("scope") or []
    return Principal(
        client_id=str(claims.get("client_id")),
        identity_id=claims.get("identity_id"),
        user_name=claims.get("user_name"),
        authorities=list(claims.get("authorities") or []),
        scopes=list(scope) if isinstance(scope, list) else str(scope).split(),
    )
