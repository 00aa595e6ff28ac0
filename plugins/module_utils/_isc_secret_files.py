# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Credential files: where a new secret is written the moment ISC hands it out.

One JSON file per credential, written atomically (a 0600 temporary file renamed into place) into a 0700
directory, never through a symbolic link. The file name comes from the credential's name through an injective
mapping (two different names never share a file), documented in the secret_sink role and isc_credential_files:

* percent-encoding of the UTF-8 bytes, as in URLs: ASCII letters, digits, ``_``, ``-`` and ``.`` stand for
  themselves (a leading ``.`` is encoded, so no file is hidden or ``..``), every other byte becomes ``%XX``
  (``app:ci`` -> ``app%3Aci``, ``app_ci`` -> ``app_ci``, ``app ci`` -> ``app%20ci``, ``~`` -> ``%7E``);
* a result longer than 200 characters keeps its first 160 and ends in ``~`` + the first 32 hex digits of the
  SHA-256 of the name (file systems allow 255 bytes; ``~`` appears in no other result, and a collision would need
  a SHA-256 collision);
* ``.json`` is appended.

Names that differ only in case map to different files, which share one file on a case-insensitive file system
(macOS, Windows): :func:`clashing_names` finds them, so a role can refuse before it creates anything.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
from urllib.parse import quote

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import ensure_private_dir, write_atomically

FILE_FIELDS = ('name', 'kind', 'client_id', 'client_secret', 'environment', 'tenant', 'base_url', 'token_url',
               'created')
MAX_STEM = 200
KEPT_WHEN_HASHED = 160


def file_stem(name):
    """The injective file name stem of a credential name (see the module docstring)."""
    stem = quote(name, safe='', encoding='utf-8', errors='surrogatepass').replace('~', '%7E') or '%'
    if stem.startswith('.'):
        stem = '%2E' + stem[1:]
    if len(stem) > MAX_STEM:
        digest = hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:32]
        stem = stem[:KEPT_WHEN_HASHED] + '~' + digest
    return stem


def file_name(name):
    return file_stem(name) + '.json'


def clashing_names(names):
    """Groups of names that would share one file on a case-insensitive file system (or are equal)."""
    by_file = {}
    for name in names:
        by_file.setdefault(file_name(name).lower(), []).append(name)
    return [group for group in by_file.values() if len(group) > 1]


def _refuse_link(path):
    if os.path.islink(path):
        raise OSError(errno.ELOOP, 'is a symbolic link, which credential files are never written through', path)


def prepare_directory(directory):
    """Create (0700) or check a directory for credential files; raise IscError saying why it cannot be used."""
    try:
        _refuse_link(directory)
        ensure_private_dir(directory)
        probe = os.path.join(directory, '.write-probe-%d' % os.getpid())
        write_atomically(probe, '')
        os.unlink(probe)
    except OSError as exc:
        raise IscError('Cannot write credential files in %s: %s' % (directory, exc.strerror or exc))


def write_credential_file(path, record):
    """Write one credential atomically as JSON (0600) into its 0700 directory; never through a link."""
    directory = os.path.dirname(path) or '.'
    record = dict((key, record.get(key)) for key in FILE_FIELDS if record.get(key) is not None)
    record.setdefault('created', datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))
    try:
        _refuse_link(directory)
        ensure_private_dir(directory)
        _refuse_link(path)
        write_atomically(path, json.dumps(record, indent=2, sort_keys=True) + '\n')
    except OSError as exc:
        raise IscError('Cannot write the credential file %s: %s' % (path, exc.strerror or exc))
    return path


def delivered_id(path):
    """The client id recorded in a credential file, or None when there is no readable file with one."""
    if not path or os.path.islink(path):
        return None
    try:
        with open(path) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if isinstance(record, dict) and isinstance(record.get('client_id'), str) and record.get('client_secret'):
        return record['client_id']
    return None
