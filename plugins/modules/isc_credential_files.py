#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) sailpoint_isc.oauth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: isc_credential_files
short_description: Write new ISC credentials to private files
version_added: 0.1.0
author:
  - sailpoint_isc.oauth maintainers (@sailpoint-isc-oauth)
description:
  - Writes each credential (an API client's or personal access token's id and secret, which ISC shows only once) to
    C(<directory>/<environment>/<name>.json), with the directories mode 0700 and the files mode 0600, each file
    replaced atomically.
  - The default secret sink of the C(api_clients) and C(personal_access_tokens) roles. One task writes every file,
    in-process on the controller when the task runs locally.
  - Environment and name are reduced to letters, digits, C(.), C(_) and C(-), and cannot start with a dot, so a
    file never lands outside O(directory).
  - Sends nothing to ISC.
options:
  directory:
    description:
      - Directory that holds one subdirectory per environment. Created (mode 0700) when missing.
    type: path
    required: true
  credentials:
    description:
      - The credentials, as the roles build them.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the API client or personal access token.
        type: str
        required: true
      environment:
        description: Environment (inventory host) the credential belongs to.
        type: str
        required: true
      client_id:
        description: Client ID.
        type: str
        required: true
      client_secret:
        description: The secret.
        type: str
        required: true
      kind:
        description: What the credential is.
        type: str
        choices: [api_client, personal_access_token]
        default: api_client
      base_url:
        description: API root of the tenant.
        type: str
      token_url:
        description: Token endpoint of the tenant.
        type: str
attributes:
  check_mode:
    support: full
    description: Reports the files it would write, and writes none.
  diff_mode:
    support: none
    description: The files hold secrets; their content is never shown.
  platform:
    support: full
    platforms: posix
    description: Runs in-process on the controller when the task runs locally; otherwise as a module on the target.
notes:
  - Not a member of the C(group/sailpoint_isc.oauth.isc) action group, as it takes no connection options.
'''

EXAMPLES = r'''
- name: Keep a new client's credentials where only this user can read them
  sailpoint_isc.oauth.isc_credential_files:
    directory: "{{ lookup('ansible.builtin.env', 'HOME') }}/.isc/secrets"
    credentials:
      - name: ci-pipeline
        environment: prod
        client_id: "{{ created.client_id }}"
        client_secret: "{{ created.client_secret }}"
        base_url: https://acme.api.identitynow.com
        token_url: https://acme.api.identitynow.com/oauth/token
  no_log: true
'''

RETURN = r'''
written:
  description: The files written (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/home/ops/.isc/secrets/prod/ci-pipeline.json]
'''

import json
import os
import re

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_files import (
    ensure_private_dir,
    write_atomically,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec

FIELDS = ('name', 'kind', 'client_id', 'client_secret', 'environment', 'base_url', 'token_url')


def safe_part(text):
    """One path component made of [A-Za-z0-9._-], never '.', '..' or hidden."""
    part = re.sub(r'[^A-Za-z0-9._-]', '_', text)
    return re.sub(r'^\.', '_', part) or '_'


def write_files(ctx):
    directory = ctx.params['directory']
    written = []
    for credential in ctx.params['credentials']:
        path = os.path.join(directory, safe_part(credential['environment']), safe_part(credential['name']) + '.json')
        written.append(path)
        if ctx.check_mode:
            continue
        try:
            ensure_private_dir(directory)
            ensure_private_dir(os.path.dirname(path))
            write_atomically(path, json.dumps(dict((k, credential.get(k)) for k in FIELDS), indent=2) + '\n')
        except OSError as exc:
            raise IscOptionError('Cannot write the credential file %s: %s' % (path, exc))
    return dict(changed=bool(written), written=written)


SPEC = IscModuleSpec(
    argument_spec=dict(
        directory=dict(type='path', required=True),
        # Only the secret is no_log: masking the whole list would also mask the paths returned in written.
        credentials=dict(type='list', elements='dict', required=True, no_log=False, options=dict(
            name=dict(type='str', required=True),
            environment=dict(type='str', required=True),
            client_id=dict(type='str', required=True),
            client_secret=dict(type='str', required=True, no_log=True),
            kind=dict(type='str', default='api_client', choices=['api_client', 'personal_access_token']),
            base_url=dict(type='str'),
            token_url=dict(type='str', no_log=False),
        )),
    ),
    run=write_files,
    connection=False,
)


def main():
    run_module(SPEC)


if __name__ == '__main__':
    main()
