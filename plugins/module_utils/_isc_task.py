# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What a module of this collection is, independent of how Ansible runs it.

A module file declares an :class:`IscModuleSpec` (its own options, validation
rules and a ``run(ctx)`` function). The same spec runs in two places:

* on the controller, in-process, through the action plugin of the same name
  (``plugins/plugin_utils/_isc_action.py``), the fast path for local tasks;
* as an ordinary module process (``_isc_module.run_module``), when the task
  runs elsewhere.

Both hand ``run`` a :class:`TaskContext`, so the module's logic cannot tell
which path it is on.
"""

from __future__ import annotations

import os

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_client import IscClient
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    connection_argument_spec,
)


def failure_result(exc):
    """What a task that failed with an IscError returns besides ``msg``: its partial result, and the details of the
    HTTP exchange under ``error`` when there was one (an option error has none, and no empty ``error``)."""
    result = dict(exc.result)
    details = exc.to_dict()
    if details:
        result['error'] = details
    return result


class TaskContext(object):
    """The inputs of one task run, and a lazily built client for its connection options."""

    def __init__(self, params, check_mode=False, diff=False, environ=None):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.environ = os.environ if environ is None else environ
        self.warnings = []
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = IscClient.from_options(DictOptionAdapter(self.params), self.environ)
        return self._client

    def warn(self, message):
        self.warnings.append(message)

    def close(self):
        if self._client is not None:
            self.warnings.extend(self._client.warnings)
            self._client.close()


class IscModuleSpec(object):
    """A module's options and logic; the connection options are added here, once for all modules."""

    def __init__(self, argument_spec, run, supports_check_mode=True, mutually_exclusive=None, required_if=None,
                 required_together=None, required_one_of=None, required_by=None, connection=True):
        self.own_argument_spec = argument_spec
        self.run = run
        self.supports_check_mode = supports_check_mode
        self.mutually_exclusive = mutually_exclusive or []
        self.required_if = required_if or []
        self.required_together = required_together or []
        self.required_one_of = required_one_of or []
        self.required_by = required_by or {}
        self.connection = connection

    @property
    def argument_spec(self):
        spec = connection_argument_spec() if self.connection else {}
        spec.update(self.own_argument_spec)
        return spec

    @property
    def validation_rules(self):
        """Keyword arguments shared by AnsibleModule and ArgumentSpecValidator."""
        return dict(mutually_exclusive=self.mutually_exclusive, required_if=self.required_if,
                    required_together=self.required_together, required_one_of=self.required_one_of,
                    required_by=self.required_by)

    def execute(self, ctx):
        """Run the module's logic; returns the result dict (IscError propagates to the adapter)."""
        try:
            result = self.run(ctx) or {}
        finally:
            ctx.close()
        result.setdefault('changed', False)
        if ctx.warnings:
            result['warnings'] = list(result.get('warnings', [])) + ctx.warnings
        return result
