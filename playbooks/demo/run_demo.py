"""make demo: the main job end to end on the bundled ISC emulator.

1. Starts the emulator with tenants dev, test and prod.
2. Runs playbooks/provision_api_clients.yml (role sailpoint_isc.oauth.api_clients) with a copy of the example
   inventory playbooks/inventory pointed at the emulator, three environments in parallel.
3. Runs it again: nothing changes.
4. Runs playbooks/demo/demo.yml: a token from the lookup, isc_token_info, and a PAT created then rotated.
5. Stops the emulator.

Run from the repository root after `make build` (the Makefile does both). The playbooks run through the test suite's
runner (tests/isc_playbook_runner.py).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / 'playbooks'
sys.path[:0] = [str(ROOT / 'tests'), str(ROOT / 'tests' / 'emulator')]

from isc_emulator.harness import Emulator  # noqa: E402  (needs the path above)
from isc_emulator.tenant import request_counts  # noqa: E402
from isc_playbook_runner import (  # noqa: E402
    ENVIRONMENTS, example_inventory, installed_collections, playbook_environment, run_playbook)


def banner(text):
    print('\n' + '=' * 78 + '\n' + text + '\n' + '=' * 78, flush=True)


def show(playbook, env, work, inventory, extra_vars):
    print('$ ansible-playbook -f 3 -i <playbooks/inventory pointed at the emulator> %s' % playbook.relative_to(ROOT),
          flush=True)
    outcome = run_playbook(playbook, env, work, inventory=inventory, extra_vars=extra_vars, forks=3)
    print(outcome.stdout, end='', flush=True)
    print(outcome.stderr, end='', file=sys.stderr, flush=True)
    return outcome


def main():
    collections = installed_collections()
    if not collections:
        sys.exit('The collection is not installed: run `make demo` (it builds it first).')
    with tempfile.TemporaryDirectory(prefix='isc-demo-') as scratch, \
            Emulator(tenants=list(ENVIRONMENTS)) as emulator:
        scratch = Path(scratch)
        banner('ISC emulator running')
        for tenant in ENVIRONMENTS:
            print('  %-5s %s' % (tenant, emulator.base_urls[tenant]))
        # The example inventory, pointed at the emulator: each environment's base URL, and in vault.yml
        # (where real credentials go, encrypted) the emulator's seeded ORG_ADMIN personal access token.
        inventory = example_inventory(scratch / 'inventory', emulator.base_urls)
        env = playbook_environment(collections, scratch, extra=dict(ISC_DEMO_SECRETS_DIR=str(scratch / 'secrets')))
        extra = {'api_clients_secrets_dir': str(scratch / 'secrets')}

        banner('1. Provision the API clients of dev, test and prod (in parallel)')
        first = show(PLAYBOOKS / 'provision_api_clients.yml', env, scratch / 'first', inventory, extra)
        if first.rc:
            return first.rc
        banner('2. The same run again: nothing to change')
        second = show(PLAYBOOKS / 'provision_api_clients.yml', env, scratch / 'second', inventory, extra)
        if second.rc:
            return second.rc
        counts = second.changed_per_host()
        print('changed tasks per environment on the second run: %s' % counts)
        if any(counts.values()):
            print('ERROR: the second run changed something', file=sys.stderr)
            return 1

        banner('3. Tokens, token facts, and a personal access token created then rotated')
        third = show(PLAYBOOKS / 'demo' / 'demo.yml', env, scratch / 'third', inventory, {})
        if third.rc:
            return third.rc

        banner('Summary')
        for tenant in ENVIRONMENTS:
            counted = request_counts(emulator.requests(tenant))
            print('  %-5s %3d HTTP requests, %d token request(s), %d writes'
                  % (tenant, counted['http'], counted['token'], counted['writes']))
        secrets = sorted(p.relative_to(scratch) for p in (scratch / 'secrets').rglob('*.json'))
        print('  secret files written (mode 0600, removed with the demo): %s' % ', '.join(map(str, secrets)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
