"""Reconciling N API clients in 3 tenants: this collection's api_clients role vs an ansible.builtin.uri baseline.

Both run against the bundled emulator at ISC's documented rate limit (100 requests per 10 s per client id and API
version, each tenant its own), with the collection's default pacing, side by side in one run, the three
environments in parallel (-f 3):

  collection    playbooks/provision_api_clients.yml (role sailpoint_isc.oauth.api_clients)
  uri_baseline  what users write today: for every client, one ansible.builtin.uri task for a token, one to list
                the tenant's clients, one to create the client when it is missing (no field comparison at all)

Each is run twice: a first run that creates every client, and a second run with nothing to change.
Printed per run: wall time, and per tenant the HTTP requests, token requests, list requests and writes; for the
collection's first run, the least time ISC's rate limit alone allows for the requests it made (goal: within 1.3x).

Usage: python benchmarks/reconcile_benchmark.py [--clients N] [--no-baseline] [--json FILE]   (`make bench` runs it)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import _bench
from _bench import ROOT

from isc_emulator.harness import Emulator  # noqa: E402  (_bench puts it on the path)
from isc_emulator.tenant import request_counts  # noqa: E402
from isc_playbook_runner import ENVIRONMENTS, playbook_environment, run_playbook  # noqa: E402

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


def reconcile(emulator, playbook, inventory, extra, env, work):
    for tenant in ENVIRONMENTS:
        emulator.clear_requests(tenant)
    outcome = run_playbook(playbook, env, work, inventory=inventory, extra_vars=extra, forks=len(ENVIRONMENTS))
    if outcome.rc:
        sys.exit('%s failed:\n%s' % (playbook.name, outcome.output[-4000:]))
    logs = dict((tenant, emulator.requests(tenant)) for tenant in ENVIRONMENTS)
    bound = max(_bench.rate_limit_minimum(_bench.requests_per_key(log).values()) for log in logs.values())
    return dict(seconds=round(outcome.seconds, 1), rate_limit_minimum=bound,
                tenants=dict((tenant, request_counts(log)) for tenant, log in logs.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--clients', type=int, default=100)
    parser.add_argument('--no-baseline', action='store_true', help='run only the collection')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    collections = _bench.collections_or_exit()
    figures = dict(machine=_bench.machine(), clients=args.clients)
    with tempfile.TemporaryDirectory(prefix='isc-reconcile-') as scratch:
        work = Path(scratch)
        (work / 'baseline.yml').write_text(BASELINE_PLAY)
        (work / 'baseline_client.yml').write_text(BASELINE_CLIENT_TASKS)
        extra = dict(api_clients_definitions=_bench.client_definitions(args.clients), api_clients_overrides={},
                     api_clients_purge=False, api_clients_secrets_dir=str(work / 'secrets'))
        scenarios = [('collection', ROOT / 'playbooks' / 'provision_api_clients.yml')]
        if not args.no_baseline:
            scenarios.append(('uri_baseline', work / 'baseline.yml'))
        for name, playbook in scenarios:
            with Emulator(tenants=list(ENVIRONMENTS), rate_limit=_bench.ISC_RATE_REQUESTS,
                          rate_window=_bench.ISC_RATE_WINDOW) as emulator:
                inventory = _bench.tenants_inventory(dict((host, emulator.base_urls[tenant])
                                                          for tenant, host in ENVIRONMENTS.items()))
                env = playbook_environment(collections, work / name)
                figures[name] = dict(
                    first=reconcile(emulator, playbook, inventory, extra, env, work / name / 'first'),
                    second=reconcile(emulator, playbook, inventory, extra, env, work / name / 'second'))
    print('Machine: %s' % figures['machine'])
    print('Reconciling %d API clients in each of 3 tenants (-f 3); emulator and pacing at ISC\'s rate limit '
          '(100 requests / 10 s per client id and API version)' % args.clients)
    print('%-13s %-7s %8s %8s %8s %8s %8s %8s %6s' % ('scenario', 'run', 'seconds', 'http', 'tokens', 'lists',
                                                      'creates', 'writes', '429s'))
    for name, _playbook in scenarios:
        for which in ('first', 'second'):
            f = figures[name][which]
            per = f['tenants']['dev']
            print('%-13s %-7s %8.1f %8d %8d %8d %8d %8d %6d   (per tenant, dev shown; all: %s)' % (
                name, which, f['seconds'], per['http'], per['token'], per['lists'], per['creates'], per['writes'],
                per['throttled'], ' '.join('%s=%d' % (t, c['http']) for t, c in f['tenants'].items())))
    first = figures['collection']['first']
    figures['collection']['first_vs_rate_limit'] = round(_bench.ratio(first['seconds'], first['rate_limit_minimum']),
                                                         2)
    numbers = (first['seconds'], first['tenants']['dev']['http'], first['rate_limit_minimum'],
               figures['collection']['first_vs_rate_limit'])
    print('collection, first run: %.1f s; ISC\'s rate limit alone allows %d requests per tenant in %.0f s at the '
          'least: %.2fx (goal <= 1.3x)' % numbers)
    if not args.no_baseline:
        first_ratio = figures['uri_baseline']['first']['seconds'] / figures['collection']['first']['seconds']
        second_ratio = figures['uri_baseline']['second']['seconds'] / figures['collection']['second']['seconds']
        figures['ratios'] = dict(first=round(first_ratio, 1), second=round(second_ratio, 1))
        print('collection vs the uri baseline: first run %.1fx faster, no-change run %.1fx faster'
              % (first_ratio, second_ratio))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
