"""The arithmetic behind the benchmarks' figures (benchmarks/_bench.py, tests/isc_playbook_runner.py): the least time
ISC's rate limit allows for a tenant's requests, and what a request log counts as tokens, lists, creates and writes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'benchmarks'))

import _bench  # noqa: E402
from isc_emulator.tenant import request_counts  # noqa: E402


@pytest.mark.parametrize('requests_per_key, seconds', [
    ([], 0.0),
    ([1], 0.0),
    ([100], 0.0),  # one window holds 100 requests
    ([101], 10.0),  # the 101st waits until the first leaves the window
    ([201, 1], 20.0),  # 1 list + 100 creates + 100 renames on v1, and the token request on a key of its own
    ([300, 250], 20.0),  # keys overlap: the slowest sets the bound
])
def test_rate_limit_minimum(requests_per_key, seconds):
    assert _bench.rate_limit_minimum(requests_per_key) == seconds


def _entry(method, path, client_id='admin-client-id', api_version=None, status=200):
    return dict(method=method, path=path, client_id=client_id, api_version=api_version, status=status)


LOG = [_entry('POST', '/oauth/token'), _entry('GET', '/oauth-clients/v1', api_version='v1'),
       _entry('POST', '/oauth-clients/v1', api_version='v1'),
       _entry('PATCH', '/oauth-clients/v1/abc', api_version='v1'),
       _entry('GET', '/v3/oauth-clients', api_version='v3', status=429)]


def test_requests_are_keyed_by_client_id_and_api_version():
    assert _bench.requests_per_key(LOG) == {('admin-client-id', '/oauth/token'): 1, ('admin-client-id', 'v1'): 3,
                                            ('admin-client-id', 'v3'): 1}


def test_request_counts():
    assert request_counts(LOG) == dict(http=5, token=1, lists=1, creates=1, updates=1, writes=2, throttled=1)
