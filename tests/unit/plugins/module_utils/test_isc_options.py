"""Option resolution: every bad combination fails before any request, with a message that says what to fix."""

from __future__ import annotations

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
