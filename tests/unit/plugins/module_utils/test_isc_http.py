"""Retry policy of the transport: what is retried, how long it waits, and what is never resent."""

from __future__ import annotations

import base64
import email.utils
import json
import time

import pytest
import requests
import urllib3

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError, IscOutcomeUnknownError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import (
    RETRY_AFTER_CAP,
    Transport,
    error_from_response,
    parse_retry_after,
    redact,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

from .fakes import FakeSession, response

URL = 'https://acme.example/oauth-clients/v1'


def make_transport(script, **options):
    opts = dict(base_url='https://acme.example', client_id='id', client_secret='topsecret-value')
    opts.update(options)
    settings = resolve_connection(DictOptionAdapter(opts), {})
    sleeps = []
    transport = Transport(settings, sleep=sleeps.append, jitter=lambda low, high: high, pacer=False)
    transport.session = FakeSession(script)
    return transport, sleeps


def refused():
    pool_error = urllib3.exceptions.NewConnectionError(None, 'Connection refused')
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, URL, pool_error))


def reset():
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError('Connection aborted.', ConnectionResetError(104, 'reset by peer')))


def test_429_waits_for_retry_after_then_succeeds():
    transport, sleeps = make_transport([response(429, {'message': 'Rate Limit Exceeded'}, {'Retry-After': '3'}),
                                        response(200, [])])
    assert transport.send('GET', URL).status_code == 200
    assert sleeps == [3.0]


def test_429_retry_after_as_http_date_and_capped():
    future = email.utils.formatdate(time.time() + 3600, usegmt=True)
    transport, sleeps = make_transport([response(429, headers={'Retry-After': future}), response(200, [])])
    transport.send('POST', URL, json_body={})
    assert sleeps == [RETRY_AFTER_CAP]


def test_429_is_retried_even_for_post_because_nothing_was_applied():
    transport, sleeps = make_transport([response(429, headers={'Retry-After': '1'}), response(200, {'id': 'x'})])
    assert transport.send('POST', URL, json_body={'name': 'n'}).json() == {'id': 'x'}


def test_503_then_success_with_exponential_backoff():
    transport, sleeps = make_transport([response(503), response(503), response(200, [])])
    assert transport.send('GET', URL).status_code == 200
    assert sleeps == [0.5, 1.0]


def test_retry_budget_exhausted_returns_last_response():
    transport, sleeps = make_transport([response(503)] * 3, max_retries=2)
    assert transport.send('GET', URL).status_code == 503
    assert len(transport.session.calls) == 3 and len(sleeps) == 2


def test_max_retries_zero_sends_once():
    transport, sleeps = make_transport([response(429)], max_retries=0)
    assert transport.send('GET', URL).status_code == 429
    assert sleeps == []


@pytest.mark.parametrize('status', [502, 504])
def test_gateway_error_on_post_is_not_resent(status):
    transport, _sleeps = make_transport([response(status)])
    with pytest.raises(IscOutcomeUnknownError, match='not repeated'):
        transport.send('POST', URL, json_body={})
    assert len(transport.session.calls) == 1


def test_gateway_error_on_get_is_retried():
    transport, _sleeps = make_transport([response(502), response(200, [])])
    assert transport.send('GET', URL).status_code == 200


def test_connection_reset_on_get_is_retried():
    transport, _sleeps = make_transport([reset(), response(200, [])])
    assert transport.send('GET', URL).status_code == 200


def test_connection_reset_on_post_raises_outcome_unknown_once():
    transport, _sleeps = make_transport([reset()])
    with pytest.raises(IscOutcomeUnknownError):
        transport.send('POST', URL, json_body={})
    assert len(transport.session.calls) == 1


def test_read_timeout_on_post_raises_outcome_unknown():
    transport, _sleeps = make_transport([requests.exceptions.ReadTimeout('read timed out')])
    with pytest.raises(IscOutcomeUnknownError):
        transport.send('POST', URL, json_body={})


def test_refused_connection_is_retried_even_for_post():
    transport, _sleeps = make_transport([refused(), response(200, {})])
    assert transport.send('POST', URL, json_body={}).status_code == 200


def test_idempotent_post_like_token_request_is_retried_after_reset():
    transport, _sleeps = make_transport([reset(), response(200, {})])
    assert transport.send('POST', URL, data={}, idempotent=True).status_code == 200


def test_connection_errors_exhausted_give_clear_error():
    transport, _sleeps = make_transport([refused()] * 3, max_retries=2)
    with pytest.raises(IscError, match='failed after 3 attempt'):
        transport.send('GET', URL)


def test_tls_error_names_ca_path():
    transport, _sleeps = make_transport([requests.exceptions.SSLError('certificate verify failed')])
    with pytest.raises(IscError, match='ca_path'):
        transport.send('GET', URL)


