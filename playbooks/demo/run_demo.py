"""make demo: the main job end to end on the bundled ISC emulator.

1. Starts the emulator with tenants dev, test and prod.
2. Runs playbooks/provision_api_clients.yml (role sailpoint_isc.oauth.api_clients) with a copy of the example
   inventory playbooks/inventory pointed at the emulator, three environments in parallel.
3. Runs it again: nothing changes.
4. Runs playbooks/demo/demo.yml: a token from the lookup, isc_token_info, and a PAT created then rotated.
5. Stops the emulator.

Run from the repository root after `make build` (the Makefile does both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / 'playbooks'
sys.path.insert(0, str(ROOT / 'tests' / 'emulator'))

from isc_emulator.harness import Emulator  # noqa: E402  (needs the path above)

ENVIRONMENTS = {'dev': 'isc_dev', 'test': 'isc_test', 'prod': 'isc_prod'}


def banner(text):
    print('\n' + '=' * 78 + '\n' + text + '\n' + '=' * 78, flush=True)


def run_playbook(bindir, env, inventories, playbook, extra_vars):
    command = [str(bindir / 'ansible-playbook'), '-f', '3', str(playbook)]
    for inventory in inventories:
        command += ['-i', str(inventory)]
    command += ['-e', json.dumps(extra_vars)]
    print('$ ansible-playbook -f 3 -i <playbooks/inventory pointed at the emulator> %s' % playbook.relative_to(ROOT),
          flush=True)
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    print(completed.stdout, end='', flush=True)
    print(completed.stderr, end='', file=sys.stderr, flush=True)
    return completed


def changed_counts(output):
    recap = re.findall(r'^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)', output, re.M)
    return dict((host, int(changed)) for host, changed in recap)


def main():
    collections = os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections'))
    if not (Path(collections) / 'ansible_collections' / 'sailpoint_isc' / 'oauth').exists():
        sys.exit('The collection is not installed in %s: run `make demo` (it builds it first).' % collections)
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix='isc-demo-') as scratch, \
            Emulator(tenants=list(ENVIRONMENTS)) as emulator:
        scratch = Path(scratch)
        banner('ISC emulator running')
        # The example inventory, pointed at the emulator: each environment's base URL, and in vault.yml
        # (where real credentials go, encrypted) the emulator's seeded ORG_ADMIN personal access token.
        inventory = scratch / 'inventory'
        shutil.copytree(PLAYBOOKS / 'inventory', inventory)
        for tenant, host in ENVIRONMENTS.items():
            print('  %-5s %s' % (tenant, emulator.base_urls[tenant]))
            main_vars = inventory / 'host_vars' / host / 'main.yml'
            main_vars.write_text(re.sub(r'(?m)^isc_base_url: .*$', 'isc_base_url: %s' % emulator.base_urls[tenant],
                                        main_vars.read_text()))
            (inventory / 'host_vars' / host / 'vault.yml').write_text(
                'isc_client_id: admin-client-id\nisc_client_secret: admin-client-secret\n')
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=collections,
                   ANSIBLE_NOCOLOR=os.environ.get('ANSIBLE_NOCOLOR', '1'),
                   ISC_TOKEN_CACHE_DIR=str(scratch / 'token-cache'),
                   ISC_DEMO_SECRETS_DIR=str(scratch / 'secrets'),
                   PATH=str(bindir) + os.pathsep + os.environ.get('PATH', ''))
        inventories = [inventory]
        extra = {'api_clients_secrets_dir': str(scratch / 'secrets')}

        banner('1. Provision the API clients of dev, test and prod (in parallel)')
        first = run_playbook(bindir, env, inventories, PLAYBOOKS / 'provision_api_clients.yml', extra)
        if first.returncode:
            return first.returncode
        banner('2. The same run again: nothing to change')
        second = run_playbook(bindir, env, inventories, PLAYBOOKS / 'provision_api_clients.yml', extra)
        if second.returncode:
            return second.returncode
        counts = changed_counts(second.stdout)
        print('changed tasks per environment on the second run: %s' % counts)
        if any(counts.values()):
            print('ERROR: the second run changed something', file=sys.stderr)
            return 1

        banner('3. Tokens, token facts, and a personal access token created then rotated')
        third = run_playbook(bindir, env, inventories, PLAYBOOKS / 'demo' / 'demo.yml', {})
        if third.returncode:
            return third.returncode

        banner('Summary')
        for tenant in ENVIRONMENTS:
            log = emulator.requests(tenant)
            print('  %-5s %3d HTTP requests, %d token request(s), %d writes' % (
                tenant, len(log), sum(1 for r in log if r['path'] == '/oauth/token'),
                sum(1 for r in log if r['method'] in ('POST', 'PATCH', 'DELETE') and r['path'] != '/oauth/token')))
        secrets = sorted(p.relative_to(scratch) for p in (scratch / 'secrets').rglob('*.json'))
        print('  secret files written (mode 0600, removed with the demo): %s' % ', '.join(map(str, secrets)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
