"""The api_clients and personal_access_tokens roles with the example inventory, three environments in parallel; most
scenarios as cases of one batch run with the example inventory's variables of one environment (see below)."""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap
from pathlib import Path

import pytest
import yaml

from case_tasks import (PATS, clear_faults, failing_role, failure, ok, role, sent, show, step, tenant_state,
                        tenant_url)
from conftest import case_of
from isc_emulator.tenant import TOKEN_PATH, WRITE_METHODS
from isc_playbook_runner import ADMIN, ROOT, Case

pytestmark = pytest.mark.integration

PROVISION = 'playbooks/provision_api_clients.yml'
ROTATE = 'playbooks/rotate_personal_access_tokens.yml'
NAMES = ['app-ci-pipeline', 'app-portal', 'app-reporting']


def summaries(run, key='api_clients_summary'):
    """{host: the last value of the summary fact the role set for it}."""
    found = {}
    for record in run.results:
        summary = record['result'].get('ansible_facts', {}).get(key)
        if summary:
            found[record['host']] = summary
    return found


def clients(tenant):
    return dict((c['name'], c) for c in tenant.emulator.state(tenant.name)['oauthClients'])


@pytest.mark.usefixtures('create_shape')
def test_provision_in_parallel_then_nothing_changes(environments, example_inventory, ansible, tmp_path):
    secrets_dir = tmp_path / 'secrets'
    inventory = example_inventory()
    first = ansible(PROVISION, inventory=inventory, forks=3, verbosity=4,
                    extra_vars=dict(api_clients_secrets_dir=str(secrets_dir))).assert_ok()
    summary = summaries(first)
    assert set(summary) == {'isc_dev', 'isc_test', 'isc_prod'}
    for host, tenant in environments.items():
        assert sorted(summary[host]['created']) == NAMES
        assert len(summary[host]['secrets_written']) == 3
        assert len(tenant.token_requests()) == 1, host
        # One list for the plan; each create trusts it, since no write under that name started since (the write
        # lock's record). Then one create and one rename per client.
        lists = [r for r in tenant.requests() if r['method'] == 'GET']
        assert len(lists) == 1
        assert sorted(r['method'] for r in tenant.writes()) == ['PATCH'] * 3 + ['POST'] * 3
    # Per-environment overrides on top of the shared definitions.
    dev, prod, test = (clients(environments[h]) for h in ('isc_dev', 'isc_prod', 'isc_test'))
    assert sorted(dev['app-portal']['redirectUris']) == ['http://localhost:8080/oauth/callback',
                                                         'https://portal.example.com/oauth/callback']
    assert test['app-portal']['redirectUris'] == ['https://portal.example.com/oauth/callback']
    assert prod['app-ci-pipeline']['accessTokenValiditySeconds'] == 300
    assert test['app-ci-pipeline']['accessTokenValiditySeconds'] == 750
    assert prod['app-portal']['accessTokenValiditySeconds'] == 600
    # The secret sink: private files with what a consumer needs, and nothing in the output.
    assert stat.S_IMODE(os.stat(secrets_dir).st_mode) == 0o700
    written = []
    for host, tenant in environments.items():
        assert stat.S_IMODE(os.stat(secrets_dir / host).st_mode) == 0o700
        for name in NAMES:
            path = secrets_dir / host / (name + '.json')
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            record = json.loads(path.read_text())
            assert record['client_id'] == clients(tenant)[name]['id'] and record['name'] == name
            assert record['base_url'] == tenant.base_url and record['token_url'] == tenant.base_url + '/oauth/token'
            assert record['kind'] == 'api_client' and record['tenant'] == '127.0.0.1'  # the host, off identitynow.com
            written.append(record['client_secret'])
    for secret in written + [ADMIN['client_secret']]:
        assert secret not in first.output
    assert 'eyJ' not in first.output

    for tenant in environments.values():
        tenant.clear_requests()
    second = ansible(PROVISION, inventory=inventory, forks=3,
                     extra_vars=dict(api_clients_secrets_dir=str(secrets_dir))).assert_ok()
    assert all(r['result'].get('changed') is not True for r in second.results)
    for host, tenant in environments.items():
        assert sorted(summaries(second)[host]['unchanged']) == NAMES
        assert tenant.writes() == []
        assert [(r['method'], r['path']) for r in tenant.requests()] == [('GET', '/oauth-clients/v1')]
    # Nothing to do: each host runs the argument check, the plan, the skipped include of the apply step and the
    # summary; the shared-tenant check and the report of every host's summary run once.
    recap = dict((host, (int(ok), int(skipped))) for host, ok, skipped in re.findall(
        r'^(\S+)\s*:\s*ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)', second.stdout, re.M))
    assert sorted(sum(counts) for counts in recap.values()) == [4, 4, 6], recap
    report = second.task('sailpoint_isc.oauth.api_clients : Report what changed in each environment')
    assert report['result']['msg'] == summaries(second)


