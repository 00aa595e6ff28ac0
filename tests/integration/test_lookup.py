"""The isc_access_token lookup in real ansible-playbook runs against the emulator."""

from __future__ import annotations

import hashlib
import json
import base64
import secrets
import urllib.parse

import pytest
import requests

from conftest import files_text, leak_context, scan_for_leaks
from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

TOKEN_PLAY = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: get token
      ansible.builtin.set_fact:
        tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true) }}"
      no_log: true
    - name: show
      ansible.builtin.debug:
        msg: "{{ tok | dict2items | rejectattr('key', 'equalto', 'access_token') | items2dict }}"
'''


# For runs expected to fail: without no_log, so that ansible-core 2.16 shows the lookup's error (it hides the
# whole result of a failing no_log task); assert never prints the token itself.
ERROR_PLAY = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: get token
      ansible.builtin.assert:
        that: lookup('sailpoint_isc.oauth.isc_access_token', max_retries=max_retries | default(5)) | length > 0
'''


def env_for(tenant, **credentials):
    creds = credentials or ADMIN
    return dict(SAIL_BASE_URL=tenant.base_url, SAIL_CLIENT_ID=creds['client_id'],
                SAIL_CLIENT_SECRET=creds['client_secret'])


def test_client_credentials_with_pat_from_environment(acme, ansible):
    run = ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    info = run.task('show')['result']['msg']
    assert info['client_id'] == 'admin-client-id'
    assert info['has_user_context'] is True and info['user_name'] == 'admin'
    assert info['token_type'] == 'bearer' and info['expires_at'].endswith('Z') and info['expires_in'] > 0
    assert len(acme.token_requests()) == 1


def test_client_credentials_with_api_client_has_no_user_context(acme, ansible):
    client = acme.create_client(name='cc-client')
    run = ansible(TOKEN_PLAY, env=env_for(acme, client_id=client['id'], client_secret=client['secret'])).assert_ok()
    info = run.task('show')['result']['msg']
    assert info['client_id'] == client['id'] and info['has_user_context'] is False and info['identity_id'] is None


def test_options_from_variables_and_keyword_arguments(acme, ansible):
    play = '''
    - hosts: localhost
      gather_facts: false
      vars:
        tenant_url: "%s"
        isc_base_url: "{{ tenant_url }}"
        isc_client_id: admin-client-id
        vault_secret: admin-client-secret
        isc_client_secret: "{{ vault_secret }}"

      tasks:
        - name: from vars
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token') | length > 100
        - name: from keywords
          ansible.builtin.assert:
            that: >-
              lookup('sailpoint_isc.oauth.isc_access_token', base_url=isc_base_url,
              client_id='user-client-id', client_secret='user-client-secret') | length > 100
    ''' % acme.base_url
    ansible(play).assert_ok()
    assert sorted(r['client_id'] for r in acme.token_requests()) == ['admin-client-id', 'user-client-id']


def test_fifty_lookups_in_fifty_tasks_cost_one_token_request(acme, ansible):
    tasks = ''.join('''
        - name: use token %d
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token') is string
          no_log: true
''' % n for n in range(50))
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
''' + tasks
    ansible(play, env=env_for(acme)).assert_ok()
    assert len(acme.token_requests()) == 1


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
    ansible(play, env=env_for(acme), inventory=hosts, forks=6).assert_ok()
    assert len(acme.token_requests()) == 1


def test_token_cache_off_asks_every_task(acme, ansible):
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: one
          ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', token_cache=false) is string"}
          no_log: true
        - name: two
          ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', token_cache=false) is string"}
          no_log: true
    '''
    ansible(play, env=env_for(acme)).assert_ok()
    assert len(acme.token_requests()) == 2


def test_a_second_run_reuses_the_cached_token(acme, ansible):
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    assert len(acme.token_requests()) == 1


