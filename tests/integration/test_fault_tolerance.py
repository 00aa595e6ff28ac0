"""Provisioning under injected faults: the declared state is reached, nothing is duplicated, no secret is lost.

18 API clients in 3 tenants (6 per environment, provisioned in parallel) while the emulator drops the answers of
creates it applied (dev), answers 30 % of the requests 429 and 20 % 503 (test) and resets 10 % of the connections
(prod), all in one run; then 6 personal access tokens rotated under 429 and 503. Without the faults, the next run
settles and the one after changes nothing. The fault rules are seeded, and each test checks that its faults really
hit the requests they are meant for, so none can pass without them.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import json

import pytest

from conftest import Tenant
from isc_playbook_runner import ADMIN, ROOT, playbook_environment, run_playbook, tenant_environment
from isc_emulator.tenant import TOKEN_PATH, WRITE_METHODS
from isc_emulator.harness import Emulator

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROVISION = 'playbooks/provision_api_clients.yml'
ROTATE = 'playbooks/rotate_personal_access_tokens.yml'
NAMES = ['app-f%02d' % n for n in range(6)]
ANY_ISC_PATH = r'^/(oauth|oauth-clients|personal-access-tokens)'
ROLE_TASK = 'sailpoint_isc.oauth.api_clients : %s'  # how the results name a task of the role
# ISC's Retry-After is in whole seconds, and 0 is a valid value: the collection retries at once. That it waits as
# long as the header says is proven by test_lookup.py's 429 tests and the transport's unit tests; here a 1 s wait
# per 429 would only add ~12 s per run. The 503 answers carry it too: without it the collection backs off for up to
# half a second, then a second, ... (test_lookup.py's 503 test and the transport's unit tests prove that).
RETRY_AFTER = 0


def definitions(names=NAMES):
    return [dict(name=name, description='fault test %s' % name, grant_types=['CLIENT_CREDENTIALS'],
                 access_type='OFFLINE', access_token_validity_seconds=600 + n, enabled=True)
            for n, name in enumerate(names)]


def run_provisioning(ansible, inventory, secrets_dir, playbook=PROVISION):
    return ansible(playbook, inventory=inventory, forks=3, extra_vars=dict(
        api_clients_definitions=definitions(), api_clients_overrides={}, api_clients_purge=True,
        api_clients_purge_prefix='app-', api_clients_secrets_dir=str(secrets_dir), isc_max_retries=10))


def injected(tenant, log=None):
    """What the emulator's fault rules did to this tenant's requests (or to those of log, a part of them):
    (fault, method, status) -> count."""
    requests = tenant.requests() if log is None else log
    return collections.Counter((r['fault'], r['method'], r['status']) for r in requests if r.get('fault'))


def assert_no_twins(environments, secrets_dir):
    """At most one client per declared name, nothing provisional, and every client's secret file holds its id."""
    for host, tenant in environments.items():
        listed = tenant.emulator.state(tenant.name)['oauthClients']
        names = [c['name'] for c in listed]
        assert sorted(set(names)) == sorted(names) and set(names) <= set(NAMES), (host, sorted(names))
        for client in listed:
            record = json.loads((secrets_dir / host / (client['name'] + '.json')).read_text())
            assert record['client_id'] == client['id'], (host, client['name'])


def assert_declared_state(environments, secrets_dir):
    """Exactly the declared clients, with their declared fields, each with its secret on disk."""
    assert_no_twins(environments, secrets_dir)
    for host, tenant in environments.items():
        by_name = dict((c['name'], c) for c in tenant.emulator.state(tenant.name)['oauthClients'])
        assert sorted(by_name) == NAMES, (host, sorted(by_name))
        for n, name in enumerate(NAMES):
            assert by_name[name]['accessTokenValiditySeconds'] == 600 + n


# A job run twice as two plays of one run (one ansible-playbook start less): between them a play records how many
# requests each environment's tenant has logged (from the host variable isc_test_tenant_control, see
# tenant_controls), which tells the second run's requests from the first's.
TWICE = '''
- ansible.builtin.import_playbook: {playbook}
- name: Between the two runs
  hosts: isc_tenants
  gather_facts: false
  tasks:
    - name: requests so far
      ansible.builtin.debug: {{var: counts}}
      vars:
        counts: "{{{{ lookup('isc_test_emulator_control', isc_test_tenant_control ~ '/counts') }}}}"
- ansible.builtin.import_playbook: {playbook}
'''


