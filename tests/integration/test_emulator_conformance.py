"""Conformance of the ISC emulator with the published OpenAPI specification of every API version.

The session's emulator (conftest.py) runs in its strict ``--openapi-spec`` mode on ``tests/openapi/``
(one published document per API version: each call is validated against the document of the
version it was made on). A realistic sequence drives every operation, in every API version, with
success and error answers, in both OAuth client create-answer shapes (conftest's ``create_shape``:
the spec's, and the ``null-create-fields`` quirk of some tenants): no violation may be recorded. Each deliberately invalid request must be recorded as
exactly one violation. The relaxations the validator allows are listed in tests/openapi/SOURCES.md.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests
from isc_emulator.harness import Emulator

pytest.importorskip("openapi_core")

ADMIN = ("admin-client-id", "admin-client-secret")
USER = ("user-client-id", "user-client-secret")
VERSIONS = ("v1", "v3", "beta", "v2024", "v2025", "v2026")
MODERN_PAT_VERSIONS = ("v1", "v2025", "v2026")
REDIRECT_URI = "https://app.example.com/callback"


@pytest.fixture
def shape(emulator, create_shape):
    """Both create-answer shapes, on a fresh acme tenant."""
    emulator.reset("acme")
    return create_shape


class Client:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.base = emulator.url("acme")
        self.verify = emulator.verify
        self.http = requests.Session()
        self.tokens: dict[tuple[str, str], str] = {}
        self.statuses: set[int] = set()

    def token(self, credentials=ADMIN) -> str:
        if credentials not in self.tokens:
            self.tokens[credentials] = expect(self.form_token(*credentials), 200).json()["access_token"]
        return self.tokens[credentials]

    def form_token(self, client_id, secret, **extra) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}
        return self.post_token(data=data)

    def post_token(self, **kwargs) -> requests.Response:
        return self._send("POST", "/oauth/token", **kwargs)

    def call(self, method, path, token=None, json=None, patch=None, params=None, headers=None, no_auth=False):
        all_headers = {} if no_auth else {"Authorization": f"Bearer {token or self.token()}"}
        data = None
        if patch is not None:
            all_headers["Content-Type"] = "application/json-patch+json"
            data = requests.models.complexjson.dumps(patch)
        all_headers.update(headers or {})
        return self._send(method, path, json=json, data=data, params=params, headers=all_headers)

    def _send(self, method, path, **kwargs) -> requests.Response:
        response = self.http.request(method, self.base + path, timeout=30, verify=self.verify, **kwargs)
        self.statuses.add(response.status_code)
        return response


def clients(version, client_id=None):
    base = "/oauth-clients/v1" if version == "v1" else f"/{version}/oauth-clients"
    return f"{base}/{client_id}" if client_id else base


def pats(version, pat_id=None):
    base = "/personal-access-tokens/v1" if version == "v1" else f"/{version}/personal-access-tokens"
    return f"{base}/{pat_id}" if pat_id else base


def expect(response: requests.Response, status: int) -> requests.Response:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response


def in_days(emulator: Emulator, days: int) -> str:
    now = dt.datetime.fromisoformat(emulator.clock("acme")["now"].replace("Z", "+00:00"))
    return (now + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- the conforming sequence --------------------------------------------------------------------
def drive_token_endpoint(client: Client) -> None:
    params = {"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]}
    expect(client.post_token(params=params), 200)
    expect(client.post_token(data=params), 200)
    expect(client.post_token(files={k: (None, v) for k, v in params.items()}), 200)
    expect(client.post_token(data=dict(params, grant_type="CLIENT_CREDENTIALS")), 200)  # SOURCES.md relaxation R3
    expect(client.form_token(ADMIN[0], "wrong"), 401)
    expect(client.post_token(data={"grant_type": "refresh_token", "client_id": ADMIN[0]}), 400)
    info = expect(client._send("GET", "/oauth/info"), 200).json()
    assert info["authorizeEndpoint"] == "https://acme.identitynow.com/oauth/authorize"

    refreshable = expect(client.call("POST", clients("v1"), json={
        "name": "web app", "description": "auth code + refresh", "accessTokenValiditySeconds": 600,
        "refreshTokenValiditySeconds": 3600, "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"],
        "redirectUris": [REDIRECT_URI], "accessType": "OFFLINE", "enabled": True,
    }), 200).json()  # fmt: skip
    granted = expect(client.form_token(refreshable["id"], refreshable["secret"]), 200).json()
    expect(client.post_token(data={
        "grant_type": "refresh_token", "client_id": refreshable["id"], "client_secret": refreshable["secret"],
        "refresh_token": granted["refresh_token"]}), 200)  # fmt: skip
    # The browser leg: no published document describes /oauth/authorize (SOURCES.md, U1).
    location = expect(client._send("GET", "/oauth/authorize", params={
        "client_id": refreshable["id"], "response_type": "code", "redirect_uri": REDIRECT_URI, "state": "s"},
        allow_redirects=False), 302).headers["Location"]  # fmt: skip
    exchange = {"grant_type": "authorization_code", "client_id": refreshable["id"], "client_secret": refreshable["secret"],
                "code": re.search(r"code=([^&]+)", location)[1], "redirect_uri": REDIRECT_URI}  # fmt: skip
    expect(client.post_token(data=exchange), 200)
    expect(client.post_token(data=exchange), 400)  # code reuse
    # The real rate limiter, on the token endpoint (per client_id parameter).
    flood = {"grant_type": "client_credentials", "client_id": "flood", "client_secret": "x"}
    for _attempt in range(100):
        client.post_token(data=flood)
    expect(client.post_token(data=flood), 429)


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
    expect(client.call("POST", clients(version), json=dict(body, accessTokenValiditySeconds=-5)), 400)
    expect(client.call("GET", clients(version)), 200)
    # limit/offset/count: the docs' standard collection parameters (SOURCES.md relaxation R4).
    expect(client.call("GET", clients(version), params={"filters": "lastUsed isnull", "limit": 1, "offset": 1, "count": "true"}), 200)
    expect(client.call("GET", clients(version), params={"filters": "lastUsed le 2030-01-01T00:00:00.000Z"}), 200)
    expect(client.call("GET", clients(version), params={"filters": 'name eq "x"'}), 400)
    expect(client.call("GET", clients(version, created["id"])), 200)
    expect(client.call("GET", clients(version, "no-such-client")), 404)
    expect(client.call("PATCH", clients(version, created["id"]), patch=[
        {"op": "replace", "path": "/strongAuthSupported", "value": True},
        {"op": "replace", "path": "/businessName", "value": "acme-solar"},
        {"op": "replace", "path": "/homepageUrl", "value": ""},
        {"op": "add", "path": "/redirectUris", "value": ["https://a.example.com/cb"]},
    ]), 200)  # fmt: skip
    expect(client.call("PATCH", clients(version, full["id"]), patch=[{"op": "replace", "path": "/redirectUris", "value": []},
                                                                     {"op": "replace", "path": "/grantTypes", "value": ["CLIENT_CREDENTIALS"]}]), 200)
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


def drive_pats(client: Client, version: str) -> None:
    modern = version in MODERN_PAT_VERSIONS
    never = {"userAwareTokenNeverExpires": True} if modern else {}
    # The seeded PATs never expire: listed on v3/beta/v2024 too, whose schema has no null expirationDate.
    expect(client.call("GET", pats(version), params={"owner-id": "me"}), 200)
    expect(client.call("GET", pats(version)), 200)
    expect(client.call("GET", pats(version), params={"filters": "lastUsed isnull", "limit": 5, "count": "true"}), 200)
    expect(client.call("GET", pats(version), token=client.token(USER)), 403)
    user_id = next(i["id"] for i in client.emulator.state("acme")["identities"] if i["userName"] == "user")
    expect(client.call("GET", pats(version), token=client.token(USER), params={"owner-id": user_id}), 403)
    created = expect(client.call("POST", pats(version), json={"name": f"pat {version}", **never}), 200).json()
    dated = expect(client.call("POST", pats(version), json={
        "name": f"dated {version}", "scope": ["sp:scopes:all"], "accessTokenValiditySeconds": 3600,
        "expirationDate": in_days(client.emulator, 30)}), 200).json()  # fmt: skip
    expect(client.call("POST", pats(version), json={"name": f"pat {version}", **never}), 400)  # duplicate name
    expect(client.call("PATCH", pats(version, created["id"]), patch=[{"op": "replace", "path": "/name", "value": f"renamed {version}"}]), 200)
    if modern:
        expect(client.call("PATCH", pats(version, dated["id"]), patch=[
            {"op": "replace", "path": "/expirationDate", "value": None},  # SOURCES.md relaxation R2
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


@pytest.mark.slow  # several hundred validated exchanges per shape
def test_conforming_sequence_records_no_violation_in_any_version(emulator, shape):
    client = Client(emulator)
    drive_token_endpoint(client)
    for version in VERSIONS:
        drive_oauth_clients(client, version)
        drive_pats(client, version)
    # The API rate limiter too (per client id and version): the plain user's bucket on v2024.
    user_token = client.token(USER)
    statuses = [client.call("GET", pats("v2024"), token=user_token, params={"owner-id": "me"}).status_code for _attempt in range(101)]
    assert statuses.count(429) >= 1

    assert {200, 204, 302, 400, 401, 403, 404, 429} <= client.statuses
    assert emulator.violations("acme") == []
    observations = emulator.quirk_observations("acme")
    if shape == "spec":
        assert observations == []
    else:
        # Every create without businessName/homepageUrl/redirectUris deviated, and only those: the token
        # endpoint's "web app" (v1), then one per version ("full" sets all three).
        assert [(o["method"], o["api_version"], o["quirk"]) for o in observations] == [
            ("POST", version, "null-create-fields") for version in ("v1",) + VERSIONS
        ], observations
        assert all("businessName" in o["message"] for o in observations)


def _clients_body(**overrides):
    body = {"name": "n", "description": "d", "accessTokenValiditySeconds": 750, "grantTypes": ["CLIENT_CREDENTIALS"],
            "accessType": "OFFLINE", "enabled": True}  # fmt: skip
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}


@pytest.mark.parametrize("version", ["v1", "v3", "v2026"])
def test_lists_beyond_one_page_conform_in_both_paging_behaviours(emulator, list_paging, version):
    emulator.reset("acme")
    emulator.seed("acme", oauth_clients={"count": 260, "name": "bulk {index}"},
                  personal_access_tokens={"count": 260, "name": "bulk {index}"})  # fmt: skip
    client = Client(emulator)
    first_page = {None: (260, 261), 250: (250, 250)}[list_paging]  # the admin also has its seeded PAT
    assert len(expect(client.call("GET", clients(version)), 200).json()) == first_page[0]
    assert len(expect(client.call("GET", pats(version), params={"owner-id": "me"}), 200).json()) == first_page[1]
    rest = expect(client.call("GET", clients(version), params={"offset": 250, "limit": 250, "count": "true"}), 200)
    assert len(rest.json()) == 10 and rest.headers["X-Total-Count"] == "260"
    assert emulator.violations("acme") == []


# (method, path, request arguments, status the emulator answers): each request breaks the contract once.
NON_CONFORMING = [
    ("POST", clients("v1"), {"json": _clients_body(name=...)}, 400),  # required name missing
    ("POST", clients("v3"), {"json": _clients_body(accessTokenValiditySeconds="750")}, 400),  # int32, not a string
    ("POST", clients("beta"), {"json": _clients_body(enabled="yes")}, 400),
    ("POST", pats("v1"), {"json": {"name": "x", "accessTokenValiditySeconds": 5, "userAwareTokenNeverExpires": True}}, 400),
    ("POST", pats("v2024"), {"json": {"name": "x", "accessTokenValiditySeconds": "60"}}, 400),
    ("GET", pats("v1", ADMIN[0]), {}, 405),  # no GET by id in any version
    ("GET", pats("v2025", ADMIN[0]), {}, 405),
    ("PATCH", pats("v1", ADMIN[0]), {"json": [{"op": "replace", "path": "/name", "value": "x"}]}, 415),
    ("PATCH", clients("v2026", "some-id"), {"patch": [{"op": "rename", "path": "/name"}]}, 404),
    # A null value is documented only for a PAT's expirationDate: clearing a client field takes "" or [].
    ("PATCH", clients("v1", "some-id"), {"patch": [{"op": "replace", "path": "/homepageUrl", "value": None}]}, 404),
    ("GET", clients("v2024"), {"params": {"sorters": "name"}}, 200),  # undeclared query parameter
    ("GET", pats("v3"), {"params": {"owner-id": "me", "page": "2"}}, 200),
]  # fmt: skip


@pytest.mark.parametrize("method, path, kwargs, status", NON_CONFORMING, ids=[f"{m} {p} {sorted(k)}" for m, p, k, _s in NON_CONFORMING])
def test_each_non_conforming_request_is_one_violation(emulator, shape, method, path, kwargs, status):
    client = Client(emulator)
    client.token()
    emulator.clear_violations("acme")
    expect(client.call(method, path, **kwargs), status)
    violations = emulator.violations("acme")
    assert [(v["method"], v["path"], v["kind"]) for v in violations] == [(method, path, "request")], violations
    assert violations[0]["message"] and violations[0]["api_version"] == next(v for v in VERSIONS if v in path)


def test_violations_are_cleared_by_delete_and_reset(emulator):
    client = Client(emulator)
    client.call("GET", pats("v1", ADMIN[0]))
    assert emulator.violations("acme")
    emulator.clear_violations("acme")
    assert emulator.violations("acme") == []
    client.call("GET", pats("v1", ADMIN[0]))
    emulator.reset("acme")
    assert emulator.violations("acme") == []
