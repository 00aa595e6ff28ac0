# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""OAuth 2.0 grants, token renewal, and the on-disk token cache.

Ansible runs every task in a fresh worker process, so a token held in memory
dies with the task. To make a whole playbook run cost one token request per
credential, tokens are cached on disk:

* one file per credential, named by a hash of token URL, client id, grant and
  credential material, in a private directory (0700; files 0600);
* the entry is encrypted and authenticated with a key derived from the
  credential's own secret, so the directory holds no usable token: reading it
  requires the client secret (or refresh token) that produced it. Client
  secrets themselves are never written;
* a lock file per entry serialises token requests of parallel forks: the first
  one asks, the others wait and read its result;
* writes go to a temporary file that is renamed into place, so a reader never
  sees half an entry.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import time

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import (
    default_state_dir,
    ensure_private_dir,
    file_lock,
    write_atomically,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import error_from_response

RENEW_MARGIN_SECONDS = 60
RENEW_MARGIN_FRACTION = 0.1
CACHE_FORMAT = 1

# Tokens already read or obtained by this process (the lookup may run many times in one worker).
_MEMORY = {}

# Fields of a token response that describe the token and are safe to keep with it.
_PUBLIC_RESPONSE_FIELDS = ('accessType', 'tenant_id', 'internal', 'pod', 'strong_auth_supported', 'org', 'user_id',
                           'identity_id', 'strong_auth', 'enabled', 'jti')


def renew_margin(lifetime):
    """Seconds before expiry at which a token is renewed: 60 s or 10 % of its life, whichever is larger.

    Capped at half the lifetime, or a short-lived token would be renewed on every use.
    """
    margin = max(RENEW_MARGIN_SECONDS, RENEW_MARGIN_FRACTION * lifetime)
    return min(margin, lifetime / 2.0)


class Token(object):
    """An access token and what the token endpoint said about it."""

    def __init__(self, access_token, expires_at, issued_at, token_type='bearer', scope=None, refresh_token=None,
                 info=None):
        self.access_token = access_token
        self.expires_at = expires_at
        self.issued_at = issued_at
        self.token_type = token_type or 'bearer'
        self.scope = scope
        self.refresh_token = refresh_token
        self.info = dict(info or {})

    @property
    def lifetime(self):
        if self.expires_at is None:
            return 0
        return max(0.0, self.expires_at - self.issued_at)

    def expires_in(self, now=None):
        if self.expires_at is None:
            return None
        now = time.time() if now is None else now
        return int(self.expires_at - now)

    def is_fresh(self, now=None):
        """True while the token can be used without renewing it first."""
        if self.expires_at is None:
            return False
        now = time.time() if now is None else now
        return self.expires_at - now > renew_margin(self.lifetime)

    @classmethod
    def from_response(cls, body, now):
        expires_in = body.get('expires_in')
        try:
            expires_at = now + int(expires_in)
        except (TypeError, ValueError):
            expires_at = None
        info = dict((k, body[k]) for k in _PUBLIC_RESPONSE_FIELDS if k in body)
        return cls(access_token=body['access_token'], expires_at=expires_at, issued_at=now,
                   token_type=body.get('token_type'), scope=body.get('scope'),
                   refresh_token=body.get('refresh_token'), info=info)

    def to_dict(self):
        return dict(access_token=self.access_token, expires_at=self.expires_at, issued_at=self.issued_at,
                    token_type=self.token_type, scope=self.scope, refresh_token=self.refresh_token, info=self.info)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)

    def __repr__(self):
        return '<Token expires_at=%s>' % (self.expires_at,)


def _b64(data):
    return base64.b64encode(data).decode('ascii')


def _unb64(text):
    return base64.b64decode(text.encode('ascii'))


def _keystream(key, nonce, length):
    # HMAC-SHA256 in counter mode as a stream cipher: stdlib only, so the cache
    # works without the optional cryptography package.
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(8, 'big'), hashlib.sha256).digest())
    return b''.join(blocks)[:length]


class TokenCache(object):
    """Encrypted, locked, atomically written token entries in a private directory."""

    def __init__(self, directory=None, lock_timeout=60.0):
        self.directory = directory or default_state_dir()
        self.lock_timeout = lock_timeout
        self.warnings = []

    @staticmethod
    def key_for(settings):
        """(file key, encryption material) of a credential; the material never leaves this process."""
        material = '\0'.join(v or '' for v in (settings.client_secret, settings.refresh_token, settings.code,
                                               settings.code_verifier))
        ident = '\0'.join((settings.token_url, settings.client_id or '', settings.grant_type, material))
        key = hashlib.sha256(('sailpoint_isc.oauth:entry:' + ident).encode('utf-8')).hexdigest()
        return key, ident.encode('utf-8')

    def _ensure_dir(self):
        try:
            ensure_private_dir(self.directory)
            return True
        except OSError as exc:
            self.warnings.append('The token cache directory %s cannot be used (%s); tokens are not cached.'
                                 % (self.directory, exc))
            return False

    def _path(self, key, suffix='.json'):
        return os.path.join(self.directory, key + suffix)

    @staticmethod
    def _keys(material):
        enc = hmac.new(material, b'sailpoint_isc.oauth token cache: encryption', hashlib.sha256).digest()
        mac = hmac.new(material, b'sailpoint_isc.oauth token cache: authentication', hashlib.sha256).digest()
        return enc, mac

    def load(self, key, material):
        try:
            with open(self._path(key), 'r') as handle:
                entry = json.load(handle)
            if entry.get('v') != CACHE_FORMAT:
                return None
            enc, mac = self._keys(material)
            nonce, cipher, tag = _unb64(entry['n']), _unb64(entry['c']), _unb64(entry['t'])
            if not hmac.compare_digest(hmac.new(mac, nonce + cipher, hashlib.sha256).digest(), tag):
                return None
            plain = bytes(a ^ b for a, b in zip(cipher, _keystream(enc, nonce, len(cipher))))
            return Token.from_dict(json.loads(plain.decode('utf-8')))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key, material, token):
        if not self._ensure_dir():
            return
        enc, mac = self._keys(material)
        nonce = os.urandom(16)
        plain = json.dumps(token.to_dict()).encode('utf-8')
        cipher = bytes(a ^ b for a, b in zip(plain, _keystream(enc, nonce, len(plain))))
        entry = {'v': CACHE_FORMAT, 'n': _b64(nonce), 'c': _b64(cipher),
                 't': _b64(hmac.new(mac, nonce + cipher, hashlib.sha256).digest())}
        try:
            write_atomically(self._path(key), json.dumps(entry))
        except OSError as exc:
            self.warnings.append('Could not write the token cache entry (%s).' % exc)

    def remove(self, key):
        with contextlib.suppress(OSError):
            os.unlink(self._path(key))

    @contextlib.contextmanager
    def lock(self, key):
        """Hold the entry's lock; on timeout or without a usable directory, go on unlocked."""
        if not self._ensure_dir():
            yield
            return
        with file_lock(self._path(key, '.lock'), self.lock_timeout) as locked:
            if not locked:
                self.warnings.append('Timed out waiting for the token cache lock; requesting a token anyway.')
            yield