def twice(playbook):
    return TWICE.format(playbook=ROOT / playbook)


def tenant_controls(inventory, environments):
    """Each environment of the example inventory's copy gets its tenant's control URL (for TWICE)."""
    for host, tenant in environments.items():
        (inventory / 'host_vars' / host / 'test_control.yml').write_text(
            'isc_test_tenant_control: %s\n' % tenant.emulator.url(tenant.name, '/__emulator'))


def the_two_runs(run, environments):
    """The first and the second run of TWICE: each as (its results, {host: the requests its tenant got in it})."""
    between = [n for n, r in enumerate(run.results) if r['task'] == 'requests so far']
    assert between, run.output[-4000:]
    counts = dict((run.results[n]['host'], run.results[n]['result']['counts']['requests']) for n in between)
    logs = dict((host, tenant.requests()) for host, tenant in environments.items())
    return ((run.results[:between[0]], dict((host, log[:counts[host]]) for host, log in logs.items())),
            (run.results[between[-1] + 1:], dict((host, log[counts[host]:]) for host, log in logs.items())))


def assert_settles(environments, ansible, inventory, secrets_dir, emulator):
    """Without faults, the next run reaches the declared state, and the one after changes nothing (the two as plays
    of one run, see TWICE; the second one writes nothing, so the state after both is the first's)."""
    for tenant in environments.values():
        emulator.clear_faults(tenant.name)
    tenant_controls(inventory, environments)
    both = run_provisioning(ansible, inventory, secrets_dir, twice(PROVISION))
    assert both.rc == 0, both.output[-4000:]
    assert_declared_state(environments, secrets_dir)
    _settled, (again, requests) = the_two_runs(both, environments)
    assert again and all(r['result'].get('changed') is not True for r in again)
    assert all([r for r in log if r['method'] in WRITE_METHODS and r['path'] != TOKEN_PATH] == []
               for log in requests.values())


# Each environment under faults of its own, all in one run (the environments are provisioned in parallel anyway):
# inventory host -> (rules, seed). The seeds are picked so that each fault meets the requests it is meant for, and
# the test checks that it did:
# dev: ISC applies the first three creates but their answers, with the secrets, are lost: the first client's answer
#      is lost twice and it is named, the second's once and it is made again, the others are made at once;
# test: 30 % of the requests answered 429, 20 % 503, each on the list call, on a create and on a rename;
# prod: 10 % connection resets: of the list call (retried) and of one create (nothing applied, no answer).
FAULTS = {
    'isc_dev': ([dict(method='POST', path='/oauth-clients/v1', action='drop_after_apply', count=3)], None),
    'isc_test': ([dict(path_regex=ANY_ISC_PATH, action='status', status=429, retry_after=RETRY_AFTER, rate=0.3),
                  dict(path_regex=ANY_ISC_PATH, action='status', status=503, retry_after=RETRY_AFTER, rate=0.2)], 4),
    'isc_prod': ([dict(path_regex=ANY_ISC_PATH, action='reset', rate=0.1)], 72),
}


def hits(tenant, action, methods=None, status=None, log=None):
    """How many of the tenant's requests (of log, when given; with one of methods) the emulator answered with that
    fault action (and status)."""
    return sum(n for (fault, method, answered), n in injected(tenant, log).items()
               if fault == action and method in (methods or (method,)) and status in (None, answered))


