"""Token requests and wall time for 50 tasks that need an ISC token, side by side in one run.

Scenarios, each a real ansible-playbook run against the bundled emulator:

  debug         50 ansible.builtin.debug tasks: Ansible's own cost per task, the floor
  lookup        50 ansible.builtin.debug tasks, each calling lookup('sailpoint_isc.oauth.isc_access_token')
  token_info    50 sailpoint_isc.oauth.isc_token_info tasks (controller-side fast path)
  token_info_module
                the same 50 tasks forced onto the ordinary module path (a test connection plugin),
                to show what the controller-side execution saves
  uri_baseline  what users do today without the collection: 50 ansible.builtin.uri tasks,
                each POSTing to /oauth/token

Usage: python benchmarks/token_benchmark.py [--tasks N] [--repeat R] [--scenarios debug,lookup] [--json FILE]
(`make bench` runs it with the collection built and installed.)
Counts come from the emulator's request log; times are wall-clock seconds of the whole
ansible-playbook process (time.perf_counter), the median of R repeats, scenarios interleaved. The CPU seconds
(user + system) of ansible-playbook and its worker processes are reported too: on a machine shared with other work,
wall time also counts waiting for a core, CPU time barely does, so its ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
from pathlib import Path

import _bench

from isc_emulator.harness import Emulator  # noqa: E402  (_bench puts it on the path)
from isc_playbook_runner import (  # noqa: E402
    CONTROLLER, MODULE_PATH, playbook_environment, run_playbook, tenant_environment)

SCENARIOS = ('debug', 'lookup', 'token_info', 'token_info_module', 'uri_baseline')

TASKS = {
    'debug': '''    - name: debug %d
      ansible.builtin.debug:
        msg: "{{ 'x' | length > 0 }}"''',
    'lookup': '''    - name: lookup %d
      ansible.builtin.debug:
        msg: "{{ lookup('sailpoint_isc.oauth.isc_access_token') | length > 0 }}"''',
    'token_info': '''    - name: token_info %d
      sailpoint_isc.oauth.isc_token_info:''',
    'uri_baseline': '''    - name: uri %d
      ansible.builtin.uri:
        url: "{{ lookup('env', 'SAIL_BASE_URL') }}/oauth/token"
        method: POST
        body_format: form-urlencoded
        body:
          grant_type: client_credentials
          client_id: "{{ lookup('env', 'SAIL_CLIENT_ID') }}"
          client_secret: "{{ lookup('env', 'SAIL_CLIENT_SECRET') }}"
      no_log: true''',
}
TASKS['token_info_module'] = TASKS['token_info']


def playbook(scenario, tasks):
    body = '\n'.join(TASKS[scenario] % n for n in range(tasks))
    return '- hosts: all\n  gather_facts: false\n  tasks:\n' + body + '\n'


def children_cpu_seconds():
    """CPU time (user + system) of the child processes ended so far: ansible-playbook and its workers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(scenario, emulator, tenant, tasks, collections, work):
    """(seconds, token requests, HTTP requests, CPU seconds) of one run, with a token cache of its own (cold)."""
    work = work / ('%s-%d' % (scenario, len(list(work.glob(scenario + '-*')))))
    env = playbook_environment(collections, work, extra=tenant_environment(emulator.base_urls[tenant]))
    emulator.clear_requests(tenant)
    cpu = children_cpu_seconds()
    outcome = run_playbook(playbook(scenario, tasks), env, work,
                           inventory=MODULE_PATH if scenario == 'token_info_module' else CONTROLLER)
    cpu = children_cpu_seconds() - cpu
    if outcome.rc:
        sys.exit('%s failed:\n%s' % (scenario, outcome.output[-3000:]))
    log = emulator.requests(tenant)
    return outcome.seconds, sum(1 for r in log if r['path'] == '/oauth/token'), len(log), cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--tasks', type=int, default=50)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--scenarios', default=','.join(SCENARIOS),
                        help='comma-separated subset of %s (debug is always run: it is the floor)'
                             % ', '.join(SCENARIOS))
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    chosen = set(args.scenarios.split(',')) | {'debug'}
    if chosen - set(SCENARIOS):
        parser.error('unknown scenario(s): %s' % ', '.join(sorted(chosen - set(SCENARIOS))))
    scenarios = [s for s in SCENARIOS if s in chosen]
    collections = _bench.collections_or_exit()
    figures = dict(machine=_bench.machine())
    with tempfile.TemporaryDirectory(prefix='isc-bench-') as scratch, Emulator(tenants=['bench']) as emulator:
        work = Path(scratch)
        samples = dict((s, []) for s in scenarios)
        for _round in range(args.repeat):
            for scenario in scenarios:  # interleaved, so drift of the machine hits every scenario alike
                samples[scenario].append(run(scenario, emulator, 'bench', args.tasks, collections, work))
        for scenario in scenarios:
            figures[scenario] = dict(seconds=round(statistics.median(s[0] for s in samples[scenario]), 2),
                                     cpu_seconds=round(statistics.median(s[3] for s in samples[scenario]), 2),
                                     token_requests=samples[scenario][-1][1],
                                     http_requests=samples[scenario][-1][2])
    floor = figures['debug']['seconds']
    base = figures.get('uri_baseline', {}).get('seconds')
    print('Machine: %s' % figures['machine'])
    print('%d tasks per run, median of %d run(s)' % (args.tasks, args.repeat))
    print('%-18s %9s %9s %15s %14s %14s %18s' % ('scenario', 'seconds', 'CPU s', 'token requests', 'HTTP requests',
                                                  'vs debug', 'speed-up vs uri'))
    for scenario in scenarios:
        f = figures[scenario]
        print('%-18s %9.2f %9.2f %15d %14d %13.2fx %18s' % (
            scenario, f['seconds'], f['cpu_seconds'], f['token_requests'], f['http_requests'], f['seconds'] / floor,
            '%.1fx' % (base / f['seconds']) if base else '-'))
    if 'lookup' in samples:
        # Each round ran debug and lookup back to back: the median of the rounds' own ratios and differences is
        # steadier on a shared machine than the ratio of two medians taken from different rounds.
        for key, index, what in (('', 0, 'wall time'), ('_cpu', 3, 'CPU time')):
            pairs = [(lookup[index], debug[index]) for lookup, debug in zip(samples['lookup'], samples['debug'])]
            figures['lookup_vs_debug' + key] = round(statistics.median(lookup / debug for lookup, debug in pairs), 2)
            figures['ms_per_lookup_beyond_debug' + key] = round(
                statistics.median((lookup - debug) / args.tasks * 1000 for lookup, debug in pairs), 1)
            print('lookup vs debug, %s: %.2fx (goal <= 1.3x), %.1f ms per lookup beyond a debug task '
                  '(medians of the %d rounds\' paired runs)'
                  % (what, figures['lookup_vs_debug' + key], figures['ms_per_lookup_beyond_debug' + key], len(pairs)))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
