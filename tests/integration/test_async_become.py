"""async and become on every module: both take the module path (a module process, through ActionBase), with the
connection from isc_* variables, in check mode too, and leave no secret in the output or in any file they used.

The three scenarios on every module (async with polling and become, async in the background then async_status,
check mode with become) are cases of one batch (one ansible-playbook run, see Case in isc_playbook_runner): a host
and a tenant per scenario and module, each scenario with async and temporary directories of its own."""

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

from conftest import case_of, files_text, occurring
from isc_playbook_runner import ADMIN, Case

pytestmark = pytest.mark.integration

SECRET = 'b' * 48  # the secret handed to isc_credential_files
MODULES = ('isc_token_info', 'isc_oauth_client', 'isc_oauth_client_info', 'isc_personal_access_token',
           'isc_personal_access_token_info', 'isc_credential_files')
# Made before the run for the info modules to find.
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


def play(tasks):
    return '- hosts: all\n  gather_facts: false\n  tasks:\n%s' % tasks


def seed_seen(tenant):
    """prepare: what the info modules find."""
    tenant.create_client(name=SEEN_CLIENT)
    tenant.create_pat(name=SEEN_PAT)


def scenario_cases(scenario, scratch, keywords, after=None):
    """Every module with keywords (then after(module), more tasks) on a host and a tenant of its own, named
    scenario-module; Ansible keeps the scenario's async job results and module files in its directories of scratch
    (the host variables ansible_async_dir and ansible_remote_tmp), and isc_credential_files writes to its sink.

    The connection comes from the host's isc_* variables only: no SAIL_* in the environment, nothing on the tasks."""
    return [Case('%s-%s' % (scenario, module), textwrap.dedent(
        task(module, scratch['sink'], keywords) + (after(module) if after else '')),
        hostvars=dict(ansible_async_dir=str(scratch['async_dir']), ansible_remote_tmp=str(scratch['remote_tmp'])),
        prepare=seed_seen if module.endswith('_info') else None) for module in MODULES]


def result_of(batch, scenario, module, task_name=None):
    """The result of the named task (default: the module's) of the module's case in scenario."""
    return case_of(batch, '%s-%s' % (scenario, module)).task(task_name or module)


def output_of(batch, scenario, module=None):
    """The lines of the batch's output (-vvvv) that Ansible printed for the hosts of scenario (of module only)."""
    hosts = ['<%s-%s>' % (scenario, m) for m in ([module] if module else MODULES)]
    return '\n'.join(line for line in batch.run.output.splitlines() if line.startswith(tuple(hosts)))


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


def assert_all_modules_did_their_work(batch, scenario, sink):
    state = case_of(batch, scenario + '-isc_oauth_client').tenant.state()
    assert [c['name'] for c in state['oauthClients'] if c['name'] == 'async-client'] == ['async-client']
    state = case_of(batch, scenario + '-isc_personal_access_token').tenant.state()
    assert [t['name'] for t in state['personalAccessTokens'] if t['name'] == 'async-pat'] == ['async-pat']
    record = json.loads((sink / 'dev' / 'app.json').read_text())
    assert record['client_secret'] == SECRET


# su from root to root needs no password here; Ansible skips become to the same user unless told not to (a setting
# of the run: the background scenario has no become, so it is not affected).
BECOME = {'become': 'true', 'become_method': 'su'}
BECOME_ENV = dict(ANSIBLE_BECOME_ALLOW_SAME_USER='1')
SCENARIOS = ('poll', 'background', 'check')


@pytest.fixture(scope='module')
def scratch(tmp_path_factory):
    """Per scenario: where Ansible keeps async job results and the modules' temporary files (to scan them for
    secrets), and the directory isc_credential_files writes to."""
    dirs = {}
    for scenario in SCENARIOS:
        base = tmp_path_factory.mktemp(scenario)
        dirs[scenario] = dict(async_dir=base / 'async', remote_tmp=base / 'remote-tmp', sink=base / 'sink')
    return dirs


