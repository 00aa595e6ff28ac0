"""The emulator's switches and test helpers: --pat-limit, --default-page-size, --quirk, the seed endpoint,
and the tenant clock driving expiry (so tests need no sleeps)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import requests
from emulator_testlib import error_text
from isc_emulator.tenant import ADMIN, LEGACY_PAT_VERSIONS, MODERN_PAT_VERSIONS, Tenant, clients_path, pats_path
from isc_emulator.harness import PACKAGE_PARENT, Emulator

MORE_THAN_A_PAGE = 260


@pytest.fixture(scope="module")
def paged():
    """Pages by default at 250, as ISC's standard collection parameters describe; no PAT limit for seeding."""
    with Emulator(tenants=["paged"], default_page_size=250, pat_limit=0) as running:
        yield running


def control(emulator: Emulator, method: str, name: str, json=None) -> requests.Response:
    return requests.request(method, emulator.url(None, f"/__emulator/{name}"), json=json, timeout=30)


# -- PAT limit ----------------------------------------------------------------------------------
def test_pat_limit_defaults_to_the_documented_ten(acme):
    for index in range(9):  # the seeded PAT is the tenth
        acme.create_pat(name=f"p{index}")
    refused = acme.call("POST", pats_path(), json={"name": "eleventh", "userAwareTokenNeverExpires": True})
    assert refused.status_code == 400 and "limit of 10" in error_text(refused)


def test_pat_limit_is_a_flag_and_zero_means_none():
    with Emulator(pat_limit=2) as limited:
        api = Tenant(limited, "acme")
        api.create_pat(name="second")
        refused = api.call("POST", pats_path(), json={"name": "third", "userAwareTokenNeverExpires": True})
        assert refused.status_code == 400 and "limit of 2" in error_text(refused)
    with Emulator(pat_limit=0) as unlimited:
        api = Tenant(unlimited, "acme")
        for index in range(12):
            api.create_pat(name=f"p{index}")
        assert len(api.call("GET", pats_path(), params={"owner-id": "me"}).json()) == 13


def test_settings_change_at_run_time_and_survive_resets(acme, emulator):
    try:
        assert emulator.update_settings("acme", pat_limit=1, default_page_size=2) == {
            "pat_limit": 1, "default_page_size": 2, "quirks": [], "known_quirks": ["null-create-fields"]}  # fmt: skip
        emulator.reset("acme")
        refused = acme.call("POST", pats_path(), json={"name": "second", "userAwareTokenNeverExpires": True})
        assert refused.status_code == 400 and "limit of 1" in error_text(refused)
        emulator.seed("acme", oauth_clients={"count": 3, "name": "c{index}"})
        assert len(acme.call("GET", clients_path()).json()) == 2
        emulator.update_settings("acme", default_page_size=None, pat_limit=0)
        assert len(acme.call("GET", clients_path()).json()) == 3
        acme.create_pat(name="second")
    finally:
        emulator.update_settings("acme", pat_limit=10, default_page_size=None, quirks=[])


def test_reset_with_settings_restores_the_start_up_switches(emulator):
    started = emulator.settings("acme")
    emulator.update_settings("acme", pat_limit=1, default_page_size=2, quirks=["null-create-fields"])
    emulator.reset("acme", settings=True)
    assert emulator.settings("acme") == started
    for body in ({"settings": "yes"}, {"everything": True}, []):
        refused = control(emulator, "POST", "reset", json=body)
        assert refused.status_code == 400 and "settings" in refused.text


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({}, "some of"),
        ({"rate_limit": 5}, "some of"),
        ({"pat_limit": -1}, "pat_limit"),
        ({"pat_limit": True}, "pat_limit"),
        ({"default_page_size": 251}, "default_page_size"),
        ({"default_page_size": "250"}, "default_page_size"),
        ({"quirks": ["no-such-quirk"]}, "null-create-fields"),
        ({"quirks": "null-create-fields"}, "quirks"),
    ],
)
def test_invalid_settings_are_refused_and_change_nothing(emulator, changes, fragment):
    before = emulator.settings("acme")
    refused = control(emulator, "POST", "settings", changes)
    assert refused.status_code == 400 and fragment in refused.json()["error"]
    assert emulator.settings("acme") == before


