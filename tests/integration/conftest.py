"""Integration fixtures: the emulator, the installed collection, and real ansible-playbook runs."""

from __future__ import annotations

import fcntl
import os
import re

import pytest

from isc_emulator.harness import Emulator
from isc_emulator.tenant import Tenant  # noqa: F401  (test modules import it from here)
from isc_playbook_runner import (  # noqa: F401  (some are re-exported: the test modules import them from here)
    CONTROLLER,
    CaseRun,
    ENVIRONMENTS,
    INTEGRATION as HERE,
    MODULE_PATH,
    OPENAPI_SPEC as SPEC,
    build_and_install,
    example_inventory as copy_example_inventory,
    installed_collections,
    playbook_environment,
    run_cases as run_case_batch,
    run_playbook,
)

PLAYBOOKS = HERE / 'playbooks'


def execution_paths(argname='inventory'):
    """Parametrize a test over both execution paths: argname is CONTROLLER, then MODULE_PATH (an inventory line)."""
    return pytest.mark.parametrize(argname, [CONTROLLER, MODULE_PATH], ids=['controller', 'module'])


PATHS = execution_paths()


# What the compatibility legs (`make compat`: oldest and newest ansible-core) run, marked `compat` here in one place:
# both execution paths, the lookup, every module's lifecycle, both roles, and what ansible-core does differently
# between releases (argument validation messages, check mode, async and become, no_log masking, variables and
# module_defaults, -vvvv output). Test file -> test functions (every parametrization), or ALL.
ALL = 'every test of the file'
COMPAT_TESTS = {
    'test_oauth_client.py': (
        'test_create_then_unchanged_on_second_run', 'test_check_mode_create_predicts_without_writing',
        'test_update_sends_one_patch_with_only_changed_fields',
        'test_recreate_replaces_the_client_with_new_id_and_secret',
        'test_absent_deletes_then_is_unchanged', 'test_info_lists_by_id_by_name_and_filters',
        'test_no_secret_in_output_diff_or_warnings_at_vvvv'),
    'test_personal_access_token.py': (
        'test_never_expiring_token_create_then_unchanged', 'test_check_mode_create_update_delete_write_nothing',
        'test_update_patches_changed_fields_with_scope_warning',
        'test_regenerate_rotates_without_gap_and_applies_new_validity', 'test_absent_then_unchanged',
        'test_info_computed_fields_and_scopes_of_listing', 'test_no_secret_in_output_at_vvvv'),
    'test_token_info.py': (
        'test_pat_token_has_user_context', 'test_unknown_option_message_matches_ansible_module',
        'test_check_mode_runs_normally', 'test_module_defaults_group_and_task_environment',
        'test_secrets_masked_in_results_at_vvvv'),
    'test_lookup.py': (
        'test_options_from_variables_and_keyword_arguments', 'test_fifty_lookups_in_fifty_tasks_cost_one_token_request',
        'test_bad_options_fail_clearly_without_a_request', 'test_no_secret_or_token_in_output_at_vvvv',
        'test_modules_and_lookups_share_one_token_and_the_cache_is_private',
        'test_a_misspelt_validate_certs_fails_instead_of_turning_verification_off'),
    'test_roles.py': (
        'test_provision_in_parallel_then_nothing_changes', 'test_check_mode_reports_and_writes_nothing',
        'test_custom_secret_tasks_receive_each_new_secret',
        'test_pat_role_rotates_reports_and_deletes_only_when_asked'),
    'test_credential_files.py': ALL,
    'test_execution_paths.py': ALL,
    'test_async_become.py': ALL,
    'test_connection_variables.py': ALL,
    'test_leaks.py': ALL,
}


@pytest.hookimpl(tryfirst=True)  # before -m compat deselects by the marker
def pytest_collection_modifyitems(config, items):
    collected = {}
    for item in items:
        chosen = COMPAT_TESTS.get(item.path.name)
        collected.setdefault(item.path.name, set()).add(getattr(item, 'originalname', item.name))
        if chosen is ALL or (chosen and getattr(item, 'originalname', item.name) in chosen):
            item.add_marker(pytest.mark.compat)
    # A renamed or removed test must not leave the compatibility legs silently.
    missing = ['%s::%s' % (name, test) for name, tests in COMPAT_TESTS.items() if name in collected
               and tests is not ALL for test in tests if test not in collected[name]]
    if missing:
        raise pytest.UsageError('COMPAT_TESTS in tests/integration/conftest.py names tests that do not exist: %s'
                                % ', '.join(missing))
    longest_files_first(items)


