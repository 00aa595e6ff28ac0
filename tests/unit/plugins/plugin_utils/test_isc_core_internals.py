"""The ansible-core internals the collection reads (plugin_utils/_isc_core_internals.py) still look as expected.

Run on every supported ansible-core: if a release renames or reshapes them, this fails by name, before a
controller-side task could return an unmasked secret or drop a deprecation.
"""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_core_internals as core_internals

SPEC = dict(
    password=dict(type='str', no_log=True, aliases=['secret'],
                  deprecated_aliases=[dict(name='secret', version='9.0.0', collection_name='sailpoint_isc.oauth')]),
    mode=dict(type='str', removed_in_version='9.0.0', removed_from_collection='sailpoint_isc.oauth'),
    nested=dict(type='dict', options=dict(token=dict(type='str', no_log=True))),
)


def test_no_log_values_of_options_and_suboptions():
    validation = ArgumentSpecValidator(SPEC).validate(dict(password='s3cret-value', nested=dict(token='tok-value')))
    assert validation.error_messages == []
    values = core_internals.no_log_values(validation)
    assert isinstance(values, set)
    assert {'s3cret-value', 'tok-value'} <= values


def test_deprecations_of_aliases_and_options():
    validation = ArgumentSpecValidator(SPEC).validate(dict(secret='s3cret-value', mode='x'))
    assert validation.error_messages == []
    found = core_internals.deprecations(validation)
    messages = [d['msg'] for d in found]
    assert any("Alias 'secret' is deprecated" in m for m in messages), found
    assert any('mode' in m for m in messages), found
    for deprecation in found:
        assert set(deprecation) == {'msg', 'version', 'date', 'collection_name'}
        assert deprecation['version'] == '9.0.0' and deprecation['collection_name'] == 'sailpoint_isc.oauth'


def test_no_deprecations_when_none_apply():
    validation = ArgumentSpecValidator(SPEC).validate(dict(password='x'))
    assert core_internals.deprecations(validation) == []


def loaded_lookup():
    """A lookup plugin loaded the way Ansible loads one for a task: with a loader and a templar."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import lookup_loader
    from ansible.template import Templar

    loader = DataLoader()
    templar = Templar(loader=loader)
    return lookup_loader.get('env', loader=loader, templar=templar), templar


def test_plugin_option_definitions_are_the_documented_options():
    plugin, _templar = loaded_lookup()
    definitions = core_internals.plugin_option_definitions(plugin)
    assert {'_terms', 'default'} <= set(definitions)
    assert definitions['default']['description']  # the documentation's entry, as ansible-doc shows it


def test_plugin_templar_is_the_one_ansible_handed_over():
    plugin, templar = loaded_lookup()
    assert core_internals.plugin_templar(plugin) is templar


def test_collection_finder_index_finds_the_finder_that_imports_collections(tmp_path):
    from ansible.utils.collection_loader import _collection_finder

    finder = _collection_finder._AnsibleCollectionFinder(paths=[str(tmp_path)])  # built, not installed
    others = [object(), type('PolicingFinder', (object,), {})()]

    assert core_internals.collection_finder_index(others[:1] + [finder] + others[1:]) == 1
    assert core_internals.collection_finder_index(others) is None
    assert finder.find_spec('ansible_collections', None) is not None  # the finder of the collections' namespace


class MarkedEncrypted(object):
    """Shaped like ansible-core's vault-encrypted text before 2.19: marked, and its text is the plaintext."""
    __ENCRYPTED__ = True

    def __str__(self):
        return 'the-plaintext'


def test_vault_plaintext_decrypts_marked_values_only():
    assert core_internals.vault_plaintext(MarkedEncrypted()) == 'the-plaintext'
    for plain in ('text', 7, False, None, ['a'], {'k': 'v'}):
        assert core_internals.vault_plaintext(plain) == plain


def test_vault_plaintext_of_ansible_core_s_own_vault_value():
    from ansible.parsing.vault import VaultLib, VaultSecret
    from ansible.parsing.yaml import objects

    if not hasattr(objects.AnsibleVaultEncryptedUnicode, 'from_plaintext'):
        pytest.skip('ansible-core 2.19 and later template a vault value to its text (test_connection_variables)')
    secret = VaultSecret(b'correct horse')
    value = objects.AnsibleVaultEncryptedUnicode.from_plaintext('s3cret-value', VaultLib([('default', secret)]), secret)
    assert not isinstance(value, str)
    assert core_internals.vault_plaintext(value) == 's3cret-value'
