"""A module that runs as a module process where Python has requests but no cryptography: the token cache is off,
with one warning, and the task still works."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

from isc_playbook_runner import ADMIN

pytestmark = pytest.mark.integration

PLAY = '''
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      sailpoint_isc.oauth.isc_token_info:
    - name: second
      sailpoint_isc.oauth.isc_token_info:
'''

# requests and what it needs, and nothing else: no cryptography.
REQUESTS_ONLY = ('requests', 'urllib3', 'idna', 'charset_normalizer', 'certifi')


@pytest.fixture(scope='module')
def python_without_cryptography(tmp_path_factory):
    root = tmp_path_factory.mktemp('requests-only')
    venv = root / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    site = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = root / 'deps'
    deps.mkdir()
    ours = sysconfig.get_paths()['purelib']
    for package in REQUESTS_ONLY:
        os.symlink(os.path.join(ours, package), str(deps / package))
    with open(os.path.join(site, 'requests-only.pth'), 'w') as handle:
        handle.write(str(deps) + '\n')
    check = 'import requests\ntry:\n    import cryptography\nexcept ImportError:\n    print("no cryptography")'
    assert subprocess.run([str(python), '-c', check], capture_output=True, text=True,
                          check=True).stdout.strip() == 'no cryptography'
    return str(python)


def test_module_path_without_cryptography_works_with_the_cache_off(acme, ansible, python_without_cryptography):
    inventory = 'remote ansible_connection=local_as_remote ansible_python_interpreter=%s\n' % (
        python_without_cryptography)
    run = ansible(PLAY, env=dict(SAIL_BASE_URL=acme.base_url, SAIL_CLIENT_ID=ADMIN['client_id'],
                                 SAIL_CLIENT_SECRET=ADMIN['client_secret']), inventory=inventory,
                  verbosity=0).assert_ok()
    assert run.task('second')['result']['user_name'] == 'admin'
    assert 'The token cache is off: the Python library cryptography is not installed' in run.output
    assert len(acme.token_requests()) == 2  # no cache: each task asked for its own token
    written = [p.name for p in ansible.cache_dir.iterdir()] if ansible.cache_dir.exists() else []
    assert [name for name in written if name.endswith('.json') or name == 'cache.key'] == []
