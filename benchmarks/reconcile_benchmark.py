"""Reconciling N API clients in 3 tenants: this collection's api_clients role vs an ansible.builtin.uri baseline.

Both run against the bundled emulator (ISC's documented rate limit, 100 requests per 10 s per client id),
side by side in one run, three environments in parallel (-f 3):

  collection    playbooks/provision_api_clients.yml (role sailpoint_isc.oauth.api_clients)
  uri_baseline  what users write today: for every client, one ansible.builtin.uri task for a token, one to list
                the tenant's clients, one to create the client when it is missing (no field comparison at all)

Each is run twice: a first run that creates every client, and a second run with nothing to change.
Printed per run: wall time, and per tenant the HTTP requests, token requests, list requests and writes.

Usage: python benchmarks/reconcile_benchmark.py [--clients N] [--json FILE]   (`make bench` runs it)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests' / 'emulator'))

from isc_emulator.harness import Emulator  # noqa: E402

TENANTS = {'dev': 'isc_dev', 'test': 'isc_test', 'prod': 'isc_prod'}

BASELINE_PLAY = '''
- name: Create API clients with ansible.builtin.uri, the way it is done without this collection
  hosts: isc_tenants
  gather_facts: false
  tasks:
    - name: One client at a time
      ansible.builtin.include_tasks: baseline_client.yml
      loop: "{{ api_clients_definitions }}"
      loop_control:
        loop_var: client
'''

BASELINE_CLIENT_TASKS = '''
- name: Get a token
  ansible.builtin.uri:
    url: "{{ isc_base_url }}/oauth/token"
    method: POST
    body_format: form-urlencoded
    body:
      grant_type: client_credentials
      client_id: "{{ isc_client_id }}"
      client_secret: "{{ isc_client_secret }}"
  register: token
  no_log: true

- name: List the clients
  ansible.builtin.uri:
    url: "{{ isc_base_url }}/oauth-clients/v1"
    headers:
      Authorization: "Bearer {{ token.json.access_token }}"
  register: existing
  no_log: true

- name: Create the client when it is missing
  ansible.builtin.uri:
    url: "{{ isc_base_url }}/oauth-clients/v1"
    method: POST
    body_format: json
    body:
      name: "{{ client.name }}"
      description: "{{ client.description }}"
      grantTypes: "{{ client.grant_types }}"
      accessType: "{{ client.access_type }}"
      accessTokenValiditySeconds: "{{ client.access_token_validity_seconds }}"
      enabled: "{{ client.enabled }}"
    headers:
      Authorization: "Bearer {{ token.json.access_token }}"
  when: client.name not in (existing.json | map(attribute='name'))
  no_log: true
'''


def definitions(count):
    return [dict(name='bench-%03d' % n, description='benchmark client %d' % n, grant_types=['CLIENT_CREDENTIALS'],
                 access_type='OFFLINE', access_token_validity_seconds=750, enabled=True) for n in range(count)]


def write_inventory(directory, emulator):
    lines = ['[isc_tenants]']
    for tenant, host in TENANTS.items():
        lines.append('%s isc_base_url=%s' % (host, emulator.base_urls[tenant]))
    lines += ['[isc_tenants:vars]', 'ansible_connection=local',
              'ansible_python_interpreter="{{ ansible_playbook_python }}"',
              'isc_client_id=admin-client-id', 'isc_client_secret=admin-client-secret']
    path = directory / 'inventory.ini'
    path.write_text('\n'.join(lines) + '\n')
    return path


def run(playbook, inventory, extra, env, emulator, work):
    for tenant in TENANTS:
        emulator.clear_requests(tenant)
    extra_file = work / ('extra-%f.json' % time.time())
    extra_file.write_text(json.dumps(extra))
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / 'ansible-playbook'), '-f', '3', '-i', str(inventory),
                           str(playbook), '-e', '@%s' % extra_file], env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit('%s failed:\n%s' % (playbook.name, (done.stdout + done.stderr)[-4000:]))
    counts = {}
    for tenant in TENANTS:
        log = emulator.requests(tenant)
        counts[tenant] = dict(
            http=len(log),
            token=sum(1 for r in log if r['path'] == '/oauth/token'),
            lists=sum(1 for r in log if r['method'] == 'GET' and r['path'] == '/oauth-clients/v1'),
            writes=sum(1 for r in log if r['method'] in ('POST', 'PATCH', 'DELETE') and r['path'] != '/oauth/token'),
            throttled=sum(1 for r in log if r['status'] == 429))
    return dict(seconds=round(elapsed, 1), tenants=counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--clients', type=int, default=100)
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    clients = definitions(args.clients)
    figures = {}
    with tempfile.TemporaryDirectory(prefix='isc-reconcile-') as scratch:
        work = Path(scratch)
        (work / 'baseline.yml').write_text(BASELINE_PLAY)
        (work / 'baseline_client.yml').write_text(BASELINE_CLIENT_TASKS)
        env = dict(os.environ, ISC_TOKEN_CACHE_DIR=str(work / 'cache'), ANSIBLE_NOCOLOR='1',
                   PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get('PATH', ''))
        extra = dict(api_clients_definitions=clients, api_clients_overrides={}, api_clients_purge=False,
                     api_clients_secrets_dir=str(work / 'secrets'))
        scenarios = (('collection', ROOT / 'playbooks' / 'provision_api_clients.yml'),
                     ('uri_baseline', work / 'baseline.yml'))
        for name, playbook in scenarios:
            with Emulator(tenants=list(TENANTS)) as emulator:
                inventory = write_inventory(work, emulator)
                figures[name] = dict(first=run(playbook, inventory, extra, env, emulator, work),
                                     second=run(playbook, inventory, extra, env, emulator, work))
    print('Reconciling %d API clients in each of 3 tenants (-f 3), ISC rate limit 100 req / 10 s per client id'
          % args.clients)
    print('%-13s %-7s %8s %8s %8s %8s %8s %10s' % ('scenario', 'run', 'seconds', 'http', 'tokens', 'lists',
                                                   'writes', '429s'))
    for name in ('collection', 'uri_baseline'):
        for which in ('first', 'second'):
            f = figures[name][which]
            per = f['tenants']['dev']
            print('%-13s %-7s %8.1f %8d %8d %8d %8d %10d   (per tenant, dev shown; all: %s)' % (
                name, which, f['seconds'], per['http'], per['token'], per['lists'], per['writes'],
                per['throttled'], ' '.join('%s=%d' % (t, c['http']) for t, c in f['tenants'].items())))
    first_ratio = figures['uri_baseline']['first']['seconds'] / figures['collection']['first']['seconds']
    second_ratio = figures['uri_baseline']['second']['seconds'] / figures['collection']['second']['seconds']
    print('first run: collection %.1fx faster than the uri baseline; no-change run: %.1fx faster'
          % (first_ratio, second_ratio))
    second = figures['collection']['second']['tenants']
    lists_needed = -(-args.clients // 250)
    met = (all(t['writes'] == 0 and t['token'] <= 1 and t['lists'] <= lists_needed for t in second.values())
           and first_ratio >= 5 and second_ratio >= 1)
    print('targets (no-change run: 0 writes, <= 1 token and <= %d list request(s) per tenant; first run >= 5x; '
          'no-change run no slower than the baseline): %s' % (lists_needed, 'met' if met else 'NOT met'))
    figures['ratios'] = dict(first=round(first_ratio, 1), second=round(second_ratio, 1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
