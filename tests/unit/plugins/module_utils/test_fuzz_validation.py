"""Fuzzing of option validation with hypothesis, without any network.

(a) resolve_connection(): whatever options and environment it gets, it returns settings for an http(s) API root
    without a trailing slash, or raises IscOptionError; never another exception, and never a secret in the message
    or in repr(settings).
(b) Each resource module's SPEC: parameters that the argument spec accepts are checked by the resource's
    validate(engine) without a single request (the context's client raises AssertionError), and only
    IscOptionError may come out of it.

The runs are derandomized (the same examples on every run, so CI is deterministic) and sized to take a few seconds.
Each production bug these properties found (and that was then fixed) keeps its own reproducer below.
"""

from __future__ import annotations

import datetime
import re
import string
from urllib.parse import urlsplit

import pytest
from hypothesis import event, example, given, settings, strategies as st

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_api import API_VERSIONS
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_oauth_client import OAUTH_CLIENT
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    ENV_RESOLVED,
    GRANT_TYPES,
    SECRET_OPTIONS,
    ConnectionSettings,
    DictOptionAdapter,
    resolve_connection,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_personal_access_token import (
    PERSONAL_ACCESS_TOKEN,
)
from ansible_collections.sailpoint_isc.oauth.plugins.modules import isc_oauth_client, isc_personal_access_token

# The hypothesis profile in effect (tests/unit/conftest.py): 60 examples by default, 500 in `make unit-thorough`
# (about 5 s for the whole file on one idle core).
FUZZ = settings()

# -- strategies -------------------------------------------------------------------------------------------------------

# Secret values carry a character that no other generated value contains, so finding one in a text is a leak.
MARK = '\u00a7'
TEXT = st.text(st.characters(codec='utf-8', exclude_characters=MARK), max_size=30)
SHORT_ASCII = st.text(string.ascii_letters + string.digits + '-._', min_size=1, max_size=12)
SECRET = st.text(string.ascii_letters + string.digits + '-._~+/=', min_size=4, max_size=24).map(
    lambda body: MARK + body + MARK)

INJECTION = st.sampled_from([
    "'; DROP TABLE clients; --", '{{ lookup("pipe", "id") }}', '{% raw %}x', '../../etc/passwd', '..', '.',
    'a\nb', 'a\r\nX-Injected: 1', 'nul\x00byte', '{"$ne": null}', '<script>alert(1)</script>', ' ', '',
    '\t', '%2e%2e%2f', 'x' * 300,
])
ANY_TEXT = st.one_of(TEXT, INJECTION)

SCHEMES = st.sampled_from(['https', 'http', 'HTTPS', 'hTTp', 'ftp', 'file', 'javascript', 'data', '', 'https:'])
HOSTS = st.one_of(
    st.sampled_from(['acme.api.identitynow.com', 'acme.identitynow.com', '127.0.0.1', '[::1]', 'localhost',
                     'acme.example.', 'xn--bcher-kva.example', '', '[::1', 'a\u2100b', 'EXAMPLE.COM']),
    st.from_regex(r'[a-z0-9](?:[a-z0-9.-]{0,18}[a-z0-9])?', fullmatch=True),
    ANY_TEXT,
)
PORTS = st.one_of(st.just(''), st.integers(-5, 70000).map(lambda p: ':%d' % p), TEXT.map(lambda t: ':' + t))
PATHS = st.one_of(st.sampled_from(['', '/', '//', '/api', '/api/', '/..', '/%2e%2e/', '/v3/', '/a b']),
                  TEXT.map(lambda t: '/' + t))
TAILS = st.sampled_from(['', '?', '?x=1', '#frag', '?client_secret=x', '/', '///'])
PADDING = st.sampled_from(['', ' ', '\n', '\t '])


def _url(pad, scheme, userinfo, host, port, path, tail):
    return '%s%s://%s%s%s%s%s%s' % (pad, scheme, userinfo, host, port, path, tail, pad)


USERINFO = st.one_of(st.just(''), st.just('user@'), SHORT_ASCII.map(lambda u: u + '@'))
URLS = st.builds(_url, PADDING, SCHEMES, USERINFO, HOSTS, PORTS, PATHS, TAILS)
URL_OR_TEXT = st.one_of(URLS, URLS, ANY_TEXT)
TENANTS = st.one_of(st.sampled_from(['acme', 'Acme', 'a', 'acme-dev', '-acme', 'acme-', 'acme.api.identitynow.com',
                                     'a' * 63, 'a' * 64, 'bad tenant', 'x/y']),
                    SHORT_ASCII, ANY_TEXT)
