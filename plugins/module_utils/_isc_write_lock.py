# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""One writer at a time per tenant + kind + name, on one controller.

Two runs on one controller (a killed run whose task worker still finishes, and a rerun) must never create one
object twice. A writer holds an exclusive file lock for its tenant, object kind and name from the moment it looks
the object up until the final rename. The lock file also records when a write under that name last started, so a
task that trusts an earlier list (the roles plan every object from one list call) can tell whether someone wrote
since, and look again only then.

Lock files live next to the token cache (``<cache>/../locks``), are named by a SHA-256 of what they guard (the
name of a credential is not written to disk), and are created 0600 in a 0700 directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import (
    default_state_dir,
    ensure_private_dir,
    file_lock,
)

LOCK_TIMEOUT = 300


class WriteLock(object):
    """The lock of one tenant + kind + name; use ``with lock.held():``."""

    def __init__(self, state_dir, base_url, kind, name, timeout=LOCK_TIMEOUT):
        key = hashlib.sha256('\0'.join((base_url, kind, name)).encode('utf-8', 'surrogatepass')).hexdigest()
        self.directory = os.path.join(os.path.dirname(os.path.abspath(state_dir or default_state_dir())), 'locks')
        self.path = os.path.join(self.directory, key + '.lock')
        self.timeout = timeout
        self.label = '%s %r' % (kind, name)
        self._fd = None

    @contextlib.contextmanager
    def held(self):
        try:
            ensure_private_dir(self.directory)
        except OSError as exc:
            raise IscError('Cannot use the lock directory %s: %s' % (self.directory, exc))
        with file_lock(self.path, self.timeout) as locked:
            if not locked:
                raise IscError('Another run on this controller has been writing the %s for %d s; wait for it to '
                               'finish, then run again' % (self.label, self.timeout))
            yield self

    def settled_before(self, moment):
        """True when the last write under this lock finished before moment (epoch seconds) and none is unfinished.

        A writer killed half way leaves "started": then nothing planned earlier is trusted until the next write
        under this name has finished.
        """
        try:
            with open(self.path) as handle:
                state, _sep, stamp = handle.read().strip().partition(' ')
        except OSError:
            return True
        if not state:
            return True
        try:
            return state == 'done' and float(stamp) < moment
        except ValueError:
            return False

    def mark_started(self):
        """Record, while holding the lock and before the first write request, that a write is under way."""
        self._record('started')

    def mark_done(self):
        self._record('done')

    def _record(self, state):
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        try:
            os.write(fd, ('%s %.6f\n' % (state, time.time())).encode())
        finally:
            os.close(fd)
