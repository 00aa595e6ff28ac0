"""make demo: start the bundled ISC emulator with tenants dev, test and prod, run the demo playbook, stop it.

Run from the repository root after `make build` (the Makefile does both).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / 'tests' / 'emulator'))

from isc_emulator.harness import Emulator  # noqa: E402  (needs the path above)


def main():
    collections = os.environ.get('ANSIBLE_COLLECTIONS_PATH', str(ROOT / 'build' / 'collections'))
    if not (Path(collections) / 'ansible_collections' / 'sailpoint_isc' / 'oauth').exists():
        sys.exit('The collection is not installed in %s: run `make demo` (it builds it first).' % collections)
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix='isc-demo-') as scratch, \
            Emulator(tenants=['dev', 'test', 'prod']) as emulator:
        for tenant, url in emulator.base_urls.items():
            print('Emulator tenant %-5s at %s' % (tenant, url), flush=True)
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=collections,
                   ANSIBLE_NOCOLOR=os.environ.get('ANSIBLE_NOCOLOR', '1'),
                   ISC_TOKEN_CACHE_DIR=str(Path(scratch) / 'token-cache'),
                   ISC_DEMO_SECRETS_DIR=str(Path(scratch) / 'secrets'),
                   PATH=str(bindir) + os.pathsep + os.environ.get('PATH', ''))
        command = [str(bindir / 'ansible-playbook'), '-i', str(HERE / 'inventory.yml'), str(HERE / 'demo.yml'),
                   '-e', json.dumps({'demo_urls': emulator.base_urls})]
        print('$ ' + ' '.join(command[:4]) + ' -e demo_urls=...', flush=True)
        result = subprocess.run(command, env=env, check=False)
        token_requests = {t: sum(1 for r in emulator.requests(t) if r['path'] == '/oauth/token')
                          for t in emulator.base_urls}
        print('Token requests per tenant for the whole run: %s' % token_requests)
    return result.returncode


if __name__ == '__main__':
    sys.exit(main())
