# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only lookup: one call of an emulator tenant's test control (``/__emulator/...``), from the task's worker.

A case of a batch that sets or clears fault rules between two of its tasks (tests/integration/case_tasks.py) calls the
control with this lookup in a debug task: a uri task would start a module process for it (about 0.3 s of CPU each).
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: isc_test_emulator_control
short_description: Call an ISC emulator tenant's test control (tests only)
description:
  - Sends one request to the URL given as the term (a tenant's C(/__emulator/<control>) URL) and returns its JSON
    answer (null when it has no body). Only plain http, as the emulator of the tests serves it, never through a proxy.
options:
  _terms:
    description: The control URL.
    required: true
  method:
    description: The HTTP method.
    type: str
    default: GET
  body:
    description: A JSON body to send.
    type: raw
'''

import http.client
import json
from urllib.parse import urlsplit

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleError('isc_test_emulator_control takes one term, the control URL; got %d' % len(terms))
        url = urlsplit(str(terms[0]))
        if url.scheme != 'http':
            raise AnsibleError('the emulator control URL %s is not plain http, as the emulator of the tests serves it'
                               % url.geturl())
        body = self.get_option('body')
        payload = None if body is None else json.dumps(body)
        connection = http.client.HTTPConnection(url.netloc, timeout=30)
        try:
            connection.request(self.get_option('method').upper(), url.path, body=payload,
                               headers={'Content-Type': 'application/json'} if payload is not None else {})
            answer = connection.getresponse()
            text = answer.read()
        finally:
            connection.close()
        if answer.status not in (200, 204):
            raise AnsibleError('%s answered %s: %r' % (url.geturl(), answer.status, text[:200]))
        return [json.loads(text) if text else None]
