"""Retry policy of the transport: what is retried, how long it waits, and what is never resent."""

from __future__ import annotations

import email.utils
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
