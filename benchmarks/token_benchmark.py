"""Token requests and wall time for 50 tasks that need an ISC token, side by side in one run.

Scenarios, each a real ansible-playbook run against the bundled emulator:

  lookup        50 tasks, each calling lookup('sailpoint_isc.oauth.isc_access_token')
  token_info    50 sailpoint_isc.oauth.isc_token_info tasks (controller-side fast path)
  token_info_module
                the same 50 tasks forced onto the ordinary module path (a test connection plugin),
                to show what the controller-side execution saves
  uri_baseline  what users do today without the collection: 50 ansible.builtin.uri tasks,
                each POSTing to /oauth/token

Usage: python benchmarks/token_benchmark.py [--tasks N] [--repeat R]
(`make bench` runs it with the collection built and installed.)
Counts come from the emulator's request log; times are wall-clock seconds of the whole
ansible-playbook process, the median of R repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests' / 'emulator'))

from isc_emulator.harness import Emulator  # noqa: E402

CONNECTION_PLUGINS = ROOT / 'tests' / 'integration' / 'connection_plugins'


def playbook(scenario, tasks):
    body = []
    for n in range(tasks):
        if scenario == 'lookup':
            body.append('''    - name: lookup %d
      ansible.builtin.assert:
        that: lookup('sailpoint_isc.oauth.isc_access_token') | length > 0
        quiet: true
      no_log: true''' % n)
        elif scenario.startswith('token_info'):
            body.append('''    - name: token_info %d
      sailpoint_isc.oauth.isc_token_info:''' % n)
        else:
            body.append('''    - name: uri %d
      ansible.builtin.uri:
        url: "{{ lookup('env', 'SAIL_BASE_URL') }}/oauth/token"
        method: POST
        body_format: form-urlencoded
        body:
          grant_type: client_credentials
          client_id: "{{ lookup('env', 'SAIL_CLIENT_ID') }}"
          client_secret: "{{ lookup('env', 'SAIL_CLIENT_SECRET') }}"
      no_log: true''' % n)
    return '- hosts: all\n  gather_facts: false\n  tasks:\n' + '\n'.join(body) + '\n'


def run(scenario, emulator, tenant, tasks, work):
    connection = 'local_as_remote' if scenario == 'token_info_module' else 'local'
    inventory = work / ('inventory-%s.ini' % scenario)
    inventory.write_text('bench ansible_connection=%s ansible_python_interpreter=%s\n'
                         % (connection, sys.executable))
    book = work / ('%s.yml' % scenario)
    book.write_text(playbook(scenario, tasks))
    cache = work / ('cache-%s-%f' % (scenario, time.time()))
    env = dict(os.environ, SAIL_BASE_URL=emulator.base_urls[tenant], SAIL_CLIENT_ID='admin-client-id',
               SAIL_CLIENT_SECRET='admin-client-secret', ISC_TOKEN_CACHE_DIR=str(cache),
               ANSIBLE_CONNECTION_PLUGINS=str(CONNECTION_PLUGINS),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get('PATH', ''))
    emulator.clear_requests(tenant)
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / 'ansible-playbook'), '-i', str(inventory), str(book)],
                          env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit('%s failed:\n%s' % (scenario, (done.stdout + done.stderr)[-3000:]))
    log = emulator.requests(tenant)
    return elapsed, sum(1 for r in log if r['path'] == '/oauth/token'), len(log)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--tasks', type=int, default=50)
    parser.add_argument('--repeat', type=int, default=1)
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    scenarios = ['lookup', 'token_info', 'token_info_module', 'uri_baseline']
    figures = {}
    with tempfile.TemporaryDirectory(prefix='isc-bench-') as scratch, Emulator(tenants=['bench']) as emulator:
        work = Path(scratch)
        samples = dict((s, []) for s in scenarios)
        for _round in range(args.repeat):
            for scenario in scenarios:  # interleaved, so drift of the machine hits every scenario alike
                samples[scenario].append(run(scenario, emulator, 'bench', args.tasks, work))
        for scenario in scenarios:
            figures[scenario] = dict(seconds=round(statistics.median(s[0] for s in samples[scenario]), 2),
                                     token_requests=samples[scenario][-1][1],
                                     http_requests=samples[scenario][-1][2])
    base = figures['uri_baseline']['seconds']
    version = subprocess.run([str(Path(sys.executable).parent / 'ansible'), '--version'], capture_output=True,
                             text=True, check=False).stdout.split('\n')[0]
    print('%d tasks that need a token, median of %d run(s), %s' % (args.tasks, args.repeat, version))
    print('%-18s %9s %15s %14s %18s' % ('scenario', 'seconds', 'token requests', 'HTTP requests', 'speed-up vs uri'))
    for scenario in scenarios:
        f = figures[scenario]
        print('%-18s %9.2f %15d %14d %17.1fx'
              % (scenario, f['seconds'], f['token_requests'], f['http_requests'], base / f['seconds']))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = (figures['lookup']['token_requests'] == 1 and figures['token_info']['token_requests'] == 1
          and base / figures['token_info']['seconds'] >= 5)
    print('targets (1 token request for lookup and token_info; token_info >= 5x faster than uri): %s'
          % ('met' if ok else 'NOT met'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
