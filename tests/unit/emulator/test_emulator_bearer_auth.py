"""Bearer-token authentication (401) and authorization (403) of the emulator's API calls."""

from __future__ import annotations

import jwt
import pytest
from emulator_testlib import error_text
from isc_emulator.tenant import ADMIN, USER, clients_path, pats_path


def assert_error_dto(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"detailCode", "trackingId", "messages"}
    assert len(body["trackingId"]) == 32 and int(body["trackingId"], 16) >= 0
    assert body["messages"][0]["locale"] == "en-US" and body["messages"][0]["localeOrigin"] == "DEFAULT"
    return body["messages"][0]["text"]


def test_every_response_has_a_request_id(acme):
    responses = [
        acme.call("GET", clients_path()),
        acme.call("GET", clients_path(), token="garbage"),
        acme.token_request({"grant_type": "nope"}),
        acme.http.get(acme.url("/oauth/info"), timeout=30),
        acme.http.get(acme.url("/no/such/path"), timeout=30),
    ]
    ids = {response.headers["SLPT-Request-ID"] for response in responses}
    assert len(ids) == len(responses) and all(len(value) == 32 for value in ids)


@pytest.mark.parametrize(
    "headers, fragment",
    [
        ({}, "no Authorization header"),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "not a Bearer token"),
        ({"Authorization": "Bearer not.a.jwt"}, "malformed"),
    ],
)
def test_missing_or_garbled_token_is_401(acme, headers, fragment):
    response = acme.http.get(acme.url(clients_path()), headers=headers, timeout=30)
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert response.json()["error"].startswith("JWT validation failed") and fragment in response.json()["error"]


def test_badly_signed_token_is_401(acme):
    from cryptography.hazmat.primitives.asymmetric import rsa

    genuine = acme.token()
    claims = jwt.decode(genuine, options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers=jwt.get_unverified_header(genuine))
    response = acme.call("GET", clients_path(), token=forged)
    assert response.status_code == 401 and "signature" in response.json()["error"]
    tampered = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    assert acme.call("GET", clients_path(), token=tampered).status_code == 401


def test_other_tenants_token_is_401(acme, globex):
    response = acme.call("GET", clients_path(), token=globex.token())
    assert response.status_code == 401 and "another tenant" in response.json()["error"]


def test_expired_token_is_401_on_the_tenant_clock(acme, emulator):
    token = acme.grant(*ADMIN)["access_token"]
    assert acme.call("GET", clients_path(), token=token).status_code == 200
    emulator.advance_clock("acme", 43200)
    response = acme.call("GET", clients_path(), token=token)
    assert response.status_code == 401
    assert response.json() == {"error": "JWT validation failed: JWT is expired"}


def test_api_client_token_is_403_where_a_user_is_needed(acme):
    client = acme.create_client()
    app_token = acme.grant(client["id"], client["secret"])["access_token"]
    for method, path in (("GET", clients_path()), ("POST", clients_path()), ("GET", pats_path()), ("POST", pats_path())):
        text = assert_error_dto(acme.call(method, path, token=app_token, json={}), 403)
        assert "user context" in text
    # ...but GET of one OAuth client also allows application tokens (applicationAuth).
    assert acme.call("GET", clients_path("v1", client["id"]), token=app_token).status_code == 200


def test_non_admin_user_is_403_on_oauth_clients(acme):
    client = acme.create_client()
    user_token = acme.token(USER)
    one = clients_path("v1", client["id"])
    for method, path in (("GET", clients_path()), ("POST", clients_path()), ("GET", one), ("DELETE", one)):
        assert "ORG_ADMIN" in assert_error_dto(acme.call(method, path, token=user_token, json={}), 403)


def test_token_scope_is_enforced(acme):
    read_only = acme.create_pat(name="read-only", scope=["sp:oauth-client:read"])
    token = acme.grant(read_only["id"], read_only["secret"])["access_token"]
    assert acme.call("GET", clients_path(), token=token).status_code == 200
    text = assert_error_dto(acme.call("POST", clients_path(), token=token, json={}), 403)
    assert "sp:oauth-client:manage" in text
    assert acme.call("GET", pats_path(), token=token, params={"owner-id": "me"}).status_code == 403

    my_pats = acme.create_pat(name="my-pats", scope=["sp:my-personal-access-tokens:read"])
    token = acme.grant(my_pats["id"], my_pats["secret"])["access_token"]
    assert acme.call("GET", pats_path(), token=token, params={"owner-id": "me"}).status_code == 200
    assert acme.call("GET", pats_path(), token=token).status_code == 403  # all PATs need the all-PAT right


def test_unknown_paths_and_methods(acme):
    assert_error_dto(acme.call("GET", "/v3/no-such-thing"), 404)
    assert_error_dto(acme.call("GET", "/oauth-clients/v2"), 404)
    response = acme.call("PUT", clients_path("v1", "some-id"), json={})
    assert_error_dto(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PATCH", "DELETE"}
    assert acme.http.get(acme.url("/oauth/token"), timeout=30).status_code == 405


def test_missing_resources_are_404_error_dtos(acme):
    assert "not found" in assert_error_dto(acme.call("GET", clients_path("v1", "missing")), 404)
    assert error_text(acme.call("DELETE", pats_path("v1", "missing")))
