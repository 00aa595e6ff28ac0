"""The api_clients role at many-tenant scale: 50 emulator tenants x 20 API clients, -f 10.

One emulator process hosts every tenant (each with its own listener, state and rate limit: ISC's documented
100 requests per 10 s per client id and API version, and the collection paces itself by its default budget, so the
runs are what a user sees against ISC). Printed:

1. the first run (creates every client): wall time, requests per tenant, and that time against what ISC's rate limit
   alone allows for those requests;
2. the no-change run (token cache warm) side by side with two playbooks over the same hosts, interleaved, median of
   --repeat, wall and CPU time (ansible-playbook and its workers; the machine may be shared, and CPU time drifts
   less than wall time there):
   - one task per host (ansible.builtin.set_fact), the floor of any play;
   - one isc_oauth_client_info task per host: the list call that any no-change check of a tenant has to make, and
     nothing else (no comparison, no argument check);
   - the floor of the role's shape: a scratch role with the api_clients role's meta/argument_specs.yml and
     defaults/main.yml (copied at run time), so that Ansible's automatic argument check validates the same
     variables, one set_fact task, and one include_tasks that is skipped. That is what a role that validates its
     arguments, plans in one task and applies behind one include costs at the least;
   - the least a role that keeps Ansible's automatic argument check can cost when it plans per host: a scratch role
     with the same argument spec and defaults, the api_clients role's own plan task (read from its tasks/main.yml)
     and `meta: end_role` (ansible-core 2.18+; a meta task runs in the main process, so it costs no worker) for a
     host with nothing to do: every host pays for two workers, the argument check and the plan, and nothing else;
   and requests per tenant (goal: 1 list, 0 token requests; no-change at most 2x the one-task playbook), and the
   tasks each host ran (ok + skipped in the play recap: every one of them, skipped or not, costs a worker process per
   host);
3. how the no-change run grows with the number of tenants (10, 20, ... 50), with a least-squares line.

Usage: python benchmarks/many_tenants_benchmark.py [--tenants 50] [--clients 20] [--forks 10] [--repeat 3]
(`make bench` runs it.)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

import _bench
from _bench import ROOT

from isc_emulator.harness import Emulator  # noqa: E402  (_bench puts it on the path)
from isc_emulator.tenant import request_counts  # noqa: E402
from isc_playbook_runner import playbook_environment, run_playbook  # noqa: E402

ROLE_PLAYBOOK = ROOT / 'playbooks' / 'provision_api_clients.yml'
ONE_TASK_PLAYBOOK = '''
- name: One task per host, the floor of any play over these hosts
  hosts: isc_tenants
  gather_facts: false
  tasks:
    - name: One fact
      ansible.builtin.set_fact:
        isc_bench_fact: "{{ inventory_hostname }}"
'''
ONE_LIST_PLAYBOOK = '''
- name: One list call per host, what any no-change check of a tenant has to send
  hosts: isc_tenants
  gather_facts: false
  tasks:
    - name: List the API clients
      sailpoint_isc.oauth.isc_oauth_client_info:
'''

ROLE_DIR = ROOT / 'roles' / 'api_clients'
# The scratch role's tasks: a plan in one set_fact and the apply step behind one include that is skipped, as the
# api_clients role does for a host with nothing to do (the included file is never read).
FLOOR_TASKS = '''
- name: Plan in one task
  ansible.builtin.set_fact:
    _floor_work: false

- name: Apply behind one include
  ansible.builtin.include_tasks: apply.yml
  when: _floor_work
'''
SCRATCH_ROLE_PLAYBOOK = '''
- name: A scratch role of the api_clients role's shape
  hosts: isc_tenants
  gather_facts: false
  roles:
    - role: %s
'''


# After the role's own plan task: the end of the role for a host with nothing to do. A meta task runs in the main
# process, which evaluates its condition: it starts no worker.
END_ROLE_TASKS = '''
- name: End the role for a host with nothing to do
  ansible.builtin.meta: end_role
  when: _api_clients_plan.differing == []

- name: Never reached in a no-change run
  ansible.builtin.include_tasks: apply.yml
'''
PLAN_ACTION = 'sailpoint_isc.oauth.isc_oauth_client_info'


def scratch_role(parent, name, tasks):
    """A scratch role under parent: api_clients' argument spec and defaults, these tasks (YAML text) as its
    tasks/main.yml, and a tasks/apply.yml that a no-change run never includes; returns its path."""
    role = Path(parent) / name
    for path in ('meta/argument_specs.yml', 'defaults/main.yml'):
        (role / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROLE_DIR / path, role / path)
    (role / 'tasks').mkdir()
    (role / 'tasks' / 'main.yml').write_text(tasks)
    (role / 'tasks' / 'apply.yml').write_text('- name: Never included\n  ansible.builtin.meta: noop\n')
    return role


def plan_task():
    """The api_clients role's plan task as YAML text, read from the role, so that the figure follows the role."""
    tasks = yaml.safe_load((ROLE_DIR / 'tasks' / 'main.yml').read_text())
    found = [task for task in tasks if PLAN_ACTION in task]
    if len(found) != 1:
        sys.exit('roles/api_clients/tasks/main.yml has %d %s tasks, not the one plan task this benchmark copies'
                 % (len(found), PLAN_ACTION))
    return yaml.safe_dump(found, sort_keys=False)


