"""Bad input to every module, the lookup and the roles: a clear message, and nothing sent to ISC that writes.

One table, CASES, holds every invalid input with the fragment its message must contain. Each target (a module, the
lookup, a role) gets plays that run all of its cases, each as its own task (ignore_errors for modules and
the lookup, block/rescue around include_role for roles, capturing ansible_failed_result). The test callback records
every result and, right after each case, how many requests the emulator has logged so far, so that every case is
checked against exactly the requests it caused:

* the task fails, and its message contains the expected fragment and is a message, not a traceback or an
  unhandled exception ("MODULE FAILURE", "Task failed: ..." in ansible-core 2.19);
* the emulator saw no write at all, and no request at all when the case has no reason to read (every bad
  connection option, and every option checked before the first call);
* no request broke the OpenAPI contract, and no secret given in the case shows up in its result.

Some inputs look malicious and are legitimate data (a name with quotes, a name that looks like a template): those
cases are not expected to fail; they show the value reaches ISC exactly as written. Values that look like templates
are passed as data through variables marked !unsafe, and must never be evaluated: the one that would run a command
leaves a marker file, which must never appear.

Cases that currently fail because of a production bug are marked xfail(strict=True) with the bug in the reason; they
pass (and so fail as XPASS) once it is fixed.

All cases run in two ansible-playbook runs at the same time, each on a tenant of its own (the modules and the lookup on
acme, the roles on another), through the shared runner (tests/isc_playbook_runner.py); with `--dist loadfile` one
pytest-xdist worker runs this whole file.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import re
from pathlib import Path

import pytest

from conftest import CASE_TENANTS
from isc_playbook_runner import ADMIN
from isc_playbook_runner import CONTROLLER, MODULE_PATH, playbook_environment, run_playbook, tenant_environment

pytestmark = pytest.mark.integration

MODULES = ('isc_oauth_client', 'isc_oauth_client_info', 'isc_personal_access_token', 'isc_personal_access_token_info',
           'isc_token_info')
LOOKUP = 'isc_access_token'
ROLES = ('api_clients', 'personal_access_tokens')
WRITES = ('POST', 'PATCH', 'PUT', 'DELETE')
# Hosts named after their execution path.
INVENTORY = '\n'.join(('controller ' + CONTROLLER.split(' ', 1)[1], 'module_path ' + MODULE_PATH.split(' ', 1)[1]))
MARKER = 'PWNED'  # created by the command in the !unsafe template below, if it ever ran
UNSAFE_VARS = '''\
isc_unsafe:
  seven: !unsafe "{{ 7*7 }}"
  pipe: !unsafe '{{ lookup("ansible.builtin.pipe", "touch %(marker)s") }}'
  id: !unsafe '{{ lookup("pipe", "id") }}'
'''
SEVEN = '{{ 7*7 }}'
# A secret sink for roles that runs in-process (the default file sink runs two modules per secret).
KEEP_SECRET = '''\
- name: Keep the name of the new credential
  ansible.builtin.set_fact:
    isc_kept_names: "{{ (isc_kept_names | default([])) + [isc_new_credential.name] }}"
'''
SQL_NAME = 'O\'Brien "CI" client\'); DROP TABLE oauth_clients; --'


def _b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip('=')


UNSIGNED_JWT = '%s.%s.' % (_b64(dict(alg='none', typ='JWT')), _b64(dict(exp=4102444800, client_id='x')))
RS256_JWT = '%s.%s.c2ln' % (_b64(dict(alg='RS256', typ='JWT', kid='k1')), _b64(dict(exp=4102444800, client_id='x')))


class Case(object):
    """One input and what must happen.

    expect: a fragment of the failure message (a tuple: fragments that must all be there; a regex, where ansible-core
    versions word it differently); None for input that is legitimately accepted (then `check` says what must hold).
    connection: a bad connection option, so not even a token request may be sent. reads: the
    failure can only be found after reading (the name is looked up first, or a role plans from a list call), so GETs
    are allowed, writes never. module_path: also run on the ordinary module path (AnsiballZ), not only in-process.
    hidden: values that must appear nowhere in the result; unsaid: values that must not appear in the message.
    bug: the production bug that makes this case fail today.
    """

    def __init__(self, target, name, args, expect=None, connection=False, reads=False, module_path=False, hidden=(),
                 unsaid=(), bug=None, check=None):
        self.target = target
        self.name = name
        self.args = args
        self.expect = expect
        self.connection = connection
        self.reads = reads
        self.module_path = module_path
        self.hidden = tuple(hidden)
        self.unsaid = tuple(unsaid)
        self.bug = bug
        self.check = check

    @property
    def id(self):
        return '%s-%s' % (self.target, self.name)

    @property
    def hosts(self):
        return ('controller', 'module_path') if self.module_path else ('controller',)

    def expected_in(self, message):
        if isinstance(self.expect, tuple):
            return all(fragment in message for fragment in self.expect)
        if isinstance(self.expect, re.Pattern):
            return self.expect.search(message) is not None
        return self.expect in message

    def param(self):
        marks = [pytest.mark.xfail(strict=True, reason='BUG: ' + self.bug)] if self.bug else []
        return pytest.param(self, id=self.id, marks=marks)


def _client(label, **options):
    """A complete, valid isc_oauth_client definition named bi-<label>, with options changed."""
    return dict(dict(name='bi-' + label, description='made by test_bad_input', grant_types=['CLIENT_CREDENTIALS'],
                     access_type='OFFLINE', access_token_validity_seconds=750, enabled=True), **options)


def oauth_client(name, expect, **kw):
    args = kw.pop('args', None)
    return Case('isc_oauth_client', name, _client(name, **kw.pop('options', {})) if args is None else args, expect,
                **kw)


def module(target, name, args, expect, **kw):
    return Case(target, name, args, expect, **kw)


CASE_KEYWORDS = ('connection', 'reads', 'module_path', 'hidden', 'unsaid', 'bug')


def token(label, expect, **options):
    """An isc_personal_access_token case: the token bi-pat with the given options (and Case keywords)."""
    kw = dict((key, options.pop(key)) for key in CASE_KEYWORDS if key in options)
    return Case('isc_personal_access_token', label, dict(dict(name='bi-pat'), **options), expect, **kw)


def lookup(name, expect, options=None, terms=(), task_vars=None, **kw):
    return Case(LOOKUP, name, dict(terms=list(terms), options=options or {}, vars=task_vars or {}), expect,
                connection=True, **kw)


def role(target, name, role_vars, expect, **kw):
    return Case(target, name, role_vars, expect, **kw)


LONG_NAME = 'x' * 256
MANY_URIS = ['https://app.example/callback/%d' % i for i in range(101)]
MANY_SCOPES = ['scope:%d' % i for i in range(150)]
SOON = '2030-01-01T00:00:00Z'

CASES = [
    # -- isc_oauth_client: option types and choices ----------------------------------------------------------------
    oauth_client('unknown-grant-type', 'value of grant_types must be one or more of', options=dict(
        grant_types=['PASSWORD']), module_path=True),
    oauth_client('unknown-access-type', 'value of access_type must be one of: ONLINE, OFFLINE',
                 options=dict(access_type='SOMETIMES')),
    oauth_client('validity-not-a-number', "argument 'access_token_validity_seconds' is of type",
                 options=dict(access_token_validity_seconds='forever')),
    oauth_client('enabled-not-a-bool', "argument 'enabled' is of type", options=dict(enabled='perhaps')),
    oauth_client('scope-json-object', "argument 'scope' is of type", options=dict(scope={'$ne': None})),
    oauth_client('unknown-state', 'value of state must be one of: present, absent', options=dict(state='gone')),
    oauth_client('api-version-traversal', 'value of api_version must be one of',
                 options=dict(api_version='../../etc/passwd')),
    oauth_client('unknown-option', 'Unsupported parameters', args=dict(nmae='bi-typo', enabled=True)),
    # -- isc_oauth_client: values checked before any request -------------------------------------------------------
    oauth_client('zero-validity', 'access_token_validity_seconds must be between 1 and 2147483647, not 0',
                 options=dict(access_token_validity_seconds=0), module_path=True),
    oauth_client('negative-refresh-validity', 'refresh_token_validity_seconds must be between 1 and 2147483647',
                 options=dict(refresh_token_validity_seconds=-86400)),
    oauth_client('javascript-homepage', "homepage_url 'javascript:alert(1)' must be an absolute http:// or https://",
                 options=dict(homepage_url='javascript:alert(1)')),
    oauth_client('header-injection-homepage', 'must not contain spaces or control characters',
                 options=dict(homepage_url='https://portal.example.com/\r\nSet-Cookie: session=x')),
    oauth_client('redirect-uri-with-spaces', 'must not contain spaces or control characters',
                 options=dict(redirect_uris=['not a uri'])),
    oauth_client('relative-redirect-uri', 'must be an absolute URI', options=dict(redirect_uris=['?next=/admin'])),
    oauth_client('oversized-redirect-uris', 'redirect_uris has 101 items; at most 100 are allowed',
                 options=dict(redirect_uris=MANY_URIS)),
    oauth_client('oversized-scope', 'scope has 150 items; at most 100 are allowed', options=dict(scope=MANY_SCOPES)),
    oauth_client('no-grant-type', 'grant_types must name at least one grant type', options=dict(grant_types=[])),
    oauth_client('duplicate-grant-type', "grant_types lists 'CLIENT_CREDENTIALS' more than once",
                 options=dict(grant_types=['CLIENT_CREDENTIALS', 'CLIENT_CREDENTIALS'])),
    oauth_client('authorization-code-without-redirect', 'needs at least one redirect URI',
                 options=dict(grant_types=['AUTHORIZATION_CODE'], redirect_uris=[])),
    oauth_client('over-long-name', 'name is 256 characters long; at most 255 are allowed',
                 args=_client('x', name=LONG_NAME)),
    oauth_client('newline-in-name', 'name must not contain control characters',
                 args=_client('x', name='bi-name\nX-Injected: 1')),
    oauth_client('null-byte-in-name', 'name must not contain control characters',
                 args=_client('x', name='bi-nul\x00byte')),
    oauth_client('blank-name', 'name must not be empty', args=_client('x', name='   ')),
    oauth_client('absent-without-name-or-id', 'state=absent needs id or name', args=dict(state='absent')),
    # Looked up by name first: the name is harmless data, the missing options are the error.
    oauth_client('sql-looking-name-incomplete', 'needs description, access_token_validity_seconds, grant_types',
                 args=dict(name="'; DROP TABLE oauth_clients; --"), reads=True),
    oauth_client('dot-segment-id', 'is not a valid OAuth client id', args=dict(id='.', enabled=False), reads=True),
    oauth_client('path-like-id', 'is not a valid OAuth client id', args=dict(id='../../etc/passwd', state='absent'),
                 reads=True),
    # -- isc_oauth_client: connection options ------------------------------------------------------------------------
    oauth_client('ftp-base-url', 'must start with https:// (or http://)', options=dict(base_url='ftp://acme.example'),
                 connection=True, module_path=True),
    oauth_client('base-url-with-credentials', 'must not contain user information',
                 options=dict(base_url='https://admin:hunter2-in-url@acme.example'), connection=True,
                 unsaid=['hunter2-in-url']),
    oauth_client('base-url-port-out-of-range', 'is not a valid URL',
                 options=dict(base_url='https://acme.example:99999'),
                 connection=True),
    oauth_client('sql-injection-tenant', 'is not a valid tenant name',
                 options=dict(tenant="acme'; DROP TABLE tenants; --"), connection=True),
    oauth_client('zero-timeout', 'timeout must be a positive number of seconds', options=dict(timeout=0),
                 connection=True),
    oauth_client('negative-max-retries', 'max_retries must be 0 or more', options=dict(max_retries=-1),
                 connection=True),
    oauth_client('unknown-grant', 'value of grant_type must be one of: client_credentials, refresh_token, '
                 'authorization_code', options=dict(grant_type='password'), connection=True),
    oauth_client('token-and-credentials', 'mutually exclusive', connection=True,
                 options=dict(access_token='hidden-token-value-1', client_id='someone',
                              client_secret='hidden-secret-value-1'),
                 hidden=['hidden-token-value-1', 'hidden-secret-value-1']),
    oauth_client('missing-ca-path', "ca_path '/nonexistent/../../etc/ca.pem' does not exist",
                 options=dict(ca_path='/nonexistent/../../etc/ca.pem'), connection=True),
    oauth_client('file-token-url', "token_url 'file:///etc/passwd' is not a valid URL",
                 options=dict(token_url='file:///etc/passwd'), connection=True),
    oauth_client('validate-certs-not-a-bool', "argument 'validate_certs' is of type",
                 options=dict(validate_certs='sometimes'), connection=True),

    # -- isc_oauth_client_info -----------------------------------------------------------------------------------------
    module('isc_oauth_client_info', 'id-and-name', dict(id='x', name='y'),
           'parameters are mutually exclusive: id|name', module_path=True),
    module('isc_oauth_client_info', 'compare-with-and-filters', dict(compare_with=[dict(name='x')], filters='x'),
           'parameters are mutually exclusive: compare_with|filters'),
    module('isc_oauth_client_info', 'compare-with-not-dicts', dict(compare_with='name=x; DROP TABLE'),
           "Elements value for option 'compare_with'"),
    module('isc_oauth_client_info', 'unknown-api-version', dict(api_version='v9'),
           'value of api_version must be one of'),
    module('isc_oauth_client_info', 'compare-with-unknown-grant',
           dict(compare_with=[_client('cw', grant_types=['PASSWORD'])]),
           'compare_with item bi-cw: value of grant_types must be one or more of', reads=True, module_path=True),
    module('isc_oauth_client_info', 'compare-with-negative-validity',
           dict(compare_with=[_client('cw', access_token_validity_seconds=-1)]),
           'access_token_validity_seconds must be between 1 and 2147483647', reads=True),
    module('isc_oauth_client_info', 'compare-with-unknown-option', dict(compare_with=[_client('cw', bogus=1)]),
           'compare_with item bi-cw: bogus. Supported parameters include', reads=True),
    module('isc_oauth_client_info', 'compare-with-over-long-name', dict(compare_with=[_client('cw', name='y' * 300)]),
           'name is 300 characters long', reads=True),
    module('isc_oauth_client_info', 'bad-tenant', dict(tenant='bad tenant'), 'is not a valid tenant name',
           connection=True),
    module('isc_oauth_client_info', 'filter-injection', dict(filters='name eq "x") or (1 eq 1'),
           'Invalid filter expression', reads=True),

    # -- isc_personal_access_token -------------------------------------------------------------------------------------
    token('validity-too-short', 'access_token_validity_seconds must be between 15 and 43200, not 14',
          access_token_validity_seconds=14, user_aware_token_never_expires=True, module_path=True),
    token('validity-too-long', 'must be between 15 and 43200, not 43201', access_token_validity_seconds=43201,
          user_aware_token_never_expires=True),
    # ansible-core 2.19 reads '1e9' as 1000000000, older versions refuse it: either way a clear failure.
    token('validity-exponent', re.compile(r"must be between 15 and 43200, not 1000000000|"
                                          r"argument 'access_token_validity_seconds' is of type"),
          access_token_validity_seconds='1e9'),
    token('date-in-words', "expiration_date 'tomorrow' is not an ISO 8601 date-time", expiration_date='tomorrow'),
    token('impossible-date', 'is not an ISO 8601 date-time', expiration_date='2027-02-30'),
    token('sql-after-date', 'is not an ISO 8601 date-time',
          expiration_date="2027-06-30T00:00:00Z'; DROP TABLE pats; --"),
    token('past-date', 'is not in the future', expiration_date='2020-01-01'),
    token('date-too-far-for-v3', 'more than 6 months ahead', expiration_date='2099-01-01', api_version='v3'),
    token('date-and-never-expires', 'contradict each other', expiration_date=SOON,
          user_aware_token_never_expires=True),
    token('never-expires-in-v3', 'user_aware_token_never_expires does not exist in API version v3',
          user_aware_token_never_expires=True, api_version='v3'),
    token('owner-all', 'owner_id=all is only meaningful for isc_personal_access_token_info', owner_id='all'),
    token('empty-scope', 'scope must name at least one scope', scope=[]),
    token('blank-scope-item', 'scope must not contain empty items', scope=[' ', 'sp:scopes:all']),
    token('oversized-scope', 'scope has 101 items; at most 100 are allowed', scope=MANY_SCOPES[:101]),
    token('tab-in-name', 'must not contain control characters', name='bi\tpat'),
    token('thousand-character-name', 'name is 1000 characters long', name='p' * 1000),
    token('regenerate-not-a-bool', "argument 'regenerate' is of type", regenerate='always'),
    token('unknown-option', 'Unsupported parameters', expires=SOON),
    token('date-beyond-year-9999', 'expiration_date', expiration_date='9999-12-31T23:59:59-12:00'),
    token('token-and-secret', 'mutually exclusive', access_token='hidden-token-value-2',
          client_secret='hidden-secret-value-2', connection=True, module_path=True,
          hidden=['hidden-token-value-2', 'hidden-secret-value-2']),
    token('token-url-with-query', 'must not contain a query string or fragment',
          token_url='https://login.example/oauth/token?next=https://evil.example', connection=True),

    # -- isc_personal_access_token_info --------------------------------------------------------------------------------
    module('isc_personal_access_token_info', 'id-and-name', dict(id='x', name='y'),
           'parameters are mutually exclusive: id|name', module_path=True),
    module('isc_personal_access_token_info', 'unknown-api-version', dict(api_version='v2099'),
           'value of api_version must be one of'),
    module('isc_personal_access_token_info', 'unknown-option', dict(owner='me'), 'Unsupported parameters'),
    module('isc_personal_access_token_info', 'base-url-with-query',
           dict(base_url='https://acme.example/?next=%2F%2Fevil.example'),
           'must not contain a query string or fragment', connection=True, module_path=True),
    module('isc_personal_access_token_info', 'refresh-without-token', dict(grant_type='refresh_token'),
           'refresh_token is required with grant_type=refresh_token', connection=True),
    module('isc_personal_access_token_info', 'code-without-redirect',
           dict(grant_type='authorization_code', code='hidden-code-value-3'),
           'redirect_uri is required with grant_type=authorization_code', connection=True,
           hidden=['hidden-code-value-3']),
    module('isc_personal_access_token_info', 'empty-tenant', dict(tenant=''), 'No ISC tenant given',
           connection=True),
    module('isc_personal_access_token_info', 'timeout-in-words', dict(timeout='soon'), "argument 'timeout' is of type",
           connection=True),

    # -- isc_token_info ------------------------------------------------------------------------------------------------
    module('isc_token_info', 'verify-without-key', dict(access_token=RS256_JWT, verify_signature=True),
           'verify_signature is True but any of the following are missing: key, jwks_url', module_path=True),
    module('isc_token_info', 'key-and-jwks-url', dict(access_token=RS256_JWT, key='hmac-key-value',
                                                      jwks_url='https://a.example/jwks'),
           'parameters are mutually exclusive: key|jwks_url'),
    module('isc_token_info', 'not-a-jwt', dict(access_token='not-a-jwt'), 'not a well-formed JWT', module_path=True),
    module('isc_token_info', 'json-fragment-token', dict(access_token='{"alg": "none", "sub": "admin"}'),
           'not a well-formed JWT'),
    module('isc_token_info', 'unsigned-token', dict(access_token=UNSIGNED_JWT, verify_signature=True,
                                                    key='hmac-key-value'),
           "signed with algorithm 'none', which is not accepted"),
    module('isc_token_info', 'file-jwks-url', dict(access_token=RS256_JWT, verify_signature=True,
                                                   jwks_url='file:///etc/passwd'),
           "'file:///etc/passwd' is not a valid URL"),
    module('isc_token_info', 'fail-on-expired-not-a-bool', dict(fail_on_expired='sure'),
           "argument 'fail_on_expired' is of type"),
    module('isc_token_info', 'unknown-option', dict(token='x'), 'Unsupported parameters'),
    module('isc_token_info', 'empty-host', dict(base_url='http://'), 'must start with https:// (or http://)',
           connection=True),
    module('isc_token_info', 'tenant-traversal', dict(tenant='../../etc/passwd'), 'is not a valid tenant name',
           connection=True),
    module('isc_token_info', 'max-retries-in-words', dict(max_retries='many'), "argument 'max_retries' is of type",
           connection=True),
    module('isc_token_info', 'space-in-host', dict(base_url='https://acme example.com', max_retries=0, timeout=5),
           'base_url', connection=True),

    # -- the isc_access_token lookup -----------------------------------------------------------------------------------
    lookup('terms', 'isc_access_token takes no terms', terms=['acme']),
    lookup('ftp-base-url', 'must start with https:// (or http://)', dict(base_url='ftp://acme.example')),
    lookup('tenant-traversal', 'is not a valid tenant name', dict(tenant='../../etc/passwd')),
    lookup('timeout-not-a-number', ('timeout', 'abc'), dict(timeout='abc')),
    lookup('unknown-grant', ('Invalid value', 'password', 'grant_type'), dict(grant_type='password')),
    lookup('token-and-credentials', 'mutually exclusive',
           dict(access_token='hidden-token-value-4', client_id='someone'), hidden=['hidden-token-value-4']),
    lookup('code-without-redirect', 'redirect_uri is required',
           dict(grant_type='authorization_code', client_id='someone', code='hidden-code-value-4'),
           hidden=['hidden-code-value-4']),
    lookup('negative-max-retries', 'max_retries must be 0 or more', dict(max_retries=-1)),
    lookup('base-url-and-tenant', 'mutually exclusive', dict(base_url='https://acme.example', tenant='acme')),
    lookup('javascript-token-url', "token_url 'javascript:alert(1)' is not a valid URL",
           dict(token_url='javascript:alert(1)')),
    lookup('missing-ca-path', "ca_path '/nonexistent/ca.pem' does not exist", dict(ca_path='/nonexistent/ca.pem')),
    # A template given as data, as a variable the lookup reads and as a keyword: shown, never evaluated.
    lookup('template-in-base-url-variable', '\'{{ lookup("ansible.builtin.pipe", "touch',
           task_vars=dict(isc_base_url='{{ isc_unsafe.pipe }}')),
    lookup('template-in-base-url-keyword', "base_url '%s' is not a valid URL" % SEVEN,
           dict(base_url='{{ isc_unsafe.seven }}')),
    lookup('misspelt-option', 'clientid', dict(clientid='someone-else')),
    lookup('space-in-host', 'base_url', dict(base_url='https://acme example.com', max_retries=0, timeout=5)),

    # -- the api_clients role ------------------------------------------------------------------------------------------
    role('api_clients', 'api-version-traversal', dict(api_clients_api_version='../../v3'),
         'value of api_clients_api_version must be one of'),
    role('api_clients', 'definitions-not-a-list', dict(api_clients_definitions='not-a-list'),
         "Elements value for option 'api_clients_definitions'"),
    role('api_clients', 'purge-not-a-bool', dict(api_clients_purge='perhaps'),
         "argument 'api_clients_purge' is of type"),
    role('api_clients', 'overrides-not-a-dict', dict(api_clients_overrides='x'), 'api_clients_overrides'),
    role('api_clients', 'definition-without-name', dict(api_clients_definitions=[dict(description='no name')]),
         'every definition needs a unique name'),
    role('api_clients', 'duplicate-names', dict(api_clients_definitions=[_client('dup'), _client('dup')]),
         'every definition needs a unique name'),
    role('api_clients', 'override-for-unknown-client', dict(api_clients_definitions=[_client('known')],
                                                            api_clients_overrides={'bi-typo': dict(enabled=False)}),
         'api_clients_overrides names clients that are not in api_clients_definitions'),
    role('api_clients', 'purge-prefix-too-short', dict(api_clients_definitions=[_client('p')], api_clients_purge=True,
                                                       api_clients_purge_prefix='bi'),
         'api_clients_purge needs api_clients_purge_prefix of at least 3 characters', reads=True),
    role('api_clients', 'unknown-grant-type',
         dict(api_clients_definitions=[_client('grant', grant_types=['PASSWORD'])]),
         'item bi-grant: value of grant_types must be one or more of', reads=True),
    role('api_clients', 'oversized-redirect-uris',
         dict(api_clients_definitions=[_client('uris', redirect_uris=MANY_URIS)]),
         'redirect_uris has 101 items', reads=True),
    role('api_clients', 'newline-in-name', dict(api_clients_definitions=[_client('x', name='bi-a\nb')]),
         'must not contain control characters', reads=True),
    role('api_clients', 'zero-validity',
         dict(api_clients_definitions=[_client('zero', access_token_validity_seconds=0)]),
         'access_token_validity_seconds must be between 1 and 2147483647', reads=True),
    role('api_clients', 'ftp-base-url',
         dict(api_clients_definitions=[_client('c')], isc_base_url='ftp://files.example'),
         'must start with https:// (or http://)', connection=True),
    role('api_clients', 'tenant-and-base-url', dict(api_clients_definitions=[_client('c')], isc_tenant='acme'),
         'base_url and tenant are mutually exclusive', connection=True),
    role('api_clients', 'validate-certs-not-a-bool', dict(api_clients_definitions=[_client('c')],
                                                          isc_validate_certs='sometimes'),
         "argument 'validate_certs' is of type", connection=True),

    # -- the personal_access_tokens role -------------------------------------------------------------------------------
    role('personal_access_tokens', 'unknown-api-version', dict(personal_access_tokens_api_version="v1'; DROP"),
         'value of personal_access_tokens_api_version must be one of'),
    role('personal_access_tokens', 'max-age-in-words', dict(personal_access_tokens_max_age_days='ninety'),
         "argument 'personal_access_tokens_max_age_days' is of type"),
    role('personal_access_tokens', 'unused-days-in-words', dict(personal_access_tokens_unused_days='90 days'),
         "argument 'personal_access_tokens_unused_days' is of type"),
    role('personal_access_tokens', 'rotate-json-object', dict(personal_access_tokens_rotate={'$where': '1'}),
         "argument 'personal_access_tokens_rotate' is of type"),
    role('personal_access_tokens', 'rotate-now-not-a-bool', dict(personal_access_tokens_rotate_now='maybe'),
         "argument 'personal_access_tokens_rotate_now' is of type"),
    role('personal_access_tokens', 'protect-json-object', dict(personal_access_tokens_protect={'x': 1}),
         "argument 'personal_access_tokens_protect' is of type"),
    role('personal_access_tokens', 'javascript-base-url', dict(isc_base_url='javascript:alert(1)'),
         'must start with https:// (or http://)', connection=True),
    role('personal_access_tokens', 'missing-ca-path', dict(isc_ca_path='/nonexistent/../../etc/ca.pem'),
         "ca_path '/nonexistent/../../etc/ca.pem' does not exist", connection=True),
    role('personal_access_tokens', 'tenant-and-base-url', dict(isc_tenant='acme'),
         'base_url and tenant are mutually exclusive', connection=True),
]


# -- input that looks malicious and is legitimate data --------------------------------------------------------------

def _created_client(outcome, name):
    out = outcome.result('controller')
    assert out['status'] == 'ok', out['result'].get('msg')
    assert out['result']['oauth_client']['name'] == name
    created = [c for c in outcome.state['oauthClients'] if c['name'] == name]
    assert [c['name'] for c in created] == [name]
    # Created under a provisional name, then renamed to the name as given once its secret was delivered.
    assert [(r['method'], r['path']) for r in outcome.writes] == [
        ('POST', '/oauth-clients/v1'), ('PATCH', '/oauth-clients/v1/' + created[0]['id'])]
    return created[0]


def _check_quoted_name(outcome):
    created = _created_client(outcome, SQL_NAME)
    assert created['description'] == '{"$gt": ""} <script>alert(1)</script>'


def _check_template_looking_values(outcome):
    created = _created_client(outcome, SEVEN)
    assert created['description'] == '{{ lookup("ansible.builtin.pipe", "touch %s") }}' % outcome.marker
    assert created['businessName'] == '{{ lookup("pipe", "id") }}'


def _check_path_like_pat_name(outcome):
    out = outcome.result('controller')
    assert out['status'] == 'ok', out['result'].get('msg')
    assert out['result']['personal_access_token']['name'] == '../../etc/passwd'
    created = [t for t in outcome.state['personalAccessTokens'] if t['name'] == '../../etc/passwd']
    assert len(created) == 1
    assert [(r['method'], r['path']) for r in outcome.writes] == [
        ('POST', '/personal-access-tokens/v1'), ('PATCH', '/personal-access-tokens/v1/' + created[0]['id'])]


def _check_sql_name_lookup(outcome):
    out = outcome.result('controller')
    assert out['status'] == 'ok' and out['result']['oauth_clients'] == [], out['result'].get('msg')
    assert outcome.writes == []


def _check_role_template_names(outcome):
    assert outcome.role_failure is None, outcome.role_failure
    names = [c['name'] for c in outcome.state['oauthClients']]
    for name in (SEVEN, '{{ lookup("ansible.builtin.pipe", "touch %s") }}' % outcome.marker):
        assert names.count(name) == 1, names
    assert sorted(outcome.fact('api_clients_summary')['created']) == sorted(
        [SEVEN, '{{ lookup("ansible.builtin.pipe", "touch %s") }}' % outcome.marker])
    # The secret sink is handed the names as they are, too.
    assert sorted(outcome.fact('isc_kept_names')) == sorted(outcome.fact('api_clients_summary')['created'])
    created = outcome.fact('api_clients_summary')['created']
    ids = [c['id'] for c in outcome.state['oauthClients'] if c['name'] in created]
    assert sorted((w['method'], w['path']) for w in outcome.writes) == sorted(
        [('POST', '/oauth-clients/v1')] * 2 + [('PATCH', '/oauth-clients/v1/' + i) for i in ids])


def _check_role_rotation_names(outcome):
    assert outcome.role_failure is None, outcome.role_failure
    summary = outcome.fact('personal_access_tokens_summary')
    assert sorted(summary['missing']) == sorted([SEVEN, '{{ lookup("pipe", "id") }}']) and summary['rotated'] == []
    assert outcome.writes == []


def _check_secrets_stay_in_their_directory(outcome):
    assert outcome.role_failure is None, outcome.role_failure
    # The secrets directory is <work>/secrets: ".." must not lead the secret, or a chmod, to <work>.
    assert sorted(p.name for p in outcome.work.glob('*.json')) == []
    assert oct(outcome.work.stat().st_mode & 0o777) == oct(outcome.work_mode)


ACCEPTED = [
    # Quotes, SQL and markup in a name and a description are data: created exactly as given.
    Case('isc_oauth_client', 'quotes-and-sql-in-name',
         _client('x', name=SQL_NAME, description='{"$gt": ""} <script>alert(1)</script>'),
         check=_check_quoted_name),
    # Template-looking values from !unsafe variables reach ISC unevaluated.
    Case('isc_oauth_client', 'template-looking-values',
         _client('x', name='{{ isc_unsafe.seven }}', description='{{ isc_unsafe.pipe }}',
                 business_name='{{ isc_unsafe.id }}'),
         check=_check_template_looking_values),
    # A path-like id stays one (percent-encoded) path segment.
    Case('isc_oauth_client_info', 'sql-looking-name', dict(name="x' OR '1'='1"), check=_check_sql_name_lookup),
    Case('isc_personal_access_token', 'path-like-name',
         dict(name='../../etc/passwd', user_aware_token_never_expires=True),
         check=_check_path_like_pat_name),
    Case('api_clients', 'template-looking-names',
         dict(api_clients_secret_tasks='{{ isc_keep_secret_tasks }}',
              api_clients_definitions=[_client('x', name='{{ isc_unsafe.seven }}'),
                                       _client('x', name='{{ isc_unsafe.pipe }}')]),
         check=_check_role_template_names),
    Case('personal_access_tokens', 'template-looking-names',
         dict(personal_access_tokens_rotate=['{{ isc_unsafe.seven }}', '{{ isc_unsafe.id }}'],
              personal_access_tokens_rotate_now=True),
         check=_check_role_rotation_names),
    # An environment name is data too, but it must not move the secret files.
    Case('api_clients', 'dot-dot-environment',
         dict(api_clients_environment='..', api_clients_definitions=[_client('env')]),
         check=_check_secrets_stay_in_their_directory),
]

ALL = CASES + ACCEPTED
TARGETS = MODULES + (LOOKUP,) + ROLES


# -- the playbooks ---------------------------------------------------------------------------------------------------

# The isc_test_results callback records, right after each case's result, how many requests and OpenAPI violations the
# tenant has logged so far (tasks named with these prefixes). That attributes every request to its case without a
# task of its own.
MARKED = ('case ', 'passed ', 'rescued ')


def _tasks(case):
    if case.target in MODULES:
        return [{'name': 'case ' + case.id, 'sailpoint_isc.oauth.' + case.target: case.args, 'ignore_errors': True}]
    if case.target == LOOKUP:
        use = "{{ lookup('sailpoint_isc.oauth.isc_access_token', *isc_case_terms, **isc_case_options) | length }}"
        return [{'name': 'case ' + case.id, 'ansible.builtin.debug': {'msg': use}, 'ignore_errors': True,
                 'vars': dict(case.args['vars'], isc_case_terms=case.args['terms'],
                              isc_case_options=case.args['options'])}]
    return [{'name': 'role ' + case.id, 'block': [
        {'name': 'include ' + case.id, 'ansible.builtin.include_role': {'name': 'sailpoint_isc.oauth.' + case.target},
         'vars': case.args},
        {'name': 'passed ' + case.id, 'ansible.builtin.set_fact': {'isc_role_failure': None}},
    ], 'rescue': [
        {'name': 'rescued ' + case.id, 'ansible.builtin.set_fact': {'isc_role_failure': {
            'msg': '{{ ansible_failed_result.msg | default("(no msg)") }}',
            'task': '{{ ansible_failed_task.name }}',
            'result': '{{ ansible_failed_result }}'}}},
    ]}]


def _playbook(target, cases, tenant_url, work):
    """Every case on the controller (in-process), then the module_path cases again as module processes."""
    plays = []
    for host, selected in (('controller', cases), ('module_path', [c for c in cases if c.module_path])):
        if not selected:
            continue
        play = {'hosts': host, 'gather_facts': False, 'vars_files': [str(work / 'unsafe.yml')], 'tasks': []}
        if target in ROLES:
            play['vars'] = dict(isc_base_url=tenant_url, isc_client_id=ADMIN['client_id'],
                                isc_client_secret=ADMIN['client_secret'],
                                isc_keep_secret_tasks=str(work / 'keep_secret.yml'),
                                api_clients_secrets_dir=str(work / 'secrets'),
                                personal_access_tokens_secrets_dir=str(work / 'secrets'))
        for case in selected:
            play['tasks'] += _tasks(case)
        plays.append(play)
    return plays


def _run_group(targets, collections_path, emulator, tenant, work):
    """One ansible-playbook run of every case of targets, on a tenant reset before (with its start-up settings) and
    after."""
    tenant_url = emulator.base_urls[tenant]
    work.mkdir(parents=True)
    (work / 'unsafe.yml').write_text(UNSAFE_VARS % dict(marker=work / MARKER))
    (work / 'keep_secret.yml').write_text(KEEP_SECRET)
    plays = []
    for target in targets:
        plays += _playbook(target, [c for c in ALL if c.target == target], tenant_url, work)
    (work / 'playbook.yml').write_text(json.dumps(plays, indent=1))
    work_mode = work.stat().st_mode & 0o777
    env = playbook_environment(collections_path, work, results_file=work / 'results.jsonl', extra=dict(
        ISC_TEST_EMULATOR_CONTROL=tenant_url + '/__emulator', ISC_TEST_COUNTED_TASKS=','.join(MARKED)))
    if not set(targets) & set(ROLES):  # roles take the connection from host variables, as in the example inventory
        env.update(tenant_environment(tenant_url))
    emulator.reset(tenant, settings=True)
    try:
        run = run_playbook(work / 'playbook.yml', env, work, inventory=INVENTORY)
        return dict(rc=run.rc, output=run.output, results=run.results, seconds=round(run.seconds, 1),
                    requests=emulator.requests(tenant), violations=emulator.violations(tenant),
                    state=emulator.state(tenant), work=str(work), work_mode=work_mode)
    finally:
        emulator.reset(tenant)


# Two ansible-playbook runs: the modules and the lookup (connection from SAIL_* variables), and the roles (connection
# from host variables). Task names carry the case id, so each case finds its own results and requests.
GROUPS = {'modules-and-lookup': MODULES + (LOOKUP,), 'roles': ROLES}
# The tenant of each group. Every request is attributed to its case by the tenant's request count after each case, so
# the two runs, which go on at the same time (each run's tasks one after another, on one host at a time, leave a core
# idle), need a tenant each: acme, and the first of the case-batch tenants (this file runs no case batch).
TENANTS = {'modules-and-lookup': 'acme', 'roles': CASE_TENANTS[0]}


@pytest.fixture(scope='module')
def runs(collections_path, emulator, tmp_path_factory):
    """Every target's playbook outcome."""
    directory = tmp_path_factory.mktemp('bad-input')
    with concurrent.futures.ThreadPoolExecutor(len(GROUPS)) as pool:
        outcomes = dict((group, pool.submit(_run_group, targets, collections_path, emulator, TENANTS[group],
                                            directory / group)) for group, targets in GROUPS.items())
    runs = dict((target, outcomes[group].result()) for group, targets in GROUPS.items() for target in targets)
    return dict(runs=runs, marker_exists=any((directory / g / MARKER).exists() for g in GROUPS))


