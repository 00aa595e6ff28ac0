# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Reading ISC access tokens (JWTs): claims, expiry, identity context, signature checks.

Reading claims needs no library (a JWT payload is base64url JSON) and never
trusts them for anything but display; checking a signature uses PyJWT, and
``cryptography`` for RSA/EC keys.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import time

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscDependencyError, IscError

# 'none' and anything unknown are refused: the algorithm comes from the token, which is attacker-controlled.
SIGNATURE_ALGORITHMS = ('HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
                        'ES256', 'ES384', 'ES512')

IDENTITY_CLAIMS = ('client_id', 'tenant_id', 'org', 'pod', 'identity_id', 'user_name')


def iso8601(epoch):
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _segment(text, what):
    padded = text + '=' * (-len(text) % 4)
    try:
        value = json.loads(base64.urlsafe_b64decode(padded.encode('ascii')).decode('utf-8'))
    except (ValueError, binascii.Error, UnicodeError):
        raise IscError('The access token is not a well-formed JWT: its %s is not base64url-encoded JSON' % what)
    if not isinstance(value, dict):
        raise IscError('The access token is not a well-formed JWT: its %s is not a JSON object' % what)
    return value


def decode_unverified(access_token):
    """(header, claims) of a JWT, without checking the signature."""
    if not isinstance(access_token, str) or access_token.count('.') != 2:
        raise IscError('The access token is not a well-formed JWT: expected three dot-separated parts '
                       '(header.payload.signature)')
    header, payload, _signature = access_token.split('.')
    return _segment(header, 'header'), _segment(payload, 'payload')


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return list(value)


def describe(access_token, now=None):
    """What isc_token_info and the lookup report about a token."""
    header, claims = decode_unverified(access_token)
    now = time.time() if now is None else now
    exp = claims.get('exp')
    if not isinstance(exp, (int, float)):
        exp = None
    summary = dict(
        header=header,
        claims=claims,
        expires_at=iso8601(exp),
        expires_in=None if exp is None else int(exp - now),
        expired=False if exp is None else exp <= now,
        scopes=_as_list(claims.get('scope')),
        authorities=_as_list(claims.get('authorities')),
        has_user_context=bool(claims.get('identity_id') or claims.get('user_name')),
    )
    for name in IDENTITY_CLAIMS:
        summary[name] = claims.get(name)
    return summary


def verify_signature(access_token, key=None, jwks=None):
    """Raise IscError unless the token is signed by key (HS secret or PEM public key) or by a key of jwks."""
    try:
        import jwt  # only here: importing PyJWT (and cryptography through it) costs more than reading a token
    except ImportError:
        raise IscDependencyError('PyJWT', 'to verify token signatures')
    header, _claims = decode_unverified(access_token)
    algorithm = header.get('alg')
    if algorithm not in SIGNATURE_ALGORITHMS:
        raise IscError('The token is signed with algorithm %r, which is not accepted for verification '
                       '(accepted: %s)' % (algorithm, ', '.join(SIGNATURE_ALGORITHMS)))
    options = {'verify_exp': False, 'verify_aud': False, 'verify_iat': False, 'verify_nbf': False}
    try:
        if jwks is not None:
            key = _key_from_jwks(jwks, header.get('kid'), algorithm)
        elif algorithm.startswith('HS'):
            key = key.encode('utf-8') if isinstance(key, str) else key
        jwt.decode(access_token, key, algorithms=[algorithm], options=options)
    except jwt.InvalidSignatureError:
        raise IscError('The access token signature is not valid for the given key (algorithm %s)' % algorithm)
    except (jwt.PyJWKError, jwt.InvalidKeyError, NotImplementedError, ValueError, TypeError) as exc:
        text = str(exc)
        if 'cryptography' in text or 'not supported' in text.lower():
            raise IscDependencyError('cryptography', 'to verify %s signatures' % algorithm)
        raise IscError('Cannot verify the access token with the given key: %s' % text)
    except jwt.PyJWTError as exc:
        raise IscError('The access token could not be verified: %s' % exc)


def _key_from_jwks(jwks, kid, algorithm):
    import jwt

    keys = jwks.get('keys') if isinstance(jwks, dict) else None
    if not keys:
        raise IscError('The JWK set has no keys')
    candidates = [k for k in keys if kid is None or k.get('kid') == kid]
    if not candidates:
        raise IscError('No key with kid %r in the JWK set (it has %s)' % (
            kid, ', '.join(repr(k.get('kid')) for k in keys)))
    try:
        return jwt.PyJWK(candidates[0], algorithm).key
    except jwt.PyJWKError as exc:
        if 'cryptography' in str(exc) or 'not supported' in str(exc).lower():
            raise IscDependencyError('cryptography', 'to verify %s signatures' % algorithm)
        raise IscError('The key %r of the JWK set cannot be used: %s' % (kid, exc))
