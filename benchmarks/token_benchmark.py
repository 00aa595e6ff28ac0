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
  lookup_floor  50 debug tasks calling a lookup of a scratch collection that returns a constant and documents one
                option: what any collection lookup costs on this ansible-core
  lookup_floor_docs
                the same constant lookup with isc_access_token's DOCUMENTATION and doc fragments: what parsing the
                documentation costs (Ansible reads a plugin's option definitions from it in every task's process;
                isc_access_token keeps what Ansible derived from it, see plugin_utils/_isc_cached_definitions.py)

Usage: python benchmarks/token_benchmark.py [--tasks N] [--repeat R] [--scenarios debug,lookup] [--json FILE]
(`make bench` runs it with the collection built and installed.)
Counts come from the emulator's request log; times are wall-clock seconds of the whole
ansible-playbook process (time.perf_counter), the median of R repeats, scenarios interleaved. The CPU seconds
(user + system) of ansible-playbook and its worker processes are reported too: on a machine shared with other work,
wall time also counts waiting for a core, CPU time barely does, so its ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

import _bench

from isc_emulator.harness import Emulator  # noqa: E402  (_bench puts it on the path)
from isc_playbook_runner import (  # noqa: E402
    CONTROLLER, MODULE_PATH, playbook_environment, run_playbook, tenant_environment)

SCENARIOS = ('debug', 'lookup', 'token_info', 'token_info_module', 'uri_baseline', 'lookup_floor', 'lookup_floor_docs')
# Scenarios compared with debug in pairs (each round's own runs); the lookup has the goal.
LOOKUP_SCENARIOS = ('lookup', 'lookup_floor', 'lookup_floor_docs')
LOOKUP_GOAL = 1.3
FLOOR_COLLECTION = 'isc_bench_floor.lookups'

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
for _scenario, _lookup in (('lookup_floor', 'constant'), ('lookup_floor_docs', 'constant_documented')):
    TASKS[_scenario] = '''    - name: %s %%d
      ansible.builtin.debug:
        msg: "{{ lookup('%s.%s') | length > 0 }}"''' % (_scenario, FLOOR_COLLECTION, _lookup)

# The floor lookups: no import beyond ansible-core's LookupBase, no work; only their DOCUMENTATION differs.
FLOOR_LOOKUP = '''from __future__ import annotations

DOCUMENTATION = r"""%s"""

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        return ['constant']
'''
ONE_OPTION_DOCUMENTATION = '''
name: constant
short_description: Return a constant
description:
  - Returns a constant.
options:
  return_full:
    description:
      - Not used.
    type: bool
    default: false
'''


def lookup_documentation(collections):
    """The DOCUMENTATION of the installed isc_access_token lookup, as text."""
    path = collections / 'ansible_collections' / 'sailpoint_isc' / 'oauth' / 'plugins' / 'lookup'
    path = path / 'isc_access_token.py'
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION':
            return node.value.value
    sys.exit('%s has no DOCUMENTATION' % path)


def floor_collection(root, collections):
    """Write the floor lookups' collection below root; return root. Its fragments resolve from sailpoint_isc.oauth
    in the collections path next to it, as isc_access_token's do."""
    namespace, name = FLOOR_COLLECTION.split('.')
    plugins = root / 'ansible_collections' / namespace / name / 'plugins' / 'lookup'
    plugins.mkdir(parents=True)
    (plugins.parents[1] / 'meta').mkdir()
    (plugins.parents[1] / 'meta' / 'runtime.yml').write_text('requires_ansible: ">=2.16"\n')
    documented = lookup_documentation(collections).replace('name: isc_access_token', 'name: constant_documented', 1)
    (plugins / 'constant.py').write_text(FLOOR_LOOKUP % ONE_OPTION_DOCUMENTATION)
    (plugins / 'constant_documented.py').write_text(FLOOR_LOOKUP % documented)
    return root


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
    if scenario in ('lookup_floor', 'lookup_floor_docs'):
        collections = '%s%s%s' % (collections, os.pathsep, work.parent / 'floor')
    env = playbook_environment(collections, work, extra=tenant_environment(emulator.base_urls[tenant]))
    # As Python runs by default, and so users: bytecode is kept (an installed collection gets its __pycache__ on
    # the first run). Machines that turn that off pay a compile of every file their lookups import in every task.
    env.pop('PYTHONDONTWRITEBYTECODE', None)
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
        if set(scenarios) & {'lookup_floor', 'lookup_floor_docs'}:
            floor_collection(work / 'floor', collections)
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
    # Each round ran debug and the lookups back to back: the median of the rounds' own ratios and differences is
    # steadier on a shared machine than the ratio of two medians taken from different rounds.
    for scenario in (s for s in LOOKUP_SCENARIOS if s in samples):
        prefix = '' if scenario == 'lookup' else scenario + '_'
        for key, index, what in (('', 0, 'wall time'), ('_cpu', 3, 'CPU time')):
            pairs = [(lookup[index], debug[index]) for lookup, debug in zip(samples[scenario], samples['debug'])]
            ratio_key, beyond_key = prefix + 'lookup_vs_debug' + key, prefix + 'ms_per_lookup_beyond_debug' + key
            figures[ratio_key] = round(statistics.median(lookup / debug for lookup, debug in pairs), 2)
            figures[beyond_key] = round(
                statistics.median((lookup - debug) / args.tasks * 1000 for lookup, debug in pairs), 1)
            goal = ' (goal <= %.1fx)' % LOOKUP_GOAL if scenario == 'lookup' else ''
            print('%s vs debug, %s: %.2fx%s, %.1f ms per lookup beyond a debug task '
                  '(medians of the %d rounds\' paired runs)'
                  % (scenario, what, figures[ratio_key], goal, figures[beyond_key], len(pairs)))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
