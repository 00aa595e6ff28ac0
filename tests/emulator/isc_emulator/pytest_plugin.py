"""pytest fixtures for testing your own playbooks and code against the ISC emulator (a test double,
not affiliated with SailPoint).

Installed with the package (``pip install ./tests/emulator``), this module is a pytest plugin
(entry point ``pytest11``), so the fixtures are available in every test without an import:

* ``isc_emulator_options``: keyword arguments of :class:`~isc_emulator.harness.Emulator`
  (session scope); override it in your ``conftest.py`` to change tenants, TLS, rate limit, quirks...
* ``isc_emulator``: the running emulator, started once per session.
* ``isc_tenant``: the first tenant, reset before each test; a :class:`Tenant` with the base URL,
  the seeded admin credentials and ``environment``, the ``SAIL_*`` variables for a subprocess.

Without installing, ``pytest -p isc_emulator.pytest_plugin`` with ``tests/emulator`` on the path
does the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .harness import Emulator


@dataclass
class Tenant:
    """One tenant of a running emulator, as a test sees it."""

    emulator: Emulator
    name: str
    base_url: str
    client_id: str
    client_secret: str
    environment: dict = field(default_factory=dict)

    def violations(self) -> list[dict]:
        return self.emulator.violations(self.name)

    def requests(self) -> list[dict]:
        return self.emulator.requests(self.name)


@pytest.fixture(scope="session")
def isc_emulator_options() -> dict:
    """Override in a conftest.py to start the emulator differently, e.g. ``{"tenants": ["dev", "prod"], "tls": True}``."""
    return {"tenants": ["acme"]}


@pytest.fixture(scope="session")
def isc_emulator(isc_emulator_options):
    """A running emulator for the whole session (stopped at the end)."""
    with Emulator(**isc_emulator_options) as running:
        yield running


@pytest.fixture
def isc_tenant(isc_emulator) -> Tenant:
    """The first tenant, reset to its initial state: two identities, their seeded PATs, no OAuth clients."""
    name = isc_emulator.tenants[0]
    isc_emulator.reset(name)
    base_url = isc_emulator.url(name)
    environment = {
        "SAIL_BASE_URL": base_url,
        "SAIL_CLIENT_ID": isc_emulator.admin_client_id,
        "SAIL_CLIENT_SECRET": isc_emulator.admin_client_secret,
    }
    if isc_emulator.ca_path:
        environment["REQUESTS_CA_BUNDLE"] = isc_emulator.ca_path
    return Tenant(isc_emulator, name, base_url, isc_emulator.admin_client_id, isc_emulator.admin_client_secret, environment)
