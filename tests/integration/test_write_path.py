"""The write path under faults and real signals: no secret lost, no credential created twice.

Each test injects a fault through the emulator's control API (an error status, an answer that is late or lost) or
kills the whole ansible-playbook process group with SIGKILL at some point of a run, then runs again and checks
the invariants: every declared credential exists exactly once under its final name, the secret file of each holds
its id, and what an unfinished write left behind is removed (or adopted) and reported.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import time

from pathlib import Path

import pytest

from case_tasks import PATS, clear_faults, failing_role, failure, ok, role, sent, show, step, tenant_state
from conftest import CASE_TENANTS, assert_no_leaks, case_of
from isc_emulator.tenant import TOKEN_PATH, WRITE_METHODS, Tenant
from isc_playbook_runner import ADMIN, BIN, Case
from isc_playbook_runner import playbook_environment, run_playbook

pytestmark = pytest.mark.integration

CLIENT = dict(description='made by the write-path tests', grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
              access_token_validity_seconds=750, enabled=True)
PROVISIONAL = r' \((creating|rotating) [0-9a-f]{8}\)$'


def role_variables(names, secrets_dir, **role_vars):
    """The api_clients role's variables for names, secrets under secrets_dir, environment acme; role_vars on top."""
    variables = dict(api_clients_definitions=[dict(CLIENT, name=name) for name in names],
                     api_clients_secrets_dir=str(secrets_dir), api_clients_environment='acme')
    variables.update(role_vars)
    return variables


def summary(run, host=None, results=None):
    """The last api_clients_summary the role set as a fact in the run, or in results (a part of the run's), for host
    when given."""
    facts = [r['result'].get('ansible_facts', {}) for r in (run.results if results is None else results)
             if host in (None, r['host'])]
    return [f['api_clients_summary'] for f in facts if f.get('api_clients_summary')][-1]


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


# The scenarios without a kill are cases of one batch (one ansible-playbook run, see Case in isc_playbook_runner): a
# host and a tenant each, whose tasks include the role as often as the scenario ran it, with the connection from the
# host's isc_* variables; where the test looked at the tenant or changed its faults between two runs, the case does
# it between two tasks. Each case writes its secrets below a directory of its own (SECRETS).
SECRETS = '{{ playbook_dir }}/secrets/{{ inventory_hostname }}'
SHARED_FILE_NAMES = ['app:ci', 'app_ci', 'app ci', 'app-é', 'x' * 252]
RECREATE = [dict(CLIENT, name='app-ci', scope=['idn:sources:read'], recreate=True)]
PAT_NAMES = ['job-a', 'job-b', 'job-c']
STALE_PAT = 'old-script'  # never expiring, not protected: deleted once no rotation fails


def pat_role_variables(rotate_now):
    """Rotate PAT_NAMES, and delete the admin's other never-expiring tokens (STALE_PAT)."""
    return dict(personal_access_tokens_rotate=PAT_NAMES, personal_access_tokens_rotate_now=rotate_now,
                personal_access_tokens_delete_never_expiring=True, personal_access_tokens_protect=PAT_NAMES,
                personal_access_tokens_secrets_dir=SECRETS, personal_access_tokens_environment='acme')


def fail_the_second_create(tenant):
    """prepare: the first client create passes (a rule that only counts it), the second is answered 500."""
    tenant.emulator.set_faults(tenant.name, [
        dict(method='POST', path='/oauth-clients/v1', action='delay', delay=0, count=1),
        dict(method='POST', path='/oauth-clients/v1', action='status', status=500, count=1)])


def tokens_whose_deletion_of_job_b_fails(tenant):
    """prepare: the admin's tokens PAT_NAMES and STALE_PAT (their ids as the host variable old_ids); deleting job-b
    fails."""
    for name in PAT_NAMES + [STALE_PAT]:
        tenant.api('POST', '/personal-access-tokens/v1', json=dict(name=name, userAwareTokenNeverExpires=True))
    old = dict((t['name'], t['id']) for t in my_tokens(tenant))
    tenant.emulator.set_faults(tenant.name, [dict(method='DELETE', path='/personal-access-tokens/v1/' + old['job-b'],
                                                  action='status', status=500, count=10)])
    return dict(old_ids=old)


