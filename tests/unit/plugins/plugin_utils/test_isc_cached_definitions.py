"""DefinitionsCache: a plugin's option definitions kept from one process to the next, and when they are not used.

Each "process" here gets a configuration manager of its own, ansible-core's ConfigManager as ansible.constants
holds one; test_isc_access_token_imports.py shows the lookup using the cache in fresh processes through Ansible's
plugin loader.
"""

from __future__ import annotations

import json
import os
import sys
import types

import pytest
from ansible.config.manager import ConfigManager

from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_cached_definitions
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_cached_definitions import DefinitionsCache

DEFINITIONS = dict(timeout=dict(type='int', default=30, env=[dict(name='ISC_TIMEOUT')], description=['Seconds.']))


NAME = 'ansible_collections.example.test.plugins.lookup.isc_example'


def new_process(monkeypatch):
    """What a new process has: ansible.constants with a configuration manager of its own."""
    monkeypatch.setattr(_isc_cached_definitions, 'C', types.SimpleNamespace(config=ConfigManager()))


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A plugin file in a collection's plugins/ layout with two doc fragments."""
    monkeypatch.setattr(sys, 'dont_write_bytecode', False)
    (tmp_path / 'lookup').mkdir()
    (tmp_path / 'doc_fragments').mkdir()
    for name in ('connection.py', 'auth.py'):
        (tmp_path / 'doc_fragments' / name).write_text('DOCUMENTATION = ""\n')
    path = tmp_path / 'lookup' / 'isc_example.py'
    path.write_text('DOCUMENTATION = ""\n')
    new_process(monkeypatch)
    return path, NAME


def loaded_elsewhere(path, name, monkeypatch):
    """What a next process sees: a new cache object, and a configuration manager without the definitions."""
    new_process(monkeypatch)
    return DefinitionsCache('lookup', name, str(path))


def config():
    return _isc_cached_definitions.C.config


def test_definitions_kept_after_a_miss_are_handed_to_ansible_in_the_next_process(plugin, monkeypatch):
    path, name = plugin
    first = DefinitionsCache('lookup', name, str(path))
    assert first.preload() is False  # nothing kept yet: Ansible reads the documentation
    config().initialize_plugin_configuration_definitions('lookup', name, DEFINITIONS)  # as Ansible then does
    assert first.keep(name, DEFINITIONS) is True

    second = loaded_elsewhere(path, name, monkeypatch)
    assert second.preload() is True
    assert config().get_configuration_definitions('lookup', name) == DEFINITIONS
    assert second.keep(name, DEFINITIONS) is False  # a hit keeps nothing anew


@pytest.mark.parametrize('change', ['plugin file', 'doc fragment', 'new doc fragment', 'ansible-core'])
def test_a_change_of_what_the_definitions_come_from_misses(plugin, change, monkeypatch):
    path, name = plugin
    first = DefinitionsCache('lookup', name, str(path))
    first.preload()
    assert first.keep(name, DEFINITIONS)
    if change == 'plugin file':
        path.write_text('DOCUMENTATION = "options: {}"\n')
    elif change == 'doc fragment':
        os.utime(path.parent.parent / 'doc_fragments' / 'auth.py', ns=(1, 1))
    elif change == 'new doc fragment':
        (path.parent.parent / 'doc_fragments' / 'proxy.py').write_text('DOCUMENTATION = ""\n')
    else:
        monkeypatch.setattr(_isc_cached_definitions, 'ANSIBLE_CORE_VERSION', '9.99.0')

    assert loaded_elsewhere(path, name, monkeypatch).preload() is False
    assert config().has_configuration_definition('lookup', name) is False


def test_definitions_ansible_already_has_are_left_alone(plugin, monkeypatch):
    path, name = plugin
    first = DefinitionsCache('lookup', name, str(path))
    first.preload()
    first.keep(name, DEFINITIONS)
    loaded_elsewhere(path, name, monkeypatch)
    own = dict(other=dict(type='str'))
    config().initialize_plugin_configuration_definitions('lookup', name, own)

    cache = DefinitionsCache('lookup', name, str(path))
    assert cache.preload() is False
    assert config().get_configuration_definitions('lookup', name) == own
    assert cache.keep(name, own) is False  # not a miss: nothing was to be read from the documentation


def test_nothing_is_kept_under_another_name_without_bytecode_writing_or_where_it_cannot_be_written(
        plugin, monkeypatch):
    path, name = plugin
    kept = path.parent / '__pycache__' / 'isc_example.options.json'

    cache = DefinitionsCache('lookup', name, str(path))
    cache.preload()
    assert cache.keep('isc_example', DEFINITIONS) is False  # Ansible's name differs: it would never be found

    cache.preload()
    monkeypatch.setattr(sys, 'dont_write_bytecode', True)
    assert cache.keep(name, DEFINITIONS) is False
    monkeypatch.setattr(sys, 'dont_write_bytecode', False)

    cache.preload()
    assert cache.keep(name, dict(when=dict(default=object()))) is False  # not JSON: read every time
    assert not kept.parent.exists()

    kept.parent.write_text('a file where the directory would be')
    cache.preload()
    assert cache.keep(name, DEFINITIONS) is False


@pytest.mark.parametrize('content', ['{"key": [', '[]', '{"key": null, "definitions": {}}', '{"definitions": []}'])
def test_a_damaged_or_foreign_file_misses_and_is_replaced(plugin, content):
    path, name = plugin
    kept = path.parent / '__pycache__' / 'isc_example.options.json'
    kept.parent.mkdir()
    kept.write_text(content)

    cache = DefinitionsCache('lookup', name, str(path))
    assert cache.preload() is False
    assert cache.keep(name, DEFINITIONS) is True
    assert json.loads(kept.read_text())['definitions'] == DEFINITIONS
    assert [p.name for p in kept.parent.iterdir()] == ['isc_example.options.json']  # no temporary file left