def end_role_supported():
    """meta: end_role came with ansible-core 2.18."""
    return tuple(int(part) for part in _bench.core_version().split('.')[:2]) >= (2, 18)


RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=\d+\s+skipped=(\d+)', re.M)


def tasks_per_host(stdout):
    """{host: tasks it ran} from the play recap: ok + skipped (a skipped task still costs the host a worker)."""
    return dict((host, int(ok) + int(skipped)) for host, ok, skipped in RECAP.findall(stdout))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--tenants', type=int, default=50)
    parser.add_argument('--clients', type=int, default=20)
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--steps', type=int, default=10, help='tenants added per row of the growth table')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    collections = _bench.collections_or_exit()
    tenants = ['t%02d' % n for n in range(1, args.tenants + 1)]
    figures = dict(machine=_bench.machine(), tenants=args.tenants, clients=args.clients, forks=args.forks)
    with tempfile.TemporaryDirectory(prefix='isc-many-tenants-') as scratch, \
            Emulator(tenants=tenants, rate_limit=_bench.ISC_RATE_REQUESTS,
                     rate_window=_bench.ISC_RATE_WINDOW) as emulator:
        work = Path(scratch)
        env = playbook_environment(collections, work)
        extra = dict(api_clients_definitions=_bench.client_definitions(args.clients),
                     api_clients_secrets_dir=str(work / 'secrets'))

        scratch_roles = work / 'scratch-roles'
        playbooks = [('no_change', ROLE_PLAYBOOK),
                     ('floor', SCRATCH_ROLE_PLAYBOOK % scratch_role(scratch_roles, 'api_clients_floor', FLOOR_TASKS))]
        if end_role_supported():
            least_role = scratch_role(scratch_roles, 'api_clients_least', plan_task() + END_ROLE_TASKS)
            playbooks.append(('least', SCRATCH_ROLE_PLAYBOOK % least_role))
        playbooks += [('one_list', ONE_LIST_PLAYBOOK), ('one_task', ONE_TASK_PLAYBOOK)]

        def run(playbook, count, label):
            inventory = _bench.tenants_inventory(dict((t, emulator.base_urls[t]) for t in tenants[:count]))
            for tenant in tenants:
                emulator.clear_requests(tenant)
            cpu = _bench.children_cpu_seconds()
            outcome = run_playbook(playbook, env, work / label, inventory=inventory, extra_vars=extra,
                                   forks=args.forks)
            run.cpu = _bench.children_cpu_seconds() - cpu
            if outcome.rc:
                sys.exit('%s failed:\n%s' % (label, outcome.output[-4000:]))
            run.tasks = tasks_per_host(outcome.stdout)
            return outcome.seconds, [emulator.requests(t) for t in tenants[:count]]

        first_seconds, first_logs = run(ROLE_PLAYBOOK, args.tenants, 'first')
        first_counts = [request_counts(log) for log in first_logs]
        bound = max(_bench.rate_limit_minimum(_bench.requests_per_key(log).values()) for log in first_logs)
        per_tenant = [c['http'] for c in first_counts]
        sustained = max(per_tenant) / (_bench.ISC_RATE_REQUESTS / _bench.ISC_RATE_WINDOW)
        batches = -(-args.tenants // args.forks)
        figures['first'] = dict(seconds=round(first_seconds, 2), requests_per_tenant=first_counts[0],
                                same_for_every_tenant=all(c == first_counts[0] for c in first_counts),
                                rate_limit_window_minimum=bound, rate_limit_sustained_seconds=round(sustained, 2),
                                seconds_per_tenant_batch=round(first_seconds / batches, 2))

        samples = dict((name, dict(seconds=[], cpu=[])) for name, _playbook in playbooks)
        no_change_counts = no_change_tasks = least_counts = least_tasks = None
        for _round in range(args.repeat):  # interleaved: a drift of the machine hits them all alike
            for name, playbook in playbooks:
                seconds, logs = run(playbook, args.tenants, name.replace('_', '-'))
                samples[name]['seconds'].append(seconds)
                samples[name]['cpu'].append(run.cpu)
                if name == 'no_change':
                    no_change_counts = [request_counts(log) for log in logs]
                    no_change_tasks = run.tasks
                elif name == 'least':
                    least_counts = [request_counts(log) for log in logs]
                    least_tasks = run.tasks
        medians = dict((name, dict((kind, statistics.median(values)) for kind, values in sample.items()))
                       for name, sample in samples.items())
        no_change, floor, one_list, one_task = (medians[name]['seconds']
                                                for name in ('no_change', 'floor', 'one_list', 'one_task'))
        figures['no_change'] = dict(seconds=round(no_change, 2), one_task_seconds=round(one_task, 2),
                                    floor_seconds=round(floor, 2), one_list_seconds=round(one_list, 2),
                                    ratio=round(_bench.ratio(no_change, one_task), 2),
                                    ratio_to_one_list=round(_bench.ratio(no_change, one_list), 2),
                                    one_list_ratio=round(_bench.ratio(one_list, one_task), 2),
                                    ratio_to_floor=round(_bench.ratio(no_change, floor), 2),
                                    floor_ratio=round(_bench.ratio(floor, one_task), 2),
                                    cpu_seconds=dict((name, round(m['cpu'], 2)) for name, m in medians.items()),
                                    token_requests=[c['token'] for c in no_change_counts],
                                    list_requests=[c['lists'] for c in no_change_counts],
                                    writes=sum(c['writes'] for c in no_change_counts),
                                    tasks_per_host=sorted(set(no_change_tasks.values())))
        if 'least' in medians:
            least = medians['least']['seconds']
            figures['no_change'].update(
                least_seconds=round(least, 2), least_ratio=round(_bench.ratio(least, one_task), 2),
                least_list_requests=sorted(set(c['lists'] for c in least_counts)),
                least_tasks_per_host=sorted(set(least_tasks.values())))

        rows = []
        for count in range(args.steps, args.tenants + 1, args.steps):
            pairs = [(run(ROLE_PLAYBOOK, count, 'grow')[0], run(ONE_TASK_PLAYBOOK, count, 'grow-floor')[0])
                     for _r in range(args.repeat)]  # interleaved, as above
            rows.append((count, statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)))
        figures['growth'] = [dict(tenants=c, no_change=round(r, 2), one_task=round(f, 2)) for c, r, f in rows]

    print('Machine: %s' % figures['machine'])
    print('api_clients role, %d tenants x %d clients, -f %d; emulator and pacing at ISC\'s limit (100 requests / 10 s '
          'per client id and API version, per tenant)' % (args.tenants, args.clients, args.forks))
    first = figures['first']
    counts = first['requests_per_tenant']
    print('\n1. First run: %.1f s; per tenant %d requests (%d token, %d list, %d creates, %d other writes, %d x 429)%s'
          % (first['seconds'], counts['http'], counts['token'], counts['lists'], counts['creates'],
             counts['writes'] - counts['creates'], counts['throttled'],
             '' if first['same_for_every_tenant'] else ' (tenants differ: see --json)'))
    print('   ISC\'s rate limit alone: %.0f s at the least per tenant (sliding window), %.1f s at the sustained '
          '10 requests/s' % (first['rate_limit_window_minimum'], first['rate_limit_sustained_seconds']))
    print('   -f %d runs %d batches of tenants: %.1f s per batch = %.2fx the sustained rate-limit time'
          % (args.forks, batches, first['seconds_per_tenant_batch'],
             _bench.ratio(first['seconds_per_tenant_batch'], first['rate_limit_sustained_seconds'])))
    nc = figures['no_change']
    cpu = nc['cpu_seconds']
    print('\n2. No-change run, median of %d (interleaved):' % args.repeat)
    print('   %-58s %8s %7s %9s %7s' % ('', 'wall s', 'ratio', 'CPU s', 'ratio'))
    table = [('api_clients role', nc['seconds'], nc['ratio'], cpu['no_change']),
             ('floor of its shape (argument check, set_fact, include)', nc['floor_seconds'], nc['floor_ratio'],
              cpu['floor'])]
    if 'least_seconds' in nc:
        table.append(("argument check, the role's plan task, meta: end_role", nc['least_seconds'],
                      nc['least_ratio'], cpu['least']))
    table += [('one isc_oauth_client_info per host (the list call alone)', nc['one_list_seconds'], nc['one_list_ratio'],
               cpu['one_list']),
              ('one set_fact per host', nc['one_task_seconds'], 1.0, cpu['one_task'])]
    for label, seconds, ratio, cpu_seconds in table:
        cpu_ratio = _bench.ratio(cpu_seconds, cpu['one_task'])
        print('   %-58s %8.2f %6.2fx %9.2f %6.2fx' % (label, seconds, ratio, cpu_seconds, cpu_ratio))
    print('   the role: %.2fx the one-task playbook (goal <= 2x); %.2fx the floor of its shape (CPU %.2fx), which '
          'alone is\n   %.2fx the one-task playbook'
          % (nc['ratio'], nc['ratio_to_floor'], _bench.ratio(cpu['no_change'], cpu['floor']), nc['floor_ratio']))
    print('   the role: %.2fx the playbook of one list call per host (CPU %.2fx), which alone is %.2fx the one-task '
          'playbook' % (nc['ratio_to_one_list'], _bench.ratio(cpu['no_change'], cpu['one_list']), nc['one_list_ratio']))
    if 'least_seconds' in nc:
        print('   the least a role can cost that keeps the automatic argument check and plans per host (%s tasks per '
              'host,\n   %s list requests per tenant): %.2fx the one-task playbook'
              % (', '.join(str(n) for n in nc['least_tasks_per_host']),
                 ', '.join(str(n) for n in nc['least_list_requests']), nc['least_ratio']))
    else:
        print('   (ansible-core before 2.18 has no meta: end_role: the least shape of a role is not measured)')
    print('   per tenant: token requests %s, list requests %s, writes %d (goal: 0 token, 1 list, 0 writes)'
          % (sorted(set(nc['token_requests'])), sorted(set(nc['list_requests'])), nc['writes']))
    print('   tasks per host (ok + skipped in the recap; run_once tasks count on one host only): %s'
          % ', '.join(str(n) for n in nc['tasks_per_host']))
    print('\n3. Growth of the no-change run (median of %d each)' % args.repeat)
    print('   %7s %12s %12s %7s %14s' % ('tenants', 'no-change s', 'one-task s', 'ratio', 'no-change/t ms'))
    for count, role_seconds, floor_seconds in rows:
        ratio = _bench.ratio(role_seconds, floor_seconds)
        per_tenant_ms = role_seconds / count * 1000
        print('   %7d %12.2f %12.2f %6.2fx %14.0f' % (count, role_seconds, floor_seconds, ratio, per_tenant_ms))
    xs = [r[0] for r in rows]
    ys = [r[1] for r in rows]
    if len(rows) > 1:
        slope, intercept = statistics.linear_regression(xs, ys)
        fitted = [intercept + slope * x for x in xs]
        worst = max(abs(y - f) / y for y, f in zip(ys, fitted))
        figures['growth_fit'] = dict(seconds_per_tenant=round(slope, 3), intercept=round(intercept, 2),
                                     worst_deviation=round(worst, 3))
        print('   least squares: %.2f s + %.0f ms per tenant; largest deviation from the line %.0f %%'
              % (intercept, slope * 1000, worst * 100))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
