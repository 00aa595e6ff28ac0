"""A TokenProvider without a transport makes its HTTP transport only to request a token, and closes only its own.

The lookup relies on this: a token served from the cache then costs no HTTP client (see
tests/unit/plugins/lookup/test_isc_access_token_imports.py for the imports themselves).
"""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth, _isc_http
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

from .fakes import FakeSession, response


@pytest.fixture
def made_transports(monkeypatch):
    """Every transport a provider makes itself, each answering one token request."""
    made = []

    class RecordedTransport(_isc_http.Transport):
        def __init__(self, settings):
            super().__init__(settings)  # reads ISC_RATE_LIMIT, as every transport does
            self.pacer = False
            self.session = FakeSession([response(200, {'access_token': 'new-token-%d' % len(made),
                                                       'expires_in': 750})])
            self.closed = False
            made.append(self)

        def close(self):
            self.closed = True

    monkeypatch.setattr(_isc_http, 'Transport', RecordedTransport)
    monkeypatch.delenv('ISC_RATE_LIMIT', raising=False)
    return made


def settings(tmp_path):
    return resolve_connection(DictOptionAdapter(dict(base_url='https://acme.example', client_id='cid',
                                                     client_secret='client-secret-0123456789',
                                                     token_cache_dir=str(tmp_path))), {})


def test_a_token_request_makes_a_transport_and_close_closes_it(tmp_path, made_transports):
    tokens = _isc_auth.TokenProvider(settings(tmp_path))
    assert made_transports == []  # nothing is made before a request has to be sent
    assert tokens.get().access_token == 'new-token-0'
    assert len(made_transports) == 1 and len(made_transports[0].session.calls) == 1
    tokens.close()
    assert made_transports[0].closed


def test_a_token_from_the_cache_makes_no_transport(tmp_path, made_transports):
    first = _isc_auth.TokenProvider(settings(tmp_path))
    first.get()
    first.close()
    _isc_auth.forget_memory()  # a later task: a new process

    later = _isc_auth.TokenProvider(settings(tmp_path))
    assert later.get().access_token == 'new-token-0'
    later.close()
    assert len(made_transports) == 1  # only the first provider's


def test_a_transport_handed_over_belongs_to_the_caller(tmp_path, made_transports):
    handed = _isc_http.Transport(settings(tmp_path))  # a recorded one too: made_transports[0]
    tokens = _isc_auth.TokenProvider(settings(tmp_path), handed)
    assert tokens.get().access_token == 'new-token-0' and len(handed.session.calls) == 1
    tokens.close()
    assert not handed.closed and made_transports == [handed]


def test_a_malformed_rate_limit_fails_even_when_the_cache_would_serve(tmp_path, made_transports, monkeypatch):
    first = _isc_auth.TokenProvider(settings(tmp_path))
    first.get()
    _isc_auth.forget_memory()
    monkeypatch.setenv('ISC_RATE_LIMIT', 'fast')
    with pytest.raises(IscError, match='ISC_RATE_LIMIT must look like 100/10'):
        _isc_auth.TokenProvider(settings(tmp_path))
