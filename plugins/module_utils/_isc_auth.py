# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""OAuth 2.0 grants, token lifetime and renewal.

Ansible runs every task in a fresh worker process, so a token held in memory dies with the task. To make a whole
playbook run cost one token request per credential, tokens are also kept in the encrypted on-disk cache of
``_isc_token_cache`` (one entry per credential, a lock per entry so that parallel forks ask once).

How long a token is used: ``expires_in`` of the token answer; without it, the JWT's own lifetime (``exp`` minus
``iat``, counted from when the answer arrived, so a clock difference with ISC does not matter; ``exp`` alone
otherwise); with neither, the token is reused for 60 seconds and then requested again.

A token served from memory or from the cache sends nothing, so the HTTP client (``_isc_http``, and ``_isc_token``
for reading a new token's claims) is imported only when a token is requested. Ansible compiles a collection's
Python files from source in every worker process, one per task, so what a task imports is paid on every task:
this keeps a lookup served from the cache cheap (tests/unit/plugins/lookup checks that it imports neither).
"""

from __future__ import annotations

import hashlib
import math
import os
import time

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token_cache import (
    NO_CRYPTOGRAPHY_WARNING,
    TokenCache,
    credential_identity,
    load_cryptography,
)

RENEW_MARGIN_SECONDS = 60
RENEW_MARGIN_FRACTION = 0.1
# How long a token whose lifetime is unknown (no expires_in, no JWT exp) is reused before asking again.
UNKNOWN_LIFETIME_REUSE_SECONDS = 60

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


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _seconds(value):
    """A number of seconds from a token answer field (a number or a numeric string), or None."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return value if _is_number(value) else None


def _jwt_expiry(access_token, now):
    """Expiry of a JWT from its own claims, counted from now; None for an opaque token or one without exp."""
    from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import decode_unverified

    try:
        _header, claims = decode_unverified(access_token)
    except IscError:
        return None
    exp, iat = claims.get('exp'), claims.get('iat')
    if not _is_number(exp):
        return None
    if _is_number(iat) and exp > iat:
        return now + (exp - iat)
    return float(exp)


def _optional_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return ' '.join(str(v) for v in value)
    return str(value)


class Token(object):
    """An access token and what the token endpoint said about it."""

    def __init__(self, access_token, expires_at, issued_at, token_type='bearer', scope=None, refresh_token=None,
                 info=None, reuse_until=None):
        self.access_token = access_token
        self.expires_at = expires_at
        self.issued_at = issued_at
        self.token_type = token_type or 'bearer'
        self.scope = scope
        self.refresh_token = refresh_token
        self.info = dict(info or {})
        # Only for a token of unknown lifetime: until when it is used without asking again.
        self.reuse_until = reuse_until

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
        now = time.time() if now is None else now
        if self.expires_at is None:
            return self.reuse_until is not None and now < self.reuse_until
        return self.expires_at - now > renew_margin(self.lifetime)

    @classmethod
    def from_response(cls, body, now):
        access_token = body['access_token']
        if not isinstance(access_token, str) or not access_token:
            raise ValueError('access_token is not a non-empty string')
        expires_in = _seconds(body.get('expires_in'))
        expires_at = now + expires_in if expires_in is not None else _jwt_expiry(access_token, now)
        reuse_until = now + UNKNOWN_LIFETIME_REUSE_SECONDS if expires_at is None else None
        info = dict((k, body[k]) for k in _PUBLIC_RESPONSE_FIELDS if k in body)
        return cls(access_token=access_token, expires_at=expires_at, issued_at=now,
                   token_type=_optional_text(body.get('token_type')), scope=_optional_text(body.get('scope')),
                   refresh_token=_optional_text(body.get('refresh_token')), info=info, reuse_until=reuse_until)

    def to_dict(self):
        return dict(access_token=self.access_token, expires_at=self.expires_at, issued_at=self.issued_at,
                    token_type=self.token_type, scope=self.scope, refresh_token=self.refresh_token, info=self.info,
                    reuse_until=self.reuse_until)

    @classmethod
    def from_dict(cls, data):
        """The token a cache entry holds; ValueError for anything but the exact shape to_dict() writes."""
        if not isinstance(data, dict) or set(data) != set(cls('x', None, 0).to_dict()):
            raise ValueError('not a token entry')
        if not isinstance(data['access_token'], str) or not data['access_token'] or not _is_number(
                data['issued_at']) or not isinstance(data['info'], dict):
            raise ValueError('not a token entry')
        for name in ('expires_at', 'reuse_until'):
            if data[name] is not None and not _is_number(data[name]):
                raise ValueError('not a token entry')
        for name in ('token_type', 'scope', 'refresh_token'):
            if data[name] is not None and not isinstance(data[name], str):
                raise ValueError('not a token entry')
        return cls(**data)

    def __repr__(self):
        return '<Token expires_at=%s>' % (self.expires_at,)


class TokenProvider(object):
    """Hands out a fresh access token for one connection, renewing it before it expires."""

    def __init__(self, settings, transport=None, cache=None, clock=time.time):
        """transport sends the token requests; without one, an HTTP transport is made when the first is sent."""
        self.settings = settings
        self._transport = transport
        self._own_transport = transport is None
        if transport is None and os.environ.get('ISC_RATE_LIMIT', '').strip():
            self._new_transport()  # it checks ISC_RATE_LIMIT: a malformed value fails every task, not only a miss
        self._clock = clock
        self._fixed = None
        self._warnings = []
        self.cache = None
        self._identity = self._material = self._memory_key = None
        self._entry = False  # the cache entry's name, worked out on first use (it reads the cache key)
        if settings.access_token:
            self._fixed = Token(settings.access_token, expires_at=None, issued_at=clock())
            return
        self._identity, self._material = credential_identity(settings)
        self._memory_key = hashlib.sha256(self._identity).hexdigest()
        if cache is not None:
            self.cache = cache
        elif settings.token_cache:
            if load_cryptography() is None:
                self._warnings.append(NO_CRYPTOGRAPHY_WARNING)
            else:
                self.cache = TokenCache(settings.token_cache_dir)

    @property
    def transport(self):
        if self._transport is None:
            self._new_transport()
        return self._transport

    def _new_transport(self):
        from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import Transport

        self._transport = Transport(self.settings)

    def close(self):
        """Close the transport this provider made (one handed to it belongs to the caller, who closes it)."""
        if self._own_transport and self._transport is not None:
            self._transport.close()

    @property
    def can_renew(self):
        """False for a bearer token given as is: nothing can replace it."""
        return self._fixed is None

    @property
    def warnings(self):
        """What the user should know: weakened transport security first, then cache problems."""
        warnings = list(getattr(self.settings, 'warnings', [])) + self._warnings
        if self.cache:
            warnings.extend(w for w in self.cache.warnings if w not in warnings)
        return warnings

    def _entry_name(self):
        if self._entry is False:
            self._entry = self.cache.entry_name(self._identity) if self.cache else None
        return self._entry

    def _load(self):
        return self.cache.load(self._entry_name(), self._material, Token.from_dict)

    def get(self):
        if self._fixed is not None:
            return self._fixed
        now = self._clock()
        token = _MEMORY.get(self._memory_key)
        if token is not None and token.is_fresh(now):
            return token
        if self._entry_name() is None:
            token = self._obtain(token)
        else:
            cached = self._load()
            if cached is not None and cached.is_fresh(now):
                token = cached
            else:
                with self.cache.lock(self._entry_name()):
                    cached = self._load()
                    if cached is not None and cached.is_fresh(self._clock()):
                        token = cached
                    else:
                        token = self._obtain(cached or token)
                        self.cache.store(self._entry_name(), self._material, token.to_dict())
        _MEMORY[self._memory_key] = token
        return token

    def invalidate(self, token):
        """Forget a token the server refused, so the next get() obtains a new one."""
        if self._fixed is not None:
            return
        remembered = _MEMORY.get(self._memory_key)
        if remembered is not None and remembered.access_token == token.access_token:
            del _MEMORY[self._memory_key]
        if self._entry_name() is not None:
            cached = self._load()
            if cached is not None and cached.access_token == token.access_token:
                self.cache.remove(self._entry_name())

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
        from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import error_from_response

        settings = self.settings
        form = dict(form, client_id=settings.client_id)
        if settings.client_secret:
            form['client_secret'] = settings.client_secret
        secrets = settings.secret_values() + ([extra_secret] if extra_secret else [])
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
