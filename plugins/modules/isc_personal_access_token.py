#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_personal_access_token
short_description: Manage SailPoint Identity Security Cloud personal access tokens, with safe rotation
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Creates, updates, rotates and deletes ISC personal access tokens (PATs), idempotently.
  - A PAT acts for the identity that owns it. ISC creates PATs only for the identity that calls (the owner of the
    token in O(client_id)/O(client_secret)); an admin can also delete other identities' PATs (O(owner_id)).
  - The token is identified by O(id) when given, else by O(name), which is unique per owner.
  - The rules ISC applies are checked before anything is written, with the rule quoted in the message.
    In API versions V(v1), V(v2025) and V(v2026), a token without O(expiration_date) never expires, and ISC then
    requires O(user_aware_token_never_expires=true); a given date must be in the future. In V(v3), V(beta) and
    V(v2024), a token expires at most 6 months after creation and O(user_aware_token_never_expires) does not exist.
  - ISC allows at most 10 PATs per user; a create, or a regeneration (which creates the replacement before it
    deletes the old token), that would exceed it fails without writing and names the existing tokens, least
    recently used first.
  - Tokens that ISC marks C(managed) are never matched by O(name); this module adopts, renames, regenerates or
    deletes one only when the task gives its O(id).
  - The secret (RV(client_secret)) exists only in the answer to the create call and is returned only when the
    token is created or regenerated.
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.attributes
  - sailpoint_isc.oauth.attributes.resource_module
  - sailpoint_isc.oauth.api_version
  - sailpoint_isc.oauth.write_path
options:
  state:
    description:
      - V(present) creates the token or brings it to the given options; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the token (also its client ID). Identifies the token instead of O(name), which can then be changed.
    type: str
  name:
    description:
      - Name of the token, unique per owner. Identifies the token when O(id) is not given. Required to create one.
    type: str
  owner_id:
    description:
      - Whose tokens the task addresses. V(me) is the caller. An identity ID can be used by an admin to delete
        another identity's token; ISC lets only the owner create or change a token.
    type: str
    default: me
  scope:
    description:
      - Scopes of the token, in ISC's scope syntax. ISC grants V(sp:scopes:all) when a token is created without a
        scope; an empty list is refused.
      - Compared without regard to order. A change can take up to 20 minutes to reach new bearer tokens.
    type: list
    elements: str
  access_token_validity_seconds:
    description:
      - Lifetime of the bearer tokens obtained with this PAT, 15 to 43200 seconds. ISC uses 43200 when it is not
        set on creation.
      - Cannot be changed on an existing token; with O(regenerate=true) the replacement gets the new value.
    type: int
  expiration_date:
    description:
      - When the token expires, as an ISO 8601 date-time (V(2027-06-30T00:00:00Z)) or date (V(2027-06-30), taken as
        midnight UTC). Must be in the future; in V(v3), V(beta) and V(v2024) at most 6 months ahead.
      - Compared as an instant, so the format does not matter.
    type: str
  user_aware_token_never_expires:
    description:
      - Acknowledge that the token never expires (API versions V(v1), V(v2025), V(v2026) only). With V(true) and no
        O(expiration_date), the token never expires; an existing token's expiration date is removed (one patch that
        sets the flag and removes the date, as ISC requires).
    type: bool
  regenerate:
    description:
      - Rotate the token's secret now. A new token is created under the temporary name C(<name> (rotating <8 hex
        digits>)), its secret delivered (O(secret_file), or RV(client_secret)), then the old one deleted and the new
        one given the old name. The new token has a new ID (its client ID) and secret; credentials of the old token
        stop working.
      - If a step fails, the old token is left working until the new secret was delivered; a rerun finishes or undoes
        an interrupted rotation (see RV(recovered)).
      - In V(v3), V(beta) and V(v2024) a token that never expires cannot be regenerated (those versions cannot create
        one) unless O(expiration_date) is given.
      - At the limit of 10 tokens per user a regeneration fails before any write; delete a token first.
      - Changes the token on every run; use it when a rotation is due.
    type: bool
    default: false
notes:
  - "Use C(no_log: true) on tasks that create or regenerate tokens, as the result carries the new secret."
seealso:
  - module: sailpoint_isc.oauth.isc_personal_access_token_info
  - module: sailpoint_isc.oauth.isc_oauth_client
'''

EXAMPLES = r'''
- name: A token for the reporting job that expires at the end of June
  sailpoint_isc.oauth.isc_personal_access_token:
    name: reporting-job
    scope: ["idn:sources:read"]
    expiration_date: "2027-06-30"
    access_token_validity_seconds: 3600
  register: reporting_pat
  no_log: true

- name: A token that never expires (explicitly acknowledged)
  sailpoint_isc.oauth.isc_personal_access_token:
    name: break-glass
    user_aware_token_never_expires: true
  no_log: true

- name: Rotate the reporting token; the new secret is on disk before the old token is deleted
  sailpoint_isc.oauth.isc_personal_access_token:
    name: reporting-job
    regenerate: true
    secret_file: "{{ lookup('env', 'HOME') }}/.isc/secrets/prod/reporting-job.json"
  no_log: true

- name: An admin removes another identity's token
  sailpoint_isc.oauth.isc_personal_access_token:
    owner_id: 2c9180867b50d088017b554662fb281e
    name: forgotten-token
    state: absent

- name: Legacy API version (tokens there expire within 6 months)
  sailpoint_isc.oauth.isc_personal_access_token:
    name: legacy-script
    api_version: v3
    expiration_date: "{{ '%Y-%m-%d' | strftime(now(utc=true).timestamp() + 90 * 86400) }}"
  no_log: true
'''

RETURN = r'''
personal_access_token:
  description:
    - The token as ISC returns it, without its secret. Null after deletion or when it was absent.
    - In check mode, the predicted token; a token to be created has the placeholder id V(<assigned by ISC on creation>).
  returned: always
  type: dict
  sample:
    id: ef38f94347e94562b5bb8424a56397d8
    name: reporting-job
    scope: [idn:sources:read]
    owner: {type: IDENTITY, id: 2c9180a46faadee4016fb4e018c20639, name: admin}
    created: '2026-11-23T10:00:00.000Z'
    lastUsed: null
    managed: false
    accessTokenValiditySeconds: 3600
    expirationDate: '2027-06-30T00:00:00.000Z'
    userAwareTokenNeverExpires: false
client_id:
  description: ID of the new token, to use as C(client_id) in token requests.
  returned: when the token was created or regenerated
  type: str
client_secret:
  description: Secret of the new token. ISC shows it only once; store it now. In check mode, a placeholder.
  returned: when the token was created or regenerated
  type: str
secret_file:
  description: The file the new credential was written to (O(secret_file)), or null when none was given.
  returned: when the token was created or regenerated
  type: str
recovered:
  description:
    - Provisional tokens of this name left by unfinished writes that this task dealt with, each with its C(id),
      C(name) and C(action) (V(deleted), or V(adopted) when O(secret_file) held its id).
  returned: when there were any
  type: list
  elements: dict
  sample: [{id: ef38f94347e94562b5bb8424a56397d9, name: reporting-job (rotating 3f9a0c1e), action: adopted}]
'''

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_personal_access_token import (
    PERSONAL_ACCESS_TOKEN,
    PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import resource_module_spec

SPEC = resource_module_spec(PERSONAL_ACCESS_TOKEN, PERSONAL_ACCESS_TOKEN_EXTRA_OPTIONS)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
