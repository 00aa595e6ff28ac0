"""The emulator's /oauth/token, /oauth/authorize and /oauth/info, and the JWTs it issues."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from isc_emulator.tenant import ADMIN, USER, clients_path, pats_path

DOCUMENTED_CLAIMS = {
    "tenant_id", "internal", "pod", "org", "identity_id", "user_name", "strong_auth", "authorities",
    "enabled", "client_id", "accessType", "strong_auth_supported", "user_id", "scope", "exp", "iat", "jti",
}  # fmt: skip
USER_CONTEXT_CLAIMS = {"identity_id", "user_name", "user_id"}
REDIRECT_URI = "https://app.example.com/callback"


def decode(emulator, token: str, tenant: str = "acme") -> dict:
    """Verify the signature with the tenant's published JWKS (RS256, kid in the header)."""
    header = jwt.get_unverified_header(token)
    keys = {key["kid"]: key for key in emulator.jwks(tenant)["keys"]}
    assert header["alg"] == "RS256" and header["kid"] in keys
    public_key = jwt.PyJWK(keys[header["kid"]]).key
    return jwt.decode(token, public_key, algorithms=["RS256"], options={"verify_exp": False})


# -- client_credentials -------------------------------------------------------------------------
@pytest.mark.parametrize("style", ["query", "urlencoded", "multipart"])
def test_client_credentials_in_every_parameter_style(acme, emulator, style):
    params = {"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]}
    if style == "query":
        response = acme.token_request(params=params)
    elif style == "urlencoded":
        response = acme.token_request(data=params)
        assert response.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    else:
        response = acme.token_request(files={name: (None, value) for name, value in params.items()})
        assert response.request.headers["Content-Type"].startswith("multipart/form-data")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert decode(emulator, response.json()["access_token"])["client_id"] == ADMIN[0]


def test_body_wins_over_query(acme):
    response = acme.token_request(
        params={"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": "wrong"},
        data={"client_secret": ADMIN[1]},
    )
    assert response.status_code == 200, response.text
    response = acme.token_request(
        params={"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]},
        data={"client_secret": "wrong"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("grant_type", ["CLIENT_CREDENTIALS", "Client_Credentials"])
def test_upper_case_grant_type_is_accepted(acme, grant_type):
    response = acme.token_request({"grant_type": grant_type, "client_id": ADMIN[0], "client_secret": ADMIN[1]})
    assert response.status_code == 200


def test_http_basic_client_authentication(acme):
    response = acme.token_request({"grant_type": "client_credentials"}, auth=ADMIN)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params, error",
    [
        ({"client_id": ADMIN[0], "client_secret": ADMIN[1]}, "invalid_request"),
        ({"grant_type": "password", "client_id": ADMIN[0], "client_secret": ADMIN[1]}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "client_id": ADMIN[0]}, "invalid_request"),
        ({"grant_type": "client_credentials", "client_secret": ADMIN[1]}, "invalid_request"),
        ({"grant_type": "refresh_token", "client_id": ADMIN[0], "client_secret": ADMIN[1]}, "invalid_request"),
        ({"grant_type": "authorization_code", "client_id": ADMIN[0], "client_secret": ADMIN[1]}, "invalid_request"),
    ],
)
def test_malformed_token_requests_are_400(acme, params, error):
    response = acme.token_request(params)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize("credentials", [(ADMIN[0], "wrong-secret"), ("no-such-client", "x")])
def test_bad_credentials_are_401_invalid_client(acme, credentials):
    response = acme.token_request({"grant_type": "client_credentials", "client_id": credentials[0], "client_secret": credentials[1]})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "Bad credentials"}


def test_pat_token_is_in_the_owner_context(acme, emulator):
    body = acme.grant(*ADMIN)
    claims = decode(emulator, body["access_token"])
    assert DOCUMENTED_CLAIMS <= set(claims)
    admin = next(i for i in emulator.state("acme")["identities"] if i["userName"] == "admin")
    assert claims["identity_id"] == admin["id"] == body["identity_id"]
    assert claims["user_name"] == "admin"
    assert claims["user_id"] == body["user_id"]
    assert claims["authorities"] == ["ORG_ADMIN"]
    assert claims["scope"] == ["sp:scopes:all"] and body["scope"] == "sp:scopes:all"
    assert claims["org"] == "acme" and claims["tenant_id"] == body["tenant_id"]
    assert claims["exp"] - claims["iat"] == body["expires_in"] == 43200
    assert body["token_type"] == "bearer" and body["jti"] == claims["jti"]
    for field in ("accessType", "internal", "pod", "strong_auth_supported", "org", "strong_auth", "enabled"):
        assert field in body
    assert "refresh_token" not in body  # never for PATs
    user_claims = decode(emulator, acme.grant(*USER)["access_token"])
    assert user_claims["user_name"] == "user" and "ORG_ADMIN" not in user_claims["authorities"]


def test_api_client_token_has_no_user_context(acme, emulator):
    client = acme.create_client(accessTokenValiditySeconds=900, scope=["sp:oauth-client:read"])
    body = acme.grant(client["id"], client["secret"])
    claims = decode(emulator, body["access_token"])
    assert not USER_CONTEXT_CLAIMS & set(claims)
    assert not claims.get("authorities")
    assert "identity_id" not in body and "user_id" not in body
    assert body["expires_in"] == 900 and claims["exp"] - claims["iat"] == 900
    assert claims["client_id"] == client["id"]
    assert claims["scope"] == ["sp:oauth-client:read"] and body["scope"] == "sp:oauth-client:read"
    assert "refresh_token" not in body  # no REFRESH_TOKEN grant type


def test_successful_grant_updates_last_used(acme):
    client = acme.create_client()
    assert client["lastUsed"] is None
    acme.grant(client["id"], client["secret"])
    fetched = acme.call("GET", clients_path("v1", client["id"])).json()
    assert fetched["lastUsed"] is not None
    assert acme.call("GET", pats_path(), params={"owner-id": "me"}).json()[0]["lastUsed"] is None
    acme.grant(*ADMIN)
    assert acme.call("GET", pats_path(), params={"owner-id": "me"}).json()[0]["lastUsed"] is not None


def test_disabled_deleted_and_grantless_clients_get_no_token(acme):
    disabled = acme.create_client(enabled=False)
    response = acme.token_request({"grant_type": "client_credentials", "client_id": disabled["id"], "client_secret": disabled["secret"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    deleted = acme.create_client()
    assert acme.call("DELETE", clients_path("v1", deleted["id"])).status_code == 204
    response = acme.token_request({"grant_type": "client_credentials", "client_id": deleted["id"], "client_secret": deleted["secret"]})
    assert response.status_code == 401

    no_cc = acme.create_client(grantTypes=["AUTHORIZATION_CODE"], redirectUris=[REDIRECT_URI])
    response = acme.token_request({"grant_type": "client_credentials", "client_id": no_cc["id"], "client_secret": no_cc["secret"]})
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


def test_expired_and_deleted_pats_get_no_token(acme, emulator):
    clock = emulator.clock("acme")
    from datetime import datetime, timedelta

    soon = (datetime.fromisoformat(clock["now"].replace("Z", "+00:00")) + timedelta(minutes=5)).isoformat()
    pat = acme.create_pat(name="short-lived", expirationDate=soon)
    assert acme.grant(pat["id"], pat["secret"])["access_token"]
    emulator.advance_clock("acme", 301)
    response = acme.token_request({"grant_type": "client_credentials", "client_id": pat["id"], "client_secret": pat["secret"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    emulator.set_clock_offset("acme", 0)
    other = acme.create_pat(name="to delete")
    assert acme.call("DELETE", pats_path("v1", other["id"])).status_code == 204
    response = acme.token_request({"grant_type": "client_credentials", "client_id": other["id"], "client_secret": other["secret"]})
    assert response.status_code == 401


# -- refresh_token ------------------------------------------------------------------------------
def refreshable_client(acme, **overrides):
    return acme.create_client(grantTypes=["CLIENT_CREDENTIALS", "REFRESH_TOKEN"], refreshTokenValiditySeconds=600, **overrides)


def test_refresh_token_grant(acme, emulator):
    client = refreshable_client(acme)
    first = acme.grant(client["id"], client["secret"])
    assert first["refresh_token"]
    params = {"grant_type": "refresh_token", "client_id": client["id"], "client_secret": client["secret"], "refresh_token": first["refresh_token"]}
    second = acme.token_request(params)
    assert second.status_code == 200, second.text
    assert second.json()["access_token"] != first["access_token"]
    assert second.json()["refresh_token"] != first["refresh_token"]
    # The old refresh token stays valid until its own expiry ...
    assert acme.token_request(params).status_code == 200
    # ... and not beyond.
    emulator.advance_clock("acme", 601)
    expired = acme.token_request(params)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"


def test_refresh_token_misuse(acme):
    client, other = refreshable_client(acme), refreshable_client(acme, name="other")
    refresh_token = acme.grant(client["id"], client["secret"])["refresh_token"]
    base = {"grant_type": "refresh_token", "client_id": other["id"], "client_secret": other["secret"]}
    response = acme.token_request({**base, "refresh_token": refresh_token})
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    response = acme.token_request({**base, "refresh_token": "not-a-token"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # A refresh token is no bearer token.
    assert acme.call("GET", clients_path(), token=refresh_token).status_code == 401
    # PATs have no refresh grant.
    response = acme.token_request({"grant_type": "refresh_token", "client_id": ADMIN[0], "client_secret": ADMIN[1], "refresh_token": refresh_token})
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


# -- authorization_code -------------------------------------------------------------------------
def authorize(acme, client_id, **extra):
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT_URI, "state": "xyz", **extra}
    return acme.http.get(acme.url("/oauth/authorize"), params=params, allow_redirects=False, timeout=30)


def code_from(response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert query["state"] == ["xyz"]
    return query["code"][0]


def auth_code_client(acme, **overrides):
    values = dict(grantTypes=["AUTHORIZATION_CODE", "REFRESH_TOKEN"], redirectUris=[REDIRECT_URI])
    values.update(overrides)
    return acme.create_client(**values)


def test_authorization_code_grant_gives_user_context(acme, emulator):
    client = auth_code_client(acme)
    code = code_from(authorize(acme, client["id"]))
    params = {"grant_type": "authorization_code", "client_id": client["id"], "client_secret": client["secret"], "code": code, "redirect_uri": REDIRECT_URI}
    response = acme.token_request(params)
    assert response.status_code == 200, response.text
    body = response.json()
    claims = decode(emulator, body["access_token"])
    assert claims["user_name"] == "user" and body["identity_id"] == claims["identity_id"]
    assert body["refresh_token"]
    refreshed = acme.token_request(
        {"grant_type": "refresh_token", "client_id": client["id"], "client_secret": client["secret"], "refresh_token": body["refresh_token"]}
    )
    assert decode(emulator, refreshed.json()["access_token"])["user_name"] == "user"
    # Codes are single use.
    again = acme.token_request(params)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_authorization_code_mismatches(acme, emulator):
    client = auth_code_client(acme, redirectUris=[REDIRECT_URI, "https://other.example.com/cb"])
    base = {"grant_type": "authorization_code", "client_id": client["id"], "client_secret": client["secret"], "redirect_uri": REDIRECT_URI}
    wrong_redirect = acme.token_request({**base, "code": code_from(authorize(acme, client["id"])), "redirect_uri": "https://other.example.com/cb"})
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"

    other = auth_code_client(acme, name="other")
    stolen = acme.token_request({**base, "client_id": other["id"], "client_secret": other["secret"], "code": code_from(authorize(acme, client["id"]))})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"

    code = code_from(authorize(acme, client["id"]))
    emulator.advance_clock("acme", 301)  # codes live 5 minutes
    expired = acme.token_request({**base, "code": code})
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"

    no_secret = acme.token_request({key: value for key, value in base.items() if key != "client_secret"} | {"code": "x"})
    assert no_secret.status_code == 401  # CONFIDENTIAL clients must authenticate


def test_authorize_refuses_without_redirecting(acme):
    client = auth_code_client(acme)
    for response in (
        authorize(acme, client["id"], redirect_uri="https://evil.example.com/"),
        authorize(acme, "no-such-client"),
        authorize(acme, acme.create_client()["id"]),  # no AUTHORIZATION_CODE grant
    ):
        assert response.status_code == 400 and "Location" not in response.headers


def pkce_pair(verifier="a" * 20 + "-verifier-" + "b" * 20):
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_pkce(acme, method):
    client = auth_code_client(acme)
    verifier, challenge = pkce_pair()
    if method == "plain":
        challenge = verifier
    base = {"grant_type": "authorization_code", "client_id": client["id"], "client_secret": client["secret"], "redirect_uri": REDIRECT_URI}

    code = code_from(authorize(acme, client["id"], code_challenge=challenge, code_challenge_method=method))
    assert acme.token_request({**base, "code": code, "code_verifier": verifier}).status_code == 200

    code = code_from(authorize(acme, client["id"], code_challenge=challenge, code_challenge_method=method))
    wrong = acme.token_request({**base, "code": code, "code_verifier": "wrong-" + verifier})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    code = code_from(authorize(acme, client["id"], code_challenge=challenge, code_challenge_method=method))
    missing = acme.token_request({**base, "code": code})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"


def test_public_client_needs_pkce_instead_of_a_secret(acme):
    client = auth_code_client(acme, type="PUBLIC")
    verifier, challenge = pkce_pair()
    base = {"grant_type": "authorization_code", "client_id": client["id"], "redirect_uri": REDIRECT_URI}
    code = code_from(authorize(acme, client["id"], code_challenge=challenge, code_challenge_method="S256"))
    response = acme.token_request({**base, "code": code, "code_verifier": verifier})
    assert response.status_code == 200, response.text
    refresh = acme.token_request({"grant_type": "refresh_token", "client_id": client["id"], "refresh_token": response.json()["refresh_token"]})
    assert refresh.status_code == 200  # no secret needed for PUBLIC clients
    without_pkce = acme.token_request({**base, "code": code_from(authorize(acme, client["id"]))})
    assert without_pkce.status_code == 400 and without_pkce.json()["error"] == "invalid_grant"


def test_oauth_info(acme):
    response = acme.http.get(acme.url("/oauth/info"), timeout=30)
    assert response.status_code == 200
    info = response.json()
    assert info["tenantName"] == "acme"
    assert info["tokenEndpoint"] == acme.url("/oauth/token")
    # The docs put the browser endpoints on the UI host, https://{tenant}.identitynow.com.
    assert info["authorizeEndpoint"] == "https://acme.identitynow.com/oauth/authorize"
    assert info["cloudDomainUrl"] == "https://acme.identitynow.com"
    assert {"tenantId", "logoutUrl", "pod"} <= set(info)
