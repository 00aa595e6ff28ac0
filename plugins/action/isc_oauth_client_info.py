# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs isc_oauth_client_info on the controller; the documentation and spec live in plugins/modules/isc_oauth_client_info.py."""

from __future__ import annotations

from ansible_collections.sailpoint_isc.oauth.plugins.modules.isc_oauth_client_info import SPEC
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_action import IscActionBase

# The options that carry the definitions to compare: a list of dicts, often every client of a role.
DEFINITION_OPTIONS = ('compare_with', 'compare_overrides')


def plain_copy(value):
    """value with every dict, list, str, int and float rebuilt as the built-in type itself; anything else as it is.

    Templated task arguments are subclasses of the built-in types (AnsibleUnsafeText before ansible-core 2.19, tagged
    values since), and copy.deepcopy, which argument validation calls for the task and again for each definition,
    takes its slow generic path for every such value: about a third of a no-change plan of 20 clients went there.
    A module process gets plain values too, as its arguments come as JSON. Other types (a vault-encrypted value)
    are left to validation as they are.
    """
    if isinstance(value, dict):
        return dict((plain_copy(key), plain_copy(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_copy(item) for item in value]
    if isinstance(value, str):
        return str.__str__(value)  # the exact str of a str subclass
    if isinstance(value, bool):  # before int: bool is an int, and cannot be subclassed
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


class ActionModule(IscActionBase):
    spec = SPEC

    def _run_here(self, args, origins):
        args = dict(args)
        for option in DEFINITION_OPTIONS:
            if args.get(option) is not None:
                args[option] = plain_copy(args[option])
        return super(ActionModule, self)._run_here(args, origins)
