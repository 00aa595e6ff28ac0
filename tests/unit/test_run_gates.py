"""scripts/run_gates.py (the gates of `make test`) with a stand-in for make: lanes run side by side and the gates of a
lane one after another, a failure stops its lane and fails the run, the background virtualenvs are waited for before
the first step that needs them, and every gate's output and time reach the log."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_GATES = ROOT / 'scripts' / 'run_gates.py'

# A stand-in for make: `make --no-print-directory GATE SKIP_BUILD=1` (or `-j4 TARGET` for the virtualenvs) records
# its start and end in events.jsonl, waits until the gates named in its "after" have started (so that a gate can
# only end once another has run beside it), and exits with its "rc".
FAKE_MAKE = textwrap.dedent('''\
    import json, os, sys, time
    target = [a for a in sys.argv[1:] if not a.startswith('-') and '=' not in a][0]
    work = os.environ['FAKE_MAKE_DIR']
    plan = json.load(open(os.path.join(work, 'plan.json'))).get(target, {})
    def event(kind):
        with open(os.path.join(work, 'events.jsonl'), 'a') as f:
            f.write(json.dumps([target, kind]) + '\\n')
    def started(name):
        return [name, 'start'] in [json.loads(l) for l in open(os.path.join(work, 'events.jsonl'))]
    event('start')
    print('output of %s' % target)
    deadline = time.monotonic() + 20
    while not all(started(name) for name in plan.get('after', ())):
        if time.monotonic() > deadline:
            print('%s: %s never started beside it' % (target, plan['after']))
            sys.exit(99)
        time.sleep(0.05)
    event('end')
    sys.exit(plan.get('rc', 0))
''')


@pytest.fixture
def run_gates(tmp_path):
    make = tmp_path / 'make'
    make.write_text('#!%s\n%s' % (sys.executable, FAKE_MAKE))
    make.chmod(0o755)
    (tmp_path / 'events.jsonl').write_text('')

    def run(plan, *arguments):
        (tmp_path / 'plan.json').write_text(json.dumps(plan))
        completed = subprocess.run(
            [sys.executable, str(RUN_GATES), '--make', str(make), '--build-dir', str(tmp_path / 'build')]
            + list(arguments), capture_output=True, text=True, timeout=60, check=False,
            env=dict(FAKE_MAKE_DIR=str(tmp_path), PATH='/usr/bin:/bin'))
        events = [tuple(json.loads(line)) for line in (tmp_path / 'events.jsonl').read_text().splitlines()]
        return completed, events

    return run


def test_lanes_run_side_by_side_and_a_lane_in_order(run_gates):
    # lint can only end once sanity has started beside it, and sanity once docs (after lint, in lint's lane) has
    completed, events = run_gates(dict(lint=dict(after=['sanity']), sanity=dict(after=['docs'])),
                                  'unit', 'sanity+lint,docs')
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert events[:2] == [('unit', 'start'), ('unit', 'end')]
    assert events.index(('lint', 'end')) < events.index(('docs', 'start'))
    assert events.index(('docs', 'start')) < events.index(('sanity', 'end'))
    for gate in ('unit', 'sanity', 'lint', 'docs'):
        assert 'output of %s' % gate in completed.stdout
    summary = completed.stdout.split('=== gate summary\n', 1)[1].splitlines()
    assert [line.split(':')[0].strip() for line in summary] == ['unit', 'sanity', 'lint', 'docs', 'total']
    assert all(': ok in ' in line for line in summary[:-1]) and summary[-1].startswith('  total: ')


def test_a_failed_gate_stops_its_lane_and_the_run_but_not_the_other_lane(run_gates):
    completed, events = run_gates(dict(lint=dict(rc=2, after=['sanity'])), 'sanity+lint,docs', 'compat')
    assert completed.returncode == 1
    assert ('sanity', 'end') in events  # the other lane ran to its end
    assert not [e for e in events if e[0] in ('docs', 'compat')]
    assert '  lint: FAILED after ' in completed.stdout and '  sanity: ok in ' in completed.stdout
    assert '=== make lint: FAILED after' in completed.stdout


def test_a_failed_gate_alone_stops_the_run(run_gates):
    completed, events = run_gates(dict(unit=dict(rc=1)), 'unit', 'build')
    assert completed.returncode == 1 and events == [('unit', 'start'), ('unit', 'end')]
    assert '  unit: FAILED after ' in completed.stdout


def test_the_virtualenvs_are_waited_for_before_the_first_step_that_needs_them(run_gates):
    completed, events = run_gates({}, '--environments', 'test-environments', '--wait-gates', 'docs compat',
                                  'unit', 'sanity+docs')
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert events.index(('test-environments', 'end')) < events.index(('docs', 'start'))
    assert '=== waiting for the virtualenvs built in the background' in completed.stdout


def test_a_failed_build_of_the_virtualenvs_fails_the_run_with_its_log(run_gates):
    completed, events = run_gates({'test-environments': dict(rc=2)}, '--environments', 'test-environments',
                                  '--wait-gates', 'docs', 'unit', 'docs')
    assert completed.returncode == 1
    assert 'output of test-environments' in completed.stdout
    assert 'building the virtualenvs failed (exit 2)' in completed.stderr
    assert not [e for e in events if e[0] == 'docs']
