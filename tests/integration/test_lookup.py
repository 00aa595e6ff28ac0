"""The isc_access_token lookup in real ansible-playbook runs against the emulator.

Most scenarios are cases of one batch (``batch``: each case on an inventory host and an emulator tenant of its own,
all in one ansible-playbook run). The lookup runs on the controller and reads the controller's process environment
and ansible.cfg, which are the whole run's; so these stay runs of their own:

* ``second_run``, a batch in an environment of its own, after the first: what the first run left in token caches is
  read again (a second run reuses the token; a damaged entry is replaced), SAIL_* alone give a lookup its tenant and
  credentials, and the empty ISC_CA_PATH, ISC_TOKEN_CACHE_DIR and ISC_VALIDATE_CERTS that AWX injects count as unset;
* forks sharing one token request: only a play of its own has six forks start one task together (a batch's cases
  each include a task file of their own, and start their tasks whenever a fork is free);
* ISC_CA_PATH from the environment, and a misspelt validate_certs from the environment or from ansible.cfg.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import stat
import textwrap
import types
import urllib.parse
from pathlib import Path

import pytest
import requests

from case_tasks import tenant_url
from conftest import assert_no_leaks, case_of, files_text, leak_context, scan_for_leaks
from isc_emulator.tenant import TOKEN_PATH
from isc_playbook_runner import ADMIN, Case

# A token in the clear: a JWT's header and payload (base64 JSON, both "eyJ..."), each followed by a dot. An encrypted
# cache entry is base64 too, where a bare 'eyJ' turns up by chance (about once in a hundred entries).
JWT = re.compile(r'eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.')

pytestmark = pytest.mark.integration

TOKEN_TASKS = '''
- name: get token
  ansible.builtin.set_fact:
    tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true) }}"
  no_log: true
- name: show
  ansible.builtin.debug:
    msg: "{{ tok | dict2items | rejectattr('key', 'equalto', 'access_token') | items2dict }}"
'''

# For lookups expected to fail: without no_log, so that ansible-core 2.16 shows the lookup's error (it hides the
# whole result of a failing no_log task); assert never prints the token itself.
ERROR_TASKS = '''
- name: get token
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token', max_retries=max_retries | default(5)) | length > 0
'''


def play(tasks, hosts='localhost'):
    """A playbook running tasks (a task list) on hosts."""
    return '- hosts: %s\n  gather_facts: false\n  tasks:\n%s' % (hosts, textwrap.indent(textwrap.dedent(tasks), '    '))


TOKEN_PLAY = play(TOKEN_TASKS)
ERROR_PLAY = play(ERROR_TASKS)


def tls_env(tls_emulator):
    return dict(SAIL_BASE_URL=tls_emulator.base_urls['secure'], SAIL_CLIENT_ID=ADMIN['client_id'],
                SAIL_CLIENT_SECRET=ADMIN['client_secret'])


def token_requests(case, task=None):
    """The token requests a case (or one of its tasks) sent."""
    return [r for r in case.requests(task) if r['path'] == TOKEN_PATH]


def failure_message(case, task='get token'):
    """The error of a case's failed task."""
    assert case.status(task) == 'failed', case.task(task)
    return case.task(task)['msg']


def with_client(**fields):
    """prepare of a Case: an API client made on the tenant logs in (isc_client_id, isc_client_secret)."""
    def tenant_vars(tenant):
        client = tenant.create_client(**fields)
        return dict(isc_client_id=client['id'], isc_client_secret=client['secret'])
    return tenant_vars


def with_faults(*rules):
    """prepare of a Case: the tenant's token endpoint misbehaves as rules say."""
    return lambda tenant: tenant.emulator.set_faults(tenant.name, list(rules))


def refresh_token_vars(tenant):
    variables = with_client(name='refresher', grantTypes=['CLIENT_CREDENTIALS', 'REFRESH_TOKEN'])(tenant)
    first = tenant.grant(variables['isc_client_id'], variables['isc_client_secret'])
    return dict(variables, rt=first['refresh_token'], cid=variables['isc_client_id'])


