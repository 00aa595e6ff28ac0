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

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

MAX_NAME_LENGTH = 255
MAX_LIST_ITEMS = 100
_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_SCHEME = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*$')


def check_name(value, option='name'):
    if value is None:
        return
    if not value.strip():
        raise IscOptionError('%s must not be empty' % option)
    if len(value) > MAX_NAME_LENGTH:
        raise IscOptionError('%s is %d characters long; at most %d are allowed'
                             % (option, len(value), MAX_NAME_LENGTH))
    if _CONTROL.search(value):
        raise IscOptionError('%s must not contain control characters such as newlines or tabs' % option)


def check_positive(value, option, minimum=1, maximum=None):
    if value is None:
        return
    if value < minimum or (maximum is not None and value > maximum):
        bounds = 'at least %d' % minimum if maximum is None else 'between %d and %d' % (minimum, maximum)
        raise IscOptionError('%s must be %s, not %s' % (option, bounds, value))


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
