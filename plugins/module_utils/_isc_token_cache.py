# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The on-disk token cache: one encrypted entry per credential in a private directory.

* Entries are sealed with AES-256-GCM (``cryptography``). The key is derived with HKDF-SHA256 from the credential's
  secret material (client secret, refresh token, code, PKCE verifier), so reading an entry needs the secret that
  produced it. Client secrets themselves are never written.
* Entry file names are HMAC-SHA256 of the credential under a random 32-byte key kept in the directory
  (``cache.key``, 0600, 64 hexadecimal digits). A plain hash of the credential would let whoever can list the
  directory test guesses of a secret offline against the file names; under a key they reveal nothing.
* An entry that cannot be read for any reason (another format, truncated, altered, of the wrong shape) is removed
  and the token requested again: a damaged cache never fails a task.
* Without ``cryptography`` (a module running on a bare host) the cache is off, with one warning.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import hmac
import json
import os
import re
import stat
import tempfile

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import (
    default_state_dir,
    ensure_private_dir,
    file_lock,
    write_atomically,
)

CACHE_FORMAT = 2
KEY_FILE = 'cache.key'
KEY_SIZE = 32
NONCE_SIZE = 12
_HEX_DIGITS = b'0123456789abcdef'
_HKDF_INFO = b'sailpoint_isc.oauth token cache v2: AES-256-GCM entry key'
# Names an entry of this format or of the earlier one can have: removed when a new key is made, because they
# can no longer be found (the earlier format also used a hand-written cipher).
# A pattern, compiled only when a key is made: a compiled one would cost every task's new process its compilation.
_ENTRY_NAME = r'^[0-9a-f]{64}\.(json|lock)$'

_CRYPTO = []


def load_cryptography():
    """(AESGCM, HKDF, SHA256, InvalidTag), or None when cryptography is not installed. Imported on first use."""
    if not _CRYPTO:
        try:
            from cryptography.exceptions import InvalidTag
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
            from cryptography.hazmat.primitives.hashes import SHA256
            from cryptography.hazmat.primitives.kdf.hkdf import HKDF
            _CRYPTO.append((AESGCM, HKDF, SHA256, InvalidTag))
        except ImportError:
            _CRYPTO.append(None)
    return _CRYPTO[0]


NO_CRYPTOGRAPHY_WARNING = ('The token cache is off: the Python library cryptography is not installed where this task '
                           'runs (pip install cryptography), so every task requests its own token.')


def credential_identity(settings):
    """(identity, secret material) of a credential: what names an entry, and what its key is derived from."""
    material = '\0'.join(v or '' for v in (settings.client_secret, settings.refresh_token, settings.code,
                                           settings.code_verifier))
    identity = '\0'.join((settings.token_url, settings.client_id or '', settings.grant_type, material))
    return identity.encode('utf-8'), material.encode('utf-8')