class Outcome(object):
    """What one case did: its task results, the requests and violations it caused, the tenant after the run."""

    def __init__(self, runs, case):
        self.case = case
        run = self.run = runs['runs'][case.target]
        self.state = run['state']
        self.work = Path(run['work'])
        self.work_mode = run['work_mode']
        self.marker = self.work / MARKER
        # Each case's share: the results since the previous mark, and the requests logged in between.
        self.results, self.requests, self.violations, hosts = [], [], [], []
        start, before = 0, [0, 0]
        for index, record in enumerate(run['results']):
            if 'counts' not in record:
                continue
            if record['task'].split(' ', 1)[1] == case.id:
                hosts.append(record['host'])
                self.results += run['results'][start:index + 1]
                self.requests += run['requests'][before[0]:record['counts'][0]]
                self.violations += run['violations'][before[1]:record['counts'][1]]
            start, before = index + 1, record['counts']
        expected_hosts = case.hosts if case.target in MODULES else ('controller',)
        assert sorted(hosts) == sorted(expected_hosts), 'the playbook did not run %s on %s:\n%s' % (
            case.id, expected_hosts, run['output'][-4000:])
        self.writes = [r for r in self.requests if r['method'] in WRITES and r['path'] != '/oauth/token']

    def result(self, host):
        found = [r for r in self.results if r['task'] == 'case ' + self.case.id and r['host'] == host]
        assert found, 'no result of %s on %s:\n%s' % (self.case.id, host, self.run['output'][-4000:])
        return found[-1]

    @property
    def role_failure(self):
        found = [r for r in self.results if r['task'] in ('passed ' + self.case.id, 'rescued ' + self.case.id)]
        assert found, 'no result of %s:\n%s' % (self.case.id, self.run['output'][-4000:])
        return found[-1]['result']['ansible_facts']['isc_role_failure']

    def fact(self, name):
        values = [r['result']['ansible_facts'][name] for r in self.results
                  if name in r['result'].get('ansible_facts', {})]
        assert values, 'the case set no fact %s' % name
        return values[-1]


