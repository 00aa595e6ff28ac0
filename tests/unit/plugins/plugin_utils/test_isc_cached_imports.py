"""The finder that loads the collection's private helpers with Python's bytecode cache answers for them only."""

from __future__ import annotations

import importlib.machinery
import sys

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_errors
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_cached_imports
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_cached_imports import CachedHelperFinder

PLUGINS = 'ansible_collections.sailpoint_isc.oauth.plugins.'
MODULE_UTILS_PATH = list(sys.modules[PLUGINS + 'module_utils'].__path__)


def test_a_helper_of_this_collection_gets_the_standard_source_loader():
    spec = CachedHelperFinder.find_spec(PLUGINS + 'module_utils._isc_errors', MODULE_UTILS_PATH)

    assert isinstance(spec.loader, importlib.machinery.SourceFileLoader)
    assert spec.origin == _isc_errors.__file__
    assert spec.cached.endswith('.pyc') and '__pycache__' in spec.cached


def test_everything_else_is_left_to_ansible():
    # A missing helper (Ansible's loader reports it), other packages of the collection, other collections.
    assert CachedHelperFinder.find_spec(PLUGINS + 'module_utils._isc_no_such_helper', MODULE_UTILS_PATH) is None
    assert CachedHelperFinder.find_spec(PLUGINS + 'modules.isc_oauth_client', MODULE_UTILS_PATH) is None
    assert CachedHelperFinder.find_spec(PLUGINS + 'module_utils', None) is None
    assert CachedHelperFinder.find_spec('ansible_collections.other.collection.plugins.module_utils._isc_errors',
                                        MODULE_UTILS_PATH) is None
    assert CachedHelperFinder.find_spec('json', None) is None


def test_install_puts_one_finder_just_in_front_of_ansible_s(monkeypatch, tmp_path):
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    policing, ansible_s = object(), _AnsibleCollectionFinder(paths=[str(tmp_path)])
    monkeypatch.setattr(sys, 'meta_path', [policing, ansible_s] + [
        finder for finder in sys.meta_path if not isinstance(finder, CachedHelperFinder)])
    _isc_cached_imports.install()
    _isc_cached_imports.install()

    assert sys.meta_path[0] is policing  # ansible-test's import sanity test keeps its finder first
    assert isinstance(sys.meta_path[1], CachedHelperFinder) and sys.meta_path[2] is ansible_s
    assert sum(isinstance(finder, CachedHelperFinder) for finder in sys.meta_path) == 1


def test_install_without_ansible_s_finder_changes_nothing(monkeypatch):
    others = [finder for finder in sys.meta_path if type(finder).__module__.startswith('importlib') or
              type(finder).__module__ in ('_frozen_importlib', '_frozen_importlib_external')]
    monkeypatch.setattr(sys, 'meta_path', list(others))
    _isc_cached_imports.install()

    assert sys.meta_path == others
