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
      - Two items with the same C(name) are an error (the second would undo the first), found before any request.
    type: list
    elements: dict
  compare_with_label:
    description:
      - How error messages name O(compare_with) and its items, for roles whose users never wrote that option (for
        example V(api_clients_definitions)).
    type: str
    default: compare_with
  compare_overrides:
    description:
      - Changes to some items of O(compare_with), keyed by the item's C(name); each value is a dictionary of options
        that replace the item's own (for example one environment's shorter C(access_token_validity_seconds)).
      - Applied before the comparison, and RV(comparison[].options) returns each item as it was compared.
      - When this is set (an empty dictionary too), every item of O(compare_with) needs a C(name), since that is
        what the overrides are keyed by. A key that names no item is an error, so that a misspelt name cannot go
        unnoticed.
      - Checked, like the names of O(compare_with), before any request.
    type: dict
  compare_overrides_label:
    description:
      - How error messages name O(compare_overrides) (for example V(api_clients_overrides)).
    type: str
    default: compare_overrides
'''

EXAMPLES = r'''
- name: All API clients of the tenant
  sailpoint_isc.oauth.isc_oauth_client_info:
  register: clients

- name: One client by name
  sailpoint_isc.oauth.isc_oauth_client_info:
    name: ci-pipeline
  register: ci

- name: Audit - clients last used more than 90 days ago
  sailpoint_isc.oauth.isc_oauth_client_info:
    filters: "lastUsed le {{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 90 * 86400) }}"
  register: stale

- name: Audit - clients never used
  sailpoint_isc.oauth.isc_oauth_client_info:
    filters: lastUsed isnull
  register: unused

- name: What isc_oauth_client would do, with this environment's overrides (one list call)
  sailpoint_isc.oauth.isc_oauth_client_info:
    compare_with:
      - name: ci-pipeline
        description: Deploys ISC configuration
        grant_types: [CLIENT_CREDENTIALS]
        access_type: OFFLINE
        access_token_validity_seconds: 750
        enabled: true
    compare_overrides:
      ci-pipeline:
        access_token_validity_seconds: 300
  register: plan
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
        - V(create), V(update), V(replace) (a field ISC cannot patch, with C(recreate)), V(recreate_required) (a
          field ISC cannot patch differs, and C(recreate) is not set; the module would fail), V(delete),
          V(unchanged), V(absent) (to be absent and already is), or V(check) when only the module can decide
          (for example several clients share the name).
      type: str
    frozen:
      description: The options that differ and that ISC cannot patch (C(scope), C(type), C(internal)).
      type: list
      elements: str
    provisional:
      description:
        - IDs of provisional clients of this name left by unfinished writes (see M(sailpoint_isc.oauth.isc_oauth_client));
          the module removes or adopts them.
      type: list
      elements: str
    planned_at:
      description:
        - For a V(create) without provisional leftovers, the time of the list it was planned from; pass it to
          M(sailpoint_isc.oauth.isc_oauth_client)'s C(planned_at) to spare that module a second list.
      type: float
      returned: when action is V(create) and provisional is empty
    changes:
      description: The options whose value differs.
      type: list
      elements: str
    options:
      description:
        - The item as it was compared, its O(compare_overrides) entry applied (only the options it sets), ready to
          be passed to M(sailpoint_isc.oauth.isc_oauth_client).
      type: dict
  sample:
    - {name: ci-pipeline, id: 2c9180835d2e5168015d32f890ca1581, action: update, changes: [description],
       options: {name: ci-pipeline, description: Deploys the configuration}}
    - {name: portal, id: null, action: create, changes: [], options: {name: portal, enabled: true}}
differing:
  description:
    - The items of O(compare_with) that M(sailpoint_isc.oauth.isc_oauth_client) would act on, in order, each by its
      C(name) (an item without a name by its C(id)) - every RV(comparison[].action) but V(unchanged) and V(absent),
      and items with RV(comparison[].provisional) leftovers, which that module removes or adopts.
    - Empty when the tenant already matches every item, so a playbook can tell drift from this alone, and a role can
      decide without filtering RV(comparison) whether it has anything to do.
  returned: when O(compare_with) is given
  type: list
  elements: str
  sample: [ci-pipeline]
matching:
  description:
    - The items of O(compare_with) that M(sailpoint_isc.oauth.isc_oauth_client) would leave as they are
      (RV(comparison[].action) V(unchanged), or V(absent) for an item to be absent), in order, named as in
      RV(differing). Items with provisional leftovers are in both lists.
  returned: when O(compare_with) is given
  type: list
  elements: str
  sample: [portal]
