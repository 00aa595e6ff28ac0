# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plugin documentation as ansible-doc and the documentation site read it.

EXAMPLES blocks are tasks a reader can paste into a play. In DOCUMENTATION (and the doc fragments), a ': ' inside
a plain description line turns that line into a mapping: ansible-doc, the site and Galaxy then reject the plugin.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = sorted((ROOT / 'plugins' / 'modules').glob('*.py')) + sorted((ROOT / 'plugins' / 'lookup').glob('*.py'))
FRAGMENTS = sorted((ROOT / 'plugins' / 'doc_fragments').glob('*.py'))


def doc_blocks(path):
    """Every documentation string of the file by name: DOCUMENTATION, EXAMPLES, RETURN, or a fragment's blocks."""
    blocks = {}
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            name = getattr(node.targets[0], 'id', None)
            if name and name.isupper():
                blocks[name] = node.value.value
    return blocks


def examples(path):
    text = doc_blocks(path).get('EXAMPLES')
    return yaml.safe_load(text) if text else None


def texts_that_are_not_text(node, where, named=False):
    """Paths of description/notes/short_description items that YAML did not read as text.

    named: the keys of node are option or return value names (an option may be called "description").
    """
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = '%s.%s' % (where, key)
            if named:
                found += texts_that_are_not_text(value, path)
            elif key in ('description', 'notes', 'short_description'):
                items = value if isinstance(value, list) else [value]
                found += ['%s: %r' % (path, item) for item in items if not isinstance(item, str)]
            else:
                found += texts_that_are_not_text(value, path, named=key in ('options', 'suboptions', 'contains'))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += texts_that_are_not_text(item, '%s[%d]' % (where, index))
    return found


@pytest.mark.parametrize('path', PLUGINS + FRAGMENTS, ids=lambda path: '%s/%s' % (path.parent.name, path.stem))
def test_documentation_text_is_text(path):
    found = []
    for name, text in doc_blocks(path).items():
        if name in ('DOCUMENTATION', 'RETURN') or path in FRAGMENTS:
            found += texts_that_are_not_text(yaml.safe_load(text), name, named=name == 'RETURN')
    assert not found, 'a ": " in these lines made YAML read a key; quote the line or rephrase:\n' + '\n'.join(found)


@pytest.mark.parametrize('path', PLUGINS, ids=lambda path: path.stem)
def test_examples_are_named_tasks(path):
    tasks = examples(path)
    assert tasks, '%s has no EXAMPLES' % path.name
    for task in tasks:
        assert 'hosts' not in task and 'tasks' not in task, '%s: %r is a play, not a task' % (
            path.name, task.get('name'))
        assert task.get('name'), '%s: every example task has a name' % path.name
