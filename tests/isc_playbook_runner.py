"""Run ansible-playbook against the ISC emulator: the one runner of the integration tests, the benchmarks and the demo.

* :func:`playbook_environment` builds the environment of a run: the installed collection, the test callback,
  connection and lookup plugins, a private Ansible home and temporary directory, a private token cache, and nothing
  inherited from the caller's ``SAIL_*``, ``ISC_*`` or ``ANSIBLE_*`` variables.
* :func:`run_playbook` runs one playbook with it and returns a :class:`PlaybookRun`: exit code, output, the wall
  time (``time.perf_counter``) and every task result the ``isc_test_results`` callback recorded.
* :class:`~isc_emulator.tenant.Tenant` (from the emulator package) is one tenant as a test, a benchmark or the demo
  sees it; :func:`run_cases` runs many :class:`Case` objects in one run, each on a tenant of its own.
* :func:`example_inventory` copies ``playbooks/inventory`` and points each environment at an emulator tenant.

Importable as ``isc_playbook_runner`` with ``tests/`` on ``sys.path`` (pytest puts it there for the integration
conftest; the benchmarks and the demo add it themselves, together with ``tests/emulator``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from isc_emulator.tenant import TOKEN_PATH, WRITE_METHODS


ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / 'tests' / 'integration'
CALLBACK_PLUGINS = INTEGRATION / 'callback_plugins'
CONNECTION_PLUGINS = INTEGRATION / 'connection_plugins'
LOOKUP_PLUGINS = INTEGRATION / 'lookup_plugins'
ACTION_PLUGINS = INTEGRATION / 'action_plugins'
# Test-only module names (each the name of a test action plugin, which runs instead of it).
LIBRARY = INTEGRATION / 'library'
# The published OpenAPI documents, one per API version (the emulator validates each call against its own version's).
OPENAPI_SPEC = ROOT / 'tests' / 'openapi'
BIN = Path(sys.executable).parent

# The emulator's seeded PATs: an ORG_ADMIN and a user without authorities.
ADMIN = dict(client_id='admin-client-id', client_secret='admin-client-secret')
USER = dict(client_id='user-client-id', client_secret='user-client-secret')

# The two execution paths, as inventory lines: in-process on the controller (the action plugin's fast path), and the
# ordinary module path (AnsiballZ in a module process), which the test connection plugin local_as_remote forces.
CONTROLLER = 'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"'
MODULE_PATH = 'remote ansible_connection=local_as_remote ansible_python_interpreter="{{ ansible_playbook_python }}"'

# The example inventory's environments: emulator tenant -> inventory host.
ENVIRONMENTS = {'dev': 'isc_dev', 'test': 'isc_test', 'prod': 'isc_prod'}


def installed_collections(include_build_dir=True):
    """The collections directory holding sailpoint_isc.oauth: from ANSIBLE_COLLECTIONS_PATH, else (include_build_dir)
    the one `make build` installs into; None when neither has it."""
    entries = os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)
    if include_build_dir:
        entries.append(str(ROOT / 'build' / 'collections'))
    for entry in entries:
        if entry and (Path(entry) / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'MANIFEST.json').exists():
            return Path(entry)
    return None


def build_and_install(target):
    """Build the collection tarball from this tree and install it into target, as a user would."""
    target = Path(target)
    out = target / 'dist'
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    tarball = sorted(out.glob('sailpoint_isc-oauth-*.tar.gz'))[-1]
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', '--force', '-p', str(target),
                    str(tarball)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target


def playbook_environment(collections_path, work, token_cache_dir=None, results_file=None, extra=None):
    """The environment of an ansible-playbook run: nothing of the caller's SAIL_/ISC_/ANSIBLE_ variables, the
    collection from collections_path, the test plugins, Ansible's home and temporary files below work, the token cache
    in token_cache_dir (default work/token-cache), task results to results_file (JSON lines) when given; then extra."""
    work = Path(work)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('SAIL_', 'ISC_', 'ANSIBLE_')))
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS),
        ANSIBLE_CONNECTION_PLUGINS=str(CONNECTION_PLUGINS),
        ANSIBLE_LOOKUP_PLUGINS=str(LOOKUP_PLUGINS),
        ANSIBLE_ACTION_PLUGINS=str(ACTION_PLUGINS),
        ANSIBLE_LIBRARY=str(LIBRARY),
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_LOCAL_TEMP=str(work / 'tmp'),
        ANSIBLE_HOME=str(work / 'ansible-home'),
        ISC_TOKEN_CACHE_DIR=str(token_cache_dir or work / 'token-cache'),
        PATH=str(BIN) + os.pathsep + os.environ.get('PATH', ''),
    )
    if results_file:
        env.update(ANSIBLE_CALLBACKS_ENABLED='isc_test_results', ISC_TEST_RESULTS=str(results_file))
    env.update(extra or {})
    return env


def tenant_environment(base_url, credentials=None):
    """SAIL_* variables that give modules and the lookup a tenant and the admin's (or other) credentials."""
    credentials = credentials or ADMIN
    return dict(SAIL_BASE_URL=base_url, SAIL_CLIENT_ID=credentials['client_id'],
                SAIL_CLIENT_SECRET=credentials['client_secret'])