# Every test file, longest first (about that many seconds each in the main leg, both workers busy). `make integration`
# runs with --dist loadfile: a file runs on one worker from its first test to its last, and a worker is handed the next
# file when it is nearly done with its own; so the long files start first, and the last ones handed out are the
# shortest, which lets the two workers finish close together. A file not named here follows in collection order.
LONGEST_FILES = (
    'test_roles.py',  # ~42 s
    'test_write_path.py',  # ~36 s
    'test_fault_tolerance.py',  # ~30 s
    'test_async_become.py',  # ~18 s
    'test_lookup.py',  # ~17 s
    'test_personal_access_token.py',  # ~16 s
    'test_bad_input.py',  # ~14 s
    'test_oauth_client.py',  # ~13 s
    'test_leaks.py',  # ~9 s
    'test_awx.py',  # ~8 s
    'test_connection_variables.py',  # ~6 s
    'test_execution_paths.py',  # ~4 s
    'test_emulator_conformance.py',  # ~4 s
    'test_token_info.py',  # ~3.5 s
    'test_pacing.py',  # ~2.5 s
    'test_token_cache_without_cryptography.py',  # ~1.5 s
    'test_credential_files.py',  # ~1.2 s
    'test_artifact.py',  # <1 s
    'test_client_against_emulator.py',  # <1 s
)


def longest_files_first(items):
    rank = dict((name, position) for position, name in enumerate(LONGEST_FILES))
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file's tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile hands out the files in the collection's order (longest_files_first), not xdist's default of
    the files with the most tests first."""
    if config.getvalue('dist') == 'loadfile':
        from xdist.scheduler import LoadFileScheduling

        config.option.loadscopereorder = False
        return LoadFileScheduling(config, log)
    return None


def compatibility_leg(config):
    """Whether this run is a compatibility leg (``-m compat``)."""
    return 'compat' in (config.getoption('markexpr') or '')


def runs_every_case(config, test_file):
    """Whether batches of test_file run all their cases: in the main leg, and in a compatibility leg for a file all
    of whose tests are compat tests. Elsewhere a compatibility leg runs only the cases marked compat (Case)."""
    return not compatibility_leg(config) or COMPAT_TESTS.get(test_file) is ALL


_CURRENT_TEST = []


@pytest.fixture(autouse=True)
def _current_test(request):
    """The running test, for case_of's check that a compat test uses only cases the compatibility legs run."""
    _CURRENT_TEST[:] = [request.node]
    yield
    del _CURRENT_TEST[:]


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """The collection as `make build` installed it (ANSIBLE_COLLECTIONS_PATH), else built and installed here from
    this tree: once per session, which pytest-xdist's workers share (the first builds, under a lock, the others
    wait for it; a build costs about 0.4 s of CPU per ansible-galaxy step)."""
    installed = installed_collections(include_build_dir=False)
    if installed:
        return installed
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        return build_and_install(tmp_path_factory.mktemp('collections'))
    # The workers' base temporary directories are the children of this session's own.
    shared = tmp_path_factory.getbasetemp().parent / 'collections'
    with open(str(shared) + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'MANIFEST.json').exists():
            build_and_install(shared)
    return shared


# Tenants for case batches (see run_cases): one per case; a test module may hold this many cases at once.
CASE_TENANTS = ['case%02d' % n for n in range(1, 49)]


# The tenants tests call by name: acme, and the example inventory's environments.
NAMED_TENANTS = ['acme'] + list(ENVIRONMENTS)


@pytest.fixture(scope='session')
def emulator():
    # Every request the collection sends, and every answer, is checked against the published spec of its API version.
    with Emulator(tenants=NAMED_TENANTS + CASE_TENANTS, openapi_spec=SPEC) as emu:
        yield emu


@pytest.fixture
def acme(emulator):
    """The acme tenant, reset to its initial state with an empty request log."""
    emulator.reset('acme')
    yield Tenant(emulator, 'acme')
    assert emulator.violations('acme') == [], 'requests or responses outside the OpenAPI contract'


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
        run_env = playbook_environment(collections_path, work, token_cache_dir=cache_dir,
                                       results_file=work / 'results.jsonl')
        if not cache:
            run_env['ISC_TOKEN_CACHE'] = 'false'
        run_env.update(env or {})
        result = run_playbook(playbook, run_env, work, inventory=inventory, extra_vars=extra_vars, check=check,
                              diff=diff, verbosity=verbosity, forks=forks, args=args, timeout=600)
        if leak_scan:
            assert_no_leaks(emulator, result, [work / 'tmp', work / 'ansible-home', cache_dir])
        return result

    run.cache_dir = cache_dir
    return run


