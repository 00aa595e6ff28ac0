"""isc_personal_access_token(_info) against the emulator: expiry rules per version, the 10-token limit, rotation.

Every scenario is a case of one batch: a single ansible-playbook run at -vvvv in which each case runs its tasks on an
inventory host and an emulator tenant of its own (see ``Case`` in isc_playbook_runner), as the tenant's admin unless
a task says otherwise. Each test's cases are added to CASES right above it; the test asserts on its case's task
results, the requests each task sent and the tenant's state. Faults are set and cleared, and the tenant's state is
looked at, by tasks of the case (case_tasks), where separate runs did it between two runs.
"""

from __future__ import annotations

import datetime
import json

import pytest

from case_tasks import clear_faults, failed, failing, keep, ok, set_faults, step, task, tenant_state
from conftest import case_of
from isc_playbook_runner import ADMIN, EXECUTION_PATHS, USER, Case

pytestmark = pytest.mark.integration

PAT = 'isc_personal_access_token'
PAT_INFO = 'isc_personal_access_token_info'
TOKEN_INFO = 'isc_token_info'
PATH_NAMES = list(EXECUTION_PATHS)  # 'controller', 'module'
LEGACY_VERSIONS = ['v3', 'beta', 'v2024']

# Options of a task that acts as the plain user while its case's host authenticates as the admin; the case has
# USER_VARIABLES as host variables. Secrets stay out of task files: Ansible quotes the lines around a failed task.
AS_USER = dict(client_id='{{ user_client_id }}', client_secret='{{ user_client_secret }}')
USER_VARIABLES = dict(user_client_id=USER['client_id'], user_client_secret=USER['client_secret'])


def in_days(days, date_only=False):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return moment.strftime('%Y-%m-%d') if date_only else moment.strftime('%Y-%m-%dT%H:%M:%SZ')


NEVER = dict(name='reporting', user_aware_token_never_expires=True)


def as_pat(registered):
    """Options of a task that authenticates with the PAT a previous task registered under that name."""
    return dict(client_id='{{ %s.client_id }}' % registered, client_secret='{{ %s.client_secret }}' % registered)


def tokens(state, owner='admin'):
    """The PATs of owner in a tenant state (Tenant.state(), or a tenant_state task's json)."""
    return [t for t in state['personalAccessTokens'] if t['owner']['name'] == owner]


def identity_id(tenant, user_name):
    return [i['id'] for i in tenant.state()['identities'] if i['userName'] == user_name][0]


CASES = []


@pytest.fixture(scope='module')
def batch(run_cases):
    return run_cases(CASES)


