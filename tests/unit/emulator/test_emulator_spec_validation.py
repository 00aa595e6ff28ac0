"""The emulator's strict OpenAPI checker in-process: each call validated against its own API version's
published document, the relaxations of tests/openapi/SOURCES.md and nothing more, quirks kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("openapi_core")

from isc_emulator.spec_validation import SpecConformanceChecker, spec_files  # noqa: E402
from isc_emulator.wire import Request, Response, json_response  # noqa: E402

# openapi-core cannot check oauth2 security schemes and says so on every call.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
SPEC_DIR = Path(__file__).resolve().parents[2] / "openapi"
OWNER = {"type": "IDENTITY", "id": "2c9180867b50d088017b554662fb281e", "name": "admin"}
NEVER_EXPIRING_PAT = {
    "id": "86f1dc6fe8f54414950454cbb11278fa", "name": "seed-admin", "scope": ["sp:scopes:all"], "owner": OWNER,
    "created": "2026-01-01T00:00:00.000Z", "lastUsed": None, "managed": False, "accessTokenValiditySeconds": 43200,
    "expirationDate": None,
}  # fmt: skip
CREATED_CLIENT = {
    "id": "2b838de9-db9b-abcf-e646-d4f274ad4238", "secret": "5c32dd9b21adb51c77794d46e71de117a1d0ddb36a7ff941fa28014ab7de2cf3",
    "businessName": "", "homepageUrl": "", "name": "n", "description": "d", "accessTokenValiditySeconds": 750,
    "refreshTokenValiditySeconds": 86400, "redirectUris": [], "grantTypes": ["CLIENT_CREDENTIALS"],
    "accessType": "OFFLINE", "type": "CONFIDENTIAL", "internal": False, "enabled": True, "strongAuthSupported": False,
    "claimsSupported": False, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
    "metadata": None, "lastUsed": None, "scope": ["sp:scopes:all"],
}  # fmt: skip
CLIENT_REQUEST = {"name": "n", "description": "d", "accessTokenValiditySeconds": 750, "grantTypes": ["CLIENT_CREDENTIALS"],
                  "accessType": "OFFLINE", "enabled": True}  # fmt: skip


@pytest.fixture(scope="module")
def checker() -> SpecConformanceChecker:
    return SpecConformanceChecker(str(SPEC_DIR))


def get(path: str, query: str = "") -> Request:
    return Request.build("GET", f"{path}?{query}" if query else path, {"authorization": "Bearer x"})


def send(method: str, path: str, body, media_type: str = "application/json") -> Request:
    return Request.build(method, path, {"authorization": "Bearer x", "content-type": media_type}, json.dumps(body).encode())


def pat_path(version: str) -> str:
    return "/personal-access-tokens/v1" if version == "v1" else f"/{version}/personal-access-tokens"


def client_path(version: str) -> str:
    return "/oauth-clients/v1" if version == "v1" else f"/{version}/oauth-clients"


def test_a_directory_maps_every_version_to_its_own_document():
    files = spec_files(str(SPEC_DIR))
    assert {version: path.name for version, path in files.items()} == {
        "v1": "isc-openapi-subset.yaml", "v3": "isc-openapi-v3.yaml", "beta": "isc-openapi-beta.yaml",
        "v2024": "isc-openapi-v2024.yaml", "v2025": "isc-openapi-v2025.yaml", "v2026": "isc-openapi-v2026.yaml",
    }  # fmt: skip


@pytest.mark.parametrize("version", ["v3", "v2024"])
def test_a_legacy_list_with_a_null_expiration_date_is_flagged_by_its_own_schema(checker, version):
    violations, observations = checker.check(get(pat_path(version), "owner-id=me"), json_response(200, [NEVER_EXPIRING_PAT]))
    assert [(v["kind"], v["api_version"]) for v in violations] == [("response", version)]
    assert "expirationDate" in violations[0]["message"] and observations == []
    # Without the field (what the emulator answers there for a never-expiring token), the same list is valid.
    without = {name: value for name, value in NEVER_EXPIRING_PAT.items() if name != "expirationDate"}
    assert checker.check(get(pat_path(version), "owner-id=me"), json_response(200, [without])) == ([], [])


@pytest.mark.parametrize("version", ["v1", "v2025", "v2026"])
def test_a_modern_list_may_carry_a_null_expiration_date(checker, version):
    answer = dict(NEVER_EXPIRING_PAT, userAwareTokenNeverExpires=True)
    assert checker.check(get(pat_path(version), "owner-id=me"), json_response(200, [answer])) == ([], [])


def test_beta_alone_of_the_legacy_versions_declares_a_nullable_expiration_date(checker):
    # idn/beta/schemas/GetPersonalAccessTokenResponse.yaml has nullable: true there; v3 and v2024 do not.
    assert checker.check(get(pat_path("beta"), "owner-id=me"), json_response(200, [NEVER_EXPIRING_PAT])) == ([], [])


def test_relaxation_r1_only_for_the_versions_that_can_make_never_expiring_tokens(checker):
    created = {name: NEVER_EXPIRING_PAT[name] for name in ("id", "scope", "name", "owner", "created", "accessTokenValiditySeconds")}
    created.update(secret="s" * 64, expirationDate=None)
    modern = checker.check(send("POST", pat_path("v2025"), {"name": "n", "userAwareTokenNeverExpires": True}),
                           json_response(200, dict(created, userAwareTokenNeverExpires=True)))
    assert modern == ([], [])
    legacy, _observations = checker.check(send("POST", pat_path("v3"), {"name": "n"}), json_response(200, created))
    assert [v["kind"] for v in legacy] == ["response"]


def test_relaxation_r2_only_for_a_pat_expiration_date(checker):
    null_expiry = [{"op": "replace", "path": "/expirationDate", "value": None},
                   {"op": "replace", "path": "/userAwareTokenNeverExpires", "value": True}]  # fmt: skip
    answer = json_response(200, dict(NEVER_EXPIRING_PAT, userAwareTokenNeverExpires=True))
    assert checker.check(send("PATCH", pat_path("v1") + "/abc", null_expiry, "application/json-patch+json"), answer) == ([], [])
    null_client_field = [{"op": "replace", "path": "/homepageUrl", "value": None}]
    violations, _observations = checker.check(
        send("PATCH", client_path("v1") + "/abc", null_client_field, "application/json-patch+json"),
        json_response(200, dict(CREATED_CLIENT, secret=None)))
    assert [v["kind"] for v in violations] == ["request"]


def test_undeclared_query_parameters_are_flagged_except_paging_on_list_operations(checker):
    assert checker.check(get(client_path("v2025"), "limit=250&offset=0&count=true"), json_response(200, [])) == ([], [])
    violations, _observations = checker.check(get(client_path("v2025"), "sorters=name"), json_response(200, []))
    assert [v["kind"] for v in violations] == ["request"] and "sorters" in violations[0]["message"]
    # limit is no parameter of a GET by id, which is not a list operation.
    violations, _observations = checker.check(get(client_path("v1") + "/abc", "limit=1"), json_response(200, dict(CREATED_CLIENT, secret=None)))
    assert [v["kind"] for v in violations] == ["request"] and "limit" in violations[0]["message"]


@pytest.mark.parametrize("version", ["v1", "v3", "v2026"])
def test_a_create_answer_with_null_fields_is_a_violation_unless_the_quirk_is_on(checker, version):
    request = send("POST", client_path(version), CLIENT_REQUEST)
    quirky = json_response(200, dict(CREATED_CLIENT, businessName=None, homepageUrl=None, redirectUris=None))
    violations, observations = checker.check(request, quirky)
    assert [v["kind"] for v in violations] == ["response"] and observations == []
    violations, observations = checker.check(request, quirky, quirks={"null-create-fields"})
    assert violations == [] and [(o["quirk"], o["api_version"]) for o in observations] == [("null-create-fields", version)]
    # The quirk excuses exactly the three nulls, nothing else.
    broken = json_response(200, dict(CREATED_CLIENT, businessName=None, enabled="yes"))
    violations, observations = checker.check(request, broken, quirks={"null-create-fields"})
    assert [v["kind"] for v in violations] == ["response"] and observations == []
    assert checker.check(request, json_response(200, CREATED_CLIENT)) == ([], [])


def test_an_undeclared_status_after_a_valid_request_is_a_violation(checker):
    violations, _observations = checker.check(get(client_path("v1")), json_response(418, {}))
    assert [v["kind"] for v in violations] == ["response"]
    # After an invalid request (unsupported media type), the answer is not counted again (U2).
    violations, _observations = checker.check(send("POST", client_path("v1"), CLIENT_REQUEST, "text/plain"), Response(415))
    assert [v["kind"] for v in violations] == ["request"]


def test_authorize_is_not_validated_and_upper_case_grant_types_are_relaxed(checker):
    assert checker.check(get("/oauth/authorize", "client_id=x"), Response(302)) == ([], [])
    form = Request.build("POST", "/oauth/token", {"content-type": "application/x-www-form-urlencoded"},
                         b"grant_type=CLIENT_CREDENTIALS&client_id=a&client_secret=b")  # fmt: skip
    assert checker.check(form, json_response(200, {"access_token": "t", "token_type": "bearer"})) == ([], [])


def test_a_single_file_validates_only_what_it_declares(tmp_path):
    single = SpecConformanceChecker(str(SPEC_DIR / "isc-openapi-subset.yaml"))
    assert single.check(get(client_path("v1")), json_response(200, [])) == ([], [])
    violations, _observations = single.check(get(client_path("v3")), json_response(200, []))
    assert [v["kind"] for v in violations] == ["request"]
    with pytest.raises(FileNotFoundError, match="isc-openapi-v3.yaml"):
        (tmp_path / "isc-openapi-subset.yaml").write_text("openapi: 3.0.1\n")
        SpecConformanceChecker(str(tmp_path))