# Existing and missing files; a path with a NUL byte must not crash os.path.isfile.
CA_PATHS = st.one_of(st.just(__file__), st.just('/nonexistent/ca.pem'), st.just('ca\x00.pem'), ANY_TEXT)
GRANTS = st.one_of(st.sampled_from(GRANT_TYPES), ANY_TEXT)
INTS = st.one_of(st.integers(-3, 3), st.integers(-2 ** 63, 2 ** 63))
OPTIONAL_TEXT = st.one_of(st.none(), ANY_TEXT)

CONNECTION_OPTIONS = {
    'base_url': st.one_of(st.none(), URL_OR_TEXT),
    'tenant': st.one_of(st.none(), TENANTS),
    'client_id': OPTIONAL_TEXT,
    'client_secret': st.one_of(st.none(), SECRET),
    'access_token': st.one_of(st.none(), SECRET),
    'grant_type': st.one_of(st.none(), GRANTS),
    'refresh_token': st.one_of(st.none(), SECRET),
    'code': st.one_of(st.none(), SECRET),
    'redirect_uri': st.one_of(st.none(), URL_OR_TEXT),
    'code_verifier': st.one_of(st.none(), SECRET),
    'token_url': st.one_of(st.none(), URL_OR_TEXT),
    'validate_certs': st.one_of(st.none(), st.booleans()),
    'ca_path': st.one_of(st.none(), CA_PATHS),
    'timeout': st.one_of(st.none(), INTS),
    'max_retries': st.one_of(st.none(), INTS),
    'token_cache': st.one_of(st.none(), st.booleans()),
    'token_cache_dir': OPTIONAL_TEXT,
}
ENVIRONMENT = {
    'SAIL_BASE_URL': URL_OR_TEXT,
    'ISC_TENANT': TENANTS,
    'SAIL_CLIENT_ID': ANY_TEXT,
    'SAIL_CLIENT_SECRET': SECRET,
    'ISC_ACCESS_TOKEN': SECRET,
    'UNRELATED': ANY_TEXT,
}
VALID_URLS = st.builds(_url, st.just(''), st.sampled_from(['https', 'http']), st.just(''),
                       st.from_regex(r'[a-z0-9](?:[a-z0-9.-]{0,18}[a-z0-9])?', fullmatch=True),
                       st.sampled_from(['', ':443', ':8080']), st.sampled_from(['', '/', '/api', '/api/']),
                       st.sampled_from(['', '/']))
WHERE = st.one_of(st.fixed_dictionaries({'tenant': st.from_regex(r'[a-z][a-z0-9-]{0,20}[a-z0-9]', fullmatch=True)}),
                  st.fixed_dictionaries({'base_url': VALID_URLS}), st.just({}))
WHO = st.one_of(
    st.fixed_dictionaries({'client_id': SHORT_ASCII, 'client_secret': SECRET}),
    st.fixed_dictionaries({'access_token': SECRET}),
    st.fixed_dictionaries({'grant_type': st.just('refresh_token'), 'client_id': SHORT_ASCII, 'refresh_token': SECRET}),
    st.fixed_dictionaries({'grant_type': st.just('authorization_code'), 'client_id': SHORT_ASCII, 'code': SECRET,
                           'redirect_uri': VALID_URLS, 'code_verifier': SECRET}),
    st.just({}),
)


@st.composite
def _plausible(draw, where, who, strategies):
    """A working set of values with up to three of them replaced by anything of the right type."""
    values = dict(draw(where), **draw(who))
    for name in draw(st.lists(st.sampled_from(sorted(strategies)), max_size=3, unique=True)):
        value = draw(strategies[name])
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


# Options as a module or the lookup hands them over after type checking: every value of its declared type, or None.
OPTION_DICTS = st.one_of(st.fixed_dictionaries({}, optional=CONNECTION_OPTIONS),
                         _plausible(WHERE, WHO, CONNECTION_OPTIONS))
ENV_WHERE = WHERE.map(lambda options: dict(('ISC_TENANT' if k == 'tenant' else 'SAIL_BASE_URL', v)
                                           for k, v in options.items()))
ENVIRONS = st.one_of(
    st.fixed_dictionaries({}, optional=ENVIRONMENT),
    _plausible(st.one_of(st.just({}), ENV_WHERE),
               st.one_of(st.just({}),
                         st.fixed_dictionaries({'SAIL_CLIENT_ID': SHORT_ASCII, 'SAIL_CLIENT_SECRET': SECRET}),
                         st.fixed_dictionaries({'ISC_ACCESS_TOKEN': SECRET})),
               ENVIRONMENT),
)
SECRET_ENV = tuple(name for option in SECRET_OPTIONS for name in ENV_RESOLVED.get(option, ()))


