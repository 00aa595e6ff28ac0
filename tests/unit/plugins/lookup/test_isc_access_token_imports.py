"""A lookup served from the token cache imports no HTTP client and compiles no regular expression.

Ansible runs every task in a new worker process and compiles a collection's Python files from source there, so each
module the lookup imports is paid on every task. With the cache warm no request is sent: the lookup must not import
_isc_http, _isc_client or requests then. A regular expression is compiled again in every process too (about 0.2 ms
each, measured in forked processes), so the collection's code on that path uses none. Each case runs the lookup,
loaded by Ansible's own plugin loader, in a fresh Python process, where sys.modules shows exactly what it imported
and a wrapper of re's compile function which of the collection's modules used a pattern.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils import _isc_auth
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_http import Transport
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import (
    DictOptionAdapter,
    resolve_connection,
)

from ..module_utils.fakes import FakeSession, response

# tests/conftest.py links the work tree there as ansible_collections/sailpoint_isc/oauth.
ROOT = Path(__file__).resolve().parents[4]
COLLECTIONS = ROOT / 'build' / 'pytest-collections'
PACKAGE = 'ansible_collections.sailpoint_isc.oauth.plugins.'
HTTP_CLIENT = ('module_utils._isc_http', 'module_utils._isc_client')

RUN_LOOKUP = r'''
import builtins, json, re, sys
package = %r
patterns_used_by = set()
compile_pattern = re._compile  # what re.compile, re.match and the others call, cached pattern or not


def recording_compile(pattern, flags):
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get('__name__') == 're':
        frame = frame.f_back
    caller = frame.f_globals.get('__name__', '') if frame is not None else ''
    if caller.startswith(package):
        patterns_used_by.add(caller[len(package):])
    return compile_pattern(pattern, flags)


re._compile = recording_compile
compiled = set()  # source files compiled in this process (Ansible's collection loader and Python's both call compile)
compile_source = compile


def recording_source_compile(source, filename, *args, **kwargs):
    compiled.add(str(filename))
    return compile_source(source, filename, *args, **kwargs)


builtins.compile = recording_source_compile
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins import loader as plugin_loader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar

documentation_read = []  # the plugins whose DOCUMENTATION Ansible parsed for their option definitions
merge_fragments = plugin_loader.add_fragments


def recording_merge_fragments(doc, filename, *args, **kwargs):
    documentation_read.append(str(filename).rsplit('/', 1)[-1])
    return merge_fragments(doc, filename, *args, **kwargs)


plugin_loader.add_fragments = recording_merge_fragments

init_plugin_loader([sys.argv[1]])
loader = DataLoader()
lookup = lookup_loader.get('sailpoint_isc.oauth.isc_access_token', loader=loader, templar=Templar(loader=loader))
try:
    outcome = dict(token=lookup.run([], variables={}, **json.loads(sys.argv[2]))[0])
except AnsibleLookupError as exc:
    outcome = dict(error=str(exc))
outcome['modules'] = sorted(name[len(%r):] for name in sys.modules if name.startswith(%r))
outcome['requests'] = 'requests' in sys.modules
outcome['patterns_used_by'] = sorted(patterns_used_by)
collection = sys.argv[1] + '/ansible_collections/sailpoint_isc/oauth/plugins/'
outcome['compiled'] = sorted(name[len(collection):] for name in compiled if name.startswith(collection))
outcome['documentation_read'] = documentation_read
outcome['options'] = dict((name, lookup.get_option(name)) for name in ('timeout', 'max_retries', 'validate_certs'))
outcome['load_name_is_module_name'] = lookup._load_name == type(lookup).__module__
print(json.dumps(outcome))
''' % (PACKAGE, PACKAGE, PACKAGE)


@pytest.fixture(autouse=True)
def fresh_memory():
    _isc_auth.forget_memory()
    yield
    _isc_auth.forget_memory()


def closed_loopback_url():
    """An http:// URL of this machine where nothing listens: a token request to it fails at once."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return 'http://127.0.0.1:%d' % port