class TokenCache(object):
    """Encrypted, locked, atomically written entries in a private directory.

    Entries hold a JSON object; what it means (a token) is the caller's business, and ``validate`` tells a
    well-formed one from a damaged one.
    """

    def __init__(self, directory=None, lock_timeout=60.0):
        self.directory = directory or default_state_dir()
        self.lock_timeout = lock_timeout
        self.warnings = []
        self._key = None

    @property
    def usable(self):
        """False when the directory or its key cannot be used; the reason is in warnings."""
        return self._cache_key() is not None

    def _warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def _cache_key(self):
        if self._key is None:
            try:
                ensure_private_dir(self.directory)
                self._key = self._read_or_create_key()
            except OSError as exc:
                self._warn('The token cache directory %s cannot be used (%s); tokens are not cached.'
                           % (self.directory, exc.strerror or exc))
                self._key = False
        return self._key or None

    def _read_key(self, path):
        """The key, or None when there is none or it is unusable (then it is removed)."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0))
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return None
            if exc.errno != errno.ELOOP:  # ELOOP: a symbolic link, never followed; replaced below
                raise
            os.unlink(path)
            return None
        with os.fdopen(fd, 'rb') as handle:
            info = os.fstat(handle.fileno())
            text = handle.read(2 * KEY_SIZE + 1)
        # Exactly 64 lower-case hexadecimal digits, nothing after them (not even a newline). Checked without a
        # regular expression: compiling one costs more than the rest of a cache hit, in every task's new process.
        if (stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not stat.S_IMODE(info.st_mode) & 0o077
                and len(text) == 2 * KEY_SIZE and not text.strip(_HEX_DIGITS)):
            return binascii.unhexlify(text)
        os.unlink(path)
        return None

    def _read_or_create_key(self):
        path = os.path.join(self.directory, KEY_FILE)
        key = self._read_key(path)
        if key is not None:
            return key
        # Written in full to a private temporary file, then linked into place: link() never replaces an existing
        # file or follows a link there, so of two processes making a key at once, one wins and both use its key.
        fd, tmp = tempfile.mkstemp(prefix='.tmp-key-', dir=self.directory)
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(binascii.hexlify(os.urandom(KEY_SIZE)))
            try:
                os.link(tmp, path)
                self._remove_unreachable_entries()
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        key = self._read_key(path)
        if key is None:
            raise OSError(errno.EIO, 'its key file %s cannot be read back' % KEY_FILE)
        return key

    def _remove_unreachable_entries(self):
        for name in os.listdir(self.directory):
            if re.match(_ENTRY_NAME, name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.directory, name))

    def entry_name(self, identity):
        """The file name of a credential's entry, or None without a usable cache."""
        key = self._cache_key()
        if key is None:
            return None
        return hmac.new(key, identity, hashlib.sha256).hexdigest()

    def _path(self, name, suffix='.json'):
        return os.path.join(self.directory, name + suffix)

    def _entry_key(self, material):
        AESGCM, HKDF, SHA256, _InvalidTag = load_cryptography()
        derived = HKDF(algorithm=SHA256(), length=32, salt=self._cache_key(), info=_HKDF_INFO).derive(material)
        return AESGCM(derived)

    def load(self, name, material, validate):
        """validate(decrypted object) of the entry, or None; an entry that cannot be used is removed."""
        if name is None:
            return None
        path = self._path(name)
        try:
            with open(path, 'rb') as handle:
                raw = handle.read()
        except OSError:
            return None  # no entry yet
        try:
            entry = json.loads(raw.decode('utf-8'))
            if not isinstance(entry, dict) or entry.get('v') != CACHE_FORMAT:
                raise ValueError('not an entry of format %d' % CACHE_FORMAT)
            if not isinstance(entry.get('n'), str) or not isinstance(entry.get('c'), str):
                raise ValueError('nonce or cipher text missing')
            nonce = base64.b64decode(entry['n'].encode('ascii'), validate=True)
            sealed = base64.b64decode(entry['c'].encode('ascii'), validate=True)
            if len(nonce) != NONCE_SIZE:
                raise ValueError('wrong nonce size')
            invalid_tag = load_cryptography()[3]
            try:
                plain = self._entry_key(material).decrypt(nonce, sealed, name.encode('ascii'))
            except invalid_tag:
                raise ValueError('authentication failed')
            return validate(json.loads(plain.decode('utf-8')))
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, UnicodeError, RecursionError):
            # Damaged, altered, or written by another version: it can never be read, so it is replaced.
            self.remove(name)
            return None

    def store(self, name, material, data):
        if name is None:
            return
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._entry_key(material).encrypt(nonce, json.dumps(data).encode('utf-8'), name.encode('ascii'))
        entry = {'v': CACHE_FORMAT, 'n': base64.b64encode(nonce).decode('ascii'),
                 'c': base64.b64encode(sealed).decode('ascii')}
        try:
            write_atomically(self._path(name), json.dumps(entry))
        except OSError as exc:
            self._warn('Could not write the token cache entry (%s).' % (exc.strerror or exc))

    def remove(self, name):
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._path(name))

    @contextlib.contextmanager
    def lock(self, name):
        """Hold the entry's lock; on timeout or without a usable directory, go on unlocked."""
        if name is None:
            yield
            return
        with file_lock(self._path(name, '.lock'), self.lock_timeout) as locked:
            if not locked:
                self._warn('Timed out waiting for the token cache lock; requesting a token anyway.')
            yield
