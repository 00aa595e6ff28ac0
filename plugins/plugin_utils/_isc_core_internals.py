# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The only reads of ansible-core internals in this collection, for what ansible-core offers no public way to get.

The controller-side path validates a task's arguments with ``ArgumentSpecValidator`` (public), but what
AnsibleModule does with the result next has no public accessor: the values of ``no_log`` options, which every
result must be masked of, and the deprecations of options and aliases. ``ValidationResult`` keeps both in
attributes named with a leading underscore, the same on ansible-core 2.16 to 2.21.

The lookup needs its own option definitions (to refuse unknown keywords and check types strictly), which the
configuration manager keeps under the plugin's load name, and the templar Ansible handed it, to render the
variables it receives unrendered; and where Ansible's collection finder is on ``sys.meta_path``, to load its helpers
with their bytecode kept just in front of it (``_isc_cached_imports``). Action plugins use ActionBase's documented attributes and need neither.

An inline ``!vault`` variable templates to an object on ansible-core before 2.19, not to its text; Ansible's own JSON
encoder recognises it by its ``__ENCRYPTED__`` marker, and so does :func:`vault_plaintext`.

tests/unit/plugins/plugin_utils/test_isc_core_internals.py checks their shape on the installed ansible-core, so
a change in a new release fails that test by name instead of leaking a secret.
"""

from __future__ import annotations

from ansible.module_utils.common.text.converters import to_text


def no_log_values(validation):
    """The set of values of no_log options (and their fallbacks) that ``validation`` found, to mask results with."""
    return validation._no_log_values


def deprecations(validation):
    """Deprecations of options or aliases used, as AnsibleModule reports them: dicts with msg, version, date and
    collection_name."""
    return [dict(msg=d['msg'], version=d.get('version'), date=d.get('date'), collection_name=d.get('collection_name'))
            for d in validation._deprecations]


def plugin_option_definitions(plugin):
    """{option: definition} of a loaded plugin, as its documentation declares them (env, vars, ini, type...)."""
    from ansible import constants as C

    return C.config.get_configuration_definitions(plugin.plugin_type, plugin_load_name(plugin))


def plugin_load_name(plugin):
    """The name Ansible loaded a plugin under, which its configuration manager keeps the plugin's options by: the
    plugin's Python module name (``ansible_collections.<namespace>.<name>.plugins.lookup.<plugin>``) on ansible-core
    2.16 to 2.21."""
    return plugin._load_name


def plugin_templar(plugin):
    """The templar Ansible handed to a lookup plugin when it loaded it."""
    return plugin._templar


def collection_finder_index(meta_path):
    """The position of Ansible's collection finder (the one that imports ``ansible_collections.*``) in meta_path, or
    None. Its class is private; it is the only finder ansible-core defines in ansible.utils.collection_loader."""
    for index, finder in enumerate(meta_path):
        if type(finder).__module__.startswith('ansible.utils.collection_loader.'):
            return index
    return None


def vault_plaintext(value):
    """value, or its plaintext when it is a vault-encrypted value (an object, on ansible-core before 2.19)."""
    if getattr(value, '__ENCRYPTED__', False):
        return to_text(value, errors='surrogate_or_strict')
    return value