def lookup_options(tmp_path, base_url):
    return dict(base_url=base_url, client_id='cid', client_secret='client-secret-0123456789',
                token_cache_dir=str(tmp_path / 'cache'), max_retries=0, timeout=2)


def warm_cache(options):
    """Store a token for these options in their cache, as an earlier task would have."""
    settings = resolve_connection(DictOptionAdapter(dict(options)), {})
    transport = Transport(settings, pacer=False)
    transport.session = FakeSession([response(200, {'access_token': 'cached-token', 'expires_in': 750})])
    return _isc_auth.TokenProvider(settings, transport).get().access_token


def run_lookup(tmp_path, options, collections=COLLECTIONS, write_bytecode=False):
    """The lookup's outcome in a fresh process; write_bytecode: as Python runs by default (the tests may run with
    PYTHONDONTWRITEBYTECODE set)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_')))
    env.update(ANSIBLE_HOME=str(tmp_path / 'ansible-home'), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'))
    if write_bytecode:
        env.pop('PYTHONDONTWRITEBYTECODE', None)
    else:
        env['PYTHONDONTWRITEBYTECODE'] = '1'
    completed = subprocess.run([sys.executable, '-c', RUN_LOOKUP, str(collections), json.dumps(options)],
                               env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


@pytest.mark.slow  # a Python process that imports ansible-core (a few seconds)
def test_a_token_from_the_cache_imports_no_http_client(tmp_path):
    options = lookup_options(tmp_path, closed_loopback_url())
    assert warm_cache(options) == 'cached-token'

    outcome = run_lookup(tmp_path, options)

    assert outcome.get('token') == 'cached-token', outcome
    assert 'module_utils._isc_auth' in outcome['modules']  # the lookup did run in that process
    assert not set(HTTP_CLIENT) & set(outcome['modules']), ', '.join(outcome['modules'])
    assert not outcome['requests']
    assert outcome['patterns_used_by'] == []


@pytest.mark.slow  # a Python process that imports ansible-core (a few seconds)
def test_a_cache_miss_imports_the_http_client_to_request_a_token(tmp_path):
    # The same lookup with an empty cache: it must ask the token endpoint (nothing listens there, so it fails),
    # which shows that the check above would see the HTTP client had the lookup imported it.
    outcome = run_lookup(tmp_path, lookup_options(tmp_path, closed_loopback_url()))

    assert 'token' not in outcome and 'isc_access_token' in outcome['error'], outcome
    assert 'client-secret-0123456789' not in outcome['error']
    assert 'module_utils._isc_http' in outcome['modules'], outcome['modules']
    assert outcome['requests']
    # _isc_http compiles a pattern when imported: the wrapper does see the collection's patterns.
    assert 'module_utils._isc_http' in outcome['patterns_used_by'], outcome['patterns_used_by']


def installed_copy(target):
    """The collection's plugins in target, laid out as ansible-galaxy installs them; the collections path."""
    shutil.copytree(ROOT / 'plugins', target / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'plugins',
                    ignore=shutil.ignore_patterns('__pycache__'))
    return target


