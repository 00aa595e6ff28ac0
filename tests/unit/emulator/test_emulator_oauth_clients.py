"""OAuth clients in every API version: CRUD, validation, JSON Patch rules, listing."""

from __future__ import annotations

import re
import time

import pytest
from emulator_testlib import LEGACY_VERSIONS, VERSIONS, error_text
from isc_emulator.tenant import client_body, clients_path

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ALL_FIELDS = {
    "id", "businessName", "homepageUrl", "name", "description", "accessTokenValiditySeconds",
    "refreshTokenValiditySeconds", "redirectUris", "grantTypes", "accessType", "type", "internal",
    "enabled", "strongAuthSupported", "claimsSupported", "created", "modified", "secret", "metadata",
    "lastUsed", "scope",
}  # fmt: skip


def test_create_applies_defaults_and_returns_the_secret_once(acme):
    response = acme.call("POST", clients_path(), json=client_body())
    assert response.status_code == 200  # not 201
    created = response.json()
    assert set(created) == ALL_FIELDS
    assert UUID.match(created["id"]) and re.fullmatch(r"[0-9a-f]{64}", created["secret"])
    assert created["type"] == "CONFIDENTIAL" and created["scope"] == ["sp:scopes:all"]
    assert created["refreshTokenValiditySeconds"] == 86400
    assert created["internal"] is created["strongAuthSupported"] is created["claimsSupported"] is False
    # CreateOAuthClientResponse: businessName, homepageUrl (string) and redirectUris (array) are required
    # and non-nullable; GetOAuthClientResponse declares them nullable, so the other answers keep null.
    assert created["businessName"] == created["homepageUrl"] == "" and created["redirectUris"] == []
    assert created["lastUsed"] is None and created["metadata"] is None
    assert TIMESTAMP.match(created["created"]) and created["created"] == created["modified"]
    fetched = acme.call("GET", clients_path("v1", created["id"])).json()
    assert fetched == dict(created, secret=None, businessName=None, homepageUrl=None, redirectUris=None)


def test_create_keeps_given_values(acme):
    created = acme.create_client(
        accessTokenValiditySeconds=750, refreshTokenValiditySeconds=3600, businessName="Acme-Solar",
        homepageUrl="http://localhost:12345", redirectUris=["http://localhost:12345"],
        grantTypes=["AUTHORIZATION_CODE", "CLIENT_CREDENTIALS", "REFRESH_TOKEN"], accessType="ONLINE",
        type="PUBLIC", internal=True, strongAuthSupported=True, claimsSupported=True, scope=["sp:oauth-client:read"],
    )  # fmt: skip
    assert created["accessTokenValiditySeconds"] == 750 and created["refreshTokenValiditySeconds"] == 3600
    assert created["type"] == "PUBLIC" and created["internal"] is True and created["scope"] == ["sp:oauth-client:read"]
    assert created["redirectUris"] == ["http://localhost:12345"]
    assert created["businessName"] == "Acme-Solar" and created["homepageUrl"] == "http://localhost:12345"


def test_duplicate_names_are_allowed(acme):
    first, second = acme.create_client(name="twin"), acme.create_client(name="twin")
    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (client_body(name=...), "name"),
        (client_body(description=..., enabled=...), "description, enabled"),
        (client_body(accessTokenValiditySeconds=...), "accessTokenValiditySeconds"),
        (client_body(grantTypes=...), "grantTypes"),
        (client_body(accessType=...), "accessType"),
        (client_body(name=None), "name"),
        (client_body(grantTypes=["PASSWORD"]), "grantTypes"),
        (client_body(grantTypes=[]), "grantTypes"),
        (client_body(accessType="SOMETIMES"), "accessType"),
        (client_body(type="SECRET"), "type"),
        (client_body(accessTokenValiditySeconds="soon"), "accessTokenValiditySeconds"),
        (client_body(accessTokenValiditySeconds=7.5), "accessTokenValiditySeconds"),
        (client_body(accessTokenValiditySeconds=True), "accessTokenValiditySeconds"),
        # int32 in the spec: the numeric strings old docs showed are refused, not converted.
        (client_body(accessTokenValiditySeconds="750"), "accessTokenValiditySeconds"),
        (client_body(refreshTokenValiditySeconds="3600"), "refreshTokenValiditySeconds"),
        (client_body(refreshTokenValiditySeconds=False), "refreshTokenValiditySeconds"),
        (client_body(refreshTokenValiditySeconds=-1), "refreshTokenValiditySeconds"),
        (client_body(enabled="yes"), "enabled"),
        (client_body(redirectUris="http://x"), "redirectUris"),
        (client_body(grantTypes=["AUTHORIZATION_CODE"]), "redirectUris"),
        (client_body(grantTypes=["AUTHORIZATION_CODE"], redirectUris=[]), "redirectUris"),
        (client_body(owner="me"), "owner"),
        (client_body(secret="mine"), "secret"),
        ([client_body()], "JSON object"),
    ],
)
def test_create_validation(acme, body, fragment):
    response = acme.call("POST", clients_path(), json=body)
    assert response.status_code == 400, response.text
    assert fragment in error_text(response)
    assert acme.call("GET", clients_path()).json() == []


