# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Plugin options (keyword arguments, variables, ansible.cfg, environment) as engine options."""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import OptionAdapter


class PluginOptionAdapter(OptionAdapter):
    """Reads the options of an Ansible plugin; knows which values only came from the environment.

    ``direct`` and ``variables`` are what the plugin's set_options() received: ansible-core before 2.17
    does not remember the origin of direct options, so it is worked out from them.
    """

    def __init__(self, plugin, direct=None, variables=None):
        self._plugin = plugin
        self._direct = direct or {}
        self._variables = variables

    def get(self, name):
        return self._plugin.get_option(name)

    def is_explicit(self, name):
        if self.get(name) is None:
            return False
        if self._direct.get(name) is not None:
            return True
        _value, origin = self._plugin.get_option_and_origin(name, hostvars=self._variables)
        return not str(origin).startswith(('env', 'default'))


def templated_var_options(plugin, variables):
    """The variables a plugin reads options from (isc_base_url, ...), with their templates rendered.

    Lookups receive variables as written, so ``isc_base_url: "{{ vault_url }}"`` in group_vars would reach
    the option unrendered. Only the variables named in the plugin's documentation are rendered.
    """
    if not variables:
        return variables
    from ansible import constants as C

    names = set()
    for definition in C.config.get_configuration_definitions(plugin.plugin_type, plugin._load_name).values():
        for entry in definition.get('vars') or []:
            names.add(entry['name'])
    return dict((name, plugin._templar.template(variables[name])) for name in names if name in variables)