def authorization_code_vars(pkce):
    """prepare of a Case: a web app client, and the code (with the PKCE verifier) the authorize endpoint handed out."""
    def tenant_vars(tenant):
        redirect = 'https://app.example/callback'
        variables = with_client(name='web-app', grantTypes=['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
                                redirectUris=[redirect])(tenant)
        query = dict(client_id=variables['isc_client_id'], response_type='code', redirect_uri=redirect, state='xyz')
        if pkce:
            variables['verifier'] = secrets.token_urlsafe(48)
            query.update(code_challenge=base64.urlsafe_b64encode(
                hashlib.sha256(variables['verifier'].encode()).digest()).decode().rstrip('='),
                code_challenge_method='S256')
        answer = requests.get(tenant.base_url + '/oauth/authorize', params=query, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, 'the emulator did not hand out an authorization code: %s' % answer.text
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers['Location']).query)['code'][0]
        return dict(variables, code=code, redirect=redirect)
    return tenant_vars


BAD_OPTIONS = [
    (dict(base_url='https://a.example', tenant='acme'), 'mutually exclusive'),
    (dict(base_url='not-a-url'), 'is not a valid URL'),
    (dict(client_secret=''), 'client_secret is required'),
    (dict(grant_type='refresh_token'), 'refresh_token is required'),
    (dict(grant_type='password'), 'grant_type'),
    (dict(timeout=3601), 'timeout must be a positive number of seconds (a whole number), at most 3600, not 3601'),
    (dict(timeout='1e12'), "timeout from the lookup keyword timeout is '1e12', which is not a whole number"),
    (dict(max_retries=1000000), 'max_retries must be 0 or more (a whole number), at most 20, not 1000000'),
    (dict(max_retries=True), 'max_retries from the lookup keyword max_retries is True, which is not a whole number'),
    (dict(base_url='http://acme.example'), "base_url 'http://acme.example' uses plain http://"),
]


def bad_options_case(number, options):
    """The options as lookup keywords, with the tenant's base_url unless they name a tenant themselves; the client
    id and secret come from variables, except a secret the keywords give."""
    def tenant_vars(tenant):
        named = 'tenant' in options or 'base_url' in options
        return dict(opts=options if named else dict(options, base_url=tenant.base_url))
    hostvars = dict(isc_base_url=None)
    if 'client_secret' in options:
        hostvars['isc_client_secret'] = None
    return Case('bad-options-%d' % number, '''
- name: bad
  ansible.builtin.debug:
    msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token', **opts) }}"
''', hostvars=hostvars, prepare=tenant_vars, compat=True)


FAULTS = {
    '429-then-success': dict(path=TOKEN_PATH, action='status', status=429, retry_after=1, count=2),
    '503-then-success': dict(path=TOKEN_PATH, action='status', status=503, count=1),
    'reset-then-success': dict(path=TOKEN_PATH, action='reset', count=1),
}

PLAIN_HTTP_URLS = ['http://acme.example', 'http://10.1.2.3:8080']

URL_PASSWORD = 'S3cr/etPw'

MODULE_BOUNDS = [
    (dict(timeout=1000000000000), 'timeout must be a positive number of seconds (a whole number), at most 3600'),
    (dict(max_retries=21), 'max_retries must be 0 or more (a whole number), at most 20, not 21'),
]

MISSPELT_VALIDATE_CERTS = {
    # how the value is given -> where the message says it came from
    'keyword': "validate_certs from the lookup keyword validate_certs is 'ture'",
    'variable': "validate_certs from the variable isc_validate_certs is 'enabled'",
    'ansible.cfg': "validate_certs from the key validate_certs in the [sailpoint_isc] section of",
    'environment': "validate_certs from the environment variable ISC_VALIDATE_CERTS is 'ture'",
}
# The run's own: its environment, its ansible.cfg (tried against the certificate nobody trusts).
MISSPELT_IN_A_RUN = {
    'ansible.cfg': (dict(), '[sailpoint_isc]\nvalidate_certs = ture\n'),
    'environment': (dict(ISC_VALIDATE_CERTS='ture'), None),
}

