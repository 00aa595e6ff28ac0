"""Integration fixtures: the emulator, the installed collection, and real ansible-playbook runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from isc_emulator.harness import Emulator

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / 'playbooks'
# The published OpenAPI documents, one per API version (the emulator validates each call against its own version's).
SPEC = ROOT / 'tests' / 'openapi'
ADMIN = dict(client_id='admin-client-id', client_secret='admin-client-secret')
USER = dict(client_id='user-client-id', client_secret='user-client-secret')
BIN = Path(sys.executable).parent


def _build_and_install(target):
    """Build the collection tarball from this tree and install it, as a user would."""
    out = target / 'dist'
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    tarball = sorted(out.glob('sailpoint_isc-oauth-*.tar.gz'))[-1]
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '--force', '-p', str(target),
                    str(tarball)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """The collection as `make build` installed it, else built and installed here from this tree."""
    for entry in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        if entry and (Path(entry) / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'MANIFEST.json').exists():
            return Path(entry)
    return _build_and_install(tmp_path_factory.mktemp('collections'))


@pytest.fixture(scope='session')
def emulator():
    # Every request the collection sends, and every answer, is checked against the published spec of its API version.
    with Emulator(tenants=['acme', 'dev', 'test', 'prod'], openapi_spec=SPEC) as emu:
        yield emu


@pytest.fixture
def acme(emulator):
    """The acme tenant, reset to its initial state with an empty request log."""
    emulator.reset('acme')
    yield Tenant(emulator, 'acme')
    assert emulator.violations('acme') == [], 'requests or responses outside the OpenAPI contract'


class Tenant(object):
    """One emulator tenant, seen from a test."""

    def __init__(self, emulator, name):
        self.emulator = emulator
        self.name = name
        self.base_url = emulator.base_urls[name]

    def requests(self):
        return self.emulator.requests(self.name)

    def token_requests(self):
        return [r for r in self.requests() if r['path'] == '/oauth/token']

    def writes(self):
        return [r for r in self.requests() if r['method'] in ('POST', 'PATCH', 'PUT', 'DELETE')
                and r['path'] != '/oauth/token']

    def clear_requests(self):
        self.emulator.clear_requests(self.name)

    def admin_token(self):
        response = requests.post(self.base_url + '/oauth/token', data=dict(grant_type='client_credentials', **ADMIN),
                                 verify=self.emulator.ca_path or True, timeout=10)
        response.raise_for_status()
        return response.json()['access_token']

    def api(self, method, path, **kwargs):
        headers = dict(kwargs.pop('headers', {}), Authorization='Bearer ' + self.admin_token())
        response = requests.request(method, self.base_url + path, headers=headers, timeout=10,
                                    verify=self.emulator.ca_path or True, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def create_client(self, **fields):
        body = dict(name='test-client', description='made by a test', accessTokenValiditySeconds=750,
                    grantTypes=['CLIENT_CREDENTIALS'], accessType='OFFLINE', enabled=True)
        body.update(fields)
        return self.api('POST', '/oauth-clients/v1', json=body)


class PlaybookRun(object):
    def __init__(self, completed, results_file):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr
        self.results = []
        if results_file.exists():
            self.results = [json.loads(line) for line in results_file.read_text().splitlines() if line.strip()]

    def task(self, name, host=None):
        """The last result of the named task (for host, when given)."""
        found = [r for r in self.results if r['task'] == name and (host is None or r['host'] == host)]
        assert found, 'no result for task %r; tasks were: %s\n%s' % (
            name, sorted(set(r['task'] for r in self.results)), self.output[-3000:])
        return found[-1]

    def assert_ok(self):
        assert self.rc == 0, self.output[-6000:]
        return self


def designed_outputs(results):
    """Secrets the collection returns on purpose (a new client_secret, access_token with return_token) in results
    the test did not hide with no_log. Printing those is the documented choice of whoever omits no_log."""
    allowed = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ('client_secret', 'access_token') and isinstance(item, str):
                    allowed.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for record in results:
        walk(record['result'])
    return allowed


@pytest.fixture
def ansible(collections_path, tmp_path, emulator):
    """Run a playbook (a file under playbooks/ or inline YAML) with the installed collection.

    Every run is made at -vvvv unless a test asks otherwise, and afterwards its output, Ansible's temporary
    files and the token cache are searched for every secret and token the emulator ever handed out: a hit fails
    the test. The only exemption is what a test deliberately asked for without no_log (see designed_outputs).
    """
    cache_dir = tmp_path / 'token-cache'

    def run(playbook, extra_vars=None, env=None, args=(), inventory=None, check=False, diff=False,
            verbosity=4, forks=None, cache=True, leak_scan=True):
        work = tmp_path / ('run-%d' % len(list(tmp_path.glob('run-*'))))
        work.mkdir()
        if '\n' in playbook:
            path = work / 'playbook.yml'
            path.write_text(textwrap.dedent(playbook))
        elif playbook.startswith('playbooks/'):
            path = ROOT / playbook
        else:
            path = PLAYBOOKS / playbook
        if isinstance(inventory, Path):
            inventory_path = inventory
        else:
            inventory_path = work / 'inventory.ini'
            inventory_path.write_text(inventory or
                                      'localhost ansible_connection=local '
                                      'ansible_python_interpreter="{{ ansible_playbook_python }}"\n')
        results_file = work / 'results.jsonl'
        run_env = {k: v for k, v in os.environ.items()
                   if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_'))}
        run_env.update(
            ANSIBLE_COLLECTIONS_PATH=str(collections_path),
            ANSIBLE_CALLBACK_PLUGINS=str(HERE / 'callback_plugins'),
            ANSIBLE_CALLBACKS_ENABLED='isc_test_results',
            ANSIBLE_CONNECTION_PLUGINS=str(HERE / 'connection_plugins'),
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_LOCAL_TEMP=str(work / 'tmp'),
            ANSIBLE_HOME=str(work / 'ansible-home'),
            ISC_TEST_RESULTS=str(results_file),
            ISC_TOKEN_CACHE_DIR=str(cache_dir),
            PATH=str(BIN) + os.pathsep + os.environ.get('PATH', ''),
        )
        if not cache:
            run_env['ISC_TOKEN_CACHE'] = 'false'
        run_env.update(env or {})
        cmd = [str(BIN / 'ansible-playbook'), '-i', str(inventory_path), str(path)]
        if extra_vars:
            # From a file: -vvvv echoes command-line extra vars, and tests pass secrets this way.
            extra_file = work / 'extra-vars.json'
            extra_file.write_text(json.dumps(extra_vars))
            cmd += ['-e', '@%s' % extra_file]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        if forks:
            cmd += ['-f', str(forks)]
        cmd += list(args)
        completed = subprocess.run(cmd, cwd=str(work), env=run_env, capture_output=True, text=True, timeout=600,
                                   check=False)
        result = PlaybookRun(completed, results_file)
        if leak_scan:
            issued = set()
            for tenant in emulator.base_urls:
                issued.update(emulator.issued_secrets(tenant))
            suspects = issued - designed_outputs(result.results)
            texts = [result.output] + files_text(work / 'tmp') + files_text(work / 'ansible-home') + \
                files_text(cache_dir)
            leaked = [s for s in suspects if len(s) >= 16 and any(s in text for text in texts)]
            assert not leaked, 'secrets or tokens leaked into the output or files of the run:\n' + \
                '\n=====\n'.join(leak_context(texts, leaked[0], 400))
        return result

    run.cache_dir = cache_dir
    return run


def scan_for_leaks(texts, secrets):
    """Every secret value that appears in any of texts (should be none)."""
    found = []
    for secret in secrets:
        if secret and len(secret) >= 8 and any(secret in text for text in texts):
            found.append(secret[:4] + '...')
    return found


def files_text(directory):
    """The content of every file below directory, for leak scans."""
    texts = []
    if directory and Path(directory).exists():
        for path in Path(directory).rglob('*'):
            if path.is_file():
                texts.append(path.read_bytes().decode('utf-8', 'replace'))
    return texts


@pytest.fixture(scope='session')
def tls_emulator(tmp_path_factory):
    """An HTTPS emulator with its own self-signed CA."""
    directory = tmp_path_factory.mktemp('tls')
    with Emulator(tenants=['secure'], tls=str(directory)) as emu:
        yield emu


def which(name):
    return shutil.which(name, path=str(BIN))


def leak_context(texts, secret, width=300):
    """Where a secret shows up, to make a failing leak scan easy to read."""
    spots = []
    for text in texts:
        at = text.find(secret)
        if at >= 0:
            spots.append(text[max(0, at - width):at + width])
    return spots


ENVIRONMENTS = {'dev': 'isc_dev', 'test': 'isc_test', 'prod': 'isc_prod'}


@pytest.fixture
def environments(emulator):
    """The dev, test and prod tenants, reset, as the example inventory's environments."""
    for tenant in ENVIRONMENTS:
        emulator.reset(tenant)
    return dict((host, Tenant(emulator, tenant)) for tenant, host in ENVIRONMENTS.items())


