"""Conformance of the ISC emulator with the official OpenAPI subset.

Drives a realistic sequence through every operation, in every API version, with success and
error answers; records each exchange on the client side and validates request and response with
openapi-core against ``tests/openapi/isc-openapi-subset.yaml``. Legacy paths are rewritten onto
their v1 equivalents (SOURCES.md §4: OAuth clients are identical in every version, legacy PAT
schemas are a subset of v1's). The known defects of the published spec (SOURCES.md §5, and the
non-nullable fields of CreateOAuthClientResponse) are worked around *here*, independently of the
emulator's own ``--openapi-spec`` mode, which is checked too: no violation for the conforming
sequence, and one per deliberately invalid request.
"""

from __future__ import annotations

import json
import json as json_module
import re
import sys
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests

TESTS_DIR = Path(__file__).resolve().parents[1]
SPEC_FILE = TESTS_DIR / "openapi" / "isc-openapi-subset.yaml"
if str(TESTS_DIR / "emulator") not in sys.path:
    sys.path.insert(0, str(TESTS_DIR / "emulator"))

openapi_core = pytest.importorskip("openapi_core")
from openapi_core import Config, OpenAPI  # noqa: E402
from openapi_core.contrib.requests import RequestsOpenAPIRequest  # noqa: E402
from openapi_core.templating.paths.exceptions import PathError  # noqa: E402

from isc_emulator.harness import Emulator  # noqa: E402

ADMIN = ("admin-client-id", "admin-client-secret")
USER = ("user-client-id", "user-client-secret")
VERSIONS = ("v1", "v3", "beta", "v2024", "v2025", "v2026")
MODERN_PAT_VERSIONS = ("v1", "v2025", "v2026")
SPEC_HOST = "https://sailpoint.api.identitynow.com"
LEGACY_PATH = re.compile(r"^/(v3|beta|v2024|v2025|v2026)/(oauth-clients|personal-access-tokens)(/[^/]+)?/?$")
REDIRECT_URI = "https://app.example.com/callback"

# openapi-core cannot check oauth2 security schemes and warns about it on every call.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


def to_v1(path: str) -> str:
    match = LEGACY_PATH.match(path)
    return f"/{match[2]}/v1{match[3] or ''}" if match else path


# -- the spec defects, worked around as narrowly as possible ------------------------------------
def request_body_for_spec(prepared: requests.PreparedRequest) -> tuple[bytes, str]:
    body = prepared.body or b""
    body = body.encode() if isinstance(body, str) else body
    content_type = prepared.headers.get("Content-Type", "")
    if content_type.startswith("application/json-patch+json"):
        operations = json.loads(body)
        for operation in operations:
            if operation.get("value", "") is None:  # §5.2: JsonPatchOperation.value has no null branch
                operation["value"] = ""
        return json.dumps(operations).encode(), content_type
    if content_type.startswith("application/x-www-form-urlencoded") and b"grant_type=" in body:
        from urllib.parse import parse_qsl

        fields = dict(parse_qsl(body.decode()))
        fields["grant_type"] = fields["grant_type"].lower()  # §5.6: docs table says CLIENT_CREDENTIALS
        return urlencode(fields).encode(), content_type
    return body, content_type


def response_body_for_spec(method: str, v1_path: str, status: int, body: bytes) -> bytes:
    if method != "POST" or status != 200:
        return body
    created = json.loads(body)
    if v1_path == "/personal-access-tokens/v1" and created["expirationDate"] is None:
        created["expirationDate"] = "1970-01-01T00:00:00.000Z"  # §5.1: never-expiring PAT
    if v1_path == "/oauth-clients/v1":
        # CreateOAuthClientResponse says non-nullable where GetOAuthClientResponse says nullable.
        for name, placeholder in (("businessName", ""), ("homepageUrl", ""), ("redirectUris", [])):
            if created[name] is None:
                created[name] = placeholder
    return json.dumps(created).encode()


