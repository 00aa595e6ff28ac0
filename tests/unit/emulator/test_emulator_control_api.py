"""The emulator's /__emulator/ control API: request log, faults, reset, clock, state; plus
keep-alive and tenant isolation."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests
from isc_emulator.tenant import ADMIN, USER, client_body, clients_path, pats_path


def test_request_log(acme, emulator):
    acme.token()  # cached before the log is cleared
    emulator.clear_requests("acme")
    acme.token_request(params={"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1], "code_verifier": "v"})
    acme.call("GET", clients_path("v3"), params={"limit": 5})
    acme.http.get(acme.url("/__emulator/state"), timeout=30)  # control calls are not logged
    log = emulator.requests("acme")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [("POST", "/oauth/token", 200), ("GET", "/v3/oauth-clients", 200)]
    token_entry, api_entry = log
    assert token_entry["client_id"] == ADMIN[0] and token_entry["grant_type"] == "client_credentials"
    assert token_entry["query"]["client_secret"] == "***" and token_entry["query"]["code_verifier"] == "***"
    assert token_entry["query"]["client_id"] == ADMIN[0]
    assert api_entry["client_id"] == ADMIN[0] and api_entry["api_version"] == "v3" and api_entry["query"] == {"limit": "5"}
    assert token_entry["time"].endswith("Z")
    unauthenticated = acme.http.get(acme.url(clients_path()), timeout=30)
    assert unauthenticated.status_code == 401
    assert emulator.requests("acme")[-1]["client_id"] is None
    emulator.clear_requests("acme")
    assert emulator.requests("acme") == []


def test_counts_are_the_lengths_of_the_request_log_and_the_violations(acme, emulator):
    emulator.clear_requests("acme")
    acme.call("GET", clients_path())
    acme.http.get(acme.url(clients_path()), timeout=30)  # 401: logged too
    counts = acme.http.get(acme.url("/__emulator/counts"), timeout=30).json()
    assert counts == {"requests": len(emulator.requests("acme")), "violations": len(emulator.violations("acme"))}
    assert counts["requests"] >= 2  # the list, the refused list (and a token request if none was cached)
    assert acme.http.post(acme.url("/__emulator/counts"), timeout=30).status_code == 405


def test_fault_status_with_retry_after(acme, emulator):
    emulator.set_faults("acme", [
        {"method": "POST", "path": "/oauth-clients/v1", "action": "status", "status": 429, "retry_after": 7, "count": 1},
        {"path_regex": "^/oauth-clients", "action": "status", "status": 503, "count": 1},
    ])  # fmt: skip
    first = acme.call("POST", clients_path(), json=client_body())
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert first.json() == {"message": " Rate Limit Exceeded "}
    second = acme.call("POST", clients_path(), json=client_body())
    assert second.status_code == 503 and second.json()["detailCode"].startswith("503")
    assert acme.call("GET", clients_path()).json() == []  # nothing was applied
    third = acme.call("POST", clients_path(), json=client_body())
    assert third.status_code == 200  # both rules are spent
    rules = emulator.faults("acme")["rules"]
    assert [rule["count"] for rule in rules] == [0, 0] and all(rule["spent"] for rule in rules)
    log = emulator.requests("acme")
    assert [(e["status"], e.get("fault")) for e in log if e["method"] == "POST" and e["path"] == "/oauth-clients/v1"] == [
        (429, "status"), (503, "status"), (200, None)]  # fmt: skip


def test_fault_custom_body_and_unlimited_count(acme, emulator):
    emulator.set_faults("acme", [{"method": "GET", "path": "/oauth/info", "action": "status", "status": 500, "body": {"oops": True}}])
    for _attempt in range(3):
        response = acme.http.get(acme.url("/oauth/info"), timeout=30)
        assert response.status_code == 500 and response.json() == {"oops": True}
    emulator.clear_faults("acme")
    assert acme.http.get(acme.url("/oauth/info"), timeout=30).status_code == 200


def test_fault_reset_applies_nothing(acme, emulator):
    emulator.set_faults("acme", [{"method": "POST", "path": "/oauth-clients/v1", "action": "reset", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        acme.call("POST", clients_path(), json=client_body())
    assert acme.call("GET", clients_path()).json() == []
    entry = [e for e in emulator.requests("acme") if e["method"] == "POST"][-1]
    assert entry["status"] == 0 and entry["fault"] == "reset" and entry["client_id"] == ADMIN[0]


def test_fault_reset_is_a_tcp_reset(acme, emulator):
    emulator.set_faults("acme", [{"path": "/oauth/info", "action": "reset"}])
    parts = urlsplit(acme.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/oauth/info")
    with pytest.raises(ConnectionResetError):
        connection.getresponse()
    connection.close()


def test_fault_drop_after_apply_really_applies(acme, emulator):
    emulator.set_faults("acme", [{"method": "POST", "path": "/oauth-clients/v1", "action": "drop_after_apply", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        acme.call("POST", clients_path(), json=client_body(name="ghost"))
    assert [c["name"] for c in acme.call("GET", clients_path()).json()] == ["ghost"]
    entry = [e for e in emulator.requests("acme") if e["method"] == "POST"][-1]
    assert entry["status"] == 0 and entry["fault"] == "drop_after_apply" and entry["applied_status"] == 200

    emulator.set_faults("acme", [{"path": "/oauth/token", "action": "drop_after_apply", "count": 1}])
    with pytest.raises(requests.ConnectionError):
        acme.token_request({"grant_type": "client_credentials", "client_id": USER[0], "client_secret": USER[1]})
    assert acme.call("GET", pats_path(), params={"owner-id": "me"}, token=acme.token(USER)).json()[0]["lastUsed"]


def test_fault_delay(acme, emulator):
    emulator.set_faults("acme", [{"path": "/oauth/info", "action": "delay", "delay": 0.3, "count": 1}])
    started = time.monotonic()
    assert acme.http.get(acme.url("/oauth/info"), timeout=30).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert emulator.requests("acme")[-1]["fault"] == "delay"


def test_fault_rate_is_deterministic_with_a_seed(acme, emulator):
    def outcome_sequence():
        emulator.set_faults("acme", [{"path": "/oauth/info", "action": "status", "status": 502, "rate": 0.5}], seed=42)
        return [acme.http.get(acme.url("/oauth/info"), timeout=30).status_code for _attempt in range(12)]

    first, second = outcome_sequence(), outcome_sequence()
    assert first == second and set(first) == {200, 502}


def test_bad_fault_rules_are_400(acme):
    for document in ({"rules": [{"action": "explode"}]}, {"rules": [{"action": "status"}]}, {"rules": "x"},
                     {"rules": [{"action": "reset", "path_regex": "("}]}, {"rules": [{"action": "reset", "rate": 2}]}):  # fmt: skip
        assert acme.http.post(acme.url("/__emulator/faults"), json=document, timeout=30).status_code == 400


def test_reset_restores_the_initial_state(acme, emulator):
    initial = emulator.state("acme")
    acme.create_client()
    acme.create_pat(name="extra")
    emulator.set_faults("acme", [{"path": "/nowhere", "action": "reset"}])
    emulator.advance_clock("acme", 1000)
    emulator.reset("acme")
    after = emulator.state("acme")
    assert after["oauthClients"] == [] and after["identities"] == initial["identities"]
    assert [p["id"] for p in after["personalAccessTokens"]] == [ADMIN[0], USER[0]]
    assert emulator.requests("acme") == [] and emulator.faults("acme")["rules"] == []
    assert emulator.clock("acme")["offset"] == 0
    assert acme.grant(*ADMIN)  # seeded secrets still work


def test_clock(acme, emulator):
    before = emulator.clock("acme")
    moved = emulator.advance_clock("acme", 3600)
    assert moved["offset"] == 3600 and moved["now"] > before["now"]
    assert emulator.set_clock_offset("acme", 0)["offset"] == 0
    bad = acme.http.post(acme.url("/__emulator/clock"), json={"advance": "soon"}, timeout=30)
    assert bad.status_code == 400


def test_state_shows_no_secrets(acme, emulator):
    client = acme.create_client()
    state = emulator.state("acme")
    assert state["tenant"] == "acme" and [c["id"] for c in state["oauthClients"]] == [client["id"]]
    assert client["secret"] not in str(state) and ADMIN[1] not in str(state)


def test_jwks_and_signing_key(emulator):
    jwks = emulator.jwks("acme")
    assert jwks["keys"][0]["kty"] == "RSA" and jwks["keys"][0]["kid"]
    key = emulator.signing_key("acme")
    assert key["alg"] == "RS256" and "PUBLIC KEY" in key["key"]
    assert emulator.violations("acme") == []  # no --openapi-spec: nothing recorded


def test_unknown_control_endpoint(acme):
    assert acme.http.get(acme.url("/__emulator/nope"), timeout=30).status_code == 404
    assert acme.http.get(acme.url("/__emulator/reset"), timeout=30).status_code == 405


def test_keep_alive_connections_are_reused(acme):
    parts = urlsplit(acme.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    sockets = []
    for _attempt in range(3):
        connection.request("GET", "/oauth/info")
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and response.version == 11 and not response.will_close
        sockets.append(connection.sock)
    assert sockets[0] is sockets[1] is sockets[2]
    connection.close()


def test_tenants_are_isolated(acme, globex, emulator):
    client = acme.create_client()
    assert globex.call("GET", clients_path()).json() == []
    assert globex.call("GET", clients_path("v1", client["id"])).status_code == 404
    response = globex.token_request({"grant_type": "client_credentials", "client_id": client["id"], "client_secret": client["secret"]})
    assert response.status_code == 401
    assert globex.call("GET", clients_path(), token=acme.token()).status_code == 401
    emulator.advance_clock("acme", 100000)
    assert emulator.clock("globex")["offset"] == 0
    assert globex.call("GET", clients_path()).status_code == 200
    assert emulator.state("acme")["tenantId"] != emulator.state("globex")["tenantId"]


def test_a_request_cut_off_in_its_body_is_neither_served_nor_logged(acme, emulator):
    """A client killed while sending (kill -9 between the headers and the end of the body): ISC never sees a request,
    so the emulator neither applies nor answers nor logs the part that arrived."""
    client = acme.create_client(name="before")
    emulator.clear_requests("acme")
    body = b'[{"op": "replace", "path": "/name", "value": "after"}]'
    parts = urlsplit(acme.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(b"PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                           b"Content-Type: application/json-patch+json\r\nContent-Length: %d\r\n\r\n%s" % (
                               clients_path("v1", client["id"]).encode(), parts.netloc.encode(), acme.token().encode(),
                               len(body), body[:20]))
        connection.shutdown(socket.SHUT_WR)
        assert connection.recv(1024) == b""  # closed without an answer
    assert emulator.requests("acme") == []
    assert acme.api("GET", clients_path("v1", client["id"]))["name"] == "before"


def test_issued_secrets_of_all_tenants_in_one_call(acme, globex, emulator):
    acme_client, globex_client = acme.create_client(), globex.create_client()
    everything = emulator.all_issued_secrets()
    assert acme_client["secret"] in everything and globex_client["secret"] in everything
    assert acme_client["secret"] not in emulator.issued_secrets("globex")  # a tenant's own list stays its own
    assert set(everything) == set(emulator.issued_secrets("acme")) | set(emulator.issued_secrets("globex"))
    assert len(everything) == len(set(everything))
    answer = acme.http.get(acme.url("/__emulator/issued-secrets"), params={"tenants": "some"}, timeout=30)
    assert answer.status_code == 400 and "tenants" in answer.json()["error"]
