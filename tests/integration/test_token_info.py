"""isc_token_info in real ansible-playbook runs, on both execution paths."""

from __future__ import annotations

import pytest
import requests

from conftest import PATHS
from isc_playbook_runner import ADMIN, USER

pytestmark = pytest.mark.integration


def play(args='', check=False, extra=''):
    return '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: info
          sailpoint_isc.oauth.isc_token_info:
            %s
          register: info
          %s
    ''' % (args, extra)


def creds(tenant, who=None):
    who = who or ADMIN
    return dict(SAIL_BASE_URL=tenant.base_url, SAIL_CLIENT_ID=who['client_id'],
                SAIL_CLIENT_SECRET=who['client_secret'])


@PATHS
def test_pat_token_has_user_context(acme, ansible, inventory):
    run = ansible(play(), env=creds(acme), inventory=inventory).assert_ok()
    info = run.task('info')['result']
    assert info['changed'] is False
    assert info['has_user_context'] is True and info['user_name'] == 'admin'
    assert 'ORG_ADMIN' in info['authorities'] and info['client_id'] == 'admin-client-id'
    assert info['org'] and info['tenant_id'] and info['pod']
    assert info['expired'] is False and info['expires_in'] > 0 and info['expires_at'].endswith('Z')
    assert info['scopes'] and info['header']['alg']
    assert 'access_token' not in info and info['signature_verified'] is False
    # ansible-core 2.21 no longer returns invocation from modules; where it is returned, the secret is masked.
    assert info.get('invocation', {}).get('module_args', {}).get('client_secret') in (
        None, 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')


@PATHS
def test_api_client_token_has_no_user_context(acme, ansible, inventory):
    client = acme.create_client(name='info-client')
    who = dict(client_id=client['id'], client_secret=client['secret'])
    info = ansible(play(), env=creds(acme, who), inventory=inventory).assert_ok().task('info')['result']
    assert info['has_user_context'] is False and info['identity_id'] is None and info['user_name'] is None


def test_plain_user_pat_has_no_admin_authority(acme, ansible):
    info = ansible(play(), env=creds(acme, USER)).assert_ok().task('info')['result']
    assert info['user_name'] == 'user' and 'ORG_ADMIN' not in info['authorities']


@PATHS
def test_tenant_info_and_jwks_signature(acme, ansible, inventory):
    args = 'include_tenant_info: true\n            verify_signature: true\n            jwks_url: "%s/__emulator/jwks"' \
        % acme.base_url
    info = ansible(play(args), env=creds(acme), inventory=inventory).assert_ok().task('info')['result']
    assert info['signature_verified'] is True
    assert info['tenant_info']['tenantName'] == 'acme'
    assert info['tenant_info']['tokenEndpoint'] == acme.base_url + '/oauth/token'


def test_wrong_key_fails_clearly(acme, ansible):
    args = 'verify_signature: true\n            key: "not-the-key-0123456789-0123456789"'
    run = ansible(play(args), env=creds(acme))
    assert run.rc != 0
    result = run.task('info')['result']
    assert 'not valid' in result['msg'] or 'Cannot verify' in result['msg']
    assert 'not-the-key' not in run.output


def test_return_token_and_inspecting_a_given_token(acme, ansible, tmp_path):
    saved = tmp_path / 'token.txt'
    extra = 'no_log: true\n        - name: save\n          ansible.builtin.copy: {content: "{{ info.access_token }}", ' \
        'dest: "%s", mode: "0600"}\n          no_log: true' % saved
    run = ansible(play('return_token: true', extra=extra), env=creds(acme)).assert_ok()
    assert 'eyJ' not in run.output
    token = saved.read_text()
    assert token.count('.') == 2
    given = ansible(play('access_token: "{{ tok }}"'), extra_vars=dict(tok=token)).assert_ok()
    assert given.task('info')['result']['client_id'] == 'admin-client-id'


def test_expired_token_reported_and_fail_on_expired(acme, ansible, emulator):
    client = acme.create_client(name='one-second', accessTokenValiditySeconds=1)
    # Issued on a tenant clock 10 s behind this machine's: the token expired 9 s ago here, without waiting for it.
    emulator.set_clock_offset('acme', -10)
    token = requests.post(acme.base_url + '/oauth/token', timeout=10, data=dict(
        grant_type='client_credentials', client_id=client['id'], client_secret=client['secret'])).json()[
        'access_token']
    emulator.set_clock_offset('acme', 0)
    info = ansible(play('access_token: "{{ tok }}"'), extra_vars=dict(tok=token)).assert_ok().task('info')['result']
    assert info['expired'] is True and info['expires_in'] < 0
    run = ansible(play('access_token: "{{ tok }}"\n            fail_on_expired: true'), extra_vars=dict(tok=token))
    assert run.rc != 0 and 'expired at' in run.task('info')['result']['msg']


@PATHS
def test_malformed_token_fails_clearly(ansible, inventory):
    run = ansible(play('access_token: not-a-jwt'), inventory=inventory)
    assert run.rc != 0 and 'not a well-formed JWT' in run.task('info')['result']['msg']


@PATHS
def test_unknown_option_message_matches_ansible_module(ansible, inventory):
    run = ansible(play('bogus: 1\n            access_token: x.y.z'), inventory=inventory)
    assert run.rc != 0
    assert 'Unsupported parameters for (sailpoint_isc.oauth.isc_token_info) module: bogus' in \
        run.task('info')['result']['msg']


@PATHS
def test_check_mode_runs_normally(acme, ansible, inventory):
    run = ansible(play(), env=creds(acme), inventory=inventory, check=True).assert_ok()
    assert run.task('info')['result']['user_name'] == 'admin'


def test_module_defaults_group_and_task_environment(acme, ansible):
    playbook = '''
    - hosts: localhost
      gather_facts: false
      module_defaults:
        group/sailpoint_isc.oauth.isc:
          base_url: "%s"
          client_id: admin-client-id
      environment:
        SAIL_CLIENT_SECRET: admin-client-secret
      tasks:
        - name: info
          sailpoint_isc.oauth.isc_token_info:
          register: info
    ''' % acme.base_url
    assert ansible(playbook).assert_ok().task('info')['result']['user_name'] == 'admin'


def test_bad_connection_options_send_nothing(acme, ansible):
    run = ansible(play('base_url: "%s"\n            tenant: acme' % acme.base_url), env=creds(acme))
    assert run.rc != 0 and 'mutually exclusive' in run.task('info')['result']['msg']
    assert acme.requests() == []


def test_secrets_masked_in_results_at_vvvv(acme, ansible):
    run = ansible(play('client_secret: admin-client-secret\n            client_id: admin-client-id\n'
                       '            base_url: "%s"' % acme.base_url), verbosity=4).assert_ok()
    assert 'admin-client-secret' not in run.output
    assert 'eyJ' not in run.output
