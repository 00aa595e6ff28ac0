"""async and become on every module: both take the module path (a module process, through ActionBase), with the
connection from isc_* variables, in check mode too, and leave no secret in the output or in any file they used."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import textwrap
import time

import pytest

from conftest import files_text, occurring
from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

SECRET = 'b' * 48  # the secret handed to isc_credential_files
MODULES = ('isc_token_info', 'isc_oauth_client', 'isc_oauth_client_info', 'isc_personal_access_token',
           'isc_personal_access_token_info', 'isc_credential_files')
# Made before the run for the info modules to find: every module runs at the same time as the others
# (see run_modules).
SEEN_CLIENT, SEEN_PAT = 'async-seen-client', 'async-seen-pat'


def module_args(module, directory):
    """One task per module; the create tasks return a new secret, so they are no_log as the docs advise."""
    return dict(
        isc_token_info={},
        isc_oauth_client=dict(name='async-client', description='made under async', grant_types=['CLIENT_CREDENTIALS'],
                              access_type='OFFLINE', access_token_validity_seconds=750, enabled=True),
        isc_oauth_client_info=dict(name=SEEN_CLIENT),
        isc_personal_access_token=dict(name='async-pat', user_aware_token_never_expires=True),
        isc_personal_access_token_info=dict(name=SEEN_PAT),
        isc_credential_files=dict(directory=str(directory), credentials=[
            dict(name='app', environment='dev', client_id='c1', client_secret=SECRET)]),
    )[module]


NO_LOG = ('isc_oauth_client', 'isc_personal_access_token')


def task(module, directory, keywords):
    body = '        - name: %s\n          sailpoint_isc.oauth.%s: %s\n          register: %s\n' % (
        module, module, json.dumps(module_args(module, directory)), module)
    if module in NO_LOG:
        body += '          no_log: true\n'
    return body + ''.join('          %s: %s\n' % item for item in keywords.items())


def play(tasks, strategy='linear'):
    return '- hosts: all\n  gather_facts: false\n  strategy: %s\n  tasks:\n%s' % (strategy, tasks)


def run_modules(ansible, tenant, directory, keywords, after=None, **kwargs):
    """Run every module with keywords (then after(module), more tasks) against tenant, each module on an inventory
    host of its own that includes only its own tasks, with the free strategy and a fork per host: the six modules,
    and the one-second polls of their async jobs, run side by side instead of one after the other.

    The connection comes from play variables only: no SAIL_* in the environment, nothing on the tasks."""
    tenant.create_client(name=SEEN_CLIENT)
    tenant.create_pat(name=SEEN_PAT)
    tenant.clear_requests()
    hosts = ''
    (directory.parent / 'tasks').mkdir(exist_ok=True)
    for module in MODULES:
        tasks_file = directory.parent / 'tasks' / ('%s.yml' % module)
        tasks_file.write_text(textwrap.dedent(task(module, directory, keywords) + (after(module) if after else '')))
        hosts += '%s ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" ' \
            'isc_module_tasks=%s\n' % (module, tasks_file)
    return ansible(play('        - name: the tasks of this host\'s module\n'
                        '          ansible.builtin.include_tasks: "{{ isc_module_tasks }}"\n', strategy='free'),
                   inventory=hosts, forks=len(MODULES), extra_vars=dict(
                       isc_base_url=tenant.base_url, isc_client_id=ADMIN['client_id'],
                       isc_client_secret=ADMIN['client_secret']), **kwargs)


def result_of(run, module, task_name=None):
    """The result of the named task (default: the module's) on the module's host."""
    return run.task(task_name or module, host=module)['result']


@pytest.fixture
def scratch(tmp_path):
    """Where Ansible keeps async job results and the module's temporary files, to scan them for secrets."""
    dirs = dict(async_dir=tmp_path / 'async', remote_tmp=tmp_path / 'remote-tmp', sink=tmp_path / 'sink')
    dirs['env'] = dict(ANSIBLE_ASYNC_DIR=str(dirs['async_dir']), ANSIBLE_REMOTE_TEMP=str(dirs['remote_tmp']))
    return dirs


def assert_no_secret_in_files(emulator, directories):
    """No secret in any file left below directories, once async_wrapper has removed its module's files.

    While a job runs, its module file (arguments included) sits in the remote temporary directory, as for any
    module; async_wrapper removes it when the job ends, just after the result the play waited for is written.
    """
    deadline = time.monotonic() + 15
    while any(files_text(d) for d in directories if 'remote' in d.name) and time.monotonic() < deadline:
        time.sleep(0.1)
    secrets = set(ADMIN.values()) | {SECRET} | set(s for s in emulator.all_issued_secrets() if len(s) >= 16)
    texts = [text for directory in directories for text in files_text(directory)]
    assert not [s[:6] for s in occurring(secrets, texts)], 'a secret was left in %s' % directories


def assert_all_modules_did_their_work(tenant, sink):
    state = tenant.emulator.state(tenant.name)
    assert [c['name'] for c in state['oauthClients'] if c['name'] == 'async-client'] == ['async-client']
    assert [t['name'] for t in state['personalAccessTokens'] if t['name'] == 'async-pat'] == ['async-pat']
    record = json.loads((sink / 'dev' / 'app.json').read_text())
    assert record['client_secret'] == SECRET


# su from root to root needs no password here; Ansible skips become to the same user unless told not to.
BECOME = {'become': 'true', 'become_method': 'su'}
BECOME_ENV = dict(ANSIBLE_BECOME_ALLOW_SAME_USER='1')


def test_every_module_with_async_poll_and_become(acme, ansible, scratch):
    run = run_modules(ansible, acme, scratch['sink'], dict(BECOME, **{'async': 60, 'poll': 1}),
                      env=dict(scratch['env'], **BECOME_ENV)).assert_ok()
    for module in MODULES:
        result = result_of(run, module)
        if module not in NO_LOG:
            assert result['finished'] == 1 and result['ansible_job_id'], result
    assert result_of(run, 'isc_token_info')['user_name'] == 'admin'
    assert result_of(run, 'isc_oauth_client_info')['oauth_clients'][0]['name'] == SEEN_CLIENT
    assert result_of(run, 'isc_personal_access_token_info')['personal_access_tokens'][0]['name'] == SEEN_PAT
    assert result_of(run, 'isc_credential_files')['written'] == [str(scratch['sink'] / 'dev' / 'app.json')]
    assert_all_modules_did_their_work(acme, scratch['sink'])
    # the module path: a module process started by async_wrapper, after the become step
    for module in MODULES:
        assert 'AnsiballZ_%s.py' % module in run.output
    assert 'async_wrapper.py' in run.output and 'BECOME-SUCCESS-' in run.output
    # Ansible removes a polled job's result once it is read; nothing with a secret stays behind
    assert_no_secret_in_files(acme.emulator, [scratch['async_dir'], scratch['remote_tmp']])


def wait_and_clean_up(module):
    """async_status until the module's background job has finished, then its cleanup."""
    return ('        - name: %s status\n          ansible.builtin.async_status:\n'
            '            jid: "{{ %s.ansible_job_id }}"\n          register: %s_status\n'
            '          until: %s_status.finished\n          retries: 100\n          delay: 0.2\n%s'
            '        - name: %s cleanup\n          ansible.builtin.async_status:\n'
            '            jid: "{{ %s.ansible_job_id }}"\n            mode: cleanup\n'
            % (module, module, module, module, '          no_log: true\n' if module in NO_LOG else '', module, module))


def test_every_module_in_the_background_then_async_status(acme, ansible, scratch):
    # every job is started in the background (poll: 0), then waited for with async_status and cleaned up
    run = run_modules(ansible, acme, scratch['sink'], {'async': 60, 'poll': 0}, after=wait_and_clean_up,
                      env=scratch['env']).assert_ok()
    for module in MODULES:
        if module not in NO_LOG:
            assert result_of(run, module)['started'] == 1
            assert result_of(run, module, '%s status' % module)['finished'] == 1
    assert result_of(run, 'isc_token_info', 'isc_token_info status')['user_name'] == 'admin'
    assert_all_modules_did_their_work(acme, scratch['sink'])
    # after mode=cleanup the job results, a new client secret among them, are gone from the async directory
    assert_no_secret_in_files(acme.emulator, [scratch['async_dir'], scratch['remote_tmp']])


def test_check_mode_on_the_module_path_changes_nothing(acme, ansible, scratch):
    # ActionBase passes check mode to the module process (async adds nothing to that, only waiting time)
    run = run_modules(ansible, acme, scratch['sink'], BECOME, env=dict(scratch['env'], **BECOME_ENV),
                      check=True).assert_ok()
    assert result_of(run, 'isc_token_info')['user_name'] == 'admin'
    assert result_of(run, 'isc_oauth_client')['changed'] is True  # would create, did not
    assert result_of(run, 'isc_credential_files')['changed'] is True  # would write, did not
    assert 'AnsiballZ_isc_credential_files.py' in run.output and 'BECOME-SUCCESS-' in run.output
    assert acme.writes() == []
    assert not scratch['sink'].exists()


@pytest.fixture
def unprivileged_python():
    """A Python that the user nobody can run (the test venv's lives below /root), or skip."""
    python = shutil.which('python3', path='/usr/bin:/bin')
    if not python or subprocess.run(['su', '-s', '/bin/sh', 'nobody', '-c', '%s -c pass' % python],
                                    capture_output=True, check=False).returncode:
        pytest.skip('no Python that the user nobody can run')
    return python


def test_become_runs_the_module_as_the_other_user(ansible, unprivileged_python, emulator):
    # The proof that become really switches user: the credential file belongs to nobody, not to root.
    shared = tempfile.mkdtemp(prefix='isc-become-')
    try:
        os.chmod(shared, 0o777)
        sink = os.path.join(shared, 'sink')
        inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % unprivileged_python
        run = ansible(play(task('isc_credential_files', sink, {'become': 'true', 'become_method': 'su',
                                                               'become_user': 'nobody',
                                                               'become_flags': "'-s /bin/sh'"})),
                      inventory=inventory).assert_ok()
        path = os.path.join(sink, 'dev', 'app.json')
        assert run.task('isc_credential_files')['result']['written'] == [path]
        assert os.stat(path).st_uid == pwd.getpwnam('nobody').pw_uid
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert SECRET not in run.output
    finally:
        shutil.rmtree(shared, ignore_errors=True)
