# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EXAMPLES blocks are tasks a reader can paste into a play, as ansible-doc and the documentation site show them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted((ROOT / 'plugins' / 'modules').glob('*.py')) + sorted((ROOT / 'plugins' / 'lookup').glob('*.py'))


def examples(path):
    for node in ast.parse(path.read_text(encoding='utf-8')).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'EXAMPLES':
            return yaml.safe_load(node.value.value)
    return None


@pytest.mark.parametrize('path', PLUGINS, ids=lambda path: path.stem)
def test_examples_are_named_tasks(path):
    tasks = examples(path)
    assert tasks, '%s has no EXAMPLES' % path.name
    for task in tasks:
        assert 'hosts' not in task and 'tasks' not in task, '%s: %r is a play, not a task' % (
            path.name, task.get('name'))
        assert task.get('name'), '%s: every example task has a name' % path.name
