"""Where the work runs: in-process on the controller for local tasks, as a module process otherwise."""

from __future__ import annotations

import subprocess
import sys

import pytest

from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

PLAY = '''
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      sailpoint_isc.oauth.isc_token_info:
      register: info
'''


@pytest.fixture(scope='module')
def bare_python(tmp_path_factory):
    """A Python with nothing installed: no requests, no PyJWT."""
    venv = tmp_path_factory.mktemp('bare-venv')
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    assert subprocess.run([str(python), '-c', 'import requests'], capture_output=True, check=False).returncode != 0
    return str(python)


def env(tenant):
    return dict(SAIL_BASE_URL=tenant.base_url, SAIL_CLIENT_ID=ADMIN['client_id'],
                SAIL_CLIENT_SECRET=ADMIN['client_secret'])


def test_local_tasks_need_nothing_on_the_target_python(acme, ansible, bare_python):
    inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % bare_python
    run = ansible(PLAY, env=env(acme), inventory=inventory).assert_ok()
    assert run.task('info')['result']['user_name'] == 'admin'


def test_module_path_without_requests_says_what_to_install(acme, ansible, bare_python):
    inventory = 'remote ansible_connection=local_as_remote ansible_python_interpreter=%s\n' % bare_python
    run = ansible(PLAY, env=env(acme), inventory=inventory)
    assert run.rc != 0
    message = run.task('info')['result']['msg']
    assert 'Failed to import the required Python library (requests)' in message
    assert 'Traceback' not in message
    assert acme.requests() == []


@pytest.mark.parametrize('keywords, env_extra', [
    ('become: true\n      become_method: su', dict(ANSIBLE_BECOME_ALLOW_SAME_USER='1')),
    ('async: 30\n      poll: 1', {}),
], ids=['become', 'async'])
def test_become_and_async_take_the_module_path(acme, ansible, bare_python, keywords, env_extra):
    # become must run the work as the become user and async in the background, so neither can stay in the
    # controller process: with a target Python that lacks requests, the module process says so.
    inventory = 'localhost ansible_connection=local ansible_python_interpreter=%s\n' % bare_python
    run = ansible(PLAY.replace('register: info', 'register: info\n      ' + keywords), env=dict(env(acme), **env_extra),
                  inventory=inventory)
    assert run.rc != 0
    assert 'Failed to import the required Python library (requests)' in run.task('info')['result']['msg']
    assert acme.requests() == []


@pytest.mark.parametrize('inventory', [
    'localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"\n',
    'remote ansible_connection=local_as_remote ansible_python_interpreter="{{ ansible_playbook_python }}"\n',
], ids=['controller', 'module'])
def test_an_option_error_is_the_same_on_both_paths(acme, ansible, inventory):
    run = ansible(PLAY, inventory=inventory)  # no connection given anywhere
    result = run.task('info')['result']
    assert run.rc != 0
    assert result['msg'].startswith('No ISC tenant given: set base_url')
    assert 'error' not in result  # only failures of an HTTP exchange carry its details
    assert acme.requests() == []
