# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes every task result as JSON lines to $ISC_TEST_RESULTS, for assertions in pytest.

With $ISC_TEST_EMULATOR_CONTROL (a tenant's ``/__emulator`` URL) and $ISC_TEST_COUNTED_TASKS (comma-separated task
name prefixes), the result of every task whose name starts with one of the prefixes also records ``counts``: how many
requests and OpenAPI violations the tenant has logged so far. A host with the inventory variable
``isc_test_emulator_control`` (a case of a batch: one tenant per host) has every task's result counted on its
tenant. A host's next task starts only after the results of its previous one have been handled (linear and free
strategies alike), so a test can attribute every request to the task that caused it without a task of its own.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: isc_test_results
type: aggregate
short_description: Write task results to a JSON-lines file (tests only)
description:
  - Writes one JSON object per task result to the file named by E(ISC_TEST_RESULTS).
  - With E(ISC_TEST_EMULATOR_CONTROL) and E(ISC_TEST_COUNTED_TASKS), adds the emulator tenant's request and
    violation counts to the results of the tasks named with one of those prefixes.
requirements:
  - enabled in the test environment
'''

import http.client
import json
import os
from urllib.parse import urlsplit

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'isc_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._control_url = os.environ.get('ISC_TEST_EMULATOR_CONTROL')
        self._counted = tuple(p for p in os.environ.get('ISC_TEST_COUNTED_TASKS', '').split(',') if p)
        # One kept-alive connection per emulator listener: a batch asks after every task of every case (hundreds of
        # times), and the strategy waits for each answer. The emulator is local: never through a proxy.
        self._connections = {}

    def _counts(self, control_url=None):
        """[requests, violations] the tenant has logged so far (one GET of its /__emulator/counts)."""
        url = urlsplit((control_url or self._control_url) + '/counts')
        if url.scheme != 'http':
            raise ValueError('the emulator control URL %s is not plain http, as the emulator of the tests serves it'
                             % url.geturl())
        for attempt in (1, 2):
            connection = self._connections.get(url.netloc)
            if connection is None:
                connection = self._connections[url.netloc] = http.client.HTTPConnection(url.netloc, timeout=30)
            try:
                connection.request('GET', url.path)
                answer = connection.getresponse()
                body = answer.read()
            except (http.client.HTTPException, OSError):
                # The emulator closed an idle connection: one more try on a new one.
                connection.close()
                del self._connections[url.netloc]
                if attempt == 2:
                    raise
                continue
            if answer.status != 200:
                raise RuntimeError('%s answered %s: %r' % (url.geturl(), answer.status, body[:200]))
            counts = json.loads(body)
            return [counts['requests'], counts['violations']]

    def _write(self, result, status):
        path = os.environ.get('ISC_TEST_RESULTS')
        if not path:
            return
        name = result._task.get_name()
        record = dict(task=name, host=result._host.get_name(), status=status, result=self._clean(result._result))
        # A case batch's host names its own tenant (isc_playbook_runner.Case): every task of it is counted.
        host_control = result._host.vars.get('isc_test_emulator_control')
        if host_control:
            record['counts'] = self._counts(host_control)
        elif self._control_url and self._counted and name.startswith(self._counted):
            record['counts'] = self._counts()
        with open(path, 'a') as handle:
            handle.write(json.dumps(record, default=str) + '\n')

    @staticmethod
    def _clean(value):
        return json.loads(json.dumps(value, default=str))

    def v2_runner_on_ok(self, result):
        self._write(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._write(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._write(result, 'unreachable')