# Each leaves a token in a cache directory of its own, which the second run reads: damaged (by content) or not.
CACHED_FOR_THE_SECOND_RUN = {'second-run': None, 'damaged-null': 'null', 'damaged-list': '[]'}
DAMAGED = dict((content, name) for name, content in CACHED_FOR_THE_SECOND_RUN.items() if content)


def first_run_cases(tls_url, cache_root):
    """The cases of the first run; tls_url: the tenant with a certificate nobody trusts; cache_root: where the cases
    whose token cache is looked at (by a test, or by the second run) keep it, each in a directory of its own."""
    cases = [
        Case('api-client', TOKEN_TASKS, prepare=with_client(name='cc-client')),
        Case('variables-and-keywords', '''
- name: from vars
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token') | length > 100
- name: from keywords
  ansible.builtin.assert:
    that: >-
      lookup('sailpoint_isc.oauth.isc_access_token', base_url=isc_base_url,
      client_id='user-client-id', client_secret='user-client-secret') | length > 100
''', prepare=tenant_url, hostvars=dict(isc_base_url='{{ tenant_url }}', isc_client_id=ADMIN['client_id'],
                                       vault_secret=ADMIN['client_secret'], isc_client_secret='{{ vault_secret }}'),
             compat=True),
        Case('fifty-lookups', ''.join('''
- name: use token %d
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token') is string
  no_log: true
''' % n for n in range(50)), compat=True),
        Case('token-cache-off', '''
- name: one
  ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', token_cache=false) is string"}
  no_log: true
- name: two
  ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', token_cache=false) is string"}
  no_log: true
'''),
        Case('renewal', '''
- name: first
  ansible.builtin.set_fact: {t1: "{{ lookup('sailpoint_isc.oauth.isc_access_token') }}"}
  no_log: true
# Not pause: the free strategy of a batch cannot run it; not wait_for: a module process (~0.2 s CPU) for a sleep.
- name: wait past the renewal margin (half the token's life)
  ansible.builtin.debug: {msg: "{{ lookup('ansible.builtin.pipe', 'sleep 1') }}"}
- name: second
  ansible.builtin.set_fact: {t2: "{{ lookup('sailpoint_isc.oauth.isc_access_token') }}"}
  no_log: true
- name: renewed
  ansible.builtin.assert: {that: t1 != t2}
''', prepare=with_client(name='short-lived', accessTokenValiditySeconds=2,
                         grantTypes=['CLIENT_CREDENTIALS', 'REFRESH_TOKEN'])),
        Case('refresh-token-grant', '''
- name: exchange
  ansible.builtin.set_fact:
    tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', grant_type='refresh_token',
             refresh_token=rt, return_full=true) }}"
  no_log: true
- name: check
  ansible.builtin.assert: {that: [tok.client_id == cid, tok.access_token | length > 100]}
''', prepare=refresh_token_vars),
    ]
    cases += [Case('authorization-code-%s' % ('pkce' if pkce else 'plain'), '''
- name: exchange
  ansible.builtin.set_fact:
    tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', grant_type='authorization_code', code=code,
             redirect_uri=redirect, code_verifier=verifier | default(''), return_full=true) }}"
  no_log: true
- name: check
  ansible.builtin.assert: {that: [tok.has_user_context, tok.user_name == 'user']}
''', prepare=authorization_code_vars(pkce)) for pkce in (False, True)]
    cases += [bad_options_case(number, options) for number, (options, _message) in enumerate(BAD_OPTIONS)]
    cases += [
        Case('no-tenant', ERROR_TASKS, hostvars=dict(isc_base_url=None, isc_client_id='x', isc_client_secret='y')),
        Case('wrong-secret', ERROR_TASKS, hostvars=dict(isc_client_secret='wrong-secret-123')),
    ]
    cases += [Case(name, TOKEN_TASKS, prepare=with_faults(rule)) for name, rule in sorted(FAULTS.items())]
    cases += [
        Case('retry-budget-exhausted', ERROR_TASKS, hostvars=dict(max_retries=1), prepare=with_faults(
            dict(path=TOKEN_PATH, action='status', status=429, retry_after=1, count=10))),
        # The wrong secret comes from a variable: written in the task, Ansible's own error report would quote it.
        Case('no-secret-at-vvvv', '''
- name: token into a variable
  ansible.builtin.set_fact:
    tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true) }}"
  no_log: true
- name: token info
  sailpoint_isc.oauth.isc_token_info:
  register: info
- name: failing lookup with the secret in play
  ansible.builtin.debug:
    msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token', client_secret=bad_secret) }}"
  ignore_errors: true
''', hostvars=dict(bad_secret='wrong-secret-987', isc_token_cache_dir=str(cache_root / 'no-secret-at-vvvv')),
             compat=True),
        Case('modules-and-lookups', ''.join('''
- name: info %d
  sailpoint_isc.oauth.isc_token_info:
- name: lookup %d
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token') is string
  no_log: true
''' % (n, n) for n in range(10)), hostvars=dict(isc_token_cache_dir=str(cache_root / 'modules-and-lookups')),
            compat=True),
        # Over http to its own tenant: a misspelt value read as false would return a token there as well.
        Case('misspelt-keyword', '''
- name: get token
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token', validate_certs='ture') | length > 0
''', compat=True),
        Case('misspelt-variable', ERROR_TASKS, hostvars=dict(isc_validate_certs='enabled'), compat=True),
        # The only case of the run with validate_certs false: its warning is the run's only one.
        Case('validate-certs-false', '''
- name: first lookup
  ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', validate_certs=false) is string"}
  no_log: true
- name: second lookup
  ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', validate_certs=false) is string"}
  no_log: true
- name: a module
  sailpoint_isc.oauth.isc_token_info:
    validate_certs: false
''', hostvars=dict(isc_base_url=tls_url)),
    ]
    cases += [Case('plain-http-%d' % number, ERROR_TASKS,
                   hostvars=dict(isc_base_url=url, isc_client_id='x', isc_client_secret='y'))
              for number, url in enumerate(PLAIN_HTTP_URLS)]
    cases += Case.on_both_paths('password-in-url', '''
- name: lookup
  ansible.builtin.assert:
    that: lookup('sailpoint_isc.oauth.isc_access_token', base_url=url) | length > 0
  ignore_errors: true
- name: module
  sailpoint_isc.oauth.isc_token_info:
    base_url: "{{ url }}"
  ignore_errors: true
''', hostvars=dict(isc_base_url=None),
        prepare=lambda tenant: dict(url=tenant.base_url.replace('://', '://admin:%s@' % URL_PASSWORD)))
    cases += Case.on_both_paths('module-bounds', ''.join('''
- name: bounded %d
  sailpoint_isc.oauth.isc_token_info: "{{ opts }}"
  vars:
    opts: %s
  ignore_errors: true
''' % (number, json.dumps(options)) for number, (options, _message) in enumerate(MODULE_BOUNDS)))
    cases += [Case(name, TOKEN_TASKS, hostvars=dict(isc_token_cache_dir=str(cache_root / name)))
              for name in sorted(CACHED_FOR_THE_SECOND_RUN)]
    return cases