class SpecResponse:
    """openapi-core's Response protocol over a requests.Response with a (possibly adapted) body."""

    def __init__(self, response: requests.Response, data: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = response.status_code
        self.data = data
        self.headers = Headers(dict(response.headers))
        self.content_type = response.headers.get("Content-Type", "")


class Recorder:
    """A requests.Session hook that keeps every exchange for later validation."""

    def __init__(self) -> None:
        self.exchanges: list[requests.Response] = []

    def __call__(self, response: requests.Response, *args, **kwargs) -> None:
        self.exchanges.append(response)


def spec_request(prepared: requests.PreparedRequest) -> RequestsOpenAPIRequest:
    parts = urlsplit(prepared.url)
    rewritten = prepared.copy()
    body, content_type = request_body_for_spec(prepared)
    rewritten.prepare_url(f"{SPEC_HOST}{to_v1(parts.path)}", None)
    if parts.query:
        rewritten.url += "?" + parts.query
    rewritten.body = body
    if content_type:
        rewritten.headers["Content-Type"] = content_type
    return RequestsOpenAPIRequest(rewritten)


def explain(error: Exception) -> str:
    cause = error.__cause__
    details = getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None)
    if details:
        return f"{type(error).__name__}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in details)
    return f"{type(error).__name__}: {error} {cause or ''}"


def validate_exchange(spec: OpenAPI, response: requests.Response) -> list[str]:
    prepared = response.request
    request = spec_request(prepared)
    path = urlsplit(prepared.url).path
    problems = []
    try:
        spec.validate_request(request)
    except Exception as error:  # noqa: BLE001
        problems.append(f"request {prepared.method} {path}: {explain(error)}")
    data = response_body_for_spec(prepared.method, to_v1(path), response.status_code, response.content)
    try:
        spec.validate_response(request, SpecResponse(response, data))
    except Exception as error:  # noqa: BLE001
        problems.append(f"response {response.status_code} to {prepared.method} {path}: {explain(error)} {response.text[:300]}")
    return problems


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    config = Config(extra_media_type_deserializers={"application/json-patch+json": json.loads})
    return OpenAPI.from_file_path(str(SPEC_FILE), config=config)


@pytest.fixture(scope="module")
def emulator():
    with Emulator(tenants=["acme"], openapi_spec=SPEC_FILE) as running:
        yield running


class Client:
    def __init__(self, emulator: Emulator, recorder: Recorder) -> None:
        self.base = emulator.url("acme")
        self.verify = emulator.verify
        self.http = requests.Session()
        self.http.hooks["response"].append(recorder)
        self.tokens: dict[tuple[str, str], str] = {}

    def token(self, credentials=ADMIN) -> str:
        if credentials not in self.tokens:
            self.tokens[credentials] = self.form_token(*credentials).json()["access_token"]
        return self.tokens[credentials]

    def form_token(self, client_id, secret, **extra) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}
        return self.http.post(self.base + "/oauth/token", data=data, timeout=30, verify=self.verify)

    def call(self, method, path, token=None, json=None, patch=None, params=None, headers=None, no_auth=False):
        all_headers = {} if no_auth else {"Authorization": f"Bearer {token or self.token()}"}
        data = None
        if patch is not None:
            all_headers["Content-Type"] = "application/json-patch+json"
            data = json_module.dumps(patch)
        all_headers.update(headers or {})
        return self.http.request(method, self.base + path, json=json, data=data, params=params, headers=all_headers, timeout=30, verify=self.verify)


def clients(version, client_id=None):
    base = "/oauth-clients/v1" if version == "v1" else f"/{version}/oauth-clients"
    return f"{base}/{client_id}" if client_id else base


def pats(version, pat_id=None):
    base = "/personal-access-tokens/v1" if version == "v1" else f"/{version}/personal-access-tokens"
    return f"{base}/{pat_id}" if pat_id else base


def expect(response: requests.Response, status: int) -> requests.Response:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response


