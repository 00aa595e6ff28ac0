"""Leak scan with the JSON stdout callback: everything a run prints as data, at -vvvv, with --diff.

Every integration run is already scanned by the `ansible` fixture (default callback). Here the main jobs run once
more with ansible.posix.json as the stdout callback, the form CI systems and AWX-like tools store, and the whole
JSON document is searched for every secret and token the emulator handed out (the fixture's scan).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys

import pytest
import yaml

from conftest import occurring
from isc_playbook_runner import ADMIN, ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope='module')
def posix_collections():
    """ansible.posix (for its json callback), taken from the `ansible` package as `make lint` does."""
    target = ROOT / 'build' / 'lint-collections' / 'ansible_collections'
    subprocess.run([sys.executable, str(ROOT / 'scripts' / 'fetch_lint_collections.py'), str(target),
                    str(ROOT / 'build' / 'download')], check=True, capture_output=True)
    return target.parent


# The main jobs one after the other on the example inventory's environments, in one run (one JSON document).
MAIN_JOBS = ''.join('- ansible.builtin.import_playbook: %s\n' % (ROOT / 'playbooks' / playbook) for playbook in (
    'provision_api_clients.yml', 'rotate_personal_access_tokens.yml', 'demo/demo.yml'))


def test_main_jobs_leak_nothing_into_json_output(environments, example_inventory, ansible, collections_path,
                                                 posix_collections, tmp_path):
    env = dict(ANSIBLE_STDOUT_CALLBACK='ansible.posix.json', ISC_DEMO_SECRETS_DIR=str(tmp_path / 'd'),
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(collections_path), str(posix_collections)]))
    inventory = example_inventory()
    test = environments['isc_test']
    test.api('POST', '/personal-access-tokens/v1', json=dict(name='job-a', userAwareTokenNeverExpires=True))
    run = ansible('---\n' + MAIN_JOBS, inventory=inventory, env=env, diff=True, forks=3, extra_vars=dict(
        api_clients_secrets_dir=str(tmp_path / 's'), personal_access_tokens_rotate=['job-a'],
        personal_access_tokens_rotate_now=True, personal_access_tokens_secrets_dir=str(tmp_path / 's')))
    assert run.rc == 0, run.output[-3000:]
    document = json.loads(run.stdout[run.stdout.index('{'):])  # -vvvv preamble, then the JSON document
    # every play of the three jobs, and the stats
    assert [play['play']['name'] for play in document['plays']] == [name for playbook in (
        'provision_api_clients.yml', 'rotate_personal_access_tokens.yml', 'demo/demo.yml')
        for name in play_names(ROOT / 'playbooks' / playbook)] and document['stats']
    assert ADMIN['client_secret'] not in run.output


def play_names(playbook):
    return [play['name'] for play in yaml.safe_load(playbook.read_text())]


def test_the_leak_scan_finds_exactly_what_searching_every_text_for_every_secret_finds():
    # occurring() searches only the runs of the secrets' characters; the answer must be the plain search's.
    generator = random.Random(7)
    issued = [secrets.token_hex(32), secrets.token_urlsafe(40), 'eyJhbGciOi.' + secrets.token_urlsafe(60) + '.sig-_x',
              'short-secret-17ch', 'with/slash+plus=~and.dots-' + secrets.token_hex(8)] + \
        [secrets.token_urlsafe(24) for _number in range(200)]
    planted = issued[:5] + issued[100:103]
    filler = ''.join(generator.choice('abc{}[]":, \n/.-_=0123456789') for _position in range(20000))
    texts = [filler[:9000] + planted[0] + filler[9000:],
             '"token": "%s", "path": "/tmp/x/%s/y"' % (planted[1], planted[2]),
             # inside longer runs of the same characters, at the start and end of a text, twice in one text
             'x' + planted[3] + 'y ' + planted[4] + planted[5], planted[6] + ' ' + planted[7] + ' ' + planted[7],
             json.dumps({'partial': issued[10][:-1], 'other': issued[11][1:]}), '']
    expected = [s for s in issued if any(s in text for text in texts)]
    assert sorted(expected) == sorted(planted)
    assert occurring(issued, texts) == expected
    assert occurring([], texts) == [] and occurring(issued, []) == []