def test_renewal_before_expiry_with_refresh_token(acme, ansible, emulator):
    client = acme.create_client(name='short-lived', accessTokenValiditySeconds=2,
                                grantTypes=['CLIENT_CREDENTIALS', 'REFRESH_TOKEN'])
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: first
          ansible.builtin.set_fact: {t1: "{{ lookup('sailpoint_isc.oauth.isc_access_token') }}"}
          no_log: true
        - name: wait past the renewal margin (half the token's life)
          ansible.builtin.pause: {seconds: 1}
        - name: second
          ansible.builtin.set_fact: {t2: "{{ lookup('sailpoint_isc.oauth.isc_access_token') }}"}
          no_log: true
        - name: renewed
          ansible.builtin.assert: {that: t1 != t2}
    '''
    ansible(play, env=env_for(acme, client_id=client['id'], client_secret=client['secret'])).assert_ok()
    grants = [r.get('grant_type') for r in acme.token_requests() if r['client_id'] == client['id']]
    assert grants == ['client_credentials', 'refresh_token']


def test_refresh_token_grant(acme, ansible):
    client = acme.create_client(name='refresher', grantTypes=['CLIENT_CREDENTIALS', 'REFRESH_TOKEN'])
    first = requests.post(acme.base_url + '/oauth/token', timeout=10, data=dict(
        grant_type='client_credentials', client_id=client['id'], client_secret=client['secret'])).json()
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: exchange
          ansible.builtin.set_fact:
            tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', grant_type='refresh_token',
                     refresh_token=rt, return_full=true) }}"
          no_log: true
        - name: check
          ansible.builtin.assert: {that: [tok.client_id == cid, tok.access_token | length > 100]}
    '''
    ansible(play, env=env_for(acme, client_id=client['id'], client_secret=client['secret']),
            extra_vars=dict(rt=first['refresh_token'], cid=client['id'])).assert_ok()
    assert acme.token_requests()[-1]['grant_type'] == 'refresh_token'


@pytest.mark.parametrize('pkce', [False, True])
def test_authorization_code_exchange(acme, ansible, pkce):
    redirect = 'https://app.example/callback'
    client = acme.create_client(name='web-app', grantTypes=['AUTHORIZATION_CODE', 'REFRESH_TOKEN'],
                                redirectUris=[redirect])
    query = dict(client_id=client['id'], response_type='code', redirect_uri=redirect, state='xyz')
    verifier = None
    if pkce:
        verifier = secrets.token_urlsafe(48)
        query.update(code_challenge=base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                     .decode().rstrip('='), code_challenge_method='S256')
    answer = requests.get(acme.base_url + '/oauth/authorize', params=query, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers['Location']).query)['code'][0]
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: exchange
          ansible.builtin.set_fact:
            tok: "{{ lookup('sailpoint_isc.oauth.isc_access_token', grant_type='authorization_code', code=code,
                     redirect_uri=redirect, code_verifier=verifier | default(''), return_full=true) }}"
          no_log: true
        - name: check
          ansible.builtin.assert: {that: [tok.has_user_context, tok.user_name == 'user']}
    '''
    extra = dict(code=code, redirect=redirect)
    if verifier:
        extra['verifier'] = verifier
    ansible(play, env=env_for(acme, client_id=client['id'], client_secret=client['secret']),
            extra_vars=extra).assert_ok()


@pytest.mark.parametrize('options, message', [
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
])
def test_bad_options_fail_clearly_without_a_request(acme, ansible, options, message):
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: bad
          ansible.builtin.debug:
            msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token', **opts) }}"
    '''
    env = env_for(acme)
    if 'tenant' not in options and 'base_url' not in options:
        options = dict(options, base_url=acme.base_url)
    env.pop('SAIL_BASE_URL')
    if 'client_secret' in options:
        env.pop('SAIL_CLIENT_SECRET')
    run = ansible(play, env=env, extra_vars=dict(opts=options))
    assert run.rc != 0
    assert message in run.output
    assert acme.requests() == []