@pytest.fixture(scope='module')
def cache_root(tmp_path_factory):
    """The token cache directories of the cases whose cache is looked at, one each: the batch's own directory holds
    the entries of every case."""
    return tmp_path_factory.mktemp('token-caches')


@pytest.fixture(scope='module')
def batch(run_cases, emulator, tls_emulator, cache_root):
    first = run_cases(first_run_cases(tls_emulator.base_urls['secure'], cache_root))
    assert_no_leaks(emulator, first.run, [cache_root])  # run_cases scans the batch's own directories
    return first


@pytest.fixture(scope='module')
def second_run(batch, run_cases, tls_emulator, tmp_path_factory, cache_root):
    """The second run: in its environment SAIL_* name the tenant of the case pat-from-environment (which sets no
    isc_* variable) and ISC_CA_PATH, ISC_TOKEN_CACHE_DIR, ISC_VALIDATE_CERTS are empty; the cases that read a first
    run's cache name its tenant and directory in variables (which win over the environment); the entries of
    damaged-null and damaged-list are damaged before it, as the test once did between its runs. Returns the CaseRun
    (.batch), the entries each damaged cache had (.entries), the XDG cache home (.xdg)."""
    entries = {}
    for content, name in DAMAGED.items():
        found = list((cache_root / name).glob('*.json'))
        entries[content] = len(found)
        for entry in found:
            entry.write_text(content)
    again = '''
- name: get token again
  ansible.builtin.set_fact:
    tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token') }}"
  no_log: true
'''
    cases = [
        Case('pat-from-environment', TOKEN_TASKS,
             hostvars=dict(isc_base_url=None, isc_client_id=None, isc_client_secret=None)),
        Case('untrusted-certificate', ERROR_TASKS, hostvars=dict(isc_base_url=tls_emulator.base_urls['secure'])),
    ] + [Case(name + '-again', TOKEN_TASKS + (again if content else ''),
              hostvars=dict(isc_base_url=batch[name].tenant.base_url, isc_token_cache_dir=str(cache_root / name)))
         for name, content in sorted(CACHED_FOR_THE_SECOND_RUN.items())]
    xdg = tmp_path_factory.mktemp('xdg')

    def environment(tenants):
        return dict(tenants['pat-from-environment'].environment, ISC_CA_PATH='', ISC_TOKEN_CACHE_DIR='',
                    ISC_VALIDATE_CERTS='', XDG_CACHE_HOME=str(xdg))

    return types.SimpleNamespace(batch=run_cases(cases, environment=environment, scanned=[cache_root, xdg]),
                                 entries=entries, xdg=xdg)