def client_ids_on_disk(name, names):
    """A task whose result's ``ids`` are the client ids in the secret files of names (never their secrets)."""
    files = dict((n, "{{ (lookup('ansible.builtin.file', '%s/acme/%s.json') | from_json).client_id }}" % (SECRETS, n))
                 for n in names)
    return step(name, 'ansible.builtin.debug', dict(var='ids'), vars=dict(ids=files))


CASES = [
    Case('names-shared-a-file', ''.join([
        role('first run', role_variables(SHARED_FILE_NAMES, SECRETS)), tenant_state('after the first run'),
        role('second run', role_variables(SHARED_FILE_NAMES, SECRETS)), show('summary of the second run')])),
    Case('names-would-share-a-file', failing_role('provision', role_variables(['App-CI', 'app-ci'], SECRETS))),
    Case('secrets-dir-unwritable', failing_role('provision', role_variables(
        ['app-ci', 'app-portal'], '{{ blocked_secrets_dir }}'))),
    Case('recreate-whose-create-fails', ''.join([
        role('provision', role_variables(['app-ci'], SECRETS)), tenant_state('before the recreate'),
        failing_role('recreate', role_variables([], SECRETS, api_clients_definitions=RECREATE)),
        tenant_state('after the failed recreate'),
        role('recreate again', role_variables([], SECRETS, api_clients_definitions=RECREATE))]),
        prepare=fail_the_second_create),
    Case('pat-rotation-fails-for-one', ''.join([
        failing_role('rotate', pat_role_variables(rotate_now=True), PATS), tenant_state('after the rotation'),
        client_ids_on_disk('secret files after the rotation', PAT_NAMES), clear_faults('clear the faults'),
        role('rotate again', pat_role_variables(rotate_now=False), PATS), tenant_state('after the second run')]),
        prepare=tokens_whose_deletion_of_job_b_fails),
]


@pytest.fixture(scope='module')
def batch(run_cases, tmp_path_factory):
    blocker = tmp_path_factory.mktemp('blocker') / 'file-not-dir'  # a secrets directory below it cannot be made
    blocker.write_text('')
    return run_cases(CASES, extra_vars=dict(blocked_secrets_dir=str(blocker / 'secrets')))


def secrets_of(case):
    return Path(case.hostvars['isc_test_case_tasks']).parent.parent / 'secrets' / case.case.name


def test_names_that_shared_a_file_before_get_one_each(batch):
    case = case_of(batch, 'names-shared-a-file')
    ok(case, 'first run')
    files = files_by_client_id(secrets_of(case))
    assert len(files) == len(SHARED_FILE_NAMES) == len(set(p for p, _r in files.values()))
    clients = dict((c['name'], c['id']) for c in ok(case, 'after the first run')['json']['oauthClients'])
    for client_id, (path, record) in files.items():
        assert clients[record['name']] == client_id and len(path.name) < 255
    assert sorted(ok(case, 'summary of the second run')['api_clients_summary']['unchanged']) == \
        sorted(SHARED_FILE_NAMES)
    assert [r for r in sent(case, 'after the first run', 'summary of the second run')
            if r['method'] in WRITE_METHODS and r['path'] != TOKEN_PATH] == []


def test_names_that_would_share_a_file_fail_before_any_create(batch):
    case = case_of(batch, 'names-would-share-a-file')
    assert "'App-CI' / 'app-ci'" in failure(case, 'provision')
    assert case.writes() == []


def test_a_secrets_dir_that_cannot_be_written_fails_before_any_create(batch):
    case = case_of(batch, 'secrets-dir-unwritable')
    assert 'Cannot write credential files' in failure(case, 'provision')
    assert case.writes() == []