class TokenProvider(object):
    """Hands out a fresh access token for one connection, renewing it before it expires."""

    def __init__(self, settings, transport, cache=None, clock=time.time):
        self.settings = settings
        self.transport = transport
        self._clock = clock
        self._fixed = None
        self.token_requests = 0
        if settings.access_token:
            self._fixed = Token(settings.access_token, expires_at=None, issued_at=clock())
        self.cache = None
        if cache is not None:
            self.cache = cache
        elif settings.token_cache and not settings.access_token:
            self.cache = TokenCache(settings.token_cache_dir)
        self._key, self._material = TokenCache.key_for(settings) if not settings.access_token else (None, None)

    @property
    def can_renew(self):
        """False for a bearer token given as is: nothing can replace it."""
        return self._fixed is None

    @property
    def warnings(self):
        return list(self.cache.warnings) if self.cache else []

    def get(self):
        if self._fixed is not None:
            return self._fixed
        now = self._clock()
        token = _MEMORY.get(self._key)
        if token is not None and token.is_fresh(now):
            return token
        if self.cache is None:
            token = self._obtain(token)
        else:
            cached = self.cache.load(self._key, self._material)
            if cached is not None and cached.is_fresh(now):
                token = cached
            else:
                with self.cache.lock(self._key):
                    cached = self.cache.load(self._key, self._material)
                    if cached is not None and cached.is_fresh(self._clock()):
                        token = cached
                    else:
                        token = self._obtain(cached or token)
                        self.cache.store(self._key, self._material, token)
        _MEMORY[self._key] = token
        return token

    def invalidate(self, token):
        """Forget a token the server refused, so the next get() obtains a new one."""
        if self._fixed is not None:
            return
        if _MEMORY.get(self._key) is token or (
                _MEMORY.get(self._key) is not None and _MEMORY[self._key].access_token == token.access_token):
            del _MEMORY[self._key]
        if self.cache is not None:
            cached = self.cache.load(self._key, self._material)
            if cached is not None and cached.access_token == token.access_token:
                self.cache.remove(self._key)

    def _obtain(self, stale):
        settings = self.settings
        if stale is not None and stale.refresh_token:
            try:
                return self._request({'grant_type': 'refresh_token', 'refresh_token': stale.refresh_token},
                                     stale.refresh_token)
            except IscError as exc:
                if exc.status not in (400, 401) or settings.grant_type == 'authorization_code' and not settings.code:
                    raise
                # The refresh token was refused (expired or revoked): fall back to the configured grant.
        if settings.grant_type == 'client_credentials':
            form = {'grant_type': 'client_credentials'}
        elif settings.grant_type == 'refresh_token':
            form = {'grant_type': 'refresh_token', 'refresh_token': settings.refresh_token}
        else:
            form = {'grant_type': 'authorization_code', 'code': settings.code,
                    'redirect_uri': settings.redirect_uri}
            if settings.code_verifier:
                form['code_verifier'] = settings.code_verifier
        return self._request(form)

    def _request(self, form, extra_secret=None):
        settings = self.settings
        form = dict(form, client_id=settings.client_id)
        if settings.client_secret:
            form['client_secret'] = settings.client_secret
        secrets = settings.secret_values() + ([extra_secret] if extra_secret else [])
        self.token_requests += 1
        now = self._clock()
        response = self.transport.send('POST', settings.token_url, data=form, idempotent=True,
                                       headers={'Content-Type': 'application/x-www-form-urlencoded'})
        if response.status_code != 200:
            error = error_from_response(response, 'POST', settings.token_url, secrets,
                                        what='Token request (grant_type=%s, client_id=%s):'
                                             % (form['grant_type'], settings.client_id))
            raise error
        try:
            body = response.json()
            token = Token.from_response(body, now)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise IscError('The token endpoint %s answered HTTP 200 without an access_token; check token_url'
                           % settings.token_url, status=200, method='POST', url=settings.token_url)
        if not token.refresh_token and form['grant_type'] == 'refresh_token':
            token.refresh_token = form['refresh_token']
        return token


def forget_memory():
    """Drop the tokens this process holds (tests, and long-lived controllers after a credential change)."""
    _MEMORY.clear()