ids:
  description: The ID of the existing client of each named item of O(compare_with) that has one, by the item's C(name).
  returned: when O(compare_with) is given
  type: dict
  sample: {ci-pipeline: 2c9180835d2e5168015d32f890ca1581}
check_mode:
  description:
    - Whether the comparison was made in check mode, by the C(--check) option or by the C(check_mode) keyword of the
      task or of its block, role or play. Ansible's C(ansible_check_mode) variable reflects C(--check) only, so a role
      that decides whether its writes really happen (and whether new secrets are real) reads this instead.
  returned: when O(compare_with) is given
  type: bool
  sample: false
connection:
  description:
    - The tenant and the client this comparison was made as (C(base_url), C(client_id)), so that a role can refuse
      two inventory hosts that would reconcile the same tenant.
  returned: when O(compare_with) is given
  type: dict
  sample: {base_url: https://acme.api.identitynow.com, client_id: 2c9180835d2e5168015d32f890ca1581}
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

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
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


def definitions(params):
    """compare_with with compare_overrides applied, after the checks that need no request: no name twice, and with
    overrides, every item named and every override naming an item."""
    items, overrides = params['compare_with'], params['compare_overrides']
    label, overrides_label = params['compare_with_label'], params['compare_overrides_label']
    # As text: the item spec turns a name of 7 into '7', so 7 and '7' are the same client.
    names = [None if item.get('name') is None else str(item['name']) for item in items]
    named = [name for name in names if name is not None]
    if len(set(named)) != len(named) or (overrides is not None and len(named) != len(names)):
        raise IscOptionError('every definition needs a unique name: %s has the names %s (%d without a name)'
                             % (label, [name if name is not None else '<no name>' for name in names],
                                len(names) - len(named)))
    if overrides is None:
        return items
    overrides = dict((str(name), options) for name, options in overrides.items())
    unknown = sorted(set(overrides) - set(named))
    if unknown:
        raise IscOptionError('%s names clients that are not in %s (unknown: %s)' % (overrides_label, label, unknown))
    not_options = sorted(name for name, options in overrides.items() if not isinstance(options, dict))
    if not_options:
        raise IscOptionError('%s: the value for each client must be a dictionary of options (not for: %s)'
                             % (overrides_label, not_options))
    return [dict(item, **overrides.get(name, {})) for item, name in zip(items, names)]


# Actions after which isc_oauth_client would leave the client as it is.
SETTLED = ('unchanged', 'absent')


def outline(comparison):
    """differing, matching and ids (see RETURN) of a comparison: what a caller would otherwise filter it for."""
    def label(entry):
        return entry['name'] if entry['name'] is not None else entry['id']

    return dict(differing=[label(e) for e in comparison if e['action'] not in SETTLED or e['provisional']],
                matching=[label(e) for e in comparison if e['action'] in SETTLED],
                ids=dict((e['name'], e['id']) for e in comparison if e['name'] is not None and e['id']))


def report(ctx):
    engine = OAUTH_CLIENT.engine(ctx)
    params = ctx.params
    if params['compare_with'] is None:
        return dict(oauth_clients=engine.info())
    items = definitions(params)
    item_spec = resource_argument_spec(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS)
    try:
        comparison = engine.plan(items, item_spec)
    except IscOptionError as exc:
        label = params['compare_with_label']
        if params['compare_overrides'] is not None:
            label = '%s (with %s)' % (label, params['compare_overrides_label'])
        raise IscOptionError('%s %s' % (label, exc.message))
    settings = ctx.client.settings
    return dict(comparison=comparison, oauth_clients=[public_view(OAUTH_CLIENT, c) for c in engine.list_all()],
                connection=dict(base_url=settings.base_url, client_id=settings.client_id),
                check_mode=bool(ctx.check_mode), **outline(comparison))


SPEC = IscModuleSpec(
    argument_spec=info_argument_spec(dict(compare_with=dict(type='list', elements='dict'),
                                          compare_with_label=dict(type='str', default='compare_with'),
                                          compare_overrides=dict(type='dict'),
                                          compare_overrides_label=dict(type='str', default='compare_overrides'))),
    run=report,
    mutually_exclusive=[('id', 'name'), ('compare_with', 'id'), ('compare_with', 'name'), ('compare_with', 'filters')],
    required_by=dict(compare_overrides=['compare_with']),
)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
