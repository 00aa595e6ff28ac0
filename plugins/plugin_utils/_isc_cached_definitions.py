# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Keep a lookup's option definitions, as Ansible derives them from its documentation, from one process to the next.

When Ansible loads a plugin it reads the plugin's option definitions (type, default, env, vars, ini) from its
DOCUMENTATION and the doc fragments it extends, unless its configuration manager has them already. A lookup is loaded
in the worker process of every task that uses it, so that YAML was parsed for every task: about 6 ms of the 16 ms a
lookup served from the token cache cost beyond a ``debug`` task (2-core machine, ansible-core 2.19).

:class:`DefinitionsCache` keeps the definitions that Ansible derived, as JSON in the plugin's ``__pycache__``
directory (beside the bytecode Python keeps there), under a key made of the ansible-core version and the size and
modification time of the plugin file and of every doc fragment file of this collection. When the plugin is imported
and the key still matches, the definitions are handed to the configuration manager through its public methods, and
Ansible skips the parse; otherwise Ansible parses as always and the result is kept for the next process. Where that
directory cannot be written, or bytecode writing is off (``PYTHONDONTWRITEBYTECODE``), nothing is kept.
"""

from __future__ import annotations

import json
import os
import sys

from ansible import constants as C
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import write_atomically

# Changed whenever what is kept, or how, changes: an older file then simply misses.
_FORMAT = 1


class DefinitionsCache(object):
    """The kept option definitions of one plugin file, loaded under ``name`` (the name Ansible loads it under)."""

    def __init__(self, plugin_type, name, plugin_file):
        self.plugin_type = plugin_type
        self.name = name
        self.plugin_file = os.path.abspath(plugin_file)
        stem = os.path.splitext(os.path.basename(self.plugin_file))[0]
        self.path = os.path.join(os.path.dirname(self.plugin_file), '__pycache__', stem + '.options.json')
        self._missed_key = None  # the key to keep the definitions under, when preload() did not find them

    def sources_key(self):
        """What the definitions are derived from: the ansible-core version, and (name, mtime, size) of the plugin
        file and of every file in this collection's doc_fragments (the only fragments our plugins extend)."""
        fragments = os.path.join(os.path.dirname(os.path.dirname(self.plugin_file)), 'doc_fragments')
        paths = [self.plugin_file] + sorted(os.path.join(fragments, name) for name in os.listdir(fragments)
                                            if name.endswith('.py'))
        files = []
        for path in paths:
            status = os.stat(path)
            files.append([os.path.relpath(path, os.path.dirname(fragments)), status.st_mtime_ns, status.st_size])
        return [_FORMAT, ANSIBLE_CORE_VERSION, files]

    def preload(self):
        """Hand the kept definitions to Ansible's configuration manager if they match the sources; call it while the
        plugin is imported, which Ansible does before it reads the documentation. True if they were handed over."""
        if C.config.has_configuration_definition(self.plugin_type, self.name):
            return False
        try:
            key = self.sources_key()
        except OSError:
            return False
        # The key is taken before Ansible reads the sources: if they change in between, what is kept under it misses
        # the next time instead of standing for the new sources.
        self._missed_key = key
        try:
            with open(self.path) as handle:
                kept = json.load(handle)
        except (OSError, ValueError):
            return False
        if not isinstance(kept, dict) or kept.get('key') != key or not isinstance(kept.get('definitions'), dict):
            return False
        C.config.initialize_plugin_configuration_definitions(self.plugin_type, self.name, kept['definitions'])
        self._missed_key = None
        return True

    def keep(self, load_name, definitions):
        """After Ansible loaded the plugin as ``load_name`` with ``definitions``: keep them for the next process if
        preload() missed. Nothing is kept if Ansible's name is not the one preload() used (it would never match)."""
        key, self._missed_key = self._missed_key, None
        if key is None or load_name != self.name or not definitions or sys.dont_write_bytecode:
            return False
        try:
            text = json.dumps(dict(key=key, definitions=definitions), sort_keys=True)
        except (TypeError, ValueError):  # a value JSON cannot hold (a YAML date, say): parsed every time, as before
            return False
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            write_atomically(self.path, text)  # whole or not at all, also with several workers writing at once
            os.chmod(self.path, 0o644)  # documentation, readable as the plugin file is (written 0600)
        except OSError:
            return False
        return True