def test_neither_base_url_nor_tenant(acme, ansible):
    run = ansible(ERROR_PLAY, env=dict(SAIL_CLIENT_ID='x', SAIL_CLIENT_SECRET='y'))
    assert run.rc != 0 and 'No ISC tenant given' in run.output


def test_wrong_secret_gives_clear_error_without_the_secret(acme, ansible):
    run = ansible(ERROR_PLAY, env=env_for(acme, client_id='admin-client-id', client_secret='wrong-secret-123'))
    assert run.rc != 0
    assert 'invalid_client' in run.output and 'Hint' in run.output
    assert 'wrong-secret-123' not in run.output


def test_429_with_retry_after_then_success(acme, ansible, emulator):
    emulator.set_faults('acme', [dict(path='/oauth/token', action='status', status=429, retry_after=1, count=2)])
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    assert [r['status'] for r in acme.token_requests()] == [429, 429, 200]


def test_503_then_success(acme, ansible, emulator):
    emulator.set_faults('acme', [dict(path='/oauth/token', action='status', status=503, count=1)])
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    assert [r['status'] for r in acme.token_requests()] == [503, 200]


def test_connection_reset_on_token_request_is_retried(acme, ansible, emulator):
    emulator.set_faults('acme', [dict(path='/oauth/token', action='reset', count=1)])
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    assert len(acme.token_requests()) == 2


def test_retry_budget_exhausted_is_a_clear_error(acme, ansible, emulator):
    emulator.set_faults('acme', [dict(path='/oauth/token', action='status', status=429, retry_after=1, count=10)])
    run = ansible(ERROR_PLAY, env=env_for(acme), extra_vars=dict(max_retries=1))
    assert run.rc != 0
    assert 'HTTP 429' in run.output and 'rate limit' in run.output
    assert len(acme.token_requests()) == 2


def test_tls_with_ca_path_and_clear_failure_without(tls_emulator, ansible):
    env = dict(SAIL_BASE_URL=tls_emulator.base_urls['secure'], **{
        'SAIL_CLIENT_ID': ADMIN['client_id'], 'SAIL_CLIENT_SECRET': ADMIN['client_secret']})
    run = ansible(ERROR_PLAY, env=env, cache=False)
    assert run.rc != 0 and 'TLS error' in run.output and 'ca_path' in run.output
    ansible(TOKEN_PLAY, env=dict(env, ISC_CA_PATH=tls_emulator.ca_path), cache=False).assert_ok()


def test_no_secret_or_token_in_output_at_vvvv(acme, ansible):
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
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
          vars:
            bad_secret: "{{ lookup('env', 'BAD_SECRET') }}"
    '''
    # The wrong secret comes through the environment: written in the playbook, Ansible's own error
    # report would quote the template source; given with -e, -vvvv would echo the command line.
    run = ansible(play, env=dict(env_for(acme), BAD_SECRET='wrong-secret-987'), verbosity=4).assert_ok()
    issued = [r for r in run.results if r['task'] == 'token info'][0]['result']
    assert 'access_token' not in issued
    secrets_seen = [ADMIN['client_secret'], 'wrong-secret-987']
    texts = [run.output] + files_text(ansible.cache_dir)
    assert scan_for_leaks(texts, secrets_seen) == [], "\n=====\n".join(leak_context(texts, "wrong-secret-987", 800))
    assert 'eyJ' not in run.output  # no JWT at all in the output
    assert 'eyJ' not in ''.join(files_text(ansible.cache_dir))


def test_modules_and_lookups_share_one_token_and_the_cache_is_private(acme, ansible):
    import os
    import stat
    tasks = ''.join('''
        - name: info %d
          sailpoint_isc.oauth.isc_token_info:
        - name: lookup %d
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token') is string
          no_log: true
''' % (n, n) for n in range(10))
    ansible('''
    - hosts: localhost
      gather_facts: false
      tasks:
