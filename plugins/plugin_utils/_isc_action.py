# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The action plugin of every module: connection variables, login checks, and where the work runs.

On the controller, for every task, before anything runs:

* connection options the task did not set are taken from the ``isc_*`` variables the lookup reads (the
  ``PLUGINS`` parts of the ``connection`` and ``auth`` doc fragments name them), templated; the environment
  is read after that by the module, wherever it runs. So one inventory serves modules and the lookup alike;
* login options that look like fields of the managed object (``grant_type: [CLIENT_CREDENTIALS]``) or that the
  grant does not use are refused, naming the option meant.

Then the work runs in one of two places. A module process costs about half a second per task (build, copy and
start AnsiballZ) while the work of an ISC module is a few HTTP calls, and ISC tasks nearly always run on the
controller (``connection: local``, ``delegate_to: localhost``, AWX/AAP): such tasks validate the arguments
against the module's own spec and run the same engine in this process. Anything else (another connection,
``become``, ``async``) takes the ordinary module path through ``ActionBase._execute_module``, which handles
async (``_supports_async``), become and the remote temporary directory as for any module.

Parity with AnsibleModule on the controller path, kept on purpose: the same validation messages, ActionBase's
check-mode handling (``_supports_check_mode`` from the module's spec), the task's ``environment:``, ``no_log``
masking of everything returned, ``invocation``.
"""

from __future__ import annotations

import contextlib
import os
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.sailpoint_isc.oauth.plugins.doc_fragments import auth as auth_fragment
from ansible_collections.sailpoint_isc.oauth.plugins.doc_fragments import connection as connection_fragment
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import (
    IscDependencyError,
    IscError,
    IscOptionError,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import load_requests
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_login_options import (
    RIVALS,
    check_login_options,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import TaskContext, failure_result
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token_cache import load_cryptography
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_core_internals as core_internals

COLLECTION = 'sailpoint_isc.oauth'


def connection_variables():
    """[(option, variable)] for every connection option, from the doc fragments the lookup's options come from."""
    import yaml

    # libyaml where present, as Ansible itself: parsing both fragments takes 18 ms in pure Python, 1.4 ms with it
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    pairs = []
    for fragment in (connection_fragment, auth_fragment):
        for option, definition in yaml.load(fragment.ModuleDocFragment.PLUGINS, Loader=loader)['options'].items():
            for variable in definition.get('vars') or []:
                pairs.append((option, variable['name']))
    return pairs


CONNECTION_VARIABLES = connection_variables()

# Import requests now, when the plugin is loaded: Ansible loads action plugins in its main process, so the worker
# process it forks for every task inherits requests already imported. Measured: 79 ms less per task (7 ms instead
# of 86 ms beyond a debug task). A missing requests is reported by the task that needs it, not here.
try:
    load_requests()
except IscDependencyError:
    pass
# Likewise the token cache's cipher (cryptography, about 15 ms to import): measured with 40 isc_token_info tasks,
# 1.4 s instead of 2.2 to 2.7 s. When it is missing the cache is off, and the task that would use it says so.
load_cryptography()


def fill_from_variables(args, variables, template, accepted):
    """The task's arguments completed from the isc_* variables, and {option: variable} for what was taken.

    ``args`` are the task's arguments (module_defaults included: Ansible merged them before the action runs, so
    they rank like the task's own); ``variables`` the task's variables; ``template`` renders a variable's value;
    ``accepted`` the option names of the module. The last variable listed for an option wins, as for plugins.
    """
    filled = dict(args)
    origins = {}
    claimed = set(name for name in args if args[name] is not None)
    for name in list(claimed):
        claimed.update(RIVALS.get(name, ()))
    for option, variable in CONNECTION_VARIABLES:
        if option not in accepted or option in claimed or variable not in variables:
            continue
        value = core_internals.vault_plaintext(template(variables[variable]))
        if value is None or (isinstance(value, string_types) and value == ''):
            continue
        filled[option] = value
        origins[option] = variable
    return filled, origins


def name_variables(message, origins):
    """message, followed by the variable each option it names was taken from (origins: {option: variable})."""
    named = ['%s from the variable %s' % (option, variable) for option, variable in sorted(origins.items())
             if re.search(r'\b%s\b' % re.escape(option), message)]
    return '%s (%s)' % (message, ', '.join(named)) if named else message


def plain_copy(value):
    """value with every dict, list, str, int and float rebuilt as the built-in type itself; anything else as it is.

    Templated task arguments are subclasses of the built-in types (AnsibleUnsafeText before ansible-core 2.19, tagged
    values since), and copy.deepcopy, which argument validation calls for the task and again for each item of a list
    of dicts, takes its slow generic path for every such value: about a third of a no-change plan of 20 clients went
    there. A module process gets plain values too, as its arguments come as JSON. Other types (a vault-encrypted
    value) are left to validation as they are.
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


# How many levels of dicts masked() splits key by key: a result, its invocation, and the module_args in it.
_MASKED_DICT_LEVELS = 3


def masked(value, no_log_values):
    """remove_values(value, no_log_values), as AnsibleModule masks what a module returns, with the parts that it
    would leave as they are kept instead of copied.

    remove_values rebuilds every container and looks at every value in Python: about a fifth of a no-change plan of
    20 clients (its result holds the listing). It masks each value of a dict on its own, so the top levels of dicts
    are masked key by key: ``invocation.module_args`` always holds the no_log options themselves, which get masked,
    while a listing normally holds none of them and is kept (see _unchanged_by_masking).
    """
    return _masked(value, [to_native(item, errors='surrogate_or_strict') for item in no_log_values],
                   _MASKED_DICT_LEVELS)


def _masked(value, strings, levels):
    kind = type(value)
    if levels and kind is dict:  # not a subclass: remove_values makes that a dict
        parts = dict((key, _masked(item, strings, levels - 1)) for key, item in value.items())
        return value if all(parts[key] is item for key, item in value.items()) else parts
    if _unchanged_by_masking(value, strings):
        return value
    return remove_values(value, strings)


def _unchanged_by_masking(value, strings):
    """Whether remove_values(value, strings) would return an equal copy of the same types.

    It changes a value only where a no_log value occurs in its text or in str() of a number (and, before ansible-core
    2.19, of a boolean); dict keys never. So: no such occurrence, in nothing but plain dicts, lists, str, numbers,
    booleans and None. Anything else (tuples, which it turns into lists, dates into text, subclasses of str into str)
    counts as changed.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str:
            text = item
        elif kind is dict:
            pending.extend(item.values())
            continue
        elif kind is list:
            pending.extend(item)
            continue
        elif item is None or kind in (bool, int, float):
            text = str(item)
        else:
            return False
        for secret in strings:
            if secret in text:
                return False
    return True


class IscActionBase(ActionBase):
    """Subclasses set ``spec`` to the IscModuleSpec of the module of the same name."""

    spec = None
    TRANSFERS_FILES = False
    _supports_async = True

    def __init_subclass__(cls, **kwargs):
        super(IscActionBase, cls).__init_subclass__(**kwargs)
        if cls.spec is not None:
            # ActionBase.run() skips the task in check mode when the module does not support it.
            cls._supports_check_mode = cls.spec.supports_check_mode

    @property
    def module_fqcn(self):
        return '%s.%s' % (COLLECTION, type(self).__module__.rsplit('.', 1)[-1])

    def runs_on_controller(self):
        """True when the module would run on this very machine, as this very user, in the foreground."""
        return (getattr(self._connection, 'transport', None) == 'local'
                and not self._task.async_val
                and not self._play_context.become)

    def run(self, tmp=None, task_vars=None):
        result = super(IscActionBase, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        task_vars = task_vars or {}

        args = dict(self._task.args)
        origins = {}
        if self.spec.connection:
            args, origins = fill_from_variables(args, task_vars, self._templar.template, self.spec.argument_spec)
        try:
            check_login_options(args, self.spec.own_argument_spec, origins)
        except IscOptionError as exc:
            return dict(result, failed=True, msg=str(exc))

        if self.runs_on_controller():
            with self._task_environment():
                result.update(self._run_here(args, origins))
            return result

        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_name=self.module_fqcn, module_args=args,
                                                         task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            # remove the temporary directory made for the module; async_wrapper removes its own
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    @contextlib.contextmanager
    def _task_environment(self):
        """The task's ``environment:`` (templated by ActionBase) in os.environ for the run, as a module would see it.

        os.environ itself, not a copy handed down: the argument spec's fallbacks, the pacer and the cache location
        read it, as they do in a module process.
        """
        overrides = {}
        self._compute_environment_string(raw_environment_out=overrides)
        overrides = dict((str(k), str(v)) for k, v in overrides.items())
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

    def _run_here(self, args, origins):
        spec = self.spec
        args = plain_copy(args)  # as a module process gets them, and cheap for validation to copy
        validation = ArgumentSpecValidator(spec.argument_spec, **spec.validation_rules).validate(args)
        no_log_values = core_internals.no_log_values(validation)
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self.module_fqcn, message)
            return masked(dict(failed=True, msg=name_variables(message, origins)), no_log_values)
        params = validation.validated_parameters

        ctx = TaskContext(params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff))
        try:
            result = spec.execute(ctx)
        except IscDependencyError as exc:
            result = dict(failed=True, msg='%s (on the controller, for %s).' % (str(exc).rstrip('.'), self.module_fqcn))
        except IscOptionError as exc:
            # the task may not name the option at all: say which variable it came from
            result = dict(failure_result(exc), failed=True, msg=name_variables(str(exc), origins))
            no_log_values = set(no_log_values) | exc.no_log_values
        except IscError as exc:
            result = dict(failure_result(exc), failed=True, msg=str(exc))
            if ctx.warnings:
                result['warnings'] = ctx.warnings
            no_log_values = set(no_log_values) | exc.no_log_values  # e.g. a password inside base_url
        deprecations = core_internals.deprecations(validation)
        if deprecations:
            result['deprecations'] = deprecations
        result['invocation'] = dict(module_args=params)
        return masked(result, no_log_values)
