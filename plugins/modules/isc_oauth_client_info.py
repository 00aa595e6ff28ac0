#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_oauth_client_info
short_description: List SailPoint Identity Security Cloud OAuth API clients
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Lists the tenant's OAuth API clients, or one by O(id) or O(name), paging through all of them.
  - Secrets are never returned (ISC only shows a secret in the answer to the create call).
  - Useful for audits, for example to find clients that have not been used for months (see the examples).
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.attributes
  - sailpoint_isc.oauth.attributes.info_module
  - sailpoint_isc.oauth.api_version
options:
  id:
    description:
      - Return only the client with this ID (an empty list when there is none).
    type: str
  name:
    description:
      - Return only the clients with this name (ISC allows several).
    type: str
  filters:
    description:
      - An ISC filter expression passed to the list call, for example V(lastUsed le 2026-01-01T00:00:00Z) or
        V(lastUsed isnull). ISC supports C(le) and C(isnull) on C(lastUsed).
    type: str
  compare_with:
    description:
      - Client definitions, each a dictionary of M(sailpoint_isc.oauth.isc_oauth_client) options (C(name) or C(id),
        C(state), the client fields, C(recreate)).
      - Each is compared with the tenant's clients exactly as M(sailpoint_isc.oauth.isc_oauth_client) would compare
        it, from the one list call this module makes, and RV(comparison) says what that module would do. A role or
        playbook can then call M(sailpoint_isc.oauth.isc_oauth_client) only for the clients that differ.
      - O(id), O(name) and O(filters) do not apply to the comparison.
    type: list
    elements: dict
'''

EXAMPLES = r'''
- name: All API clients of the tenant
  sailpoint_isc.oauth.isc_oauth_client_info:
  register: clients

- name: One client by name
  sailpoint_isc.oauth.isc_oauth_client_info:
    name: ci-pipeline
  register: ci

- name: Audit - API clients not used for 90 days, or never used
  block:
    - name: Clients last used more than 90 days ago
      sailpoint_isc.oauth.isc_oauth_client_info:
        filters: "lastUsed le {{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 90 * 86400) }}"
      register: stale

    - name: Clients never used
      sailpoint_isc.oauth.isc_oauth_client_info:
        filters: lastUsed isnull
      register: unused

    - name: Report them
      ansible.builtin.debug:
        msg: "{{ (stale.oauth_clients + unused.oauth_clients) | map(attribute='name') | list }}"
'''

RETURN = r'''
comparison:
  description: What M(sailpoint_isc.oauth.isc_oauth_client) would do for each item of O(compare_with), in order.
  returned: when O(compare_with) is given
  type: list
  elements: dict
  contains:
    name:
      description: The name of the definition.
      type: str
    id:
      description: ID of the existing client, if there is one.
      type: str
    action:
      description:
        - V(create), V(update), V(replace) (a field ISC cannot patch, with C(recreate)), V(delete),
          V(unchanged), V(absent) (to be absent and already is), or V(check) when only the module can decide
          (for example several clients share the name).
      type: str
    changes:
      description: The options whose value differs.
      type: list
      elements: str
  sample:
    - {name: ci-pipeline, id: 2c9180835d2e5168015d32f890ca1581, action: update, changes: [description]}
    - {name: portal, id: null, action: create, changes: []}
oauth_clients:
  description: The clients found, as ISC returns them, without secrets.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 2c9180835d2e5168015d32f890ca1581
      name: ci-pipeline
      grantTypes: [CLIENT_CREDENTIALS]
      enabled: true
      lastUsed: '2026-10-01T08:00:00.000Z'
'''

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_oauth_client import (
    OAUTH_CLIENT,
    OAUTH_CLIENT_EXTRA_OPTIONS,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import (
    info_argument_spec,
    public_view,
    resource_argument_spec,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec


def report(ctx):
    engine = OAUTH_CLIENT.engine(ctx)
    if ctx.params['compare_with'] is None:
        return dict(oauth_clients=engine.info())
    item_spec = resource_argument_spec(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS)
    comparison = engine.plan(ctx.params['compare_with'], item_spec)
    return dict(comparison=comparison, oauth_clients=[public_view(OAUTH_CLIENT, c) for c in engine.list_all()])


SPEC = IscModuleSpec(
    argument_spec=info_argument_spec(dict(compare_with=dict(type='list', elements='dict'))),
    run=report,
    mutually_exclusive=[('id', 'name'), ('compare_with', 'id'), ('compare_with', 'name'), ('compare_with', 'filters')],
)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