''' + tasks, env=env_for(acme)).assert_ok()
    assert len(acme.token_requests()) == 1
    directory = ansible.cache_dir
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    entries = [p for p in directory.iterdir() if p.is_file()]
    assert entries
    for entry in entries:
        assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
        content = entry.read_text()
        assert ADMIN['client_secret'] not in content and 'eyJ' not in content


def tls_env(tls_emulator):
    return dict(SAIL_BASE_URL=tls_emulator.base_urls['secure'], SAIL_CLIENT_ID=ADMIN['client_id'],
                SAIL_CLIENT_SECRET=ADMIN['client_secret'])


MISSPELT_VALIDATE_CERTS = {
    # how the value is given: (playbook, extra environment, extra vars, ansible.cfg text, where the message says)
    'keyword': ('''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: get token
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token', validate_certs='ture') | length > 0
    ''', {}, None, None, "validate_certs from the lookup keyword validate_certs is 'ture'"),
    'variable': (ERROR_PLAY, {}, dict(isc_validate_certs='enabled'), None,
                 "validate_certs from the variable isc_validate_certs is 'enabled'"),
    'ansible.cfg': (ERROR_PLAY, {}, None, '[sailpoint_isc]\nvalidate_certs = ture\n',
                    "validate_certs from the key validate_certs in the [sailpoint_isc] section of"),
    'environment': (ERROR_PLAY, dict(ISC_VALIDATE_CERTS='ture'), None, None,
                    "validate_certs from the environment variable ISC_VALIDATE_CERTS is 'ture'"),
}


@pytest.mark.parametrize('how', sorted(MISSPELT_VALIDATE_CERTS))
def test_a_misspelt_validate_certs_fails_instead_of_turning_verification_off(tls_emulator, ansible, tmp_path, how):
    """Against a certificate nobody trusts, validate_certs='ture' used to return a token: Ansible's lenient
    conversion had read it as false. Now it is an error naming the option and where the value came from."""
    playbook, env, extra_vars, config, message = MISSPELT_VALIDATE_CERTS[how]
    env = dict(tls_env(tls_emulator), **env)
    if config:
        config_file = tmp_path / 'ansible.cfg'
        config_file.write_text(config)
        env['ANSIBLE_CONFIG'] = str(config_file)
    tls_emulator.clear_requests('secure')
    run = ansible(playbook, env=env, extra_vars=extra_vars, cache=False)
    assert run.rc != 0
    assert message in run.output and 'which is not a boolean: use true or false' in run.output
    assert tls_emulator.requests('secure') == []  # no token request: nothing was sent at all


def test_validate_certs_false_is_warned_once_per_run(tls_emulator, ansible):
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: first lookup
          ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', validate_certs=false) is string"}
          no_log: true
        - name: second lookup
          ansible.builtin.assert: {that: "lookup('sailpoint_isc.oauth.isc_access_token', validate_certs=false) is string"}
          no_log: true
        - name: a module
          sailpoint_isc.oauth.isc_token_info:
            validate_certs: false
    '''
    run = ansible(play, env=tls_env(tls_emulator), verbosity=0).assert_ok()
    assert run.output.count('validate_certs is false') == 1, run.output
    assert ADMIN['client_secret'] not in run.output


@pytest.mark.parametrize('url', ['http://acme.example', 'http://10.1.2.3:8080'])
def test_plain_http_to_another_host_is_refused_by_the_lookup(ansible, url):
    run = ansible(ERROR_PLAY, env=dict(SAIL_BASE_URL=url, SAIL_CLIENT_ID='x', SAIL_CLIENT_SECRET='y'))
    assert run.rc != 0 and 'uses plain http://' in run.output and 'allow_insecure_http: true' in run.output


