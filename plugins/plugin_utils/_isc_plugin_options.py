# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Plugin options (keyword arguments, variables, ansible.cfg, environment) as engine options.

Ansible converts plugin options with a lenient boolean: any string it does not know, ``'ture'`` or ``enabled``,
becomes ``false``. For ``validate_certs`` that silently turns TLS verification off. Modules refuse such values, so
:func:`strict_typed_options` checks the boolean and integer options of a plugin as strictly as a module argument
spec does, on the raw value and wherever it came from, and the adapter uses exactly the values it checked.

An environment variable set to the empty string counts as unset, as the modules' environment fallbacks treat it
(AWX injects ``ISC_CA_PATH=""`` for a credential without a CA bundle). Ansible would read an empty
``ISC_VALIDATE_CERTS`` as false and an empty ``ISC_CA_PATH`` or ``ISC_TOKEN_CACHE_DIR`` as the current directory.
"""

from __future__ import annotations

import configparser
import os
import re

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_login_options import RIVALS
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import OptionAdapter
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_core_internals as core_internals

_BOOL_TYPES = ('bool', 'boolean')
_INT_TYPES = ('int', 'integer')
# A pattern, not compiled at import: most tasks give no integer as text, and each task's process would compile it.
_WHOLE_NUMBER = r'^\s*[+-]?[0-9]+\s*$'


class _ConfigFile(object):
    """ansible.cfg, parsed as Ansible reads it, once for all the options that have an ini entry."""

    def __init__(self, path):
        self.path = path
        self._parser = False

    def parser(self):
        """The parsed file; None without one, or when it is broken (Ansible reports that itself)."""
        if self._parser is False:
            self._parser = None
            if self.path:
                parser = configparser.ConfigParser(inline_comment_prefixes=(';',))
                try:
                    parser.read(self.path)
                except configparser.Error:
                    return None
                self._parser = parser
        return self._parser


def _raw_value(name, definition, direct, variables, environ, config):
    """(raw value, where it came from) with Ansible's precedence: keyword, variable, environment, ansible.cfg."""
    if direct.get(name) is not None:
        return direct[name], 'the lookup keyword %s' % name
    found = None
    for entry in definition.get('vars') or []:  # as in Ansible, the last variable listed that is set wins
        if variables and variables.get(entry['name']) is not None:
            found = variables[entry['name']], 'the variable %s' % entry['name']
    if found:
        return found
    for entry in definition.get('env') or []:
        if environ.get(entry['name']) not in (None, ''):  # Ansible treats an empty variable as unset here
            found = environ[entry['name']], 'the environment variable %s' % entry['name']
    if found:
        return found
    parser = config.parser() if definition.get('ini') else None
    if parser is not None:
        for entry in definition['ini']:
            value = parser.get(entry.get('section', 'defaults'), entry['key'], raw=True, fallback=None)
            if value is not None:
                where = 'the key %s in the [%s] section of %s' % (entry['key'], entry.get('section'), config.path)
                found = value, where
        if found:
            return found
    return None, None


def _strict(name, kind, value, origin):
    from ansible.module_utils.parsing.convert_bool import boolean

    shown = repr(value if not isinstance(value, str) else str(value))
    if len(shown) > 60:
        shown = shown[:57] + '...'
    if kind in _BOOL_TYPES:
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise IscOptionError('%s from %s is %s, which is not a boolean: use true or false'
                                 % (name, origin, shown))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.match(_WHOLE_NUMBER, value):
        return int(value)
    raise IscOptionError('%s from %s is %s, which is not a whole number' % (name, origin, shown))


def strict_typed_options(definitions, direct=None, variables=None, environ=None, config_file=None):
    """Every boolean and integer option, converted strictly from where it is set, else its default: {name: value}.

    Raises IscOptionError naming the option and where its value came from, before anything is sent.
    """
    environ = os.environ if environ is None else environ
    config = _ConfigFile(config_file)
    checked = {}
    for name, definition in definitions.items():
        kind = (definition.get('type') or '').lower()
        if kind not in _BOOL_TYPES + _INT_TYPES:
            continue
        value, origin = _raw_value(name, definition, direct or {}, variables, environ, config)
        checked[name] = definition.get('default') if origin is None else _strict(name, kind, value, origin)
    return checked


class PluginOptionAdapter(OptionAdapter):
    """Reads the options of an Ansible plugin; knows which values only came from the environment.

    ``direct`` and ``variables`` are what the plugin's set_options() received: ansible-core before 2.17
    does not remember the origin of direct options, so it is worked out from them.
    """

    def __init__(self, plugin, direct=None, variables=None, checked=None, environ=None):
        self._plugin = plugin
        self._direct = direct or {}
        self._variables = variables
        self._checked = checked or {}  # values of strict_typed_options(): they win over Ansible's lenient ones
        self._environ = os.environ if environ is None else environ

    def get(self, name):
        if name in self._checked:
            return self._checked[name]
        value = self._plugin.get_option(name)
        if value is not None and self._from_empty_environment_variable(name):
            return None
        return value

    def _from_empty_environment_variable(self, name):
        _value, origin = self._plugin.get_option_and_origin(name, hostvars=self._variables)
        origin = str(origin)
        return origin.startswith('env:') and self._environ.get(origin[len('env:'):].strip()) == ''

    def is_explicit(self, name):
        if self.get(name) is None:
            return False
        if self._direct.get(name) is not None:
            return True
        if any(self._direct.get(rival) is not None for rival in RIVALS.get(name, ())):
            return False  # a keyword claims its rival: tenant= wins over an isc_base_url variable, as for modules
        _value, origin = self._plugin.get_option_and_origin(name, hostvars=self._variables)
        return not str(origin).startswith(('env', 'default'))


def templated_var_options(plugin, variables):
    """The variables a plugin reads options from (isc_base_url, ...), with their templates rendered.

    Lookups receive variables as written, so ``isc_base_url: "{{ vault_url }}"`` in group_vars would reach
    the option unrendered. Only the variables named in the plugin's documentation are rendered.
    """
    if not variables:
        return variables
    names = set()
    for definition in core_internals.plugin_option_definitions(plugin).values():
        for entry in definition.get('vars') or []:
            names.add(entry['name'])
    templar = core_internals.plugin_templar(plugin)
    return dict((name, templar.template(variables[name])) for name in names if name in variables)
