"""One tenant of a running emulator as a test, a benchmark or the demo sees it (a test double, not affiliated with
SailPoint): ISC calls with a bearer token, the admin credentials and ``SAIL_*`` environment, the request log and the
test-control calls of that tenant.

The one tenant helper of the project: the emulator's own tests, the pytest plugin (``isc_tenant``), the integration
tests, the benchmarks and the demo all use :class:`Tenant`.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any, Optional

import requests

from .harness import Emulator

TOKEN_PATH = "/oauth/token"
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
# The emulator's seeded PATs: an ORG_ADMIN and a user without authorities (client id, secret).
ADMIN = ("admin-client-id", "admin-client-secret")
USER = ("user-client-id", "user-client-secret")
# The versions whose PAT create has userAwareTokenNeverExpires; the legacy ones only expire.
MODERN_PAT_VERSIONS = ("v1", "v2025", "v2026")
LEGACY_PAT_VERSIONS = ("v3", "beta", "v2024")


def clients_path(version: str = "v1", client_id: Optional[str] = None) -> str:
    """The OAuth client collection (or one client) of an API version."""
    base = "/oauth-clients/v1" if version == "v1" else f"/{version}/oauth-clients"
    return f"{base}/{client_id}" if client_id else base


def pats_path(version: str = "v1", pat_id: Optional[str] = None) -> str:
    """The personal access token collection (or one token) of an API version."""
    base = "/personal-access-tokens/v1" if version == "v1" else f"/{version}/personal-access-tokens"
    return f"{base}/{pat_id}" if pat_id else base


def client_body(**overrides: Any) -> dict:
    """A valid OAuth client create body; a field overridden with ``...`` is left out."""
    body = {
        "name": "test client",
        "description": "made by a test",
        "accessTokenValiditySeconds": 750,
        "grantTypes": ["CLIENT_CREDENTIALS"],
        "accessType": "OFFLINE",
        "enabled": True,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def request_counts(log: list[dict], list_path: str = "/oauth-clients/v1") -> dict:
    """What a request log holds: all requests, token requests, list calls of list_path, creates, updates, writes,
    429 answers."""
    return dict(
        http=len(log),
        token=sum(1 for r in log if r["path"] == TOKEN_PATH),
        lists=sum(1 for r in log if r["method"] == "GET" and r["path"] == list_path),
        creates=sum(1 for r in log if r["method"] == "POST" and r["path"] == list_path),
        updates=sum(1 for r in log if r["method"] in ("PATCH", "PUT") and r["path"] != TOKEN_PATH),
        writes=sum(1 for r in log if r["method"] in WRITE_METHODS and r["path"] != TOKEN_PATH),
        throttled=sum(1 for r in log if r["status"] == 429),
    )


class Tenant:
    """One tenant of a running :class:`~isc_emulator.harness.Emulator`."""

    def __init__(self, emulator: Emulator, name: str) -> None:
        self.emulator = emulator
        self.name = name
        self.base_url = emulator.base_urls[name]
        self.client_id = emulator.admin_client_id
        self.client_secret = emulator.admin_client_secret
        self.http = requests.Session()
        self.verify = emulator.verify  # per call: a Session's own .verify loses to REQUESTS_CA_BUNDLE
        self._tokens: dict[tuple[str, str], str] = {}

    @property
    def environment(self) -> dict:
        """The ``SAIL_*`` variables that point the collection (or any SailPoint tool) at this tenant as its admin."""
        environment = {"SAIL_BASE_URL": self.base_url, "SAIL_CLIENT_ID": self.client_id,
                       "SAIL_CLIENT_SECRET": self.client_secret}  # fmt: skip
        if self.emulator.ca_path:
            environment["REQUESTS_CA_BUNDLE"] = self.emulator.ca_path
        return environment

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- ISC calls ---------------------------------------------------------------------------
    def token_request(self, data: Any = None, params: Any = None, files: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url(TOKEN_PATH), data=data, params=params, files=files, timeout=30, verify=self.verify, **kwargs)

    def grant(self, client_id: str, client_secret: str) -> dict:
        """The token answer of a client-credentials grant (asserted to succeed)."""
        response = self.token_request({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
        assert response.status_code == 200, response.text
        return response.json()

    def token(self, credentials: Optional[tuple[str, str]] = None) -> str:
        """An access token of credentials (default: the admin), reused until the tenant refuses it: tokens survive
        resets (keys and identity ids are kept) but not a clock moved past their expiry."""
        credentials = tuple(credentials or (self.client_id, self.client_secret))
        if credentials not in self._tokens:
            self._tokens[credentials] = self.grant(*credentials)["access_token"]
        return self._tokens[credentials]

    def admin_token(self) -> str:
        return self.token()

    def call(self, method: str, path: str, *, token: Optional[str] = None, json: Any = None, patch: Any = None,
             params: Any = None, headers: Optional[dict] = None, data: Any = None) -> requests.Response:
        """One ISC call with a bearer token (default: the admin's); patch sends a JSON Patch document."""
        if patch is not None:
            data = jsonlib.dumps(patch)

        def send(bearer: str) -> requests.Response:
            all_headers = {"Authorization": f"Bearer {bearer}"}
            if patch is not None:
                all_headers["Content-Type"] = "application/json-patch+json"
            all_headers.update(headers or {})
            return self.http.request(method, self.url(path), json=json, data=data, params=params, headers=all_headers, timeout=30, verify=self.verify)

        response = send(token or self.token())
        if token is None and response.status_code == 401:  # the reused admin token expired (tenant clock moved)
            self._tokens.clear()
            response = send(self.token())
        return response

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """One ISC call as the admin that must succeed: the decoded answer (None when empty)."""
        response = self.call(method, path, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def create_client(self, version: str = "v1", token: Optional[str] = None, **fields: Any) -> dict:
        """Create an OAuth client from client_body(**fields) (asserted to succeed): the create answer."""
        response = self.call("POST", clients_path(version), token=token, json=client_body(**fields))
        assert response.status_code == 200, response.text
        return response.json()

    def create_pat(self, version: str = "v1", token: Optional[str] = None, **body: Any) -> dict:
        """Create a personal access token (never expiring unless expirationDate is given, on the versions that
        have the flag): the create answer."""
        if version in MODERN_PAT_VERSIONS and "expirationDate" not in body:
            body.setdefault("userAwareTokenNeverExpires", True)
        response = self.call("POST", pats_path(version), token=token, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    # -- the tenant's log and test controls ---------------------------------------------------
    def requests(self) -> list[dict]:
        return self.emulator.requests(self.name)

    def token_requests(self) -> list[dict]:
        return [r for r in self.requests() if r["path"] == TOKEN_PATH]

    def writes(self) -> list[dict]:
        return [r for r in self.requests() if r["method"] in WRITE_METHODS and r["path"] != TOKEN_PATH]

    def request_counts(self, list_path: str = "/oauth-clients/v1") -> dict:
        return request_counts(self.requests(), list_path)

    def clear_requests(self) -> None:
        self.emulator.clear_requests(self.name)

    def violations(self) -> list[dict]:
        return self.emulator.violations(self.name)

    def state(self) -> dict:
        return self.emulator.state(self.name)

    def reset(self) -> None:
        """The initial state (update_settings changes are kept)."""
        self.emulator.reset(self.name)

    def restart(self) -> None:
        """The initial state, with the settings (pat_limit, default_page_size, quirks) it started with."""
        self.emulator.reset(self.name, settings=True)
