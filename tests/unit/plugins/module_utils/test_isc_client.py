"""The authenticated client: bearer header, re-auth once on 401, paging without a silent cap."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_api import (
    API_VERSIONS,
    collection_path,
    item_path,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_client import IscClient
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import Transport
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

from .fakes import FakeSession, response


def token(n):
    return response(200, {'access_token': 'tok-%d' % n, 'expires_in': 750})


def client(script, tmp_path, **options):
    opts = dict(base_url='https://acme.example', client_id='cid', client_secret='sec',
                token_cache_dir=str(tmp_path))
    opts.update(options)
    settings = resolve_connection(DictOptionAdapter(opts), {})
    transport = Transport(settings, sleep=lambda s: None, jitter=lambda a, b: 0)
    transport.session = FakeSession(script)
    return IscClient(settings, transport=transport), transport.session


def test_bearer_header_and_json(tmp_path):
    api, session = client([token(1), response(200, {'id': 'x'})], tmp_path)
    assert api.get('/oauth-clients/v1/x') == {'id': 'x'}
    assert session.calls[1]['headers']['Authorization'] == 'Bearer tok-1'


def test_401_reauthenticates_once(tmp_path):
    api, session = client([token(1), response(401, {'error': 'JWT validation failed: JWT is expired'}),
                           token(2), response(200, [])], tmp_path)
    assert api.get('/oauth-clients/v1') == []
    assert session.calls[3]['headers']['Authorization'] == 'Bearer tok-2'


def test_second_401_is_an_error_not_a_loop(tmp_path):
    api, session = client([token(1), response(401, {'error': 'nope'}), token(2), response(401, {'error': 'nope'})],
                          tmp_path)
    with pytest.raises(IscError, match='HTTP 401'):
        api.get('/oauth-clients/v1')
    assert len(session.calls) == 4


def test_401_with_given_access_token_is_not_retried(tmp_path):
    api, session = client([response(401, {'error': 'expired'})], tmp_path, client_id=None, client_secret=None,
                          access_token='given')
    with pytest.raises(IscError, match='HTTP 401'):
        api.get('/oauth-clients/v1')
    assert len(session.calls) == 1


def test_json_patch_content_type(tmp_path):
    api, session = client([token(1), response(200, {'id': 'x'})], tmp_path)
    api.patch('/oauth-clients/v1/x', [{'op': 'replace', 'path': '/name', 'value': 'n'}])
    assert session.calls[1]['headers']['Content-Type'] == 'application/json-patch+json'


def items(start, count):
    return [{'id': 'i%d' % n} for n in range(start, start + count)]


def test_first_list_call_sends_only_declared_parameters(tmp_path):
    api, session = client([token(1), response(200, items(0, 3))], tmp_path)
    assert len(api.paginate('/personal-access-tokens/v1', {'owner-id': 'me'})) == 3
    assert session.calls[1]['params'] == {'owner-id': 'me'}
    assert len(session.calls) == 2


def test_a_full_default_page_asks_for_the_next_with_limit_and_offset(tmp_path):
    api, session = client([token(1), response(200, items(0, 250)), response(200, items(250, 250)),
                           response(200, items(500, 3))], tmp_path)
    assert [i['id'] for i in api.paginate('/x', {'filters': 'lastUsed isnull'})] == ['i%d' % n for n in range(503)]
    assert [c['params'] for c in session.calls[1:]] == [
        {'filters': 'lastUsed isnull'},
        {'filters': 'lastUsed isnull', 'limit': 250, 'offset': 250},
        {'filters': 'lastUsed isnull', 'limit': 250, 'offset': 500},
    ]


def test_total_count_above_what_came_asks_for_more_even_after_a_short_page(tmp_path):
    api, session = client([token(1), response(200, items(0, 100), {'X-Total-Count': '150'}),
                           response(200, items(100, 50), {'X-Total-Count': '150'})], tmp_path)
    assert len(api.paginate('/x')) == 150
    assert session.calls[2]['params'] == {'limit': 250, 'offset': 100}


def test_total_count_reached_stops_even_at_exactly_a_page(tmp_path):
    api, session = client([token(1), response(200, items(0, 250), {'X-Total-Count': '250'})], tmp_path)
    assert len(api.paginate('/x')) == 250 and len(session.calls) == 2


def test_paging_detects_server_answering_everything(tmp_path):
    api, session = client([token(1), response(200, items(0, 300))], tmp_path)
    assert len(api.paginate('/x')) == 300 and len(session.calls) == 2


def test_paging_detects_server_ignoring_offset(tmp_path):
    api, session = client([token(1), response(200, items(0, 250)), response(200, items(0, 250))], tmp_path)
    assert len(api.paginate('/x')) == 250 and len(session.calls) == 3


def test_public_get_sends_no_token(tmp_path):
    api, session = client([response(200, {'tenantName': 'acme'})], tmp_path)
    assert api.get_public('/oauth/info') == {'tenantName': 'acme'}
    assert 'Authorization' not in (session.calls[0].get('headers') or {})


def test_paths_for_every_api_version():
    expected = {'v1': '/oauth-clients/v1', 'v3': '/v3/oauth-clients', 'beta': '/beta/oauth-clients',
                'v2024': '/v2024/oauth-clients', 'v2025': '/v2025/oauth-clients', 'v2026': '/v2026/oauth-clients'}
    assert {v: collection_path('oauth-clients', v) for v in API_VERSIONS} == expected
    assert item_path('personal-access-tokens', 'a/b', 'v1') == '/personal-access-tokens/v1/a%2Fb'
    with pytest.raises(ValueError):
        collection_path('oauth-clients', 'v9')
