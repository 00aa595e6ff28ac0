"""The api_clients and personal_access_tokens roles with the example inventory, three environments in parallel."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from isc_emulator.tenant import TOKEN_PATH
from isc_playbook_runner import ADMIN

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


def test_definition_change_updates_only_that_client(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory()
    extra = dict(api_clients_secrets_dir=str(tmp_path / 'secrets'))
    ansible(PROVISION, inventory=inventory, extra_vars=extra).assert_ok()
    before = clients(environments['isc_test'])
    for tenant in environments.values():
        tenant.clear_requests()
    definitions = [dict(name='app-ci-pipeline', description='Deploys ISC configuration (v2)',
                        grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
                        access_token_validity_seconds=750, enabled=True),
                   dict(name='app-reporting', enabled=True), dict(name='app-portal', enabled=False)]
    changed = dict(extra, api_clients_definitions=definitions, api_clients_purge=False)
    run = ansible(PROVISION, inventory=inventory, extra_vars=changed).assert_ok()
    summary = summaries(run)['isc_test']
    assert sorted(summary['updated']) == ['app-ci-pipeline', 'app-portal'] and summary['unchanged'] == ['app-reporting']
    after = clients(environments['isc_test'])
    assert after['app-ci-pipeline']['id'] == before['app-ci-pipeline']['id']
    assert after['app-portal']['enabled'] is False
    assert [w['method'] for w in environments['isc_test'].writes()] == ['PATCH', 'PATCH']
    # Updates address the client by the id the plan found: no further list call.
    assert len([r for r in environments['isc_test'].requests() if r['path'] == '/oauth-clients/v1']) == 1
    assert summary['secrets_written'] == []


def test_purge_deletes_only_undeclared_clients_under_the_prefix(environments, example_inventory, ansible, tmp_path):
    dev = environments['isc_dev']
    legacy = dev.create_client(name='app-legacy')
    outside = [dev.create_client(name=n)['id'] for n in ('other-tool', 'application-x', 'APP-upper', 'xapp-y')]
    run = ansible(PROVISION, inventory=example_inventory(),
                  extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 's'))).assert_ok()
    assert summaries(run)['isc_dev']['deleted'] == ['app-legacy']
    remaining = dict((c['id'], c['name']) for c in dev.emulator.state(dev.name)['oauthClients'])
    assert legacy['id'] not in remaining
    assert all(i in remaining for i in outside)


def test_purge_removes_the_secret_file_of_a_purged_client(environments, example_inventory, ansible, tmp_path):
    secrets_dir = tmp_path / 's'
    inventory = example_inventory()
    definitions = [dict(name='app-extra', description='d', grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
                        access_token_validity_seconds=750, enabled=True)]
    ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_dev'], extra_vars=dict(
        api_clients_secrets_dir=str(secrets_dir), api_clients_definitions=definitions,
        api_clients_overrides={}, api_clients_purge=False)).assert_ok()
    assert (secrets_dir / 'isc_dev' / 'app-extra.json').exists()
    run = ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_dev'],
                  extra_vars=dict(api_clients_secrets_dir=str(secrets_dir))).assert_ok()
    summary = summaries(run)['isc_dev']
    assert 'app-extra' in summary['deleted']
    assert summary['secret_files_removed'] == [str(secrets_dir / 'isc_dev' / 'app-extra.json')]
    assert not (secrets_dir / 'isc_dev' / 'app-extra.json').exists()


def test_a_change_that_needs_recreate_fails_at_planning_before_any_write(
        environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory()
    extra = dict(api_clients_secrets_dir=str(tmp_path / 's'))
    ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_test'], extra_vars=extra).assert_ok()
    environments['isc_test'].clear_requests()
    overrides = {'app-ci-pipeline': dict(scope=['idn:sources:read']), 'app-reporting': dict(description='changed')}
    for check in (True, False):
        run = ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_test'], check=check,
                      extra_vars=dict(extra, api_clients_overrides=overrides))
        assert run.rc != 0 and 'app-ci-pipeline: scope' in run.output and 'recreate: true' in run.output
    assert environments['isc_test'].writes() == []


def test_a_run_that_fails_after_some_writes_reports_changed_and_only_what_happened(
        environments, example_inventory, ansible, tmp_path):
    test = environments['isc_test']
    test.emulator.set_faults('test', [dict(method='POST', path='/oauth-clients/v1', action='status', status=500,
                                           count=1)])
    run = ansible(PROVISION, inventory=example_inventory(), args=['--limit', 'isc_test'],
                  extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 's')))
    assert run.rc != 0 and 'need attention' in run.output
    summary = summaries(run)['isc_test']
    created = sorted(c['name'] for c in test.emulator.state('test')['oauthClients'])
    assert sorted(summary['created']) == created and len(created) == 2 and len(summary['failed']) == 1
    assert set(summary['ids']) >= set(created)
    recap = [line for line in run.output.splitlines() if line.startswith('isc_test ')][-1]
    assert 'changed=0' not in recap and 'failed=1' in recap


def test_two_hosts_on_one_tenant_are_refused_before_any_write(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory()
    main = inventory / 'host_vars' / 'isc_prod' / 'main.yml'
    main.write_text(main.read_text().replace(environments['isc_prod'].base_url, environments['isc_test'].base_url))
    run = ansible(PROVISION, inventory=inventory, forks=3, extra_vars=dict(api_clients_secrets_dir=str(tmp_path)))
    assert run.rc != 0 and 'isc_prod' in run.output and 'isc_test' in run.output
    assert 'api_clients_allow_shared_tenant' in run.output
    for tenant in environments.values():
        assert tenant.writes() == []


def test_purge_needs_a_prefix_that_covers_the_declared_clients(environments, example_inventory, ansible):
    inventory = example_inventory()
    for extra in (dict(api_clients_purge_prefix=''), dict(api_clients_purge_prefix='ap'),
                  dict(api_clients_purge_prefix='svc-')):
        run = ansible(PROVISION, inventory=inventory, extra_vars=extra)
        assert run.rc != 0 and 'api_clients_purge needs api_clients_purge_prefix' in run.output
    # Checked by the hosts with something to do (here: every client to create), after the plan's list call and
    # before any write.
    for tenant in environments.values():
        assert tenant.writes() == []
        assert set((r['method'], r['path']) for r in tenant.requests() if r['path'] != TOKEN_PATH) == {
            ('GET', '/oauth-clients/v1')}


@pytest.mark.parametrize('extra, message', [
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
])
def test_bad_role_input_fails_clearly_without_writing(environments, example_inventory, ansible, extra, message):
    run = ansible(PROVISION, inventory=example_inventory(), extra_vars=extra)
    assert run.rc != 0 and message in run.output
    for tenant in environments.values():
        assert tenant.writes() == []


def test_custom_secret_tasks_receive_each_new_secret(environments, example_inventory, ansible, tmp_path):
    store = tmp_path / 'vault-store'
    tasks = tmp_path / 'store_secret.yml'
    tasks.write_text('''
- name: Store in the (pretend) vault
  ansible.builtin.copy:
    dest: "%s/{{ isc_new_credential.environment }}--{{ isc_new_credential.name }}"
    content: "{{ isc_new_credential.client_id }} {{ isc_new_credential.client_secret }}"
    mode: "0600"
''' % store)
    store.mkdir()
    run = ansible(PROVISION, inventory=example_inventory(), verbosity=3, extra_vars=dict(
        api_clients_secret_tasks=str(tasks), api_clients_secrets_dir=str(tmp_path / 'unused'))).assert_ok()
    stored = sorted(p.name for p in store.iterdir())
    assert len(stored) == 9 and 'isc_prod--app-portal' in stored
    assert not (tmp_path / 'unused').exists()
    for path in store.iterdir():
        assert path.read_text().split()[1] not in run.output


def test_credentials_from_the_environment_as_awx_injects_them(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory(credentials=False)
    run = ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_test'],
                  env=dict(SAIL_CLIENT_ID=ADMIN['client_id'], SAIL_CLIENT_SECRET=ADMIN['client_secret']),
                  extra_vars=dict(api_clients_secrets_dir=str(tmp_path / 's'))).assert_ok()
    assert sorted(summaries(run)['isc_test']['created']) == NAMES
    assert environments['isc_dev'].requests() == []


def test_pat_role_rotates_reports_and_deletes_only_when_asked(environments, example_inventory, ansible, tmp_path):
    test = environments['isc_test']
    for name, never in (('reporting-job', True), ('old-script', True)):
        test.api('POST', '/personal-access-tokens/v1', json=dict(name=name, userAwareTokenNeverExpires=never))
    inventory = example_inventory()
    extra = dict(personal_access_tokens_rotate=['reporting-job', 'not-there'], personal_access_tokens_rotate_now=True,
                 personal_access_tokens_secrets_dir=str(tmp_path / 'secrets'), personal_access_tokens_unused_days=0)
    before = dict((t['name'], t['id']) for t in test.emulator.state('test')['personalAccessTokens'])
    run = ansible(ROTATE, inventory=inventory, args=['--limit', 'isc_test'], extra_vars=extra).assert_ok()
    summary = summaries(run, 'personal_access_tokens_summary')['isc_test']
    assert summary['rotated'] == ['reporting-job'] and summary['missing'] == ['not-there']
    assert {'seed-admin', 'old-script'} <= set(summary['never_expiring']) and summary['deleted'] == []
    after = dict((t['name'], t['id']) for t in test.emulator.state('test')['personalAccessTokens'])
    assert after['reporting-job'] != before['reporting-job'] and after['old-script'] == before['old-script']
    record = json.loads((tmp_path / 'secrets' / 'isc_test' / 'reporting-job.json').read_text())
    assert record['client_id'] == after['reporting-job'] and record['kind'] == 'personal_access_token'
    assert record['client_secret'] not in run.output

    # Deleting is opt-in; the run's own credential and protected tokens survive it.
    run = ansible(ROTATE, inventory=inventory, args=['--limit', 'isc_test'], extra_vars=dict(
        personal_access_tokens_delete_never_expiring=True, personal_access_tokens_protect=['reporting-job'],
        personal_access_tokens_secrets_dir=str(tmp_path / 'secrets'))).assert_ok()
    summary = summaries(run, 'personal_access_tokens_summary')['isc_test']
    assert summary['deleted'] == ['old-script']
    left = set(t['name'] for t in test.emulator.state('test')['personalAccessTokens'])
    assert {'seed-admin', 'reporting-job', 'seed-user'} <= left and 'old-script' not in left


def test_pat_role_rotates_by_age_only(environments, example_inventory, ansible, tmp_path):
    test = environments['isc_test']
    test.emulator.set_clock_offset('test', -31 * 86400)  # 'old' is created 31 days ago
    test.api('POST', '/personal-access-tokens/v1', json=dict(name='old', userAwareTokenNeverExpires=True))
    test.emulator.set_clock_offset('test', 0)
    test.api('POST', '/personal-access-tokens/v1', json=dict(name='young', userAwareTokenNeverExpires=True))
    extra = dict(personal_access_tokens_rotate=['old', 'young'], personal_access_tokens_max_age_days=30,
                 personal_access_tokens_secrets_dir=str(tmp_path / 'secrets'))
    run = ansible(ROTATE, inventory=example_inventory(), args=['--limit', 'isc_test'], extra_vars=extra).assert_ok()
    assert summaries(run, 'personal_access_tokens_summary')['isc_test']['rotated'] == ['old']


def test_summary_lists_the_id_of_every_declared_client(environments, example_inventory, ansible, tmp_path):
    inventory = example_inventory()
    extra = dict(api_clients_secrets_dir=str(tmp_path / 's'))
    first = summaries(ansible(PROVISION, inventory=inventory, extra_vars=extra).assert_ok())
    second = summaries(ansible(PROVISION, inventory=inventory, extra_vars=extra).assert_ok())
    for host, tenant in environments.items():
        ids = dict((name, client['id']) for name, client in clients(tenant).items())
        assert first[host]['ids'] == ids and second[host]['ids'] == ids


def test_a_second_run_of_the_role_in_one_play_reports_only_what_it_did(environments, ansible, tmp_path):
    # Registered results and facts outlive a role run: the second run, with nothing to do, must not report the
    # first one's creates and secrets.
    tenant = environments['isc_test']
    role_vars = dict(api_clients_definitions=[dict(name=name, description='d', grant_types=['CLIENT_CREDENTIALS'],
                                                   access_type='OFFLINE', access_token_validity_seconds=750,
                                                   enabled=True) for name in NAMES],
                     api_clients_secrets_dir=str(tmp_path / 's'), api_clients_environment='test')
    run = ansible('''
    - hosts: localhost
      gather_facts: false
      vars: %s
      tasks:
        - name: First run
          ansible.builtin.include_role:
            name: sailpoint_isc.oauth.api_clients
        - name: Second run
          ansible.builtin.include_role:
            name: sailpoint_isc.oauth.api_clients
    ''' % json.dumps(role_vars), env=tenant.environment).assert_ok()
    first, second = [r['result']['ansible_facts']['api_clients_summary'] for r in run.results
                     if 'api_clients_summary' in r['result'].get('ansible_facts', {})][-2:]
    assert sorted(first['created']) == NAMES and len(first['secrets_written']) == 3
    assert second['created'] == [] and second['secrets_written'] == [] and sorted(second['unchanged']) == NAMES
    assert second['ids'] == first['ids']


def test_the_free_strategy_runs_the_role_too(environments, example_inventory, ansible, tmp_path):
    # run_once is not supported there: the report runs for each host, and isc_dev (nothing to do) reaches it while
    # the others are still creating their clients and have no summary yet.
    inventory = example_inventory()
    extra = dict(api_clients_secrets_dir=str(tmp_path / 's'))
    ansible(PROVISION, inventory=inventory, args=['--limit', 'isc_dev'], extra_vars=extra).assert_ok()
    run = ansible('''
    - hosts: isc_tenants
      gather_facts: false
      strategy: free
      roles:
        - sailpoint_isc.oauth.api_clients
    ''', inventory=inventory, extra_vars=extra).assert_ok()
    assert sorted(summaries(run)['isc_dev']['unchanged']) == NAMES
    for host in ('isc_test', 'isc_prod'):
        assert sorted(summaries(run)[host]['created']) == NAMES
