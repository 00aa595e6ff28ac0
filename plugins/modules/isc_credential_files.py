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
    replaced atomically, never through a symbolic link.
  - With O(preflight=true) it writes nothing and checks, before a role creates anything, that every credential has a
    file of its own and that the directories can be written; it returns the paths (RV(paths)) that the modules'
    C(secret_file) option then writes to.
  - The default secret sink of the C(api_clients) and C(personal_access_tokens) roles. One task writes every file,
    in-process on the controller when the task runs locally.
  - Environment and name map to file names injectively, so two credentials never share a file and a file never lands
    outside O(directory) - percent-encoding as in URLs - ASCII letters, digits, C(_), C(-) and C(.) stand for
    themselves (a leading C(.) is encoded), every other byte of the UTF-8 name becomes C(%XX) (C(app:ci) becomes
    C(app%3Aci.json), C(app ci) becomes C(app%20ci.json)), and a result over 200 characters keeps its first 160 and
    ends in C(~) and 32 hex digits of the name's SHA-256.
  - Names that differ only in case would share a file on a case-insensitive file system; O(preflight=true) refuses
    them.
  - Sends nothing to ISC.
options:
  directory:
    description:
      - Directory that holds one subdirectory per environment. Created (mode 0700) when missing.
    type: path
    required: true
  preflight:
    description:
      - Write nothing; fail when two credentials would share a file or a directory cannot be written, naming them.
      - O(credentials[].client_id) and O(credentials[].client_secret) are not needed then.
    type: bool
    default: false
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
        description: Client ID. Required unless O(preflight=true).
        type: str
      client_secret:
        description: The secret. Required unless O(preflight=true).
        type: str
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
paths:
  description: Each credential's file, as C(name), C(environment) and C(path), in the order given.
  returned: always
  type: list
  elements: dict
  sample: [{name: ci-pipeline, environment: prod, path: /home/ops/.isc/secrets/prod/ci-pipeline.json}]
'''

import os

from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_errors import IscError, IscOptionError
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_module import run_module
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_secret_files import (
    clashing_names,
    file_name,
    file_stem,
    prepare_directory,
    write_credential_file,
)
from ansible_collections.sailpoint_isc.oauth.plugins.module_utils._isc_task import IscModuleSpec


def credential_path(directory, credential):
    return os.path.join(directory, file_stem(credential['environment']), file_name(credential['name']))


def preflight(directory, credentials, paths, check_mode):
    """Every credential gets a file of its own, and every directory can be written; no credential is written."""
    by_environment = {}
    for credential in credentials:
        by_environment.setdefault(credential['environment'], []).append(credential['name'])
    for environment, names in sorted(by_environment.items()):
        clashes = clashing_names(names)
        if clashes:
            groups = '; '.join(' / '.join(repr(name) for name in group) for group in clashes)
            raise IscOptionError('These credentials of %s would share a secret file (names that differ only in case '
                                 'share a file on case-insensitive file systems, and each name may appear once): %s; '
                                 'rename them' % (environment, groups))
    for entry in paths:
        if os.path.islink(entry['path']) or os.path.isdir(entry['path']):
            raise IscOptionError('The secret file of %r, %s, is a symbolic link or a directory; remove it or choose '
                                 'another directory' % (entry['name'], entry['path']))
    if check_mode:
        return
    try:
        prepare_directory(directory)
        for environment in sorted(by_environment):
            prepare_directory(os.path.join(directory, file_stem(environment)))
    except IscError as exc:
        raise IscOptionError(exc.message)


def write_files(ctx):
    directory = ctx.params['directory']
    credentials = ctx.params['credentials']
    paths = [dict(name=c['name'], environment=c['environment'], path=credential_path(directory, c))
             for c in credentials]
    if ctx.params['preflight']:
        preflight(directory, credentials, paths, ctx.check_mode)
        return dict(changed=False, written=[], paths=paths)
    missing = [c['name'] for c in credentials if not c.get('client_id') or not c.get('client_secret')]
    if missing:
        raise IscOptionError('credentials %s need client_id and client_secret' % ', '.join(repr(n) for n in missing))
    if not ctx.check_mode:
        prepare_directory(directory)
    written = []
    for credential, entry in zip(credentials, paths):
        written.append(entry['path'])
        if not ctx.check_mode:
            write_credential_file(entry['path'], credential)
    return dict(changed=bool(written), written=written, paths=paths)


SPEC = IscModuleSpec(
    argument_spec=dict(
        directory=dict(type='path', required=True),
        # Only the secret is no_log: masking the whole list would also mask the paths returned in written.
        preflight=dict(type='bool', default=False),
        credentials=dict(type='list', elements='dict', required=True, no_log=False, options=dict(
            name=dict(type='str', required=True),
            environment=dict(type='str', required=True),
            client_id=dict(type='str'),
            client_secret=dict(type='str', no_log=True),
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