class PlaybookRun(object):
    """The outcome of one ansible-playbook run."""

    def __init__(self, completed, results_file, seconds, work):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.output = completed.stdout + completed.stderr
        self.seconds = seconds
        self.work = work
        self.results = []
        if results_file and Path(results_file).exists():
            self.results = [json.loads(line) for line in Path(results_file).read_text().splitlines() if line.strip()]

    def task(self, name, host=None):
        """The last result of the named task (for host, when given)."""
        found = [r for r in self.results if r['task'] == name and (host is None or r['host'] == host)]
        assert found, 'no result for task %r; tasks were: %s\n%s' % (
            name, sorted(set(r['task'] for r in self.results)), self.output[-3000:])
        return found[-1]

    def assert_ok(self):
        assert self.rc == 0, self.output[-6000:]
        return self

    def changed_per_host(self):
        """{host: changed count} from the play recap."""
        recap = re.findall(r'^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)', self.stdout, re.M)
        return dict((host, int(changed)) for host, changed in recap)


def write_playbook(playbook, work):
    """The path of playbook: inline YAML (any text with a newline) is written to work/playbook.yml; a path under
    playbooks/ is taken from the repository root; anything else from tests/integration/playbooks."""
    if isinstance(playbook, Path):
        return playbook
    if '\n' in playbook:
        path = Path(work) / 'playbook.yml'
        path.write_text(textwrap.dedent(playbook))
        return path
    if playbook.startswith('playbooks/'):
        return ROOT / playbook
    return INTEGRATION / 'playbooks' / playbook


def write_inventory(inventory, work, name='inventory.ini'):
    """The path of inventory: a Path as it is, else INI text (default: the controller host) written below work."""
    if isinstance(inventory, Path):
        return inventory
    path = Path(work) / name
    path.write_text((inventory or CONTROLLER).rstrip('\n') + '\n')
    return path