def test_provisioning_under_faults_makes_no_twin_loses_no_secret_and_settles(environments, example_inventory,
                                                                             ansible, tmp_path, emulator):
    for host, tenant in environments.items():
        rules, seed = FAULTS[host]
        emulator.set_faults(tenant.name, rules, seed=seed)
    inventory = example_inventory()
    secrets_dir = tmp_path / 'secrets'
    first = run_provisioning(ansible, inventory, secrets_dir)
    assert first.rc != 0
    dev, test, prod = environments['isc_dev'], environments['isc_test'], environments['isc_prod']

    def attention(host):
        """The role's closing failure on host: the clients that need attention, and why."""
        failure = first.task(ROLE_TASK % 'Fail for the clients that need attention', host)
        assert failure['status'] == 'failed', failure
        return failure['result']['msg']

    # dev: each create whose answer was lost is found under its provisional name and removed; the client is made
    # again once, and named when its second answer is lost too
    assert injected(dev) == {('drop_after_apply', 'POST', 0): 3}
    assert [w['method'] for w in dev.writes()].count('DELETE') == 3
    assert first.output.count('answer carrying its secret was lost') >= 3
    assert "%s: Creating the OAuth client '%s' failed twice in a row" % (NAMES[0], NAMES[0]) in attention('isc_dev')
    assert sorted(c['name'] for c in dev.emulator.state(dev.name)['oauthClients']) == NAMES[1:]
    # test: 429 and 503 come before ISC applies anything: retried whatever the method, and the declared state is
    # reached in this run
    for status in (429, 503):
        for method in ('GET', 'POST', 'PATCH'):
            assert hits(test, 'status', (method,), status), (status, method, injected(test))
    assert not [r for r in first.results if r['host'] == 'isc_test' and r['status'] == 'failed']
    assert_declared_state(dict(isc_test=test), secrets_dir)
    # prod: the reset list call is sent again; a create whose connection was reset after it was sent, and that did
    # not show up under its provisional name, is "outcome unknown", never a blind second POST: the run names the
    # client and goes on with the others
    creates_reset = sum(1 for r in prod.requests() if r.get('fault') == 'reset' and r['method'] == 'POST'
                        and r['path'] == '/oauth-clients/v1')
    assert creates_reset == 1 and hits(prod, 'reset', ('GET',)), injected(prod)
    assert 'outcome of creating' in attention('isc_prod')
    # everywhere: never a twin, and every client that exists has its secret on disk
    assert_no_twins(environments, secrets_dir)
    assert_settles(environments, ansible, inventory, secrets_dir, emulator)


def test_pat_rotation_under_429_and_503_leaves_one_token_per_name(environments, example_inventory, ansible, tmp_path,
                                                                  emulator):
    for tenant in environments.values():
        tenant.emulator.set_clock_offset(tenant.name, -40 * 86400)
        for name in ('job-a', 'job-b'):
            tenant.api('POST', '/personal-access-tokens/v1', json=dict(name=name, userAwareTokenNeverExpires=True))
        tenant.emulator.set_clock_offset(tenant.name, 0)
        emulator.set_faults(tenant.name, [
            dict(path_regex=ANY_ISC_PATH, action='status', status=429, retry_after=RETRY_AFTER, rate=0.2),
            dict(path_regex=ANY_ISC_PATH, action='status', status=503, retry_after=RETRY_AFTER, rate=0.1)], seed=5)
        tenant.clear_requests()
    extra = dict(personal_access_tokens_rotate=['job-a', 'job-b'], personal_access_tokens_max_age_days=30,
                 personal_access_tokens_secrets_dir=str(tmp_path / 'secrets'), isc_max_retries=10)
    inventory = example_inventory()
    tenant_controls(inventory, environments)
    # The rotation, then a second run that must change nothing: as two plays of one run (see TWICE). The second one
    # changes nothing, so the tokens and files after both are the first's.
    both = ansible(twice(ROTATE), inventory=inventory, forks=3, extra_vars=extra)
    assert both.rc == 0, both.output[-4000:]
    (_first, first_requests), (second, _requests) = the_two_runs(both, environments)
    for host, tenant in environments.items():
        log = first_requests[host]
        assert hits(tenant, 'status', status=429, log=log) and hits(tenant, 'status', status=503, log=log), (
            host, injected(tenant, log))
        tokens = [t for t in tenant.emulator.state(tenant.name)['personalAccessTokens']
                  if t['owner']['name'] == 'admin']
        names = sorted(t['name'] for t in tokens)
        assert names == ['job-a', 'job-b', 'seed-admin'], (host, names)
        for name in ('job-a', 'job-b'):
            record = json.loads((tmp_path / 'secrets' / host / (name + '.json')).read_text())
            assert record['client_id'] == [t['id'] for t in tokens if t['name'] == name][0]
    assert second and all(r['result'].get('changed') is not True for r in second)