def _secrets(options, environ):
    found = [options.get(name) for name in SECRET_OPTIONS] + [environ.get(name) for name in SECRET_ENV]
    return [value for value in found if value]


def _assert_is_api_root(url, option):
    parts = urlsplit(url)
    assert parts.scheme in ('http', 'https'), (option, url)
    assert parts.hostname, (option, url)
    assert not parts.query and not parts.fragment, (option, url)
    assert parts.username is None and parts.password is None, (option, url)
    assert not url.endswith('/'), (option, url)


def _resolve(options, environ):
    return resolve_connection(DictOptionAdapter(options), environ)


# -- (a) resolve_connection --------------------------------------------------------------------------------------------

@FUZZ
@given(options=OPTION_DICTS, environ=ENVIRONS)
@example(options=dict(base_url='https://acme.example/', client_id='id', client_secret=MARK + 's' + MARK), environ={})
@example(options=dict(base_url='ftp://acme.example', access_token=MARK + 't' + MARK), environ={})
@example(options=dict(tenant='acme', grant_type='password', client_id='id', client_secret=MARK + 's' + MARK),
         environ={'ISC_ACCESS_TOKEN': MARK + 'e' + MARK})
def test_resolve_connection_returns_an_api_root_or_raises_isc_option_error(options, environ):
    secrets = _secrets(options, environ)
    try:
        resolved = _resolve(options, environ)
    except IscOptionError as exc:
        text = '%s %r' % (exc, exc.to_dict())
        event('IscOptionError')
        assert str(exc).strip(), 'an empty error message'
        for secret in secrets:
            assert secret not in text, 'a secret option value is shown in the error message: %s' % exc
        return
    event('settings')
    assert isinstance(resolved, ConnectionSettings)
    _assert_is_api_root(resolved.base_url, 'base_url')
    _assert_is_api_root(resolved.token_url, 'token_url')
    assert resolved.grant_type in GRANT_TYPES
    assert resolved.timeout > 0 and resolved.max_retries >= 0
    assert resolved.access_token or resolved.client_id, 'settings without any principal'
    shown = repr(resolved)
    for secret in secrets:
        assert secret not in shown, 'repr(settings) shows a secret: %s' % shown
    assert set(resolved.secret_values()) <= set(secrets)


@settings(FUZZ, max_examples=150)
@given(options=OPTION_DICTS, environ=ENVIRONS)
def test_resolve_connection_is_deterministic_and_ignores_unrelated_environment(options, environ):
    """Same inputs, same outcome; an unrelated environment variable never changes it."""
    def outcome(env):
        try:
            return ('ok', repr(_resolve(options, env)))
        except IscOptionError as exc:
            return ('error', str(exc))

    first = outcome(environ)
    assert outcome(dict(environ)) == first
    assert outcome(dict(environ, UNRELATED_ISC_VARIABLE='https://evil.example')) == first


# Reproducers of bugs found by widening the property above; each is one line of the report.

def test_tenant_with_a_trailing_newline_is_rejected():
    with pytest.raises(IscOptionError, match='not a valid tenant name'):
        _resolve(dict(tenant='acme\n', client_id='id', client_secret='s'), {})


@pytest.mark.parametrize('base_url', ['https://acme example.com', 'https://acme.example\x00.evil.com',
                                      'https://acme\x7f.example.com', 'https://<acme>.example.com'])
def test_base_url_with_an_invalid_host_is_rejected(base_url):
    with pytest.raises(IscOptionError, match='base_url'):
        _resolve(dict(base_url=base_url, client_id='id', client_secret='s'), {})


@pytest.mark.parametrize('option, url', [
    ('base_url', 'https://admin:hunter2-secret@acme.example:notaport'),
    ('base_url', 'ftp://admin:hunter2-secret@acme.example'),
    ('base_url', 'https://admin:hunter2-secret@acme.example/?x=1'),
    ('token_url', 'https://admin:hunter2-secret@login.example:99999/oauth/token'),
])
def test_a_password_embedded_in_a_url_is_never_echoed(option, url):
    options = dict(client_id='id', client_secret='s', base_url='https://acme.example')
    options[option] = url
    with pytest.raises(IscOptionError) as caught:
        _resolve(options, {})
    assert 'hunter2-secret' not in str(caught.value)