def test_check_mode_reports_and_writes_nothing(environments, example_inventory, ansible, tmp_path):
    run = ansible(PROVISION, inventory=example_inventory(), check=True, diff=True,
                  extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 'secrets'))).assert_ok()
    for host, tenant in environments.items():
        assert sorted(summaries(run)[host]['created']) == NAMES and summaries(run)[host]['check_mode'] is True
        assert tenant.writes() == []
    assert not (tmp_path / 'secrets').exists()


def test_two_hosts_on_one_tenant_are_refused_before_any_write(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory()
    main = inventory / 'host_vars' / 'isc_prod' / 'main.yml'
    main.write_text(main.read_text().replace(environments['isc_prod'].base_url, environments['isc_test'].base_url))
    run = ansible(PROVISION, inventory=inventory, forks=3, extra_vars=dict(api_clients_secrets_dir=str(tmp_path)))
    assert run.rc != 0 and 'isc_prod' in run.output and 'isc_test' in run.output
    assert 'api_clients_allow_shared_tenant' in run.output
    for tenant in environments.values():
        assert tenant.writes() == []


def test_credentials_from_the_environment_as_awx_injects_them(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory(credentials=False)
    run = ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_test'],
                  env=dict(SAIL_CLIENT_ID=ADMIN['client_id'], SAIL_CLIENT_SECRET=ADMIN['client_secret']),
                  extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 's'))).assert_ok()
    assert sorted(summaries(run)['isc_test']['created']) == NAMES
    assert environments['isc_dev'].requests() == []


def test_the_free_strategy_runs_the_role_too(environments, example_inventory, ansible, tmp_path):
    # run_once is not supported there: the report runs for each host, and isc_dev (nothing to do) reaches it while
    # the others are still creating their clients and have no summary yet. isc_dev's clients are made by a first
    # play of the same run.
    run = ansible('''
    - hosts: isc_dev
      gather_facts: false
      roles:
        - sailpoint_isc.oauth.api_clients
    - hosts: isc_tenants
      gather_facts: false
      strategy: free
      roles:
        - sailpoint_isc.oauth.api_clients
    ''', inventory=example_inventory(), extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 's'))).assert_ok()
    assert sorted(summaries(run)['isc_dev']['unchanged']) == NAMES
    for host in ('isc_test', 'isc_prod'):
        assert sorted(summaries(run)[host]['created']) == NAMES


# ---------------------------------------------------------------------------------------------------------------------
# Scenarios of one environment share ONE ansible-playbook run (a case batch, see Case in isc_playbook_runner): each
# case is a host with a tenant of its own whose tasks include the role with the example inventory's variables of one
# environment (group_vars plus that host's overrides), and a second include where the test had a second run. The
# role reads the connection from the host's isc_* variables, as it does in the example inventory. What needs several
# hosts in one play (the parallel provisioning and its play recap, two hosts on one tenant), the example inventory
# itself with --limit and the process environment, the run's --check (ansible_check_mode, which the role reports,
# stays false under a task's check_mode) or another strategy stays a run of its own above.

