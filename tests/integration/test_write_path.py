"""The write path under faults and real signals: no secret lost, no credential created twice.

Each test injects a fault through the emulator's control API (an error status, an answer that is late or lost) or
kills the whole ansible-playbook process group with SIGKILL at some point of a run, then runs again and checks
the invariants: every declared credential exists exactly once under its final name, the secret file of each holds
its id, and what an unfinished write left behind is removed (or adopted) and reported.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from isc_playbook_runner import ADMIN, BIN
from isc_playbook_runner import playbook_environment, write_inventory

pytestmark = pytest.mark.integration

CLIENT = dict(description='made by the write-path tests', grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
              access_token_validity_seconds=750, enabled=True)
PROVISIONAL = r' \((creating|rotating) [0-9a-f]{8}\)$'


def provision_play(names, secrets_dir, **role_vars):
    definitions = [dict(CLIENT, name=name) for name in names]
    play_vars = dict(api_clients_definitions=definitions, api_clients_secrets_dir=str(secrets_dir),
                     api_clients_environment='acme', **role_vars)
    return '''
    - hosts: localhost
      gather_facts: false
      vars: %s
      roles:
        - sailpoint_isc.oauth.api_clients
    ''' % json.dumps(play_vars)


def env(tenant):
    return dict(SAIL_BASE_URL=tenant.base_url, SAIL_CLIENT_ID=ADMIN['client_id'],
                SAIL_CLIENT_SECRET=ADMIN['client_secret'])


def summary(run):
    return [r['result']['api_clients_summary'] for r in run.results if r['result'].get('api_clients_summary')][-1]


def files_by_client_id(secrets_dir):
    found = {}
    for path in secrets_dir.rglob('*.json'):
        record = json.loads(path.read_text())
        found[record['client_id']] = (path, record)
    return found


def assert_converged(tenant, names, secrets_dir):
    """Each name exactly once, nothing provisional, and each client's secret file holds its id and a secret."""
    clients = tenant.emulator.state(tenant.name)['oauthClients']
    assert sorted(c['name'] for c in clients) == sorted(names), [c['name'] for c in clients]
    files = files_by_client_id(secrets_dir)
    for client in clients:
        assert client['id'] in files, 'no secret file holds the id of %r' % client['name']
        path, record = files[client['id']]
        assert record['name'] == client['name'] and record['client_secret']
        assert path.name == client['name'].replace(':', '%3A').replace(' ', '%20') + '.json'


def test_names_that_shared_a_file_before_get_one_each(acme, ansible, tmp_path):
    names = ['app:ci', 'app_ci', 'app ci', 'app-é', 'x' * 252]
    secrets_dir = tmp_path / 'secrets'
    ansible(provision_play(names, secrets_dir), env=env(acme)).assert_ok()
    files = files_by_client_id(secrets_dir)
    assert len(files) == len(names) == len(set(p for p, _r in files.values()))
    clients = dict((c['name'], c['id']) for c in acme.emulator.state('acme')['oauthClients'])
    for client_id, (path, record) in files.items():
        assert clients[record['name']] == client_id and len(path.name) < 255
    second = ansible(provision_play(names, secrets_dir), env=env(acme)).assert_ok()
    assert sorted(summary(second)['unchanged']) == sorted(names)


def test_names_that_would_share_a_file_fail_before_any_create(acme, ansible, tmp_path):
    run = ansible(provision_play(['App-CI', 'app-ci'], tmp_path / 'secrets'), env=env(acme))
    assert run.rc != 0 and "'App-CI' / 'app-ci'" in run.output
    assert acme.writes() == []


def test_a_secrets_dir_that_cannot_be_written_fails_before_any_create(acme, ansible, tmp_path):
    blocker = tmp_path / 'file-not-dir'
    blocker.write_text('')
    run = ansible(provision_play(['app-ci', 'app-portal'], blocker / 'secrets'), env=env(acme))
    assert run.rc != 0 and 'Cannot write credential files' in run.output
    assert acme.writes() == []