@FUZZ
@given(options=OPTION_DICTS, environ=ENVIRONS)
@example(options=dict(tenant='acme\n', client_id='id', client_secret='s'), environ={})
@example(options=dict(base_url='https://acme example.com', client_id='id', client_secret='s'), environ={})
def test_resolved_urls_contain_no_whitespace_or_control_characters(options, environ):
    try:
        resolved = _resolve(options, environ)
    except IscOptionError:
        return
    for url in (resolved.base_url, resolved.token_url):
        assert not re.search(r'[\x00-\x20\x7f]', url), url


# -- (b) resource module specs ----------------------------------------------------------------------------------------

class NoNetworkContext(object):
    """A TaskContext whose client must never be used."""

    check_mode = False
    diff = False

    def __init__(self, params):
        self.params = params
        self.warnings = []

    @property
    def client(self):
        raise AssertionError('no request may be sent during validation')

    def warn(self, message):
        self.warnings.append(message)


WRONG = st.one_of(ANY_TEXT, st.integers(-2 ** 40, 2 ** 40), st.floats(allow_nan=True), st.booleans(),
                  st.lists(ANY_TEXT, max_size=3), st.dictionaries(SHORT_ASCII, ANY_TEXT, max_size=2))
BOOLS = st.one_of(st.booleans(), st.sampled_from(['yes', 'no', 'true', 'False', 'on', 0, 1, 2, 'maybe']))
NUMBERS = st.one_of(st.integers(-100, 100), st.integers(-2 ** 62, 2 ** 62),
                    st.sampled_from(['750', '1e9', ' 30 ', '0x10']))


def _big_list(prefix):
    return st.integers(95, 130).map(lambda n: ['%s%d' % (prefix, i) for i in range(n)])


def _lists(items):
    return st.one_of(st.lists(items, max_size=6), _big_list('https://app.example/cb'), st.just([]),
                     st.lists(st.sampled_from(['', ' ', 'dup', 'dup']), max_size=4))


_OFFSETS = st.integers(-1439, 1439).map(lambda m: datetime.timezone(datetime.timedelta(minutes=m)))
# Years 1 and 9999 have their own reproducer below (they overflow when converted to UTC).
_MOMENTS = st.builds(lambda moment, zone: moment.replace(tzinfo=zone),
                     st.datetimes(min_value=datetime.datetime(2, 1, 1), max_value=datetime.datetime(9998, 12, 31)),
                     st.one_of(st.none(), _OFFSETS))
_NEAR = st.builds(lambda days, zone: (datetime.datetime.now(datetime.timezone.utc)
                                      + datetime.timedelta(days=days)).astimezone(zone),
                  st.integers(-400, 400), _OFFSETS)
DATES = st.one_of(_MOMENTS.map(lambda m: m.isoformat()), _NEAR.map(lambda m: m.isoformat()),
                  _NEAR.map(lambda m: m.strftime('%Y-%m-%dT%H:%M:%SZ')), _NEAR.map(lambda m: m.strftime('%Y-%m-%d')),
                  st.sampled_from(['tomorrow', '2027-02-30', '2027-06-30T25:00:00Z', '2027-06-30Z', '20270630',
                                   "2027-06-30T00:00:00Z'; DROP TABLE pats; --", '2027-06-30T00:00:00+24:00']),
                  ANY_TEXT)


def _right_or_wrong(right):
    """Mostly well-typed values (so that validate() is reached), sometimes anything at all."""
    return st.one_of(right, right, right, WRONG)


