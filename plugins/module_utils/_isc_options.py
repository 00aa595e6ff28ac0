# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the sailpoint_isc.oauth collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Connection and authentication options, read the same way by every face.

Modules hand over their validated parameters, the lookup its plugin options;
both go through :func:`resolve_connection`, which applies the environment
fallbacks, checks the combination and returns :class:`ConnectionSettings`.
Nothing here sends a request, so a bad option never costs a network call.

Why the environment is resolved here and not by the argument spec: the
fallback variables (``SAIL_BASE_URL``, ``SAIL_CLIENT_ID``...) are what AWX
credentials and SailPoint's own tools inject into every job. A task that sets
``tenant`` explicitly must win over an injected ``SAIL_BASE_URL`` instead of
failing with "mutually exclusive", and only values the user wrote can
conflict. The argument spec cannot tell an explicit value from a fallback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import string

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urlparse import urlsplit, urlunsplit  # type: ignore

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    from urllib import unquote  # type: ignore

GRANT_TYPES = ('client_credentials', 'refresh_token', 'authorization_code')

DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 5
# Beyond these, a value is a mistake rather than a choice: an hour-long wait per request, or retries that keep
# a task busy for longer than any ISC outage they could ride out (the backoff is capped at 20 s per retry).
TIMEOUT_RANGE = (1, 3600)
MAX_RETRIES_RANGE = (0, 20)

# Security warnings are shown once per process: a lookup called in a loop, or many clients in one task, warn once.
# Ansible itself shows an identical warning once per playbook run, so tasks in other processes add nothing.
_WARNED = set()

# The one table of environment variables: option -> the variables it falls back to. Modules take it from here
# (argument-spec fallbacks, or resolve_connection() for rivals); the lookup from the env entries of the doc
# fragments' plugin part, which a unit test keeps equal to this table.
ENVIRONMENT = {
    'base_url': ('SAIL_BASE_URL',),
    'tenant': ('ISC_TENANT',),
    'client_id': ('SAIL_CLIENT_ID',),
    'client_secret': ('SAIL_CLIENT_SECRET',),
    'access_token': ('ISC_ACCESS_TOKEN',),
    'validate_certs': ('ISC_VALIDATE_CERTS',),
    'ca_path': ('ISC_CA_PATH',),
    'token_cache': ('ISC_TOKEN_CACHE',),
    'token_cache_dir': ('ISC_TOKEN_CACHE_DIR',),
    'allow_insecure_http': ('ISC_ALLOW_INSECURE_HTTP',),
}

# Options whose environment fallback is resolved by resolve_connection(),
# because an explicit value of one must silently override an injected value of its rival.
ENV_RESOLVED = dict((option, ENVIRONMENT[option])
                    for option in ('base_url', 'tenant', 'client_id', 'client_secret', 'access_token'))

SECRET_OPTIONS = ('client_secret', 'access_token', 'refresh_token', 'code', 'code_verifier')

# Ansible runs every task in a new process, so anything compiled here is compiled again for every task: the tenant
# pattern is compiled (and cached by re) only when a tenant is given, and normalize_base_url(), which every lookup
# and module runs, checks characters against these sets rather than compiling three patterns (about 0.5 ms a task).
_TENANT_NAME = r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
_SCHEME_FIRST_CHARS = frozenset(string.ascii_letters)
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + '+.-')
_HOST_NAME_CHARS = frozenset(string.ascii_letters + string.digits + '.-')
_IP_ADDRESS_CHARS = frozenset(string.hexdigits + ':.')


def connection_argument_spec():
    """The shared options as an AnsibleModule argument spec.

    Used by every module (both execution paths); the doc fragments
    ``connection`` and ``auth`` document exactly these options.
    """
    from ansible.module_utils.basic import env_fallback

    spec = dict(
        base_url=dict(type='str'),
        tenant=dict(type='str'),
        client_id=dict(type='str'),
        client_secret=dict(type='str', no_log=True),
        access_token=dict(type='str', no_log=True),
        grant_type=dict(type='str', default='client_credentials', choices=list(GRANT_TYPES)),
        refresh_token=dict(type='str', no_log=True),
        code=dict(type='str', no_log=True),
        redirect_uri=dict(type='str'),
        code_verifier=dict(type='str', no_log=True),
        token_url=dict(type='str', no_log=False),
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT),
        max_retries=dict(type='int', default=DEFAULT_MAX_RETRIES),
        token_cache=dict(type='bool', default=True),
        token_cache_dir=dict(type='path'),
        allow_insecure_http=dict(type='bool', default=False),
    )
    for option, names in ENVIRONMENT.items():
        if option not in ENV_RESOLVED:
            spec[option]['fallback'] = (env_fallback, list(names))
    return spec


