"""isc_token_info in real ansible-playbook runs, on both execution paths.

Every scenario is a case of one batch: a single ansible-playbook run at -vvvv in which each case runs its tasks on an
inventory host and an emulator tenant of its own (see ``Case`` in isc_playbook_runner), as the tenant's admin (the
isc_* host variables) unless the case replaces or removes those variables. Each test's cases are added to CASES
right above it.
"""

from __future__ import annotations

import pytest

from case_tasks import failed, failing, keep, ok, task
from conftest import case_of
from isc_playbook_runner import ADMIN, EXECUTION_PATHS, USER, Case

pytestmark = pytest.mark.integration

TOKEN_INFO = 'isc_token_info'
PATH_NAMES = list(EXECUTION_PATHS)  # 'controller', 'module'
# Host variables of a case given no connection at all: a token to read offline, or options in the task itself.
NO_CONNECTION = dict(isc_base_url=None, isc_client_id=None, isc_client_secret=None)
NO_CREDENTIALS = dict(isc_client_id=None, isc_client_secret=None)
# The admin's secret for a case's own use, as a host variable: secrets stay out of task files, since Ansible quotes the
# lines around a failed task.
ADMIN_SECRET_VARIABLES = dict(admin_client_secret=ADMIN['client_secret'])

CASES = []


@pytest.fixture(scope='module')
def batch(run_cases):
    return run_cases(CASES)


