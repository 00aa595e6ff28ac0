# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # Modules: how to authenticate. Secrets have no ini entry in PLUGINS on purpose: ansible.cfg is not a vault.
    DOCUMENTATION = r'''
options:
  client_id:
    description:
      - Client ID of an API client, or of a personal access token.
      - If not set, the variable C(isc_client_id) is used, then the environment variable E(SAIL_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Secret of the API client or personal access token. Store it with Ansible Vault or an AWX/AAP credential.
      - If not set, the variable C(isc_client_secret) is used, then the environment variable E(SAIL_CLIENT_SECRET).
    type: str
  access_token:
    description:
      - A bearer token to use as is; no token is requested and none is renewed.
      - Mutually exclusive with O(client_id) and O(client_secret) set on the task.
      - If no credentials are set on the task, the variable C(isc_access_token) is used, then the environment
        variable E(ISC_ACCESS_TOKEN), before E(SAIL_CLIENT_ID).
    type: str
  grant_type:
    description:
      - OAuth 2.0 grant this task logs in with.
      - V(client_credentials) with an API client (no user context) or a personal access token (the owner's context).
      - V(refresh_token) exchanges O(refresh_token) for a new token.
      - V(authorization_code) exchanges O(code) obtained from C(/oauth/authorize) with O(redirect_uri).
      - Not the grant types of an API client (C(grant_types) of M(sailpoint_isc.oauth.isc_oauth_client), a list in
        upper case); such a value fails, naming C(grant_types).
      - If not set, the variable C(isc_grant_type) is used.
    type: str
    choices: [client_credentials, refresh_token, authorization_code]
    default: client_credentials
  refresh_token:
    description:
      - Refresh token for O(grant_type=refresh_token); with another grant the task fails.
      - If not set, the variable C(isc_refresh_token) is used.
    type: str
  code:
    description:
      - Authorization code for O(grant_type=authorization_code). A code can be exchanged once. With another grant
        the task fails.
      - If not set, the variable C(isc_code) is used.
    type: str
  redirect_uri:
    description:
      - Redirect URI the authorization code was issued for; must match one of the API client's redirect URIs.
      - Only for O(grant_type=authorization_code); with another grant the task fails (the redirect URIs of an API
        client are C(redirect_uris) of M(sailpoint_isc.oauth.isc_oauth_client)).
      - If not set, the variable C(isc_redirect_uri) is used.
    type: str
  code_verifier:
    description:
      - PKCE code verifier matching the code challenge sent to C(/oauth/authorize), for
        O(grant_type=authorization_code); with another grant the task fails.
      - If not set, the variable C(isc_code_verifier) is used.
    type: str
  token_cache:
    description:
      - Reuse tokens across tasks, forks and runs through an encrypted on-disk cache, so that a whole playbook
        costs one token request per credential and token lifetime.
      - The cache holds access and refresh tokens only, never client secrets, encrypted with a key derived
        from the credential's secret, in a private directory (mode 0700, files 0600).
      - Set to V(false) to request a fresh token for every task, for example on a shared host.
      - If not set, the variable C(isc_token_cache) is used, then the environment variable E(ISC_TOKEN_CACHE).
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache.
      - If not set, the variable C(isc_token_cache_dir) is used, then the environment variable E(ISC_TOKEN_CACHE_DIR), else
        C($XDG_CACHE_HOME/sailpoint_isc.oauth/tokens) or C(~/.cache/sailpoint_isc.oauth/tokens).
    type: path
'''

    # Plugins (the lookup): where an option is also read from. Descriptions, types and defaults are in
    # DOCUMENTATION above, which the lookup extends as well (as community.hashi_vault's fragments do).
    PLUGINS = r'''
options:
  client_id:
    env:
      - name: SAIL_CLIENT_ID
    vars:
      - name: isc_client_id
  client_secret:
    env:
      - name: SAIL_CLIENT_SECRET
    vars:
      - name: isc_client_secret
  access_token:
    env:
      - name: ISC_ACCESS_TOKEN
    vars:
      - name: isc_access_token
  grant_type:
    vars:
      - name: isc_grant_type
    ini:
      - section: sailpoint_isc
        key: grant_type
  refresh_token:
    vars:
      - name: isc_refresh_token
  code:
    vars:
      - name: isc_code
  redirect_uri:
    vars:
      - name: isc_redirect_uri
  code_verifier:
    vars:
      - name: isc_code_verifier
  token_cache:
    env:
      - name: ISC_TOKEN_CACHE
    vars:
      - name: isc_token_cache
    ini:
      - section: sailpoint_isc
        key: token_cache
  token_cache_dir:
    env:
      - name: ISC_TOKEN_CACHE_DIR
    vars:
      - name: isc_token_cache_dir
    ini:
      - section: sailpoint_isc
        key: token_cache_dir
'''
