"""One way to give the connection: the isc_* variables the lookup reads serve every module, on both execution
paths, with one precedence (task argument > module_defaults > isc_* variable > environment > default); and login
options cannot be mistaken for the fields of an API client.

Every scenario is a case of one batch (``batch``: each on an inventory host and an emulator tenant of its own, in one
ansible-playbook run): variables are per host, and the environment a module reads comes from ``environment:`` on its
tasks. The lookup reads the controller's own environment, so the scenario where the environment serves modules and
the lookup alike is a second batch, in an environment of its own (``environment_run``).
"""

from __future__ import annotations

import json

import pytest

from case_tasks import tenant_url
from conftest import case_of
from isc_playbook_runner import ADMIN, Case

pytestmark = pytest.mark.integration

PATHS = pytest.mark.parametrize('path', ['controller', 'module'])


def echoed_options(result, path):
    """The options the module ran with, as Ansible echoes them (``invocation``); always there on the controller
    path, while ansible-core 2.21 no longer returns a module process's invocation to callbacks."""
    if path == 'controller':
        return result['invocation']['module_args']
    return result.get('invocation', {}).get('module_args')


INFO_AND_LOOKUP = '''
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


def assert_all_ok(case):
    """Every task of the case ran and succeeded (what a run's exit code 0 said of a playbook of its own)."""
    assert case.records and [r['status'] for r in case.records] == ['ok'] * len(case.records), case.records


CLIENT = dict(name='portal', description='d', access_type='ONLINE', access_token_validity_seconds=750, enabled=True)

CLIENT_FIELDS_AS_LOGIN_OPTIONS = {
    'grant-type-list': (dict(grant_type=['CLIENT_CREDENTIALS']), 'use grant_types: [CLIENT_CREDENTIALS]'),
    'grant-type-upper-case': (dict(grant_type='AUTHORIZATION_CODE', grant_types=['CLIENT_CREDENTIALS']),
                              'use grant_types: [AUTHORIZATION_CODE]'),
    'stray-redirect-uri': (
        dict(grant_types=['AUTHORIZATION_CODE'], redirect_uri='https://portal.example.com/cb'),
        'redirect_uri is set, but it is used only with grant_type=authorization_code and this task logs in with '
        'grant_type=client_credentials: remove it, or set grant_type: authorization_code; for the redirect_uris of '
        'the API client, use redirect_uris (a list)'),
}

VAULT_PASSWORD = 'correct horse'


def vault_block(tasks):
    """tasks in a block whose variables hold the client secret as an inline !vault value (the usual way to keep it
    in an inventory or a vars file), sealed with VAULT_PASSWORD."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    sealed = VaultLib([('default', VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(ADMIN['client_secret']).decode()
    return ('- name: with the secret from a vault-encrypted variable\n  vars:\n    isc_client_secret: !vault |\n' +
            ''.join('      %s\n' % line for line in sealed.splitlines()) + '  block:\n' +
            ''.join('    %s\n' % line if line else '\n' for line in tasks.strip('\n').splitlines()))


def connection_cases(emulator, tls_emulator):
    cases = Case.on_both_paths('inventory-variables', INFO_AND_LOOKUP, hostvars=dict(
        isc_base_url='{{ tenant_url }}'), prepare=tenant_url)
    cases += Case.on_both_paths('precedence', '''
- name: with the environment pointing elsewhere
  environment:
    SAIL_BASE_URL: http://127.0.0.1:9
    SAIL_CLIENT_ID: not-this-id
    SAIL_CLIENT_SECRET: not-this
  block:
    - name: variable over environment
      sailpoint_isc.oauth.isc_token_info: {}
    - name: task over variable
      sailpoint_isc.oauth.isc_token_info:
        base_url: "{{ dev_url }}"
    - name: module_defaults over variable
      sailpoint_isc.oauth.isc_token_info: {}
      module_defaults:
        group/sailpoint_isc.oauth.isc:
          base_url: "{{ dev_url }}"
''', hostvars=dict(dev_url=emulator.base_urls['dev']), prepare=lambda tenant: tenant.emulator.reset('dev'))
    # an inventory names the tenant; a task (or a lookup call) that gives base_url wins instead of conflicting
    cases += Case.on_both_paths('rival-claimed', '''
- name: info
  sailpoint_isc.oauth.isc_token_info:
    base_url: "{{ tenant_url }}"
  register: info
- name: lookup
  ansible.builtin.set_fact:
    full: "{{ lookup('sailpoint_isc.oauth.isc_access_token', base_url=tenant_url, return_full=true) }}"
  no_log: true
- name: same
  ansible.builtin.assert:
    that: full.org == info.org
''', hostvars=dict(isc_base_url=None, isc_tenant='acme'), prepare=tenant_url)
    cases += Case.on_both_paths(
        'tls-variables', INFO_AND_LOOKUP.replace('isc_token_info: {}', 'isc_token_info: {include_tenant_info: true}'),
        hostvars=dict(isc_base_url=tls_emulator.base_urls['secure'], isc_ca_path=tls_emulator.ca_path, isc_timeout=10,
                      isc_max_retries=1),
        prepare=lambda _tenant: tls_emulator.reset('secure'))
    cases += [Case('bad-variable', INFO_AND_LOOKUP, hostvars=dict(isc_timeout='soon'))]
    for name, (fields, _message) in sorted(CLIENT_FIELDS_AS_LOGIN_OPTIONS.items()):
        cases += Case.on_both_paths('client-fields-' + name, '''
- name: client
  sailpoint_isc.oauth.isc_oauth_client: %s