COMMON = {
    'state': st.sampled_from(['present', 'absent', 'gone', 'Present']),
    'id': st.one_of(ANY_TEXT, st.sampled_from(['2c9180835d2e5168015d32f890ca1581', '.', '..'])),
    'api_version': st.one_of(st.sampled_from(API_VERSIONS), ANY_TEXT),
    'name': ANY_TEXT,
    'access_token_validity_seconds': NUMBERS,
    'scope': _lists(st.one_of(st.sampled_from(['sp:scopes:all', 'idn:sources:read']), ANY_TEXT)),
    'secret_file': st.one_of(st.just('/tmp/isc-fuzz/never-written.json'), ANY_TEXT),
    'planned_at': st.one_of(st.floats(allow_nan=False), NUMBERS),
}
OAUTH_CLIENT_PARAMS = dict(COMMON, **{
    'description': ANY_TEXT,
    'business_name': ANY_TEXT,
    'homepage_url': URL_OR_TEXT,
    'refresh_token_validity_seconds': NUMBERS,
    'redirect_uris': _lists(URL_OR_TEXT),
    'grant_types': _lists(st.one_of(st.sampled_from(['CLIENT_CREDENTIALS', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN']),
                                    ANY_TEXT)),
    'access_type': st.one_of(st.sampled_from(['ONLINE', 'OFFLINE']), ANY_TEXT),
    'type': st.one_of(st.sampled_from(['CONFIDENTIAL', 'PUBLIC']), ANY_TEXT),
    'internal': BOOLS,
    'enabled': BOOLS,
    'strong_auth_supported': BOOLS,
    'claims_supported': BOOLS,
    'recreate': BOOLS,
})
PERSONAL_ACCESS_TOKEN_PARAMS = dict(COMMON, **{
    'owner_id': st.one_of(st.sampled_from(['me', 'all', '2c9180835d2e5168015d32f890ca1581']), ANY_TEXT),
    'expiration_date': DATES,
    'user_aware_token_never_expires': BOOLS,
    'regenerate': BOOLS,
})
# A few connection options too, with secrets that must not show up in a validation message.
CONNECTION_PARAMS = {'client_secret': SECRET, 'access_token': SECRET, 'timeout': NUMBERS}


def _params(options, where):
    """Parameters of a resource module: anything for each option, or a valid set with a few options changed."""
    anything = dict((name, _right_or_wrong(strategy)) for name, strategy in options.items())
    anything.update(CONNECTION_PARAMS)
    plausible = _plausible(where, st.just({}), anything)
    return st.one_of(st.fixed_dictionaries({}, optional=anything), plausible, plausible)


_CLIENT = dict(name='ci-pipeline', description='CI', grant_types=['CLIENT_CREDENTIALS'], access_type='OFFLINE',
               access_token_validity_seconds=750, enabled=True)
_TOKEN = dict(name='reporting', user_aware_token_never_expires=True)


def test_fuzzed_options_cover_every_option_of_the_resource_modules():
    for spec, options in ((isc_oauth_client.SPEC, OAUTH_CLIENT_PARAMS),
                          (isc_personal_access_token.SPEC, PERSONAL_ACCESS_TOKEN_PARAMS)):
        assert set(spec.own_argument_spec) == set(options)


def _validate_without_network(spec, resource, params):
    """Argument spec, then the resource's validate(): (where it stopped, the IscOptionError raised or None)."""
    checked = ArgumentSpecValidator(spec.argument_spec, **spec.validation_rules).validate(params)
    if checked.error_messages:
        return 'rejected by the argument spec', None
    engine = resource.engine(NoNetworkContext(checked.validated_parameters))
    try:
        engine.validate()
        # What validate() let through is turned into a request body without surprises either.
        engine.desired()
    except IscOptionError as exc:
        return 'rejected by validate()', exc
    return 'accepted by validate()', None


def _check_without_network(spec, resource, params):
    secrets = [params[name] for name in ('client_secret', 'access_token') if isinstance(params.get(name), str)]
    stage, error = _validate_without_network(spec, resource, params)
    event(stage)
    if error is not None:
        assert str(error).strip()
        for secret in secrets:
            assert secret not in str(error)


@FUZZ
@given(params=_params(OAUTH_CLIENT_PARAMS, st.just(_CLIENT)))
def test_isc_oauth_client_options_are_validated_without_a_request(params):
    _check_without_network(isc_oauth_client.SPEC, OAUTH_CLIENT, params)


@FUZZ
@given(params=_params(PERSONAL_ACCESS_TOKEN_PARAMS, st.just(_TOKEN)))
def test_isc_personal_access_token_options_are_validated_without_a_request(params):
    _check_without_network(isc_personal_access_token.SPEC, PERSONAL_ACCESS_TOKEN, params)


@pytest.mark.parametrize('params, message', [
    (dict(name='x' * 256), 'at most 255'),
    (dict(name='a\x00b'), 'control characters'),
    (dict(grant_types=[]), 'at least one grant type'),
    (dict(redirect_uris=['https://app.example/cb%d' % i for i in range(101)]), 'at most 100'),
    (dict(homepage_url='javascript:alert(1)'), 'http:// or https://'),
    (dict(access_token_validity_seconds=0), 'between 1 and'),
    (dict(state='absent'), 'needs id or name'),
])
def test_oauth_client_examples_fail_validation_without_a_request(params, message):
    _stage, error = _validate_without_network(isc_oauth_client.SPEC, OAUTH_CLIENT, params)
    assert error is not None and message in str(error)


@pytest.mark.parametrize('expiration_date', ['9999-12-31T23:59:59-12:00', '0001-01-01T00:00:00+01:00'])
def test_out_of_range_expiration_date_fails_with_isc_option_error(expiration_date):
    params = dict(name='x', expiration_date=expiration_date)
    _stage, error = _validate_without_network(isc_personal_access_token.SPEC, PERSONAL_ACCESS_TOKEN, params)
    assert error is not None and 'expiration_date' in str(error)