def test_client_credentials_with_pat_from_environment(second_run):
    case = case_of(second_run.batch, 'pat-from-environment')
    info = case.task('show')['msg']
    assert info['client_id'] == 'admin-client-id'
    assert info['has_user_context'] is True and info['user_name'] == 'admin'
    assert info['token_type'] == 'bearer' and info['expires_at'].endswith('Z') and info['expires_in'] > 0
    assert len(token_requests(case)) == 1


def test_client_credentials_with_api_client_has_no_user_context(batch):
    case = case_of(batch, 'api-client')
    info = case.task('show')['msg']
    assert info['client_id'] == case.hostvars['isc_client_id']
    assert info['has_user_context'] is False and info['identity_id'] is None


def test_options_from_variables_and_keyword_arguments(batch):
    case = case_of(batch, 'variables-and-keywords')
    assert case.status('from vars') == 'ok' and case.status('from keywords') == 'ok'
    assert sorted(r['client_id'] for r in token_requests(case)) == ['admin-client-id', 'user-client-id']


def test_fifty_lookups_in_fifty_tasks_cost_one_token_request(batch):
    case = case_of(batch, 'fifty-lookups')
    assert [case.status('use token %d' % n) for n in range(50)] == ['ok'] * 50
    assert len(token_requests(case)) == 1