INVENTORY = ROOT / 'playbooks' / 'inventory'
EXAMPLE_VARS = yaml.safe_load((INVENTORY / 'group_vars' / 'isc_tenants' / 'main.yml').read_text())
# Each environment's overrides from its host_vars (its isc_base_url is the case's tenant instead).
ENVIRONMENT_VARS = dict((host, dict((k, v) for k, v in yaml.safe_load(
    (INVENTORY / 'host_vars' / host / 'main.yml').read_text()).items() if k != 'isc_base_url'))
    for host in ('isc_dev', 'isc_test', 'isc_prod'))
# Per case, below the batch's work directory: the playbook's directory (also the parent of the directory of the
# case's task file), named without a filter (a template naming one loads every filter plugin in its worker).
SECRETS_DIR = "{{ playbook_dir }}/secrets"


def example_vars(environment, **extra):
    """The role variables the example inventory gives one environment's host, with a secrets directory per case and
    extra on top."""
    role_vars = dict(EXAMPLE_VARS, api_clients_secrets_dir=SECRETS_DIR)
    role_vars.update(ENVIRONMENT_VARS[environment])
    role_vars.update(extra)
    return role_vars


def secrets_dir(case):
    return Path(case.hostvars['isc_test_case_tasks']).parent.parent / 'secrets'


def summary_of(case, name, key='api_clients_summary'):
    return ok(case, name)[key]


CASES = []


CASES.append(Case('definition-change', ''.join([
    role('provision', example_vars('isc_test')),
    tenant_state('before the change'),
    role('change', example_vars('isc_test', api_clients_purge=False, api_clients_definitions=[
        dict(name='app-ci-pipeline', description='Deploys ISC configuration (v2)', grant_types=['CLIENT_CREDENTIALS'],
             access_type='OFFLINE', access_token_validity_seconds=750, enabled=True),
        dict(name='app-reporting', enabled=True), dict(name='app-portal', enabled=False)])),
    show('summary of the change'),
    tenant_state('after the change')])))


def test_definition_change_updates_only_that_client(batch):
    case = case_of(batch, 'definition-change')
    before = dict((c['name'], c) for c in ok(case, 'before the change')['json']['oauthClients'])
    summary = summary_of(case, 'summary of the change')
    assert sorted(summary['updated']) == ['app-ci-pipeline', 'app-portal'] and summary['unchanged'] == ['app-reporting']
    after = dict((c['name'], c) for c in ok(case, 'after the change')['json']['oauthClients'])
    assert after['app-ci-pipeline']['id'] == before['app-ci-pipeline']['id']
    assert after['app-portal']['enabled'] is False
    requests = sent(case, 'before the change', 'summary of the change')
    assert [w['method'] for w in requests if w['method'] in WRITE_METHODS and w['path'] != TOKEN_PATH] == [
        'PATCH', 'PATCH']
    # Updates address the client by the id the plan found: no further list call.
    assert len([r for r in requests if r['path'] == '/oauth-clients/v1']) == 1
    assert summary['secrets_written'] == []


def seed_purge_candidates(tenant):
    """prepare: a client the purge must delete and four outside its prefix (their ids as host variables)."""
    return dict(legacy_id=tenant.create_client(name='app-legacy')['id'],
                outside_ids=[tenant.create_client(name=n)['id']
                             for n in ('other-tool', 'application-x', 'APP-upper', 'xapp-y')])


CASES.append(Case('purge-undeclared', ''.join([
    role('provision', example_vars('isc_dev')), show('summary'), tenant_state('after the purge')]),
    prepare=seed_purge_candidates))


def test_purge_deletes_only_undeclared_clients_under_the_prefix(batch):
    case = case_of(batch, 'purge-undeclared')
    assert summary_of(case, 'summary')['deleted'] == ['app-legacy']
    remaining = dict((c['id'], c['name']) for c in ok(case, 'after the purge')['json']['oauthClients'])
    assert case.hostvars['legacy_id'] not in remaining
    assert all(i in remaining for i in case.hostvars['outside_ids'])


