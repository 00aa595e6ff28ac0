# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""State shared by the processes of a playbook run: a private directory, locks, atomic writes.

Ansible runs every task in its own worker process, so whatever must hold across tasks and forks (the token
cache, the request pacer) lives in files, guarded by locks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - Windows controllers are not supported by Ansible
    HAS_FCNTL = False

APP_DIR = 'sailpoint_isc.oauth'


def default_state_dir(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, APP_DIR, 'tokens')


def ensure_private_dir(directory):
    """Create directory (0700) or tighten it; raise OSError when it cannot be used safely."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    info = os.stat(directory)
    if info.st_uid != os.getuid():
        raise OSError('owned by another user')
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(directory, 0o700)


def write_atomically(path, text):
    """Write text to path through a 0600 temporary file renamed into place: readers never see half of it."""
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _open_no_follow(path):
    """Open (or create, 0600) a file that is never a symbolic link: a link planted under its name is removed."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0)
    try:
        return os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
    os.unlink(path)  # removes the link itself, never what it points to
    return os.open(path, flags | os.O_EXCL, 0o600)


@contextlib.contextmanager
def file_lock(path, timeout):
    """Hold an exclusive lock on path; yields False (unlocked) when it cannot be had in time."""
    if not HAS_FCNTL:
        yield False
        return
    fd = _open_no_follow(path)
    locked = False
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        yield locked
    finally:
        if locked:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