def assert_no_leaks(emulator, result, directories):
    """No secret or token the emulator ever handed out in the run's output or in the files below directories, except
    what the run deliberately returned (designed_outputs)."""
    suspects = set(emulator.all_issued_secrets()) - designed_outputs(result.results)
    texts = [result.output]
    for directory in directories:
        texts += files_text(directory)
    leaked = occurring([s for s in suspects if len(s) >= 16], texts)
    assert not leaked, 'secrets or tokens leaked into the output or files of the run:\n' + \
        '\n=====\n'.join(leak_context(texts, leaked[0], 400))


def occurring(strings, texts):
    """Those of strings that occur in any of texts.

    The same answer as searching every text for every string, without doing that: a session's emulator hands out
    thousands of tokens, and a run at -vvvv prints megabytes. A string can only occur inside a run of the characters
    that strings are made of, as long as itself; so the distinct such runs (as long as the shortest string, or longer)
    are collected once, and each string is searched in those alone (a small part of the text: JSON punctuation,
    spaces and short words are left out).
    """
    strings = [s for s in strings if s]
    if not strings:
        return []
    shortest = min(len(s) for s in strings)
    alphabet = ''.join(sorted(set(''.join(strings))))
    runs = re.compile('[%s]{%d,}' % (re.escape(alphabet), shortest))
    candidates = '\n'.join(set(match for text in texts for match in runs.findall(text)))
    return [s for s in strings if s in candidates]


@pytest.fixture(scope='module')
def run_cases(collections_path, tmp_path_factory, emulator, request):
    """Run a list of Case (isc_playbook_runner) in one ansible-playbook run at -vvvv, each case on an inventory host
    and an emulator tenant of its own, and return the CaseRun (``batch[name]`` is a CaseResult: task results,
    requests per task, the Tenant). Use it from a module-scoped fixture of the test file, so the file's cases share
    one run::

        @pytest.fixture(scope='module')
        def lifecycle(run_cases):
            return run_cases(CASES)

    Each batch of a module gets tenants no other batch of that module uses; the run is leak-scanned like the
    ``ansible`` fixture's (scanned: more directories to search), and every CaseResult a test takes with ``case_of``
    asserts zero OpenAPI violations. environment: variables of the ansible-playbook process (the lookup reads the
    controller's environment; ``environment:`` on a task reaches modules only), a dict or a function of
    {case name: Tenant} returning one. kwargs go to run_playbook (verbosity, forks, check, diff, args, extra_vars).
    A compatibility leg runs only the cases its tests use (``compat=True``), unless all the file's tests are compat
    tests."""
    tenants = [Tenant(emulator, name) for name in CASE_TENANTS]
    taken = []
    every_case = runs_every_case(request.config, request.path.name)

    def run(cases, environment=None, scanned=(), verbosity=4, leak_scan=True, **kwargs):
        cases = [case for case in cases if every_case or case.compat]
        if not cases:
            return CaseRun(None, {})
        free = tenants[len(taken):]
        assert len(cases) <= len(free), 'a test module may hold %d cases at once (CASE_TENANTS); this one asks ' \
            'for %d' % (len(CASE_TENANTS), len(taken) + len(cases))
        taken.extend(free[:len(cases)])
        if callable(environment):
            environment = environment(dict((case.name, tenant) for case, tenant in zip(cases, free)))
        work = tmp_path_factory.mktemp('cases')
        env = playbook_environment(collections_path, work, token_cache_dir=work / 'token-cache',
                                   results_file=work / 'results.jsonl', extra=environment)
        batch = run_case_batch(cases, free, env, work, verbosity=verbosity, timeout=600, **kwargs)
        if leak_scan:
            assert_no_leaks(emulator, batch.run, [work / 'tmp', work / 'ansible-home', work / 'token-cache'] +
                            list(scanned))
        return batch

    return run


def case_of(batch, name, violations_allowed=False):
    """The CaseResult of name in batch (a CaseRun), after checking that its tenant saw no request or answer outside
    the OpenAPI contract."""
    # In every leg, so that the main one already fails when a compat test uses a case the compatibility legs leave
    # out (there it would not be in the batch at all).
    test = _CURRENT_TEST[0] if _CURRENT_TEST else None
    if test is not None and test.get_closest_marker('compat') and COMPAT_TESTS.get(test.path.name) is not ALL:
        assert name in batch.results and batch[name].case.compat, (
            'case %s: %s is a compat test (COMPAT_TESTS in conftest.py), so the compatibility legs must run its cases: '
            'give the case compat=True' % (name, test.name))
    case = batch[name]
    if not violations_allowed:
        assert case.tenant.emulator.violations(case.tenant.name) == [], \
            'case %s: requests or responses outside the OpenAPI contract' % name
    return case


