"""Where the time of one module call goes, and what the controller-side execution saves.

Part 1, whole tasks (each scenario one ansible-playbook run of N tasks against the emulator):
  debug           N ansible.builtin.debug tasks: Ansible's own per-task cost, the floor
  info_controller N sailpoint_isc.oauth.isc_oauth_client_info tasks, run in-process by the action plugin
  info_module     the same tasks forced onto the ordinary module path (AnsiballZ, one process per task)

Part 2, inside one call, measured in a fresh Python process like a task's worker (median of R repeats):
  import          importing the action plugin and the shared ISC client (Ansible itself already imported)
  validate        checking the task's arguments against the module's argument spec
  token           getting the token from the on-disk cache (no request)
  requests        importing requests, which happens only when a request is sent
  http            one authenticated list request to the emulator, first on a new connection, then kept alive

Usage: python benchmarks/module_call_profile.py [--tasks N] [--repeat R]   (`make bench` runs it)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import _bench

from isc_emulator.harness import Emulator  # noqa: E402  (_bench puts it on the path)
from isc_playbook_runner import (  # noqa: E402
    CONTROLLER, MODULE_PATH, playbook_environment, run_playbook, tenant_environment)

INNER = r'''
import json, os, sys, time
marks = {}
# A task's worker process has Ansible itself imported already: leave that out of the figures.
import ansible.plugins.action, ansible.module_utils.basic, ansible.module_utils.common.arg_spec
t0 = time.perf_counter()
from ansible_collections.sailpoint_isc.oauth.plugins.action import isc_oauth_client_info as action
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import DictOptionAdapter
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_client import IscClient
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
marks['import'] = time.perf_counter() - t0
args = dict(base_url=os.environ['SAIL_BASE_URL'], client_id='admin-client-id', client_secret='admin-client-secret')
t0 = time.perf_counter()
checked = ArgumentSpecValidator(action.SPEC.argument_spec, **action.SPEC.validation_rules).validate(args)
marks['validate'] = time.perf_counter() - t0
client = IscClient.from_options(DictOptionAdapter(checked.validated_parameters))
t0 = time.perf_counter()
client.token()
marks['token'] = time.perf_counter() - t0
t0 = time.perf_counter()
import requests
marks['requests_import'] = time.perf_counter() - t0
t0 = time.perf_counter()
client.paginate('/oauth-clients/v1')
marks['http_first'] = time.perf_counter() - t0
t0 = time.perf_counter()
client.paginate('/oauth-clients/v1')
marks['http_next'] = time.perf_counter() - t0
print(json.dumps(marks))
'''


def playbook(kind, tasks):
    if kind == 'debug':
        body = ''.join('    - name: t%d\n      ansible.builtin.debug: {msg: x}\n' % n for n in range(tasks))
    else:
        body = ''.join('    - name: t%d\n      sailpoint_isc.oauth.isc_oauth_client_info:\n' % n for n in range(tasks))
    return '- hosts: all\n  gather_facts: false\n  tasks:\n' + body


def whole_tasks(work, tasks, env):
    figures = {}
    for kind, inventory in (('debug', CONTROLLER), ('info_controller', CONTROLLER), ('info_module', MODULE_PATH)):
        outcome = run_playbook(playbook(kind, tasks), env, work / kind, inventory=inventory)
        if outcome.rc:
            sys.exit(outcome.output[-6000:])
        figures[kind] = outcome.seconds
    return figures


def inside_one_call(env, repeat):
    samples = []
    for _n in range(repeat):
        done = subprocess.run([sys.executable, '-c', INNER], env=env, capture_output=True, text=True, check=True)
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return dict((k, statistics.median(s[k] for s in samples)) for k in samples[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--tasks', type=int, default=50)
    parser.add_argument('--repeat', type=int, default=7)
    args = parser.parse_args()
    collections = _bench.collections_or_exit()
    with tempfile.TemporaryDirectory(prefix='isc-profile-') as scratch, Emulator(tenants=['bench']) as emulator:
        work = Path(scratch)
        # One token cache for every run: the token is requested once, as in a real run of many tasks.
        env = playbook_environment(collections, work, token_cache_dir=work / 'cache',
                                   extra=dict(tenant_environment(emulator.base_urls['bench']),
                                              PYTHONPATH=str(collections)))
        tasks = whole_tasks(work, args.tasks, env)
        inner = inside_one_call(env, args.repeat)
    per = dict((k, v / args.tasks) for k, v in tasks.items())
    print('Machine: %s' % _bench.machine())
    print('Part 1: %d tasks per run' % args.tasks)
    print('  %-16s %8s %14s %22s' % ('scenario', 'seconds', 'per task (ms)', 'beyond debug (ms/task)'))
    for kind in ('debug', 'info_controller', 'info_module'):
        print('  %-16s %8.2f %14.0f %22.0f' % (kind, tasks[kind], per[kind] * 1000,
                                               (per[kind] - per['debug']) * 1000))
    print('  the controller-side path saves %.0f ms per task (%.1fx less time beyond the floor)' % (
        (per['info_module'] - per['info_controller']) * 1000,
        (per['info_module'] - per['debug']) / max(per['info_controller'] - per['debug'], 1e-6)))
    print('Part 2: inside one call, fresh process, median of %d' % args.repeat)
    labels = dict(import_='import of the action plugin, the shared ISC client and requests; Ansible does it once per '
                          'run in its main process, and every task inherits it',
                  validate='argument validation', token='token from the on-disk cache',
                  requests_import='importing requests, if not imported yet',
                  http_first='first list request (new connection)', http_next='next list request (kept-alive)')
    for key in ('import', 'validate', 'token', 'requests_import', 'http_first', 'http_next'):
        print('  %7.1f ms  %s' % (inner[key] * 1000, labels.get(key, labels.get(key + '_'))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
