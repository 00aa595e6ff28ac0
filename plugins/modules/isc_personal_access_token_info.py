#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_personal_access_token_info
short_description: List SailPoint Identity Security Cloud personal access tokens, with expiry and usage figures
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Lists the caller's personal access tokens, an owner's (admins), or every token of the tenant (admins).
  - Adds to each token RV(personal_access_tokens[].never_expires), RV(personal_access_tokens[].expires_in_days),
    RV(personal_access_tokens[].days_since_last_used) and RV(personal_access_tokens[].age_days), for audits of
    never-expiring and stale tokens and for rotation schedules.
  - Secrets are never returned.
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.attributes
  - sailpoint_isc.oauth.attributes.info_module
  - sailpoint_isc.oauth.api_version
options:
  owner_id:
    description:
      - V(me) for the caller's tokens, an identity ID for that identity's tokens, V(all) for every token of the
        tenant. The last two need admin rights.
    type: str
    default: me
  id:
    description:
      - Return only the token with this ID.
    type: str
  name:
    description:
      - Return only the token with this name.
    type: str
  filters:
    description:
      - An ISC filter expression passed to the list call, for example V(lastUsed le 2026-01-01T00:00:00Z) or
        V(lastUsed isnull).
    type: str
'''

EXAMPLES = r'''
- name: My tokens
  sailpoint_isc.oauth.isc_personal_access_token_info:
  register: mine

- name: Every token of the tenant, for an audit
  sailpoint_isc.oauth.isc_personal_access_token_info:
    base_url: "{{ isc_base_url }}"
    owner_id: all
  register: pats

- name: Report never-expiring, stale and never-used tokens
  ansible.builtin.debug:
    msg:
      never_expiring: "{{ pats.personal_access_tokens | selectattr('never_expires') | map(attribute='name') }}"
      unused_90_days: >-
        {{ pats.personal_access_tokens
           | selectattr('days_since_last_used', 'ne', None) | selectattr('days_since_last_used', 'gt', 90)
           | map(attribute='name') }}
      never_used: "{{ pats.personal_access_tokens | selectattr('lastUsed', 'none') | map(attribute='name') }}"
'''

RETURN = r'''
check_mode:
  description:
    - Whether the task ran in check mode, by the C(--check) option or by the C(check_mode) keyword of the task or of
      its block, role or play. Ansible's C(ansible_check_mode) variable reflects C(--check) only, so a role that
      decides whether its writes really happen (and whether new secrets are real) reads this instead.
  returned: always
  type: bool
  sample: false
connection:
  description:
    - The tenant and the client the tokens were listed as (C(base_url), C(client_id)), resolved from every source
      (task, module_defaults, C(isc_*) variables, environment), for a role that hands new credentials on.
  returned: always
  type: dict
  sample: {base_url: https://acme.api.identitynow.com, client_id: 2c9180835d2e5168015d32f890ca1581}
personal_access_tokens:
  description: The tokens found, as ISC returns them without secrets, plus computed fields.
  returned: always
  type: list
  elements: dict
  contains:
    never_expires:
      description: True when the token has no expiration date.
      type: bool
    expires_in_days:
      description: Whole days until expiry (negative once expired); null for a token that never expires.
      type: int
    days_since_last_used:
      description: Whole days since the token was last used; null if it never was.
      type: int
    age_days:
      description: Whole days since the token was created.
      type: int
  sample:
    - id: ef38f94347e94562b5bb8424a56397d8
      name: reporting-job
      owner: {type: IDENTITY, id: 2c9180a46faadee4016fb4e018c20639, name: admin}
      expirationDate: null
      lastUsed: '2026-08-01T10:00:00.000Z'
      never_expires: true
      expires_in_days: null
      days_since_last_used: 114
      age_days: 200
'''

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_personal_access_token import (
    PERSONAL_ACCESS_TOKEN,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import info_argument_spec
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec


def report(ctx):
    settings = ctx.client.settings
    return dict(personal_access_tokens=PERSONAL_ACCESS_TOKEN.engine(ctx).info(), check_mode=bool(ctx.check_mode),
                connection=dict(base_url=settings.base_url, client_id=settings.client_id))


SPEC = IscModuleSpec(
    argument_spec=info_argument_spec(dict(owner_id=dict(type='str', default='me'))),
    run=report,
    mutually_exclusive=[('id', 'name')],
)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
