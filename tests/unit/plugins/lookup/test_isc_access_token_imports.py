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
COLLECTIONS = Path(__file__).resolve().parents[4] / 'build' / 'pytest-collections'
PACKAGE = 'ansible_collections.sailpoint_isc.oauth.plugins.'
HTTP_CLIENT = ('module_utils._isc_http', 'module_utils._isc_client')

RUN_LOOKUP = r'''
import json, re, sys
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
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar

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


def run_lookup(tmp_path, options):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_')))
    env.update(ANSIBLE_HOME=str(tmp_path / 'ansible-home'), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'))
    completed = subprocess.run([sys.executable, '-c', RUN_LOOKUP, str(COLLECTIONS), json.dumps(options)],
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
