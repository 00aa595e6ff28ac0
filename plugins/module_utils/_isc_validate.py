# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Checks of option values that resource modules share; each raises IscOptionError naming the option."""

from __future__ import annotations

import datetime
import re
import unicodedata

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

MAX_NAME_LENGTH = 255
MAX_TEXT_LENGTH = 2000
MAX_LIST_ITEMS = 100
INT32_MAX = 2 ** 31 - 1
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_SCHEME = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*$')
# Schemes a redirect URI must never have: they run code in, or read from, the browser or the local machine.
FORBIDDEN_REDIRECT_SCHEMES = ('javascript', 'data', 'vbscript', 'file', 'about', 'blob')
# ISC scopes are colon-separated words: sp:scopes:all, sp:oauth-client:manage, idn:sources:read.
_SCOPE = re.compile(r'^[A-Za-z0-9_*.-]+(:[A-Za-z0-9_*.-]+)+$')
# Unicode categories never allowed in names and descriptions: controls (Cc), format characters (Cf: bidirectional
# overrides such as U+202E, zero-width characters), line and paragraph separators (Zl, Zp: U+2028, U+2029),
# unassigned code points and surrogates (Cn, Cs).
_FORBIDDEN_CATEGORIES = {'Cc': 'control', 'Cf': 'invisible formatting or bidirectional',
                         'Zl': 'line separator', 'Zp': 'paragraph separator', 'Cn': 'unassigned', 'Cs': 'surrogate'}


def _check_characters(value, option):
    for char in value:
        kind = _FORBIDDEN_CATEGORIES.get(unicodedata.category(char))
        if kind:
            raise IscOptionError('%s must not contain %s characters (found U+%04X); newlines, tabs and invisible '
                                 'characters make a name look like another one' % (option, kind, ord(char)))


def check_text(value, option, max_length=MAX_TEXT_LENGTH, allow_empty=False):
    """Free text (names, descriptions): printable, no leading or trailing white space, bounded length."""
    if value is None or (allow_empty and value == ''):
        return
    if not value.strip():
        raise IscOptionError('%s must not be empty' % option)
    if value != value.strip():
        raise IscOptionError('%s must not begin or end with white space (got %r)' % (option, value[:60]))
    if len(value) > max_length:
        raise IscOptionError('%s is %d characters long; at most %d are allowed' % (option, len(value), max_length))
    _check_characters(value, option)


def check_name(value, option='name'):
    check_text(value, option, MAX_NAME_LENGTH)


def check_int32(value, option, minimum=None, maximum=INT32_MAX):
    """A whole number, not a boolean, within ISC's int32 fields (and minimum/maximum when given)."""
    if value is None:
        return
    if isinstance(value, bool):
        raise IscOptionError('%s must be a whole number of seconds, not the boolean %s' % (option, value))
    low = -INT32_MAX - 1 if minimum is None else minimum
    if not low <= value <= maximum:
        raise IscOptionError('%s must be between %d and %d, not %s' % (option, low, maximum, value))


def check_redirect_uri(value, option):
    """http(s) or a custom application scheme (com.example.app:/cb); never script, data or file URIs; no fragment."""
    check_url(value, option, web_only=False)
    parts = urlsplit(value)
    if parts.scheme.lower() in FORBIDDEN_REDIRECT_SCHEMES:
        raise IscOptionError('%s %r uses the %s: scheme, which a redirect URI must never use; use https:// (or a '
                             'custom scheme of a native application)' % (option, value, parts.scheme.lower()))
    if parts.fragment or value.endswith('#'):
        raise IscOptionError('%s %r must not have a fragment (#...): OAuth 2.0 forbids it in redirect URIs'
                             % (option, value))
    if parts.scheme.lower() in ('http', 'https') and not parts.netloc:
        raise IscOptionError('%s %r needs a host' % (option, value))


def check_scope(value, option):
    if value is not None and not _SCOPE.match(value):
        raise IscOptionError('%s %r is not an ISC scope (colon-separated words such as sp:scopes:all or '
                             'sp:oauth-client:manage)' % (option, value))


def check_list(values, option, max_items=MAX_LIST_ITEMS):
    """No duplicates, no empty items, no absurd length."""
    if values is None:
        return
    if len(values) > max_items:
        raise IscOptionError('%s has %d items; at most %d are allowed' % (option, len(values), max_items))
    if any(not str(v).strip() for v in values):
        raise IscOptionError('%s must not contain empty items' % option)
    seen = set()
    duplicates = sorted(set(v for v in values if v in seen or seen.add(v)))
    if duplicates:
        raise IscOptionError('%s lists %s more than once' % (option, ', '.join(repr(d) for d in duplicates)))


def check_url(value, option, web_only=True):
    """An absolute URL; web_only demands http(s), otherwise any scheme (native apps' redirect URIs)."""
    if value is None:
        return
    if _CONTROL.search(value) or ' ' in value:
        raise IscOptionError('%s %r must not contain spaces or control characters' % (option, value))
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise IscOptionError('%s %r is not a valid URL: %s' % (option, value, exc))
    if web_only and (parts.scheme not in ('http', 'https') or not parts.netloc):
        raise IscOptionError('%s %r must be an absolute http:// or https:// URL' % (option, value))
    if not web_only and (not _SCHEME.match(parts.scheme or '') or not (parts.netloc or parts.path)):
        raise IscOptionError('%s %r must be an absolute URI such as https://app.example.com/callback' % (option, value))


def parse_datetime(value, option):
    """An ISO 8601 date-time or date (taken as midnight UTC) -> aware datetime in UTC."""
    text = value.strip()
    if re.match(r'^\d{4}-\d{2}-\d{2}$', text):
        text += 'T00:00:00+00:00'
    if text.endswith(('Z', 'z')):
        text = text[:-1] + '+00:00'
    try:
        parsed = datetime.datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            parsed.astimezone(datetime.timezone.utc)  # a date near year 1 or 9999 can leave the calendar here
    except (ValueError, OverflowError):
        raise IscOptionError('%s %r is not an ISO 8601 date-time (for example 2027-06-30T00:00:00Z) '
                             'or date (2027-06-30)' % (option, value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def format_datetime(moment):
    """The form ISC writes date-times in: milliseconds and Z."""
    return moment.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.') + \
        '%03dZ' % (moment.microsecond // 1000)