def run_playbook(playbook, env, work, inventory=None, extra_vars=None, check=False, diff=False, verbosity=0,
                 forks=None, args=(), timeout=900):
    """Run ansible-playbook in work with env (see playbook_environment) and return a PlaybookRun.

    playbook: a Path, inline YAML or a name (see write_playbook); inventory: a Path or INI text (write_inventory);
    extra_vars go through a file, never the command line (-vvvv echoes the command line, and tests pass secrets)."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / 'ansible-playbook'), '-i', str(write_inventory(inventory, work)),
           str(write_playbook(playbook, work))]
    if extra_vars:
        extra_file = work / ('extra-vars-%d.json' % len(list(work.glob('extra-vars-*.json'))))
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
    started = time.perf_counter()
    completed = subprocess.run(cmd, cwd=str(work), env=env, capture_output=True, text=True, timeout=timeout,
                               check=False)
    seconds = time.perf_counter() - started
    return PlaybookRun(completed, env.get('ISC_TEST_RESULTS'), seconds, work)


def example_inventory(target, base_urls, credentials=True):
    """A copy of playbooks/inventory in target with each environment's isc_base_url set to its tenant's entry of
    base_urls ({tenant: url}) and, with credentials, the emulator admin's client id and secret in each vault.yml
    (where real credentials go, encrypted)."""
    target = Path(target)
    shutil.copytree(ROOT / 'playbooks' / 'inventory', target)
    for tenant, host in ENVIRONMENTS.items():
        main = target / 'host_vars' / host / 'main.yml'
        main.write_text(re.sub(r'(?m)^isc_base_url: .*$', 'isc_base_url: %s' % base_urls[tenant], main.read_text()))
        if credentials:
            (target / 'host_vars' / host / 'vault.yml').write_text(
                'isc_client_id: %s\nisc_client_secret: %s\n' % (ADMIN['client_id'], ADMIN['client_secret']))
    return target


# ---------------------------------------------------------------------------------------------------------------------
# Many independent cases in one ansible-playbook run.
#
# Starting ansible-playbook costs about half a second of CPU before the first task; a test file of fifty small
# scenarios spends most of its time there. A case batch runs every case of a file in ONE run: each case is an
# inventory host with an emulator tenant of its own (own state, settings and request log), running its own task list
# through include_tasks. The play runs with the free strategy: under the linear one, hosts whose included files differ
# never share a task, so the cases would run one after the other. The results callback records, after each task of a
# case, how many requests and OpenAPI violations its tenant has logged, so every request is attributed to the task
# that sent it (a host's next task starts only after the result of its previous one has been handled).

CASE_PLAYBOOK = '''
- name: Every case of the batch, each on its own host and tenant
  hosts: all
  gather_facts: false
  strategy: free
  tasks:
    - name: Run the case's tasks
      ansible.builtin.include_tasks: "{{ isc_test_case_tasks }}"
'''

EXECUTION_PATHS = {'controller': ('local', CONTROLLER), 'module': ('local_as_remote', MODULE_PATH)}


class Case(object):
    """One scenario of a batch: tasks (YAML, a task list) run on a host of its own against a tenant of its own.

    name: how tests refer to it (also the inventory host name; letters, digits, '-' and '_');
    path: 'controller' (in-process action plugin) or 'module' (AnsiballZ in a module process);
    hostvars: extra inventory variables of the host (the connection comes from isc_base_url/isc_client_id/...
    set to the tenant and its admin, unless hostvars replaces them; use None to leave one unset);
    prepare: called with the case's Tenant before the run, after the tenant's reset (seed objects, settings, faults,
    clock); it may return host variables made from the tenant (its URL, the id and secret of a client it made),
    which go into the inventory on top of hostvars;
    compat: a test that the compatibility legs run uses this case, so they run it too (they run only such cases of
    a file whose tests are not all compat tests: see COMPAT_TESTS in tests/integration/conftest.py).

    The play runs with the free strategy: a task that bypasses the host loop (ansible.builtin.pause) ends the whole
    play there; wait with a task such as ansible.builtin.debug of lookup('ansible.builtin.pipe', 'sleep 1') instead
    (ansible.builtin.wait_for also waits, in a module process of its own).
    """

    def __init__(self, name, tasks, path='controller', hostvars=None, prepare=None, compat=False):
        if not re.match(r'^[A-Za-z0-9_-]+$', name):
            raise ValueError('case name %r: use letters, digits, - and _ (it is an inventory host name)' % name)
        if path not in EXECUTION_PATHS:
            raise ValueError('case %s: path must be one of %s' % (name, ', '.join(EXECUTION_PATHS)))
        self.name = name
        self.tasks = textwrap.dedent(tasks)
        self.path = path
        self.hostvars = dict(hostvars or {})
        self.prepare = prepare
        self.compat = compat

    @classmethod
    def on_both_paths(cls, name, tasks, **kwargs):
        """The same case on the controller path (name-controller) and the module path (name-module)."""
        return [cls('%s-%s' % (name, path), tasks, path=path, **kwargs) for path in EXECUTION_PATHS]


class CaseResult(object):
    """What one case of a batch did: its task results and the requests each task sent to its tenant; hostvars: the
    inventory variables its host had (with what prepare returned)."""

    def __init__(self, case, tenant, records, log, hostvars):
        self.case = case
        self.tenant = tenant
        self.records = records
        self.log = log
        self.hostvars = hostvars

    def task(self, name):
        """The result (the registered value) of the case's last task with that name."""
        return self.record(name)['result']

    def record(self, name):
        found = [r for r in self.records if r['task'] == name]
        assert found, 'case %s has no result for task %r; its tasks were: %s' % (
            self.case.name, name, [r['task'] for r in self.records])
        return found[-1]

    def status(self, name):
        return self.record(name)['status']

    def requests(self, name=None):
        """The requests the named task sent (every request of the case when name is None)."""
        if name is None:
            return list(self.log)
        position = self.records.index(self.record(name))
        start = max([0] + [r['counts'][0] for r in self.records[:position] if 'counts' in r])
        return self.log[start:self.record(name)['counts'][0]]

    def writes(self, name=None):
        return [r for r in self.requests(name) if r['method'] in WRITE_METHODS and r['path'] != TOKEN_PATH]