def scan_for_leaks(texts, secrets):
    """Every secret value that appears in any of texts (should be none)."""
    found = []
    for secret in secrets:
        if secret and len(secret) >= 8 and any(secret in text for text in texts):
            found.append(secret[:4] + '...')
    return found


def files_text(directory):
    """The content of every file below directory, for leak scans.

    Files may vanish while they are read (async_wrapper removes its directory when its job ends): what is gone is
    skipped, what is there is read.
    """
    texts = []
    if not directory:
        return texts
    for parent, _dirs, names in os.walk(str(directory)):  # os.walk skips directories that vanish under it
        for name in names:
            try:
                with open(os.path.join(parent, name), 'rb') as handle:
                    texts.append(handle.read().decode('utf-8', 'replace'))
            except (FileNotFoundError, IsADirectoryError):
                continue
    return texts


@pytest.fixture(scope='session')
def tls_emulator(tmp_path_factory):
    """An HTTPS emulator with its own self-signed CA."""
    directory = tmp_path_factory.mktemp('tls')
    with Emulator(tenants=['secure'], tls=str(directory)) as emu:
        yield emu


def leak_context(texts, secret, width=300):
    """Where a secret shows up, to make a failing leak scan easy to read."""
    spots = []
    for text in texts:
        at = text.find(secret)
        if at >= 0:
            spots.append(text[max(0, at - width):at + width])
    return spots


@pytest.fixture
def environments(emulator):
    """The dev, test and prod tenants, reset, as the example inventory's environments."""
    for tenant in ENVIRONMENTS:
        emulator.reset(tenant)
    yield dict((host, Tenant(emulator, tenant)) for tenant, host in ENVIRONMENTS.items())
    for tenant in ENVIRONMENTS:
        assert emulator.violations(tenant) == [], 'requests or responses of %s outside the OpenAPI contract' % tenant


@pytest.fixture
def example_inventory(environments, tmp_path):
    """A copy of playbooks/inventory pointed at the emulator; credentials in each host's vault.yml."""

    def make(credentials=True):
        target = tmp_path / ('inventory-%d' % len(list(tmp_path.glob('inventory-*'))))
        return copy_example_inventory(target, dict((t.name, t.base_url) for t in environments.values()),
                                      credentials=credentials)

    return make


CREATE_SHAPES = ('spec', 'null-create-fields')


@pytest.fixture(params=CREATE_SHAPES)
def create_shape(request, emulator):
    """Runs a test once per OAuth client create-answer shape, on every tenant of the session emulator that tests call
    by name (NAMED_TENANTS: a batch restarts its case tenants with their start-up settings, so a case sets a shape in
    its prepare).

    'spec': an unset businessName/homepageUrl is "" and unset redirectUris [] in the create answer, as
    CreateOAuthClientResponse declares them (required, non-nullable); 'null-create-fields': null there, as some real
    tenants answer (the emulator's --quirk of that name). Either way the OpenAPI check records no violation (the
    quirk's deviation goes to the emulator's quirk observations). Yields the shape's name; use it as
    ``@pytest.mark.usefixtures('create_shape')`` or as an argument.
    """
    quirks = [] if request.param == 'spec' else [request.param]
    for tenant in NAMED_TENANTS:
        emulator.update_settings(tenant, quirks=quirks)
    yield request.param
    for tenant in NAMED_TENANTS:
        emulator.update_settings(tenant, quirks=[])


@pytest.fixture(params=(None, 250), ids=('unpaged', 'paged-250'))
def list_paging(request, emulator):
    """Runs a test once with list answers holding every object (what the list operations declare: no paging) and
    once with ISC's standard collection default (at most 250 objects when no ``limit`` is sent), on every tenant of
    the session emulator that tests call by name (NAMED_TENANTS, as create_shape). Seed the objects with
    ``emulator.seed(tenant, oauth_clients={"count": 300, ...})`` rather than through creates. Yields the default page
    size (None or 250)."""
    for tenant in NAMED_TENANTS:
        emulator.update_settings(tenant, default_page_size=request.param)
    yield request.param
    for tenant in NAMED_TENANTS:
        emulator.update_settings(tenant, default_page_size=None)
