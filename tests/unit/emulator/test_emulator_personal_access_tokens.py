"""Personal access tokens per API version family: v1/v2025/v2026 (may never expire) and
v3/beta/v2024 (at most 6 months), plus ownership, limits and JSON Patch rules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from emulator_testlib import VERSIONS, error_text
from isc_emulator.tenant import ADMIN, LEGACY_PAT_VERSIONS, MODERN_PAT_VERSIONS, USER, pats_path

NEVER_EXPIRES_RULE = "If expirationDate is null or empty, userAwareTokenNeverExpires must be set to true"
NEVER_EXPIRES_PATCH_RULE = "userAwareTokenNeverExpires must also be present in the patch request with a value of true"


def tenant_now(emulator, tenant="acme") -> dt.datetime:
    return dt.datetime.fromisoformat(emulator.clock(tenant)["now"].replace("Z", "+00:00"))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def test_seeded_tokens(acme, emulator):
    listed = acme.call("GET", pats_path(), params={"owner-id": "me"}).json()
    assert [(p["id"], p["name"]) for p in listed] == [(ADMIN[0], "seed-admin")]
    seed = listed[0]
    assert seed["scope"] == ["sp:scopes:all"] and seed["expirationDate"] is None
    assert seed["userAwareTokenNeverExpires"] is True and seed["accessTokenValiditySeconds"] == 43200
    assert seed["owner"]["type"] == "IDENTITY" and seed["owner"]["name"] == "admin" and seed["managed"] is False
    everyone = acme.call("GET", pats_path()).json()
    assert {p["name"] for p in everyone} == {"seed-admin", "seed-user"}


@pytest.mark.parametrize("version", MODERN_PAT_VERSIONS)
def test_create_never_expiring_pat(acme, version):
    response = acme.call("POST", pats_path(version), json={"name": "forever", "userAwareTokenNeverExpires": True})
    assert response.status_code == 200, response.text
    created = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", created["id"]) and re.fullmatch(r"[0-9a-f]{64}", created["secret"])
    assert created["expirationDate"] is None and created["userAwareTokenNeverExpires"] is True
    assert created["scope"] == ["sp:scopes:all"] and created["accessTokenValiditySeconds"] == 43200
    assert created["owner"]["name"] == "admin"
    # The PAT id is its OAuth client id.
    assert acme.grant(created["id"], created["secret"])["expires_in"] == 43200
    listed = acme.call("GET", pats_path(version), params={"owner-id": "me"}).json()
    assert "secret" not in listed[-1] and listed[-1]["id"] == created["id"]


@pytest.mark.parametrize("version", MODERN_PAT_VERSIONS)
def test_modern_expiry_rules(acme, emulator, version):
    for body in ({"name": "a"}, {"name": "a", "expirationDate": None}, {"name": "a", "userAwareTokenNeverExpires": False}):
        response = acme.call("POST", pats_path(version), json=body)
        assert response.status_code == 400 and NEVER_EXPIRES_RULE in error_text(response)
    past = acme.call("POST", pats_path(version), json={"name": "a", "expirationDate": iso(tenant_now(emulator) - dt.timedelta(seconds=5))})
    assert past.status_code == 400 and "future" in error_text(past)
    far = iso(tenant_now(emulator) + dt.timedelta(days=3650))  # no upper limit
    created = acme.create_pat(version, name="far", expirationDate=far)
    assert created["expirationDate"] == far and created["userAwareTokenNeverExpires"] is False


@pytest.mark.parametrize("version", LEGACY_PAT_VERSIONS)
def test_legacy_expiry_rules(acme, emulator, version):
    created = acme.create_pat(version, name="default expiry")
    assert "userAwareTokenNeverExpires" not in created
    expires = dt.datetime.fromisoformat(created["expirationDate"].replace("Z", "+00:00"))
    created_at = dt.datetime.fromisoformat(created["created"].replace("Z", "+00:00"))
    assert 180 <= (expires - created_at).days <= 184  # 6 calendar months (181-184 days, less a few ms)

    now = tenant_now(emulator)
    assert acme.create_pat(version, name="in 5 months", expirationDate=iso(now + dt.timedelta(days=150)))
    for moment in (now + dt.timedelta(days=200), now - dt.timedelta(minutes=1)):
        response = acme.call("POST", pats_path(version), json={"name": "x", "expirationDate": iso(moment)})
        assert response.status_code == 400 and "6 months" in error_text(response)
    response = acme.call("POST", pats_path(version), json={"name": "x", "userAwareTokenNeverExpires": True})
    assert response.status_code == 400 and "userAwareTokenNeverExpires" in error_text(response)
    listed = acme.call("GET", pats_path(version), params={"owner-id": "me"}).json()
    assert all("userAwareTokenNeverExpires" not in pat for pat in listed)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "accessTokenValiditySeconds": 14}, "accessTokenValiditySeconds"),
        ({"name": "x", "accessTokenValiditySeconds": 43201}, "accessTokenValiditySeconds"),
        ({"name": "x", "accessTokenValiditySeconds": "600"}, "accessTokenValiditySeconds"),
        ({"name": "x", "accessTokenValiditySeconds": True}, "accessTokenValiditySeconds"),
        ({"name": "x", "scope": "sp:scopes:all"}, "scope"),
        ({"name": "x", "expirationDate": "tomorrow", "userAwareTokenNeverExpires": True}, "expirationDate"),
        ({"name": "x", "owner": "someone"}, "owner"),
    ],
)
def test_create_validation(acme, body, fragment):
    body.setdefault("userAwareTokenNeverExpires", True)
    response = acme.call("POST", pats_path(), json=body)
    assert response.status_code == 400, response.text
    assert fragment in error_text(response)


def test_validity_bounds_and_scope(acme):
    low = acme.create_pat(name="low", accessTokenValiditySeconds=15, scope=["sp:my-personal-access-tokens:read"])
    assert low["accessTokenValiditySeconds"] == 15 and low["scope"] == ["sp:my-personal-access-tokens:read"]
    grant = acme.grant(low["id"], low["secret"])
    assert grant["expires_in"] == 15 and grant["scope"] == "sp:my-personal-access-tokens:read"


def test_names_are_unique_per_owner(acme):
    acme.create_pat(name="deploy")
    response = acme.call("POST", pats_path(), json={"name": "deploy", "userAwareTokenNeverExpires": True})
    assert response.status_code == 400 and "'deploy'" in error_text(response)
    # Another owner may use the same name.
    assert acme.create_pat(name="deploy", token=acme.token(USER))["owner"]["name"] == "user"


def test_at_most_ten_per_user_seeded_ones_included(acme):
    for index in range(9):  # the seeded PAT is the 10th
        acme.create_pat(name=f"pat {index}")
    response = acme.call("POST", pats_path(), json={"name": "eleventh", "userAwareTokenNeverExpires": True})
    assert response.status_code == 400 and "10" in error_text(response)
    # The limit is per user.
    assert acme.create_pat(name="user's", token=acme.token(USER))
    mine = acme.call("GET", pats_path(), params={"owner-id": "me"}).json()
    assert len(mine) == 10
    acme.call("DELETE", pats_path("v1", mine[-1]["id"]))
    assert acme.create_pat(name="fits again")


def test_listing_others_needs_org_admin(acme, emulator):
    user_token = acme.token(USER)
    user_id = next(i["id"] for i in emulator.state("acme")["identities"] if i["userName"] == "user")
    admin_id = next(i["id"] for i in emulator.state("acme")["identities"] if i["userName"] == "admin")
    assert [p["name"] for p in acme.call("GET", pats_path(), token=user_token, params={"owner-id": "me"}).json()] == ["seed-user"]
    # An explicit owner id needs the all-tokens right, even the caller's own id; only "me" does not.
    own_id = acme.call("GET", pats_path(), token=user_token, params={"owner-id": user_id})
    assert own_id.status_code == 403 and "owner-id=me" in error_text(own_id)
    assert acme.call("GET", pats_path(), token=user_token).status_code == 403
    assert acme.call("GET", pats_path(), token=user_token, params={"owner-id": admin_id}).status_code == 403
    assert [p["name"] for p in acme.call("GET", pats_path(), params={"owner-id": user_id}).json()] == ["seed-user"]
    assert acme.call("GET", pats_path(), params={"owner-id": "unknown"}).json() == []


def test_list_filters_and_paging(acme):
    for index in range(3):
        acme.create_pat(name=f"p{index}")
    acme.grant(*ADMIN)
    page = acme.call("GET", pats_path(), params={"owner-id": "me", "limit": 2, "offset": 1, "count": "true"})
    assert [p["name"] for p in page.json()] == ["p0", "p1"] and page.headers["X-Total-Count"] == "4"
    unused = acme.call("GET", pats_path(), params={"owner-id": "me", "filters": "lastUsed isnull"}).json()
    assert [p["name"] for p in unused] == ["p0", "p1", "p2"]
    assert acme.call("GET", pats_path(), params={"filters": "name sw p"}).status_code == 400
    assert acme.call("GET", pats_path(), params={"limit": 251}).status_code == 400


def test_no_get_by_id_in_any_version(acme):
    for version in VERSIONS:
        response = acme.call("GET", pats_path(version, ADMIN[0]))
        assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"PATCH", "DELETE"}


@pytest.mark.parametrize("version", MODERN_PAT_VERSIONS)
def test_modern_patch(acme, emulator, version):
    pat = acme.create_pat(version, name="original", expirationDate=iso(tenant_now(emulator) + dt.timedelta(days=30)))
    later = iso(tenant_now(emulator) + dt.timedelta(days=400))
    response = acme.call("PATCH", pats_path(version, pat["id"]), patch=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/scope", "value": ["sp:scopes:all"]},
        {"op": "replace", "path": "/expirationDate", "value": later},
    ])  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "renamed" and response.json()["expirationDate"] == later

    never = [{"op": "replace", "path": "/expirationDate", "value": None}]
    acknowledge = [{"op": "replace", "path": "/userAwareTokenNeverExpires", "value": True}]
    refused = acme.call("PATCH", pats_path(version, pat["id"]), patch=never)
    assert refused.status_code == 400 and NEVER_EXPIRES_PATCH_RULE in error_text(refused)
    accepted = acme.call("PATCH", pats_path(version, pat["id"]), patch=never + acknowledge)
    assert accepted.status_code == 200 and accepted.json()["expirationDate"] is None
    assert accepted.json()["userAwareTokenNeverExpires"] is True
    # The spec's rule holds even when the token already has the flag: null needs it in the same patch.
    for without_flag in (never, [{"op": "remove", "path": "/expirationDate"}]):
        again = acme.call("PATCH", pats_path(version, pat["id"]), patch=without_flag)
        assert again.status_code == 400 and NEVER_EXPIRES_PATCH_RULE in error_text(again)
    assert acme.call("PATCH", pats_path(version, pat["id"]), patch=never + acknowledge).status_code == 200
    # Patches that leave expirationDate alone need no flag; un-acknowledging a never-expiring token fails.
    assert acme.call("PATCH", pats_path(version, pat["id"]), patch=[{"op": "replace", "path": "/name", "value": "n"}]).status_code == 200
    flip = [{"op": "replace", "path": "/userAwareTokenNeverExpires", "value": False}]
    assert acme.call("PATCH", pats_path(version, pat["id"]), patch=flip).status_code == 400

    past = [{"op": "replace", "path": "/expirationDate", "value": "2001-01-01T00:00:00.000Z"}]
    assert "future" in error_text(acme.call("PATCH", pats_path(version, pat["id"]), patch=past))


@pytest.mark.parametrize("version", VERSIONS)
def test_patch_refuses_non_patchable_fields(acme, version):
    pat = acme.create_pat(version, name="p")
    refused = ["/accessTokenValiditySeconds", "/owner", "/id", "/managed"]
    if version in LEGACY_PAT_VERSIONS:
        refused += ["/expirationDate", "/userAwareTokenNeverExpires"]
    for path in refused:
        response = acme.call("PATCH", pats_path(version, pat["id"]), patch=[
            {"op": "replace", "path": "/name", "value": "changed"},
            {"op": "replace", "path": path, "value": 60},
        ])  # fmt: skip
        assert response.status_code == 400 and "not patchable" in error_text(response), (path, response.text)
    listed = acme.call("GET", pats_path(version), params={"owner-id": "me"}).json()
    assert listed[-1]["name"] == "p"
    renamed = acme.call("PATCH", pats_path(version, pat["id"]), patch=[{"op": "replace", "path": "/name", "value": "q"}])
    assert renamed.status_code == 200 and renamed.json()["name"] == "q"


def test_patch_rules(acme):
    mine = acme.create_pat(name="mine")
    acme.create_pat(name="taken")
    clash = acme.call("PATCH", pats_path("v1", mine["id"]), patch=[{"op": "replace", "path": "/name", "value": "taken"}])
    assert clash.status_code == 400 and "'taken'" in error_text(clash)
    assert acme.call("PATCH", pats_path("v1", mine["id"]), patch=[{"op": "replace", "path": "/name", "value": "mine"}]).status_code == 200
    users = acme.create_pat(name="users", token=acme.token(USER))
    # Patch scope is sp:my-personal-access-tokens:manage only: admins cannot patch others' PATs.
    response = acme.call("PATCH", pats_path("v1", users["id"]), patch=[{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 403
    assert acme.call("PATCH", pats_path("v1", "missing"), patch=[]).status_code == 404
    wrong_type = acme.call("PATCH", pats_path("v1", mine["id"]), json=[{"op": "replace", "path": "/name", "value": "x"}])
    assert wrong_type.status_code == 415


def test_delete_rules(acme):
    user_token = acme.token(USER)
    admins = acme.create_pat(name="admin's")
    users = acme.create_pat(name="user's", token=user_token)
    assert acme.call("DELETE", pats_path("v1", admins["id"]), token=user_token).status_code == 403
    assert acme.call("DELETE", pats_path("v3", users["id"]), token=user_token).status_code == 204
    users = acme.create_pat(name="user's", token=user_token)
    assert acme.call("DELETE", pats_path("beta", users["id"])).status_code == 204  # ORG_ADMIN may
    assert acme.call("DELETE", pats_path("v1", users["id"])).status_code == 404
    assert acme.call("DELETE", pats_path("v1", admins["id"])).status_code == 204


def test_an_api_client_token_cannot_manage_pats(acme):
    client = acme.create_client()
    token = acme.grant(client["id"], client["secret"])["access_token"]
    assert acme.call("POST", pats_path(), token=token, json={"name": "x"}).status_code == 403
    assert acme.call("DELETE", pats_path("v1", ADMIN[0]), token=token).status_code == 403
