"""Option resolution: every bad combination fails before any request, with a message that says what to fix."""

from __future__ import annotations

import re

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

CREDS = dict(client_id='id', client_secret='s3cret')


def resolve(environ=None, **options):
    return resolve_connection(DictOptionAdapter(options), environ or {})


def test_tenant_expands_to_the_public_api_url():
    settings = resolve(tenant='Acme', **CREDS)
    assert settings.base_url == 'https://acme.api.identitynow.com'
    assert settings.token_url == 'https://acme.api.identitynow.com/oauth/token'


def test_base_url_trailing_slash_is_dropped_and_token_url_follows():
    settings = resolve(base_url='http://127.0.0.1:8080/', **CREDS)
    assert settings.base_url == 'http://127.0.0.1:8080'
    assert settings.token_url == 'http://127.0.0.1:8080/oauth/token'


def test_explicit_token_url_wins():
    settings = resolve(base_url='https://a.example', token_url='https://login.example/oauth/token', **CREDS)
    assert settings.token_url == 'https://login.example/oauth/token'


@pytest.mark.parametrize('options, environ, message', [
    (dict(base_url='https://a.example', tenant='acme', **CREDS), {}, 'mutually exclusive'),
    (dict(CREDS), {}, 'No ISC tenant given'),
    (dict(base_url='acme.api.identitynow.com', **CREDS), {}, 'must start with https://'),
    (dict(base_url='ftp://acme.example', **CREDS), {}, 'must start with https://'),
    (dict(base_url='https://', **CREDS), {}, 'must start with https://'),
    (dict(base_url='https://acme.example:notaport', **CREDS), {}, 'not a valid URL'),
    (dict(base_url='https://acme.example/?x=1', **CREDS), {}, 'query string'),
    (dict(base_url='https://acme example.com', **CREDS), {}, 'spaces or control characters'),
    (dict(base_url='https://acme.example\n/x', **CREDS), {}, 'spaces or control characters'),
    (dict(base_url='https://user:pw@acme.example', **CREDS), {}, 'user information'),
    (dict(tenant='acme.api.identitynow.com', **CREDS), {}, 'not a valid tenant name'),
    (dict(tenant='bad tenant', **CREDS), {}, 'not a valid tenant name'),
    (dict(tenant='acme', client_id='id'), {}, 'client_secret is required'),
    (dict(tenant='acme'), {}, 'No credentials given'),
    (dict(tenant='acme', client_secret='x'), {}, 'No credentials given'),
    (dict(tenant='acme', access_token='t', client_id='id'), {}, 'mutually exclusive'),
    (dict(tenant='acme', grant_type='refresh_token', client_id='id'), {}, 'refresh_token is required'),
    (dict(tenant='acme', grant_type='authorization_code', client_id='id'), {}, 'code and redirect_uri are required'),
    (dict(tenant='acme', grant_type='authorization_code', client_id='id', code='c'), {}, 'redirect_uri is required'),
    (dict(tenant='acme', grant_type='password', **CREDS), {}, 'grant_type must be one of'),
    (dict(tenant='acme', timeout=0, **CREDS), {}, 'timeout must be a positive'),
    (dict(tenant='acme', max_retries=-1, **CREDS), {}, 'max_retries must be 0 or more'),
    (dict(tenant='acme', ca_path='/nonexistent/ca.pem', **CREDS), {}, 'ca_path'),
    (dict(tenant='acme', token_url='not a url', **CREDS), {}, 'token_url'),
])
def test_bad_options_fail_with_a_clear_message(options, environ, message):
    with pytest.raises(IscOptionError, match=message):
        resolve(environ, **options)


def test_environment_fallbacks_are_the_ones_sailpoint_tools_use():
    settings = resolve({'SAIL_BASE_URL': 'https://env.example', 'SAIL_CLIENT_ID': 'eid',
                        'SAIL_CLIENT_SECRET': 'esecret'})
    assert (settings.base_url, settings.client_id, settings.client_secret) == (
        'https://env.example', 'eid', 'esecret')


