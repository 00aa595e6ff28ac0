"""The action plugin base (plugin_utils/_isc_action.py) on fakes: where the work runs, async and become through
ActionBase, check mode, the task environment, isc_* variables, login checks, no_log masking, and validation messages
identical to AnsibleModule's. No playbook run."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re

import pytest
from ansible.errors import AnsibleActionFail, AnsibleActionSkip
from ansible.module_utils.common.parameters import remove_values
from hypothesis import given, strategies as st

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_action
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_action import IscActionBase, plain_copy


class Text(str):
    """A subclass of str, as templated values are."""


def echo(ctx):
    """The work of the fake module: what it was given, and what it sees of the environment."""
    return dict(params=dict(ctx.params), check_mode=ctx.check_mode, diff=ctx.diff,
                seen_env=os.environ.get('ISC_TEST_ENV'), seen_secret=ctx.params.get('client_secret'))


class FakeTemplar(object):
    """Renders "{{ name }}" from its variables, as Ansible's templar renders a variable reference."""

    def __init__(self, variables):
        self.variables = variables
        self.rendered = []

    def template(self, value):
        if isinstance(value, dict):
            return dict((k, self.template(v)) for k, v in value.items())
        if isinstance(value, str):
            match = re.fullmatch(r'\{\{ *(\w+) *\}\}', value)
            if match:
                self.rendered.append(match.group(1))
                return self.template(self.variables[match.group(1)])
        return value


class FakeShell(object):
    tmpdir = None

    def env_prefix(self, **env):
        return ' '.join('%s=%s' % item for item in sorted(env.items()))


class FakeConnection(object):
    has_native_async = False

    def __init__(self, transport):
        self.transport = transport
        self._shell = FakeShell()


class FakeTask(object):
    action = 'sailpoint_isc.oauth.isc_fake'

    def __init__(self, args, async_val=0, check_mode=False, diff=False, environment=None):
        self.args = args
        self.async_val = async_val
        self.poll = 1
        self.check_mode = check_mode
        self.diff = diff
        self.environment = environment or []


class FakePlayContext(object):
    def __init__(self, become=False):
        self.become = become
        self.check_mode = False


def action_class(supports_check_mode=True, own_options=None, connection=True):
    spec = IscModuleSpec(argument_spec=own_options or dict(note=dict(type='str')), run=echo,
                         supports_check_mode=supports_check_mode, connection=connection)

    class ActionModule(IscActionBase):
        pass

    ActionModule.spec = spec
    ActionModule._supports_check_mode = supports_check_mode  # what __init_subclass__ derives from a module file
    ActionModule.__module__ = 'ansible_collections.sailpoint_isc.oauth.plugins.action.isc_fake'
    return ActionModule


class Recorder(object):
    """Stands in for ActionBase's module execution, to see what the module path was asked to do."""

    def __init__(self):
        self.executed = []
        self.removed = []


def make(args, variables=None, transport='local', become=False, async_val=0, check_mode=False, environment=None,
         **spec_kwargs):
    variables = variables or {}
    recorder = Recorder()
    base = action_class(**spec_kwargs)

    class Recording(base):
        def _execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, persist_files=False,
                            delete_remote_tmp=None, wrap_async=False, **kwargs):
            recorder.executed.append(dict(module_name=module_name, module_args=dict(module_args),
                                          wrap_async=wrap_async))
            return dict(ansible_job_id='j1', started=1, finished=0) if wrap_async else dict(changed=False)

        def _remove_tmp_path(self, tmp_path, force=False):
            recorder.removed.append(tmp_path)

    Recording.__module__ = base.__module__
    action = Recording(FakeTask(args, async_val=async_val, check_mode=check_mode, environment=environment),
                       FakeConnection(transport), FakePlayContext(become), None, FakeTemplar(variables), None)
    return action, recorder, variables


CONNECTION = dict(base_url='https://acme.api.identitynow.com', client_id='cid', client_secret='task-secret-value')


