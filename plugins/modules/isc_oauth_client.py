#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_oauth_client
short_description: Manage SailPoint Identity Security Cloud OAuth API clients
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Creates, updates and deletes ISC OAuth API clients, idempotently.
  - The client is identified by O(id) when given, else by O(name). When several clients share the name and no O(id)
    is given, the task fails and lists their ids.
  - Only the options you set are compared; a change is sent as one JSON Patch with exactly the changed fields.
  - The client secret exists only in the answer to the create call. It is returned once, as RV(client_secret), and
    never again, nor in the diff, warnings or errors.
  - Managing OAuth clients needs a token with user context (a personal access token) of an C(ORG_ADMIN) identity.
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.attributes
  - sailpoint_isc.oauth.attributes.resource_module
  - sailpoint_isc.oauth.api_version
options:
  state:
    description:
      - V(present) creates the client or brings it to the given options; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - ID of the client. Identifies the client instead of O(name), which can then be changed.
    type: str
  name:
    description:
      - Human-readable name. Identifies the client when O(id) is not given. Required to create a client.
    type: str
  description:
    description:
      - Description. Required to create a client.
    type: str
  business_name:
    description:
      - Name of the business the client belongs to.
    type: str
  homepage_url:
    description:
      - Homepage URL of the owner of the client (http or https).
    type: str
  access_token_validity_seconds:
    description:
      - Lifetime of the access tokens the client gets, in seconds. Required to create a client.
    type: int
  refresh_token_validity_seconds:
    description:
      - Lifetime of the refresh tokens the client gets, in seconds. ISC uses 86400 when it is not set on creation.
    type: int
  redirect_uris:
    description:
      - Approved redirect URIs of the authorization code flow; at least one is needed with V(AUTHORIZATION_CODE).
      - Compared without regard to order.
    type: list
    elements: str
  grant_types:
    description:
      - OAuth 2.0 grant types the client may use. Required to create a client. Compared without regard to order.
    type: list
    elements: str
    choices: [CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN]
  access_type:
    description:
      - Whether the client is used online or offline. Required to create a client.
    type: str
    choices: [ONLINE, OFFLINE]
  type:
    description:
      - Public or confidential client. ISC uses V(CONFIDENTIAL) when it is not set on creation.
      - Cannot be changed on an existing client, see O(recreate).
    type: str
    choices: [CONFIDENTIAL, PUBLIC]
  internal:
    description:
      - Whether the client can be used for requests internal to ISC.
      - Cannot be changed on an existing client, see O(recreate).
    type: bool
  enabled:
    description:
      - Whether the client can be used. Required to create a client.
    type: bool
  strong_auth_supported:
    description:
      - Whether the client supports strong authentication.
    type: bool
  claims_supported:
    description:
      - Whether the client supports the serialization of SAML claims in the authorization code flow.
    type: bool
  scope:
    description:
      - Scopes of the client. ISC grants V(sp:scopes:all) when it is not set on creation.
      - Compared without regard to order. Cannot be changed on an existing client, see O(recreate).
    type: list
    elements: str
  recreate:
    description:
      - When a change needs an option that ISC cannot patch (O(scope), O(type), O(internal)), delete the client and
        create it again with the merged options.
      - The new client has a B(new id and a new secret); everything using the old credentials stops working.
      - Also used when a create's answer was lost after ISC applied it; the orphan is replaced so that a secret is
        in hand.
    type: bool
    default: false
notes:
  - "Use C(no_log: true) on tasks that create clients, as the result carries the new secret. See the examples for
    storing it safely."
seealso:
  - module: sailpoint_isc.oauth.isc_oauth_client_info
  - name: Create OAuth client
    description: The ISC API this module uses.
    link: https://developer.sailpoint.com/docs/api/v2025/create-oauth-client
'''

EXAMPLES = r'''
- name: An API client for the CI pipeline; keep the secret out of the log
  sailpoint_isc.oauth.isc_oauth_client:
    name: ci-pipeline
    description: Used by the CI pipeline to deploy sources
    grant_types: [CLIENT_CREDENTIALS]
    access_type: OFFLINE
    access_token_validity_seconds: 750
    enabled: true
  register: ci_client
  no_log: true

- name: Store a new secret in a file only the controller user can read (only created clients have one)
  ansible.builtin.copy:
    dest: "{{ lookup('env', 'HOME') }}/.isc/ci-pipeline.json"
    content: "{{ {'client_id': ci_client.client_id, 'client_secret': ci_client.client_secret} | to_json }}"
    mode: "0600"
  when: ci_client.client_secret is defined and ci_client.client_secret
  no_log: true

- name: A web application using the authorization code flow with refresh tokens
  sailpoint_isc.oauth.isc_oauth_client:
    name: access-portal
    description: Self-service portal
    grant_types: [AUTHORIZATION_CODE, REFRESH_TOKEN]
    redirect_uris:
      - https://portal.example.com/oauth/callback
    access_type: ONLINE
    access_token_validity_seconds: 900
    refresh_token_validity_seconds: 86400
    enabled: true
  no_log: true

- name: Disable a client by id (rename it at the same time)
  sailpoint_isc.oauth.isc_oauth_client:
    id: 2c9180835d2e5168015d32f890ca1581
    name: ci-pipeline-retired
    enabled: false

- name: Narrow a client's scope; ISC cannot patch scope, so the client is replaced (new id, new secret)
  sailpoint_isc.oauth.isc_oauth_client:
    name: ci-pipeline
    scope: ["idn:sources:read"]
    recreate: true
  no_log: true

- name: Remove a client
  sailpoint_isc.oauth.isc_oauth_client:
    name: old-integration
    state: absent
'''

RETURN = r'''
oauth_client:
  description:
    - The client as ISC returns it, without its secret. Null after deletion, or when it was absent.
    - In check mode, the predicted client; a client to be created has the placeholder id
      V(<assigned by ISC on creation>).
  returned: always
  type: dict
  sample:
    id: 2c9180835d2e5168015d32f890ca1581
    name: ci-pipeline
    description: Used by the CI pipeline to deploy sources
    accessTokenValiditySeconds: 750
    refreshTokenValiditySeconds: 86400
    redirectUris: null
    grantTypes: [CLIENT_CREDENTIALS]
    accessType: OFFLINE
    type: CONFIDENTIAL
    internal: false
    enabled: true
    strongAuthSupported: false
    claimsSupported: false
    scope: [sp:scopes:all]
    created: '2026-11-23T10:00:00.000Z'
    modified: '2026-11-23T10:00:00.000Z'
    lastUsed: null
client_id:
  description: ID of the created client, to use as C(client_id) in token requests.
  returned: when the client was created (or recreated)
  type: str
client_secret:
  description:
    - Secret of the created client. ISC shows it only once; store it now. In check mode, a placeholder.
  returned: when the client was created (or recreated)
  type: str
'''

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_oauth_client import (
    OAUTH_CLIENT,
    OAUTH_CLIENT_EXTRA_OPTIONS,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_resource import resource_module_spec

SPEC = resource_module_spec(OAUTH_CLIENT, OAUTH_CLIENT_EXTRA_OPTIONS)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