CASES += Case.on_both_paths('admin-pat', task('info', TOKEN_INFO), compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_pat_token_has_user_context(batch, path):
    info = ok(case_of(batch, 'admin-pat-' + path), 'info')
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


def api_client_credentials(tenant):
    """The case authenticates as an API client made on its tenant."""
    client = tenant.create_client(name='info-client')
    return dict(isc_client_id=client['id'], isc_client_secret=client['secret'])


CASES += Case.on_both_paths('api-client', task('info', TOKEN_INFO), prepare=api_client_credentials)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_api_client_token_has_no_user_context(batch, path):
    info = ok(case_of(batch, 'api-client-' + path), 'info')
    assert info['has_user_context'] is False and info['identity_id'] is None and info['user_name'] is None


CASES.append(Case('plain-user', task('info', TOKEN_INFO),
                  hostvars=dict(isc_client_id=USER['client_id'], isc_client_secret=USER['client_secret'])))


def test_plain_user_pat_has_no_admin_authority(batch):
    info = ok(case_of(batch, 'plain-user'), 'info')
    assert info['user_name'] == 'user' and 'ORG_ADMIN' not in info['authorities']


CASES += Case.on_both_paths('tenant-info', task('info', TOKEN_INFO, dict(
    include_tenant_info=True, verify_signature=True, jwks_url='{{ isc_base_url }}/__emulator/jwks')))


@pytest.mark.parametrize('path', PATH_NAMES)
def test_tenant_info_and_jwks_signature(batch, path):
    case = case_of(batch, 'tenant-info-' + path)
    info = ok(case, 'info')
    assert info['signature_verified'] is True
    assert info['tenant_info']['tenantName'] == case.tenant.name
    assert info['tenant_info']['tokenEndpoint'] == case.tenant.base_url + '/oauth/token'


CASES.append(Case('wrong-key', failing('info', TOKEN_INFO, dict(
    verify_signature=True, key='not-the-key-0123456789-0123456789'))))


def test_wrong_key_fails_clearly(batch):
    result = failed(case_of(batch, 'wrong-key'), 'info')
    assert 'not valid' in result['msg'] or 'Cannot verify' in result['msg']
    assert 'not-the-key' not in batch.run.output


# The token is fetched with credentials given to the task, then read offline by a task with no credentials at all.
SAVED_TOKEN = 'token.txt'  # below the batch's work directory, the playbook's directory
CASES.append(Case('return-token', ''.join([
    task('info', TOKEN_INFO, dict(client_id=ADMIN['client_id'], client_secret='{{ admin_client_secret }}',
                                  return_token=True), register='info', no_log=True),
    keep('save', '{{ playbook_dir }}/' + SAVED_TOKEN, '{{ info.access_token }}'),
    task('given', TOKEN_INFO, dict(access_token='{{ info.access_token }}')),
]), hostvars=dict(NO_CREDENTIALS, **ADMIN_SECRET_VARIABLES)))


def test_return_token_and_inspecting_a_given_token(batch):
    case = case_of(batch, 'return-token')
    assert 'eyJ' not in batch.run.output
    token = (batch.run.work / SAVED_TOKEN).read_text()
    assert token.count('.') == 2
    assert ok(case, 'given')['client_id'] == 'admin-client-id'
    assert case.requests('given') == []


def expired_token(tenant):
    """A token of a client with 1-second tokens, issued on a tenant clock 10 s behind this machine's: it expired 9 s
    ago, without waiting for it. The case gets it as the host variable expired_token, and no connection."""
    client = tenant.create_client(name='one-second', accessTokenValiditySeconds=1)
    tenant.emulator.set_clock_offset(tenant.name, -10)
    token = tenant.grant(client['id'], client['secret'])['access_token']
    tenant.emulator.set_clock_offset(tenant.name, 0)
    return dict(NO_CONNECTION, expired_token=token)


CASES.append(Case('expired-token', task('info', TOKEN_INFO, dict(access_token='{{ expired_token }}')) +
                  failing('fail on expired', TOKEN_INFO, dict(access_token='{{ expired_token }}',
                                                              fail_on_expired=True)),
                  prepare=expired_token))


def test_expired_token_reported_and_fail_on_expired(batch):
    case = case_of(batch, 'expired-token')
    info = ok(case, 'info')
    assert info['expired'] is True and info['expires_in'] < 0
    assert 'expired at' in failed(case, 'fail on expired')['msg']


CASES += Case.on_both_paths('malformed-token', failing('info', TOKEN_INFO, dict(access_token='not-a-jwt')),
                            hostvars=NO_CONNECTION)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_malformed_token_fails_clearly(batch, path):
    assert 'not a well-formed JWT' in failed(case_of(batch, 'malformed-token-' + path), 'info')['msg']


CASES += Case.on_both_paths('unknown-option', failing('info', TOKEN_INFO, dict(bogus=1, access_token='x.y.z')),
                            hostvars=NO_CONNECTION, compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_unknown_option_message_matches_ansible_module(batch, path):
    assert 'Unsupported parameters for (sailpoint_isc.oauth.isc_token_info) module: bogus' in \
        failed(case_of(batch, 'unknown-option-' + path), 'info')['msg']


CASES += Case.on_both_paths('check-mode', task('info', TOKEN_INFO, check_mode=True), compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_check_mode_runs_normally(batch, path):
    assert ok(case_of(batch, 'check-mode-' + path), 'info')['user_name'] == 'admin'


# module_defaults and environment are play, block and task keywords: a block of the case's tasks has them here.
MODULE_DEFAULTS_BLOCK = '''
- name: connection from module_defaults and the environment
  module_defaults:
    group/sailpoint_isc.oauth.isc:
      base_url: "{{ tenant_url }}"
      client_id: admin-client-id
  environment:
    SAIL_CLIENT_SECRET: "{{ admin_client_secret }}"
  block:
    - name: info
      sailpoint_isc.oauth.isc_token_info:
'''
CASES.append(Case('module-defaults', MODULE_DEFAULTS_BLOCK, hostvars=ADMIN_SECRET_VARIABLES,
                  prepare=lambda tenant: dict(NO_CONNECTION, tenant_url=tenant.base_url), compat=True))


def test_module_defaults_group_and_task_environment(batch):
    assert ok(case_of(batch, 'module-defaults'), 'info')['user_name'] == 'admin'


CASES.append(Case('bad-connection-options', failing('info', TOKEN_INFO, dict(base_url='{{ isc_base_url }}',
                                                                             tenant='acme'))))


def test_bad_connection_options_send_nothing(batch):
    case = case_of(batch, 'bad-connection-options')
    assert 'mutually exclusive' in failed(case, 'info')['msg']
    assert case.requests() == []


CASES.append(Case('secrets-in-task-options', task('info', TOKEN_INFO, dict(
    client_secret=ADMIN['client_secret'], client_id=ADMIN['client_id'], base_url='{{ isc_base_url }}')),
    hostvars=NO_CREDENTIALS, compat=True))


def test_secrets_masked_in_results_at_vvvv(batch):
    ok(case_of(batch, 'secrets-in-task-options'), 'info')
    # The whole batch runs at -vvvv: no case of it may print the secret or a token.
    assert ADMIN['client_secret'] not in batch.run.output
    assert 'eyJ' not in batch.run.output