''' % json.dumps(dict(CLIENT, **fields)))
    cases += [
        Case('login-inputs-of-another-grant', '''
- name: info
  sailpoint_isc.oauth.isc_token_info:
    refresh_token: "{{ some_refresh_token }}"
''', hostvars=dict(some_refresh_token='r' * 40)),
        Case('lookup-login-inputs-of-another-grant', '''
- name: lookup
  ansible.builtin.debug:
    msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token', redirect_uri='https://app.example.com/cb') }}"
'''),
    ]
    cases += Case.on_both_paths('vault', vault_block(INFO_AND_LOOKUP), hostvars=dict(isc_client_secret=None))
    return cases


@pytest.fixture(scope='module')
def batch(run_cases, emulator, tls_emulator, tmp_path_factory):
    password = tmp_path_factory.mktemp('vault') / 'vault-password'
    password.write_text(VAULT_PASSWORD + '\n')
    return run_cases(connection_cases(emulator, tls_emulator), args=['--vault-password-file', str(password)])


@pytest.fixture(scope='module')
def environment_run(run_cases):
    """Modules on both paths and the lookup with no isc_base_url or isc_client_id variable: SAIL_BASE_URL (the tenant
    of environment-serves-controller) and SAIL_CLIENT_ID serve; the variable isc_client_secret beats
    SAIL_CLIENT_SECRET."""
    cases = Case.on_both_paths('environment-serves', INFO_AND_LOOKUP,
                               hostvars=dict(isc_base_url=None, isc_client_id=None))

    def environment(tenants):
        return dict(SAIL_BASE_URL=tenants['environment-serves-controller'].base_url,
                    SAIL_CLIENT_ID=ADMIN['client_id'], SAIL_CLIENT_SECRET='not-this')

    return run_cases(cases, environment=environment)


@PATHS
def test_inventory_variables_alone_give_modules_and_the_lookup_their_connection(batch, path):
    # templated variables: the URL comes from another variable, as group_vars often do
    case = case_of(batch, 'inventory-variables-' + path)
    assert_all_ok(case)
    assert case.task('info')['user_name'] == 'admin'
    assert ADMIN['client_secret'] not in batch.run.stdout  # a secret variable is no_log like a secret option
    echoed = echoed_options(case.task('info'), path)
    if echoed is not None:
        assert echoed['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


@PATHS
def test_precedence_task_then_module_defaults_then_variable_then_environment(batch, path):
    case = case_of(batch, 'precedence-' + path)
    assert_all_ok(case)
    assert case.task('variable over environment')['org'] == case.tenant.name
    assert case.task('task over variable')['org'] == 'dev'
    assert case.task('module_defaults over variable')['org'] == 'dev'


@PATHS
def test_a_task_or_keyword_claims_its_rival_from_the_variables(batch, path):
    case = case_of(batch, 'rival-claimed-' + path)
    assert_all_ok(case)
    assert case.task('info')['org'] == case.tenant.name
    echoed = echoed_options(case.task('info'), path)
    if echoed is not None:
        assert echoed['tenant'] is None


@PATHS
def test_environment_still_serves_when_no_variable_is_set(environment_run, path):
    case = case_of(environment_run, 'environment-serves-' + path)
    assert_all_ok(case)
    assert case.task('info')['org'] == environment_run['environment-serves-controller'].tenant.name


@PATHS
def test_tls_settings_from_variables(batch, tls_emulator, path):
    case = case_of(batch, 'tls-variables-' + path)
    assert_all_ok(case)
    result = case.task('info')
    assert result['tenant_info']['tenantName'] == 'secure'  # verified against the CA of isc_ca_path
    echoed = echoed_options(result, path)
    if echoed is not None:
        assert echoed['ca_path'] == tls_emulator.ca_path and echoed['timeout'] == 10


def test_a_bad_variable_value_names_the_variable(batch):
    case = case_of(batch, 'bad-variable')
    assert case.status('info') == 'failed'
    assert 'timeout from the variable isc_timeout' in case.task('info')['msg']
    assert case.requests() == []


@PATHS
@pytest.mark.parametrize('fields_id', list(CLIENT_FIELDS_AS_LOGIN_OPTIONS))
def test_client_fields_given_as_login_options_fail_before_any_request(batch, path, fields_id):
    case = case_of(batch, 'client-fields-%s-%s' % (fields_id, path))
    assert case.status('client') == 'failed'
    assert CLIENT_FIELDS_AS_LOGIN_OPTIONS[fields_id][1] in case.task('client')['msg']
    assert case.requests() == []


def test_login_inputs_of_another_grant_fail_naming_the_grant(batch):
    case = case_of(batch, 'login-inputs-of-another-grant')
    assert case.status('info') == 'failed'
    assert 'refresh_token is set, but it is used only with grant_type=refresh_token' in case.task('info')['msg']
    assert 'r' * 40 not in batch.run.output
    assert case.requests() == []


def test_the_lookup_refuses_login_inputs_of_another_grant_alike(batch):
    case = case_of(batch, 'lookup-login-inputs-of-another-grant')
    assert case.status('lookup') == 'failed'
    assert 'redirect_uri is set, but it is used only with grant_type=authorization_code' in case.task('lookup')['msg']
    assert case.requests() == []


@PATHS
def test_a_vault_encrypted_variable_serves_as_the_secret(batch, path):
    case = case_of(batch, 'vault-' + path)
    assert_all_ok(case)
    assert case.task('info')['user_name'] == 'admin'
    assert ADMIN['client_secret'] not in batch.run.stdout