def test_a_password_in_base_url_is_refused_and_never_printed(acme, ansible):
    """In the lookup's error, and at -vvvv in the failed module's echoed options (invocation), on both paths."""
    password = 'S3cr/etPw'
    inventory = ('controller ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
                 'module_path ansible_connection=local_as_remote '
                 'ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    play = '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: lookup
          ansible.builtin.assert:
            that: lookup('sailpoint_isc.oauth.isc_access_token', base_url=url) | length > 0
          ignore_errors: true
        - name: module
          sailpoint_isc.oauth.isc_token_info:
            base_url: "{{ url }}"
          ignore_errors: true
    '''
    url = acme.base_url.replace('://', '://admin:%s@' % password)
    run = ansible(play, env=dict(SAIL_CLIENT_ID=ADMIN['client_id'], SAIL_CLIENT_SECRET=ADMIN['client_secret'],
                                 URL_PASSWORD=password),
                  extra_vars=dict(url=url), inventory=inventory)
    failures = [r for r in run.results if r['status'] == 'failed']
    assert len(failures) == 4, run.output[-5000:]
    for record in failures:
        assert 'must not contain user information' in record['result']['msg']
    assert 'invocation' in str(run.results)  # the echoed options are there, masked
    assert password not in run.output and password not in json.dumps(run.results)
    assert 'S3cr' not in run.output
    assert acme.requests() == []


@pytest.mark.parametrize('options, message', [
    (dict(timeout=1000000000000), 'timeout must be a positive number of seconds (a whole number), at most 3600'),
    (dict(max_retries=21), 'max_retries must be 0 or more (a whole number), at most 20, not 21'),
])
def test_module_bounds_are_checked_before_any_request_on_both_paths(acme, ansible, options, message):
    inventory = ('controller ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
                 'module_path ansible_connection=local_as_remote '
                 'ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
    play = """
    - hosts: all
      gather_facts: false
      tasks:
        - name: bounded
          sailpoint_isc.oauth.isc_token_info: "{{ opts }}"
          ignore_errors: true
    """
    run = ansible(play, env=env_for(acme), extra_vars=dict(opts=options), inventory=inventory)
    for host in ('controller', 'module_path'):
        record = run.task('bounded', host)
        assert record['status'] == 'failed' and message in record['result']['msg'], record
    assert acme.requests() == []


def test_an_empty_isc_validate_certs_keeps_verification_on(tls_emulator, ansible):
    """AWX injects empty variables for empty credential inputs; Ansible alone reads ISC_VALIDATE_CERTS='' as false."""
    run = ansible(ERROR_PLAY, env=dict(tls_env(tls_emulator), ISC_VALIDATE_CERTS=''), cache=False)
    assert run.rc != 0 and 'TLS error' in run.output


def test_an_empty_isc_ca_path_or_cache_dir_is_unset(acme, ansible, tmp_path):
    """Ansible resolves an empty path option to the current directory: ca_path failed as "not a file", and the
    token cache would have been written into the playbook's directory."""
    run = ansible(TOKEN_PLAY, env=dict(env_for(acme), ISC_CA_PATH='', ISC_TOKEN_CACHE_DIR='',
                                       XDG_CACHE_HOME=str(tmp_path / 'xdg'))).assert_ok()
    assert run.task('show')['result']['msg']['client_id'] == 'admin-client-id'
    assert list((tmp_path / 'xdg' / 'sailpoint_isc.oauth' / 'tokens').glob('*.json'))
    assert not [p for p in tmp_path.rglob('*.json') if p.parent.name.startswith('run-')]


@pytest.mark.parametrize('content', ['null', '[]'])
def test_a_damaged_cache_entry_is_replaced_not_fatal(acme, ansible, content):
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    entries = list(ansible.cache_dir.glob('*.json'))
    assert len(entries) == 1
    entries[0].write_text(content)
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()
    ansible(TOKEN_PLAY, env=env_for(acme)).assert_ok()  # the replaced entry serves the third run
    assert len(acme.token_requests()) == 2
