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
  - sailpoint_isc.oauth.write_path
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
      - At most 255 characters, without control, invisible formatting or bidirectional characters and without
        leading or trailing white space.
    type: str
  description:
    description:
      - Description. Required to create a client. At most 2000 characters, with the character rules of O(name).
    type: str
  business_name:
    description:
      - Name of the business the client belongs to. V("") clears it.
    type: str
  homepage_url:
    description:
      - Homepage URL of the owner of the client (http or https). V("") clears it.
    type: str
  access_token_validity_seconds:
    description:
      - Lifetime of the access tokens the client gets, in seconds (1 to 2147483647, ISC's int32). Required to
        create a client.
    type: int
  refresh_token_validity_seconds:
    description:
      - Lifetime of the refresh tokens the client gets, in seconds (1 to 2147483647). The published API gives no
        default; when it is not set on creation, ISC chooses.
    type: int
  redirect_uris:
    description:
      - Approved redirect URIs of the authorization code flow; at least one is needed with V(AUTHORIZATION_CODE).
      - Each is an absolute http(s) URI or one of a native application's own scheme (C(com.example.app:/callback)),
        without a fragment; C(javascript:), C(data:), C(vbscript:), C(file:), C(about:) and C(blob:) are refused.
      - Compared without regard to order. V([]) clears them (null, V("") and V([]) are all "none" when compared).
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
      - Public or confidential client. The published API gives no default; when it is not set on creation, ISC
        chooses.
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
      - Scopes of the client, each in ISC's scope syntax (colon-separated words such as C(sp:scopes:all)). ISC grants
        V(sp:scopes:all) when it is not set on creation.
      - An empty list is refused; leave O(scope) unset for the default.
      - Compared without regard to order. Cannot be changed on an existing client, see O(recreate).
    type: list
    elements: str
  recreate:
    description:
      - When a change needs an option that ISC cannot patch (O(scope), O(type), O(internal)), replace the client -
        a new client with the merged options is created first, its secret delivered (O(secret_file), or
        RV(client_secret)), and only then is the old client deleted, so a failed create leaves the old client
        working.
      - The new client has a B(new id and a new secret); everything using the old credentials stops working.
      - Without it, such a change fails before any write, naming the options.
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
- name: An API client for the CI pipeline; its secret is written to a private file before the task returns
  sailpoint_isc.oauth.isc_oauth_client:
    name: ci-pipeline
    description: Used by the CI pipeline to deploy sources
    grant_types: [CLIENT_CREDENTIALS]
    access_type: OFFLINE
    access_token_validity_seconds: 750
    enabled: true
    secret_file: "{{ lookup('env', 'HOME') }}/.isc/secrets/prod/ci-pipeline.json"
  register: ci_client
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
    - Secret of the created client. ISC shows it only once; store it now (or let O(secret_file) do it). In check
      mode, a placeholder.
  returned: when the client was created (or recreated)
  type: str
secret_file:
  description: The file the new credential was written to (O(secret_file)), or null when none was given.
  returned: when the client was created (or recreated)
  type: str
recovered:
  description:
    - Provisional clients of this name left by unfinished writes that this task dealt with, each with its C(id),
      C(name) and C(action) (V(deleted), or V(adopted) when O(secret_file) held its id).
  returned: when there were any
  type: list
  elements: dict
  sample: [{id: 2c9180835d2e5168015d32f890ca1582, name: ci-pipeline (creating 3f9a0c1e), action: deleted}]
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