# -- the conforming sequence --------------------------------------------------------------------
def drive_token_endpoint(client: Client, emulator: Emulator) -> None:
    http, base, verify = client.http, client.base, client.verify
    params = {"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]}
    expect(http.post(base + "/oauth/token", params=params, timeout=30, verify=verify), 200)
    expect(http.post(base + "/oauth/token", data=params, timeout=30, verify=verify), 200)
    expect(http.post(base + "/oauth/token", files={k: (None, v) for k, v in params.items()}, timeout=30, verify=verify), 200)
    expect(http.post(base + "/oauth/token", data=dict(params, grant_type="CLIENT_CREDENTIALS"), timeout=30, verify=verify), 200)
    expect(client.form_token(ADMIN[0], "wrong"), 401)
    expect(http.post(base + "/oauth/token", data={"grant_type": "refresh_token", "client_id": ADMIN[0]}, timeout=30, verify=verify), 400)
    expect(http.get(base + "/oauth/info", timeout=30, verify=verify), 200)

    refreshable = expect(client.call("POST", clients("v1"), json={
        "name": "web app", "description": "auth code + refresh", "accessTokenValiditySeconds": 600,
        "refreshTokenValiditySeconds": 3600, "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"],
        "redirectUris": [REDIRECT_URI], "accessType": "OFFLINE", "enabled": True,
    }), 200).json()  # fmt: skip
    granted = expect(client.form_token(refreshable["id"], refreshable["secret"]), 200).json()
    expect(http.post(base + "/oauth/token", data={
        "grant_type": "refresh_token", "client_id": refreshable["id"], "client_secret": refreshable["secret"],
        "refresh_token": granted["refresh_token"]}, timeout=30, verify=verify), 200)  # fmt: skip
    # The browser leg is not part of any spec: done outside the recorded session.
    location = requests.get(base + "/oauth/authorize", params={
        "client_id": refreshable["id"], "response_type": "code", "redirect_uri": REDIRECT_URI, "state": "s"},
        allow_redirects=False, timeout=30, verify=verify).headers["Location"]  # fmt: skip
    code = re.search(r"code=([^&]+)", location)[1]
    exchange = {"grant_type": "authorization_code", "client_id": refreshable["id"], "client_secret": refreshable["secret"],
                "code": code, "redirect_uri": REDIRECT_URI}  # fmt: skip
    expect(http.post(base + "/oauth/token", data=exchange, timeout=30, verify=verify), 200)
    expect(http.post(base + "/oauth/token", data=exchange, timeout=30, verify=verify), 400)  # code reuse
    # The real rate limiter, on the token endpoint (per client_id parameter).
    flood = {"grant_type": "client_credentials", "client_id": "flood", "client_secret": "x"}
    for _attempt in range(100):
        http.post(base + "/oauth/token", data=flood, timeout=30, verify=verify)
    expect(http.post(base + "/oauth/token", data=flood, timeout=30, verify=verify), 429)


