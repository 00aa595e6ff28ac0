"""Start and drive the ISC emulator from Python tests (the emulator is a test double, not
affiliated with SailPoint).

    from isc_emulator.harness import Emulator

    with Emulator(tenants=["acme"], tls=True) as emulator:
        url = emulator.base_urls["acme"]
        token = emulator.token("acme")                  # the seeded admin PAT's access token
        emulator.set_faults("acme", [{"path": "/oauth-clients/v1", "action": "reset", "count": 1}])
        ...
        assert emulator.requests("acme")[-1]["status"] == 0

The emulator runs as a subprocess (``python -m isc_emulator``), exactly as users run it. Control
calls use ``requests`` and trust the generated CA when TLS is on. Every per-tenant helper takes
the tenant name and defaults to the first tenant.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import requests

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)  # the directory to put on PYTHONPATH


class EmulatorStartError(RuntimeError):
    """The emulator did not print its READY lines in time (the message includes its stderr)."""


class Emulator:
    """A running emulator process; a context manager that stops it on exit."""

    def __init__(
        self,
        tenants: Sequence[str] = ("acme",),
        *,
        tls: Union[bool, str, os.PathLike] = False,
        port: int = 0,
        rate_limit: Optional[int] = None,
        rate_window: Optional[float] = None,
        openapi_spec: Optional[Union[str, os.PathLike]] = None,
        signing_alg: Optional[str] = None,
        pat_token_validity: Optional[int] = None,
        admin_client_id: str = "admin-client-id",
        admin_client_secret: str = "admin-client-secret",
        pat_limit: Optional[int] = None,
        default_page_size: Optional[int] = None,
        quirks: Iterable[str] = (),
        extra_args: Iterable[str] = (),
        python: str = sys.executable,
        startup_timeout: float = 30.0,
        verbose: bool = False,
    ) -> None:
        self.tenants = list(tenants)
        self.admin_client_id = admin_client_id
        self.admin_client_secret = admin_client_secret
        self.base_urls: dict[str, str] = {}
        self.ca_path: Optional[str] = None
        self._temporary_dir: Optional[tempfile.TemporaryDirectory] = None
        self._process: Optional[subprocess.Popen] = None
        self._stderr_file = None

        args = [python, "-m", "isc_emulator", "--port", str(port)]
        for tenant in self.tenants:
            args += ["--tenant", tenant]
        if tls:
            if tls is True:
                self._temporary_dir = tempfile.TemporaryDirectory(prefix="isc-emulator-tls-")
                tls_dir = self._temporary_dir.name
            else:
                tls_dir = os.fspath(tls)
            args += ["--tls-generate", tls_dir]
            self.ca_path = os.path.join(tls_dir, "ca.pem")
        options = {
            "--rate-limit": rate_limit,
            "--rate-window": rate_window,
            "--openapi-spec": os.fspath(openapi_spec) if openapi_spec else None,
            "--signing-alg": signing_alg,
            "--pat-token-validity": pat_token_validity,
            "--admin-client-id": admin_client_id,
            "--admin-client-secret": admin_client_secret,
            "--pat-limit": pat_limit,
            "--default-page-size": default_page_size,
        }
        for flag, value in options.items():
            if value is not None:
                args += [flag, str(value)]
        for quirk in quirks:
            args += ["--quirk", quirk]
        if verbose:
            args.append("--verbose")
        args += list(extra_args)
        self.args = args
        self.startup_timeout = startup_timeout
        self.session = requests.Session()
        # Passed on every call: a Session's own .verify loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE.
        self.verify: Union[bool, str] = self.ca_path or True

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "Emulator":
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        # stderr goes to a file: a pipe nobody reads would block a --verbose emulator.
        self._stderr_file = tempfile.TemporaryFile(prefix="isc-emulator-stderr-")
        self._process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._stderr_file, env=env, text=True, bufsize=1
        )
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._pump_stdout, args=(self._process.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while len(self.base_urls) < len(self.tenants):
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._fail(f"no READY line within {self.startup_timeout} s")
            if line is None:
                self._fail(f"exited with status {self._process.wait()} before it was ready")
            parts = line.split()
            if len(parts) == 3 and parts[0] == "READY":
                self.base_urls[parts[1]] = parts[2]
        return self

    @staticmethod
    def _pump_stdout(stream, lines: "queue.Queue[Optional[str]]") -> None:
        for line in stream:
            lines.put(line.strip())
        lines.put(None)

    def _fail(self, reason: str) -> None:
        self.stop()
        raise EmulatorStartError(f"isc_emulator {reason}.\ncommand: {' '.join(self.args)}\nstderr:\n{self.stderr()}")

    def stderr(self) -> str:
        """Everything the emulator wrote to stderr so far."""
        if self._stderr_file is None:
            return ""
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode("utf-8", "replace")

    @property
    def process(self) -> Optional[subprocess.Popen]:
        return self._process

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, wait, SIGKILL if needed; returns the exit status."""
        status = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGTERM)
                try:
                    self._process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout)
            status = self._process.returncode
            if self._process.stdout is not None:
                self._process.stdout.close()
        self.session.close()
        if self._temporary_dir is not None:
            self._temporary_dir.cleanup()
            self._temporary_dir = None
        return status

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- per-tenant helpers ----------------------------------------------------------------
    def url(self, tenant: Optional[str] = None, path: str = "") -> str:
        return self.base_urls[tenant or self.tenants[0]] + path

    def _control(self, method: str, tenant: Optional[str], name: str, json: Any = None) -> Any:
        response = self.session.request(
            method, self.url(tenant, f"/__emulator/{name}"), json=json, timeout=30, verify=self.verify
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def requests(self, tenant: Optional[str] = None) -> list[dict]:
        """The request log: ``{method, path, status, client_id, query, api_version, grant_type, time}``."""
        return self._control("GET", tenant, "requests")

    def clear_requests(self, tenant: Optional[str] = None) -> None:
        self._control("DELETE", tenant, "requests")

    def set_faults(self, tenant: Optional[str], rules: list[dict], seed: Any = None) -> dict:
        document: dict = {"rules": rules}
        if seed is not None:
            document["seed"] = seed
        return self._control("POST", tenant, "faults", document)

    def faults(self, tenant: Optional[str] = None) -> dict:
        return self._control("GET", tenant, "faults")

    def clear_faults(self, tenant: Optional[str] = None) -> None:
        self._control("DELETE", tenant, "faults")

    def reset(self, tenant: Optional[str] = None, settings: bool = False) -> None:
        """Back to the initial tenant state; with settings, also to the start-up pat_limit, default_page_size and
        quirks (update_settings changes survive a plain reset)."""
        self._control("POST", tenant, "reset", {"settings": True} if settings else None)

    def advance_clock(self, tenant: Optional[str], seconds: float) -> dict:
        return self._control("POST", tenant, "clock", {"advance": seconds})

    def set_clock_offset(self, tenant: Optional[str], seconds: float) -> dict:
        return self._control("POST", tenant, "clock", {"offset": seconds})

    def clock(self, tenant: Optional[str] = None) -> dict:
        return self._control("GET", tenant, "clock")

    def violations(self, tenant: Optional[str] = None) -> list[dict]:
        return self._control("GET", tenant, "violations")

    def clear_violations(self, tenant: Optional[str] = None) -> None:
        self._control("DELETE", tenant, "violations")

    def settings(self, tenant: Optional[str] = None) -> dict:
        """The switches in effect: ``{pat_limit, default_page_size, quirks, known_quirks}``."""
        return self._control("GET", tenant, "settings")

    def update_settings(self, tenant: Optional[str], **changes: Any) -> dict:
        """Change some of ``pat_limit``, ``default_page_size`` (None = no paging) and ``quirks`` at run time,
        as the command line would set them; resets keep them. Returns the settings now in effect."""
        if "quirks" in changes:
            changes["quirks"] = list(changes["quirks"])
        return self._control("POST", tenant, "settings", changes)

    def quirk_observations(self, tenant: Optional[str] = None) -> list[dict]:
        """Exchanges that deviated from the spec only because of an enabled quirk."""
        return self._control("GET", tenant, "quirk-observations")

    def clear_quirk_observations(self, tenant: Optional[str] = None) -> None:
        self._control("DELETE", tenant, "quirk-observations")

    def seed(self, tenant: Optional[str] = None, *, oauth_clients: Any = (), personal_access_tokens: Any = ()) -> dict:
        """Store objects directly (see ``POST /__emulator/seed``): each argument is a list of bodies, or
        ``{"count": N, "name": "prefix-{index}", ...}``. Returns the created answers, secrets included."""
        document = {}
        if oauth_clients:
            document["oauth_clients"] = oauth_clients if isinstance(oauth_clients, dict) else list(oauth_clients)
        if personal_access_tokens:
            document["personal_access_tokens"] = (
                personal_access_tokens if isinstance(personal_access_tokens, dict) else list(personal_access_tokens)
            )
        return self._control("POST", tenant, "seed", document)

    def issued_secrets(self, tenant: Optional[str] = None) -> list[str]:
        """Every secret and token this tenant handed out since start-up (for leak scans)."""
        return self._control("GET", tenant, "issued-secrets")

    def all_issued_secrets(self) -> list[str]:
        """Every secret and token any tenant of this emulator handed out since start-up (one call, for leak scans)."""
        return self._control("GET", None, "issued-secrets?tenants=all")

    def state(self, tenant: Optional[str] = None) -> dict:
        return self._control("GET", tenant, "state")

    def jwks(self, tenant: Optional[str] = None) -> dict:
        return self._control("GET", tenant, "jwks")

    def signing_key(self, tenant: Optional[str] = None) -> dict:
        return self._control("GET", tenant, "signing-key")

    def token_response(
        self, tenant: Optional[str] = None, client_id: Optional[str] = None, client_secret: Optional[str] = None
    ) -> dict:
        """The full client_credentials token response (admin PAT by default); raises on errors."""
        response = self.session.post(
            self.url(tenant, "/oauth/token"),
            data={
                "grant_type": "client_credentials",
                "client_id": client_id or self.admin_client_id,
                "client_secret": client_secret or self.admin_client_secret,
            },
            timeout=30,
            verify=self.verify,
        )
        response.raise_for_status()
        return response.json()

    def token(self, tenant: Optional[str] = None, client_id: Optional[str] = None, client_secret: Optional[str] = None) -> str:
        """An access token by client_credentials: the seeded admin PAT unless told otherwise."""
        return self.token_response(tenant, client_id, client_secret)["access_token"]