# -- paging -------------------------------------------------------------------------------------
def test_by_default_a_list_answers_every_object(acme, emulator):
    emulator.seed("acme", oauth_clients={"count": MORE_THAN_A_PAGE, "name": "c{index}"})
    listed = acme.call("GET", clients_path("v2025"))
    assert len(listed.json()) == MORE_THAN_A_PAGE and "X-Total-Count" not in listed.headers


@pytest.mark.parametrize("collection", ["oauth_clients", "personal_access_tokens"])
def test_default_page_size_truncates_only_calls_without_limit(paged, collection):
    paged.reset("paged")
    paged.seed("paged", **{collection: {"count": MORE_THAN_A_PAGE, "name": "item {index}"}})
    api = Tenant(paged, "paged")
    path, mine = (clients_path(), {}) if collection == "oauth_clients" else (pats_path("v2024"), {"owner-id": "me"})
    total = MORE_THAN_A_PAGE + (1 if mine else 0)  # the admin's seeded PAT
    first = api.call("GET", path, params=mine)
    assert len(first.json()) == 250 and "X-Total-Count" not in first.headers
    rest = api.call("GET", path, params={**mine, "offset": 250, "limit": 250, "count": "true"})
    assert len(rest.json()) == total - 250 and rest.headers["X-Total-Count"] == str(total)
    assert len({item["id"] for item in first.json() + rest.json()}) == total
    assert len(api.call("GET", path, params={**mine, "limit": 7}).json()) == 7
    assert api.call("GET", path, params={**mine, "limit": 251}).status_code == 400


def test_default_page_size_must_be_a_valid_limit():
    with pytest.raises(Exception, match="from 1 to 250"):
        Emulator(default_page_size=251, startup_timeout=10).start()


# -- seed endpoint ------------------------------------------------------------------------------
def test_seed_stores_objects_that_behave_like_created_ones(acme, emulator):
    emulator.clear_requests("acme")
    seeded = emulator.seed(
        "acme",
        oauth_clients=[{"name": "web", "grantTypes": ["CLIENT_CREDENTIALS", "REFRESH_TOKEN"], "businessName": "Acme"}],
        personal_access_tokens=[{"name": "ci", "owner": "user"}, {"name": "dated", "expirationDate": "2099-01-01T00:00:00.000Z"},
                                {"name": "by-another-product", "managed": True}],
    )
    client = seeded["oauth_clients"][0]
    assert client["businessName"] == "Acme" and client["homepageUrl"] == "" and client["redirectUris"] == []
    assert len(client["secret"]) == 64 and client["description"]
    assert acme.grant(client["id"], client["secret"])["refresh_token"]
    ci, dated, managed = seeded["personal_access_tokens"]
    assert managed["name"] == "by-another-product"  # the create answer has no managed field; the list has
    assert ci["owner"]["name"] == "user" and ci["expirationDate"] is None and ci["userAwareTokenNeverExpires"] is True
    assert dated["owner"]["name"] == "admin" and dated["expirationDate"] == "2099-01-01T00:00:00.000Z"
    assert "identity_id" in acme.grant(ci["id"], ci["secret"])
    assert {client["secret"], ci["secret"], dated["secret"]} <= set(emulator.issued_secrets("acme"))
    # Not ISC traffic: nothing in the request log besides the two grants above.
    assert [entry["path"] for entry in emulator.requests("acme")] == ["/oauth/token", "/oauth/token"]
    listed = {pat["name"]: pat for pat in acme.call("GET", "/personal-access-tokens/v1", params={"owner-id": "me"}).json()}
    assert listed["by-another-product"]["managed"] is True and listed["dated"]["managed"] is False


@pytest.mark.parametrize(
    "document, fragment",
    [
        ({}, "expected an object"),
        ({"apples": []}, "expected an object"),
        ({"oauth_clients": {"count": -1, "name": "c{index}"}}, "count"),
        ({"oauth_clients": {"count": 2, "name": "no placeholder"}}, "{index}"),
        ({"oauth_clients": [{"name": "x", "accessTokenValiditySeconds": "750"}]}, "accessTokenValiditySeconds"),
        ({"personal_access_tokens": [{"name": "x", "owner": "nobody"}]}, "unknown owner"),
        ({"personal_access_tokens": [{"name": "seed-admin"}]}, "already exists"),
        ({"personal_access_tokens": [{"name": "twice"}, {"name": "twice"}]}, "given twice"),
        ({"personal_access_tokens": [{"name": "m", "managed": "yes"}]}, "managed must be true or false"),
        ({"oauth_clients": [{"name": "fine"}], "personal_access_tokens": [{"name": ""}]}, "name"),
    ],
)
def test_seed_refuses_invalid_documents_and_stores_nothing(acme, emulator, document, fragment):
    response = control(emulator, "POST", "seed", document)
    assert response.status_code == 400 and fragment in response.json()["error"]
    state = emulator.state("acme")
    assert state["oauthClients"] == [] and len(state["personalAccessTokens"]) == 2


