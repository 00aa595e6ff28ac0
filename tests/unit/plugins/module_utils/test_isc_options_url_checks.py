"""normalize_base_url checks characters without regular expressions, exactly as the patterns it used to compile.

Ansible runs every task in a new process, so a pattern compiled for every lookup or module costs about 0.5 ms of CPU
per task. The checks became character sets and string searches; this compares the function, outcome and error, with
the former pattern-based checks on tricky and on random URLs.
"""

from __future__ import annotations

import random
import re

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_options
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import normalize_base_url

USERINFO = r'^[A-Za-z][A-Za-z0-9+.-]*://([^?#]*)@'
SPACE_OR_CONTROL = r'[\s\x00-\x1f\x7f]'
HOST = r'[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+'
TENANT = r'^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'

TRICKY = [
    'https://acme.api.identitynow.com', 'https://acme.api.identitynow.com/', 'http://127.0.0.1:8080/x/',
    'https://user:pw@acme.example', 'https://@acme.example', 'https://u:p/w@acme.example/path',
    'https://acme.example/p@th', 'https://acme.example?q=a@b', 'https://acme.example#a@b', 'https://a@b@c.example',
    'a+b.c-d://u@h', '1a://u@h', '://u@h', 'ab:c://u@h', 'a://b://c@d', 'https:/u@h', 'mailto:u@h',
    'https://acme example.com', 'https://acme.example\n/x', 'https://acme.example\x7f', 'https://acme.\u00a0example',
    'https://acme.example\u2028', 'https://[::1]:8443/', 'https://[fe80::1]/', 'https://ac_me.example',
    'https://acmé.example', 'https://acme.example:99999', 'https://acme.example:x', 'ftp://acme.example',
    'https://', 'https:///path', 'https://acme.example/?', 'https://acme.example/#', '', '   ', 'HTTPS://ACME.EXAMPLE',
    'https://u%40x:p%2Fw@acme.example', 'https://acme.example/\t', 'https://acme.example\x1c',
]
ALPHABET = 'aZ09:/@?#.-+_%[] \t\n\x00\x1f\x7f\u00a0\u2028é'
PREFIXES = ('https://', 'http://', 'HTTPS://', 'a+b.c://', '1x://', '://', 'https:', '')


def random_urls(count, seed=20261130):
    chooser = random.Random(seed)
    for _url in range(count):
        body = ''.join(chooser.choice(ALPHABET) for _char in range(chooser.randint(0, 14)))
        yield chooser.choice(PREFIXES) + body


def with_patterns(value, option='base_url'):
    """normalize_base_url as it was, with its three regular expressions: the reference."""
    text = (value or '').strip()
    userinfo = re.match(USERINFO, text)
    shown = text.replace(userinfo.group(1), '***', 1) if userinfo else text
    if userinfo:
        raise IscOptionError('%s %r must not contain user information (user:password@); pass credentials with '
                             'client_id/client_secret' % (option, shown),
                             no_log_values=_isc_options._userinfo_secrets(userinfo.group(1)))
    if re.search(SPACE_OR_CONTROL, text):
        raise IscOptionError('%s %r is not a valid URL: it contains spaces or control characters' % (option, shown))
    try:
        parts = _isc_options.urlsplit(text)
        parts.port
    except ValueError as exc:
        raise IscOptionError('%s %r is not a valid URL: %s' % (option, shown, str(exc).replace(text, shown)))
    if parts.hostname and not re.fullmatch(HOST, parts.hostname):
        raise IscOptionError('%s %r is not a valid URL: the host name has characters a host name cannot have'
                             % (option, shown))
    if parts.scheme not in ('https', 'http') or not parts.hostname:
        raise IscOptionError(
            '%s %r is not a valid URL: it must start with https:// (or http://) and name a host, '
            'for example https://acme.api.identitynow.com' % (option, shown))
    if parts.query or parts.fragment:
        raise IscOptionError('%s %r must not contain a query string or fragment' % (option, shown))
    return _isc_options.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip('/'), '', ''))


def outcome(check, value):
    try:
        return 'ok', check(value)
    except IscOptionError as exc:
        return 'error', str(exc), sorted(getattr(exc, 'no_log_values', None) or ())


@pytest.mark.parametrize('value', TRICKY)
def test_tricky_urls_are_judged_as_the_patterns_judged_them(value):
    assert outcome(normalize_base_url, value) == outcome(with_patterns, value)


def test_random_urls_are_judged_as_the_patterns_judged_them():
    outcomes = set()
    for value in random_urls(5000):
        expected = outcome(with_patterns, value)
        assert outcome(normalize_base_url, value) == expected, value
        outcomes.add(expected[1].split(' is ')[-1][:30] if expected[0] == 'error' else 'ok')
    assert len(outcomes) >= 5, outcomes  # the random URLs reach most of the checks, not only the first


@pytest.mark.parametrize('tenant', ['acme', 'Acme-2', 'a', '-acme', 'acme-', 'ac_me', 'acme\n', 'x' * 63, 'x' * 64, ''])
def test_tenant_names_are_judged_as_the_pattern_judged_them(tenant):
    try:
        expanded = _isc_options.tenant_base_url(tenant)
    except IscOptionError:
        expanded = None
    assert (expanded is not None) == bool(re.compile(TENANT).fullmatch(tenant))