def test_parallel_forks_share_one_token_request(acme, ansible):
    hosts = ''.join('h%d ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n' % n
                    for n in range(6))
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: token per host
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token') is string
          no_log: true
    '''
    ansible(play, env=acme.environment, inventory=hosts, forks=6).assert_ok()
    assert len(acme.token_requests()) == 1


def test_token_cache_off_asks_every_task(batch):
    case = case_of(batch, 'token-cache-off')
    assert case.status('one') == 'ok' and case.status('two') == 'ok'
    assert len(token_requests(case)) == 2


def test_a_second_run_reuses_the_cached_token(batch, second_run):
    first = case_of(batch, 'second-run')  # its tenant served both runs
    assert case_of(second_run.batch, 'second-run-again').task('show')['msg']['org'] == first.tenant.name
    assert len(first.tenant.token_requests()) == 1


def test_renewal_before_expiry_with_refresh_token(batch):
    case = case_of(batch, 'renewal')
    assert case.status('renewed') == 'ok'
    client_id = case.hostvars['isc_client_id']
    grants = [r.get('grant_type') for r in token_requests(case) if r['client_id'] == client_id]
    assert grants == ['client_credentials', 'refresh_token']


def test_refresh_token_grant(batch):
    case = case_of(batch, 'refresh-token-grant')
    assert case.status('check') == 'ok'
    assert token_requests(case)[-1]['grant_type'] == 'refresh_token'


@pytest.mark.parametrize('pkce', [False, True])
def test_authorization_code_exchange(batch, pkce):
    case = case_of(batch, 'authorization-code-%s' % ('pkce' if pkce else 'plain'))
    assert case.status('exchange') == 'ok' and case.status('check') == 'ok'
    assert ('verifier' in case.hostvars) is pkce


@pytest.mark.parametrize('options, message', BAD_OPTIONS)
def test_bad_options_fail_clearly_without_a_request(batch, options, message):
    case = case_of(batch, 'bad-options-%d' % BAD_OPTIONS.index((options, message)))
    assert message in failure_message(case, 'bad')
    assert case.requests() == []


def test_neither_base_url_nor_tenant(batch):
    assert 'No ISC tenant given' in failure_message(case_of(batch, 'no-tenant'))


def test_wrong_secret_gives_clear_error_without_the_secret(batch):
    message = failure_message(case_of(batch, 'wrong-secret'))
    assert 'invalid_client' in message and 'Hint' in message
    assert 'wrong-secret-123' not in batch.run.output


def test_429_with_retry_after_then_success(batch):
    case = case_of(batch, '429-then-success')
    assert case.status('show') == 'ok'
    assert [r['status'] for r in token_requests(case)] == [429, 429, 200]


def test_503_then_success(batch):
    case = case_of(batch, '503-then-success')
    assert case.status('show') == 'ok'
    assert [r['status'] for r in token_requests(case)] == [503, 200]


def test_connection_reset_on_token_request_is_retried(batch):
    case = case_of(batch, 'reset-then-success')
    assert case.status('show') == 'ok'
    assert len(token_requests(case)) == 2


def test_retry_budget_exhausted_is_a_clear_error(batch):
    case = case_of(batch, 'retry-budget-exhausted')
    message = failure_message(case)
    assert 'HTTP 429' in message and 'rate limit' in message
    assert len(token_requests(case)) == 2


def test_tls_with_ca_path_and_clear_failure_without(second_run, tls_emulator, ansible):
    message = failure_message(case_of(second_run.batch, 'untrusted-certificate'))
    assert 'TLS error' in message and 'ca_path' in message
    ansible(TOKEN_PLAY, env=dict(tls_env(tls_emulator), ISC_CA_PATH=tls_emulator.ca_path), cache=False).assert_ok()


def test_no_secret_or_token_in_output_at_vvvv(batch):
    case = case_of(batch, 'no-secret-at-vvvv')
    assert case.status('token into a variable') == 'ok'
    assert case.status('failing lookup with the secret in play') == 'failed'
    assert 'access_token' not in case.task('token info')
    secrets_seen = [ADMIN['client_secret'], 'wrong-secret-987']
    cache_dir = Path(case.hostvars['isc_token_cache_dir'])
    texts = [batch.run.output] + files_text(cache_dir)
    assert scan_for_leaks(texts, secrets_seen) == [], "\n=====\n".join(leak_context(texts, "wrong-secret-987", 800))
    assert 'eyJ' not in batch.run.output  # no JWT at all in the output
    assert not JWT.search(''.join(files_text(cache_dir)))


def test_modules_and_lookups_share_one_token_and_the_cache_is_private(batch):
    case = case_of(batch, 'modules-and-lookups')
    assert [case.status('%s %d' % (kind, n)) for n in range(10) for kind in ('info', 'lookup')] == ['ok'] * 20
    assert len(token_requests(case)) == 1
    directory = Path(case.hostvars['isc_token_cache_dir'])  # the modules' too: they read the variable as well
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entries = [p for p in directory.iterdir() if p.is_file()]
    assert entries
    for entry in entries:
        assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
        content = entry.read_text()
        assert ADMIN['client_secret'] not in content and not JWT.search(content)


@pytest.mark.parametrize('how', sorted(MISSPELT_VALIDATE_CERTS))
def test_a_misspelt_validate_certs_fails_instead_of_turning_verification_off(batch, tls_emulator, ansible, tmp_path,
                                                                             how):
    """Against a certificate nobody trusts, validate_certs='ture' used to return a token: Ansible's lenient
    conversion had read it as false. Now it is an error naming the option and where the value came from."""
    if how in MISSPELT_IN_A_RUN:
        env, config = MISSPELT_IN_A_RUN[how]
        env = dict(tls_env(tls_emulator), **env)
        if config:
            config_file = tmp_path / 'ansible.cfg'
            config_file.write_text(config)
            env['ANSIBLE_CONFIG'] = str(config_file)
        tls_emulator.clear_requests('secure')
        run = ansible(ERROR_PLAY, env=env, cache=False)
        assert run.rc != 0
        output, sent = run.output, tls_emulator.requests('secure')
    else:
        case = case_of(batch, 'misspelt-' + how)
        output, sent = failure_message(case), case.requests()
    assert MISSPELT_VALIDATE_CERTS[how] in output and 'which is not a boolean: use true or false' in output
    assert sent == []  # no token request: nothing was sent at all


def test_validate_certs_false_is_warned_once_per_run(batch):
    case = case_of(batch, 'validate-certs-false')
    assert [case.status(task) for task in ('first lookup', 'second lookup', 'a module')] == ['ok'] * 3
    assert batch.run.output.count('validate_certs is false') == 1, batch.run.output
    assert ADMIN['client_secret'] not in batch.run.output


@pytest.mark.parametrize('url', PLAIN_HTTP_URLS)
def test_plain_http_to_another_host_is_refused_by_the_lookup(batch, url):
    message = failure_message(case_of(batch, 'plain-http-%d' % PLAIN_HTTP_URLS.index(url)))
    assert 'uses plain http://' in message and 'allow_insecure_http: true' in message


def test_a_password_in_base_url_is_refused_and_never_printed(batch):
    """In the lookup's error, and at -vvvv in the failed module's echoed options (invocation), on both paths."""
    cases = [case_of(batch, 'password-in-url-' + path) for path in ('controller', 'module')]
    records = [record for case in cases for record in case.records]
    failures = [r for r in records if r['status'] == 'failed']
    assert len(failures) == 4, batch.run.output[-5000:]
    for record in failures:
        assert 'must not contain user information' in record['result']['msg']
    assert 'invocation' in str(records)  # the echoed options are there, masked
    assert URL_PASSWORD not in batch.run.output and URL_PASSWORD not in json.dumps(records)
    assert 'S3cr' not in batch.run.output
    assert [case.requests() for case in cases] == [[], []]


@pytest.mark.parametrize('options, message', MODULE_BOUNDS)
def test_module_bounds_are_checked_before_any_request_on_both_paths(batch, options, message):
    task = 'bounded %d' % MODULE_BOUNDS.index((options, message))
    for path in ('controller', 'module'):
        case = case_of(batch, 'module-bounds-' + path)
        record = case.record(task)
        assert record['status'] == 'failed' and message in record['result']['msg'], record
        assert case.requests(task) == []


def test_an_empty_isc_validate_certs_keeps_verification_on(second_run):
    """AWX injects empty variables for empty credential inputs; Ansible alone reads ISC_VALIDATE_CERTS='' as false."""
    assert 'TLS error' in failure_message(case_of(second_run.batch, 'untrusted-certificate'))


def test_an_empty_isc_ca_path_or_cache_dir_is_unset(second_run):
    """Ansible resolves an empty path option to the current directory: ca_path failed as "not a file", and the
    token cache would have been written into the playbook's directory."""
    case = case_of(second_run.batch, 'pat-from-environment')
    assert case.task('show')['msg']['client_id'] == 'admin-client-id'
    assert list((second_run.xdg / 'sailpoint_isc.oauth' / 'tokens').glob('*.json'))
    assert not list(second_run.batch.run.work.glob('*.json'))  # the run's working directory


@pytest.mark.parametrize('content', ['null', '[]'])
def test_a_damaged_cache_entry_is_replaced_not_fatal(batch, second_run, content):
    assert second_run.entries[content] == 1
    again = case_of(second_run.batch, DAMAGED[content] + '-again')
    assert again.status('show') == 'ok'
    assert again.status('get token again') == 'ok'  # the replaced entry serves the next lookup
    first = case_of(batch, DAMAGED[content])  # its tenant served both runs
    assert len(first.tenant.token_requests()) == 2
