#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_token_info
short_description: Inspect a SailPoint Identity Security Cloud access token
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Decodes an ISC access token (a JWT) and reports its claims, expiry, scopes, authorities and identity context.
  - Inspects the token given as O(access_token), or else obtains one with the connection options and inspects that,
    which makes it a quick check that a set of credentials works and acts as whom.
  - Optionally checks the token signature, and fetches the tenant's public C(/oauth/info) document.
  - Runs in-process on the controller when the task runs locally (the usual case); otherwise, and with C(become) or
    C(async), as a module process on the target.
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.attributes
  - sailpoint_isc.oauth.attributes.info_module
options:
  return_token:
    description:
      - Also return the access token itself as RV(access_token). Use C(no_log) on the task.
    type: bool
    default: false
  include_tenant_info:
    description:
      - Also return the tenant's C(GET /oauth/info) document as RV(tenant_info).
    type: bool
    default: false
  verify_signature:
    description:
      - Check the token signature with O(key) or the keys at O(jwks_url); a bad signature fails the task.
      - Requires the PyJWT library, and C(cryptography) for RSA and EC keys.
    type: bool
    default: false
  key:
    description:
      - The HMAC secret (HS algorithms) or PEM public key (RS, PS, ES algorithms) to verify the signature with.
    type: str
  jwks_url:
    description:
      - URL of a JSON Web Key Set to verify the signature with; the key is chosen by the token's C(kid).
      - Fetched with the same TLS settings (O(validate_certs), O(ca_path)) as the API.
    type: str
  fail_on_expired:
    description:
      - Fail when the token has expired, instead of reporting RV(expired=true).
    type: bool
    default: false
notes:
  - Claims are decoded without trusting them unless O(verify_signature=true).
  - With client credentials of a plain API client the token has no user context; personal access tokens and the
    authorization code grant act for an identity (RV(has_user_context)).
seealso:
  - plugin: sailpoint_isc.oauth.isc_access_token
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Check that the credentials work, and for whom (from isc_base_url, isc_client_id, isc_client_secret, else SAIL_*)
  sailpoint_isc.oauth.isc_token_info:
  register: whoami

- name: Show the identity behind a personal access token
  ansible.builtin.debug:
    msg: "{{ whoami.user_name }} ({{ whoami.authorities | join(', ') }}) on {{ whoami.org }}, expires {{ whoami.expires_at }}"

- name: Inspect a token obtained elsewhere, fail if it has expired
  sailpoint_isc.oauth.isc_token_info:
    access_token: "{{ some_token }}"
    fail_on_expired: true

- name: Verify the signature with the tenant's JWK set and read the tenant's OAuth details
  sailpoint_isc.oauth.isc_token_info:
    tenant: acme
    client_id: "{{ vault_isc_client_id }}"
    client_secret: "{{ vault_isc_client_secret }}"
    verify_signature: true
    jwks_url: https://keys.example.com/acme/jwks.json
    include_tenant_info: true
'''

RETURN = r'''
claims:
  description: Decoded JWT payload.
  returned: always
  type: dict
header:
  description: Decoded JWT header (C(alg), C(typ), C(kid)).
  returned: always
  type: dict
expires_at:
  description: Expiry time, ISO 8601 in UTC; null when the token has no C(exp) claim.
  returned: always
  type: str
  sample: '2026-11-23T14:05:00Z'
expires_in:
  description: Seconds left before expiry (negative once expired).
  returned: always
  type: int
expired:
  description: Whether the token has expired.
  returned: always
  type: bool
scopes:
  description: Scopes granted to the token.
  returned: always
  type: list
  elements: str
  sample: [sp:scopes:all]
authorities:
  description: Authorities (rights) of the identity, for example V(ORG_ADMIN); empty without user context.
  returned: always
  type: list
  elements: str
client_id:
  description: Client ID the token was issued to (the API client, or the personal access token's ID).
  returned: always
  type: str
tenant_id:
  description: Tenant ID.
  returned: always
  type: str
org:
  description: Tenant (org) name.
  returned: always
  type: str
pod:
  description: Pod serving the tenant.
  returned: always
  type: str
identity_id:
  description: ID of the identity the token acts for; null without user context.
  returned: always
  type: str
user_name:
  description: User name of that identity; null without user context.
  returned: always
  type: str
has_user_context:
  description: True for personal access token and authorization code tokens, false for plain client credentials.
  returned: always
  type: bool
signature_verified:
  description: Whether the signature was checked (and found valid).
  returned: always
  type: bool
access_token:
  description: The access token.
  returned: when O(return_token=true)
  type: str
tenant_info:
  description: The tenant's C(/oauth/info) document.
  returned: when O(include_tenant_info=true)
  type: dict
  sample:
    tenantId: cc31a307-8a8d-49e8-93b9-c7cbe20e2e6b
    tenantName: acme
    tokenEndpoint: https://acme.api.identitynow.com/oauth/token
    authorizeEndpoint: https://acme.login.sailpoint.com/oauth/authorize
    pod: stg01-useast1
'''

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import describe, verify_signature


def inspect(ctx):
    params = ctx.params
    needs_server = params['include_tenant_info'] or params['jwks_url']
    if params['access_token'] and not needs_server:
        access_token = params['access_token']  # offline: no tenant needed to read a token
    else:
        access_token = ctx.client.token().access_token

    result = describe(access_token)
    result['signature_verified'] = False
    if params['verify_signature']:
        jwks = ctx.client.get_absolute(params['jwks_url']) if params['jwks_url'] else None
        verify_signature(access_token, key=params['key'], jwks=jwks)
        result['signature_verified'] = True
    if params['fail_on_expired'] and result['expired']:
        raise IscError('The access token expired at %s (%d seconds ago)'
                       % (result['expires_at'], -result['expires_in']))
    if params['include_tenant_info']:
        result['tenant_info'] = ctx.client.get_public('/oauth/info')
    if params['return_token']:
        result['access_token'] = access_token
    return result


SPEC = IscModuleSpec(
    argument_spec=dict(
        return_token=dict(type='bool', default=False),
        include_tenant_info=dict(type='bool', default=False),
        verify_signature=dict(type='bool', default=False),
        key=dict(type='str', no_log=True),
        jwks_url=dict(type='str'),
        fail_on_expired=dict(type='bool', default=False),
    ),
    run=inspect,
    mutually_exclusive=[('key', 'jwks_url')],
    required_if=[('verify_signature', True, ('key', 'jwks_url'), True)],
)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
