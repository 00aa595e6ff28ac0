"""The shared client driven directly against the emulator: 401 re-auth, paging, error bodies."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_client import IscClient
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import DictOptionAdapter

from isc_playbook_runner import ADMIN, USER

pytestmark = pytest.mark.integration


@pytest.fixture
def client_for(acme, tmp_path):
    _isc_auth.forget_memory()
    made = []

    def make(**credentials):
        options = dict(base_url=acme.base_url, token_cache_dir=str(tmp_path), **(credentials or ADMIN))
        client = IscClient.from_options(DictOptionAdapter(options), {})
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
    _isc_auth.forget_memory()


def test_expired_token_on_server_triggers_one_reauthentication(acme, client_for, emulator):
    api = client_for()
    assert api.paginate('/oauth-clients/v1') == []
    emulator.advance_clock('acme', 24 * 3600)  # the server now sees our cached token as expired
    acme.clear_requests()
    assert api.paginate('/oauth-clients/v1') == []
    log = [(r['method'], r['path'], r['status']) for r in acme.requests()]
    assert log == [('GET', '/oauth-clients/v1', 401), ('POST', '/oauth/token', 200),
                   ('GET', '/oauth-clients/v1', 200)]


def test_paging_through_more_than_one_page(acme, emulator, client_for, list_paging):
    emulator.seed('acme', oauth_clients=dict(count=503, name='c{index}', description='d', accessTokenValiditySeconds=750,
                                             grantTypes=['CLIENT_CREDENTIALS'], accessType='OFFLINE', enabled=True))
    acme.clear_requests()
    clients = client_for().paginate('/oauth-clients/v1')
    assert len(clients) == 503 and len({c['id'] for c in clients}) == 503
    lists = [r['query'] for r in acme.requests() if r['method'] == 'GET']
    if list_paging is None:  # everything in one answer, as the operation declares
        assert lists == [{}]
    else:  # a full default page asks for the next ones with ISC's standard parameters
        assert lists == [{}, {'limit': '250', 'offset': '250'}, {'limit': '250', 'offset': '500'}]


def test_isc_error_body_reaches_the_message(acme, client_for):
    api = client_for(**USER)  # not an ORG_ADMIN
    with pytest.raises(IscError) as info:
        api.paginate('/oauth-clients/v1')
    error = info.value
    assert error.status == 403 and error.tracking_id and error.request_id
    assert 'HTTP 403 Forbidden' in str(error) and 'ORG_ADMIN' in str(error)


def test_missing_object_is_404_with_detail(acme, client_for):
    with pytest.raises(IscError) as info:
        client_for().get('/oauth-clients/v1/00000000-0000-0000-0000-000000000000')
    assert info.value.status == 404 and info.value.detail_code