def drive_oauth_clients(client: Client, version: str) -> None:
    body = {"name": f"client {version}", "description": "conformance", "accessTokenValiditySeconds": 750,
            "grantTypes": ["CLIENT_CREDENTIALS"], "accessType": "OFFLINE", "enabled": True}  # fmt: skip
    created = expect(client.call("POST", clients(version), json=body), 200).json()
    full = expect(client.call("POST", clients(version), json=dict(
        body, name="full", businessName="Acme-Solar", homepageUrl="http://localhost:12345",
        redirectUris=["http://localhost:12345"], grantTypes=["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS", "REFRESH_TOKEN"],
        type="PUBLIC", internal=False, strongAuthSupported=True, claimsSupported=False, scope=["sp:oauth-client:read"],
        refreshTokenValiditySeconds=86400)), 200).json()  # fmt: skip
    expect(client.call("POST", clients(version), json=dict(body, grantTypes=["AUTHORIZATION_CODE"])), 400)  # no redirect URI
    expect(client.call("GET", clients(version)), 200)
    expect(client.call("GET", clients(version), params={"filters": "lastUsed isnull", "limit": 1, "offset": 1, "count": "true"}), 200)
    expect(client.call("GET", clients(version), params={"filters": "lastUsed le 2030-01-01T00:00:00.000Z"}), 200)
    expect(client.call("GET", clients(version), params={"filters": 'name eq "x"'}), 400)
    expect(client.call("GET", clients(version, created["id"])), 200)
    expect(client.call("GET", clients(version, "no-such-client")), 404)
    expect(client.call("PATCH", clients(version, created["id"]), patch=[
        {"op": "replace", "path": "/strongAuthSupported", "value": True},
        {"op": "replace", "path": "/businessName", "value": "acme-solar"},
        {"op": "replace", "path": "/homepageUrl", "value": None},
        {"op": "add", "path": "/redirectUris", "value": ["https://a.example.com/cb"]},
    ]), 200)  # fmt: skip
    expect(client.call("PATCH", clients(version, created["id"]), patch=[{"op": "replace", "path": "/scope", "value": ["x"]}]), 400)
    expect(client.call("PATCH", clients(version, "no-such-client"), patch=[{"op": "replace", "path": "/name", "value": "x"}]), 404)
    app_token = expect(client.form_token(created["id"], created["secret"]), 200).json()["access_token"]
    expect(client.call("GET", clients(version, created["id"]), token=app_token), 200)
    expect(client.call("GET", clients(version), token=app_token), 403)
    expect(client.call("GET", clients(version), token=client.token(USER)), 403)
    expect(client.call("GET", clients(version), no_auth=True), 401)
    expect(client.call("DELETE", clients(version, created["id"])), 204)
    expect(client.call("DELETE", clients(version, full["id"])), 204)
    expect(client.call("DELETE", clients(version, created["id"])), 404)


def drive_pats(client: Client, emulator: Emulator, version: str) -> None:
    modern = version in MODERN_PAT_VERSIONS
    never = {"userAwareTokenNeverExpires": True} if modern else {}
    expect(client.call("GET", pats(version), params={"owner-id": "me"}), 200)
    expect(client.call("GET", pats(version)), 200)
    expect(client.call("GET", pats(version), params={"filters": "lastUsed isnull", "limit": 5, "count": "true"}), 200)
    expect(client.call("GET", pats(version), token=client.token(USER)), 403)
    created = expect(client.call("POST", pats(version), json={"name": f"pat {version}", **never}), 200).json()
    dated = expect(client.call("POST", pats(version), json={
        "name": f"dated {version}", "scope": ["sp:scopes:all"], "accessTokenValiditySeconds": 3600,
        "expirationDate": _in_days(emulator, 30)}), 200).json()  # fmt: skip
    expect(client.call("POST", pats(version), json={"name": f"pat {version}", **never}), 400)  # duplicate name
    expect(client.call("PATCH", pats(version, created["id"]), patch=[{"op": "replace", "path": "/name", "value": f"renamed {version}"}]), 200)
    if modern:
        expect(client.call("PATCH", pats(version, dated["id"]), patch=[
            {"op": "replace", "path": "/expirationDate", "value": None},
            {"op": "replace", "path": "/userAwareTokenNeverExpires", "value": True},
        ]), 200)  # fmt: skip
        expect(client.call("PATCH", pats(version, dated["id"]), patch=[
            {"op": "replace", "path": "/userAwareTokenNeverExpires", "value": False}]), 400)  # fmt: skip
    expect(client.call("PATCH", pats(version, created["id"]), patch=[{"op": "replace", "path": "/accessTokenValiditySeconds", "value": 60}]), 400)
    expect(client.call("PATCH", pats(version, USER[0]), patch=[{"op": "replace", "path": "/name", "value": "x"}]), 403)
    expect(client.call("PATCH", pats(version, "no-such-pat"), patch=[{"op": "replace", "path": "/name", "value": "x"}]), 404)
    expect(client.call("DELETE", pats(version, created["id"])), 204)
    expect(client.call("DELETE", pats(version, dated["id"])), 204)
    expect(client.call("DELETE", pats(version, created["id"])), 404)
    expect(client.call("DELETE", pats(version, ADMIN[0]), token=client.token(USER)), 403)