@pytest.fixture
def example_inventory(environments, tmp_path):
    """A copy of playbooks/inventory pointed at the emulator; credentials in each host's vault.yml."""
    import re

    def make(credentials=True):
        target = tmp_path / ('inventory-%d' % len(list(tmp_path.glob('inventory-*'))))
        shutil.copytree(ROOT / 'playbooks' / 'inventory', target)
        for host, tenant in environments.items():
            main = target / 'host_vars' / host / 'main.yml'
            main.write_text(re.sub(r'(?m)^isc_base_url: .*$', 'isc_base_url: %s' % tenant.base_url, main.read_text()))
            if credentials:
                (target / 'host_vars' / host / 'vault.yml').write_text(
                    'isc_client_id: %s\nisc_client_secret: %s\n' % (ADMIN['client_id'], ADMIN['client_secret']))
        return target

    return make


CREATE_SHAPES = ('spec', 'null-create-fields')


@pytest.fixture(params=CREATE_SHAPES)
def create_shape(request, emulator):
    """Runs a test once per OAuth client create-answer shape, on every tenant of the session emulator.

    'spec': an unset businessName/homepageUrl is "" and unset redirectUris [] in the create answer, as
    CreateOAuthClientResponse declares them (required, non-nullable); 'null-create-fields': null there, as some real
    tenants answer (the emulator's --quirk of that name). Either way the OpenAPI check records no violation (the
    quirk's deviation goes to the emulator's quirk observations). Yields the shape's name; use it as
    ``@pytest.mark.usefixtures('create_shape')`` or as an argument.
    """
    quirks = [] if request.param == 'spec' else [request.param]
    for tenant in emulator.tenants:
        emulator.update_settings(tenant, quirks=quirks)
    yield request.param
    for tenant in emulator.tenants:
        emulator.update_settings(tenant, quirks=[])


@pytest.fixture(params=(None, 250), ids=('unpaged', 'paged-250'))
def list_paging(request, emulator):
    """Runs a test once with list answers holding every object (what the list operations declare: no paging) and
    once with ISC's standard collection default (at most 250 objects when no ``limit`` is sent), on every tenant of
    the session emulator. Seed the objects with ``emulator.seed(tenant, oauth_clients={"count": 300, ...})``
    rather than through creates. Yields the default page size (None or 250)."""
    for tenant in emulator.tenants:
        emulator.update_settings(tenant, default_page_size=request.param)
    yield request.param
    for tenant in emulator.tenants:
        emulator.update_settings(tenant, default_page_size=None)
