"""The emulator's sliding-window rate limit: per client id and API version, 429 + Retry-After."""

from __future__ import annotations

import time

import pytest
from isc_emulator.tenant import ADMIN, USER, Tenant, clients_path, pats_path
from isc_emulator.harness import Emulator

LIMIT, WINDOW = 3, 2


@pytest.fixture(scope="module")
def emulator():
    with Emulator(tenants=["acme"], rate_limit=LIMIT, rate_window=WINDOW) as running:
        yield running


@pytest.fixture(scope="module")
def api(emulator):
    return Tenant(emulator, "acme")


@pytest.mark.slow  # waits for a slot to free
def test_api_calls_are_limited_per_client_and_version(api, emulator):
    admin, user = api.token(ADMIN), api.token(USER)  # token requests have their own bucket
    statuses = [api.call("GET", clients_path(), token=admin).status_code for _attempt in range(LIMIT)]
    assert statuses == [200] * LIMIT
    limited = api.call("GET", clients_path(), token=admin)
    assert limited.status_code == 429
    assert limited.json() == {"message": " Rate Limit Exceeded "}
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW
    # Another API version and another client id have their own windows.
    assert api.call("GET", clients_path("v3"), token=admin).status_code == 200
    assert api.call("GET", pats_path(), token=user, params={"owner-id": "me"}).status_code == 200
    # A slot frees once the oldest request leaves the window.
    time.sleep(retry_after + 0.1)
    assert api.call("GET", clients_path(), token=admin).status_code == 200
    assert [entry["status"] for entry in emulator.requests("acme") if entry["status"] == 429] == [429]


def test_token_endpoint_is_limited_per_client_id(api):
    params = {"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]}
    assert [api.token_request(params).status_code for _attempt in range(LIMIT)] == [200] * LIMIT
    limited = api.token_request(params)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    # Wrong secrets count too (the key is the client_id parameter), other client ids do not.
    assert api.token_request({**params, "client_id": USER[0], "client_secret": USER[1]}).status_code == 200


def test_reset_clears_the_windows(api, emulator):
    token = api.token(ADMIN)
    for _attempt in range(LIMIT + 1):
        last = api.call("GET", clients_path(), token=token)
    assert last.status_code == 429
    emulator.reset("acme")
    assert api.call("GET", clients_path(), token=token).status_code == 200