class OptionAdapter(object):
    """What the engine needs from a face: option values, and which ones the user set."""

    def get(self, name):
        raise NotImplementedError

    def is_explicit(self, name):
        """True when the value comes from the task or plugin call, not from an environment fallback."""
        return self.get(name) is not None


class DictOptionAdapter(OptionAdapter):
    """Validated module parameters (both execution paths), or a plain dict in tests."""

    def __init__(self, values):
        self._values = values

    def get(self, name):
        return self._values.get(name)


class ConnectionSettings(object):
    """Everything needed to reach one tenant as one principal. Built only by resolve_connection()."""

    def __init__(self, base_url, token_url, grant_type, client_id, client_secret, access_token, refresh_token,
                 code, redirect_uri, code_verifier, validate_certs, ca_path, timeout, max_retries, token_cache,
                 token_cache_dir, allow_insecure_http=False, warnings=None):
        self.base_url = base_url
        self.token_url = token_url
        self.grant_type = grant_type
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.code = code
        self.redirect_uri = redirect_uri
        self.code_verifier = code_verifier
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.max_retries = max_retries
        self.token_cache = token_cache
        self.token_cache_dir = token_cache_dir
        self.allow_insecure_http = allow_insecure_http
        # Security warnings of this resolution (weakened TLS), for the face to show; they hold no secret.
        self.warnings = list(warnings or [])

    @property
    def verify(self):
        """The value for requests' ``verify``: a CA bundle, or True/False."""
        if not self.validate_certs:
            return False
        return self.ca_path or True

    def secret_values(self):
        """Every credential this connection holds, so that error texts can be scrubbed of them."""
        return [v for v in (self.client_secret, self.access_token, self.refresh_token, self.code,
                            self.code_verifier) if v]

    def __repr__(self):
        # Never let a secret reach a traceback or a debug print through repr().
        return '<ConnectionSettings %s grant=%s client_id=%s>' % (
            self.base_url, 'access_token' if self.access_token else self.grant_type, self.client_id)


def normalize_base_url(value, option='base_url'):
    """Check that value is an http(s) API root and return it without a trailing slash."""
    text = (value or '').strip()
    userinfo = _userinfo(text)
    shown = text.replace(userinfo, '***', 1) if userinfo is not None else text
    if userinfo is not None:
        raise IscOptionError('%s %r must not contain user information (user:password@); pass credentials with '
                             'client_id/client_secret' % (option, shown),
                             no_log_values=_userinfo_secrets(userinfo))
    if any(char.isspace() or char < ' ' or char == '\x7f' for char in text):
        raise IscOptionError('%s %r is not a valid URL: it contains spaces or control characters' % (option, shown))
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise IscOptionError('%s %r is not a valid URL: %s' % (option, shown, str(exc).replace(text, shown)))
    if parts.hostname and not (_HOST_NAME_CHARS.issuperset(parts.hostname)
                               or _IP_ADDRESS_CHARS.issuperset(parts.hostname)):
        raise IscOptionError('%s %r is not a valid URL: the host name has characters a host name cannot have'
                             % (option, shown))
    if parts.scheme not in ('https', 'http') or not parts.hostname:
        raise IscOptionError(
            '%s %r is not a valid URL: it must start with https:// (or http://) and name a host, '
            'for example https://acme.api.identitynow.com' % (option, shown))
    if parts.query or parts.fragment:
        raise IscOptionError('%s %r must not contain a query string or fragment' % (option, shown))
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip('/'), '', ''))