def test_recreate_whose_create_fails_keeps_the_old_client(acme, ansible, emulator, tmp_path):
    secrets_dir = tmp_path / 'secrets'
    ansible(provision_play(['app-ci'], secrets_dir), env=env(acme)).assert_ok()
    old = acme.emulator.state('acme')['oauthClients'][0]
    emulator.set_faults('acme', [dict(method='POST', path='/oauth-clients/v1', action='status', status=500,
                                      count=1)])
    definitions = [dict(CLIENT, name='app-ci', scope=['idn:sources:read'], recreate=True)]
    play = provision_play([], secrets_dir).replace('"api_clients_definitions": []',
                                                   '"api_clients_definitions": %s' % json.dumps(definitions))
    run = ansible(play, env=env(acme))
    assert run.rc != 0 and 'app-ci' in run.output
    assert [c['id'] for c in acme.emulator.state('acme')['oauthClients']] == [old['id']]
    ansible(play, env=env(acme)).assert_ok()
    assert_converged(acme, ['app-ci'], secrets_dir)
    assert acme.emulator.state('acme')['oauthClients'][0]['id'] != old['id']


def test_pat_role_failure_in_one_rotation_loses_no_other_secret(acme, ansible, emulator, tmp_path):
    names = ['job-a', 'job-b', 'job-c']
    for name in names:
        acme.api('POST', '/personal-access-tokens/v1', json=dict(name=name, userAwareTokenNeverExpires=True))
    old = dict((t['name'], t['id']) for t in my_tokens(acme))
    emulator.set_faults('acme', [dict(method='DELETE', path='/personal-access-tokens/v1/' + old['job-b'],
                                      action='status', status=500, count=10)])
    secrets_dir = tmp_path / 'secrets'
    play = '''
    - hosts: localhost
      gather_facts: false
      vars: %s
      roles:
        - sailpoint_isc.oauth.personal_access_tokens
    ''' % json.dumps(dict(personal_access_tokens_rotate=names, personal_access_tokens_rotate_now=True,
                          personal_access_tokens_secrets_dir=str(secrets_dir),
                          personal_access_tokens_environment='acme'))
    run = ansible(play, env=env(acme))
    assert run.rc != 0 and 'job-b' in run.output and 'need attention' in run.output
    tokens = dict((t['name'], t['id']) for t in my_tokens(acme))
    for name in ('job-a', 'job-c'):
        record = json.loads((secrets_dir / 'acme' / (name + '.json')).read_text())
        assert tokens[name] == record['client_id'] != old[name]
    # job-b: its replacement's secret is on disk, the old token still works, and the next run finishes the job.
    record_b = json.loads((secrets_dir / 'acme' / 'job-b.json').read_text())
    assert tokens['job-b'] == old['job-b'] and record_b['client_id'] in tokens.values()
    emulator.clear_faults('acme')
    play_again = play.replace('"personal_access_tokens_rotate_now": true', '"personal_access_tokens_rotate_now": false')
    ansible(play_again, env=env(acme)).assert_ok()
    tokens = dict((t['name'], t['id']) for t in my_tokens(acme))
    assert sorted(tokens) == names and tokens['job-b'] == record_b['client_id']


def my_tokens(tenant):
    """The admin's tokens, without the one the emulator seeds for the admin itself."""
    return [t for t in tenant.api('GET', '/personal-access-tokens/v1', params={'owner-id': 'me'})
            if not t['name'].startswith('seed-')]


