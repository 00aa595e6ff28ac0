# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes every task result as JSON lines to $ISC_TEST_RESULTS, for assertions in pytest."""

from __future__ import annotations

DOCUMENTATION = r'''
name: isc_test_results
type: aggregate
short_description: Write task results to a JSON-lines file (tests only)
description:
  - Writes one JSON object per task result to the file named by E(ISC_TEST_RESULTS).
requirements:
  - enabled in the test environment
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'isc_test_results'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        path = os.environ.get('ISC_TEST_RESULTS')
        if not path:
            return
        record = dict(task=result._task.get_name(), host=result._host.get_name(), status=status,
                      result=self._clean(result._result))
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