EXTRA_CLIENT_FILE = SECRETS_DIR + '/{{ inventory_hostname }}/app-extra.json'
CASES.append(Case('purge-secret-file', ''.join([
    role('provision app-extra', example_vars('isc_dev', api_clients_overrides={}, api_clients_purge=False,
                                             api_clients_definitions=[dict(
                                                 name='app-extra', description='d', grant_types=['CLIENT_CREDENTIALS'],
                                                 access_type='OFFLINE', access_token_validity_seconds=750,
                                                 enabled=True)])),
    # assert runs in the task's worker; a stat task would start a module process (~0.2 s CPU)
    step('secret file of app-extra', 'ansible.builtin.assert', dict(
        that='extra_client_file is exists', fail_msg='the role wrote no secret file for app-extra'),
        vars=dict(extra_client_file=EXTRA_CLIENT_FILE)),
    role('provision the declared clients', example_vars('isc_dev')),
    show('summary')])))


def test_purge_removes_the_secret_file_of_a_purged_client(batch):
    case = case_of(batch, 'purge-secret-file')
    path = secrets_dir(case) / 'purge-secret-file' / 'app-extra.json'
    ok(case, 'secret file of app-extra')  # it asserts that the file exists after the first role run
    summary = summary_of(case, 'summary')
    assert 'app-extra' in summary['deleted']
    assert summary['secret_files_removed'] == [str(path)]
    assert not path.exists()


NEEDS_RECREATE = {'app-ci-pipeline': dict(scope=['idn:sources:read']), 'app-reporting': dict(description='changed')}
CASES.append(Case('needs-recreate', ''.join([
    role('provision', example_vars('isc_test')),
    show('provisioned'),
    failing_role('recreate in check mode', example_vars('isc_test', api_clients_overrides=NEEDS_RECREATE),
                 check_mode=True),
    failing_role('recreate', example_vars('isc_test', api_clients_overrides=NEEDS_RECREATE)),
    show('after both attempts')])))


def test_a_change_that_needs_recreate_fails_at_planning_before_any_write(batch):
    case = case_of(batch, 'needs-recreate')
    for attempt in ('recreate in check mode', 'recreate'):
        message = failure(case, attempt)
        assert 'app-ci-pipeline: scope' in message and 'recreate: true' in message
    assert [r for r in sent(case, 'provisioned', 'after both attempts')
            if r['method'] in WRITE_METHODS and r['path'] != TOKEN_PATH] == []


PURGE_PREFIXES = ['', 'ap', 'svc-']
CASES.extend(Case('purge-prefix-%d' % n, failing_role('provision', example_vars(
    environment, api_clients_purge_prefix=prefix)))
    for n, (prefix, environment) in enumerate(zip(PURGE_PREFIXES, ('isc_dev', 'isc_test', 'isc_prod'))))


def test_purge_needs_a_prefix_that_covers_the_declared_clients(batch):
    for n in range(len(PURGE_PREFIXES)):
        case = case_of(batch, 'purge-prefix-%d' % n)
        assert 'api_clients_purge needs api_clients_purge_prefix' in failure(case, 'provision')
        # Checked by the hosts with something to do (here: every client to create), after the plan's list call and
        # before any write.
        assert case.writes() == []
        assert set((r['method'], r['path']) for r in case.requests() if r['path'] != TOKEN_PATH) == {
            ('GET', '/oauth-clients/v1')}


BAD_ROLE_INPUT = [
    (dict(api_clients_definitions=[dict(description='no name')]), 'every definition needs a unique name'),
    (dict(api_clients_definitions=[dict(name='app-a'), dict(name='app-a')]), 'every definition needs a unique name'),
    (dict(api_clients_overrides=dict(typo=dict(enabled=False))), 'unknown:'),
    (dict(api_clients_definitions='not-a-list'), 'api_clients_definitions'),
    (dict(api_clients_purge='perhaps'), 'api_clients_purge'),
    (dict(api_clients_api_version='v9'), 'api_clients_api_version'),
    (dict(api_clients_definitions=[dict(name='app-x', grant_types=['PASSWORD'], description='d',
                                        access_type='OFFLINE', access_token_validity_seconds=1, enabled=True)]),
     'grant_types'),
    (dict(api_clients_definitions=[dict(name='app-x', descripton='typo', grant_types=['CLIENT_CREDENTIALS'],
                                        access_type='OFFLINE', access_token_validity_seconds=1, enabled=True)]),
     "api_clients_definitions (with api_clients_overrides) item app-x: descripton"),
]
# Each bad input once per environment of the example inventory, as a run over it had them. isc_test has no overrides
# of its own; on the others, a definitions list without app-portal fails first on their app-portal override.
CASES.extend(Case('bad-input-%d-%s' % (n, environment), failing_role('provision', example_vars(environment, **extra)))
             for n, (extra, _message) in enumerate(BAD_ROLE_INPUT) for environment in ENVIRONMENT_VARS)


