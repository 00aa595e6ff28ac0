"""Every test of module_utils starts and ends with an empty in-process token memory: the memory outlives a test as it
outlives a task in one Ansible process, and a token remembered by one test would hide the next test's requests."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth


@pytest.fixture(autouse=True)
def fresh_token_memory():
    _isc_auth.forget_memory()
    yield
    _isc_auth.forget_memory()
