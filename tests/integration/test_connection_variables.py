"""One way to give the connection: the isc_* variables the lookup reads serve every module, on both execution
paths, with one precedence (task argument > module_defaults > isc_* variable > environment > default); and login
options cannot be mistaken for the fields of an API client."""

from __future__ import annotations

import json

import pytest

from conftest import CONTROLLER, execution_paths
from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

PATHS = execution_paths('host')


def inventory(host, **host_vars):
    return '%s %s\n' % (host, ' '.join('%s=%s' % (k, json.dumps(v)) for k, v in host_vars.items()))


def echoed_options(result, host):
    """The options the module ran with, as Ansible echoes them (``invocation``); always there on the controller
    path, while ansible-core 2.21 no longer returns a module process's invocation to callbacks."""
    if host == CONTROLLER:
        return result['invocation']['module_args']
    return result.get('invocation', {}).get('module_args')


INFO_AND_LOOKUP = '''
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      sailpoint_isc.oauth.isc_token_info: {}
      register: info
    - name: lookup
      ansible.builtin.set_fact:
        full: "{{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true) }}"
      no_log: true
    - name: same
      ansible.builtin.assert:
        that: full.client_id == info.client_id
'''


@PATHS
def test_inventory_variables_alone_give_modules_and_the_lookup_their_connection(acme, ansible, host):
    # templated variables: the URL comes from another variable, as group_vars often do
    run = ansible(INFO_AND_LOOKUP,
                  inventory=inventory(host, isc_base_url='{{ tenant_url }}', isc_client_id=ADMIN['client_id'],
                                      isc_client_secret=ADMIN['client_secret']),
                  extra_vars=dict(tenant_url=acme.base_url)).assert_ok()
    assert run.task('info')['result']['user_name'] == 'admin'
    assert ADMIN['client_secret'] not in run.stdout  # a secret variable is no_log like a secret option
    echoed = echoed_options(run.task('info')['result'], host)
    if echoed is not None:
        assert echoed['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


@PATHS
def test_precedence_task_then_module_defaults_then_variable_then_environment(emulator, acme, ansible, host):
    emulator.reset('dev')
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: variable over environment
          sailpoint_isc.oauth.isc_token_info: {}
          register: by_variable
        - name: task over variable
          sailpoint_isc.oauth.isc_token_info:
            base_url: "%(dev)s"
          register: by_task
        - name: module_defaults over variable
          sailpoint_isc.oauth.isc_token_info: {}
          register: by_defaults
          module_defaults:
            group/sailpoint_isc.oauth.isc:
              base_url: "%(dev)s"
    ''' % dict(dev=emulator.base_urls['dev'])
    env = dict(SAIL_BASE_URL='http://127.0.0.1:9', SAIL_CLIENT_ID='not-this-id', SAIL_CLIENT_SECRET='not-this')
    run = ansible(play, env=env, inventory=inventory(host, isc_base_url=acme.base_url,
                                                     isc_client_id=ADMIN['client_id'],
                                                     isc_client_secret=ADMIN['client_secret'])).assert_ok()
    assert run.task('variable over environment')['result']['org'] == 'acme'
    assert run.task('task over variable')['result']['org'] == 'dev'
    assert run.task('module_defaults over variable')['result']['org'] == 'dev'


@PATHS
def test_a_task_or_keyword_claims_its_rival_from_the_variables(acme, ansible, host):
    # an inventory names the tenant; a task (or a lookup call) that gives base_url wins instead of conflicting
    play = """
    - hosts: all
      gather_facts: false
      tasks:
        - name: info
          sailpoint_isc.oauth.isc_token_info:
            base_url: "%(url)s"
          register: info
        - name: lookup
          ansible.builtin.set_fact:
            full: "{{ lookup('sailpoint_isc.oauth.isc_access_token', base_url='%(url)s', return_full=true) }}"
          no_log: true
        - name: same
          ansible.builtin.assert:
            that: full.org == info.org
    """ % dict(url=acme.base_url)
    run = ansible(play, inventory=inventory(host, isc_tenant='acme', isc_client_id=ADMIN['client_id'],
                                            isc_client_secret=ADMIN['client_secret'])).assert_ok()
    assert run.task('info')['result']['org'] == 'acme'
    echoed = echoed_options(run.task('info')['result'], host)
    if echoed is not None:
        assert echoed['tenant'] is None


@PATHS
def test_environment_still_serves_when_no_variable_is_set(acme, ansible, host):
    env = dict(SAIL_BASE_URL=acme.base_url, SAIL_CLIENT_ID=ADMIN['client_id'], SAIL_CLIENT_SECRET='not-this')
    run = ansible(INFO_AND_LOOKUP, env=env,
                  inventory=inventory(host, isc_client_secret=ADMIN['client_secret'])).assert_ok()
    assert run.task('info')['result']['org'] == 'acme'


@PATHS
def test_tls_settings_from_variables(tls_emulator, ansible, host):
    tls_emulator.reset('secure')
    play = INFO_AND_LOOKUP.replace('isc_token_info: {}', 'isc_token_info: {include_tenant_info: true}')
    run = ansible(play, inventory=inventory(host, isc_base_url=tls_emulator.base_urls['secure'],
                                            isc_ca_path=tls_emulator.ca_path, isc_timeout=10, isc_max_retries=1,
                                            isc_client_id=ADMIN['client_id'],
                                            isc_client_secret=ADMIN['client_secret'])).assert_ok()
    result = run.task('info')['result']
    assert result['tenant_info']['tenantName'] == 'secure'  # verified against the CA of isc_ca_path
    echoed = echoed_options(result, host)
    if echoed is not None:
        assert echoed['ca_path'] == tls_emulator.ca_path and echoed['timeout'] == 10


def test_a_bad_variable_value_names_the_variable(acme, ansible):
    run = ansible(INFO_AND_LOOKUP, inventory=inventory(CONTROLLER, isc_base_url=acme.base_url, isc_timeout='soon',
                                                       isc_client_id=ADMIN['client_id'],
                                                       isc_client_secret=ADMIN['client_secret']))
    assert run.rc != 0
    assert 'timeout from the variable isc_timeout' in run.task('info')['result']['msg']
    assert acme.requests() == []


CLIENT = dict(name='portal', description='d', access_type='ONLINE', access_token_validity_seconds=750, enabled=True)


@PATHS
@pytest.mark.parametrize('fields, expected', [
    (dict(grant_type=['CLIENT_CREDENTIALS']), 'use grant_types: [CLIENT_CREDENTIALS]'),
    (dict(grant_type='AUTHORIZATION_CODE', grant_types=['CLIENT_CREDENTIALS']),
     'use grant_types: [AUTHORIZATION_CODE]'),
    (dict(grant_types=['AUTHORIZATION_CODE'], redirect_uri='https://portal.example.com/cb'),
     'redirect_uri is set, but it is used only with grant_type=authorization_code and this task logs in with '
     'grant_type=client_credentials: remove it, or set grant_type: authorization_code; for the redirect_uris of '
     'the API client, use redirect_uris (a list)'),
], ids=['grant-type-list', 'grant-type-upper-case', 'stray-redirect-uri'])
def test_client_fields_given_as_login_options_fail_before_any_request(acme, ansible, host, fields, expected):
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: client
          sailpoint_isc.oauth.isc_oauth_client: %s
    ''' % json.dumps(dict(CLIENT, **fields))
    run = ansible(play, inventory=inventory(host, isc_base_url=acme.base_url, isc_client_id=ADMIN['client_id'],
                                            isc_client_secret=ADMIN['client_secret']))
    assert run.rc != 0
    assert expected in run.task('client')['result']['msg']
    assert acme.requests() == []


def test_login_inputs_of_another_grant_fail_naming_the_grant(acme, ansible):
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: info
          sailpoint_isc.oauth.isc_token_info:
            refresh_token: "{{ some_refresh_token }}"
    '''
    run = ansible(play, inventory=inventory(CONTROLLER, isc_base_url=acme.base_url, isc_client_id=ADMIN['client_id'],
                                            isc_client_secret=ADMIN['client_secret']),
                  extra_vars=dict(some_refresh_token='r' * 40))
    assert run.rc != 0
    message = run.task('info')['result']['msg']
    assert 'refresh_token is set, but it is used only with grant_type=refresh_token' in message
    assert 'r' * 40 not in run.output
    assert acme.requests() == []


def test_the_lookup_refuses_login_inputs_of_another_grant_alike(acme, ansible):
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: lookup
          ansible.builtin.debug:
            msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token', redirect_uri='https://app.example.com/cb') }}"
    '''
    run = ansible(play, inventory=inventory(CONTROLLER, isc_base_url=acme.base_url, isc_client_id=ADMIN['client_id'],
                                            isc_client_secret=ADMIN['client_secret']))
    assert run.rc != 0
    assert 'redirect_uri is set, but it is used only with grant_type=authorization_code' in run.output
    assert acme.requests() == []


@PATHS
def test_a_vault_encrypted_variable_serves_as_the_secret(acme, ansible, host, tmp_path):
    # the usual way to keep a client secret in an inventory: an inline !vault value
    from ansible.parsing.vault import VaultLib, VaultSecret

    password = tmp_path / 'vault-password'
    password.write_text('correct horse\n')
    sealed = VaultLib([('default', VaultSecret(b'correct horse'))]).encrypt(ADMIN['client_secret']).decode()
    variables = tmp_path / 'vault-vars.yml'
    variables.write_text('isc_client_secret: !vault |\n' + ''.join('  %s\n' % line for line in sealed.splitlines()))
    play = INFO_AND_LOOKUP.replace('  gather_facts: false\n', '  gather_facts: false\n  vars_files: [%s]\n' % variables)
    run = ansible(play, inventory=inventory(host, isc_base_url=acme.base_url, isc_client_id=ADMIN['client_id']),
                  args=['--vault-password-file', str(password)]).assert_ok()
    assert run.task('info')['result']['user_name'] == 'admin'
    assert ADMIN['client_secret'] not in run.stdout