@pytest.mark.parametrize('extra, message', BAD_ROLE_INPUT)
def test_bad_role_input_fails_clearly_without_writing(batch, extra, message):
    for environment in ENVIRONMENT_VARS:
        case = case_of(batch, 'bad-input-%d-%s' % (BAD_ROLE_INPUT.index((extra, message)), environment))
        reason = failure(case, 'provision')
        if environment == 'isc_test':
            assert message in reason
        assert case.writes() == []


def seed_old_and_young_tokens(tenant):
    """prepare: 'old' created 31 days ago, 'young' now."""
    tenant.emulator.set_clock_offset(tenant.name, -31 * 86400)
    tenant.api('POST', '/personal-access-tokens/v1', json=dict(name='old', userAwareTokenNeverExpires=True))
    tenant.emulator.set_clock_offset(tenant.name, 0)
    tenant.api('POST', '/personal-access-tokens/v1', json=dict(name='young', userAwareTokenNeverExpires=True))


CASES.append(Case('pat-rotate-by-age', ''.join([
    role('rotate', dict(personal_access_tokens_rotate=['old', 'young'], personal_access_tokens_max_age_days=30,
                        personal_access_tokens_secrets_dir=SECRETS_DIR), PATS),
    show('summary', 'personal_access_tokens_summary')]), prepare=seed_old_and_young_tokens))


def test_pat_role_rotates_by_age_only(batch):
    case = case_of(batch, 'pat-rotate-by-age')
    assert summary_of(case, 'summary', 'personal_access_tokens_summary')['rotated'] == ['old']


# Registered results and facts outlive a role run: the second run, with nothing to do, must not report the first
# one's creates and secrets.
SECOND_RUN_VARS = dict(api_clients_definitions=[dict(name=name, description='d', grant_types=['CLIENT_CREDENTIALS'],
                                                     access_type='OFFLINE', access_token_validity_seconds=750,
                                                     enabled=True) for name in NAMES],
                       api_clients_secrets_dir=SECRETS_DIR, api_clients_environment='test')
CASES.append(Case('second-run-in-one-play', ''.join([
    role('First run', SECOND_RUN_VARS), show('first summary'),
    role('Second run', SECOND_RUN_VARS), show('second summary')])))


def test_a_second_run_of_the_role_in_one_play_reports_only_what_it_did(batch):
    case = case_of(batch, 'second-run-in-one-play')
    first, second = summary_of(case, 'first summary'), summary_of(case, 'second summary')
    assert sorted(first['created']) == NAMES and len(first['secrets_written']) == 3
    assert second['created'] == [] and second['secrets_written'] == [] and sorted(second['unchanged']) == NAMES
    assert second['ids'] == first['ids']


def seed_a_stale_client_and_fail_the_first_create(tenant):
    """prepare: an undeclared client under the purge prefix (its id as the host variable stale_id), then the tenant
    answers the first client create with a 500."""
    stale_id = tenant.create_client(name='app-legacy')['id']
    tenant.emulator.set_faults(tenant.name, [dict(method='POST', path='/oauth-clients/v1', action='status',
                                                  status=500, count=1)])
    return dict(stale_id=stale_id)


# A 500 on a create, with purging on: the run fails after the other writes and purges nothing (a failed client keeps
# the purge from running); without the fault, a rerun creates the failed client and purges the stale one.
CASES.append(Case('fails-after-writes', ''.join([
    failing_role('provision', example_vars('isc_test')), show('summary'), tenant_state('after the failure'),
    clear_faults('clear the faults'),
    role('provision again', example_vars('isc_test')), show('summary of the rerun'), tenant_state('after the rerun')]),
    prepare=seed_a_stale_client_and_fail_the_first_create))