CASES += Case.on_both_paths('never-expiring', task('create', PAT, NEVER) + task('again', PAT, NEVER), compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_never_expiring_token_create_then_unchanged(batch, path):
    case = case_of(batch, 'never-expiring-' + path)
    first = ok(case, 'create')
    assert first['changed'] is True and first['client_secret'] and first['client_id'] == first['personal_access_token']['id']
    assert first['personal_access_token']['expirationDate'] is None and 'secret' not in first['personal_access_token']
    second = ok(case, 'again')
    assert second['changed'] is False and 'client_secret' not in second and case.writes('again') == []


CASES.append(Case('new-token-authenticates',
                  task('create', PAT, NEVER, register='made') + task('whoami', TOKEN_INFO, as_pat('made'))))


def test_new_token_really_authenticates_with_user_context(batch):
    case = case_of(batch, 'new-token-authenticates')
    made, who = ok(case, 'create'), ok(case, 'whoami')
    assert who['has_user_context'] is True and who['user_name'] == 'admin' and who['client_id'] == made['client_id']


DATED = dict(name='dated', expiration_date=in_days(30, date_only=True), scope=['idn:sources:read'],
             access_token_validity_seconds=3600)
CASES.append(Case('dated', task('create', PAT, DATED) + task('again', PAT, DATED)))


def test_expiration_date_given_as_date_is_idempotent(batch):
    case = case_of(batch, 'dated')
    made = ok(case, 'create')
    assert made['personal_access_token']['expirationDate'].startswith(DATED['expiration_date'])
    assert made['personal_access_token']['accessTokenValiditySeconds'] == 3600
    assert ok(case, 'again')['changed'] is False and case.writes('again') == []


CHECKED_CHANGES = dict(update=dict(NEVER, scope=['idn:sources:read']), regenerate=dict(NEVER, regenerate=True),
                       delete=dict(name='reporting', state='absent'))
CASES.append(Case('check-mode', task('check create', PAT, NEVER, check_mode=True, diff=True) +
                  task('create', PAT, NEVER) +
                  ''.join(task('check ' + change, PAT, args, check_mode=True)
                          for change, args in CHECKED_CHANGES.items()), compat=True))


def test_check_mode_create_update_delete_write_nothing(batch):
    case = case_of(batch, 'check-mode')
    out = ok(case, 'check create')
    assert out['changed'] is True and out['personal_access_token']['id'] == '<assigned by ISC on creation>'
    assert out['client_secret'] == '<generated by ISC on creation>'
    assert case.writes('check create') == []
    ok(case, 'create')
    for change in CHECKED_CHANGES:
        assert ok(case, 'check ' + change)['changed'] is True
        assert case.writes('check ' + change) == []


CASES.append(Case('update', task('create', PAT, NEVER) +
                  task('update', PAT, dict(NEVER, scope=['idn:sources:read']), diff=True), compat=True))


def test_update_patches_changed_fields_with_scope_warning(batch):
    case = case_of(batch, 'update')
    ok(case, 'create')
    out = ok(case, 'update')
    assert out['changed'] is True and out['personal_access_token']['scope'] == ['idn:sources:read']
    assert any('20 minutes' in w for w in out['warnings'])
    assert out['diff']['before']['scope'] == ['sp:scopes:all']
    assert [w['method'] for w in case.writes('update')] == ['PATCH']


EXPIRING = dict(name='reporting', expiration_date=in_days(60))
CASES.append(Case('switch-expiry', task('never', PAT, NEVER) + task('to dated', PAT, EXPIRING) +
                  task('dated again', PAT, EXPIRING) + task('back to never', PAT, NEVER) +
                  task('never again', PAT, NEVER)))


def test_switch_between_expiring_and_never_expiring(batch):
    case = case_of(batch, 'switch-expiry')
    ok(case, 'never')
    out = ok(case, 'to dated')
    assert out['changed'] is True and out['personal_access_token']['expirationDate']
    assert ok(case, 'dated again')['changed'] is False
    back = ok(case, 'back to never')
    assert back['changed'] is True and back['personal_access_token']['expirationDate'] is None
    assert ok(case, 'never again')['changed'] is False


def seed_managed_token(tenant):
    """A managed PAT named like the module's (only seeding makes one); its id becomes the host variable managed_id."""
    seeded = tenant.emulator.seed(tenant.name, personal_access_tokens=[dict(name='reporting', managed=True)])
    return dict(managed_id=seeded['personal_access_tokens'][0]['id'])


MANAGED_ATTEMPTS = dict(create=NEVER, regenerate=dict(NEVER, regenerate=True),
                        delete=dict(name='reporting', state='absent'))
CASES.append(Case('managed', ''.join(failing(attempt, PAT, args) for attempt, args in MANAGED_ATTEMPTS.items()) +
                  task('info', PAT_INFO, dict(name='reporting')), prepare=seed_managed_token))


def test_managed_tokens_are_reported_but_never_matched_by_name(batch):
    case = case_of(batch, 'managed')
    managed_id = case.hostvars['managed_id']
    for attempt in MANAGED_ATTEMPTS:
        msg = failed(case, attempt)['msg']
        assert 'managed' in msg and managed_id in msg
    assert case.writes() == []
    listed = ok(case, 'info')
    assert [(t['id'], t['managed']) for t in listed['personal_access_tokens']] == [(managed_id, True)]


CASES += [Case('legacy-regenerate-' + version, task('create', PAT, NEVER) +
               failing('regenerate', PAT, dict(name='reporting', regenerate=True, api_version=version)) +
               task('regenerate dated', PAT, dict(name='reporting', regenerate=True, api_version=version,
                                                  expiration_date=in_days(30))))
          for version in LEGACY_VERSIONS]


@pytest.mark.parametrize('version', LEGACY_VERSIONS)
def test_legacy_regenerate_of_a_never_expiring_token_fails_before_any_write(batch, version):
    case = case_of(batch, 'legacy-regenerate-' + version)
    ok(case, 'create')
    assert 'api_version v1' in failed(case, 'regenerate')['msg']
    assert case.writes('regenerate') == []
    dated = ok(case, 'regenerate dated')
    assert dated['changed'] is True and dated['personal_access_token']['expirationDate']


CASES.append(Case('rename-by-id', task('create', PAT, NEVER, register='made') +
                  task('rename', PAT, dict(id='{{ made.client_id }}', name='renamed'))))


def test_rename_by_id(batch):
    case = case_of(batch, 'rename-by-id')
    ok(case, 'create')
    out = ok(case, 'rename')
    assert out['changed'] is True and out['personal_access_token']['name'] == 'renamed'


CASES.append(Case('validity-not-patchable', task('create', PAT, NEVER) +
                  failing('change validity', PAT, dict(NEVER, access_token_validity_seconds=600))))


def test_validity_is_not_patchable(batch):
    case = case_of(batch, 'validity-not-patchable')
    ok(case, 'create')
    msg = failed(case, 'change validity')['msg']
    assert 'access_token_validity_seconds' in msg and 'regenerate=true' in msg
    assert case.writes('change validity') == []


CASES.append(Case('regenerate', task('create', PAT, NEVER) +
                  task('regenerate', PAT, dict(NEVER, regenerate=True, access_token_validity_seconds=600),
                       register='rotated') +
                  task('whoami', TOKEN_INFO, as_pat('rotated')), compat=True))


def test_regenerate_rotates_without_gap_and_applies_new_validity(batch):
    case = case_of(batch, 'regenerate')
    old = ok(case, 'create')
    out = ok(case, 'regenerate')
    assert out['changed'] is True and out['client_id'] != old['client_id'] and out['client_secret']
    assert out['personal_access_token']['name'] == 'reporting'
    assert out['personal_access_token']['accessTokenValiditySeconds'] == 600
    assert [w['method'] for w in case.writes('regenerate')] == ['POST', 'DELETE', 'PATCH']
    admin_tokens = tokens(case.tenant.state())
    assert [t['id'] for t in admin_tokens if t['name'] == 'reporting'] == [out['client_id']]
    assert not any('rotating' in t['name'] for t in admin_tokens)
    assert ok(case, 'whoami')['client_id'] == out['client_id']


def failing_rotation(fault):
    """Tasks: create the token (registered as old), set the fault rule, then a rotation expected to fail."""
    return (task('create', PAT, NEVER, register='old') + set_faults('fault', fault) +
            failing('regenerate', PAT, dict(NEVER, regenerate=True)))


def reporting_ids(state):
    return [t['id'] for t in tokens(state) if t['name'].startswith('reporting')]


CASES.append(Case('rotation-create-fails', failing_rotation(dict(
    method='POST', path='/personal-access-tokens/v1', action='status', status=500, count=1))))


def test_rotation_create_failure_leaves_old_token(batch):
    case = case_of(batch, 'rotation-create-fails')
    old = ok(case, 'create')
    assert 'HTTP 500' in failed(case, 'regenerate')['msg']
    assert reporting_ids(case.tenant.state()) == [old['client_id']]


CASES.append(Case('rotation-create-answer-lost', task('create', PAT, NEVER) + set_faults('fault', dict(
    method='POST', path='/personal-access-tokens/v1', action='drop_after_apply', count=1)) +
    task('regenerate', PAT, dict(NEVER, regenerate=True))))


def test_rotation_lost_create_answer_is_found_and_made_again(batch):
    case = case_of(batch, 'rotation-create-answer-lost')
    old = ok(case, 'create')
    rotated = ok(case, 'regenerate')
    assert rotated['client_id'] != old['client_id'] and rotated['client_secret']
    assert any('answer carrying its secret was lost' in w for w in rotated['warnings'])
    assert reporting_ids(case.tenant.state()) == [rotated['client_id']]


CASES.append(Case('rotation-delete-fails', failing_rotation(dict(
    method='DELETE', path='/personal-access-tokens/v1/{{ old.client_id }}', action='status', status=500,
    count=10)) + tenant_state('after the failure') + clear_faults('clear faults') + task('settle', PAT, NEVER)))


def test_rotation_delete_failure_keeps_the_old_token_and_the_next_run_settles(batch):
    case = case_of(batch, 'rotation-delete-fails')
    old = ok(case, 'create')
    failure = failed(case, 'regenerate')
    assert 'replaced only half way' in failure['msg'] and failure['client_secret']
    assert sorted(reporting_ids(ok(case, 'after the failure')['json'])) == \
        sorted([old['client_id'], failure['client_id']])
    # Without a secret file nothing confirms the replacement's secret was kept: it is removed, the old token stays.
    settled = ok(case, 'settle')
    assert settled['recovered'] == [dict(id=failure['client_id'], name=settled['recovered'][0]['name'],
                                         action='deleted')]
    assert reporting_ids(case.tenant.state()) == [old['client_id']]


# Below the batch's work directory, the playbook's directory.
SECRET_FILE = 'secrets/reporting.json'
WITH_SECRET_FILE = dict(NEVER, secret_file='{{ playbook_dir }}/' + SECRET_FILE)
CASES.append(Case('rotation-rename-fails', task('create', PAT, WITH_SECRET_FILE) + set_faults('fault', dict(
    method='PATCH', path_regex='^/personal-access-tokens/v1/', action='status', status=500, count=10)) +
    failing('regenerate', PAT, dict(WITH_SECRET_FILE, regenerate=True)) + tenant_state('after the failure') +
    step('secret file after the failure', 'ansible.builtin.set_fact', dict(
        secret_file_client_id="{{ (lookup('ansible.builtin.file', secret_file) | from_json).client_id }}"),
        vars=dict(secret_file=WITH_SECRET_FILE['secret_file'])) +
    clear_faults('clear faults') + task('repair', PAT, WITH_SECRET_FILE)))


def test_rotation_rename_failure_is_finished_by_the_next_run_from_the_secret_file(batch):
    case = case_of(batch, 'rotation-rename-fails')
    old = ok(case, 'create')
    failure = failed(case, 'regenerate')
    assert 'renaming it' in failure['msg'] and failure['client_id'] != old['client_id']
    left = [t for t in tokens(ok(case, 'after the failure')['json']) if t['name'].startswith('reporting')]
    assert [t['id'] for t in left] == [failure['client_id']] and 'rotating' in left[0]['name']
    assert ok(case, 'secret file after the failure')['ansible_facts']['secret_file_client_id'] == failure['client_id']
    repaired = ok(case, 'repair')
    assert repaired['changed'] is True and repaired['personal_access_token']['id'] == failure['client_id']
    assert repaired['recovered'][0]['action'] == 'adopted'
    assert [t['name'] for t in tokens(case.tenant.state()) if t['name'].startswith('reporting')] == ['reporting']
    with open(batch.run.work / SECRET_FILE) as handle:
        assert json.load(handle)['client_id'] == failure['client_id']


def nine_more_tokens(tenant):
    """Nine never expiring PATs of the admin: with the seeded admin PAT, the limit of 10."""
    tenant.emulator.seed(tenant.name, personal_access_tokens=[
        dict(name='t%d' % n, userAwareTokenNeverExpires=True) for n in range(9)])


CASES.append(Case('token-limit', failing('create', PAT, NEVER) + failing('check create', PAT, NEVER, check_mode=True),
                  prepare=nine_more_tokens))


def test_ten_token_limit_fails_naming_tokens_without_write(batch):
    case = case_of(batch, 'token-limit')
    msg = failed(case, 'create')['msg']
    assert 'limit of 10' in msg and 'seed-admin' in msg and 't8' in msg
    assert case.writes('create') == []
    failed(case, 'check create')
    assert case.writes('check create') == []


def legacy_expiry_case(version):
    dated = dict(name='legacy', api_version=version, expiration_date=in_days(90))
    return Case('legacy-expiry-' + version, task('create', PAT, dated) + task('again', PAT, dated) +
                failing('beyond six months', PAT, dict(dated, expiration_date=in_days(300))) +
                failing('never expiring', PAT, dict(name='legacy', api_version=version,
                                                    user_aware_token_never_expires=True)) +
                failing('earlier', PAT, dict(dated, expiration_date=in_days(30))))


CASES += [legacy_expiry_case(version) for version in LEGACY_VERSIONS]


@pytest.mark.parametrize('version', LEGACY_VERSIONS)
def test_legacy_versions_expire_within_six_months(batch, version):
    case = case_of(batch, 'legacy-expiry-' + version)
    made = ok(case, 'create')
    assert made['changed'] is True and 'userAwareTokenNeverExpires' not in made['personal_access_token']
    assert ok(case, 'again')['changed'] is False
    assert '6 months' in failed(case, 'beyond six months')['msg'] and case.writes('beyond six months') == []
    assert 'does not exist in API version %s' % version in failed(case, 'never expiring')['msg']
    assert 'cannot be changed in place' in failed(case, 'earlier')['msg']


CASES.append(Case('legacy-default-expiry', task('create', PAT, dict(name='legacy-default', api_version='v3'))))


def test_legacy_version_without_date_gets_the_six_month_default(batch):
    made = ok(case_of(batch, 'legacy-default-expiry'), 'create')
    expiry = datetime.datetime.fromisoformat(made['personal_access_token']['expirationDate'].replace('Z', '+00:00'))
    assert 170 < (expiry - datetime.datetime.now(datetime.timezone.utc)).days < 190


NEW_VERSIONS = ['v2025', 'v2026']
CASES += [Case('new-version-' + version, failing('undated', PAT, dict(name='x', api_version=version)) +
               task('never expiring', PAT, dict(NEVER, api_version=version)))
          for version in NEW_VERSIONS]


@pytest.mark.parametrize('version', NEW_VERSIONS)
def test_new_versions_follow_the_never_expires_rule(batch, version):
    case = case_of(batch, 'new-version-' + version)
    assert 'userAwareTokenNeverExpires must be true' in failed(case, 'undated')['msg']
    assert ok(case, 'never expiring')['personal_access_token']['userAwareTokenNeverExpires'] is True


CASES.append(Case(
    'admin-and-users-token',
    task('create as user', PAT, dict(AS_USER, name='users-token', user_aware_token_never_expires=True)) +
    failing('change', PAT, dict(owner_id='{{ user_identity_id }}', name='users-token', scope=['a:b'])) +
    task('delete', PAT, dict(owner_id='{{ user_identity_id }}', name='users-token', state='absent')),
    hostvars=USER_VARIABLES, prepare=lambda tenant: dict(user_identity_id=identity_id(tenant, 'user'))))


def test_admin_deletes_another_identitys_token_but_cannot_change_it(batch):
    case = case_of(batch, 'admin-and-users-token')
    mine = ok(case, 'create as user')
    assert 'Only the owner can create or change' in failed(case, 'change')['msg'] and case.writes('change') == []
    out = ok(case, 'delete')
    assert out['changed'] is True and out['personal_access_token'] is None
    assert mine['client_id'] not in [t['id'] for t in tokens(case.tenant.state(), 'user')]


GONE = dict(name='reporting', state='absent')
CASES += Case.on_both_paths('absent', task('create', PAT, NEVER) + task('delete', PAT, GONE) +
                            task('delete again', PAT, GONE), compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_absent_then_unchanged(batch, path):
    case = case_of(batch, 'absent-' + path)
    ok(case, 'create')
    assert ok(case, 'delete')['changed'] is True
    assert ok(case, 'delete again')['changed'] is False
    assert case.writes('delete again') == []


BAD_INPUT = [
    (dict(name='x'), 'needs expiration_date, or user_aware_token_never_expires=true'),
    (dict(name='x', expiration_date='2020-01-01'), 'is not in the future'),
    (dict(name='x', expiration_date='next tuesday'), 'is not an ISO 8601 date-time'),
    (dict(name='x', expiration_date='2031-02-30'), 'is not an ISO 8601 date-time'),
    (dict(NEVER, expiration_date='2031-01-01'), 'contradict each other'),
    (dict(NEVER, access_token_validity_seconds=10), 'between 15 and 43200'),
    (dict(NEVER, access_token_validity_seconds=50000), 'between 15 and 43200'),
    (dict(NEVER, scope=[]), 'at least one scope'),
    (dict(NEVER, scope=['a', 'a']), 'more than once'),
    (dict(NEVER, name=''), 'must not be empty'),
    (dict(NEVER, name='line\nbreak'), 'control characters'),
    (dict(state='absent'), 'needs id or name'),
    (dict(NEVER, owner_id='all'), 'only meaningful for isc_personal_access_token_info'),
    (dict(NEVER, api_version='v2'), 'value of api_version must be one of'),
    (dict(NEVER, user_aware_token_never_expires='sometimes'), 'is not a valid boolean'),
    (dict(NEVER, id='0123456789abcdef0123456789abcdef'), 'No personal access token with id'),
]
# One case, a failing task per bad input: none of them writes, so they need no tenant of their own.
CASES.append(Case('bad-input', ''.join(failing('bad input %d' % n, PAT, args)
                                       for n, (args, _message) in enumerate(BAD_INPUT))))


@pytest.mark.parametrize('args, message', BAD_INPUT)
def test_bad_input_fails_clearly_without_writing(batch, args, message):
    case = case_of(batch, 'bad-input')
    name = 'bad input %d' % BAD_INPUT.index((args, message))
    msg = failed(case, name)['msg']
    assert message in msg, msg
    assert case.writes(name) == []


INFO_QUERIES = dict(every=dict(owner_id='all'), one=dict(name='dated'), unused=dict(filters='lastUsed isnull'))
CASES += Case.on_both_paths(
    'info', task('create dated', PAT, dict(name='dated', expiration_date=in_days(10))) +
    task('create as user', PAT, dict(AS_USER, name='users', user_aware_token_never_expires=True)) +
    task('mine', PAT_INFO) + ''.join(task(query, PAT_INFO, args) for query, args in INFO_QUERIES.items()),
    hostvars=USER_VARIABLES, compat=True)


@pytest.mark.parametrize('path', PATH_NAMES)
def test_info_computed_fields_and_scopes_of_listing(batch, path):
    case = case_of(batch, 'info-' + path)
    ok(case, 'create dated')
    ok(case, 'create as user')
    mine = ok(case, 'mine')
    by_name = dict((t['name'], t) for t in mine['personal_access_tokens'])
    assert set(by_name) == {'seed-admin', 'dated'}
    assert by_name['seed-admin']['never_expires'] is True and by_name['seed-admin']['expires_in_days'] is None
    assert by_name['dated']['never_expires'] is False and by_name['dated']['expires_in_days'] in (9, 10)
    assert by_name['seed-admin']['days_since_last_used'] == 0  # the admin PAT is what this run authenticates with
    every = ok(case, 'every')
    assert {'seed-user', 'users'} <= set(t['name'] for t in every['personal_access_tokens'])
    assert [t['name'] for t in ok(case, 'one')['personal_access_tokens']] == ['dated']
    assert [t['name'] for t in ok(case, 'unused')['personal_access_tokens']] == ['dated']
    for t in every['personal_access_tokens']:
        assert 'secret' not in t
    for query in ['mine'] + list(INFO_QUERIES):
        assert case.writes(query) == []


CASES.append(Case('info-all-as-user', failing('every', PAT_INFO, dict(owner_id='all')),
                  hostvars=dict(isc_client_id=USER['client_id'], isc_client_secret=USER['client_secret'])))


def test_info_all_tokens_needs_admin(batch):
    assert 'HTTP 403' in failed(case_of(batch, 'info-all-as-user'), 'every')['msg']


# The whole batch runs at -vvvv; this case hides its results with no_log and keeps them in files for the test.
KEPT = '{{ playbook_dir }}/no-secret-%s.json'
CASES.append(Case('no-secret-at-vvvv', ''.join([
    task('create', PAT, NEVER, register='made', no_log=True, diff=True),
    keep('keep', KEPT % 'made', '{{ made | to_json }}', diff=True),
    task('rotate', PAT, dict(NEVER, regenerate=True), register='rotated', no_log=True, diff=True),
    keep('keep rotated', KEPT % 'rotated', '{{ rotated | to_json }}', diff=True),
    task('update with diff', PAT, dict(NEVER, scope=['idn:sources:read']), diff=True),
    task('info', PAT_INFO, diff=True),
]), compat=True))


def test_no_secret_in_output_at_vvvv(batch):
    case = case_of(batch, 'no-secret-at-vvvv')
    for name in ('create', 'keep', 'rotate', 'keep rotated', 'update with diff', 'info'):
        ok(case, name)
    secrets = [json.loads((batch.run.work / ('no-secret-%s.json' % kept)).read_text())['client_secret']
               for kept in ('made', 'rotated')] + [ADMIN['client_secret']]
    # The whole run's output: no case of the batch may print them.
    for secret in secrets:
        assert secret not in batch.run.output
    assert 'eyJ' not in batch.run.output