def test_create_needs_json(acme):
    response = acme.call("POST", clients_path(), data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    response = acme.call("POST", clients_path(), data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_patch_updates_patchable_fields(acme):
    client = acme.create_client(grantTypes=["CLIENT_CREDENTIALS"])
    time.sleep(0.002)
    response = acme.call("PATCH", clients_path("v1", client["id"]), patch=[
        {"op": "replace", "path": "/strongAuthSupported", "value": True},
        {"op": "replace", "path": "/businessName", "value": "acme-solar"},
        {"op": "add", "path": "/redirectUris", "value": ["https://a.example.com/cb"]},
        {"op": "add", "path": "/grantTypes/-", "value": "AUTHORIZATION_CODE"},
        {"op": "replace", "path": "/accessTokenValiditySeconds", "value": 1200},
        {"op": "replace", "path": "/name", "value": "renamed"},
    ])  # fmt: skip
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["secret"] is None
    assert patched["strongAuthSupported"] is True and patched["businessName"] == "acme-solar"
    assert patched["grantTypes"] == ["CLIENT_CREDENTIALS", "AUTHORIZATION_CODE"]
    assert patched["accessTokenValiditySeconds"] == 1200 and patched["name"] == "renamed"
    assert patched["modified"] > patched["created"]
    assert acme.call("GET", clients_path("v1", client["id"])).json() == patched
    removed = acme.call("PATCH", clients_path("v1", client["id"]), patch=[{"op": "remove", "path": "/businessName"}]).json()
    assert removed["businessName"] is None


@pytest.mark.parametrize("path", ["/scope", "/type", "/internal", "/tenant", "/id", "/secret", "/created", "/color"])
def test_non_patchable_fields_are_refused_and_nothing_is_applied(acme, path):
    client = acme.create_client()
    response = acme.call("PATCH", clients_path("v1", client["id"]), patch=[
        {"op": "replace", "path": "/name", "value": "should not stick"},
        {"op": "replace", "path": path, "value": "x"},
    ])  # fmt: skip
    assert response.status_code == 400
    assert path[1:] in error_text(response) and "not patchable" in error_text(response)
    assert acme.call("GET", clients_path("v1", client["id"])).json()["name"] == client["name"]


@pytest.mark.parametrize(
    "operations, fragment",
    [
        ([{"op": "replace", "path": "/accessType", "value": "LATER"}], "accessType"),
        ([{"op": "replace", "path": "/grantTypes", "value": ["AUTHORIZATION_CODE"]}], "redirectUris"),
        ([{"op": "replace", "path": "/enabled", "value": None}], "enabled"),
        ([{"op": "remove", "path": "/name"}], "name"),
        ([{"op": "replace", "path": "/accessTokenValiditySeconds", "value": "x"}], "accessTokenValiditySeconds"),
        ([{"op": "replace", "path": "/accessTokenValiditySeconds", "value": "1200"}], "accessTokenValiditySeconds"),
        ([{"op": "jump", "path": "/name"}], "op must be one of"),
        ([{"op": "replace", "path": "/name"}], "value"),
        ({"op": "replace", "path": "/name", "value": "x"}, "array"),
        ([{"op": "test", "path": "/name", "value": "other"}], "test failed"),
    ],
)
def test_patch_validation(acme, operations, fragment):
    client = acme.create_client()
    response = acme.call("PATCH", clients_path("v1", client["id"]), patch=operations)
    assert response.status_code == 400, response.text
    assert fragment in error_text(response)


def test_patch_needs_json_patch_media_type(acme):
    client = acme.create_client()
    response = acme.call("PATCH", clients_path("v1", client["id"]), json=[{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 415


def test_patch_and_delete_of_missing_client_are_404(acme):
    assert acme.call("PATCH", clients_path("v1", "missing"), patch=[]).status_code == 404
    assert acme.call("DELETE", clients_path("v1", "missing")).status_code == 404


def test_delete(acme):
    client = acme.create_client()
    response = acme.call("DELETE", clients_path("v1", client["id"]))
    assert response.status_code == 204 and response.content == b""
    assert acme.call("GET", clients_path("v1", client["id"])).status_code == 404
    assert acme.call("DELETE", clients_path("v1", client["id"])).status_code == 404


@pytest.mark.parametrize("version", LEGACY_VERSIONS)
def test_legacy_versions_are_the_same_resource(acme, version):
    created = acme.create_client(version, name=f"via {version}")
    assert acme.call("GET", clients_path("v1", created["id"])).json()["name"] == f"via {version}"
    assert [c["id"] for c in acme.call("GET", clients_path(version)).json()] == [created["id"]]
    patched = acme.call("PATCH", clients_path(version, created["id"]), patch=[{"op": "replace", "path": "/description", "value": "x"}])
    assert patched.status_code == 200 and patched.json()["description"] == "x"
    bad = acme.call("PATCH", clients_path(version, created["id"]), patch=[{"op": "replace", "path": "/scope", "value": []}])
    assert bad.status_code == 400
    assert acme.call("GET", clients_path(version, created["id"]) + "/").status_code == 200  # trailing slash
    assert acme.call("DELETE", clients_path(version, created["id"])).status_code == 204


def test_list_paging_and_count(acme):
    ids = [acme.create_client(name=f"client {index}")["id"] for index in range(7)]
    assert [c["id"] for c in acme.call("GET", clients_path()).json()] == ids  # creation order
    page = acme.call("GET", clients_path(), params={"limit": 3, "offset": 2, "count": "true"})
    assert [c["id"] for c in page.json()] == ids[2:5]
    assert page.headers["X-Total-Count"] == "7"
    assert "X-Total-Count" not in acme.call("GET", clients_path()).headers
    assert acme.call("GET", clients_path(), params={"offset": 10}).json() == []
    assert acme.call("GET", clients_path(), params={"limit": 0}).json() == []
    assert all(c["secret"] is None for c in acme.call("GET", clients_path()).json())


@pytest.mark.parametrize("params", [{"limit": 251}, {"limit": -1}, {"limit": "many"}, {"offset": -1}, {"count": "maybe"}])
def test_list_rejects_bad_paging(acme, params):
    response = acme.call("GET", clients_path(), params=params)
    assert response.status_code == 400 and list(params)[0] in error_text(response)


def test_list_filters(acme, emulator):
    used, unused = acme.create_client(name="used"), acme.create_client(name="unused")
    acme.grant(used["id"], used["secret"])
    last_used = acme.call("GET", clients_path("v1", used["id"])).json()["lastUsed"]

    def names(filters):
        response = acme.call("GET", clients_path(), params={"filters": filters})
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()]

    assert names("lastUsed isnull") == ["unused"]
    assert names(f"lastUsed le {last_used}") == ["used"]
    assert names(f'lastUsed le "{last_used}"') == ["used"]
    assert names("lastUsed le 2000-01-01T00:00:00.000Z") == []
    for unsupported in ('name eq "used"', "lastUsed gt 2000-01-01T00:00:00Z", "lastUsed le yesterday", "garbage"):
        response = acme.call("GET", clients_path(), params={"filters": unsupported})
        assert response.status_code == 400
    assert "'name'" in error_text(acme.call("GET", clients_path(), params={"filters": 'name eq "used"'}))


def test_concurrent_creates_are_all_kept(acme):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda index: acme.create_client(name=f"c{index}")["id"], range(24)))
    listed = [c["id"] for c in acme.call("GET", clients_path()).json()]
    assert sorted(listed) == sorted(created) and len(set(listed)) == 24


@pytest.mark.parametrize("version", VERSIONS)
def test_get_with_client_credentials_token_in_every_version(acme, version):
    client = acme.create_client(scope=["sp:oauth-client:read"])
    token = acme.grant(client["id"], client["secret"])["access_token"]
    assert acme.call("GET", clients_path(version, client["id"]), token=token).status_code == 200
    assert acme.call("GET", clients_path(version), token=token).status_code == 403
