# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Import this collection's private helper modules with Python's bytecode cache.

Ansible imports a collection's ``module_utils`` and ``plugin_utils`` through its collection loader, which compiles
each file from source on every import and never keeps the result. Action plugins are loaded once per run in
ansible-playbook's main process, so their helpers are compiled once and every task's worker inherits them. A lookup
is loaded only in the worker of each task that uses it: the helpers it needs were compiled from source for every
task (about 8 ms of the 10 ms the lookup took to import, measured on a 2-core machine).

:func:`install` puts a finder just in front of Ansible's for the modules of this collection's ``module_utils`` and
``plugin_utils`` packages that exist as plain ``.py`` files there, and loads them with Python's standard source
loader: the same file, imported under the same name, with its bytecode kept in ``__pycache__`` beside it (as Ansible
itself does for the plugin files it loads, and as Python does for any installed package). Where that directory
cannot be written, or bytecode writing is off (``PYTHONDONTWRITEBYTECODE``), the file is compiled from source as
before. Everything else (parent packages, other collections, redirects in meta/runtime.yml, which our private
helpers never have) stays with Ansible's loader.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_core_internals as core_internals

# ansible_collections.<namespace>.<name>.plugins.: this collection, whatever it is installed as.
_PLUGINS = __name__.rsplit('.plugin_utils.', 1)[0] + '.'
_HELPER_PACKAGES = (_PLUGINS + 'module_utils', _PLUGINS + 'plugin_utils')


class CachedHelperFinder(object):
    """A meta path finder for this collection's private helper modules only."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        package, _dot, leaf = fullname.rpartition('.')
        if package not in _HELPER_PACKAGES or not path:
            return None
        for directory in path:  # the package's __path__, as Ansible's loader set it
            source = os.path.join(directory, leaf + '.py')
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source)
        return None

    @staticmethod
    def invalidate_caches():
        pass


def install():
    """Put the finder on sys.meta_path just in front of Ansible's collection finder, once per process.

    Finders before Ansible's (ansible-test's import sanity test puts one there that polices imports) keep their
    place; without Ansible's finder nothing is installed, and the helpers are imported as before.
    """
    if any(isinstance(finder, CachedHelperFinder) for finder in sys.meta_path):
        return
    position = core_internals.collection_finder_index(sys.meta_path)
    if position is not None:
        sys.meta_path.insert(position, CachedHelperFinder())
