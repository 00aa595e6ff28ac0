# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only connection: the local connection under another transport name.

The collection's action plugins run their work in-process only for the ``local``
transport; any other transport takes the ordinary module path (AnsiballZ, a
module process on the target). This plugin makes the tests exercise that
fallback path on this machine, as a remote host would.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: local_as_remote
short_description: Local execution that presents itself as a remote transport (tests only)
description:
  - Runs tasks on the controller like ansible.builtin.local, but reports the transport C(local_as_remote).
'''

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'local_as_remote'
