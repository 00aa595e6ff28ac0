# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: isc_access_token
short_description: Get a SailPoint Identity Security Cloud bearer token
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Returns an OAuth 2.0 access token for an ISC tenant, to put in the C(Authorization) header of any
    ISC API call, for example with M(ansible.builtin.uri).
  - Supports the client credentials grant (API client or personal access token), the refresh token grant,
    and the authorization code exchange.
  - Tokens are cached (encrypted) across tasks, forks and playbook runs and renewed shortly before they
    expire, so 50 lookups in 50 tasks cost one token request. See O(token_cache).
  - The lookup takes no terms.
notes:
  - "Mark tasks that print or register the token with C(no_log: true)."
  - Errors never contain the client secret or the token.
extends_documentation_fragment:
  - sailpoint_isc.oauth.connection
  - sailpoint_isc.oauth.connection.plugins
  - sailpoint_isc.oauth.auth
  - sailpoint_isc.oauth.auth.plugins
options:
  return_full:
    description:
      - Return a dictionary with the token and what is known about it instead of the token string.
    type: bool
    default: false
seealso:
  - module: sailpoint_isc.oauth.isc_token_info
  - name: ISC authentication
    description: SailPoint's guide to the grant types.
    link: https://developer.sailpoint.com/docs/api/authentication
'''

EXAMPLES = r'''
- name: Call an ISC API with a token from the environment (SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET)
  ansible.builtin.uri:
    url: "{{ lookup('env', 'SAIL_BASE_URL') }}/v3/sources"
    headers:
      Authorization: "Bearer {{ lookup('sailpoint_isc.oauth.isc_access_token') }}"
  no_log: true

- name: Token for a named tenant, credentials from Ansible Vault variables
  ansible.builtin.set_fact:
    isc_token: "{{ lookup('sailpoint_isc.oauth.isc_access_token', tenant='acme',
                   client_id=vault_isc_client_id, client_secret=vault_isc_client_secret) }}"
  no_log: true

- name: Variables isc_base_url, isc_client_id and isc_client_secret are read automatically
  ansible.builtin.debug:
    msg: "Token expires at {{ lookup('sailpoint_isc.oauth.isc_access_token', return_full=true).expires_at }}"

- name: Exchange a refresh token
  ansible.builtin.set_fact:
    isc_token: "{{ lookup('sailpoint_isc.oauth.isc_access_token', grant_type='refresh_token',
                   client_id=app_client_id, client_secret=app_client_secret, refresh_token=app_refresh_token) }}"
  no_log: true
'''

RETURN = r'''
_raw:
  description:
    - The access token string.
    - With O(return_full=true), a dictionary instead.
  type: list
  elements: raw
  contains:
    access_token:
      description: The bearer token.
      type: str
    token_type:
      description: Always V(bearer).
      type: str
    expires_at:
      description: Expiry, ISO 8601 in UTC.
      type: str
      sample: '2026-11-23T14:05:00Z'
    expires_in:
      description: Seconds left before expiry.
      type: int
    scope:
      description: Scopes granted, space separated.
      type: str
    client_id:
      description: Client ID the token was issued to.
      type: str
    tenant_id:
      description: Tenant ID.
      type: str
    org:
      description: Tenant (org) name.
      type: str
    pod:
      description: Pod serving the tenant.
      type: str
    identity_id:
      description: Identity the token acts for; null without user context.
      type: str
    user_name:
      description: User name the token acts for; null without user context.
      type: str
    has_user_context:
      description: Whether the token acts for an identity (personal access token, authorization code).
      type: bool
'''

import time

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_cached_imports

# Ansible loads a lookup in each task's worker process and compiles the collection's helpers from source there: the
# finder installed here loads them with their bytecode kept instead. Only what a token served from the cache needs
# is imported; TokenProvider imports the HTTP client (_isc_client, _isc_http) when a token must be requested.
_isc_cached_imports.install()

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_auth import TokenProvider
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_login_options import (
    CHECKED_OPTIONS as LOGIN_OPTIONS,
    check_login_options,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_options import resolve_connection
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils import _isc_core_internals as core_internals
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_cached_definitions import DefinitionsCache
from ansible_collections.sailpoint_isc.oauth.plugins.plugin_utils._isc_plugin_options import (
    PluginOptionAdapter,
    strict_typed_options,
    templated_var_options,
)

# Ansible reads this lookup's option definitions from its documentation in every task's worker, after importing this
# file and unless it has them already: they are handed over here from what an earlier process kept.
_DEFINITIONS = DefinitionsCache('lookup', __name__, __file__)
_DEFINITIONS.preload()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError('isc_access_token takes no terms; pass options as keyword arguments, '
                                     'for example tenant=..., client_id=...')
        definitions = core_internals.plugin_option_definitions(self)
        _DEFINITIONS.keep(core_internals.plugin_load_name(self), definitions)
        unknown = sorted(set(kwargs) - set(definitions))
        if unknown:
            raise AnsibleLookupError('isc_access_token got unknown option(s) %s; it accepts: %s'
                                     % (', '.join(unknown), ', '.join(sorted(definitions))))
        var_options = templated_var_options(self, variables)
        try:
            # Before set_options(): Ansible would turn validate_certs='ture' into false without a word.
            checked = strict_typed_options(definitions, kwargs, var_options, config_file=C.CONFIG_FILE)
        except IscError as exc:
            raise AnsibleLookupError('isc_access_token: %s' % exc)
        self.set_options(var_options=var_options, direct=kwargs)
        tokens = None
        try:
            options = PluginOptionAdapter(self, kwargs, var_options, checked)
            check_login_options(dict((name, options.get(name)) for name in LOGIN_OPTIONS))
            tokens = TokenProvider(resolve_connection(options))
            token = tokens.get()
            if not options.get('return_full'):
                return [token.access_token]
            return [self._full(token)]
        except IscError as exc:
            raise AnsibleLookupError('isc_access_token: %s' % exc)
        finally:
            if tokens is not None:
                for warning in tokens.warnings:  # also when the lookup failed: the warning may explain why
                    self._display.warning(warning)
                tokens.close()

    @staticmethod
    def _full(token):
        # Imported here: only return_full reads the token's claims.
        from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_token import describe, iso8601

        now = time.time()
        full = dict(access_token=token.access_token, token_type=token.token_type,
                    expires_at=iso8601(token.expires_at), expires_in=token.expires_in(now), scope=token.scope)
        try:
            about = describe(token.access_token, now)
        except IscError:
            about = {}  # an opaque (non-JWT) token: report what the token endpoint said
        for name in ('client_id', 'tenant_id', 'org', 'pod', 'identity_id', 'user_name'):
            full[name] = about.get(name, token.info.get(name))
        full['has_user_context'] = about.get('has_user_context', bool(token.info.get('identity_id')))
        if full['expires_at'] is None and about.get('expires_at'):
            full['expires_at'], full['expires_in'] = about['expires_at'], about['expires_in']
        return full