def start_playbook(ansible_run, collections_path, tmp_path, play, tenant):
    """ansible-playbook in its own process group (as a CI job or a terminal runs it), for killing it whole."""
    work = tmp_path / 'killed'
    work.mkdir(exist_ok=True)
    (work / 'playbook.yml').write_text(play)
    write_inventory(None, work)
    run_env = playbook_environment(collections_path, work, token_cache_dir=ansible_run.cache_dir, extra=env(tenant))
    return subprocess.Popen([str(BIN / 'ansible-playbook'), '-i', 'inventory.ini', 'playbook.yml'],
                            cwd=str(work), env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def descendants(pid):
    """Every process below pid (ansible-core's task workers call setsid, so a process-group kill misses them)."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as handle:
                    parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_when(process, condition, everything=True, timeout=120):
    """SIGKILL once condition() holds: the process group, and with everything also every task worker below it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            workers = descendants(process.pid) if everything else []
            os.killpg(process.pid, signal.SIGKILL)
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait(timeout=30)
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    raise AssertionError('the condition was not reached in %d s' % timeout)


@pytest.mark.parametrize('everything', [True, False], ids=['with-workers', 'group-only'])
@pytest.mark.parametrize('kill_after', [('POST', 1), ('PATCH', 2), ('POST', 5), ('PATCH', 7)],
                         ids=['after-1st-create', 'after-2nd-rename', 'after-5th-create', 'after-7th-rename'])
def test_kill_9_of_the_whole_run_then_rerun_converges(
        acme, ansible, emulator, collections_path, tmp_path, kill_after, everything):
    """Killed with its task workers (a crash), or only its process group (a cancelled job whose detached worker
    finishes the task it had begun while the rerun starts: the write lock keeps them from creating twice)."""
    names = ['app-%02d' % n for n in range(10)]
    secrets_dir = tmp_path / 'secrets'
    # Slow every answer a little, so the kill lands in the middle of the run and not after it.
    emulator.set_faults('acme', [dict(path_regex='^/oauth-clients/v1', action='delay', delay=0.15)])
    method, count = kill_after

    def reached():
        return len([r for r in acme.requests() if r['method'] == method and
                    r['path'].startswith('/oauth-clients/v1')]) >= count
    process = start_playbook(ansible, collections_path, tmp_path, provision_play(names, secrets_dir), acme)
    assert kill_when(process, reached, everything), 'the run ended before the kill'
    emulator.clear_faults('acme')
    rerun = ansible(provision_play(names, secrets_dir), env=env(acme)).assert_ok()
    assert_converged(acme, names, secrets_dir)
    report = summary(rerun)
    for entry in report['recovered']:
        assert entry['action'] in ('deleted', 'adopted')
    third = ansible(provision_play(names, secrets_dir), env=env(acme)).assert_ok()
    assert sorted(summary(third)['unchanged']) == names


HELD_BACK = 4  # seconds the emulator holds the request the kill lands in


@pytest.mark.parametrize('step', ['create', 'delete', 'rename'])
def test_kill_9_during_a_pat_rotation_then_rerun_converges(
        acme, ansible, emulator, collections_path, tmp_path, step):
    acme.api('POST', '/personal-access-tokens/v1', json=dict(name='ci', userAwareTokenNeverExpires=True))
    old_id = my_tokens(acme)[0]['id']
    secret_file = tmp_path / 'secrets' / 'ci.json'
    method = {'create': 'POST', 'delete': 'DELETE', 'rename': 'PATCH'}[step]
    emulator.set_faults('acme', [dict(method=method, path_regex='^/personal-access-tokens/v1', action='delay',
                                      delay=HELD_BACK, count=1)])
    play = '''
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: rotate
          sailpoint_isc.oauth.isc_personal_access_token:
            name: ci
            regenerate: %s
            user_aware_token_never_expires: true
            secret_file: %s
          no_log: true
    '''
    process = start_playbook(ansible, collections_path, tmp_path, play % ('true', secret_file), acme)

    def in_flight():  # the held-back request has reached the emulator
        return any(rule.get('applied') for rule in emulator.faults('acme')['rules'])
    assert kill_when(process, in_flight)
    emulator.clear_faults('acme')
    ansible(play % ('false', secret_file), env=env(acme)).assert_ok()
    time.sleep(HELD_BACK + 0.5)  # the held-back request is applied after the kill: a late arrival
    ansible(play % ('false', secret_file), env=env(acme)).assert_ok()
    tokens = my_tokens(acme)
    assert [t['name'] for t in tokens] == ['ci'], [t['name'] for t in tokens]
    if step == 'create':
        assert tokens[0]['id'] == old_id  # never delivered: the replacement is removed, the old token stays
    else:
        # Delivered before the kill: the rotation is finished, and the secret on disk is the live token's.
        assert tokens[0]['id'] != old_id
        assert json.loads(secret_file.read_text())['client_id'] == tokens[0]['id']