def _unhandled(case, message, result):
    """Why a failure message is not a clear message, or None."""
    text = json.dumps(result)
    if 'Traceback (most recent call last)' in text or 'MODULE FAILURE' in message:
        return 'a traceback or MODULE FAILURE'
    if case.target == LOOKUP:
        # ansible-core 2.19 says "The lookup plugin '...' failed: <error>", older ones "... original message: <error>".
        error = message.split("isc_access_token' failed: ", 1)[-1].split('original message: ', 1)[-1]
        if not error.startswith(('isc_access_token', 'Invalid value', 'Invalid type', "Config '")):
            return 'an error that is neither the lookup\'s nor Ansible\'s option check'
        return None
    if message.startswith('Task failed:') or 'Module failed:' in message or \
            'Unexpected failure during module execution' in message:
        return 'an unhandled exception'
    return None


@pytest.mark.parametrize('case', [c.param() for c in CASES])
def test_bad_input_fails_clearly_without_writing(runs, case):
    outcome = Outcome(runs, case)
    for host in case.hosts:
        if case.target in ROLES:
            failure = outcome.role_failure
            assert failure is not None, 'the role accepted %r' % (case.args,)
            message, result = failure['msg'], failure
        else:
            record = outcome.result(host)
            result = record['result']
            message = result.get('msg', '')
            assert record['status'] == 'failed', 'accepted on %s: %s' % (host, json.dumps(result)[:2000])
        assert case.expected_in(message), 'on %s: %s' % (host, message)
        assert _unhandled(case, message, result) is None, 'on %s, %s: %s' % (
            host, _unhandled(case, message, result), message)
        for value in case.hidden + (ADMIN['client_secret'],):
            assert value not in json.dumps(result), 'on %s the result shows %r' % (host, value)
        for value in case.unsaid:
            assert value not in message, 'on %s the message shows %r' % (host, value)
    assert outcome.writes == [], 'write requests: %s' % outcome.writes
    if case.connection or not case.reads:
        assert outcome.requests == [], 'requests: %s' % [(r['method'], r['path']) for r in outcome.requests]
    assert outcome.violations == []


@pytest.mark.parametrize('case', [c.param() for c in ACCEPTED])
def test_malicious_looking_data_reaches_isc_verbatim(runs, case):
    outcome = Outcome(runs, case)
    case.check(outcome)
    assert outcome.violations == []
    assert not outcome.marker.exists()


def test_no_template_given_as_data_was_ever_evaluated(runs):
    assert runs['marker_exists'] is False, 'a template passed as data ran a command'
    for target, run in runs['runs'].items():
        assert 'uid=' not in run['output'] + json.dumps(run['results']), target


def test_every_run_went_through_and_showed_no_credential(runs):
    for target, run in runs['runs'].items():
        assert run['rc'] == 0, '%s:\n%s' % (target, run['output'][-6000:])
        assert ADMIN['client_secret'] not in run['output'], target
        assert ADMIN['client_secret'] not in json.dumps(run['results']), target


def test_the_table_covers_every_module_the_lookup_and_both_roles():
    counts = dict((t, len([c for c in CASES if c.target == t])) for t in TARGETS)
    assert all(count >= 5 for count in counts.values()), counts
    names = [c.id for c in ALL]
    assert len(names) == len(set(names)), 'case names must be unique per target'