def test_recreate_whose_create_fails_keeps_the_old_client(batch):
    case = case_of(batch, 'recreate-whose-create-fails')
    old = ok(case, 'before the recreate')['json']['oauthClients'][0]
    assert 'app-ci' in failure(case, 'recreate')
    # the fault hit the recreate's create (the tenant state between the recreate and after it sends no ISC request)
    assert [r['status'] for r in sent(case, 'before the recreate', 'after the failed recreate')
            if r['method'] == 'POST' and r['path'] != TOKEN_PATH] == [500]
    assert [c['id'] for c in ok(case, 'after the failed recreate')['json']['oauthClients']] == [old['id']]
    ok(case, 'recreate again')
    assert_converged(case.tenant, ['app-ci'], secrets_of(case))
    assert case.tenant.state()['oauthClients'][0]['id'] != old['id']


def admin_tokens(state):
    """{name: id} of the admin's tokens in a tenant_state result, without the one the emulator seeds for it."""
    return dict((t['name'], t['id']) for t in state['json']['personalAccessTokens']
                if t['owner']['name'] == 'admin' and not t['name'].startswith('seed-'))


def test_pat_role_failure_in_one_rotation_loses_no_other_secret(batch):
    case = case_of(batch, 'pat-rotation-fails-for-one')
    old = case.hostvars['old_ids']
    message = failure(case, 'rotate')
    assert 'job-b' in message and 'need attention' in message
    tokens = admin_tokens(ok(case, 'after the rotation'))
    on_disk = ok(case, 'secret files after the rotation')['ids']
    # a failed rotation keeps the role from deleting anything it was asked to
    assert tokens[STALE_PAT] == old[STALE_PAT]
    for name in ('job-a', 'job-c'):
        assert tokens[name] == on_disk[name] != old[name]
    # job-b: its replacement's secret is on disk, the old token still works, and the next run finishes the job.
    assert tokens['job-b'] == old['job-b'] and on_disk['job-b'] in tokens.values()
    ok(case, 'rotate again')
    tokens = admin_tokens(ok(case, 'after the second run'))
    assert sorted(tokens) == PAT_NAMES and tokens['job-b'] == on_disk['job-b']  # STALE_PAT deleted in the rerun


def my_tokens(tenant):
    """The admin's tokens, without the one the emulator seeds for the admin itself."""
    return [t for t in tenant.api('GET', '/personal-access-tokens/v1', params={'owner-id': 'me'})
            if not t['name'].startswith('seed-')]


# The kill -9 tests run their scenarios in one run, each on an inventory host and an emulator tenant of its own (and a
# directory of its own for its secrets): the emulator holds back the request that follows each scenario's kill point,
# and the run is killed once every scenario's is held. A rerun takes one run over the scenarios too (and the third run
# of the whole-run kill test is a second play of it).

SCENARIOS_AT_ONCE = 4  # the most scenarios a test runs at once


@pytest.fixture
def own_tenants(emulator):
    """SCENARIOS_AT_ONCE tenants for scenarios of one run, each restarted: the last of the session emulator's
    case-batch tenants (run_cases hands them out from the front, and this file runs no case batch). Afterwards none
    may have seen a request or an answer outside the OpenAPI contract."""
    tenants = [Tenant(emulator, name) for name in CASE_TENANTS[-SCENARIOS_AT_ONCE:]]
    for tenant in tenants:
        tenant.restart()
    yield tenants
    for tenant in tenants:
        assert tenant.violations() == [], 'tenant %s: requests or responses outside the OpenAPI contract' % tenant.name


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