class CaseRun(object):
    """The outcome of a batch: the PlaybookRun, and a CaseResult per case name."""

    def __init__(self, run, results):
        self.run = run
        self.results = results

    def __getitem__(self, name):
        assert name in self.results, 'no case %r in the batch (cases: %s)' % (name, sorted(self.results))
        return self.results[name]


def case_inventory(cases, tenants, work, prepared=None):
    """A YAML inventory with one host per case (see Case), pointed at its tenant as the emulator's admin; prepared:
    {case name: host variables its prepare returned}. Returns its path and {case name: host variables}."""
    hosts = {}
    for case, tenant in zip(cases, tenants):
        connection, _line = EXECUTION_PATHS[case.path]
        tasks_file = Path(work) / 'cases' / (case.name + '.yml')
        tasks_file.parent.mkdir(parents=True, exist_ok=True)
        tasks_file.write_text(case.tasks)
        # The interpreter by its path, not the template {{ ansible_playbook_python }} (the same Python, the one this
        # runner starts ansible-playbook with): a worker would compile that template for every task of the host.
        hostvars = dict(ansible_connection=connection, ansible_python_interpreter=sys.executable,
                        isc_test_case_tasks=str(tasks_file),
                        isc_test_emulator_control=tenant.emulator.url(tenant.name, '/__emulator'),
                        isc_base_url=tenant.base_url, isc_client_id=ADMIN['client_id'],
                        isc_client_secret=ADMIN['client_secret'])
        hostvars.update(case.hostvars)
        hostvars.update((prepared or {}).get(case.name) or {})
        hosts[case.name] = dict((k, v) for k, v in hostvars.items() if v is not None)
    path = Path(work) / 'cases.yml'
    path.write_text(json.dumps(dict(all=dict(hosts=hosts)), indent=1))  # JSON is YAML
    return path, hosts


def run_cases(cases, tenants, env, work, **kwargs):
    """Run cases (a list of Case) in one ansible-playbook run, case i on tenants[i] (Tenant objects, reset to their
    initial state and default settings here, then prepared by the case). kwargs go to run_playbook (forks default:
    one per case, at most 8). Returns a CaseRun."""
    names = [case.name for case in cases]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    assert not duplicates, 'case names must be unique in a batch: %s' % duplicates
    assert len(tenants) >= len(cases), '%d cases but only %d tenants' % (len(cases), len(tenants))
    tenants = tenants[:len(cases)]
    prepared = {}
    for case, tenant in zip(cases, tenants):
        tenant.restart()
        if case.prepare:
            prepared[case.name] = case.prepare(tenant)
            tenant.clear_requests()  # what prepare sent is not the case's
    kwargs.setdefault('forks', min(8, len(cases)))
    inventory, hostvars = case_inventory(cases, tenants, work, prepared)
    run = run_playbook(CASE_PLAYBOOK, env, work, inventory=inventory, **kwargs)
    results = {}
    for case, tenant in zip(cases, tenants):
        records = [r for r in run.results if r['host'] == case.name and r['task'] != 'Run the case\'s tasks']
        results[case.name] = CaseResult(case, tenant, records, tenant.requests(), hostvars[case.name])
    return CaseRun(run, results)
