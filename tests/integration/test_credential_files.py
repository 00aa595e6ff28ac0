"""isc_credential_files: the default secret sink, on both execution paths.

Every scenario is a case of one batch (one ansible-playbook run; see Case in isc_playbook_runner), writing below a
directory of its own in the batch's work directory."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from case_tasks import failed, failing, ok, task
from conftest import case_of
from isc_playbook_runner import Case

pytestmark = pytest.mark.integration

SECRET = 'f' * 64
# Per case, below the batch's work directory: the playbook's directory (also the parent of the directory of the
# case's task file), named without a filter (a template naming one loads every filter plugin in its worker).
DIRECTORY = '{{ playbook_dir }}/secrets-{{ inventory_hostname }}'


def directory_of(case):
    """The directory the case's tasks wrote below (DIRECTORY)."""
    return Path(case.hostvars['isc_test_case_tasks']).parent.parent / ('secrets-' + case.case.name)


def write(name, credentials, **options):
    return task(name, 'isc_credential_files', dict(directory=DIRECTORY, credentials=credentials, **options))


CREDENTIALS = [dict(name='app-ci', environment='isc_prod', client_id='c1', client_secret=SECRET,
                    base_url='https://acme.example', token_url='https://acme.example/oauth/token'),
               dict(name='../escape', environment='..', client_id='c2', client_secret=SECRET, kind='api_client')]
NAMES = [dict(name=n, environment='prod') for n in ('app:ci', 'app_ci', 'app ci')]
CLASH = [dict(name='App-CI', environment='prod'), dict(name='app-ci', environment='prod')]

CASES = Case.on_both_paths('private-confined-complete', write('write', CREDENTIALS)) + [
    Case('check-mode', task('write', 'isc_credential_files', dict(directory=DIRECTORY, credentials=CREDENTIALS[:1]),
                            check_mode=True)),
    Case('missing-secret', failing('write', 'isc_credential_files', dict(
        directory=DIRECTORY, credentials=[dict(name='x', environment='e', client_id='c')]))),
    Case('preflight', write('write', NAMES, preflight=True) + failing(
        'clash', 'isc_credential_files', dict(directory=DIRECTORY, credentials=CLASH, preflight=True))),
]


@pytest.fixture(scope='module')
def batch(run_cases):
    return run_cases(CASES)


@pytest.mark.parametrize('path', ['controller', 'module'])
def test_files_are_private_confined_and_complete(batch, path):
    case = case_of(batch, 'private-confined-complete-' + path)
    directory = directory_of(case)
    written = ok(case, 'write')['written']
    # Percent-encoding: '/' and a leading '.' are encoded, so nothing lands outside the directory.
    assert written == [str(directory / 'isc_prod' / 'app-ci.json'), str(directory / '%2E.' / '%2E.%2Fescape.json')]
    for path_written in written:
        assert os.path.realpath(path_written).startswith(str(directory) + os.sep)
        assert stat.S_IMODE(os.stat(path_written).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path_written)).st_mode) == 0o700
    record = json.loads((directory / 'isc_prod' / 'app-ci.json').read_text())
    assert record.pop('created') and record == dict(CREDENTIALS[0], kind='api_client')
    assert SECRET not in batch.run.output
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_check_mode_writes_nothing(batch):
    case = case_of(batch, 'check-mode')
    directory = directory_of(case)
    assert ok(case, 'write')['written'] == [str(directory / 'isc_prod' / 'app-ci.json')]
    assert not directory.exists()


def test_missing_secret_is_a_clear_error(batch):
    assert 'client_secret' in failed(case_of(batch, 'missing-secret'), 'write')['msg']


def test_preflight_returns_the_paths_and_refuses_names_that_would_share_a_file(batch):
    case = case_of(batch, 'preflight')
    directory = directory_of(case)
    paths = [entry['path'] for entry in ok(case, 'write')['paths']]
    assert paths == [str(directory / 'prod' / f) for f in ('app%3Aci.json', 'app_ci.json', 'app%20ci.json')]
    assert ok(case, 'write')['written'] == [] and os.listdir(directory / 'prod') == []
    assert "'App-CI' / 'app-ci'" in failed(case, 'clash')['msg']
