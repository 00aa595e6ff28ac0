# Copyright: sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the gates of `make test` in order, with the time of each and the total; stop at the first step that fails.

Each argument is a step: a gate (a make target), or lanes joined by ``+`` that run side by side, each lane one gate
or gates joined by ``,`` that run one after another. Gates that use one core each (ansible-lint, the documentation
site, Galaxy's importer, ansible-test sanity) run in two lanes on this project's two-core machines; gates that keep
every core busy (pytest with xdist workers) run alone. A gate that runs alone prints as it goes; the output of gates
run side by side is kept in a log file each (under the build directory) and printed whole as each one ends.

The virtualenvs some gates need (--environments) are built in the background from the start, at the lowest CPU
priority, and waited for before the first step that has one of the --wait-gates: the gates that need them, and the
gates that must not share the machine with the build (it takes about 70 s of CPU time).

Usage: python scripts/run_gates.py --make MAKE --build-dir DIR [--environments TARGET] [--wait-gates "A B"]
       STEP [STEP ...]        (the Makefile's `test` target calls it)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


class Gates(object):
    def __init__(self, make, build_dir):
        self.make = make
        self.logs = Path(build_dir) / 'gates'
        self.children = []
        self.results = []  # (gate, exit code, seconds), step by step

    def start(self, arguments, log=None, nice=False):
        """A child in a process group of its own (so that all of it can be stopped), its output to log or ours."""
        output = open(log, 'wb') if log else None
        try:
            child = subprocess.Popen((['nice', '-n', '19'] if nice else []) + list(arguments), stdout=output,
                                     stderr=subprocess.STDOUT if output else None, start_new_session=True)
        finally:
            if output:
                output.close()
        self.children.append(child)
        return child

    def stop_all(self):
        for child in self.children:
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

    def gate_command(self, gate):
        return [self.make, '--no-print-directory', gate, 'SKIP_BUILD=1']

    def run_step(self, lanes):
        """Run one step: its lanes side by side, the gates of a lane one after another (a lane stops at its first
        failure, the others go on to their end). True when every gate passed."""
        gates = [gate for lane in lanes for gate in lane]
        print('=== make %s' % ' + make '.join(', '.join(lane) for lane in lanes), flush=True)
        if len(lanes) == 1 and len(gates) == 1:  # alone: its output as it goes
            started = time.monotonic()
            rc = self.start(self.gate_command(gates[0])).wait()
            return self.record(gates[0], rc, time.monotonic() - started)
        self.logs.mkdir(parents=True, exist_ok=True)
        first = len(self.results)
        passed = True
        running = {}  # child -> (gate, when it started, the rest of its lane)
        for lane in lanes:
            self.start_in_lane(running, lane)
        while running:
            time.sleep(0.2)
            for child in [c for c in running if c.poll() is not None]:
                gate, started, rest = running.pop(child)
                took = time.monotonic() - started
                log = self.logs / (gate + '.log')
                print('=== make %s: %s after %ds, side by side with other gates; its output (%s):'
                      % (gate, 'ok' if child.returncode == 0 else 'FAILED', round(took), log), flush=True)
                sys.stdout.buffer.write(log.read_bytes())
                sys.stdout.flush()
                if self.record(gate, child.returncode, took):
                    self.start_in_lane(running, rest)
                else:
                    passed = False
        # The summary lists the step's gates in the order they are declared in, not in the order they ended.
        self.results[first:] = sorted(self.results[first:], key=lambda result: gates.index(result[0]))
        return passed

    def start_in_lane(self, running, lane):
        if lane:
            child = self.start(self.gate_command(lane[0]), log=self.logs / (lane[0] + '.log'))
            running[child] = (lane[0], time.monotonic(), lane[1:])

    def record(self, gate, rc, seconds):
        self.results.append((gate, rc, seconds))
        return rc == 0

    def print_summary(self, started):
        lines = ['  %s: %s %ds' % (gate, 'ok in' if rc == 0 else 'FAILED after', round(seconds))
                 for gate, rc, seconds in self.results]
        print('=== gate summary\n%s\n  total: %ds' % ('\n'.join(lines), round(time.monotonic() - started)), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--make', default='make')
    parser.add_argument('--build-dir', default='build')
    parser.add_argument('--environments', help='the make target that builds virtualenvs in the background')
    parser.add_argument('--wait-gates', default='', help='gates (space-separated) that wait until they are built')
    parser.add_argument('steps', nargs='+', metavar='STEP')
    args = parser.parse_args()
    steps = [[lane.split(',') for lane in step.split('+')] for step in args.steps]
    gates = Gates(args.make, args.build_dir)
    # A cancelled job (SIGTERM, or ^C) stops every gate and the background build, not only this script.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda signum, _frame: sys.exit(128 + signum))
    started = time.monotonic()
    environments = None
    environments_log = Path(args.build_dir) / 'test-environments.log'
    try:
        if args.environments:
            Path(args.build_dir).mkdir(parents=True, exist_ok=True)
            environments = gates.start([args.make, '--no-print-directory', '-j4', args.environments],
                                       log=environments_log, nice=True)
        waiting = set(args.wait_gates.split())
        for step in steps:
            if environments is not None and waiting.intersection(gate for lane in step for gate in lane):
                print('=== waiting for the virtualenvs built in the background (log: %s)' % environments_log,
                      flush=True)
                rc = environments.wait()
                environments = None
                if rc != 0:
                    sys.stdout.buffer.write(environments_log.read_bytes())
                    print('test: building the virtualenvs failed (exit %d)' % rc, file=sys.stderr, flush=True)
                    return 1
            if not gates.run_step(step):
                gates.print_summary(started)
                return 1
        gates.print_summary(started)
        return 0
    finally:
        gates.stop_all()


if __name__ == '__main__':
    sys.exit(main())