@pytest.fixture(scope='module')
def batch(run_cases, scratch):
    return run_cases(
        scenario_cases('poll', scratch['poll'], dict(BECOME, **{'async': 60, 'poll': 1})) +
        # every job is started in the background (poll: 0), then waited for with async_status and cleaned up
        scenario_cases('background', scratch['background'], {'async': 60, 'poll': 0}, after=wait_and_clean_up) +
        # ActionBase passes check mode to the module process (async adds nothing to that, only waiting time)
        scenario_cases('check', scratch['check'], dict(BECOME, check_mode='true')),
        environment=BECOME_ENV, forks=len(SCENARIOS) * len(MODULES))


def test_every_module_with_async_poll_and_become(batch, scratch, emulator):
    for module in MODULES:
        result = result_of(batch, 'poll', module)
        if module not in NO_LOG:
            assert result['finished'] == 1 and result['ansible_job_id'], result
    assert result_of(batch, 'poll', 'isc_token_info')['user_name'] == 'admin'
    assert result_of(batch, 'poll', 'isc_oauth_client_info')['oauth_clients'][0]['name'] == SEEN_CLIENT
    assert result_of(batch, 'poll', 'isc_personal_access_token_info')['personal_access_tokens'][0]['name'] == SEEN_PAT
    sink = scratch['poll']['sink']
    assert result_of(batch, 'poll', 'isc_credential_files')['written'] == [str(sink / 'dev' / 'app.json')]
    assert_all_modules_did_their_work(batch, 'poll', sink)
    # the module path: a module process started by async_wrapper, after the become step
    for module in MODULES:
        output = output_of(batch, 'poll', module)
        assert 'AnsiballZ_%s.py' % module in output
        assert 'async_wrapper.py' in output and 'BECOME-SUCCESS-' in output
    # Ansible removes a polled job's result once it is read; nothing with a secret stays behind
    assert_no_secret_in_files(emulator, [scratch['poll']['async_dir'], scratch['poll']['remote_tmp']])


def wait_and_clean_up(module):
    """async_status until the module's background job has finished, then its cleanup."""
    return ('        - name: %s status\n          ansible.builtin.async_status:\n'
            '            jid: "{{ %s.ansible_job_id }}"\n          register: %s_status\n'
            '          until: %s_status.finished\n          retries: 100\n          delay: 0.2\n%s'
            '        - name: %s cleanup\n          ansible.builtin.async_status:\n'
            '            jid: "{{ %s.ansible_job_id }}"\n            mode: cleanup\n'
            % (module, module, module, module, '          no_log: true\n' if module in NO_LOG else '', module, module))


def test_every_module_in_the_background_then_async_status(batch, scratch, emulator):
    for module in MODULES:
        result = result_of(batch, 'background', module)
        if module not in NO_LOG:
            assert result['started'] == 1
            assert result_of(batch, 'background', module, '%s status' % module)['finished'] == 1
    assert result_of(batch, 'background', 'isc_token_info', 'isc_token_info status')['user_name'] == 'admin'
    assert_all_modules_did_their_work(batch, 'background', scratch['background']['sink'])
    # after mode=cleanup the job results, a new client secret among them, are gone from the async directory
    assert_no_secret_in_files(emulator, [scratch['background']['async_dir'], scratch['background']['remote_tmp']])


def test_check_mode_on_the_module_path_changes_nothing(batch, scratch):
    assert result_of(batch, 'check', 'isc_token_info')['user_name'] == 'admin'
    assert result_of(batch, 'check', 'isc_oauth_client')['changed'] is True  # would create, did not
    assert result_of(batch, 'check', 'isc_credential_files')['changed'] is True  # would write, did not
    output = output_of(batch, 'check', 'isc_credential_files')
    assert 'AnsiballZ_isc_credential_files.py' in output and 'BECOME-SUCCESS-' in output
    for module in MODULES:
        assert case_of(batch, 'check-' + module).writes() == []
    assert not scratch['check']['sink'].exists()


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
