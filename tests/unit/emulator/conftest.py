"""Fixtures for the ISC emulator's own tests: one emulator process per test module (fast), a
reset before every test (isolated), and a :class:`Tenant` per tenant."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The emulator package and the shared helpers, importable whatever pytest's import mode is.
for directory in (Path(__file__).resolve().parents[2] / "emulator", Path(__file__).resolve().parent):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))

from isc_emulator.harness import Emulator  # noqa: E402
from isc_emulator.tenant import Tenant  # noqa: E402


@pytest.fixture(scope="module")
def emulator():
    with Emulator(tenants=["acme", "globex"]) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_tenants(request):
    """Every test starts from the initial state (and empty rate-limit windows)."""
    if "emulator" in request.fixturenames:
        running = request.getfixturevalue("emulator")
        for tenant in running.tenants:
            running.reset(tenant)


@pytest.fixture(scope="module")
def acme(emulator) -> Tenant:
    return Tenant(emulator, "acme")


@pytest.fixture(scope="module")
def globex(emulator) -> Tenant:
    return Tenant(emulator, "globex")