def start_time(pid):
    """When process pid started (to tell it from a later process with the same id); None when it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def kill_when(process, condition, everything=True, timeout=120, spared=None):
    """SIGKILL once condition() holds: the process group, and with everything also every task worker below it;
    without everything, the task workers it spares are added to spared as (pid, start time). False when the run
    ended first; a run still going when the wait fails is killed too."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if condition():
                workers = descendants(process.pid)
                if not everything and spared is not None:
                    spared.extend((pid, start_time(pid)) for pid in workers)
                os.killpg(process.pid, signal.SIGKILL)
                for pid in workers if everything else []:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                process.wait(timeout=30)
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.05)
        raise AssertionError('the condition was not reached in %d s' % timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def spared_workers():
    """For the task workers a kill of the process group spares (see kill_when): once they have finished their task,
    they wait for ever to hand its result to the killed run, so they are killed after the test."""
    spared = []
    yield spared
    for pid, started in spared:
        if started is not None and start_time(pid) == started:
            os.kill(pid, signal.SIGKILL)


CLIENT_NAMES = ['app-%02d' % n for n in range(10)]  # the 7th rename leaves three clients to go
KILL_POINTS = dict((('after-1st-create', ('POST', 1)), ('after-2nd-rename', ('PATCH', 2)),
                    ('after-5th-create', ('POST', 5)), ('after-7th-rename', ('PATCH', 7))))
# Seconds the emulator holds back the request that follows a scenario's kill point: longer than the other scenarios
# of the run take to reach theirs, and than a rerun takes to start.
HELD_BACK = 5


def kill_point_faults(point, action):
    """Fault rules that stop a scenario's run right after point: the OAuth client requests up to it pass (counted by
    rules that do nothing else), and the one that follows (the rename of the client just created, or the create of
    the next one) is held back HELD_BACK seconds, then answered late (action 'delay') or dropped unapplied ('reset')."""
    method, count = KILL_POINTS[point]
    following, done = ('PATCH', count - 1) if method == 'POST' else ('POST', count)  # each client: POST, then PATCH
    passing = dict(path_regex='^/oauth-clients/v1', action='delay', delay=0)
    rules = [dict(passing, method=method, count=count)]
    if done:
        rules.append(dict(passing, method=following, count=done))
    return rules + [dict(passing, method=following, count=1, action=action, delay=HELD_BACK)]


def held_back(emulator, tenant):
    # The last fault rule of a scenario holds back the request its run is killed in.
    return emulator.faults(tenant.name)['rules'][-1]['applied'] > 0


ROLE_ON_EVERY_HOST = '''
- hosts: all
  gather_facts: false
  roles:
    - sailpoint_isc.oauth.api_clients
'''
# The rerun after a kill, then the third run that must find nothing to do, as two plays of one run (one
# ansible-playbook start less); the play between them marks where the third run's results begin.
RERUN_THEN_THIRD_RUN = ROLE_ON_EVERY_HOST + '''
- name: Between the rerun and the third run
  hosts: all
  gather_facts: false
  tasks:
    - name: the rerun is done
      ansible.builtin.debug: {msg: the third run follows}
''' + ROLE_ON_EVERY_HOST


def each_host_inventory(work, hosts):
    # A host per scenario ({name: (tenant, host variables)}), each pointed at its tenant as the emulator's admin.
    inventory = dict((name, dict(variables, ansible_connection='local',
                                 ansible_python_interpreter='{{ ansible_playbook_python }}',
                                 isc_base_url=tenant.base_url, isc_client_id=ADMIN['client_id'],
                                 isc_client_secret=ADMIN['client_secret']))
                     for name, (tenant, variables) in hosts.items())
    work.mkdir(parents=True)
    inventory_file = work / 'inventory.json'
    inventory_file.write_text(json.dumps(dict(all=dict(hosts=inventory))))
    return inventory_file


def run_on_each_host(emulator, collections_path, work, play, hosts, token_cache_dir, leak_scan=False):
    """play in one run over a host per scenario ({name: (tenant, host variables)}), a fork each. With leak_scan at
    -vvvv and leak-scanned as the ansible fixture does, else at the default verbosity."""
    inventory_file = each_host_inventory(work, hosts)
    run_env = playbook_environment(collections_path, work, token_cache_dir=token_cache_dir,
                                   results_file=work / 'results.jsonl')
    run = run_playbook(play, run_env, work, inventory=inventory_file, forks=len(hosts),
                       verbosity=4 if leak_scan else 0, timeout=600)
    if leak_scan:
        assert_no_leaks(emulator, run, [work / 'tmp', work / 'ansible-home', token_cache_dir])
    return run


def start_on_each_host(collections_path, work, play, hosts, token_cache_dir):
    """play over a host per scenario, a fork each, started in its own process group (as a CI job or a terminal runs
    ansible-playbook), for killing it whole."""
    inventory_file = each_host_inventory(work, hosts)
    (work / 'playbook.yml').write_text(play)
    run_env = playbook_environment(collections_path, work, token_cache_dir=token_cache_dir)
    return subprocess.Popen([str(BIN / 'ansible-playbook'), '-i', str(inventory_file), '-f', str(len(hosts)),
                             'playbook.yml'], cwd=str(work), env=run_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def provisional_clients(tenant):
    return [c for c in tenant.state()['oauthClients'] if re.search(PROVISIONAL, c['name'])]


@pytest.mark.parametrize('everything', [True, False], ids=['with-workers', 'group-only'])
def test_kill_9_of_the_whole_run_then_rerun_converges(emulator, own_tenants, collections_path, tmp_path, everything,
                                                      spared_workers):
    """Killed with its task workers (a crash), or only its process group (a cancelled job whose detached workers
    finish the task they had begun while the rerun starts: the write lock keeps them from creating twice), at each
    point of KILL_POINTS: a scenario each, on a host and a tenant of its own, in one run.

    The run is killed once each scenario's request after its point is held back. A crash leaves nothing running: the
    held requests are dropped unapplied, as if the run had died right after the point's answer. A cancel's detached
    workers are still in theirs, holding the write lock of that client, when the scenarios are rerun (in one run).
    Then one more run of all the scenarios must find nothing to do."""
    tenants = dict(zip(KILL_POINTS, own_tenants))
    token_cache_dir = tmp_path / 'token-cache'  # of every run: the write locks live next to it

    def secrets_dir(point):
        return tmp_path / point / 'secrets'

    for point, tenant in tenants.items():
        emulator.set_faults(tenant.name, kill_point_faults(point, 'reset' if everything else 'delay'))
    hosts = dict((point, (tenants[point], role_variables(CLIENT_NAMES, secrets_dir(point)))) for point in KILL_POINTS)
    process = start_on_each_host(collections_path, tmp_path / 'killed', ROLE_ON_EVERY_HOST, hosts, token_cache_dir)
    assert kill_when(process, lambda: all(held_back(emulator, tenant) for tenant in tenants.values()), everything,
                     spared=spared_workers), 'the run ended before the kill'
    for tenant in tenants.values():
        emulator.clear_faults(tenant.name)
    # What the crash left (nothing of it runs on); a cancel's workers may settle their own before the rerun looks.
    leftovers = dict((point, provisional_clients(tenants[point]) if everything else []) for point in KILL_POINTS)
    both = run_on_each_host(emulator, collections_path, tmp_path / 'rerun', RERUN_THEN_THIRD_RUN, hosts,
                            token_cache_dir, leak_scan=True).assert_ok()
    between = [n for n, r in enumerate(both.results) if r['task'] == 'the rerun is done']
    assert len(between) == len(KILL_POINTS), both.output[-4000:]
    rerun, third = both.results[:between[0]], both.results[between[-1] + 1:]
    for point in KILL_POINTS:
        # The state after both runs: the third one found nothing to do (below), so it is the rerun's; nor did a late
        # writer change anything.
        assert_converged(tenants[point], CLIENT_NAMES, secrets_dir(point))
        recovered = summary(both, host=point, results=rerun)['recovered']
        assert all(entry['action'] in ('deleted', 'adopted') for entry in recovered), (point, recovered)
        unreported = set(c['id'] for c in leftovers[point]) - set(entry['id'] for entry in recovered)
        assert not unreported, '%s: leftovers of the killed run that the rerun did not report: %s' % (
            point, [c['name'] for c in leftovers[point] if c['id'] in unreported])
        assert sorted(summary(both, host=point, results=third)['unchanged']) == CLIENT_NAMES, point


ROTATION_STEPS = {'create': 'POST', 'delete': 'DELETE', 'rename': 'PATCH'}
PAT_ROTATION = '''
- hosts: all
  gather_facts: false
  tasks:
    - name: rotate
      sailpoint_isc.oauth.isc_personal_access_token:
        name: ci
        regenerate: %(regenerate)s
        user_aware_token_never_expires: true
        secret_file: "{{ pat_secret_file }}"
      no_log: true
'''


def test_kill_9_during_a_pat_rotation_then_rerun_converges(emulator, own_tenants, collections_path, tmp_path):
    """A kill while the emulator holds back the create, the delete or the rename of a rotation: a scenario each, on a
    host and a tenant of its own, in one run. The held requests land after the kill (late arrivals), between two
    reruns of all the scenarios (one run each)."""
    tenants = dict(zip(ROTATION_STEPS, own_tenants))
    token_cache_dir = tmp_path / 'token-cache'

    def secret_file(verb):
        return tmp_path / verb / 'secrets' / 'ci.json'

    old_ids = {}
    for verb, tenant in tenants.items():
        tenant.api('POST', '/personal-access-tokens/v1', json=dict(name='ci', userAwareTokenNeverExpires=True))
        old_ids[verb] = my_tokens(tenant)[0]['id']
        emulator.set_faults(tenant.name, [dict(method=ROTATION_STEPS[verb], path_regex='^/personal-access-tokens/v1',
                                               action='delay', delay=HELD_BACK, count=1)])
    hosts = dict((verb, (tenants[verb], dict(pat_secret_file=str(secret_file(verb))))) for verb in ROTATION_STEPS)
    process = start_on_each_host(collections_path, tmp_path / 'killed', PAT_ROTATION % dict(regenerate='true'),
                                 hosts, token_cache_dir)
    # Killed once every held-back request has reached the emulator.
    assert kill_when(process, lambda: all(held_back(emulator, tenant) for tenant in tenants.values()))
    for tenant in tenants.values():
        emulator.clear_faults(tenant.name)
    rerun = PAT_ROTATION % dict(regenerate='false')
    run_on_each_host(emulator, collections_path, tmp_path / 'rerun', rerun, hosts, token_cache_dir,
                     leak_scan=True).assert_ok()
    for tenant in tenants.values():
        wait_for(functools.partial(late_arrival_landed, tenant), HELD_BACK + 60)
    run_on_each_host(emulator, collections_path, tmp_path / 'rerun-after-they-landed', rerun, hosts, token_cache_dir,
                     leak_scan=True).assert_ok()
    for verb, tenant in tenants.items():
        tokens = my_tokens(tenant)
        assert [t['name'] for t in tokens] == ['ci'], (verb, [t['name'] for t in tokens])
        if verb == 'create':
            assert tokens[0]['id'] == old_ids[verb]  # never delivered: the replacement is removed, the old one stays
        else:
            # Delivered before the kill: the rotation is finished, and the secret on disk is the live token's.
            assert tokens[0]['id'] != old_ids[verb], verb
            assert json.loads(secret_file(verb).read_text())['client_id'] == tokens[0]['id'], verb


def late_arrival_landed(tenant):
    """The request the emulator held back has been applied (its log entry is written once it is)."""
    return any(r.get('fault') == 'delay' for r in tenant.requests())


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'not reached in %d s' % timeout
        time.sleep(0.05)
