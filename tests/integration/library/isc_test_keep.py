# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module name of the action isc_test_keep (tests/integration/action_plugins), which does the work.

Ansible resolves a task's action through a module of that name; the action plugin of the same name then runs instead
of it, in the task's worker on the controller. This module runs only when that action plugin is not configured
(ANSIBLE_ACTION_PLUGINS, see tests/isc_playbook_runner.py), and then fails saying so.
"""

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_test_keep
short_description: Keep a line of text in a file on the controller (tests only)
description:
  - Adds O(line) to the file O(path) unless the file already has that line, creating the file with O(mode).
  - Runs as the action plugin of the same name, on the controller; this module only fails when that plugin is missing.
options:
  path:
    description: The file.
    type: path
    required: true
  line:
    description: The line (no line break).
    type: str
    required: true
  mode:
    description: The octal mode of a file it creates.
    type: str
    default: '0600'
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='path', required=True),
                                              line=dict(type='str', required=True, no_log=True),
                                              mode=dict(type='str', default='0600')))
    module.fail_json(msg='isc_test_keep runs as the action plugin of that name: add tests/integration/action_plugins '
                         'to ANSIBLE_ACTION_PLUGINS (tests/isc_playbook_runner.py does)')


if __name__ == '__main__':
    main()
