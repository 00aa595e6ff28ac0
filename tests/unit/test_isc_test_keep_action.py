"""The integration tests' action isc_test_keep (tests/integration/action_plugins), which keeps a line in a file on
the controller as lineinfile did for them: created with mode 0600, a line added once, nothing written in check mode,
the file's text before and after in diff mode. No playbook run."""

from __future__ import annotations

import importlib.util
import os
import stat
import types
from pathlib import Path

import pytest
from ansible.errors import AnsibleActionFail

PLUGIN = Path(__file__).resolve().parents[1] / 'integration' / 'action_plugins' / 'isc_test_keep.py'


@pytest.fixture(scope='module')
def action_class():
    spec = importlib.util.spec_from_file_location('isc_test_keep_action', PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ActionModule


def run(action_class, check_mode=False, diff=False, **args):
    """The action's result for a task with args (what ActionBase needs of the task and the connection, faked)."""
    action = action_class.__new__(action_class)
    action._task = types.SimpleNamespace(args=args, async_val=0, check_mode=check_mode, diff=diff,
                                         action='ansible.legacy.isc_test_keep')
    action._connection = types.SimpleNamespace(_shell=types.SimpleNamespace(tmpdir='/unused'))
    return action.run(task_vars={})


def test_creates_the_file_private_with_the_line(action_class, tmp_path):
    path = tmp_path / 'kept'
    result = run(action_class, path=str(path), line='s3cr3t')
    assert result['changed'] is True and path.read_text() == 's3cr3t\n'
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_adds_a_line_once_and_after_a_last_line_without_newline(action_class, tmp_path):
    path = tmp_path / 'kept'
    path.write_text('first')
    assert run(action_class, path=str(path), line='second')['changed'] is True
    assert run(action_class, path=str(path), line='second')['changed'] is False
    assert run(action_class, path=str(path), line='first')['changed'] is False
    assert path.read_text() == 'first\nsecond\n'


def test_check_mode_writes_nothing_and_diff_shows_before_and_after(action_class, tmp_path):
    path = tmp_path / 'kept'
    result = run(action_class, check_mode=True, diff=True, path=str(path), line='x')
    assert result['changed'] is True and not path.exists()
    assert (result['diff']['before'], result['diff']['after']) == ('', 'x\n')
    assert 'diff' not in run(action_class, path=str(path), line='x')


def test_mode_of_a_file_it_creates(action_class, tmp_path):
    path = tmp_path / 'kept'
    run(action_class, path=str(path), line='x', mode='0640')
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@pytest.mark.parametrize('args, message', [
    (dict(line='x'), 'path'),
    (dict(path='/tmp/x', line='two\nlines'), 'line must be one line'),
    (dict(path='/tmp/x', line='x', mode='rw'), 'mode must be octal digits'),
    (dict(path='/tmp/x', line='x', create=True), 'Invalid options'),
])
def test_bad_arguments_fail_clearly(action_class, args, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run(action_class, **args)