def test_error_body_of_isc_is_turned_into_a_clear_message():
    body = {'detailCode': '400.1 Bad Request Content', 'trackingId': 'abc123',
            'messages': [{'locale': 'en-US', 'localeOrigin': 'DEFAULT', 'text': 'name is required'}]}
    err = error_from_response(response(400, body, {'SLPT-Request-ID': 'req-9'}), 'POST', URL)
    text = str(err)
    for part in ('HTTP 400', 'name is required', '400.1 Bad Request Content', 'abc123', 'req-9', URL):
        assert part in text
    assert err.to_dict()['detail_code'] == '400.1 Bad Request Content'


def test_oauth_error_and_401_and_429_shapes():
    assert 'invalid_client: Bad credentials' in str(error_from_response(
        response(401, {'error': 'invalid_client', 'error_description': 'Bad credentials'}), 'POST', URL))
    assert 'JWT is expired' in str(error_from_response(
        response(401, {'error': 'JWT validation failed: JWT is expired'}), 'GET', URL))
    assert 'Rate Limit Exceeded' in str(error_from_response(response(429, {'message': ' Rate Limit Exceeded '}),
                                                            'GET', URL))


def test_secrets_echoed_by_server_are_redacted():
    err = error_from_response(response(400, {'error': 'bad secret topsecret-value'}), 'POST', URL,
                              secrets=['topsecret-value'])
    assert 'topsecret-value' not in str(err) and 'topsecret-value' not in repr(err.to_dict())


def test_parse_retry_after():
    assert parse_retry_after('5') == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after('soon') is None
    assert 0 <= parse_retry_after(email.utils.formatdate(time.time() + 10, usegmt=True)) <= 11


def test_redact_longest_first():
    assert redact('a secret and secretive', ['secret', 'secretive']) == 'a ******** and ********'


class FakeTime(object):
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_budget_is_shared_by_processes(tmp_path):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    first = RequestPacer(str(tmp_path), 'https://acme|cid', 3, 10.0, clock=fake.clock, sleep=fake.sleep)
    second = RequestPacer(str(tmp_path), 'https://acme|cid', 3, 10.0, clock=fake.clock, sleep=fake.sleep)
    other = RequestPacer(str(tmp_path), 'https://acme|other-client', 3, 10.0, clock=fake.clock, sleep=fake.sleep)
    for pacer in (first, second, first):
        pacer.wait()
    other.wait()  # another client id has its own budget
    assert fake.slept == []
    second.wait()  # the fourth request of cid within 10 s waits for the window to move
    assert len(fake.slept) == 1 and 9.9 < fake.slept[0] < 10.1


@pytest.mark.parametrize('shared', [True, False])
def test_pacer_counts_a_request_from_when_it_was_answered(tmp_path, shared):
    """ISC counts a request on arrival, later than it was sent: the slot moves to the answer's time, so the
    request that its expiry lets through arrives a whole window after it, however slow the first one was."""
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(str(tmp_path) if shared else None, 'k', 1, 10.0, clock=fake.clock, sleep=fake.sleep)
    slot = pacer.wait()
    fake.now += 2.0  # the request is in flight for 2 s
    pacer.settle(slot)
    fake.now += 8.5  # 10.5 s after sending, only 8.5 s after the answer
    pacer.wait()
    assert len(fake.slept) == 1 and 1.4 < fake.slept[0] < 1.6


def test_pacer_without_directory_is_per_process():
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(None, 'k', 2, 5.0, clock=fake.clock, sleep=fake.sleep)
    pacer.wait()
    pacer.wait()
    pacer.wait()
    assert len(fake.slept) == 1


def test_rate_limit_from_env():
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import rate_limit_from_env
    assert rate_limit_from_env({}) == (100, 10.0)
    assert rate_limit_from_env({'ISC_RATE_LIMIT': '20/5'}) == (20, 5.0)
    assert rate_limit_from_env({'ISC_RATE_LIMIT': '0'}) is None
    with pytest.raises(IscError, match='ISC_RATE_LIMIT'):
        rate_limit_from_env({'ISC_RATE_LIMIT': 'fast'})


@pytest.mark.parametrize('path, version', [
    ('/v3/sources', 'v3'), ('/beta/oauth-clients/abc', 'beta'), ('/v2024/personal-access-tokens', 'v2024'),
    ('/v2026/x', 'v2026'), ('/oauth-clients/v1', 'v1'), ('/oauth-clients/v1/abc', 'v1'),
    ('/personal-access-tokens/v1/', 'v1'), ('/oauth/token', 'oauth'), ('/oauth/info', 'oauth'), ('/', ''),
])
def test_api_version_of_a_request_path(path, version):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import api_version_of
    assert api_version_of(path) == version


def paced_transport(tmp_path, monkeypatch, fake, limit='2/10', **options):
    monkeypatch.setenv('ISC_RATE_LIMIT', limit)
    opts = dict(base_url='https://acme.example', client_id='cid', client_secret='topsecret-value',
                token_cache_dir=str(tmp_path))
    opts.update(options)
    settings = resolve_connection(DictOptionAdapter(opts), {})
    transport = Transport(settings, sleep=fake.sleep, jitter=lambda low, high: high, clock=fake.clock)
    transport.session = FakeSession([response(200, [])] * 20)
    return transport


