"""isc_oauth_client_info's comparison on a fake ISC: compare_overrides merged per name, the checks of the names of
compare_with and of the overrides, made before any request and worded with the labels a role passes, and the outline
of the comparison (differing, matching, ids)."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import provisional_name
from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_oauth_client_info import SPEC, report

from ..module_utils.test_isc_resource import CLIENT, Ctx, FakeIsc, stored_client

ROLE_LABELS = dict(compare_with_label='api_clients_definitions', compare_overrides_label='api_clients_overrides')


def compare(isc, **params):
    checked = ArgumentSpecValidator(SPEC.argument_spec, **SPEC.validation_rules).validate(params)
    assert not checked.error_messages, checked.error_messages
    return report(Ctx(checked.validated_parameters, isc))


def refused(isc, **params):
    with pytest.raises(IscOptionError) as raised:
        compare(isc, **params)
    assert isc.calls == [], 'a request before the check'
    return raised.value.message


@pytest.fixture
def isc(tmp_path):
    fake = FakeIsc(tmp_path / 'tokens')
    fake.settings.client_id = 'admin-client-id'  # the comparison names the client it was made as
    return fake


def test_overrides_replace_the_options_of_their_client_only(isc):
    isc.add(stored_client('ci'))
    isc.add(stored_client('portal', accessTokenValiditySeconds=300))
    result = compare(isc, compare_with=[dict(CLIENT, name='ci'), dict(CLIENT, name='portal')],
                     compare_overrides=dict(portal=dict(access_token_validity_seconds=300)), **ROLE_LABELS)
    assert [(e['name'], e['action']) for e in result['comparison']] == [('ci', 'unchanged'), ('portal', 'unchanged')]
    # Without the override, portal's 750 would differ from the tenant's 300.
    assert result['comparison'][1]['options'] == dict(CLIENT, name='portal', access_token_validity_seconds=300)
    assert result['comparison'][0]['options'] == dict(CLIENT, name='ci')
    assert compare(isc, compare_with=[dict(CLIENT, name='portal')])['comparison'][0]['changes'] == [
        'access_token_validity_seconds']
    assert [c for c in isc.calls if c[0] != 'GET'] == []


def test_an_override_of_an_unknown_client_is_refused_naming_it(isc):
    message = refused(isc, compare_with=[dict(CLIENT, name='ci')], compare_overrides={'c1': dict(enabled=False)},
                      **ROLE_LABELS)
    assert message == ("api_clients_overrides names clients that are not in api_clients_definitions (unknown: "
                       "['c1'])")


def test_an_override_must_be_a_dictionary_of_options(isc):
    message = refused(isc, compare_with=[dict(CLIENT, name='ci')], compare_overrides=dict(ci='enabled=false'))
    assert message.startswith('compare_overrides: the value for each client must be a dictionary') and "['ci']" in message


@pytest.mark.parametrize('names, shown', [
    (['ci', 'ci'], "['ci', 'ci'] (0 without a name)"),
    (['7', 7], "['7', '7'] (0 without a name)"),  # the item spec makes both the name '7'
])
def test_two_definitions_of_one_name_are_refused(isc, names, shown):
    message = refused(isc, compare_with=[dict(CLIENT, name=name) for name in names])
    assert message == 'every definition needs a unique name: compare_with has the names %s' % shown


def test_with_overrides_every_definition_needs_a_name(isc):
    items = [dict(CLIENT, name='ci'), dict(description='no name')]
    message = refused(isc, compare_with=items, compare_overrides={}, **ROLE_LABELS)
    assert message == ("every definition needs a unique name: api_clients_definitions has the names "
                       "['ci', '<no name>'] (1 without a name)")
    # Without overrides an item may name its client by id alone.
    isc.add(stored_client('by-id', id='c0ffee'))
    entry = compare(isc, compare_with=[dict(id='c0ffee', description='CI')])['comparison'][0]
    assert (entry['id'], entry['action']) == ('c0ffee', 'unchanged')


def test_an_invalid_definition_names_both_inputs_when_overrides_were_merged(isc):
    with pytest.raises(IscOptionError) as raised:
        compare(isc, compare_with=[dict(CLIENT, name='ci', descripton='typo')], compare_overrides={}, **ROLE_LABELS)
    assert raised.value.message.startswith('api_clients_definitions (with api_clients_overrides) item ci: descripton')
    with pytest.raises(IscOptionError) as raised:
        compare(isc, compare_with=[dict(CLIENT, name='ci', descripton='typo')])
    assert raised.value.message.startswith('compare_with item ci: descripton')


def test_overrides_need_compare_with():
    checked = ArgumentSpecValidator(SPEC.argument_spec, **SPEC.validation_rules).validate(dict(compare_overrides={}))
    assert 'compare_overrides' in ' '.join(checked.error_messages) and 'compare_with' in ' '.join(checked.error_messages)


@pytest.mark.parametrize('check_mode', [False, True])
def test_the_comparison_says_whether_it_was_made_in_check_mode(isc, check_mode):
    # A role reads this: ansible_check_mode shows --check only, not the check_mode keyword.
    checked = ArgumentSpecValidator(SPEC.argument_spec, **SPEC.validation_rules).validate(
        dict(compare_with=[dict(CLIENT, name='ci')]))
    result = report(Ctx(checked.validated_parameters, isc, check_mode=check_mode))
    assert result['check_mode'] is check_mode and result['comparison'][0]['action'] == 'create'
    assert 'check_mode' not in compare(isc)  # a plain listing plans nothing


def test_the_comparison_is_outlined_by_what_the_module_would_do(isc):
    # One client of each kind: unchanged, to update, to create, to delete, absent already, and one with the leftover
    # of an unfinished create (unchanged itself, but the module has the leftover to remove).
    isc.add(stored_client('same', id='id-same'))
    isc.add(stored_client('old', id='id-old', description='old text'))
    isc.add(stored_client('going', id='id-going'))
    isc.add(stored_client('kept', id='id-kept'))
    isc.add(stored_client(provisional_name('kept', 'creating'), id='id-leftover'))
    result = compare(isc, compare_with=[dict(CLIENT, name='same'), dict(CLIENT, name='old'),
                                        dict(CLIENT, name='new'), dict(name='going', state='absent'),
                                        dict(name='gone', state='absent'), dict(CLIENT, name='kept')])
    assert [(e['name'], e['action'], e['provisional']) for e in result['comparison']] == [
        ('same', 'unchanged', []), ('old', 'update', []), ('new', 'create', []), ('going', 'delete', []),
        ('gone', 'absent', []), ('kept', 'unchanged', ['id-leftover'])]
    assert result['differing'] == ['old', 'new', 'going', 'kept']
    assert result['matching'] == ['same', 'gone', 'kept']
    assert result['ids'] == {'same': 'id-same', 'old': 'id-old', 'going': 'id-going', 'kept': 'id-kept'}
    assert isc.calls == [('GET', isc.calls[0][1])]  # still one list call


def test_an_outline_names_an_item_without_a_name_by_its_id(isc):
    isc.add(stored_client('by-id', id='c0ffee'))
    result = compare(isc, compare_with=[dict(id='c0ffee', description='CI'), dict(id='c0ffee', description='new')])
    assert (result['matching'], result['differing'], result['ids']) == (['c0ffee'], ['c0ffee'], {})


def test_a_tenant_that_matches_has_nothing_differing(isc):
    isc.add(stored_client('ci'))
    result = compare(isc, compare_with=[dict(CLIENT, name='ci')])
    assert (result['differing'], result['matching']) == ([], ['ci'])
    assert 'differing' not in compare(isc)  # a plain listing compares nothing
