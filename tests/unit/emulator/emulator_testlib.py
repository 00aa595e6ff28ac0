"""Helpers shared by the ISC emulator's tests: paths per API version, a valid OAuth client body,
and :class:`TenantApi`, a small bearer-token client for one tenant."""

from __future__ import annotations

import json as jsonlib
from typing import Any, Optional

import requests

from isc_emulator.harness import Emulator

ADMIN = ("admin-client-id", "admin-client-secret")
USER = ("user-client-id", "user-client-secret")
VERSIONS = ("v1", "v3", "beta", "v2024", "v2025", "v2026")
LEGACY_VERSIONS = VERSIONS[1:]
MODERN_PAT_VERSIONS = ("v1", "v2025", "v2026")
LEGACY_PAT_VERSIONS = ("v3", "beta", "v2024")


def clients_path(version: str = "v1", client_id: Optional[str] = None) -> str:
    base = "/oauth-clients/v1" if version == "v1" else f"/{version}/oauth-clients"
    return f"{base}/{client_id}" if client_id else base


def pats_path(version: str = "v1", pat_id: Optional[str] = None) -> str:
    base = "/personal-access-tokens/v1" if version == "v1" else f"/{version}/personal-access-tokens"
    return f"{base}/{pat_id}" if pat_id else base


def client_body(**overrides: Any) -> dict:
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


class TenantApi:
    """Bearer-token calls against one tenant of a running emulator."""

    def __init__(self, emulator: Emulator, tenant: str) -> None:
        self.emulator = emulator
        self.tenant = tenant
        self.base_url = emulator.base_urls[tenant]
        self.http = requests.Session()
        self.verify = emulator.verify  # per call: Session.verify loses to REQUESTS_CA_BUNDLE
        self._tokens: dict[tuple[str, str], str] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def token_request(self, data: Any = None, params: Any = None, files: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.url("/oauth/token"), data=data, params=params, files=files, timeout=30, verify=self.verify, **kwargs)

    def grant(self, client_id: str, client_secret: str) -> dict:
        response = self.token_request({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
        assert response.status_code == 200, response.text
        return response.json()

    def token(self, credentials: tuple[str, str] = ADMIN) -> str:
        """Cached per credential pair (tokens survive resets: keys and identity ids are kept)."""
        if credentials not in self._tokens:
            self._tokens[credentials] = self.grant(*credentials)["access_token"]
        return self._tokens[credentials]

    def call(self, method: str, path: str, *, token: Optional[str] = None, json: Any = None, patch: Any = None,
             params: Any = None, headers: Optional[dict] = None, data: Any = None) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {token or self.token()}"}
        if patch is not None:
            all_headers["Content-Type"] = "application/json-patch+json"
            data = jsonlib.dumps(patch)
        all_headers.update(headers or {})
        return self.http.request(method, self.url(path), json=json, data=data, params=params, headers=all_headers, timeout=30, verify=self.verify)

    def create_client(self, version: str = "v1", token: Optional[str] = None, **overrides: Any) -> dict:
        response = self.call("POST", clients_path(version), token=token, json=client_body(**overrides))
        assert response.status_code == 200, response.text
        return response.json()

    def create_pat(self, version: str = "v1", token: Optional[str] = None, **body: Any) -> dict:
        if version in MODERN_PAT_VERSIONS and "expirationDate" not in body:
            body.setdefault("userAwareTokenNeverExpires", True)
        response = self.call("POST", pats_path(version), token=token, json=body)
        assert response.status_code == 200, response.text
        return response.json()


def error_text(response: requests.Response) -> str:
    """The message of an ErrorResponseDto."""
    return response.json()["messages"][0]["text"]
