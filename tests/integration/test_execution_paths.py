"""Where the work runs: in-process on the controller for local tasks, as a module process otherwise."""

from __future__ import annotations

import subprocess
import sys

import pytest

from case_tasks import failed, ok
from conftest import case_of
from isc_playbook_runner import Case

pytestmark = pytest.mark.integration

INFO = '''
- name: info
  sailpoint_isc.oauth.isc_token_info:
  ignore_errors: true
'''
# become must run the work as the become user and async in the background, so neither can stay in the controller
# process: with a target Python that lacks requests, the module process says so.
TAKE_THE_MODULE_PATH = {
    'become': '  become: true\n  become_method: su\n',
    'async': '  async: 30\n  poll: 1\n',
}
NO_CONNECTION = dict(isc_base_url=None, isc_client_id=None, isc_client_secret=None)


@pytest.fixture(scope='module')
def bare_python(tmp_path_factory):
    """A Python with nothing installed: no requests, no PyJWT."""
    venv = tmp_path_factory.mktemp('bare-venv')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    assert subprocess.run([str(python), '-c', 'import requests'], capture_output=True, check=False).returncode != 0
    return str(python)


@pytest.fixture(scope='module')
def batch(run_cases, bare_python):
    bare = dict(ansible_python_interpreter=bare_python)
    cases = [Case('bare-controller', INFO, hostvars=bare), Case('bare-module', INFO, path='module', hostvars=bare)]
    cases += [Case('bare-' + name, INFO + keywords, hostvars=bare) for name, keywords in TAKE_THE_MODULE_PATH.items()]
    cases += Case.on_both_paths('no-connection', INFO, hostvars=NO_CONNECTION)
    return run_cases(cases, environment=dict(ANSIBLE_BECOME_ALLOW_SAME_USER='1'))


def test_local_tasks_need_nothing_on_the_target_python(batch):
    assert ok(case_of(batch, 'bare-controller'), 'info')['user_name'] == 'admin'


def test_module_path_without_requests_says_what_to_install(batch):
    case = case_of(batch, 'bare-module')
    message = failed(case, 'info')['msg']
    assert 'Failed to import the required Python library (requests)' in message
    assert 'Traceback' not in message
    assert case.requests() == []


@pytest.mark.parametrize('keywords', sorted(TAKE_THE_MODULE_PATH))
def test_become_and_async_take_the_module_path(batch, keywords):
    case = case_of(batch, 'bare-' + keywords)
    assert 'Failed to import the required Python library (requests)' in failed(case, 'info')['msg']
    assert case.requests() == []


@pytest.mark.parametrize('path', ['controller', 'module'])
def test_an_option_error_is_the_same_on_both_paths(batch, path):
    case = case_of(batch, 'no-connection-' + path)
    result = failed(case, 'info')
    assert result['msg'].startswith('No ISC tenant given: set base_url')
    assert 'error' not in result  # only failures of an HTTP exchange carry its details
    assert case.requests() == []
