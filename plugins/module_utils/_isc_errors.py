# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Exceptions raised by the shared ISC engine.

The engine knows nothing about Ansible: the adapters turn these into
``fail_json`` (modules) or ``AnsibleError`` (plugins). Every message is built
so that it can be shown to the user as is: it never contains an
``Authorization`` header, a client secret or a token.
"""

from __future__ import annotations

# What to check for each HTTP status, as the ISC troubleshooting guide explains it.
_STATUS_HINTS = {
    400: 'the request was rejected as invalid; check the option values named in the message',
    401: 'the credentials or the bearer token were not accepted; check client_id/client_secret, '
         'that the API client or personal access token still exists and is enabled, and that the token has not expired',
    403: 'the token is valid but lacks the right for this call; OAuth client management needs an ORG_ADMIN identity '
         '(a personal access token, not a plain API client without user context) and a scope such as sp:scopes:all',
    404: 'the object does not exist (it may have been deleted), or the API version does not offer this path',
    429: 'ISC rate limit (100 requests per 10 seconds per client id and API version) was still exceeded after retrying; '
         'lower forks/parallelism or raise max_retries',
}


class IscError(Exception):
    """An ISC API call failed, or could not be made."""

    def __init__(self, message, status=None, method=None, url=None, detail_code=None, tracking_id=None,
                 request_id=None, messages=None, body=None, result=None, no_log_values=None):
        super(IscError, self).__init__(message)
        # Secrets found in the options that caused the error (a password inside a URL, say): the adapters mask
        # them everywhere in the failed result, including the echoed options (``invocation``).
        self.no_log_values = set(no_log_values or ())
        # Values the failed task must still return (e.g. the secret of a token that exists despite the failure).
        self.result = dict(result or {})
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.detail_code = detail_code
        self.tracking_id = tracking_id
        self.request_id = request_id
        self.messages = list(messages or [])
        self.body = body

    @property
    def hint(self):
        return _STATUS_HINTS.get(self.status)

    def to_dict(self):
        """Structured details for a task result (never contains credentials)."""
        details = {
            'status': self.status,
            'method': self.method,
            'url': self.url,
            'detail_code': self.detail_code,
            'tracking_id': self.tracking_id,
            'request_id': self.request_id,
            'messages': self.messages,
        }
        return dict((k, v) for k, v in details.items() if v not in (None, []))

    def __str__(self):
        return self.message


class IscOptionError(IscError):
    """The options are wrong; raised before any request is sent."""


class IscOutcomeUnknownError(IscError):
    """A non-idempotent request was sent but its answer was lost.

    The server may or may not have applied it (timeout after sending, connection
    dropped). It is never resent blindly: the caller decides how to find out.
    """


class IscDependencyError(IscError):
    """A Python library the collection needs is missing on the host that runs the task."""

    def __init__(self, library, reason=None):
        message = 'The Python library %s is required on the host that runs this task' % library
        if reason:
            message += ' (%s)' % reason
        message += '. Install it with "pip install %s" in the Python that Ansible uses there.' % library
        super(IscDependencyError, self).__init__(message)
        self.library = library
