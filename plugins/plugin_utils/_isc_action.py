# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Runs a module's work in-process on the controller when the task runs locally.

A module process costs about half a second per task (build, copy and start
AnsiballZ), while the work of an ISC module is a few HTTP calls. ISC tasks
nearly always run on the controller (``connection: local`` or ``delegate_to:
localhost``), so the action plugin of each module validates the arguments
against the module's own spec and runs the same engine here. Anything else
(another connection, become, async) takes the ordinary module path, so a task
delegated to a bastion that alone reaches ISC still works.

Parity with AnsibleModule, kept on purpose: the same validation messages,
check-mode refusal, ``no_log`` masking of everything returned, ``invocation``.
"""

from __future__ import annotations

import contextlib
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscDependencyError, IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import load_requests
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import TaskContext

COLLECTION = 'sailpoint_isc.oauth'

# Import requests now, when the plugin is loaded: Ansible loads action plugins in its main process, so the worker
# process it forks for every task inherits requests already imported. Measured: 79 ms less per task (7 ms instead
# of 86 ms beyond a debug task). A missing requests is reported by the task that needs it, not here.
try:
    load_requests()
except IscDependencyError:
    pass


class IscActionBase(ActionBase):
    """Subclasses set ``spec`` to the IscModuleSpec of the module of the same name."""

    spec = None
    TRANSFERS_FILES = False

    @property
    def module_fqcn(self):
        return '%s.%s' % (COLLECTION, type(self).__module__.rsplit('.', 1)[-1])

    def runs_on_controller(self):
        """True when the module would run on this very machine, as this very user."""
        return (getattr(self._connection, 'transport', None) == 'local'
                and not self._task.async_val
                and not self._play_context.become)

    def run(self, tmp=None, task_vars=None):
        result = super(IscActionBase, self).run(tmp, task_vars)
        if not self.runs_on_controller():
            result.update(self._execute_module(module_name=self.module_fqcn, module_args=self._task.args,
                                               task_vars=task_vars, wrap_async=self._task.async_val))
            return result
        with self._task_environment():
            result.update(self._run_here())
        return result

    @contextlib.contextmanager
    def _task_environment(self):
        """Apply the task's ``environment:`` for the duration of the run, as a module process would see it."""
        overrides = {}
        for layer in self._task.environment or []:
            layer = self._templar.template(layer)
            if isinstance(layer, dict):
                overrides.update((str(k), str(v)) for k, v in layer.items())
        saved = dict((k, os.environ.get(k)) for k in overrides)
        os.environ.update(overrides)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _run_here(self):
        spec = self.spec
        check_mode = bool(self._task.check_mode if self._task.check_mode is not None else self._play_context.check_mode)
        diff = bool(self._task.diff if self._task.diff is not None else self._play_context.diff)

        validation = ArgumentSpecValidator(spec.argument_spec, **spec.validation_rules).validate(dict(self._task.args))
        no_log_values = validation._no_log_values
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self.module_fqcn, message)
            return remove_values(dict(failed=True, msg=message), no_log_values)
        params = validation.validated_parameters

        if check_mode and not spec.supports_check_mode:
            return dict(skipped=True, msg='remote module (%s) does not support check mode' % self.module_fqcn)

        ctx = TaskContext(params, check_mode=check_mode, diff=diff)
        try:
            result = spec.execute(ctx)
        except IscDependencyError as exc:
            result = dict(failed=True, msg='%s. (On the controller, for %s.)' % (exc, self.module_fqcn))
        except IscError as exc:
            result = dict(exc.result, failed=True, msg=str(exc), error=exc.to_dict())
            if ctx.warnings:
                result['warnings'] = ctx.warnings
        deprecations = [dict(msg=d['msg'], version=d.get('version'), date=d.get('date'),
                             collection_name=d.get('collection_name')) for d in validation._deprecations]
        if deprecations:
            result['deprecations'] = deprecations
        result['invocation'] = dict(module_args=params)
        return remove_values(result, no_log_values)
