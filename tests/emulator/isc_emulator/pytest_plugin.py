"""pytest fixtures for testing your own playbooks and code against the ISC emulator (a test double,
not affiliated with SailPoint).

Installed with the package (``pip install ./tests/emulator``), this module is a pytest plugin
(entry point ``pytest11``), so the fixtures are available in every test without an import:

* ``isc_emulator_options``: keyword arguments of :class:`~isc_emulator.harness.Emulator`
  (session scope); override it in your ``conftest.py`` to change tenants, TLS, rate limit, quirks...
* ``isc_emulator``: the running emulator, started once per session.
* ``isc_tenant``: the first tenant, reset before each test; a :class:`~isc_emulator.tenant.Tenant` with the base
  URL, the seeded admin credentials, ``environment`` (the ``SAIL_*`` variables for a subprocess), ISC calls as the
  admin (``call``, ``api``, ``create_client``, ``create_pat``) and the tenant's request log.

Without installing, ``pytest -p isc_emulator.pytest_plugin`` with ``tests/emulator`` on the path
does the same.
"""

from __future__ import annotations

import pytest

from .harness import Emulator
from .tenant import Tenant


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
    tenant = Tenant(isc_emulator, isc_emulator.tenants[0])
    tenant.reset()
    return tenant
