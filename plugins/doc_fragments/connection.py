# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    # Modules: how to reach the tenant. Options read by plugins (env, vars, ini) are in PLUGINS below.
    DOCUMENTATION = r'''
options:
  base_url:
    description:
      - Root URL of the tenant's API, for example V(https://acme.api.identitynow.com), a vanity URL,
        or the URL of the bundled emulator.
      - Exactly one of O(base_url) and O(tenant) is used. When the task sets neither, the variable C(isc_base_url)
        or C(isc_tenant) is used, then the environment variable E(SAIL_BASE_URL), else E(ISC_TENANT). A task (or
        C(module_defaults)) that sets one of them takes neither from a variable or the environment.
    type: str
  tenant:
    description:
      - Tenant name, shorthand for O(base_url) V(https://{tenant}.api.identitynow.com).
      - Mutually exclusive with O(base_url). When the task sets neither, C(isc_base_url), C(isc_tenant),
        E(SAIL_BASE_URL) and then E(ISC_TENANT) are used.
    type: str
  token_url:
    description:
      - OAuth 2.0 token endpoint.
      - Defaults to O(base_url) followed by C(/oauth/token).
      - If not set, the variable C(isc_token_url) is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only set to V(false) on a test tenant you control.
      - V(false) is reported with a warning naming the host, once per process (Ansible shows an identical
        warning once per playbook run).
      - If not set, the variable C(isc_validate_certs) is used, then the environment variable E(ISC_VALIDATE_CERTS).
    type: bool
    default: true
  allow_insecure_http:
    description:
      - Allow an C(http://) O(base_url) or O(token_url) whose host is not this machine. Without it such a URL
        is refused before any request, because the client secret and every token would cross the network
        unencrypted. C(http://) to V(localhost), V(127.0.0.0/8) or V(::1) is always allowed.
      - When set and used, a warning says so, once per process.
      - If not set, the variable C(isc_allow_insecure_http) is used, then the environment variable
        E(ISC_ALLOW_INSECURE_HTTP).
    type: bool
    default: false
  ca_path:
    description:
      - PEM file with the CA certificates that signed the server certificate, for example a corporate
        TLS-inspecting proxy's CA or the emulator's self-signed CA.
      - If not set, the variable C(isc_ca_path) is used, then the environment variable E(ISC_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for the server to accept a connection and to answer each request, from 1 to 3600.
      - If not set, the variable C(isc_timeout) is used.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 (honouring C(Retry-After)), 502, 503, 504
        or a connection error, with exponential backoff and jitter. From 0 to 20.
      - A create request whose answer is lost is never sent again, so no duplicate is made.
      - If not set, the variable C(isc_max_retries) is used.
    type: int
    default: 5
notes:
  - Every connection and authentication option that is not set explicitly (on the task, in C(module_defaults), or as
    a keyword of the P(sailpoint_isc.oauth.isc_access_token#lookup) lookup) is taken from its C(isc_*) variable
    (C(isc_base_url), C(isc_client_id), C(isc_client_secret), ...), templated, and masked when it is secret; then from
    the environment; then from its default. The lookup also reads the C([sailpoint_isc]) section of C(ansible.cfg).
'''

    # Plugins (the lookup): where an option is also read from. Descriptions, types and defaults are in
    # DOCUMENTATION above, which the lookup extends as well (as community.hashi_vault's fragments do).
    PLUGINS = r'''
options:
  base_url:
    env:
      - name: SAIL_BASE_URL
    vars:
      - name: isc_base_url
    ini:
      - section: sailpoint_isc
        key: base_url
  tenant:
    env:
      - name: ISC_TENANT
    vars:
      - name: isc_tenant
    ini:
      - section: sailpoint_isc
        key: tenant
  token_url:
    vars:
      - name: isc_token_url
    ini:
      - section: sailpoint_isc
        key: token_url
  validate_certs:
    env:
      - name: ISC_VALIDATE_CERTS
    vars:
      - name: isc_validate_certs
    ini:
      - section: sailpoint_isc
        key: validate_certs
  allow_insecure_http:
    env:
      - name: ISC_ALLOW_INSECURE_HTTP
    vars:
      - name: isc_allow_insecure_http
    ini:
      - section: sailpoint_isc
        key: allow_insecure_http
  ca_path:
    env:
      - name: ISC_CA_PATH
    vars:
      - name: isc_ca_path
    ini:
      - section: sailpoint_isc
        key: ca_path
  timeout:
    vars:
      - name: isc_timeout
    ini:
      - section: sailpoint_isc
        key: timeout
  max_retries:
    vars:
      - name: isc_max_retries
    ini:
      - section: sailpoint_isc
        key: max_retries
'''
