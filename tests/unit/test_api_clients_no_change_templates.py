"""What the api_clients role templates for a host with nothing to do names no Jinja filter or test.

Ansible runs every task in a new worker process, and the first template a worker compiles that names a filter (or a
test) loads every filter (or test) plugin of Ansible first, even when that part of the template is never evaluated;
and Jinja resolves every variable a template names before it evaluates any. So the summary of such a host and the
first condition of the include of tasks/apply.yml, with every role variable they name, in turn, must name none: 50
tenants spent about 0.5 s of CPU time on it. The same holds for the conditions that a host whose apply step (or
rotation) had no failure and no secret for custom tasks evaluates only to skip a task. Read from the roles' files, no
playbook run.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.nodes
import yaml

ROLES = Path(__file__).resolve().parents[2] / 'roles'
ROLE = ROLES / 'api_clients'


def role_variables(role=ROLE):
    variables = {}
    for path in (role / 'defaults' / 'main.yml', role / 'vars' / 'main.yml'):
        variables.update(yaml.safe_load(path.read_text()) or {})
    return variables


def strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def filters_named(templates, variables):
    """{where: [filter or test]} for templates and every role variable they name, followed from one to the next."""
    environment = jinja2.Environment()
    found, seen = {}, set()
    pending = [('the task', text) for text in templates]
    while pending:
        where, text = pending.pop()
        tree = environment.parse(text)
        names = [node.name for node in tree.find_all((jinja2.nodes.Filter, jinja2.nodes.Test))]
        if names:
            found.setdefault(where, []).extend(names)
        # Every name it reads (a local of a loop or a set too, which no role variable is named like).
        for name in sorted(set(node.name for node in tree.find_all(jinja2.nodes.Name) if node.ctx == 'load') - seen):
            seen.add(name)
            if name in variables:
                pending.extend((name, text) for text in strings(variables[name]))
    return found


def main_tasks():
    return dict((task['name'], task) for task in yaml.safe_load((ROLE / 'tasks' / 'main.yml').read_text()))


def conditions(role, tasks_file, names):
    """The `when` of each named task or block of a role's tasks file (blocks searched too), as one expression."""
    found = {}

    def visit(tasks):
        for task in tasks:
            if task.get('name') in names:
                when = task['when']
                found[task['name']] = ' and '.join('(%s)' % c for c in when) if isinstance(when, list) else when
            for key in ('block', 'rescue', 'always'):
                visit(task.get(key, []))

    visit(yaml.safe_load((role / 'tasks' / tasks_file).read_text()))
    assert sorted(found) == sorted(names), 'a task was renamed: update this test'
    return found


def test_the_summary_of_a_host_with_nothing_to_do_names_no_filter():
    summary = main_tasks()['Summarise the plan']['ansible.builtin.set_fact']
    assert list(summary) == ['api_clients_summary']
    assert filters_named(strings(summary), role_variables()) == {}


def test_the_first_condition_of_the_apply_step_names_no_filter_and_the_exact_one_comes_second():
    include = main_tasks()['Apply what differs, only for the hosts that have something to do']
    first, exact = include['when']
    assert filters_named(['{{ %s }}' % first], role_variables()) == {}
    # The check itself finds filters where there are some: the exact condition names several, through the variables.
    found = filters_named(['{{ %s }}' % exact], role_variables())
    assert {'bool', 'length'} <= set(found.get('the task', []) + found.get('_api_clients_has_work', []))
    assert '_api_clients_stale' in found


SKIPPED_WITHOUT_FAILURES = [
    (ROLE, 'apply.yml', ['Deliver the new secrets with the custom secret tasks',
                         'Report and fail for the clients that need attention']),
    (ROLES / 'personal_access_tokens', 'main.yml', ['Deliver the new secrets',
                                                    'Record a change made before the failure in {{ personal_access_tokens_environment }}',
                                                    'Fail for the tokens that need attention']),
]


def test_what_a_host_without_failures_only_skips_names_no_filter():
    for role, tasks_file, names in SKIPPED_WITHOUT_FAILURES:
        for name, condition in conditions(role, tasks_file, names).items():
            assert filters_named(['{{ %s }}' % condition], role_variables(role)) == {}, (role.name, name)


def test_the_check_for_skipped_conditions_finds_a_filter_where_there_is_one():
    condition = conditions(ROLES / 'personal_access_tokens', 'main.yml', ['Collect the new secrets for the custom secret tasks'])
    found = filters_named(['{{ %s }}' % c for c in condition.values()], role_variables(ROLES / 'personal_access_tokens'))
    assert {'bool', 'length'} <= set(found['the task'])
