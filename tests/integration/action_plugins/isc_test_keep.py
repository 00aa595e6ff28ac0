# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only action: keep a line of text in a file on the controller, from the task's worker (no module process).

A case of a batch keeps what a no_log task registered (a new secret, a token) in a file that the test reads after the
run, and the roles' custom secret tasks of the tests store each new credential in a (pretend) vault. With
ansible.builtin.lineinfile each of those tasks started a module process (about 0.2 s of CPU, most of it compiling
ansible.module_utils.basic from the module's zip); this action writes in the worker that runs the task. Ansible
resolves the task through the module of the same name (tests/integration/library), which never runs.

Options (as lineinfile's, the subset the tests used): ``path``; ``line``: the text, added as a line of its own unless
the file already has that line; ``mode``: the mode of a file it creates (default ``0600``: what it keeps is secret).
The file's directory must exist. Check mode writes nothing; diff mode returns the file's text before and after, as
lineinfile does: give the task no_log, as every task handling a secret (its arguments and its diff hold the line).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('path', 'line', 'mode'))
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _unused, arguments = self.validate_argument_spec(argument_spec=dict(
            path=dict(type='path', required=True),
            line=dict(type='str', required=True, no_log=True),  # what it keeps is a secret, as in the module's spec
            mode=dict(type='str', default='0600'),
        ))
        path, line = arguments['path'], arguments['line']
        if '\n' in line or '\r' in line:
            raise AnsibleActionFail('isc_test_keep: line must be one line (it has a line break)')
        try:
            mode = int(arguments['mode'], 8)
        except ValueError:
            raise AnsibleActionFail('isc_test_keep: mode must be octal digits such as 0600, got %r' % arguments['mode'])
        try:
            with open(path, 'rb') as handle:
                before = to_text(handle.read(), errors='surrogate_or_strict')
        except FileNotFoundError:
            before = None
        result['changed'] = line not in (before or '').splitlines()
        after = before or ''
        if result['changed']:
            after = (after if not after or after.endswith('\n') else after + '\n') + line + '\n'
        if self._task.diff:
            result['diff'] = dict(before=before or '', after=after, before_header=path, after_header=path)
        if result['changed'] and not self._task.check_mode:
            # Created with its mode at once: never a moment with wider permissions than asked.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode)
            with os.fdopen(descriptor, 'a') as handle:
                handle.write(after[len(before or ''):])
        result['path'] = path
        return result