def _in_days(emulator: Emulator, days: int) -> str:
    import datetime as dt

    now = dt.datetime.fromisoformat(emulator.clock("acme")["now"].replace("Z", "+00:00"))
    return (now + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.slow  # several hundred validated exchanges
def test_conforming_sequence_validates_against_the_spec(spec, emulator):
    emulator.reset("acme")
    recorder = Recorder()
    client = Client(emulator, recorder)
    drive_token_endpoint(client, emulator)
    for version in VERSIONS:
        drive_oauth_clients(client, version)
        drive_pats(client, emulator, version)
    # The API rate limiter too (per client id and version): the plain user's bucket on v2024.
    user_token = client.token(USER)
    statuses = [
        client.call("GET", pats("v2024"), token=user_token, params={"owner-id": "me"}).status_code for _attempt in range(101)
    ]
    assert statuses.count(429) >= 1

    exchanges = recorder.exchanges
    statuses_seen = {(r.request.method, r.status_code) for r in exchanges}
    assert {200, 204, 400, 401, 403, 404, 429} <= {status for _method, status in statuses_seen}
    problems = [problem for response in exchanges for problem in validate_exchange(spec, response)]
    assert problems == [], "\n".join(problems[:20])
    # The emulator's own --openapi-spec mode agrees: nothing recorded for this sequence.
    assert emulator.violations("acme") == []
    assert len(emulator.requests("acme")) >= len(exchanges)


NON_CONFORMING = [
    ("POST", clients("v1"), {"json": {"description": "no name", "accessTokenValiditySeconds": 750,
                                      "grantTypes": ["CLIENT_CREDENTIALS"], "accessType": "OFFLINE", "enabled": True}}, 400),
    ("POST", clients("v3"), {"json": {"name": "n", "description": "d", "accessTokenValiditySeconds": "750",
                                      "grantTypes": ["CLIENT_CREDENTIALS"], "accessType": "OFFLINE", "enabled": True}}, 200),
    ("POST", pats("v1"), {"json": {"name": "x", "accessTokenValiditySeconds": 5, "userAwareTokenNeverExpires": True}}, 400),
    ("GET", pats("v1", ADMIN[0]), {}, 405),
    ("PATCH", pats("v1", ADMIN[0]), {"json": [{"op": "replace", "path": "/name", "value": "x"}]}, 415),
    ("PATCH", clients("v1", "some-id"), {"patch": [{"op": "rename", "path": "/name"}]}, 404),
]  # fmt: skip


@pytest.mark.parametrize("method, path, kwargs, status", NON_CONFORMING, ids=[f"{m} {p}" for m, p, _kwargs, _status in NON_CONFORMING])
def test_non_conforming_requests_are_caught_on_both_sides(spec, emulator, method, path, kwargs, status):
    emulator.reset("acme")
    recorder = Recorder()
    client = Client(emulator, recorder)
    client.token()
    emulator.clear_violations("acme")
    response = expect(client.call(method, path, **kwargs), status)
    request = spec_request(response.request)
    with pytest.raises(Exception) as caught:
        spec.validate_request(request)
    assert caught.type.__module__.startswith("openapi_core")
    if not isinstance(caught.value, PathError) and response.status_code != 415:
        # The answer itself is still a documented one (415 is not: see the emulator README).
        data = response_body_for_spec(method, to_v1(path), response.status_code, response.content)
        spec.validate_response(request, SpecResponse(response, data))
    violations = emulator.violations("acme")
    assert [(v["method"], v["path"], v["kind"]) for v in violations] == [(method, path, "request")], violations
    assert violations[0]["message"]


def test_violations_are_cleared_by_delete_and_reset(emulator):
    client = Client(emulator, Recorder())
    client.call("GET", pats("v1", ADMIN[0]))
    assert emulator.violations("acme")
    emulator.clear_violations("acme")
    assert emulator.violations("acme") == []
    client.call("GET", pats("v1", ADMIN[0]))
    emulator.reset("acme")
    assert emulator.violations("acme") == []