def test_explicit_tenant_beats_injected_base_url_without_conflict():
    settings = resolve({'SAIL_BASE_URL': 'https://env.example'}, tenant='acme', **CREDS)
    assert settings.base_url == 'https://acme.api.identitynow.com'


def test_explicit_base_url_beats_injected_tenant():
    settings = resolve({'ISC_TENANT': 'other'}, base_url='https://a.example', **CREDS)
    assert settings.base_url == 'https://a.example'


def test_env_base_url_preferred_over_env_tenant():
    settings = resolve({'SAIL_BASE_URL': 'https://env.example', 'ISC_TENANT': 'other'}, **CREDS)
    assert settings.base_url == 'https://env.example'


def test_explicit_credentials_beat_an_injected_access_token():
    settings = resolve({'ISC_ACCESS_TOKEN': 'envtoken'}, tenant='acme', **CREDS)
    assert settings.access_token is None and settings.client_id == 'id'


def test_explicit_access_token_beats_injected_credentials():
    settings = resolve({'SAIL_CLIENT_ID': 'eid', 'SAIL_CLIENT_SECRET': 'es'}, tenant='acme', access_token='tok')
    assert settings.access_token == 'tok' and settings.client_id is None and settings.client_secret is None


def test_injected_access_token_is_used_when_nothing_else_is_given():
    settings = resolve({'ISC_ACCESS_TOKEN': 'envtoken', 'SAIL_CLIENT_ID': 'eid', 'SAIL_CLIENT_SECRET': 'es'},
                       tenant='acme')
    assert settings.access_token == 'envtoken'


def test_public_client_may_refresh_without_secret():
    settings = resolve(tenant='acme', grant_type='refresh_token', client_id='id', refresh_token='r')
    assert settings.client_secret is None and settings.refresh_token == 'r'


def test_repr_and_secret_list_never_leak_into_text():
    settings = resolve(tenant='acme', **CREDS)
    assert 's3cret' not in repr(settings)
    assert settings.secret_values() == ['s3cret']


