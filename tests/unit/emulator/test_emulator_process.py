"""The emulator as a process: command line, READY lines, ports, TLS, HS256, shutdown."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys

import jwt
import pytest
import requests
from isc_emulator.harness import PACKAGE_PARENT, Emulator, EmulatorStartError
from isc_emulator.tenant import ADMIN
from isc_emulator.tls import generate_ca_and_server_cert


def run_module(*args: str, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=60, check=False, **kwargs)


def test_help_documents_the_options():
    result = run_module("-m", "isc_emulator", "--help")
    assert result.returncode == 0 and "READY" not in result.stdout.splitlines()[0]
    for option in ("--tenant", "--host", "--port", "--tls-cert", "--tls-key", "--tls-generate", "--admin-client-id",
                   "--admin-client-secret", "--rate-limit", "--rate-window", "--signing-alg",
                   "--pat-token-validity", "--openapi-spec", "--verbose", "--pat-limit", "--default-page-size",
                   "--quirk"):  # fmt: skip
        assert option in result.stdout


def test_openapi_core_is_not_imported_without_the_flag():
    code = (
        "import sys, isc_emulator.__main__, isc_emulator.server, isc_emulator.control, isc_emulator.harness\n"
        "assert not [m for m in sys.modules if m.startswith('openapi_core')], 'openapi_core imported'\n"
    )
    result = run_module("-c", code)
    assert result.returncode == 0, result.stderr


def test_sigterm_stops_cleanly_and_stdout_has_only_ready_lines():
    emulator = Emulator(tenants=["acme", "globex"]).start()
    process = emulator.process
    assert set(emulator.base_urls) == {"acme", "globex"}
    assert len(set(emulator.base_urls.values())) == 2
    assert requests.get(emulator.url("acme", "/oauth/info"), timeout=10).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert process.stdout.read() == ""  # nothing after the READY lines
    emulator.stop()


def test_sigint_stops_cleanly():
    emulator = Emulator().start()
    emulator.process.send_signal(signal.SIGINT)
    assert emulator.process.wait(timeout=15) == 0
    assert "Traceback" not in emulator.stderr()
    emulator.stop()


def free_port_pair() -> int:
    for _attempt in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    pytest.skip("no two consecutive free ports")


def test_port_assigns_consecutive_ports():
    port = free_port_pair()
    with Emulator(tenants=["acme", "globex"], port=port) as emulator:
        assert emulator.base_urls == {"acme": f"http://127.0.0.1:{port}", "globex": f"http://127.0.0.1:{port + 1}"}


def test_start_failure_reports_stderr():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(EmulatorStartError) as failure:
            Emulator(port=busy.getsockname()[1], startup_timeout=20).start()
    assert "cannot listen" in str(failure.value)


def test_tls_with_the_generated_ca(tmp_path):
    with Emulator(tls=tmp_path / "tls") as emulator:
        url = emulator.url("acme", "/oauth/token")
        assert url.startswith("https://127.0.0.1:")
        assert emulator.ca_path == str(tmp_path / "tls" / "ca.pem")
        data = {"grant_type": "client_credentials", "client_id": ADMIN[0], "client_secret": ADMIN[1]}
        assert requests.post(url, data=data, verify=emulator.ca_path, timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.post(url, data=data, timeout=10)  # system trust store: unknown CA
        assert emulator.token("acme")  # the harness trusts the CA
        # A strict client context (Python 3.13 defaults) accepts the chain too.
        context = ssl.create_default_context(cafile=emulator.ca_path)
        context.verify_flags |= getattr(ssl, "VERIFY_X509_STRICT", 0)
        host, port = url.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_generate_ca_and_server_cert(tmp_path):
    ca, cert, key = generate_ca_and_server_cert(tmp_path)
    assert (ca, cert, key) == (str(tmp_path / "ca.pem"), str(tmp_path / "server.pem"), str(tmp_path / "server-key.pem"))
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)  # the key matches the certificate


def test_hs256_signing(tmp_path):
    with Emulator(signing_alg="HS256") as emulator:
        token = emulator.token("acme")
        document = emulator.signing_key("acme")
        assert document["alg"] == "HS256" and jwt.get_unverified_header(token)["alg"] == "HS256"
        claims = jwt.decode(token, document["key"], algorithms=["HS256"])
        assert claims["client_id"] == ADMIN[0]
        assert emulator.jwks("acme") == {"keys": []}
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, "another-secret-that-is-long-enough-for-hs256", algorithms=["HS256"])


def test_custom_admin_credentials_and_pat_validity():
    with Emulator(admin_client_id="my-admin", admin_client_secret="s3cret", pat_token_validity=120) as emulator:
        response = emulator.token_response("acme")
        assert response["expires_in"] == 120
        assert emulator.state("acme")["personalAccessTokens"][0]["id"] == "my-admin"