def test_a_run_that_fails_after_some_writes_reports_changed_and_only_what_happened(batch):
    case = case_of(batch, 'fails-after-writes')
    assert 'need attention' in failure(case, 'provision')
    summary = summary_of(case, 'summary')
    after_failure = dict((c['name'], c['id']) for c in ok(case, 'after the failure')['json']['oauthClients'])
    created = sorted(name for name in after_failure if name != 'app-legacy')
    assert sorted(summary['created']) == created and len(created) == 2 and len(summary['failed']) == 1
    assert set(summary['ids']) >= set(created)
    # the purge did not run: the stale client is still there, and nothing was deleted
    assert after_failure['app-legacy'] == case.hostvars['stale_id'] and summary['deleted'] == []
    until_after_failure = case.log[:case.record('after the failure')['counts'][0]]
    assert [r for r in until_after_failure if r['method'] == 'DELETE'] == []
    # What the play recap of the host counted: a change, and one failure (here rescued, so that the case goes on);
    # the failed create before it is rescued by the role, which reports it.
    assert any(r['result'].get('changed') is True for r in case.records)
    assert [r['task'].split(' : ')[-1] for r in case.records if r['status'] == 'failed'] == [
        'Apply the clients that differ', 'Fail for the clients that need attention']
    # The rerun converges: the failed client made once, the stale one purged, the others untouched, a secret each.
    rerun = summary_of(case, 'summary of the rerun')
    failed_name = sorted(set(NAMES) - set(created))
    assert rerun['created'] == failed_name and rerun['deleted'] == ['app-legacy']
    assert sorted(rerun['unchanged']) == created
    after_rerun = [(c['name'], c['id']) for c in ok(case, 'after the rerun')['json']['oauthClients']]
    assert sorted(name for name, _id in after_rerun) == NAMES
    assert all(after_failure[name] == client_id for name, client_id in after_rerun if name in created)
    for name, client_id in after_rerun:
        record = json.loads((secrets_dir(case) / 'fails-after-writes' / (name + '.json')).read_text())
        assert record['client_id'] == client_id


# The custom secret tasks that cases hand to the roles, written before the run into a directory of the batch (the
# extra variable isc_test_secret_tasks, see the secret_tasks fixture): a copy task writing them in each case cost two
# module processes.
CUSTOM_SECRET_TASKS = {
    # The three environments store into one (pretend) vault: a file per credential. The test action isc_test_keep
    # writes it in the task's worker (lineinfile started a module process, copy two); its diff holds the line, so
    # the task hides it, as a real vault task would. ansible.legacy is the name of what the configured plugin paths
    # hold: the tasks run inside a role of the collection, which resolves short names in itself and ansible.builtin.
    'store_secret.yml': (
        '- name: Store in the (pretend) vault\n'
        '  ansible.legacy.isc_test_keep:\n'
        '    path: "{{ isc_test_secret_tasks }}/vault-store/'
        '{{ isc_new_credential.environment }}--{{ isc_new_credential.name }}"\n'
        '    line: "{{ isc_new_credential.client_id }} {{ isc_new_credential.client_secret }}"\n'
        '  no_log: true\n'),
    'record_names.yml': (
        '- name: Record what the custom secret tasks received (set_fact runs in check mode too)\n'
        '  ansible.builtin.set_fact:\n'
        '    isc_test_received: "{{ isc_test_received | default([]) + [isc_new_credential.name] }}"\n'),
    'record_base_urls.yml': (
        '- name: Record the base URL of each new credential\n'
        '  ansible.builtin.set_fact:\n'
        '    isc_test_received: "{{ isc_test_received | default([]) + [isc_new_credential.base_url] }}"\n'
        '  no_log: true\n'),
}
STORE_SECRET_TASKS = '{{ isc_test_secret_tasks }}/store_secret.yml'


def custom_secret_vars(environment):
    return example_vars(environment, api_clients_secret_tasks=STORE_SECRET_TASKS, api_clients_environment=environment,
                        api_clients_secrets_dir=SECRETS_DIR + '/unused')