def test_seed_bypasses_the_rate_limit():
    with Emulator(rate_limit=3, rate_window=60) as limited:
        seeded = limited.seed("acme", oauth_clients={"count": 300, "name": "c{index}"})
        assert len(seeded["oauth_clients"]) == 300
        assert len(limited.state("acme")["oauthClients"]) == 300


# -- quirks -------------------------------------------------------------------------------------
def test_quirk_null_create_fields_at_start_up_and_at_run_time(acme, emulator):
    assert emulator.settings("acme")["quirks"] == []
    assert emulator.update_settings("acme", quirks=["null-create-fields"])["quirks"] == ["null-create-fields"]
    emulator.reset("acme")  # a reset keeps the quirks: they are settings, not state
    created = acme.create_client()
    assert created["businessName"] is None and created["homepageUrl"] is None and created["redirectUris"] is None
    given = acme.create_client(businessName="B", homepageUrl="https://h.example.com", redirectUris=["https://r.example.com"])
    assert given["businessName"] == "B" and given["redirectUris"] == ["https://r.example.com"]
    emulator.update_settings("acme", quirks=[])
    assert acme.create_client()["redirectUris"] == []
    with Emulator(quirks=["null-create-fields"]) as quirky:
        assert quirky.settings("acme")["quirks"] == ["null-create-fields"]
        assert Tenant(quirky, "acme").create_client()["homepageUrl"] is None


# -- per-version answers ------------------------------------------------------------------------
@pytest.mark.parametrize("version", LEGACY_PAT_VERSIONS)
def test_legacy_versions_never_show_a_null_expiration_date(acme, version):
    acme.create_pat("v1", name="never")
    dated = acme.create_pat(version, name="dated")
    listed = {pat["name"]: pat for pat in acme.call("GET", pats_path(version), params={"owner-id": "me"}).json()}
    assert "expirationDate" not in listed["never"] and "expirationDate" not in listed["seed-admin"]
    assert listed["dated"]["expirationDate"] is not None
    assert listed["dated"]["expirationDate"] == dated["expirationDate"]
    renamed = acme.call("PATCH", pats_path(version, listed["never"]["id"]), patch=[{"op": "replace", "path": "/name", "value": "n"}])
    assert renamed.status_code == 200 and "expirationDate" not in renamed.json()


@pytest.mark.parametrize("version", MODERN_PAT_VERSIONS)
def test_modern_versions_show_never_expiring_tokens_as_null(acme, version):
    listed = acme.call("GET", pats_path(version), params={"owner-id": "me"}).json()
    assert listed[0]["expirationDate"] is None and listed[0]["userAwareTokenNeverExpires"] is True


# -- the clock drives expiry --------------------------------------------------------------------
def test_advancing_the_clock_expires_a_dated_pat_without_sleeping(acme, emulator):
    now = dt.datetime.fromisoformat(emulator.clock("acme")["now"].replace("Z", "+00:00"))
    expiry = (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    pat = acme.create_pat(name="short", expirationDate=expiry)
    assert acme.grant(pat["id"], pat["secret"])["access_token"]
    emulator.advance_clock("acme", 3601)
    refused = acme.token_request({"grant_type": "client_credentials", "client_id": pat["id"], "client_secret": pat["secret"]})
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert acme.grant(*ADMIN)  # the never-expiring seed still works


def test_an_openapi_spec_path_that_is_not_there_is_a_usage_error(tmp_path):
    pytest.importorskip("openapi_core")
    result = subprocess.run(
        [sys.executable, "-m", "isc_emulator", "--tenant", "acme", "--openapi-spec", str(tmp_path)],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "isc-openapi-subset.yaml" in result.stderr and result.stdout == ""
