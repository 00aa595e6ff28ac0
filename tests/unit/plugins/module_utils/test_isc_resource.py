"""The resource engine's decisions and its crash-safe write order, on an in-memory ISC (milliseconds per test).

Every rotation and recovery state is reached by making one step of the write fail, or by leaving ISC in the state
a killed run leaves it in, then running the engine again.
"""

from __future__ import annotations

import itertools
import json
import os

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import (
    IscError,
    IscOptionError,
    IscOutcomeUnknownError,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_oauth_client import (
    OAUTH_CLIENT,
    OAUTH_CLIENT_EXTRA_OPTIONS,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_personal_access_token import (
    PERSONAL_ACCESS_TOKEN,
    PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import (
    provisional_name,
    provisional_parts,
    resource_argument_spec,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_write_lock import WriteLock


class Settings(object):
    def __init__(self, state_dir):
        self.base_url = 'https://acme.api.identitynow.com'
        self.token_url = self.base_url + '/oauth/token'
        self.token_cache_dir = str(state_dir)


class FakeIsc(object):
    """The engine's view of ISC: list/get/post/patch/delete on one collection, with scripted faults.

    faults: method -> list of callables run before that request; a callable may raise, or apply the request and
    then raise (an answer lost after ISC applied it).
    """

    def __init__(self, state_dir, objects=()):
        self.settings = Settings(state_dir)
        self.objects = {}
        self.ids = ('id%04d' % n for n in itertools.count(1))
        self.secrets = ('secret-%04d' % n for n in itertools.count(1))
        self.calls = []
        self.faults = {}
        for obj in objects:
            self.add(obj)

    def add(self, obj):
        obj = dict(obj)
        obj.setdefault('id', next(self.ids))
        self.objects[obj['id']] = obj
        return obj

    def names(self):
        return sorted(o['name'] for o in self.objects.values())

    def _fault(self, method, apply):
        queue = self.faults.get(method) or []
        if queue:
            return queue.pop(0)(apply)
        return apply()

    def paginate(self, path, params=None):
        self.calls.append(('GET', path))
        return [dict(o) for o in self.objects.values()]

    def get(self, path):
        self.calls.append(('GET', path))
        found = self.objects.get(path.rsplit('/', 1)[-1])
        if found is None:
            raise IscError('not found', status=404)
        return dict(found)

    def post(self, path, body):
        self.calls.append(('POST', path))

        def apply():
            created = self.add(dict(body, secret=next(self.secrets), created='2026-11-30T10:00:00.000Z'))
            return dict(created)
        return self._fault('POST', apply)

    def patch(self, path, operations):
        self.calls.append(('PATCH', path))
        object_id = path.rsplit('/', 1)[-1]

        def apply():
            for operation in operations:
                self.objects[object_id][operation['path'].lstrip('/')] = operation['value']
            return dict(self.objects[object_id])
        return self._fault('PATCH', apply)

    def delete(self, path):
        self.calls.append(('DELETE', path))
        object_id = path.rsplit('/', 1)[-1]

        def apply():
            del self.objects[object_id]
        return self._fault('DELETE', apply)

    def writes(self):
        return [c for c in self.calls if c[0] != 'GET']

    def token(self):  # pragma: no cover - only tasks with another owner ask
        raise AssertionError('no token needed')


class Ctx(object):
    def __init__(self, params, client, check_mode=False, diff=False):
        self.params = params
        self.client = client
        self.check_mode = check_mode
        self.diff = diff
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


def lost_answer(apply):
    apply()
    raise IscOutcomeUnknownError('the answer was lost (read timeout)')


def never_applied(apply):
    raise IscOutcomeUnknownError('the answer was lost (connection reset)')


def server_error(apply):
    raise IscError('HTTP 500', status=500)


CLIENT = dict(name='ci', description='CI', grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
              access_token_validity_seconds=750, enabled=True)


def run(resource, extra, isc, check_mode=False, **params):
    checked = ArgumentSpecValidator(resource_argument_spec(resource, extra)).validate(params)
    assert not checked.error_messages, checked.error_messages
    ctx = Ctx(checked.validated_parameters, isc, check_mode=check_mode, diff=True)
    engine = resource.engine(ctx)
    engine.lost_answer_delays = (0, 0)
    result = engine.ensure()
    result['warnings'] = ctx.warnings
    return result


def client_task(isc, **params):
    return run(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS, isc, **dict(CLIENT, **params))


def pat_task(isc, **params):
    return run(PERSONAL_ACCESS_TOKEN, PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS, isc, **params)


def stored_client(name='ci', **fields):
    return dict(dict(name=name, description='CI', grantTypes=['CLIENT_CREDENTIALS'], accessType='OFFLINE',
                     accessTokenValiditySeconds=750, enabled=True, scope=['sp:scopes:all'], businessName='',
                     homepageUrl='', redirectUris=[]), **fields)


def stored_pat(name='ci', **fields):
    return dict(dict(name=name, scope=['sp:scopes:all'], accessTokenValiditySeconds=43200, expirationDate=None,
                     userAwareTokenNeverExpires=True, managed=False), **fields)


@pytest.fixture
def isc(tmp_path):
    return FakeIsc(tmp_path / 'cache' / 'tokens')


# -- provisional names ----------------------------------------------------------------------------------


def test_provisional_names_are_exact():
    name = provisional_name('app: ci (rotating legacy pipeline)', 'creating')
    assert provisional_parts(name) == ('app: ci (rotating legacy pipeline)', 'creating')
    for other in ('ci (rotating legacy pipeline)', 'ci (rotating 3F9A0C1E)', 'ci (rotating 3f9a0c1)',
                  'ci (creating 3f9a0c1e) ', 'ci(rotating 3f9a0c1e)', 'ci (deleting 3f9a0c1e)'):
        assert provisional_parts(other) is None, other


def test_a_declared_name_that_looks_provisional_is_refused(isc):
    with pytest.raises(IscOptionError, match='provisional'):
        client_task(isc, name='ci (creating 3f9a0c1e)')
    assert isc.calls == []


# -- creating ---------------------------------------------------------------------------------------------


def test_create_posts_under_a_provisional_name_then_renames(isc):
    result = client_task(isc)
    assert [c[0] for c in isc.writes()] == ['POST', 'PATCH']
    assert isc.names() == ['ci']
    assert result['changed'] and result['client_secret'] == 'secret-0001' and result['oauth_client']['name'] == 'ci'
    assert 'secret' not in result['oauth_client'] and 'secret' not in json.dumps(result['diff'])


def test_secret_file_is_written_before_the_rename(isc, tmp_path):
    path = tmp_path / 'secrets' / 'prod' / 'ci.json'

    def rename_checks_the_file(apply):
        record = json.loads(path.read_text())
        assert record['client_secret'] == 'secret-0001' and record['client_id'] == 'id0001'
        return apply()
    isc.faults['PATCH'] = [rename_checks_the_file]
    result = client_task(isc, secret_file=str(path))
    assert result['secret_file'] == str(path)
    assert oct(path.stat().st_mode & 0o777) == '0o600' and oct(path.parent.stat().st_mode & 0o777) == '0o700'
    record = json.loads(path.read_text())
    assert record['name'] == 'ci' and record['tenant'] == 'acme' and record['token_url'].endswith('/oauth/token')


def test_a_secret_file_that_cannot_be_written_removes_the_new_client(isc, tmp_path):
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('')
    with pytest.raises(IscError, match='Nothing was changed'):
        client_task(isc, secret_file=str(blocker / 'ci.json'))
    assert isc.objects == {}


def test_a_secret_file_behind_a_symbolic_link_is_refused(isc, tmp_path):
    target = tmp_path / 'elsewhere.json'
    link = tmp_path / 'secrets' / 'ci.json'
    link.parent.mkdir()
    link.symlink_to(target)
    with pytest.raises(IscError, match='symbolic link'):
        client_task(isc, secret_file=str(link))
    assert not target.exists() and isc.objects == {}


def test_lost_create_answer_found_under_its_provisional_name_is_deleted_and_created_again(isc):
    isc.faults['POST'] = [lost_answer]
    result = client_task(isc)
    assert isc.names() == ['ci'] and result['client_secret'] == 'secret-0002'
    assert [c[0] for c in isc.writes()] == ['POST', 'DELETE', 'POST', 'PATCH']
    assert any('answer carrying its secret was lost' in w for w in result['warnings'])


def test_lost_create_answer_never_applied_fails_outcome_unknown_without_a_second_post(isc):
    isc.faults['POST'] = [never_applied]
    with pytest.raises(IscError, match='outcome of creating'):
        client_task(isc)
    assert [c[0] for c in isc.writes()] == ['POST']


def test_a_late_arrival_is_removed_by_the_next_run_never_a_second_client(isc):
    isc.faults['POST'] = [never_applied]
    with pytest.raises(IscError):
        client_task(isc)
    isc.add(stored_client(provisional_name('ci', 'creating')))  # ISC applied it after all
    result = client_task(isc)
    assert isc.names() == ['ci']
    assert [r['action'] for r in result['recovered']] == ['deleted']


def test_killed_before_the_rename_leftover_is_adopted_when_the_secret_file_holds_its_id(isc, tmp_path):
    path = tmp_path / 'ci.json'
    leftover = dict(isc.add(stored_client(provisional_name('ci', 'creating'))))
    path.write_text(json.dumps(dict(client_id=leftover['id'], client_secret='delivered')))
    result = client_task(isc, secret_file=str(path))
    assert isc.names() == ['ci'] and list(isc.objects) == [leftover['id']]
    assert result['recovered'] == [dict(id=leftover['id'], name=leftover['name'], action='adopted')]
    assert [c[0] for c in isc.writes()] == ['PATCH']


def test_killed_before_delivery_leftover_is_deleted_and_created_again(isc, tmp_path):
    path = tmp_path / 'ci.json'
    path.write_text(json.dumps(dict(client_id='some-other-id', client_secret='old')))
    leftover = isc.add(stored_client(provisional_name('ci', 'creating')))
    result = client_task(isc, secret_file=str(path))
    assert isc.names() == ['ci'] and leftover['id'] not in isc.objects
    assert json.loads(path.read_text())['client_id'] == result['client_id'] != leftover['id']


def test_check_mode_reports_recovery_without_writing(isc):
    isc.add(stored_client(provisional_name('ci', 'creating')))
    result = run(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS, isc, check_mode=True, **CLIENT)
    assert result['changed'] and result['recovered'][0]['action'] == 'deleted'
    assert isc.writes() == []


# -- updating and replacing ---------------------------------------------------------------------------------


def test_second_run_is_unchanged_and_empty_values_compare_alike(isc):
    isc.add(stored_client(businessName=None, homepageUrl=None, redirectUris=None))
    result = client_task(isc, business_name='', redirect_uris=[])
    assert not result['changed'] and isc.writes() == []


def test_empty_string_and_list_clear_fields(isc):
    isc.add(stored_client(businessName='Acme', redirectUris=['https://app.example/cb']))
    client_task(isc, business_name='', redirect_uris=[])
    stored = list(isc.objects.values())[0]
    assert stored['businessName'] == '' and stored['redirectUris'] == []


def test_empty_scope_is_refused_before_any_request(isc):
    with pytest.raises(IscOptionError, match='scope must name at least one scope'):
        client_task(isc, scope=[])
    assert isc.calls == []


def test_a_frozen_change_without_recreate_fails_before_any_write(isc):
    isc.add(stored_client())
    with pytest.raises(IscOptionError, match='scope of the OAuth client .* recreate=true'):
        client_task(isc, scope=['idn:sources:read'])
    assert isc.writes() == []


def test_recreate_creates_first_and_deletes_the_old_client_after_delivery(isc, tmp_path):
    old = isc.add(stored_client())
    path = tmp_path / 'ci.json'
    result = client_task(isc, scope=['idn:sources:read'], recreate=True, secret_file=str(path))
    assert [c[0] for c in isc.writes()] == ['POST', 'DELETE', 'PATCH']
    assert old['id'] not in isc.objects and isc.names() == ['ci']
    assert json.loads(path.read_text())['client_id'] == result['client_id']


def test_recreate_whose_create_fails_leaves_the_old_client_working(isc):
    old = isc.add(stored_client())
    isc.faults['POST'] = [server_error]
    with pytest.raises(IscError, match='HTTP 500'):
        client_task(isc, scope=['idn:sources:read'], recreate=True)
    assert list(isc.objects) == [old['id']]


def test_recreate_interrupted_after_delivery_is_finished_by_the_next_run(isc, tmp_path):
    isc.add(stored_client())
    path = tmp_path / 'ci.json'
    isc.faults['DELETE'] = [server_error]
    with pytest.raises(IscError, match='replaced only half way'):
        client_task(isc, scope=['idn:sources:read'], recreate=True, secret_file=str(path))
    new_id = json.loads(path.read_text())['client_id']
    result = client_task(isc, scope=['idn:sources:read'], secret_file=str(path))
    assert list(isc.objects) == [new_id] and isc.names() == ['ci']
    assert result['recovered'][0]['action'] == 'adopted'


# -- personal access tokens ---------------------------------------------------------------------------------


def test_back_to_never_expires_sends_the_flag_with_the_null_date(isc):
    isc.add(stored_pat(expirationDate='2027-01-01T00:00:00.000Z', userAwareTokenNeverExpires=True))
    sent = []
    isc.patch, original = (lambda path, ops: sent.append(ops) or original(path, ops)), isc.patch
    pat_task(isc, name='ci', user_aware_token_never_expires=True)
    assert sorted((op['path'], op['value']) for op in sent[0]) == [
        ('/expirationDate', None), ('/userAwareTokenNeverExpires', True)]


def test_rotation_order_and_exact_temporary_name(isc, tmp_path):
    old = isc.add(stored_pat())
    path = tmp_path / 'ci.json'
    names_seen = []
    isc.faults['DELETE'] = [lambda apply: names_seen.extend(isc.names()) or apply()]
    result = pat_task(isc, name='ci', regenerate=True, secret_file=str(path))
    assert [c[0] for c in isc.writes()] == ['POST', 'DELETE', 'PATCH']
    assert provisional_parts(names_seen[1]) == ('ci', 'rotating')
    assert old['id'] not in isc.objects and isc.names() == ['ci']
    assert json.loads(path.read_text())['client_id'] == result['client_id']


def test_rotation_killed_before_delivery_keeps_the_old_token(isc):
    old = isc.add(stored_pat())
    isc.add(stored_pat(provisional_name('ci', 'rotating')))
    result = pat_task(isc, name='ci', user_aware_token_never_expires=True)
    assert list(isc.objects) == [old['id']]
    assert result['recovered'][0]['action'] == 'deleted'


def test_only_the_exact_temporary_pattern_is_adopted(isc):
    isc.add(stored_pat('ci (rotating legacy pipeline)'))
    result = pat_task(isc, name='ci', user_aware_token_never_expires=True)
    assert sorted(isc.names()) == ['ci', 'ci (rotating legacy pipeline)'] and 'recovered' not in result


def test_managed_tokens_are_never_matched_by_name(isc):
    managed = isc.add(stored_pat(managed=True))
    isc.add(stored_pat(provisional_name('ci', 'rotating'), managed=True))
    for params in (dict(state='absent'), dict(regenerate=True), dict(user_aware_token_never_expires=True)):
        with pytest.raises(IscError, match='managed.*give its id'):
            pat_task(isc, name='ci', **params)
    assert isc.writes() == [] and managed['id'] in isc.objects and len(isc.objects) == 2
    # By id it is the task's to address.
    assert pat_task(isc, id=managed['id'], name='ci', state='absent')['changed'] is True


def test_regenerate_at_the_token_limit_fails_before_any_write(isc):
    for n in range(9):
        isc.add(stored_pat('other-%d' % n))
    isc.add(stored_pat())
    with pytest.raises(IscError, match='limit of 10'):
        pat_task(isc, name='ci', regenerate=True)
    assert isc.writes() == []


def test_legacy_regenerate_of_a_never_expiring_token_fails_before_any_write(isc):
    isc.add(stored_pat())
    with pytest.raises(IscOptionError, match='api_version v1'):
        pat_task(isc, name='ci', regenerate=True, api_version='v3')
    assert isc.writes() == []


# -- planning and the write lock ------------------------------------------------------------------------------


def plan(isc, items):
    ctx = Ctx(dict(api_version='v1', id=None, name=None, filters=None), isc)
    return OAUTH_CLIENT.engine(ctx).plan(items, resource_argument_spec(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS))


def test_plan_runs_the_same_decision_as_the_module(isc):
    isc.add(stored_client('same'))
    isc.add(stored_client('desc'))
    isc.add(stored_client('frozen'))
    isc.add(stored_client(provisional_name('new-with-leftover', 'creating')))
    entries = plan(isc, [dict(CLIENT, name='same'), dict(CLIENT, name='desc', description='other'),
                         dict(CLIENT, name='frozen', scope=['idn:sources:read']),
                         dict(CLIENT, name='frozen2', scope=['idn:sources:read']),
                         dict(CLIENT, name='new-with-leftover')])
    assert [(e['name'], e['action']) for e in entries] == [
        ('same', 'unchanged'), ('desc', 'update'), ('frozen', 'recreate_required'), ('frozen2', 'create'),
        ('new-with-leftover', 'create')]
    assert entries[2]['frozen'] == ['scope']
    assert 'planned_at' in entries[3] and 'planned_at' not in entries[4] and entries[4]['provisional']
    assert isc.calls == [('GET', '/oauth-clients/v1')]


def test_a_create_planned_earlier_is_trusted_only_when_nobody_wrote_the_name_since(isc):
    entry = plan(isc, [CLIENT])[0]
    isc.calls.clear()
    client_task(isc, planned_at=entry['planned_at'])
    assert isc.calls[0][0] == 'POST'  # no second list
    # Someone created it since (a killed run's worker): the next planned create looks again and finds it.
    isc.calls.clear()
    result = client_task(isc, planned_at=entry['planned_at'])
    assert isc.calls[0] == ('GET', '/oauth-clients/v1') and not result['changed'] and isc.names() == ['ci']


def test_a_writer_killed_half_way_makes_later_tasks_look_again(isc, tmp_path):
    entry = plan(isc, [CLIENT])[0]
    lock = WriteLock(isc.settings.token_cache_dir, isc.settings.base_url, 'oauth-clients', 'ci')
    with lock.held():
        lock.mark_started()  # and then killed: no "done"
    assert not lock.settled_before(entry['planned_at'] + 3600)
    client_task(isc, planned_at=entry['planned_at'] + 3600)
    assert isc.calls[1] == ('GET', '/oauth-clients/v1')


def test_lock_files_are_private_and_name_nothing(isc):
    client_task(isc)
    lock_dir = os.path.join(os.path.dirname(isc.settings.token_cache_dir), 'locks')
    assert oct(os.stat(lock_dir).st_mode & 0o777) == '0o700'
    for entry in os.listdir(lock_dir):
        assert 'ci' not in entry.replace('.lock', '') or len(entry) == 69
        assert oct(os.stat(os.path.join(lock_dir, entry)).st_mode & 0o777) == '0o600'
