"""Token grants, renewal and the encrypted on-disk cache."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import urllib.parse

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_auth import (
    Token,
    TokenCache,
    TokenProvider,
    credential_identity,
    renew_margin,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import Transport
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

from .fakes import FakeSession, response

SECRET = 'client-secret-0123456789'


class Clock(object):
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def token_body(n, expires_in=750, refresh=None):
    body = {'access_token': 'access-token-%d' % n, 'token_type': 'bearer', 'expires_in': expires_in,
            'scope': 'sp:scopes:all', 'tenant_id': 't-1', 'org': 'acme'}
    if refresh:
        body['refresh_token'] = refresh
    return body


def provider(script, tmp_path, clock=None, **options):
    opts = dict(base_url='https://acme.example', client_id='cid', client_secret=SECRET,
                token_cache_dir=str(tmp_path / 'cache'))
    opts.update(options)
    settings = resolve_connection(DictOptionAdapter(opts), {})
    transport = Transport(settings, sleep=lambda s: None, jitter=lambda a, b: 0)
    transport.session = FakeSession(script)
    return TokenProvider(settings, transport, clock=clock or Clock()), transport.session


def form_of(call):
    data = call['data']
    return data if isinstance(data, dict) else dict(urllib.parse.parse_qsl(data))


def test_client_credentials_request_is_form_encoded_post(tmp_path):
    tokens, session = provider([response(200, token_body(1))], tmp_path)
    assert tokens.get().access_token == 'access-token-1'
    call = session.calls[0]
    assert call['method'] == 'POST' and call['url'] == 'https://acme.example/oauth/token'
    assert form_of(call) == {'grant_type': 'client_credentials', 'client_id': 'cid', 'client_secret': SECRET}
    assert call['headers']['Content-Type'] == 'application/x-www-form-urlencoded'


def test_one_request_across_processes_thanks_to_disk_cache(tmp_path):
    tokens, session = provider([response(200, token_body(1))], tmp_path)
    tokens.get()
    for _task in range(5):
        _isc_auth.forget_memory()  # a new worker process starts with empty memory
        again, again_session = provider([], tmp_path)
        assert again.get().access_token == 'access-token-1'
        assert again_session.calls == []


def test_cache_is_private_and_holds_no_secret_and_no_token(tmp_path):
    tokens, _session = provider([response(200, token_body(1, refresh='refresh-token-xyz'))], tmp_path)
    tokens.get()
    directory = tmp_path / 'cache'
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entries = [p for p in directory.iterdir() if p.suffix == '.json']
    assert len(entries) == 1
    assert stat.S_IMODE(os.stat(entries[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory / 'cache.key').st_mode) == 0o600
    for path in directory.iterdir():
        raw = path.read_bytes()
        for value in (SECRET, 'access-token-1', 'refresh-token-xyz', 'cid'):
            assert value.encode() not in raw and value not in path.name
    assert set(json.loads(entries[0].read_text())) == {'v', 'n', 'c'}


def test_entry_name_is_keyed_by_the_cache_key_so_secrets_cannot_be_guessed_offline(tmp_path):
    """A plain hash of the credential as file name would let anyone who lists the directory test guesses of the
    secret; the name is an HMAC under the random key of this cache directory instead."""
    first, _s1 = provider([response(200, token_body(1))], tmp_path)
    first.get()
    identity, _material = credential_identity(first.settings)
    key = bytes.fromhex((tmp_path / 'cache' / 'cache.key').read_text())
    assert len(key) == 32
    expected = hmac.new(key, identity, hashlib.sha256).hexdigest()
    assert [p.name for p in (tmp_path / 'cache').glob('*.json')] == [expected + '.json']
    _isc_auth.forget_memory()
    other, _s2 = provider([response(200, token_body(2))], tmp_path, token_cache_dir=str(tmp_path / 'other'))
    other.get()
    assert [p.name for p in (tmp_path / 'other').glob('*.json')] != [expected + '.json']


def test_cache_entry_of_another_secret_is_not_readable(tmp_path):
    tokens, _session = provider([response(200, token_body(1))], tmp_path)
    tokens.get()
    cache = TokenCache(str(tmp_path / 'cache'))
    name = tokens._entry_name()
    assert cache.load(name, tokens._material, Token.from_dict).access_token == 'access-token-1'
    assert cache.load(name, b'wrong material', Token.from_dict) is None


def test_tampered_cache_entry_is_ignored(tmp_path):
    tokens, _session = provider([response(200, token_body(1)), response(200, token_body(2))], tmp_path)
    tokens.get()
    entry = next((tmp_path / 'cache').glob('*.json'))
    data = json.loads(entry.read_text())
    data['c'] = data['c'][:-4] + ('AAAA' if data['c'][-4:] != 'AAAA' else 'BBBB')
    entry.write_text(json.dumps(data))
    _isc_auth.forget_memory()
    again, session = provider([response(200, token_body(2))], tmp_path)
    assert again.get().access_token == 'access-token-2'


def test_different_secrets_use_different_entries(tmp_path):
    first, _s1 = provider([response(200, token_body(1))], tmp_path)
    second, _s2 = provider([response(200, token_body(2))], tmp_path, client_secret='another-secret')
    assert first.get().access_token == 'access-token-1'
    assert second.get().access_token == 'access-token-2'


def test_renewal_happens_before_expiry_with_refresh_token(tmp_path):
    clock = Clock()
    tokens, session = provider([response(200, token_body(1, expires_in=750, refresh='r1')),
                                response(200, token_body(2, expires_in=750, refresh='r2'))], tmp_path, clock)
    tokens.get()
    clock.now += 750 - 74  # 74 s left: under the margin of max(60 s, 10 % of 750 s) = 75 s
    assert tokens.get().access_token == 'access-token-2'
    assert form_of(session.calls[1]) == {'grant_type': 'refresh_token', 'refresh_token': 'r1', 'client_id': 'cid',
                                         'client_secret': SECRET}


def test_token_still_fresh_above_margin(tmp_path):
    clock = Clock()
    tokens, session = provider([response(200, token_body(1, expires_in=750))], tmp_path, clock)
    tokens.get()
    clock.now += 750 - 80
    assert tokens.get().access_token == 'access-token-1'
    assert len(session.calls) == 1


def test_refused_refresh_token_falls_back_to_client_credentials(tmp_path):
    clock = Clock()
    tokens, session = provider([response(200, token_body(1, refresh='r1')),
                                response(400, {'error': 'invalid_grant'}),
                                response(200, token_body(2))], tmp_path, clock)
    tokens.get()
    clock.now += 745
    assert tokens.get().access_token == 'access-token-2'
    assert form_of(session.calls[2])['grant_type'] == 'client_credentials'


def test_refresh_token_grant_and_authorization_code_grant_forms(tmp_path):
    tokens, session = provider([response(200, token_body(1))], tmp_path, grant_type='refresh_token',
                               refresh_token='user-refresh', client_secret=None)
    tokens.get()
    assert form_of(session.calls[0]) == {'grant_type': 'refresh_token', 'refresh_token': 'user-refresh',
                                         'client_id': 'cid'}
    tokens, session = provider([response(200, token_body(2))], tmp_path, grant_type='authorization_code',
                               code='the-code', redirect_uri='https://app/cb', code_verifier='verifier')
    tokens.get()
    assert form_of(session.calls[0]) == {'grant_type': 'authorization_code', 'code': 'the-code',
                                         'redirect_uri': 'https://app/cb', 'code_verifier': 'verifier',
                                         'client_id': 'cid', 'client_secret': SECRET}


def test_bad_credentials_give_clear_error_without_secret(tmp_path):
    tokens, _session = provider([response(401, {'error': 'invalid_client', 'error_description': 'Bad credentials'})],
                                tmp_path)
    with pytest.raises(IscError) as info:
        tokens.get()
    text = str(info.value)
    assert 'invalid_client' in text and 'client_id=cid' in text and SECRET not in text


def test_answer_without_access_token_is_an_error(tmp_path):
    tokens, _session = provider([response(200, {'token_type': 'bearer'})], tmp_path)
    with pytest.raises(IscError, match='without an access_token'):
        tokens.get()


def test_invalidate_drops_memory_and_disk(tmp_path):
    tokens, session = provider([response(200, token_body(1)), response(200, token_body(2))], tmp_path)
    first = tokens.get()
    tokens.invalidate(first)
    assert tokens.get().access_token == 'access-token-2'


def test_cache_disabled_asks_every_process(tmp_path):
    tokens, _s = provider([response(200, token_body(1))], tmp_path, token_cache=False)
    tokens.get()
    _isc_auth.forget_memory()
    again, session = provider([response(200, token_body(2))], tmp_path, token_cache=False)
    assert again.get().access_token == 'access-token-2'
    assert not (tmp_path / 'cache').exists()


def test_fixed_access_token_is_never_renewed(tmp_path):
    tokens, session = provider([], tmp_path, client_id=None, client_secret=None, access_token='given')
    assert tokens.get().access_token == 'given' and not tokens.can_renew
    tokens.invalidate(tokens.get())
    assert session.calls == []


def test_unusable_cache_dir_warns_and_still_works(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    tokens, _s = provider([response(200, token_body(1))], tmp_path, token_cache_dir=str(blocker / 'sub'))
    assert tokens.get().access_token == 'access-token-1'
    assert any('cannot be used' in w for w in tokens.warnings)


@pytest.mark.parametrize('lifetime, margin', [(750, 75), (43200, 4320), (300, 60), (60, 30), (4, 2)])
def test_renew_margin(lifetime, margin):
    assert renew_margin(lifetime) == margin


def test_token_round_trip_and_repr():
    token = Token('abc', expires_at=10.0, issued_at=0.0, refresh_token='r')
    assert Token.from_dict(token.to_dict()).to_dict() == token.to_dict()
    assert 'abc' not in repr(token)


def jwt(claims):
    def segment(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip('=')
    return '%s.%s.c2lnbmF0dXJl' % (segment({'alg': 'HS256', 'typ': 'JWT'}), segment(claims))


def test_answer_without_expires_in_uses_the_jwt_lifetime_counted_from_arrival(tmp_path):
    """exp - iat is the lifetime ISC gave the token; counted from our clock, a clock difference does not matter."""
    clock = Clock()
    issued_by_a_clock_an_hour_behind = clock.now - 3600
    access = jwt({'iat': issued_by_a_clock_an_hour_behind, 'exp': issued_by_a_clock_an_hour_behind + 750})
    tokens, session = provider([response(200, {'access_token': access, 'token_type': 'bearer'}),
                                response(200, token_body(2))], tmp_path, clock)
    token = tokens.get()
    assert token.expires_at == clock.now + 750
    clock.now += 750 - 80
    assert tokens.get().access_token == access and len(session.calls) == 1
    clock.now += 10  # 70 s left: inside the renewal margin of 75 s
    assert tokens.get().access_token == 'access-token-2'


def test_answer_without_expires_in_and_jwt_without_iat_uses_exp(tmp_path):
    clock = Clock()
    access = jwt({'exp': clock.now + 300})
    tokens, session = provider([response(200, {'access_token': access})], tmp_path, clock)
    assert tokens.get().expires_at == clock.now + 300
    clock.now += 200
    assert tokens.get().access_token == access and len(session.calls) == 1


@pytest.mark.parametrize('access', ['opaque-token-value', jwt({'sub': 'no-exp'}), jwt({'exp': 'tomorrow'})])
def test_token_of_unknown_lifetime_is_reused_for_60_seconds_across_processes(tmp_path, access):
    clock = Clock()
    tokens, session = provider([response(200, {'access_token': access, 'token_type': 'bearer'})], tmp_path, clock)
    first = tokens.get()
    assert first.expires_at is None and first.expires_in() is None  # no expiry is invented
    clock.now += 59
    _isc_auth.forget_memory()  # a later task: read from the cache
    again, again_session = provider([], tmp_path, clock)
    assert again.get().access_token == access and again_session.calls == []
    clock.now += 2  # 61 s after it was issued
    _isc_auth.forget_memory()
    later, later_session = provider([response(200, token_body(2))], tmp_path, clock)
    assert later.get().access_token == 'access-token-2' and len(later_session.calls) == 1


def test_expires_in_as_a_numeric_string_is_understood(tmp_path):
    clock = Clock()
    tokens, _session = provider([response(200, dict(token_body(1), expires_in='750'))], tmp_path, clock)
    assert tokens.get().expires_at == clock.now + 750


def test_settings_warnings_reach_the_face_through_the_provider(tmp_path):
    tokens, _session = provider([], tmp_path, base_url='https://insecure-warning.example', validate_certs=False)
    assert any('validate_certs is false' in w and 'insecure-warning.example' in w for w in tokens.warnings)