def test_validate_certs_false_and_ca_path(tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('x')
    assert resolve(tenant='acme', validate_certs=False, **CREDS).verify is False
    assert resolve(tenant='acme', ca_path=str(ca), **CREDS).verify == str(ca)
    assert resolve(tenant='acme', **CREDS).verify is True


@pytest.mark.parametrize('value', ['9999-12-31T23:59:59-05:00', '0001-01-01T00:00:00+05:00', '2027-13-01', 'soon'])
def test_out_of_calendar_dates_are_clear_errors(value):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_validate import parse_datetime
    with pytest.raises(IscOptionError, match='is not an ISO 8601 date-time'):
        parse_datetime(value, 'expiration_date')


@pytest.fixture()
def warned_nothing_yet(monkeypatch):
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_options
    monkeypatch.setattr(_isc_options, '_WARNED', set())


@pytest.mark.parametrize('option, url', [
    ('base_url', 'http://acme.api.identitynow.com'),
    ('base_url', 'http://10.0.0.5:8080'),
    ('base_url', 'http://[2001:db8::1]'),
    ('base_url', 'http://localhost.evil.example'),
    ('base_url', 'http://128.0.0.1'),
    ('token_url', 'http://login.example/oauth/token'),
])
def test_plain_http_to_another_host_is_refused_before_any_request(option, url):
    options = dict(base_url='https://acme.example', **CREDS)
    options[option] = url
    with pytest.raises(IscOptionError, match=r"%s '%s' uses plain http:// .*allow_insecure_http: true" % (
            option, re.escape(url))):
        resolve(**options)


@pytest.mark.parametrize('url', ['http://127.0.0.1:8080', 'http://127.8.9.10', 'http://localhost:1', 'http://[::1]:80',
                                 'http://LOCALHOST'])
def test_plain_http_to_this_machine_is_allowed_without_a_warning(url, warned_nothing_yet):
    settings = resolve(base_url=url, **CREDS)
    assert settings.base_url.startswith('http://') and settings.warnings == []


def test_plain_http_opt_in_is_allowed_and_warned_once_per_process(warned_nothing_yet):
    first = resolve(base_url='http://isc.internal.example', allow_insecure_http=True, **CREDS)
    assert first.base_url == 'http://isc.internal.example'
    assert len(first.warnings) == 1
    assert 'allow_insecure_http is set' in first.warnings[0] and 'http://isc.internal.example' in first.warnings[0]
    again = resolve(base_url='http://isc.internal.example', allow_insecure_http=True, **CREDS)
    assert again.warnings == []


def test_validate_certs_false_warns_once_per_process_without_secrets(warned_nothing_yet):
    first = resolve(base_url='https://acme.example', validate_certs=False, **CREDS)
    assert len(first.warnings) == 1
    assert 'validate_certs is false' in first.warnings[0] and 'acme.example' in first.warnings[0]
    assert 's3cret' not in first.warnings[0]
    assert resolve(base_url='https://acme.example', validate_certs=False, **CREDS).warnings == []
    # Another host is another warning; verification on, or plain http to this machine, none.
    assert len(resolve(base_url='https://other.example', validate_certs=False, **CREDS).warnings) == 1
    assert resolve(base_url='https://third.example', **CREDS).warnings == []
    assert resolve(base_url='http://127.0.0.1:1', validate_certs=False, **CREDS).warnings == []


@pytest.mark.parametrize('url', ['https://admin:S3cr/etPw@acme.example', 'https://admin:S3cr%2FetPw@acme.example',
                                 'https://S3cr/etPw@acme.example', 'https://admin:S3cr/etPw@acme.example:notaport'])
def test_user_information_is_refused_and_its_password_never_echoed(url):
    with pytest.raises(IscOptionError) as info:
        resolve(base_url=url, **CREDS)
    error = info.value
    assert 'must not contain user information' in str(error)
    assert 'S3cr' not in str(error) and 'S3cr' not in repr(error.to_dict())
    # What the adapters mask in the echoed options (invocation): the password as written and decoded.
    assert any('S3cr' in value for value in error.no_log_values)
    assert all(value not in ('admin', '') for value in error.no_log_values)


@pytest.mark.parametrize('option, value, message', [
    ('timeout', 0, 'timeout must be a positive number of seconds'),
    ('timeout', 3601, 'at most 3600'),
    ('timeout', 10 ** 12, 'at most 3600, not 1000000000000'),
    ('timeout', 1e12, 'not 1000000000000.0'),
    ('timeout', 2.5, 'timeout must be'),
    ('timeout', True, 'not True'),
    ('timeout', '30', "not '30'"),
    ('max_retries', -1, 'max_retries must be 0 or more'),
    ('max_retries', 21, 'at most 20'),
    ('max_retries', 10 ** 6, 'at most 20'),
    ('max_retries', False, 'not False'),
])
def test_timeout_and_max_retries_bounds(option, value, message):
    with pytest.raises(IscOptionError, match=re.escape(message)):
        resolve(tenant='acme', **dict(CREDS, **{option: value}))


@pytest.mark.parametrize('option, value', [('timeout', 1), ('timeout', 3600), ('max_retries', 0),
                                           ('max_retries', 20)])
def test_bounds_are_inclusive(option, value):
    assert getattr(resolve(tenant='acme', **dict(CREDS, **{option: value})), option) == value


def test_a_resolution_that_fails_does_not_spend_the_once_per_process_warning(warned_nothing_yet):
    with pytest.raises(IscOptionError, match='ca_path'):
        resolve(base_url='https://acme.example', validate_certs=False, ca_path='/nonexistent/ca.pem', **CREDS)
    assert len(resolve(base_url='https://acme.example', validate_certs=False, **CREDS).warnings) == 1