def test_local_task_runs_in_process_with_the_validated_arguments():
    action, recorder, variables = make(dict(CONNECTION, note='hello'))
    result = action.run(task_vars=variables)
    assert recorder.executed == []
    assert result['params']['note'] == 'hello'
    assert result['params']['timeout'] == 30  # the spec's default, as AnsibleModule would fill it
    assert result['invocation']['module_args']['note'] == 'hello'


def test_no_log_values_are_masked_everywhere_in_the_result():
    action, _recorder, variables = make(dict(CONNECTION))
    result = action.run(task_vars=variables)
    assert 'task-secret-value' not in repr(result)
    assert result['seen_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert result['invocation']['module_args']['client_secret'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def test_validation_errors_match_ansible_module_and_mask_secrets():
    action, _recorder, variables = make(dict(CONNECTION, bogus=1))
    result = action.run(task_vars=variables)
    assert result['failed'] is True
    assert 'Unsupported parameters for (sailpoint_isc.oauth.isc_fake) module: bogus' in result['msg']

    # ansible-core echoes the value it could not convert; a value that is also a secret is masked
    action, _recorder, variables = make(dict(CONNECTION, timeout='task-secret-value'))
    result = action.run(task_vars=variables)
    assert result['failed'] is True and "argument 'timeout'" in result['msg']
    assert 'task-secret-value' not in result['msg']


@pytest.mark.parametrize('transport, become, async_val, wrap_async', [
    ('ssh', False, 0, False),          # another machine
    ('local', True, 0, False),         # another user
    ('local', False, 60, True),        # in the background
    ('local', True, 60, True),
])
def test_module_path_goes_through_actionbase(transport, become, async_val, wrap_async):
    action, recorder, variables = make(dict(CONNECTION, note='x'), transport=transport, become=become,
                                       async_val=async_val)
    result = action.run(task_vars=variables)
    assert len(recorder.executed) == 1
    call = recorder.executed[0]
    assert call['module_name'] == 'sailpoint_isc.oauth.isc_fake'
    assert call['wrap_async'] is wrap_async
    assert call['module_args']['note'] == 'x'
    # async_wrapper removes its own temporary directory; otherwise the action removes what the module used
    assert recorder.removed == ([] if wrap_async else [None])
    if wrap_async:
        assert result['ansible_job_id'] == 'j1'


def test_async_is_declared_so_actionbase_accepts_it():
    action, _recorder, variables = make(dict(CONNECTION), async_val=60)
    action.run(task_vars=variables)  # ActionBase.run() raises AnsibleActionFail for actions without async support

    class NoAsync(type(action)):
        _supports_async = False

    with pytest.raises(AnsibleActionFail, match='async'):  # the wording differs between ansible-core releases
        NoAsync(action._task, action._connection, action._play_context, None, action._templar, None).run(
            task_vars={})


def test_check_mode_is_actionbase_s_and_reaches_the_module():
    action, _recorder, variables = make(dict(CONNECTION), check_mode=True)
    assert action.run(task_vars=variables)['check_mode'] is True

    action, recorder, variables = make(dict(CONNECTION), check_mode=True, supports_check_mode=False)
    with pytest.raises(AnsibleActionSkip, match='check mode'):
        action.run(task_vars=variables)


def test_subclass_takes_check_mode_support_from_its_spec():
    class WithoutCheckMode(IscActionBase):
        spec = IscModuleSpec(argument_spec={}, run=echo, supports_check_mode=False)

    class WithCheckMode(IscActionBase):
        spec = IscModuleSpec(argument_spec={}, run=echo)

    assert WithoutCheckMode._supports_check_mode is False
    assert WithCheckMode._supports_check_mode is True
    assert WithCheckMode._supports_async is True


def test_task_environment_is_templated_and_applied_only_during_the_run(monkeypatch):
    monkeypatch.delenv('ISC_TEST_ENV', raising=False)
    action, _recorder, variables = make(dict(CONNECTION), environment=[{'ISC_TEST_ENV': '{{ env_value }}'}],
                                        variables=dict(env_value='from-a-variable'))
    result = action.run(task_vars=variables)
    assert result['seen_env'] == 'from-a-variable'
    assert 'ISC_TEST_ENV' not in os.environ


def test_unset_connection_options_come_from_templated_isc_variables():
    variables = dict(isc_base_url='{{ url }}', url='https://acme.api.identitynow.com', isc_client_id='var-id',
                     isc_client_secret='var-secret-value', isc_timeout=7, isc_validate_certs=False)
    action, _recorder, variables = make({}, variables=variables)
    result = action.run(task_vars=variables)
    params = result['params']
    assert params['base_url'] == 'https://acme.api.identitynow.com'
    assert params['client_id'] == 'var-id' and params['timeout'] == 7 and params['validate_certs'] is False
    assert 'var-secret-value' not in repr(result)  # a secret from a variable is no_log like one on the task


def test_task_arguments_win_over_variables_and_claim_their_rival():
    variables = dict(isc_base_url='https://other.example.com', isc_client_id='var-id',
                     isc_access_token='var-token-value', isc_timeout=7)
    action, _recorder, variables = make(dict(tenant='acme', client_id='task-id', client_secret='task-secret-value', timeout=9),
                                        variables=variables)
    params = action.run(task_vars=variables)['params']
    assert params['tenant'] == 'acme' and params['base_url'] is None  # the task's tenant wins over isc_base_url
    assert params['client_id'] == 'task-id' and params['timeout'] == 9
    assert params['access_token'] is None  # client credentials on the task: no isc_access_token


def test_variables_reach_the_module_path_too():
    action, recorder, variables = make({}, transport='ssh', variables=dict(isc_tenant='acme', isc_client_id='v'))
    action.run(task_vars=variables)
    assert recorder.executed[0]['module_args']['tenant'] == 'acme'
    assert recorder.executed[0]['module_args']['client_id'] == 'v'


def test_modules_without_a_connection_take_no_variables():
    action, _recorder, variables = make({}, connection=False, variables=dict(isc_base_url='https://x.example.com'))
    assert 'base_url' not in action.run(task_vars=variables)['params']


def test_a_bad_value_from_a_variable_names_the_variable():
    action, _recorder, variables = make(dict(CONNECTION), variables=dict(isc_max_retries='many'))
    result = action.run(task_vars=variables)
    assert result['failed'] is True
    assert 'max_retries from the variable isc_max_retries' in result['msg']


def test_login_checks_run_before_anything_and_name_the_variable():
    action, recorder, variables = make(dict(CONNECTION), transport='ssh', variables=dict(isc_redirect_uri='https://x'))
    result = action.run(task_vars=variables)
    assert result['failed'] is True
    assert 'the variable isc_redirect_uri is set' in result['msg'] and 'grant_type=authorization_code' in result['msg']
    assert recorder.executed == []


def test_connection_variables_are_read_from_the_lookup_s_option_definitions():
    pairs = dict(_isc_action.CONNECTION_VARIABLES)
    for option in ('base_url', 'tenant', 'client_id', 'client_secret', 'access_token', 'validate_certs', 'ca_path',
                   'timeout', 'max_retries', 'token_cache', 'token_cache_dir', 'grant_type', 'refresh_token'):
        assert pairs[option] == 'isc_' + option


def test_every_module_option_documents_the_variable_it_is_taken_from():
    import yaml

    from ansible_collections.sailpoint_isc.oauth.plugins.doc_fragments import auth, connection

    module_docs = {}
    for fragment in (connection, auth):
        module_docs.update(yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options'])
    for option, variable in _isc_action.CONNECTION_VARIABLES:
        assert 'C(%s)' % variable in ' '.join(module_docs[option]['description']), option


def test_a_conflict_between_variables_names_both_variables():
    def connect(ctx):
        ctx.client  # resolves the connection options, as every module does before its first request
        return {}

    action, _recorder, variables = make({}, variables=dict(isc_base_url='https://acme.api.identitynow.com',
                                                           isc_tenant='acme', isc_client_id='i',
                                                           isc_client_secret='var-secret-value'))
    action.spec = IscModuleSpec(argument_spec={}, run=connect)
    result = action.run(task_vars=variables)
    assert result['failed'] is True
    assert result['msg'].startswith('base_url and tenant are mutually exclusive')
    assert result['msg'].endswith('(base_url from the variable isc_base_url, tenant from the variable isc_tenant)')
    assert 'error' not in result  # no HTTP exchange to describe, so no empty "error": {}


@contextlib.contextmanager
def module_args(args):
    """Hand args to AnsibleModule as Ansible does, with ansible-core's helper for module unit tests (2.19+), or the
    way its developer guide did before (ansible.module_utils.basic._ANSIBLE_ARGS)."""
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:
        from unittest import mock

        from ansible.module_utils import basic

        with mock.patch.object(basic, '_ANSIBLE_ARGS', json.dumps(dict(ANSIBLE_MODULE_ARGS=args)).encode()):
            yield
    else:
        with patch_module_args(args):
            yield


def module_process_failure(spec, args, capsys):
    """The message AnsibleModule fails with for args, as the module path would return it."""
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module

    with module_args(dict(args, _ansible_module_name='sailpoint_isc.oauth.isc_fake')):
        with pytest.raises(SystemExit):
            run_module(spec)
    return json.loads(capsys.readouterr().out)['msg']


@pytest.mark.parametrize('args', [
    dict(bogus=1),
    dict(timeout='soon'),
    dict(validate_certs='ture'),
    dict(grant_type='password'),
    dict(key='k', jwks_url='https://keys.example.com/jwks'),
    dict(verify_signature=True),
], ids=['unsupported', 'type', 'boolean', 'choice', 'mutually-exclusive', 'required-if'])
def test_validation_messages_are_ansible_module_s(args, capsys):
    from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_token_info import SPEC as TOKEN_INFO

    action, _recorder, variables = make(dict(CONNECTION, **args))
    action.spec = TOKEN_INFO
    controller = action.run(task_vars=variables)
    assert controller['failed'] is True
    assert controller['msg'] == module_process_failure(TOKEN_INFO, dict(CONNECTION, **args), capsys)


# Templated task arguments are subclasses of the built-in types; deep copies of those (validation makes one for the
# task and one per item of a list of dicts) took a third of a no-change plan: validation gets plain values.
class TemplatedText(str):
    """Stands for what templating returns: AnsibleUnsafeText before ansible-core 2.19, a tagged str since."""


class TemplatedNumber(int):
    pass


class Opaque(object):
    """Stands for a value validation must see as it is (a vault-encrypted value)."""


def exact_types(value):
    """The types found in value, walking dicts (keys too) and lists."""
    found = {type(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            found |= exact_types(key) | exact_types(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= exact_types(item)
    return found


def test_plain_copy_rebuilds_every_built_in_value_as_the_built_in_type():
    opaque = Opaque()
    value = {TemplatedText('name'): TemplatedText('ci'), 'grant_types': (TemplatedText('CLIENT_CREDENTIALS'),),
             'access_token_validity_seconds': TemplatedNumber(750), 'enabled': True, 'ratio': 0.5, 'scope': None,
             'nested': [{'deep': [TemplatedText('x')]}], 'secret': opaque}
    copied = plain_copy(value)
    assert copied == dict(value, grant_types=['CLIENT_CREDENTIALS'])
    assert exact_types(copied) == {dict, list, str, int, bool, float, type(None), Opaque}
    assert copied['secret'] is opaque
    assert exact_types(copied['enabled']) == {bool}


def test_a_plain_copy_is_cheap_to_deep_copy():
    definitions = [dict((TemplatedText('option%d' % n), TemplatedText('value%d' % n)) for n in range(7))
                   for _number in range(20)]
    assert exact_types(copy.deepcopy(plain_copy(definitions))) == {list, dict, str}
    # The reason for the copy: deepcopy takes its generic path (__reduce_ex__) for a subclass of str.
    assert TemplatedText in exact_types(copy.deepcopy(definitions))


class ValidationReached(Exception):
    pass


@pytest.mark.parametrize('options', [
    dict(compare_with=[{TemplatedText('name'): TemplatedText('ci')}],
         compare_overrides={TemplatedText('ci'): {TemplatedText('enabled'): False}}),
    dict(compare_with=[{TemplatedText('name'): TemplatedText('ci')}]),
])
def test_validation_gets_every_argument_as_plain_values(monkeypatch, options):
    from ansible_collections.sailpoint_isc.oauth.plugins.action.isc_oauth_client_info import ActionModule

    handed = []

    def validate(validator, args):
        handed.append(args)
        raise ValidationReached()

    monkeypatch.setattr(_isc_action.ArgumentSpecValidator, 'validate', validate)
    args = dict(options, client_secret=TemplatedText('task-secret-value'), name=None)
    with pytest.raises(ValidationReached):
        ActionModule.__new__(ActionModule)._run_here(args, dict(client_secret='isc_client_secret'))
    [seen] = handed
    assert seen == args
    for option in options:
        assert exact_types(seen[option]) <= {dict, list, str, bool}
    assert exact_types(seen['client_secret']) == {str}  # every option, as a module process gets them (JSON)
    assert TemplatedText in exact_types(args['compare_with'])  # the task's own arguments are left as they were


# masked(): remove_values, skipped only where it would return an equal copy of the same types.

SECRETS = st.lists(st.text(min_size=1, max_size=4), max_size=3)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.floats(allow_nan=False),
                    st.text(max_size=8))
JSON_LIKE = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)
# What remove_values converts: tuples to lists, subclasses of str to str; text with a secret in it is masked.
ANY_VALUE = st.recursive(st.one_of(SCALARS, st.text(max_size=8).map(Text)), lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)


def shape(value):
    """value with the type of every part of it, to compare results type for type."""
    if isinstance(value, dict):
        return ('dict', sorted((shape(k), shape(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(v) for v in value])
    return (type(value).__name__, repr(value))


@given(value=ANY_VALUE, secrets=SECRETS)
def test_masked_is_remove_values(value, secrets):
    expected = remove_values(value, secrets)
    assert shape(_isc_action.masked(value, secrets)) == shape(expected)


@given(value=JSON_LIKE, secrets=SECRETS)
def test_masked_returns_what_remove_values_would_leave_unchanged_as_it_is(value, secrets):
    result = _isc_action.masked(value, secrets)
    if shape(remove_values(value, secrets)) == shape(value):
        assert result is value  # no copy made
    else:
        assert result is not value


def test_masked_masks_a_secret_anywhere_in_a_listing():
    listing = dict(changed=False, oauth_clients=[dict(id='c%d' % n, name='client %d' % n, enabled=True,
                                                      accessTokenValiditySeconds=750) for n in range(20)])
    assert _isc_action.masked(listing, {'s3cret-value'}) is listing
    listing['oauth_clients'][19]['description'] = 'made with s3cret-value'
    found = _isc_action.masked(listing, {'s3cret-value'})
    assert found['oauth_clients'][19]['description'] == 'made with ********'
    assert found['oauth_clients'][0] == listing['oauth_clients'][0]
    # a number that is a secret, and one that contains it, as AnsibleModule masks them
    assert _isc_action.masked(dict(pin=4711, other=147110), {'4711'}) == dict(
        pin='VALUE_SPECIFIED_IN_NO_LOG_PARAMETER', other='VALUE_SPECIFIED_IN_NO_LOG_PARAMETER')
