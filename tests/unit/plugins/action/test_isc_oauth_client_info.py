"""isc_oauth_client_info's action plugin hands the definitions to validation as plain built-in values: templated
arguments are subclasses of the built-in types, and deep copies of those (validation makes one for the task and one
per definition) took a third of a no-change plan."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.action.isc_oauth_client_info import ActionModule, plain_copy
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_action import IscActionBase


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


@pytest.mark.parametrize('options', [
    dict(compare_with=[{TemplatedText('name'): TemplatedText('ci')}],
         compare_overrides={TemplatedText('ci'): {TemplatedText('enabled'): False}}),
    dict(compare_with=[{TemplatedText('name'): TemplatedText('ci')}]),
])
def test_the_action_hands_the_definitions_on_as_plain_values(monkeypatch, options):
    handed = []
    monkeypatch.setattr(IscActionBase, '_run_here', lambda self, args, origins: handed.append((args, origins)) or {})
    args = dict(options, client_secret=TemplatedText('task-secret-value'), name=None)
    ActionModule.__new__(ActionModule)._run_here(args, dict(client_secret='isc_client_secret'))
    [(seen, origins)] = handed
    assert seen == args and origins == dict(client_secret='isc_client_secret')
    for option in options:
        assert exact_types(seen[option]) <= {dict, list, str, bool}
    assert exact_types(seen['client_secret']) == {TemplatedText}  # the other options are none of this plugin's business
    assert TemplatedText in exact_types(args['compare_with'])  # the task's own arguments are left as they were