def _userinfo(text):
    """The user information of an absolute URL (scheme://userinfo@host...), '' for a bare '@', None without.

    It ends at the last '@' before a query or fragment, not at the first '/': a password may contain '/', which
    would make a URL parser take part of it for the host or the port, and quote it back in its error.
    """
    scheme, separator, rest = text.partition('://')
    if not separator or not scheme or scheme[0] not in _SCHEME_FIRST_CHARS or not _SCHEME_CHARS.issuperset(scheme):
        return None
    before_query = rest.partition('?')[0].partition('#')[0]
    at = before_query.rfind('@')
    return before_query[:at] if at >= 0 else None


def _userinfo_secrets(userinfo):
    """What of a URL's user information must be masked wherever the options are echoed."""
    secret = userinfo.partition(':')[2] or userinfo  # without a password, the user name may be a token
    return set(value for value in (userinfo, secret, unquote(secret)) if value)


def is_loopback_host(host):
    """True for localhost, 127.0.0.0/8 and ::1: traffic to them never leaves this machine."""
    host = (host or '').lower().rstrip('.')
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport_security(url, option, allow_insecure_http):
    """Refuse plain http:// to anything but this machine unless the user opted in; return a warning or None."""
    parts = urlsplit(url)
    if parts.scheme != 'http' or is_loopback_host(parts.hostname):
        return None
    if not allow_insecure_http:
        raise IscOptionError(
            '%s %r uses plain http:// to a host other than this machine: the client secret and every token would '
            'cross the network unencrypted. Use https://, or set allow_insecure_http: true '
            '(or ISC_ALLOW_INSECURE_HTTP=true) if that is really intended' % (option, url))
    return ('allow_insecure_http is set: requests to %s are sent over plain http://, unencrypted, '
            'client secret and tokens included' % urlunsplit((parts.scheme, parts.netloc, '', '', '')))


def _warn_once(warnings, message):
    if message and message not in _WARNED:
        _WARNED.add(message)
        warnings.append(message)


def _bounded_int(value, option, default, bounds, wording):
    """value as an int within bounds, or IscOptionError naming the option; booleans and floats are refused."""
    if value is None:
        return default
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise IscOptionError('%s must be %s, at most %d, not %r' % (option, wording, high, value))
    return value


def tenant_base_url(tenant):
    if not re.fullmatch(_TENANT_NAME, tenant or ''):
        raise IscOptionError(
            'tenant %r is not a valid tenant name: use the name only (for example "acme" for '
            'https://acme.api.identitynow.com), or set base_url for a vanity or non-standard URL' % (tenant,))
    return 'https://%s.api.identitynow.com' % tenant.lower()


def _from_env(names, environ):
    for name in names:
        value = environ.get(name)
        if value not in (None, ''):
            return value
    return None


def _pick(adapter, name, environ):
    """(value, explicit) for an option whose fallback is resolved here."""
    if adapter.is_explicit(name):
        return adapter.get(name), True
    return _from_env(ENV_RESOLVED[name], environ), False