def test_pacing_is_per_client_id_and_api_version(tmp_path, monkeypatch):
    """ISC's limit is per client id AND API version: two v3 calls do not hold up a beta call or a token request."""
    fake = FakeTime()
    transport = paced_transport(tmp_path, monkeypatch, fake)
    for path in ('/v3/a', '/v3/b', '/beta/a', '/beta/b', '/oauth-clients/v1', '/oauth-clients/v1/x', '/oauth/token'):
        transport.send('GET', 'https://acme.example' + path)
    assert fake.slept == []
    # The third v3 call within 10 s waits for the window, also from another process with the same client id.
    other = paced_transport(tmp_path, monkeypatch, fake)
    other.send('GET', 'https://acme.example/v3/c')
    assert len(fake.slept) == 1 and 9.9 < fake.slept[0] <= 10.01
    # Another client id has budgets of its own.
    paced_transport(tmp_path, monkeypatch, fake, client_id='other').send('GET', 'https://acme.example/v3/d')
    assert len(fake.slept) == 1


def test_a_bearer_token_is_paced_under_the_client_id_it_was_issued_to(tmp_path, monkeypatch):
    fake = FakeTime()
    claims = base64.urlsafe_b64encode(json.dumps({'client_id': 'cid'}).encode()).decode().rstrip('=')
    by_credentials = paced_transport(tmp_path, monkeypatch, fake)
    by_token = paced_transport(tmp_path, monkeypatch, fake, client_id=None, client_secret=None,
                               access_token='eyJhbGciOiJIUzI1NiJ9.%s.c2ln' % claims)
    by_credentials.send('GET', 'https://acme.example/v3/a')
    by_credentials.send('GET', 'https://acme.example/v3/b')
    by_token.send('GET', 'https://acme.example/v3/c')
    assert len(fake.slept) == 1


def test_pacer_ignores_times_in_the_future_so_a_stepped_back_clock_never_blocks(tmp_path):
    """The reported case: stamps 45 s ahead (the clock was stepped back) kept a one-task run waiting."""
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(str(tmp_path), 'k', 3, 10.0, clock=fake.clock, sleep=fake.sleep)
    with open(pacer.path, 'w') as handle:
        json.dump([fake.now + 45.0] * 3, handle)
    pacer.wait()
    assert fake.slept == []
    with open(pacer.path) as handle:
        assert json.load(handle) == [fake.now]


def test_clock_stepped_back_while_a_request_is_in_flight_leaves_no_future_time(tmp_path):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(str(tmp_path), 'k', 1, 10.0, clock=fake.clock, sleep=fake.sleep)
    slot = pacer.wait()
    fake.now -= 30.0  # NTP steps the clock back during the request
    pacer.settle(slot)
    with open(pacer.path) as handle:
        assert json.load(handle) == [fake.now]
    fake.now += 10.0
    pacer.wait()
    assert fake.slept == []


def test_no_wait_is_longer_than_one_window(tmp_path):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(str(tmp_path), 'k', 2, 10.0, clock=fake.clock, sleep=fake.sleep)
    with open(pacer.path, 'w') as handle:
        json.dump([fake.now, fake.now], handle)  # full, both taken this very millisecond
    pacer.wait()
    assert len(fake.slept) == 1 and fake.slept[0] <= 10.0 + 0.001


@pytest.mark.parametrize('content', ['null', '{}', '{"a": 1}', '[true]', '["1000"]', '[[1]]', 'garbage', '[1, ',
                                     '"text"', '[NaN]'])
def test_corrupt_pacer_file_is_discarded(tmp_path, content):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import RequestPacer
    fake = FakeTime()
    pacer = RequestPacer(str(tmp_path), 'k', 1, 10.0, clock=fake.clock, sleep=fake.sleep)
    with open(pacer.path, 'w') as handle:
        handle.write(content)
    pacer.wait()
    assert fake.slept == []
    with open(pacer.path) as handle:
        assert json.load(handle) == [fake.now]


def test_plain_http_is_refused_by_the_transport_for_any_url():
    transport, _sleeps = make_transport([response(200, {})])
    with pytest.raises(IscError, match="URL 'http://keys.example/jwks' uses plain http://"):
        transport.send('GET', 'http://keys.example/jwks')
    assert transport.session.calls == []
    allowed, _sleeps = make_transport([response(200, {})], allow_insecure_http=True)
    assert allowed.send('GET', 'http://keys.example/jwks').status_code == 200


def test_api_version_is_read_after_a_path_prefix_of_base_url(tmp_path, monkeypatch):
    fake = FakeTime()
    transport = paced_transport(tmp_path, monkeypatch, fake, base_url='https://proxy.example/isc')
    assert transport.pacer_for('https://proxy.example/isc/v3/x?limit=1') is transport.pacer_for(
        'https://proxy.example/isc/v3/y')
    assert transport.pacer_for('https://proxy.example/isc/v3/x') is not transport.pacer_for(
        'https://proxy.example/isc/oauth-clients/v1')
    assert sorted(transport._pacers) == ['v1', 'v3']