# Each environment's clients made (their secrets handed to the custom secret tasks), then a second run with nothing to
# do: test_summary_lists_the_id_of_every_declared_client reads the summaries of both and the tenant's clients.
CASES.extend(Case('custom-secret-tasks-' + environment, ''.join([
    role('provision', custom_secret_vars(environment)), show('first summary'),
    role('second run', custom_secret_vars(environment)), show('second summary'),
    tenant_state('clients')]), compat=True)
    for environment in ENVIRONMENT_VARS)


def test_custom_secret_tasks_receive_each_new_secret(batch, secret_tasks):
    case = case_of(batch, 'custom-secret-tasks-isc_prod')
    store = secret_tasks / 'vault-store'
    for environment in ENVIRONMENT_VARS:
        ok(case_of(batch, 'custom-secret-tasks-' + environment), 'provision')
    stored = sorted(p.name for p in store.iterdir())
    assert len(stored) == 9 and 'isc_prod--app-portal' in stored
    assert not (secrets_dir(case) / 'unused').exists()
    for path in store.iterdir():
        assert path.read_text().split()[1] not in batch.run.output


def test_summary_lists_the_id_of_every_declared_client(batch):
    for environment in ENVIRONMENT_VARS:
        case = case_of(batch, 'custom-secret-tasks-' + environment)
        first, second = summary_of(case, 'first summary'), summary_of(case, 'second summary')
        ids = dict((client['name'], client['id']) for client in ok(case, 'clients')['json']['oauthClients'])
        assert first['ids'] == ids and second['ids'] == ids


def seed_tokens_to_rotate(tenant):
    """prepare: two never-expiring tokens of the admin, one to rotate and one to delete."""
    for name in ('reporting-job', 'old-script'):
        tenant.api('POST', '/personal-access-tokens/v1', json=dict(name=name, userAwareTokenNeverExpires=True))


CASES.append(Case('pat-rotate', ''.join([
    tenant_state('tokens before'),
    role('rotate', dict(personal_access_tokens_rotate=['reporting-job', 'not-there'],
                        personal_access_tokens_rotate_now=True, personal_access_tokens_secrets_dir=SECRETS_DIR,
                        personal_access_tokens_unused_days=0), PATS),
    show('summary of the rotation', 'personal_access_tokens_summary'),
    tenant_state('tokens after the rotation'),
    # Deleting is opt-in; the run's own credential and protected tokens survive it.
    role('delete', dict(personal_access_tokens_delete_never_expiring=True,
                        personal_access_tokens_protect=['reporting-job'],
                        personal_access_tokens_secrets_dir=SECRETS_DIR), PATS),
    show('summary of the deletion', 'personal_access_tokens_summary'),
    tenant_state('tokens after the deletion')]), prepare=seed_tokens_to_rotate, compat=True))


def test_pat_role_rotates_reports_and_deletes_only_when_asked(batch):
    case = case_of(batch, 'pat-rotate')

    def tokens(task):
        return dict((t['name'], t['id']) for t in ok(case, task)['json']['personalAccessTokens'])

    summary = summary_of(case, 'summary of the rotation', 'personal_access_tokens_summary')
    assert summary['rotated'] == ['reporting-job'] and summary['missing'] == ['not-there']
    assert {'seed-admin', 'old-script'} <= set(summary['never_expiring']) and summary['deleted'] == []
    before, after = tokens('tokens before'), tokens('tokens after the rotation')
    assert after['reporting-job'] != before['reporting-job'] and after['old-script'] == before['old-script']
    record = json.loads((secrets_dir(case) / 'pat-rotate' / 'reporting-job.json').read_text())
    assert record['client_id'] == after['reporting-job'] and record['kind'] == 'personal_access_token'
    assert record['client_secret'] not in batch.run.output

    summary = summary_of(case, 'summary of the deletion', 'personal_access_tokens_summary')
    assert summary['deleted'] == ['old-script']
    left = set(tokens('tokens after the deletion'))
    assert {'seed-admin', 'reporting-job', 'seed-user'} <= left and 'old-script' not in left


