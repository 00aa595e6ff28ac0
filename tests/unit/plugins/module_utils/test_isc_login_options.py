"""Login options cannot be mistaken for fields of the managed object (module_utils/_isc_login_options.py)."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_login_options import check_login_options
from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_oauth_client import SPEC as OAUTH_CLIENT
from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_token_info import SPEC as TOKEN_INFO

CLIENT_OPTIONS = OAUTH_CLIENT.own_argument_spec
INFO_OPTIONS = TOKEN_INFO.own_argument_spec


@pytest.mark.parametrize('value', [['CLIENT_CREDENTIALS'], ['client_credentials'], 'CLIENT_CREDENTIALS',
                                   'Authorization_Code', ('REFRESH_TOKEN', 'AUTHORIZATION_CODE')])
def test_client_grant_types_given_as_grant_type_point_at_grant_types(value):
    with pytest.raises(IscOptionError) as error:
        check_login_options(dict(grant_type=value), CLIENT_OPTIONS)
    message = str(error.value)
    assert 'grant_type is %r' % (value,) in message
    assert 'use grant_types: [' in message


def test_other_modules_are_told_the_login_grants_only():
    with pytest.raises(IscOptionError) as error:
        check_login_options(dict(grant_type=['CLIENT_CREDENTIALS']), INFO_OPTIONS)
    assert 'client_credentials, refresh_token, authorization_code' in str(error.value)
    assert 'grant_types' not in str(error.value)


@pytest.mark.parametrize('grant', [None, 'client_credentials', 'refresh_token', 'authorization_code'])
def test_login_grants_pass(grant):
    check_login_options(dict(grant_type=grant), CLIENT_OPTIONS)


@pytest.mark.parametrize('option, grant, used_by', [
    ('redirect_uri', None, 'authorization_code'),
    ('redirect_uri', 'refresh_token', 'authorization_code'),
    ('code', 'client_credentials', 'authorization_code'),
    ('code_verifier', 'refresh_token', 'authorization_code'),
    ('refresh_token', 'authorization_code', 'refresh_token'),
    ('refresh_token', None, 'refresh_token'),
])
def test_inputs_of_another_grant_fail_naming_the_grant(option, grant, used_by):
    with pytest.raises(IscOptionError) as error:
        check_login_options({option: 'x', 'grant_type': grant}, INFO_OPTIONS)
    message = str(error.value)
    assert message.startswith('%s is set' % option)
    assert 'used only with grant_type=%s' % used_by in message
    assert 'logs in with grant_type=%s' % (grant or 'client_credentials') in message


def test_a_stray_redirect_uri_points_at_redirect_uris_where_the_module_has_it():
    with pytest.raises(IscOptionError) as error:
        check_login_options(dict(redirect_uri='https://app.example.com/cb'), CLIENT_OPTIONS)
    assert 'use redirect_uris (a list)' in str(error.value)
    with pytest.raises(IscOptionError) as error:
        check_login_options(dict(redirect_uri='https://app.example.com/cb'), INFO_OPTIONS)
    assert 'redirect_uris' not in str(error.value)


def test_inputs_of_the_grant_in_use_pass():
    check_login_options(dict(grant_type='authorization_code', code='c', redirect_uri='https://a/cb', code_verifier='v'),
                        CLIENT_OPTIONS)
    check_login_options(dict(grant_type='refresh_token', refresh_token='r'), CLIENT_OPTIONS)


def test_a_value_from_a_variable_names_the_variable():
    with pytest.raises(IscOptionError, match='^the variable isc_code is set'):
        check_login_options(dict(code='c'), INFO_OPTIONS, origins=dict(code='isc_code'))


def test_secret_inputs_are_never_echoed():
    with pytest.raises(IscOptionError) as error:
        check_login_options(dict(refresh_token='very-secret-refresh-token'), INFO_OPTIONS)
    assert 'very-secret-refresh-token' not in str(error.value)
