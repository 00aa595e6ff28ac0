"""Task lists of case batches (isc_playbook_runner.Case) written from Python values, and reading their results.

* :func:`task` / :func:`failing`: a task of the collection with its options as a dict (JSON is YAML); :func:`step`:
  a task of any action (ansible.builtin.copy, set_fact, ...).
* :func:`emulator_control`, :func:`set_faults`, :func:`clear_faults`, :func:`tenant_state`: the case's tenant's test
  controls (``/__emulator/...``, never logged, faulted or validated) called from a task of the case. Where a test of
  separate runs set faults, cleared them or looked at the tenant's state between two runs, its case does it between
  two tasks, and the request log still attributes every ISC request to the task that sent it.
* :func:`ok` / :func:`failed`: a task's result after checking how it ended.
* :func:`tenant_url`: a case's prepare that gives its tasks the tenant's URL as the variable tenant_url.
"""

from __future__ import annotations

import json

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


def emulator_control(name, control, method='GET', body=None, **keywords):
    """A task calling the case tenant's test control /__emulator/<control> (the host variable
    isc_test_emulator_control); register the task to use the answer in later tasks (``json``).

    A GET is read by the url lookup in a debug task, in the worker that runs the task (again at every retry of an
    ``until``): a uri task would start a module process for it (~0.4 s CPU). Other methods take a uri task."""
    if method == 'GET' and body is None:
        answer = "{{ lookup('ansible.builtin.url', isc_test_emulator_control ~ '/%s', use_proxy=false, " \
            "split_lines=false) | from_json }}" % control
        keywords['vars'] = dict(keywords.get('vars') or {}, json=answer)
        return step(name, 'ansible.builtin.debug', dict(var='json'), **keywords)
    options = dict(url='{{ isc_test_emulator_control }}/' + control, method=method, use_proxy=False,
                   status_code=[200, 204])
    if body is not None:
        options.update(body_format='json', body=body)
    return step(name, 'ansible.builtin.uri', options, **keywords)


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