# Tokens of 4 s (renewed when less than half their life is left) over a run of more than 3 s: real time on the
# controller is what the renewal decides on, so a short lifetime stands in for a long run.
TOKEN_EXPIRING_RUN = '''
- hosts: localhost
  gather_facts: false
  tasks:
''' + ''.join('''
    - name: list %d
      sailpoint_isc.oauth.isc_oauth_client_info:
    - name: wait %d
      ansible.builtin.pause: {seconds: 1}
''' % (n, n) for n in range(3)) + '''
    - name: list after the renewal margin
      sailpoint_isc.oauth.isc_oauth_client_info:
'''


@pytest.fixture(scope='module', autouse=True)
def token_expiring_run(request, collections_path, tmp_path_factory):
    """The run of test_token_expiring_mid_run_is_renewed_without_a_failed_task on an emulator of its own, started in
    the background when the module starts (the test waits for it): it spends most of its time in its pauses, which the
    other tests' runs use meanwhile. Yields the tenant and the pending PlaybookRun (a Future); None when that test is
    not selected (its run would only load the machine under the tests that are)."""
    selected = [item.name for item in request.session.items if item.module is request.module]
    if test_token_expiring_mid_run_is_renewed_without_a_failed_task.__name__ not in selected:
        yield None
        return
    with Emulator(tenants=['solo'], pat_token_validity=4) as short_lived:
        tenant = Tenant(short_lived, 'solo')
        work = tmp_path_factory.mktemp('token-expiring')
        env = playbook_environment(collections_path, work, results_file=work / 'results.jsonl',
                                   extra=tenant_environment(tenant.base_url))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            yield tenant, pool.submit(run_playbook, TOKEN_EXPIRING_RUN, env, work, verbosity=4, timeout=600)


def test_token_expiring_mid_run_is_renewed_without_a_failed_task(token_expiring_run):
    tenant, pending = token_expiring_run
    run = pending.result().assert_ok()
    assert not [r for r in run.results if r['status'] == 'failed']
    assert len(tenant.token_requests()) >= 2, 'a 4 s token over a 3 s run must have been renewed'
    assert all(r['status'] == 200 for r in tenant.requests())  # renewed before expiry: not even one 401


# A budget of 10 requests per 2 s: the role's creates ask for about 20 a second, so an unpaced run would exceed it.
RATE_LIMIT, RATE_WINDOW = 10, 2


@pytest.fixture(scope='module')
def strict_emulator():
    """A tenant whose rate limit is RATE_LIMIT requests per RATE_WINDOW seconds."""
    with Emulator(tenants=['solo'], rate_limit=RATE_LIMIT, rate_window=RATE_WINDOW) as emu:
        yield emu


def busiest_window(log, seconds):
    """The most requests the log holds within any `seconds` (logged to the millisecond, so a hair shorter)."""
    times = [datetime.datetime.fromisoformat(r['time'].replace('Z', '+00:00')).timestamp() for r in log]
    return max(sum(1 for other in times if start <= other < start + seconds - 0.005) for start in times)


def test_collection_alone_never_exceeds_the_rate_limit(strict_emulator, ansible, tmp_path):
    tenant = Tenant(strict_emulator, 'solo')
    strict_emulator.reset('solo')
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('isc_solo ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"'
                         ' isc_base_url=%s\n[isc_tenants]\nisc_solo\n' % tenant.base_url)
    run = ansible(PROVISION, inventory=inventory, env=dict(
        ISC_RATE_LIMIT='%d/%d' % (RATE_LIMIT, RATE_WINDOW), SAIL_CLIENT_ID=ADMIN['client_id'],
        SAIL_CLIENT_SECRET=ADMIN['client_secret']),
        extra_vars=dict(api_clients_definitions=definitions(['app-g%02d' % n for n in range(8)]),
                        api_clients_secrets_dir=str(tmp_path / 's')), leak_scan=False).assert_ok()
    api_calls = [r for r in tenant.requests() if r['path'] != TOKEN_PATH]  # the token endpoint has its own budget
    assert len(api_calls) > RATE_LIMIT + 5, 'enough requests to need more than one window'
    assert [r for r in tenant.requests() if r['status'] == 429] == []
    # The budget was used to the full, and never more: the pacer held requests back (a run too slow to reach the
    # limit would fail here rather than pass without pacing).
    assert busiest_window(api_calls, RATE_WINDOW) == RATE_LIMIT
    assert run.rc == 0