@pytest.mark.slow  # three Python processes that import ansible-core
def test_the_lookup_compiles_its_helpers_once_then_loads_their_bytecode(tmp_path):
    # Ansible's collection loader compiles module_utils and plugin_utils from source in every process, and a lookup
    # is loaded in every task's process; the lookup loads its helpers with Python's bytecode cache instead.
    options = lookup_options(tmp_path, closed_loopback_url())
    warm_cache(options)
    collections = installed_copy(tmp_path / 'collections')
    helpers = collections / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'plugins' / 'module_utils'

    first = run_lookup(tmp_path, options, collections, write_bytecode=True)
    second = run_lookup(tmp_path, options, collections, write_bytecode=True)

    assert first['token'] == second['token'] == 'cached-token'
    assert 'module_utils/_isc_auth.py' in first['compiled'], first['compiled']
    assert sorted(p.name.split('.')[0] for p in (helpers / '__pycache__').iterdir()) == sorted(
        m.split('.', 1)[1] for m in first['modules'] if m.startswith('module_utils.'))
    # Only the finder and the one helper it needs are compiled by Ansible's loader, before the finder is in place
    # (the lookup file itself Ansible loads with its bytecode kept).
    assert second['compiled'] == ['plugin_utils/_isc_cached_imports.py', 'plugin_utils/_isc_core_internals.py'], \
        second['compiled']
    # The same helpers; the doc fragments only the first imported, to read the lookup's documentation (below).
    assert second['modules'] == [m for m in first['modules'] if not m.startswith('doc_fragments')]


@pytest.mark.slow  # four Python processes that import ansible-core
def test_the_lookup_s_option_definitions_are_read_from_its_documentation_once_then_kept(tmp_path):
    # Ansible derives a plugin's option definitions from its DOCUMENTATION and doc fragments in every process that
    # loads it, and a lookup is loaded in every task's process; the lookup keeps what Ansible derived.
    options = lookup_options(tmp_path, closed_loopback_url())
    warm_cache(options)
    collections = installed_copy(tmp_path / 'collections')
    plugins = collections / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'plugins'
    kept = plugins / 'lookup' / '__pycache__' / 'isc_access_token.options.json'

    first = run_lookup(tmp_path, options, collections, write_bytecode=True)
    second = run_lookup(tmp_path, options, collections, write_bytecode=True)

    assert first['load_name_is_module_name'], 'Ansible no longer loads the lookup under its module name'
    assert first['documentation_read'] == ['isc_access_token.py'] and second['documentation_read'] == []
    assert first['token'] == second['token'] == 'cached-token'
    assert first['options'] == second['options'] == dict(timeout=2, max_retries=0, validate_certs=True)
    assert oct(kept.stat().st_mode & 0o777) == oct(0o644)

    # A changed doc fragment (its size or time) is read again, and what is kept is replaced.
    fragment = plugins / 'doc_fragments' / 'connection.py'
    fragment.write_text(fragment.read_text() + '\n')
    third = run_lookup(tmp_path, options, collections, write_bytecode=True)
    fourth = run_lookup(tmp_path, options, collections, write_bytecode=True)
    assert third['documentation_read'] == ['isc_access_token.py'] and fourth['documentation_read'] == []
    assert fourth['options'] == first['options']


@pytest.mark.slow  # a Python process that imports ansible-core
def test_kept_option_definitions_that_are_not_json_are_read_from_the_documentation(tmp_path):
    options = lookup_options(tmp_path, closed_loopback_url())
    warm_cache(options)
    collections = installed_copy(tmp_path / 'collections')
    kept = collections / 'ansible_collections/sailpoint_isc/oauth/plugins/lookup/__pycache__/isc_access_token.options.json'
    kept.parent.mkdir()
    kept.write_text('{"key": [')  # a write cut short

    outcome = run_lookup(tmp_path, options, collections, write_bytecode=True)

    assert outcome['documentation_read'] == ['isc_access_token.py'] and outcome['token'] == 'cached-token'
    assert json.loads(kept.read_text())['definitions']['timeout']['type'] == 'int'


@pytest.mark.slow  # a Python process that imports ansible-core
def test_without_bytecode_writing_the_lookup_still_works_and_writes_nothing(tmp_path):
    options = lookup_options(tmp_path, closed_loopback_url())
    warm_cache(options)
    collections = installed_copy(tmp_path / 'collections')

    outcome = run_lookup(tmp_path, options, collections, write_bytecode=False)

    assert outcome['token'] == 'cached-token'
    assert 'module_utils/_isc_auth.py' in outcome['compiled']
    assert outcome['documentation_read'] == ['isc_access_token.py']
    assert list(collections.rglob('__pycache__')) == []
