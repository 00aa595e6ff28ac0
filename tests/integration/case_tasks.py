"""Task lists of case batches (isc_playbook_runner.Case) written from Python values, and reading their results.

* :func:`task` / :func:`failing`: a task of the collection with its options as a dict (JSON is YAML); :func:`step`:
  a task of any action (ansible.builtin.set_fact, debug, ...); :func:`keep`: a task keeping a value in a file for the
  test, unseen in the output.
* :func:`emulator_control`, :func:`set_faults`, :func:`clear_faults`, :func:`tenant_state`: the case's tenant's test
  controls (``/__emulator/...``, never logged, faulted or validated) called from a task of the case. Where a test of
  separate runs set faults, cleared them or looked at the tenant's state between two runs, its case does it between
  two tasks, and the request log still attributes every ISC request to the task that sent it.
* :func:`role` / :func:`failing_role`: a task including a role (api_clients or personal_access_tokens), one that
  must fail in a block whose rescue keeps the case going (:func:`failure`: its message); :func:`show`: a variable,
  such as the summary fact a role set, at that point.
* :func:`ok` / :func:`failed`: a task's result after checking how it ended; :func:`sent`: the requests between two
  tasks of a case.
* :func:`tenant_url`: a case's prepare that gives its tasks the tenant's URL as the variable tenant_url.
"""

from __future__ import annotations

import json
import re
import textwrap

COLLECTION = 'sailpoint_isc.oauth'


def step(name, action, options=None, **keywords):
    """One task (YAML): the action (a fully qualified module name) with options, and task keywords such as register,
    check_mode, diff, no_log, ignore_errors or vars."""
    lines = ['- name: %s' % json.dumps(name), '  %s: %s' % (action, json.dumps(options or {}))]
    lines += ['  %s: %s' % (keyword, json.dumps(value)) for keyword, value in keywords.items()]
    return '\n'.join(lines) + '\n'


def task(name, module, options=None, **keywords):
    """One task (YAML) running the collection's module with options, and task keywords (see step)."""
    return step(name, '%s.%s' % (COLLECTION, module), options, **keywords)


def failing(name, module, options=None, **keywords):
    """A task expected to fail: with ignore_errors, so that the case goes on (its status is 'failed')."""
    return task(name, module, options, ignore_errors=True, **keywords)


def keep(name, path, text, **keywords):
    """A task writing text (a template, such as what a no_log task registered) to the file path as one line, for the
    test to read after the run, with no_log: the test action isc_test_keep (tests/integration/action_plugins) writes
    it in the task's worker, where lineinfile would start a module process (~0.2 s CPU; copy takes two). Named
    ansible.legacy.isc_test_keep, as the configured plugin paths' plugins are, so that tasks inside a collection's
    role find it too.
    keywords: more task keywords (see step)."""
    return step(name, 'ansible.legacy.isc_test_keep', dict(path=path, line=text), no_log=True, **keywords)


def emulator_control(name, control, method='GET', body=None, **keywords):
    """A task calling the case tenant's test control /__emulator/<control> (the host variable
    isc_test_emulator_control); register the task to use the answer in later tasks (``json``).

    The call is the test lookup isc_test_emulator_control (tests/integration/lookup_plugins) in a debug task, made in
    the worker that runs the task (again at every retry of an ``until``): a uri task would start a module process for
    it (~0.3 s CPU). body (values may be templates) goes through a task variable."""
    variables = dict(keywords.get('vars') or {})
    arguments = "isc_test_emulator_control ~ '/%s'" % control
    if method != 'GET':
        arguments += ", method='%s'" % method
    if body is not None:
        variables['isc_test_control_body'] = body
        arguments += ', body=isc_test_control_body'
    variables['json'] = "{{ lookup('isc_test_emulator_control', %s) }}" % arguments
    keywords['vars'] = variables
    return step(name, 'ansible.builtin.debug', dict(var='json'), **keywords)


def set_faults(name, *rules):
    """A task replacing the tenant's fault rules (see the emulator's README); values may be templates, such as an
    id a previous task registered."""
    return emulator_control(name, 'faults', 'POST', dict(rules=list(rules)))


def clear_faults(name):
    return emulator_control(name, 'faults', 'DELETE')


def tenant_state(name):
    """A task whose result's ``json`` is the tenant's state at that point (identities, clients, PATs; no secrets)."""
    return emulator_control(name, 'state')


def ok(case, name):
    """The result of a task of the case (a CaseResult) that must have succeeded."""
    assert case.status(name) == 'ok', (case.case.name, name, case.task(name).get('msg'))
    return case.task(name)


def failed(case, name):
    """The result of a task of the case that must have failed (it ran with ignore_errors)."""
    assert case.status(name) == 'failed', (case.case.name, name, case.task(name))
    return case.task(name)


def tenant_url(tenant):
    """prepare of a Case: the tenant's URL in the host variable tenant_url (for a task or another variable)."""
    return dict(tenant_url=tenant.base_url)


API_CLIENTS, PATS = COLLECTION + '.api_clients', COLLECTION + '.personal_access_tokens'


def role(name, role_vars, role_name=API_CLIENTS, **keywords):
    """A task including the role (by its full name) with role_vars, and task keywords of the include (see step)."""
    return step(name, 'ansible.builtin.include_role', dict(name=role_name), vars=role_vars, **keywords)


def failing_role(name, role_vars, role_name=API_CLIENTS, **block_keywords):
    """The role expected to fail, in a block whose rescue lets the case go on (see failure for its message).
    block_keywords (such as check_mode, which include_role does not take) apply to the role's tasks; note that a
    task's check_mode leaves ansible_check_mode (the run's --check) false.

    The rescue is a meta task, which the strategy runs itself: a task of any action (a debug of the failure's msg)
    would start a worker process for each such case (~30 ms CPU with its share of the main process)."""
    keywords = ''.join('  %s: %s\n' % (keyword, json.dumps(value)) for keyword, value in block_keywords.items())
    rescue = step(name + ' rescued', 'ansible.builtin.meta', 'noop')
    return '- name: %s\n%s  block:\n%s  rescue:\n%s' % (
        json.dumps(name), keywords, textwrap.indent(role(name, role_vars, role_name), '    '),
        textwrap.indent(rescue, '    '))


def show(name, variable='api_clients_summary'):
    """A task whose result holds the variable (the summary fact the role set) as it is at that point."""
    return step(name, 'ansible.builtin.debug', dict(var=variable))


def failure(case, name):
    """The msg of the role's failure in failing_role name, after checking that it failed: that the last task that ran
    from the include on, up to the case's next task of its own (a top-level task of its task list), failed. A failure
    that the role rescued itself or ignored is followed by more of its tasks."""
    start = case.records.index(case.record(name))  # the include_role task's own result
    own = set(json.loads(n) if n.startswith('"') else n for n in TOP_LEVEL_NAME.findall(case.case.tasks)) - {name}
    end = next((n for n, r in enumerate(case.records) if n > start and r['task'] in own), len(case.records))
    last = case.records[end - 1]
    assert last['status'] == 'failed', 'case %s: %s did not fail (its last task: %s)' % (
        case.case.name, name, last['task'])
    return last['result']['msg']


# The name of a task at the top of a case's task list (as step writes it, JSON-quoted, or plain).
TOP_LEVEL_NAME = re.compile(r'^- name: (.+)$', re.M)


def sent(case, after, until):
    """The requests the case's tenant got between two of its tasks (the role's own tasks run in between)."""
    return case.log[case.record(after)['counts'][0]:case.record(until)['counts'][0]]
