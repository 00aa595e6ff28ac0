"""isc_credential_files: the default secret sink, on both execution paths."""

from __future__ import annotations

import json
import os
import stat

import pytest

from conftest import PATHS

pytestmark = pytest.mark.integration

SECRET = 'f' * 64


def play(directory, credentials, extra=''):
    return '''
    - hosts: all
      gather_facts: false
      tasks:
        - name: write
          sailpoint_isc.oauth.isc_credential_files:
            directory: "%s"
            credentials: %s
          register: out
          %s
    ''' % (directory, json.dumps(credentials), extra)


CREDENTIALS = [dict(name='app-ci', environment='isc_prod', client_id='c1', client_secret=SECRET,
                    base_url='https://acme.example', token_url='https://acme.example/oauth/token'),
               dict(name='../escape', environment='..', client_id='c2', client_secret=SECRET, kind='api_client')]


@PATHS
def test_files_are_private_confined_and_complete(ansible, tmp_path, inventory):
    directory = tmp_path / 'secrets'
    run = ansible(play(directory, CREDENTIALS), inventory=inventory).assert_ok()
    written = run.task('write')['result']['written']
    # Percent-encoding: '/' and a leading '.' are encoded, so nothing lands outside the directory.
    assert written == [str(directory / 'isc_prod' / 'app-ci.json'), str(directory / '%2E.' / '%2E.%2Fescape.json')]
    for path in written:
        assert os.path.realpath(path).startswith(str(directory) + os.sep)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    record = json.loads((directory / 'isc_prod' / 'app-ci.json').read_text())
    assert record.pop('created') and record == dict(CREDENTIALS[0], kind='api_client')
    assert SECRET not in run.output
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700


def test_check_mode_writes_nothing(ansible, tmp_path):
    directory = tmp_path / 'secrets'
    run = ansible(play(directory, CREDENTIALS[:1]), check=True).assert_ok()
    assert run.task('write')['result']['written'] == [str(directory / 'isc_prod' / 'app-ci.json')]
    assert not directory.exists()


def test_missing_secret_is_a_clear_error(ansible, tmp_path):
    run = ansible(play(tmp_path / 's', [dict(name='x', environment='e', client_id='c')]))
    assert run.rc != 0 and 'client_secret' in run.task('write')['result']['msg']


def test_preflight_returns_the_paths_and_refuses_names_that_would_share_a_file(ansible, tmp_path):
    directory = tmp_path / 'secrets'
    names = [dict(name=n, environment='prod') for n in ('app:ci', 'app_ci', 'app ci')]
    run = ansible(play(directory, names).replace('credentials:', 'preflight: true\n            credentials:')).assert_ok()
    paths = [entry['path'] for entry in run.task('write')['result']['paths']]
    assert paths == [str(directory / 'prod' / f) for f in ('app%3Aci.json', 'app_ci.json', 'app%20ci.json')]
    assert run.task('write')['result']['written'] == [] and os.listdir(directory / 'prod') == []
    clash = [dict(name='App-CI', environment='prod'), dict(name='app-ci', environment='prod')]
    run = ansible(play(directory, clash).replace('credentials:', 'preflight: true\n            credentials:'))
    assert run.rc != 0 and "'App-CI' / 'app-ci'" in run.task('write')['result']['msg']