# Check mode from the check_mode keyword rather than --check: ansible_check_mode stays false there, and the roles must
# neither hand check-mode placeholders to custom secret tasks nor report check_mode: false.
RECORD_NAMES_TASKS = '{{ isc_test_secret_tasks }}/record_names.yml'


def in_check_mode(name, tasks):
    """tasks in a block with check_mode: true (include_role does not take the keyword)."""
    return '- name: %s\n  check_mode: true\n  block:\n%s' % (json.dumps(name), textwrap.indent(tasks, '    '))


CASES.append(Case('check-mode-keyword', ''.join([
    in_check_mode('predict', role('provision', example_vars(
        'isc_test', api_clients_secret_tasks=RECORD_NAMES_TASKS, api_clients_secrets_dir=SECRETS_DIR + '/check')) +
        role('rotate', dict(personal_access_tokens_rotate=['reporting-job'], personal_access_tokens_rotate_now=True,
                            personal_access_tokens_secrets_dir=SECRETS_DIR + '/check',
                            personal_access_tokens_secret_tasks=RECORD_NAMES_TASKS), PATS)),
    show('summary of the prediction'),
    show('PAT summary of the prediction', 'personal_access_tokens_summary'),
    step('what the custom secret tasks received', 'ansible.builtin.debug',
         dict(msg='{{ isc_test_received | default([]) }}'))]),
    prepare=seed_tokens_to_rotate))


def test_check_mode_by_keyword_predicts_reports_it_and_hands_no_placeholder_to_custom_secret_tasks(batch):
    case = case_of(batch, 'check-mode-keyword')
    summary = summary_of(case, 'summary of the prediction')
    assert summary['check_mode'] is True and sorted(summary['created']) == NAMES
    pat_summary = summary_of(case, 'PAT summary of the prediction', 'personal_access_tokens_summary')
    assert pat_summary['check_mode'] is True and pat_summary['rotated'] == ['reporting-job']
    assert ok(case, 'what the custom secret tasks received')['msg'] == []
    assert case.writes() == []


def seed_token_and_name_the_tenant(tenant):
    """prepare: a token to rotate; the tenant's URL as tenant_url, for module_defaults (no isc_base_url variable)."""
    seed_tokens_to_rotate(tenant)
    return tenant_url(tenant)


# The connection from module_defaults only: the credential handed to custom secret tasks names the tenant the token
# was made on (the role once rebuilt the URL from isc_base_url, isc_tenant or SAIL_BASE_URL and handed on '').
CASES.append(Case('pat-sink-connection-from-module-defaults', ''.join([
    '- name: rotate with module_defaults\n  module_defaults:\n    group/sailpoint_isc.oauth.isc:\n'
    '      base_url: "{{ tenant_url }}"\n  block:\n' + textwrap.indent(role('rotate', dict(
        personal_access_tokens_rotate=['reporting-job'], personal_access_tokens_rotate_now=True,
        personal_access_tokens_secrets_dir=SECRETS_DIR,
        personal_access_tokens_secret_tasks='{{ isc_test_secret_tasks }}/record_base_urls.yml'),
        PATS), '    '),
    step('what the custom secret tasks received', 'ansible.builtin.debug',
         dict(msg='{{ isc_test_received | default([]) }}'))]),
    hostvars=dict(isc_base_url=None), prepare=seed_token_and_name_the_tenant))


def test_pat_role_hands_custom_secret_tasks_the_resolved_tenant(batch):
    case = case_of(batch, 'pat-sink-connection-from-module-defaults')
    assert ok(case, 'what the custom secret tasks received')['msg'] == [case.tenant.base_url]


@pytest.fixture(scope='module')
def secret_tasks(tmp_path_factory):
    """The directory of the custom secret tasks (CUSTOM_SECRET_TASKS) and of their (pretend) vault, vault-store."""
    directory = tmp_path_factory.mktemp('secret-tasks')
    for name, content in CUSTOM_SECRET_TASKS.items():
        (directory / name).write_text(content)
    (directory / 'vault-store').mkdir(mode=0o700)
    return directory


@pytest.fixture(scope='module')
def batch(run_cases, secret_tasks):
    return run_cases(CASES, extra_vars=dict(isc_test_secret_tasks=str(secret_tasks)))