def resolve_connection(adapter, environ=None):
    """Build ConnectionSettings from a face's options, or raise IscOptionError saying what to fix."""
    environ = os.environ if environ is None else environ

    base_url, base_explicit = _pick(adapter, 'base_url', environ)
    tenant, tenant_explicit = _pick(adapter, 'tenant', environ)
    if base_explicit and tenant_explicit:
        raise IscOptionError('base_url and tenant are mutually exclusive: set only one of them')
    if tenant_explicit and not base_explicit:
        base_url = None
    elif base_explicit:
        tenant = None
    if base_url:
        base_url = normalize_base_url(base_url)
    elif tenant:
        base_url = tenant_base_url(tenant)
    else:
        raise IscOptionError(
            'No ISC tenant given: set base_url (or the SAIL_BASE_URL environment variable), '
            'or tenant (or ISC_TENANT)')

    token_url = adapter.get('token_url')
    token_url = normalize_base_url(token_url, 'token_url') if token_url else base_url + '/oauth/token'

    grant_type = adapter.get('grant_type') or 'client_credentials'
    if grant_type not in GRANT_TYPES:
        raise IscOptionError('grant_type must be one of %s, not %r' % (', '.join(GRANT_TYPES), grant_type))

    access_token, token_explicit = _pick(adapter, 'access_token', environ)
    client_id, id_explicit = _pick(adapter, 'client_id', environ)
    client_secret, secret_explicit = _pick(adapter, 'client_secret', environ)
    refresh_token = adapter.get('refresh_token')
    code = adapter.get('code')

    if token_explicit and (id_explicit or secret_explicit):
        raise IscOptionError('access_token and client_id/client_secret are mutually exclusive: '
                             'pass a bearer token, or credentials to obtain one, not both')
    # Precedence: what the task says, then ISC_ACCESS_TOKEN, then SAIL_CLIENT_ID/SAIL_CLIENT_SECRET.
    wants_grant = id_explicit or secret_explicit or refresh_token or code
    if token_explicit or (access_token and not wants_grant):
        client_id = client_secret = None
    else:
        access_token = None
        _check_grant(grant_type, client_id, client_secret, refresh_token, code, adapter.get('redirect_uri'))

    timeout = _bounded_int(adapter.get('timeout'), 'timeout', DEFAULT_TIMEOUT, TIMEOUT_RANGE,
                           'a positive number of seconds (a whole number)')
    max_retries = _bounded_int(adapter.get('max_retries'), 'max_retries', DEFAULT_MAX_RETRIES, MAX_RETRIES_RANGE,
                               '0 or more (a whole number)')

    allow_insecure_http = bool(adapter.get('allow_insecure_http'))
    downgrades = [check_transport_security(url, option, allow_insecure_http)
                  for option, url in (('base_url', base_url), ('token_url', token_url))]

    validate_certs = adapter.get('validate_certs')
    validate_certs = True if validate_certs is None else bool(validate_certs)
    if not validate_certs:
        for url in sorted(set((base_url, token_url))):
            parts = urlsplit(url)
            if parts.scheme == 'https':
                downgrades.append('validate_certs is false: the TLS certificate of %s is not verified, so anyone on '
                                  'the network path can pose as ISC and receive the credentials; set ca_path to the '
                                  'CA bundle instead' % parts.netloc)
    ca_path = adapter.get('ca_path')
    if ca_path and not os.path.isfile(ca_path):
        raise IscOptionError('ca_path %r does not exist or is not a file (it must be a PEM bundle of CA certificates)'
                             % (ca_path,))
    token_cache = adapter.get('token_cache')

    warnings = []  # only now that every check passed: a warning given for options that failed would be spent
    for message in downgrades:
        _warn_once(warnings, message)
    return ConnectionSettings(
        base_url=base_url,
        token_url=token_url,
        grant_type=grant_type,
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        refresh_token=refresh_token,
        code=code,
        redirect_uri=adapter.get('redirect_uri'),
        code_verifier=adapter.get('code_verifier'),
        validate_certs=validate_certs,
        ca_path=ca_path,
        timeout=timeout,
        max_retries=max_retries,
        token_cache=True if token_cache is None else bool(token_cache),
        token_cache_dir=adapter.get('token_cache_dir'),
        allow_insecure_http=allow_insecure_http,
        warnings=warnings,
    )


def _check_grant(grant_type, client_id, client_secret, refresh_token, code, redirect_uri):
    if not client_id:
        raise IscOptionError(
            'No credentials given: set client_id and client_secret (or SAIL_CLIENT_ID and SAIL_CLIENT_SECRET) '
            'of an API client or personal access token, or access_token (or ISC_ACCESS_TOKEN)')
    if grant_type == 'client_credentials' and not client_secret:
        raise IscOptionError('client_secret is required with grant_type=client_credentials '
                             '(set it, or the SAIL_CLIENT_SECRET environment variable)')
    if grant_type == 'refresh_token' and not refresh_token:
        raise IscOptionError('refresh_token is required with grant_type=refresh_token')
    if grant_type == 'authorization_code':
        missing = [name for name, value in (('code', code), ('redirect_uri', redirect_uri)) if not value]
        if missing:
            raise IscOptionError('%s %s required with grant_type=authorization_code'
                                 % (' and '.join(missing), 'are' if len(missing) > 1 else 'is'))
